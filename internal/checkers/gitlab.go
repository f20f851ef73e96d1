package checkers

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"go.yaml.in/yaml/v3"
)

var (
	gitlabSchemaMu sync.Mutex
	gitlabSchemas  = map[string]*jsonschema.Schema{}
)

// offlineLoader refuses every URL: the schema is added from its file, and a $ref to anything
// else (http, https or another file) fails the compile instead of reaching the network.
type offlineLoader struct{}

func (offlineLoader) Load(url string) (any, error) {
	return nil, fmt.Errorf("not loading %s: schemas are read offline from their files, remote $refs are refused", url)
}

// CompileGitLabCISchema compiles the GitLab CI JSON schema at path (Installed(t, "gitlab-ci-schema")["gitlab-ci-schema"]),
// once per path. Nothing is fetched: a $ref outside the file fails the compile. The schema's
// `$schema` (draft-07) picks the draft; the drafts' meta-schemas are built into the library.
func CompileGitLabCISchema(t testing.TB, path string) *jsonschema.Schema {
	t.Helper()
	gitlabSchemaMu.Lock()
	defer gitlabSchemaMu.Unlock()
	if s, ok := gitlabSchemas[path]; ok {
		return s
	}
	s, err := compileSchemaFile(path)
	if err != nil {
		t.Fatal(err)
	}
	gitlabSchemas[path] = s
	return s
}

// compileSchemaFile compiles a JSON schema file with offlineLoader, so that only the file itself
// (and the drafts' built-in meta-schemas) can be read.
func compileSchemaFile(path string) (*jsonschema.Schema, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	doc, err := jsonschema.UnmarshalJSON(f)
	f.Close()
	if err != nil {
		return nil, fmt.Errorf("%s: %v", path, err)
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, err
	}
	loc := "file://" + filepath.ToSlash(abs)
	c := jsonschema.NewCompiler()
	c.UseLoader(offlineLoader{})
	if err := c.AddResource(loc, doc); err != nil {
		return nil, err
	}
	s, err := c.Compile(loc)
	if err != nil {
		return nil, fmt.Errorf("compiling the schema %s: %v", path, err)
	}
	return s, nil
}

// ValidateGitLabCI validates a .gitlab-ci.yml against the GitLab CI JSON schema at schemaPath and
// returns one message per failed check ("<JSON pointer>: <message>", sorted), nil when it is valid.
// YAML that does not parse fails the test. A `spec:` header document (the inputs of an included
// file or component) before `---` is skipped: the schema is for the pipeline document, which must
// be the only other one. Anchors and aliases are resolved, and `<<` merge keys merged, by the
// YAML decoder, as GitLab does; `!reference [job, key]` tags are not resolved: the schema sees
// their sequence of strings, which it allows where GitLab does. The decoder is YAML 1.2, so
// `yes`/`no`/`on`/`off` are strings here but booleans to GitLab (YAML 1.1): emit true/false.
func ValidateGitLabCI(t testing.TB, schemaPath string, yamlData []byte) []string {
	t.Helper()
	s := CompileGitLabCISchema(t, schemaPath)
	doc, err := yamlToJSON(yamlData)
	if err != nil {
		t.Fatalf("parsing the pipeline YAML: %v", err)
	}
	err = s.Validate(doc)
	if err == nil {
		return nil
	}
	var ve *jsonschema.ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("validating against %s: %v", schemaPath, err)
	}
	return flattenValidationError(ve)
}

// flattenValidationError lists the leaves of the error tree: the failed checks themselves, not
// the "anyOf failed" / "doesn't validate with" wrappers above them, each with the JSON pointer of
// the value that failed. A oneOf/anyOf that fails lists the leaves of every branch it tried.
func flattenValidationError(ve *jsonschema.ValidationError) []string {
	seen := map[string]bool{}
	var msgs []string
	var walk func(e *jsonschema.ValidationError)
	walk = func(e *jsonschema.ValidationError) {
		if len(e.Causes) > 0 {
			for _, c := range e.Causes {
				walk(c)
			}
			return
		}
		// A leaf's basic output is one unit carrying its own message.
		out := e.BasicOutput()
		msg := e.Error()
		if out.Error != nil {
			msg = out.Error.String()
		}
		var ptr strings.Builder
		for _, tok := range e.InstanceLocation {
			ptr.WriteString("/" + jsonPointerEscape.Replace(tok))
		}
		if ptr.Len() == 0 {
			ptr.WriteString("/")
		}
		m := ptr.String() + ": " + msg
		if !seen[m] {
			seen[m] = true
			msgs = append(msgs, m)
		}
	}
	walk(ve)
	sort.Strings(msgs)
	return msgs
}

// jsonPointerEscape escapes a JSON pointer token (RFC 6901): job names may hold "/".
var jsonPointerEscape = strings.NewReplacer("~", "~0", "/", "~1")

// yamlToJSON decodes the pipeline document of a .gitlab-ci.yml (after an optional `spec:` header
// document) into the values a JSON decoder would give (map[string]any, []any, json.Number,
// string, bool, nil), as the schema validator expects.
func yamlToJSON(data []byte) (any, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var docs []any
	for {
		var v any
		err := dec.Decode(&v)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, err
		}
		docs = append(docs, v)
	}
	if len(docs) == 2 {
		if h, ok := docs[0].(map[string]any); ok && len(h) == 1 && h["spec"] != nil {
			docs = docs[1:]
		}
	}
	switch len(docs) {
	case 0:
		return nil, errors.New("no YAML document")
	case 1:
	default:
		return nil, fmt.Errorf("%d YAML documents: want the pipeline, after at most a spec: header", len(docs))
	}
	// A JSON round trip turns YAML-only scalars (timestamps, ...) into what JSON would hold.
	b, err := json.Marshal(yamlJSONCompatible(docs[0]))
	if err != nil {
		return nil, err
	}
	return jsonschema.UnmarshalJSON(bytes.NewReader(b))
}

// yamlJSONCompatible turns the maps with non-string keys that YAML allows (`1: x`, `true: y`)
// into JSON objects keyed by the key's text.
func yamlJSONCompatible(v any) any {
	switch v := v.(type) {
	case map[string]any:
		for k, e := range v {
			v[k] = yamlJSONCompatible(e)
		}
	case map[any]any:
		m := make(map[string]any, len(v))
		for k, e := range v {
			m[fmt.Sprint(k)] = yamlJSONCompatible(e)
		}
		return m
	case []any:
		for i, e := range v {
			v[i] = yamlJSONCompatible(e)
		}
	}
	return v
}
