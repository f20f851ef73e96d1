package blueprints

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"go.yaml.in/yaml/v3"

	"github.com/gantry-dev/gantry/internal/golden"
)

func TestGolden(t *testing.T) {
	for _, tc := range []struct {
		path string
		got  []byte
	}{
		{"schema/gantry.schema.json", JSONSchema()},
		{"../docs/blueprint.md", ReferenceMarkdown()},
	} {
		t.Run(tc.path, func(t *testing.T) {
			golden.Check(t, tc.path, tc.got)
		})
	}
}

// compileSchema compiles JSONSchema() as draft 2020-12.
func compileSchema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(JSONSchema()))
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	if err := c.AddResource(schemaID, doc); err != nil {
		t.Fatal(err)
	}
	sch, err := c.Compile(schemaID)
	if err != nil {
		t.Fatal(err)
	}
	return sch
}

// yamlDocs decodes every document of a YAML stream into JSON values, as an editor sees them.
func yamlDocs(data []byte) ([]any, error) {
	var docs []any
	dec := yaml.NewDecoder(bytes.NewReader(data))
	for {
		var v any
		err := dec.Decode(&v)
		if errors.Is(err, io.EOF) {
			return docs, nil
		}
		if err != nil {
			return nil, err
		}
		// A JSON round trip turns YAML scalars (timestamps, ...) into what JSON would hold.
		b, err := json.Marshal(jsonCompatible(v))
		if err != nil {
			return nil, err
		}
		j, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
		if err != nil {
			return nil, err
		}
		docs = append(docs, j)
	}
}

// jsonCompatible converts the maps with non-string keys that YAML allows into JSON objects.
func jsonCompatible(v any) any {
	switch v := v.(type) {
	case map[string]any:
		for k, e := range v {
			v[k] = jsonCompatible(e)
		}
	case map[any]any:
		m := make(map[string]any, len(v))
		for k, e := range v {
			m[fmt.Sprint(k)] = jsonCompatible(e)
		}
		return m
	case []any:
		for i, e := range v {
			v[i] = jsonCompatible(e)
		}
	}
	return v
}

func TestSchemaExamples(t *testing.T) {
	sch := compileSchema(t)
	var files []string
	err := filepath.WalkDir("../examples", func(path string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(path, ".yaml") {
			files = append(files, path)
		}
		return err
	})
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Log("no examples/**/*.yaml yet")
	}
	for _, path := range files {
		t.Run(filepath.ToSlash(path), func(t *testing.T) {
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			docs, err := yamlDocs(data)
			if err != nil {
				t.Fatal(err)
			}
			for i, doc := range docs {
				if err := sch.Validate(doc); err != nil {
					t.Errorf("document %d: %v", i+1, err)
				}
			}
		})
	}
}

func TestSchemaCases(t *testing.T) {
	sch := compileSchema(t)
	const service = `
apiVersion: gantry.dev/v1
kind: Service
metadata: {name: payments, team: billing}
spec:
  runtime: go
  type: web
  port: 8080
`
	for _, tc := range []struct {
		name, yaml string
		reject     string // part of the expected error; "" if valid
	}{
		{"minimal service", service, ""},
		{"minimal platform", "apiVersion: gantry.dev/v1\nkind: Platform\nmetadata: {name: acme}\n", ""},
		{"full service", service + `  health: {grpc: true}
  dependencies: [{name: db, type: postgres, size: small}]
  replicas: {min: 2, max: 10}
  env: {LOG_LEVEL: info}
  ingress: {host: pay.example.com, paths: [/], public: true}
  environments:
    prod: {replicas: {min: 3}, env: {LOG_LEVEL: warn}}
`, ""},
		{"platform defaults without runtime", `
apiVersion: gantry.dev/v1
kind: Platform
metadata: {name: acme}
spec:
  environments: [dev, prod]
  kubernetesVersion: "1.35"
  defaults: {port: 8080}
`, ""},
		{"typo", service + "  replcas: {min: 2}\n", "'replcas' not allowed"},
		{"wrong enum", strings.Replace(service, "runtime: go", "runtime: golang", 1), "at '/spec/runtime': value must be one of"},
		{"missing runtime", strings.Replace(service, "  runtime: go\n", "", 1), "missing property 'runtime'"},
		{"port out of range", strings.Replace(service, "8080", "80", 1), "at '/spec/port': minimum"},
		{"unknown kind", strings.Replace(service, "kind: Service", "kind: Deployment", 1), "at '/kind': value must be 'Service'"},
		{"env value not a string", service + "  env: {DEBUG: {on: true}}\n", "at '/spec/env/DEBUG'"},
		{"non-overridable field in environment", service + "  environments: {prod: {runtime: node}}\n", "'runtime' not allowed"},
		{"bad kubernetes version", "apiVersion: gantry.dev/v1\nkind: Platform\nmetadata: {name: acme}\nspec: {kubernetesVersion: \"2.0\"}\n", "does not match pattern"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			docs, err := yamlDocs([]byte(tc.yaml))
			if err != nil || len(docs) != 1 {
				t.Fatalf("bad test YAML: %v", err)
			}
			err = sch.Validate(docs[0])
			switch {
			case tc.reject == "" && err != nil:
				t.Errorf("rejected: %v", err)
			case tc.reject != "" && err == nil:
				t.Error("accepted")
			case tc.reject != "" && !strings.Contains(err.Error(), tc.reject):
				t.Errorf("rejected for another reason than %q: %v", tc.reject, err)
			}
		})
	}
}

// TestSchemaTagExamples checks every example tag against its own field's schema, so the docs
// never show a value Gantry rejects.
func TestSchemaTagExamples(t *testing.T) {
	var defs struct {
		Defs map[string]struct {
			Properties map[string]struct {
				Examples []any `json:"examples"`
			} `json:"properties"`
		} `json:"$defs"`
	}
	if err := json.Unmarshal(JSONSchema(), &defs); err != nil {
		t.Fatal(err)
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(JSONSchema()))
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	if err := c.AddResource(schemaID, doc); err != nil {
		t.Fatal(err)
	}
	for def, d := range defs.Defs {
		for prop, p := range d.Properties {
			if len(p.Examples) == 0 {
				continue
			}
			sch, err := c.Compile(schemaID + "#/$defs/" + def + "/properties/" + prop)
			if err != nil {
				t.Fatal(err)
			}
			for _, ex := range p.Examples {
				if err := sch.Validate(ex); err != nil {
					t.Errorf("%s.%s: example %v: %v", def, prop, ex, err)
				}
			}
		}
	}
}

func TestDescTags(t *testing.T) {
	seen := map[reflect.Type]bool{}
	var walk func(reflect.Type)
	walk = func(st reflect.Type) {
		if st == nil || seen[st] {
			return
		}
		seen[st] = true
		// Inline embedded structs are not fields of the document: their own fields are checked.
		for _, f := range schemaFields(st) {
			if strings.TrimSpace(f.Tag.Get("desc")) == "" {
				t.Errorf("%s.%s has no desc tag", f.Owner.Name(), f.StructField.Name)
			}
			walk(elemStruct(f.Type))
		}
	}
	for _, k := range blueprintKinds {
		walk(k)
	}
	if len(seen) < 2 {
		t.Fatal("walked no types")
	}
}
