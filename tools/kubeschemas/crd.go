package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"
)

// runCRDs writes, for every version of every CustomResourceDefinition in files, its
// openAPIV3Schema as out/<group>/<kind>_<version>.json: the layout kubeconform reads with
// -schema-location 'DIR/{{ .Group }}/{{ .ResourceKind }}_{{ .ResourceAPIVersion }}.json'.
//
// It follows kubeconform's scripts/openapi2jsonschema.py: with strict, every object below the
// root that has properties gets additionalProperties: false (the root too with denyRoot), and
// "format": "int-or-string" becomes oneOf string/integer. Two differences: an object marked
// x-kubernetes-preserve-unknown-fields: true is left open, as the API server leaves it, and
// "nullable": true adds "null" to the type, so null is accepted where the API server accepts it.
func runCRDs(files []string, out string, strict, denyRoot, quiet bool) (int, error) {
	n := 0
	for _, file := range files {
		f, err := os.Open(file)
		if err != nil {
			return n, err
		}
		docs, err := decodeYAMLDocs(f)
		f.Close()
		if err != nil {
			return n, fmt.Errorf("%s: %w", file, err)
		}
		for _, doc := range docs {
			crds := []any{doc}
			if items, ok := doc["items"].([]any); ok {
				crds = items
			}
			for _, c := range crds {
				crd, _ := c.(object)
				if crd["kind"] != "CustomResourceDefinition" {
					continue
				}
				written, err := writeCRDSchemas(crd, out, strict, denyRoot)
				if err != nil {
					return n, fmt.Errorf("%s: %w", file, err)
				}
				if written == 0 && !quiet {
					fmt.Fprintf(os.Stderr, "kubeschemas: %s: CRD %v has no openAPIV3Schema\n", file, crd["metadata"].(object)["name"])
				}
				n += written
			}
		}
	}
	return n, nil
}

func decodeYAMLDocs(r io.Reader) ([]object, error) {
	dec := yaml.NewDecoder(r)
	var docs []object
	for {
		var doc object
		err := dec.Decode(&doc)
		if errors.Is(err, io.EOF) {
			return docs, nil
		}
		if err != nil {
			return nil, err
		}
		if doc != nil {
			docs = append(docs, doc)
		}
	}
}

func writeCRDSchemas(crd object, out string, strict, denyRoot bool) (int, error) {
	spec, _ := crd["spec"].(object)
	group, _ := spec["group"].(string)
	names, _ := spec["names"].(object)
	kind, _ := names["kind"].(string)
	if group == "" || kind == "" {
		return 0, fmt.Errorf("CRD without spec.group or spec.names.kind")
	}
	dir := filepath.Join(out, group)
	n := 0
	versions, _ := spec["versions"].([]any)
	for _, v := range versions {
		ver, _ := v.(object)
		name, _ := ver["name"].(string)
		schema, _ := ver["schema"].(object)
		s, ok := schema["openAPIV3Schema"].(object)
		if !ok {
			// apiextensions.k8s.io/v1beta1 kept one schema for all versions.
			validation, _ := spec["validation"].(object)
			if s, ok = validation["openAPIV3Schema"].(object); !ok {
				continue
			}
		}
		var js any = s
		if strict {
			closeCRDObjects(js, !denyRoot)
		}
		js = allowNullable(replaceIntOrString(js))
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		enc.SetIndent("", "  ")
		if err := enc.Encode(js); err != nil {
			return n, fmt.Errorf("%s %s: %w", kind, name, err)
		}
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return n, err
		}
		file := filepath.Join(dir, strings.ToLower(kind)+"_"+strings.ToLower(name)+".json")
		if err := os.WriteFile(file, buf.Bytes(), 0o644); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}

// closeCRDObjects is closeObjects for structural CRD schemas: it leaves alone objects that
// keep unknown fields, and the root when skipRoot is set.
func closeCRDObjects(s any, skipRoot bool) {
	m, ok := s.(object)
	if !ok {
		return
	}
	if props, ok := m["properties"].(object); ok {
		_, has := m["additionalProperties"]
		if !has && !skipRoot && m["x-kubernetes-preserve-unknown-fields"] != true {
			m["additionalProperties"] = false
		}
		for _, k := range slices.Sorted(maps.Keys(props)) {
			closeCRDObjects(props[k], false)
		}
	}
	for _, k := range []string{"items", "additionalProperties", "not"} {
		switch v := m[k].(type) {
		case object:
			closeCRDObjects(v, false)
		case []any:
			for _, x := range v {
				closeCRDObjects(x, false)
			}
		}
	}
	for _, k := range []string{"allOf", "anyOf", "oneOf"} {
		if l, ok := m[k].([]any); ok {
			for _, x := range l {
				closeCRDObjects(x, false)
			}
		}
	}
}

// allowNullable turns {"type": T, "nullable": true} into {"type": [T, "null"], ...}, the JSON
// schema spelling of OpenAPI v3's nullable.
func allowNullable(v any) any {
	switch v := v.(type) {
	case object:
		m := make(object, len(v))
		for k, e := range v {
			m[k] = allowNullable(e)
		}
		if t, ok := m["type"].(string); ok && m["nullable"] == true {
			m["type"] = []any{t, "null"}
		}
		return m
	case []any:
		l := make([]any, len(v))
		for i, e := range v {
			l[i] = allowNullable(e)
		}
		return l
	default:
		return v
	}
}
