// Command kubeschemas turns Kubernetes' OpenAPI v2 document (api/openapi-spec/swagger.json in the
// k8s.io/kubernetes module) into the JSON schema layout kubeconform reads as
// "{{ .NormalizedKubernetesVersion }}-standalone{{ .StrictSuffix }}/{{ .ResourceKind }}{{ .KindSuffix }}.json":
// one file per definition, named kind-group-version.json (core group: kind-version.json),
// with every $ref inlined and, with -strict, additionalProperties: false on every object that
// has properties.
//
// It reproduces what `openapi2jsonschema --expanded --kubernetes --stand-alone [--strict]` (the
// generator behind github.com/yannh/kubernetes-json-schema, kubeconform's default schemas) does:
//
//   - IntOrString becomes {"oneOf": [string, integer]} and Quantity {"oneOf": [string, number]},
//     as does any schema with "format": "int-or-string";
//   - apiVersion and kind of a type with x-kubernetes-group-version-kind get an enum of the
//     group/version and kind values it is served as;
//   - a $ref is replaced by the definition it names; keys beside the $ref (its description) are
//     dropped, as jsonref does;
//   - below the top level, "type": T becomes [T, "null"] unless the field is listed in its
//     parent object's "required" (top-level required fields stay nullable, as upstream);
//   - the top-level schema gets "$schema": "http://json-schema.org/schema#" and a default
//     "type": "object", and with -strict "additionalProperties": false;
//   - "format" values are copied as they are: kubeconform's validator treats them as annotations.
//
// Two deliberate differences: upstream leaves out the CustomResourceDefinition types (their
// JSONSchemaProps is recursive); here a $ref back into a definition that is already being inlined
// becomes {} (anything), so customresourcedefinition-apiextensions-v1.json exists and checks
// everything but the nested openAPIV3Schema. And for a kind served under a single group whose
// first segment differs from the definition's package name (apiserverinternal vs
// internal.apiserver.k8s.io, meta vs core), the file is also written under the name kubeconform
// derives from the apiVersion, unless another definition already has that name.
//
// By default only definitions that carry x-kubernetes-group-version-kind (the ones kubeconform
// can ask for) are written; -all writes every definition, like upstream.
//
// With -crd it converts CustomResourceDefinition YAML files instead (see runCRDs), like
// kubeconform's scripts/openapi2jsonschema.py.
package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
)

const (
	refPrefix     = "#/definitions/"
	schemaDialect = "http://json-schema.org/schema#"
	intOrString   = "io.k8s.apimachinery.pkg.util.intstr.IntOrString"
	quantity      = "io.k8s.apimachinery.pkg.api.resource.Quantity"
)

type object = map[string]any

func main() {
	in := flag.String("in", "", "path to swagger.json (OpenAPI v2); - for stdin")
	out := flag.String("out", "", "output directory (created if missing)")
	strict := flag.Bool("strict", true, "add additionalProperties: false to every object that has properties")
	all := flag.Bool("all", false, "write every definition, not only the ones with x-kubernetes-group-version-kind")
	quiet := flag.Bool("q", false, "do not report skipped definitions and broken cycles on stderr")
	crd := flag.Bool("crd", false, "convert the CustomResourceDefinitions in the YAML files given as arguments instead")
	denyRoot := flag.Bool("deny-root-additional-properties", false, "with -crd and -strict, close the root object too")
	flag.Usage = func() {
		fmt.Fprintf(flag.CommandLine.Output(), "usage: kubeschemas -in swagger.json -out DIR [-strict=false] [-all]\n"+
			"       kubeschemas -crd -out DIR [-strict=false] CRD.yaml...\n")
		flag.PrintDefaults()
	}
	flag.Parse()
	var (
		n   int
		err error
	)
	switch {
	case *out == "":
		flag.Usage()
		os.Exit(2)
	case *crd:
		if *in != "" || flag.NArg() == 0 {
			flag.Usage()
			os.Exit(2)
		}
		n, err = runCRDs(flag.Args(), *out, *strict, *denyRoot, *quiet)
	default:
		if *in == "" || flag.NArg() != 0 {
			flag.Usage()
			os.Exit(2)
		}
		n, err = run(*in, *out, *strict, *all, *quiet)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "kubeschemas:", err)
		os.Exit(1)
	}
	if !*quiet {
		fmt.Fprintf(os.Stderr, "kubeschemas: wrote %d schemas to %s\n", n, *out)
	}
}

// run writes the schemas for the swagger document in (- for stdin) into out and returns how many.
func run(in, out string, strict, all, quiet bool) (int, error) {
	defs, err := readDefinitions(in)
	if err != nil {
		return 0, err
	}

	prepareDefinitions(defs, strict)

	jobs := planJobs(defs, all)

	if err := os.MkdirAll(out, 0o755); err != nil {
		return 0, err
	}
	for _, j := range jobs {
		if err := writeSchema(defs, j, out, strict, quiet); err != nil {
			return 0, err
		}
	}
	return len(jobs), nil
}

// readDefinitions parses the OpenAPI v2 document in (- for stdin) and returns its definitions.
func readDefinitions(in string) (object, error) {
	var r io.Reader = os.Stdin
	if in != "-" {
		f, err := os.Open(in)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		r = f
	}
	dec := json.NewDecoder(r)
	dec.UseNumber()
	var doc object
	if err := dec.Decode(&doc); err != nil {
		return nil, fmt.Errorf("parsing %s: %w", in, err)
	}
	if v, _ := doc["swagger"].(string); !strings.HasPrefix(v, "2.") {
		return nil, fmt.Errorf("%s is not an OpenAPI v2 (swagger 2.x) document", in)
	}
	defs, ok := doc["definitions"].(object)
	if !ok || len(defs) == 0 {
		return nil, fmt.Errorf("%s has no definitions", in)
	}
	return defs, nil
}

// schemaJob is one schema file to write: the definition's title and the file's name without .json.
type schemaJob struct{ title, name string }

// planJobs lists the files to write: one per selected definition, in title order, then the aliases.
func planJobs(defs object, all bool) []schemaJob {
	titles := make([]string, 0, len(defs))
	for t := range defs {
		titles = append(titles, t)
	}
	sort.Strings(titles)

	files := map[string]string{} // file name -> title
	var jobs []schemaJob
	for _, t := range titles {
		parts := strings.Split(t, ".")
		if len(parts) < 3 {
			continue
		}
		// Definitions under io.k8s.kubernetes.pkg are old deprecated copies; upstream skips them.
		if len(parts) > 3 && parts[2] == "kubernetes" && parts[3] == "pkg" {
			continue
		}
		def := defs[t].(object)
		if !all && def["x-kubernetes-group-version-kind"] == nil {
			continue
		}
		name := titleFileName(parts)
		files[name] = t
		jobs = append(jobs, schemaJob{t, name})
	}
	return appendAliases(defs, jobs, files)
}

// appendAliases appends to jobs the aliases under the name kubeconform derives from the
// apiVersion, for names not already in files (file name -> title).
func appendAliases(defs object, jobs []schemaJob, files map[string]string) []schemaJob {
	for _, j := range append([]schemaJob(nil), jobs...) {
		gvks, _ := defs[j.title].(object)["x-kubernetes-group-version-kind"].([]any)
		if len(gvks) != 1 {
			continue
		}
		gvk, _ := gvks[0].(object)
		kind, _ := gvk["kind"].(string)
		group, _ := gvk["group"].(string)
		version, _ := gvk["version"].(string)
		if kind == "" || version == "" {
			continue
		}
		alias := strings.ToLower(kind)
		if group != "" {
			alias += "-" + strings.ToLower(strings.Split(group, ".")[0])
		}
		alias += "-" + strings.ToLower(version)
		if _, taken := files[alias]; taken {
			continue
		}
		files[alias] = j.title
		jobs = append(jobs, schemaJob{j.title, alias})
	}
	return jobs
}

// writeSchema inlines j's definition, finishes it and writes it to out/NAME.json.
func writeSchema(defs object, j schemaJob, out string, strict, quiet bool) error {
	x := &expander{defs: defs, active: map[string]bool{}}
	spec := x.expand(defs[j.title]).(object)
	finishTopLevel(spec, strict)
	if len(x.broken) > 0 && !quiet {
		fmt.Fprintf(os.Stderr, "kubeschemas: %s: recursive $ref to %s replaced by {}\n", j.name, strings.Join(slices.Sorted(maps.Keys(x.broken)), ", "))
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(spec); err != nil {
		return fmt.Errorf("%s: %w", j.title, err)
	}
	return os.WriteFile(filepath.Join(out, j.name+".json"), buf.Bytes(), 0o644)
}

// titleFileName is openapi2jsonschema's expanded name: kind-group-version from the last three
// segments of the definition's name, without the group for core/api.
func titleFileName(parts []string) string {
	kind := strings.ToLower(parts[len(parts)-1])
	version := strings.ToLower(parts[len(parts)-2])
	group := strings.ToLower(parts[len(parts)-3])
	if group == "core" || group == "api" {
		return kind + "-" + version
	}
	return kind + "-" + group + "-" + version
}

// prepareDefinitions applies the changes openapi2jsonschema makes to the shared definitions
// before anything is inlined.
func prepareDefinitions(defs object, strict bool) {
	defs[intOrString] = object{"oneOf": []any{object{"type": "string"}, object{"type": "integer"}}}
	// Not valid per the API, but accepted by nearly all Kubernetes tooling.
	defs[quantity] = object{"oneOf": []any{object{"type": "string"}, object{"type": "number"}}}

	for _, t := range slices.Sorted(maps.Keys(defs)) {
		def, ok := defs[t].(object)
		if !ok {
			continue
		}
		gvks, _ := def["x-kubernetes-group-version-kind"].([]any)
		props, _ := def["properties"].(object)
		for _, g := range gvks {
			gvk, _ := g.(object)
			group, _ := gvk["group"].(string)
			version, _ := gvk["version"].(string)
			kind, _ := gvk["kind"].(string)
			if p, ok := props["apiVersion"].(object); ok {
				apiVersion := version
				if group != "" {
					apiVersion = group + "/" + version
				}
				appendEnum(p, apiVersion)
			}
			if p, ok := props["kind"].(object); ok {
				appendEnum(p, kind)
			}
		}
		if strict {
			closeObjects(def)
		}
	}
}

func appendEnum(p object, v string) {
	enum, _ := p["enum"].([]any)
	for _, e := range enum {
		if e == v {
			return
		}
	}
	p["enum"] = append(enum, v)
}

// closeObjects sets additionalProperties: false on s and on every schema below it that has
// properties and does not say otherwise. It follows the schema keywords only, so a field
// that happens to be called "properties" is not mistaken for a schema.
func closeObjects(s any) {
	m, ok := s.(object)
	if !ok {
		return
	}
	if props, ok := m["properties"].(object); ok {
		if _, has := m["additionalProperties"]; !has {
			m["additionalProperties"] = false
		}
		for _, k := range slices.Sorted(maps.Keys(props)) {
			closeObjects(props[k])
		}
	}
	if pp, ok := m["patternProperties"].(object); ok {
		for _, k := range slices.Sorted(maps.Keys(pp)) {
			closeObjects(pp[k])
		}
	}
	for _, k := range []string{"items", "additionalProperties", "additionalItems", "not"} {
		switch v := m[k].(type) {
		case object:
			closeObjects(v)
		case []any:
			for _, x := range v {
				closeObjects(x)
			}
		}
	}
	for _, k := range []string{"allOf", "anyOf", "oneOf"} {
		if l, ok := m[k].([]any); ok {
			for _, x := range l {
				closeObjects(x)
			}
		}
	}
}

// expander inlines $refs, copying as it goes so that every use of a definition can be changed
// on its own (nullability depends on where a definition is used).
type expander struct {
	defs   object
	active map[string]bool // definitions being inlined on the current path
	broken map[string]bool // definitions whose recursive $ref was cut
}

func (x *expander) expand(v any) any {
	switch v := v.(type) {
	case object:
		if ref, ok := v["$ref"].(string); ok {
			name, found := strings.CutPrefix(ref, refPrefix)
			def, known := x.defs[name]
			if !found || !known {
				panic(fmt.Sprintf("unresolvable $ref %q", ref))
			}
			if x.active[name] {
				if x.broken == nil {
					x.broken = map[string]bool{}
				}
				x.broken[name] = true
				return object{}
			}
			x.active[name] = true
			r := x.expand(def)
			delete(x.active, name)
			return r
		}
		m := make(object, len(v))
		for k, e := range v {
			m[k] = x.expand(e)
		}
		return m
	case []any:
		l := make([]any, len(v))
		for i, e := range v {
			l[i] = x.expand(e)
		}
		return l
	default:
		return v
	}
}

// finishTopLevel applies the per-file steps, in openapi2jsonschema's order.
func finishTopLevel(spec object, strict bool) {
	spec["$schema"] = schemaDialect
	if _, ok := spec["type"]; !ok {
		spec["type"] = "object"
	}
	if strict {
		spec["additionalProperties"] = false
	}
	props, ok := spec["properties"].(object)
	if !ok {
		return
	}
	if strict {
		for _, k := range slices.Sorted(maps.Keys(props)) {
			closeObjects(props[k])
		}
	}
	props = replaceIntOrString(props).(object)
	spec["properties"] = allowNull(props, nil, nil, "")
}

// replaceIntOrString turns every schema with "format": "int-or-string" into oneOf string/integer.
func replaceIntOrString(v any) any {
	switch v := v.(type) {
	case object:
		m := make(object, len(v))
		for k, e := range v {
			if s, ok := e.(object); ok && s["format"] == "int-or-string" {
				m[k] = object{"oneOf": []any{object{"type": "string"}, object{"type": "integer"}}}
				continue
			}
			m[k] = replaceIntOrString(e)
		}
		return m
	case []any:
		l := make([]any, len(v))
		for i, e := range v {
			l[i] = replaceIntOrString(e)
		}
		return l
	default:
		return v
	}
}

// allowNull is openapi2jsonschema's allow_null_optional_fields: a "type": T (T != "null") in a
// map becomes [T, "null"] unless key, the name under which the map sits, is listed in the
// "required" of grandParent. parent and grandParent are the containers one and two levels up
// (a map or a list), exactly as the Python code passes them, so its quirks carry over.
func allowNull(data, parent, grandParent any, key string) any {
	switch d := data.(type) {
	case object:
		m := make(object, len(d))
		for k, v := range d {
			switch v := v.(type) {
			case object:
				m[k] = allowNull(v, d, parent, k)
			case []any:
				l := make([]any, len(v))
				for i, e := range v {
					l[i] = allowNull(e, v, parent, k)
				}
				m[k] = l
			case string:
				if k == "type" && v != "null" && !isRequired(grandParent, key) {
					m[k] = []any{v, "null"}
				} else {
					m[k] = v
				}
			default:
				m[k] = v
			}
		}
		return m
	default:
		// The Python code returns anything that is not a dict (lists included) unchanged.
		return data
	}
}

func isRequired(grandParent any, key string) bool {
	gp, ok := grandParent.(object)
	if !ok || len(gp) == 0 {
		return false
	}
	req, ok := gp["required"].([]any)
	if !ok {
		return false
	}
	for _, r := range req {
		if r == key {
			return true
		}
	}
	return false
}
