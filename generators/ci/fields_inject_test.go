package ci_test

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/gantry-dev/gantry/blueprints"
	"github.com/gantry-dev/gantry/generators"
	"github.com/gantry-dev/gantry/generators/ci"
	"github.com/gantry-dev/gantry/generators/gitops"
)

// marker is in every payload and nowhere in Gantry's own text: a scalar of a generated file that
// contains it carries (part of) a blueprint value.
const marker = "PWNED"

// injectionPayloads are what a hostile blueprint writes to reach an evaluator: GitHub expressions,
// GitLab (and Flux post-build) variables, shell command substitution, and a line break to start a new
// YAML key. Each is also tried after a path-like prefix, which is how it would sit in spec.source.
var injectionPayloads = []string{
	"${{ secrets." + marker + " }}",
	"${{ github.event.pull_request.title }}/" + marker,
	"$" + marker,
	"$CI_JOB_TOKEN/" + marker,
	"${" + marker + "}",
	"$(" + marker + ")",
	"`" + marker + "`",
	"x\n" + marker + ": $" + marker,
}

// evaluated matches what GitHub (${{ }}), GitLab and Flux ($VAR, ${VAR}) or a shell ($(...), `...`)
// would evaluate in a string.
var evaluated = regexp.MustCompile("\\$\\{\\{|\\$\\{|\\$\\(|\\$[A-Za-z_]|`")

// injectionConfig is one platform shape: a CI system, a GitOps engine, a cloud with its registry, and
// the type of the service (type-specific fields are only used where they apply).
type injectionConfig struct {
	ci, engine, cloud, registry, typ string
}

var injectionConfigs = []injectionConfig{
	{"github", "argocd", "{provider: aws, region: eu-west-1}", "123456789012.dkr.ecr.eu-west-1.amazonaws.com/acme", "web"},
	{"gitlab", "flux", "{provider: gcp, region: europe-west1, project: acme-prod}", "europe-west1-docker.pkg.dev/acme-prod/apps", "cron"},
	{"github", "flux", "{provider: azure, region: westeurope}", "acme.azurecr.io", "worker"},
	{"gitlab", "argocd", "{provider: none}", "registry.gitlab.com/acme", "job"},
}

func (c injectionConfig) String() string {
	host, _, _ := strings.Cut(c.registry, "/")
	return c.ci + "+" + c.engine + "+" + host + "+" + c.typ
}

func (c injectionConfig) platform() string {
	return fmt.Sprintf(`apiVersion: gantry.dev/v1
kind: Platform
metadata: {name: acme}
spec:
  registry: %s
  cloud: %s
  ci: %s
  gitops: {engine: %s, repoURL: "https://github.com/acme/gitops.git", path: deploy, branch: main}
  mesh: none
  routing: gateway
  kubernetesVersion: "1.35"
  environments: [dev, staging, prod]
  defaults:
    resources: {cpu: 100m}
`, c.registry, c.cloud, c.ci, c.engine)
}

func (c injectionConfig) service() string {
	s := fmt.Sprintf(`apiVersion: gantry.dev/v1
kind: Service
metadata: {name: payments, team: billing, description: Takes payments}
spec:
  runtime: go
  type: %s
  namespace: billing
  source: services/payments
  metricsPort: 9090
  image: %s/payments
  dependencies: [{name: db, type: postgres, size: small}]
  resources: {cpu: 250m, memory: 256Mi, ephemeralStorage: 1Gi}
  env: {LOG_LEVEL: info}
  secrets: [STRIPE_API_KEY]
  egress: ["api.stripe.com:443"]
  environments:
    prod: {resources: {cpu: 500m}}
`, c.typ, c.registry)
	switch c.typ {
	case "web":
		s += "  port: 8080\n  protocol: http\n  health: {liveness: /livez, readiness: /readyz, startup: /startupz}\n" +
			"  ingress: {host: pay.example.com, paths: [/]}\n"
	case "cron":
		s += "  schedule: \"*/5 * * * *\"\n"
	}
	return s
}

// step is one move from a blueprint's root towards a string.
type step struct {
	op   int // opField, opElem, opMapValue, opMapKey
	name string
	typ  reflect.Type // the type reached
}

const (
	opField = iota
	opElem
	opMapValue
	opMapKey
)

// stringField is one place a blueprint holds a string: a field, a list element, a map value or key.
type stringField struct {
	kind  string // Platform or Service
	steps []step
}

func (f stringField) String() string {
	var b strings.Builder
	b.WriteString(f.kind + ":")
	for i, s := range f.steps {
		switch s.op {
		case opField:
			if i > 0 {
				b.WriteByte('.')
			}
			b.WriteString(s.name)
		case opElem:
			b.WriteString("[0]")
		case opMapValue:
			b.WriteString("." + s.name)
		case opMapKey:
			b.WriteString(".<key>")
		}
	}
	return b.String()
}

// stringFields lists every string a blueprint type holds, by reflection over its json tags: a field
// added to the blueprints package is covered without changing this test.
func stringFields(kind string, t reflect.Type) []stringField {
	var out []stringField
	var walk func(t reflect.Type, steps []step)
	walk = func(t reflect.Type, steps []step) {
		switch t.Kind() {
		case reflect.String:
			out = append(out, stringField{kind: kind, steps: slices.Clone(steps)})
		case reflect.Slice:
			walk(t.Elem(), append(steps, step{op: opElem, typ: t.Elem()}))
		case reflect.Map:
			out = append(out, stringField{kind: kind, steps: append(slices.Clone(steps), step{op: opMapKey, typ: t.Elem()})})
			key := "HOSTILE_VALUE"
			if t.Elem().Kind() == reflect.Struct {
				key = "dev" // environments: an environment of the platform
			}
			walk(t.Elem(), append(steps, step{op: opMapValue, name: key, typ: t.Elem()}))
		case reflect.Struct:
			for i := range t.NumField() {
				sf := t.Field(i)
				name, _, _ := strings.Cut(sf.Tag.Get("json"), ",")
				if sf.Anonymous && name == "" {
					walk(sf.Type, steps) // json:",inline"
					continue
				}
				if name == "" || name == "-" {
					continue
				}
				walk(sf.Type, append(steps, step{op: opField, name: name, typ: sf.Type}))
			}
		}
	}
	walk(t, nil)
	return out
}

// sample is a valid value of type t: required fields from their example or first enum value.
func sample(t reflect.Type) any {
	switch t.Kind() {
	case reflect.Struct:
		m := map[string]any{}
		for i := range t.NumField() {
			sf := t.Field(i)
			if sf.Tag.Get("required") != "true" {
				continue
			}
			name, _, _ := strings.Cut(sf.Tag.Get("json"), ",")
			v, _, _ := strings.Cut(sf.Tag.Get("enum"), ",")
			if ex := sf.Tag.Get("example"); ex != "" {
				v = ex
			}
			m[name] = v
		}
		return m
	case reflect.Map:
		return map[string]any{}
	case reflect.Slice:
		return []any{}
	}
	return "x"
}

// set writes v at the steps into doc (parsed YAML), creating what is missing.
func set(cur any, steps []step, v string) any {
	s, rest := steps[0], steps[1:]
	next := func(old any) any {
		if len(rest) == 0 {
			return v
		}
		if old == nil {
			old = sample(s.typ)
		}
		return set(old, rest, v)
	}
	switch s.op {
	case opField, opMapValue:
		m, _ := cur.(map[string]any)
		if m == nil {
			m = map[string]any{}
		}
		m[s.name] = next(m[s.name])
		return m
	case opElem:
		l, _ := cur.([]any)
		if len(l) == 0 {
			l = []any{nil}
		}
		l = slices.Clone(l)
		l[0] = next(l[0])
		return l
	default: // opMapKey
		m, _ := cur.(map[string]any)
		if m == nil {
			m = map[string]any{}
		}
		m[v] = sample(s.typ)
		return m
	}
}

// nodesAt returns the nodes the steps pass through in a parsed file, below the top-level fields: for
// each step its key (a map key's own node for opMapKey) and its value. A refusal is at the value, or at
// an enclosing field that does not apply (spec.health of a worker).
func nodesAt(n *yaml.Node, steps []step, v string) []*yaml.Node {
	if n.Kind == yaml.DocumentNode {
		n = n.Content[0]
	}
	var out []*yaml.Node
	for i, s := range steps {
		var key, val *yaml.Node
		switch s.op {
		case opElem:
			if n.Kind == yaml.SequenceNode && len(n.Content) > 0 {
				val = n.Content[0]
			}
		default:
			want := s.name
			if s.op == opMapKey {
				want = v
			}
			for j := 0; j+1 < len(n.Content); j += 2 {
				if n.Content[j].Value == want {
					key, val = n.Content[j], n.Content[j+1]
				}
			}
			if s.op == opMapKey {
				val = key
			}
		}
		if val == nil {
			return nil
		}
		if i > 0 || len(steps) == 1 {
			out = append(out, key, val)
		}
		n = val
	}
	return slices.DeleteFunc(out, func(n *yaml.Node) bool { return n == nil })
}

// TestBlueprintStringsNeverEvaluated writes every string a Platform or a Service can hold (found by
// reflection: platform defaults and per-environment overrides included) with every payload, in
// every platform shape, and loads it. Either validation refuses the value with an error at its line
// and column, or nothing generated for CI (GitHub workflow, GitLab files) or GitOps (Argo CD and Flux
// objects) carries a `${{`, `$VAR`, `${VAR}`, `$(` or backtick together with the payload: no value
// of a blueprint reaches anything GitHub, GitLab, Flux or a shell evaluates.
func TestBlueprintStringsNeverEvaluated(t *testing.T) {
	fields := append(stringFields(blueprints.KindPlatform, reflect.TypeFor[blueprints.Platform]()),
		stringFields(blueprints.KindService, reflect.TypeFor[blueprints.Service]())...)
	if len(fields) < 60 {
		t.Fatalf("only %d string fields found: the walk is not seeing the types", len(fields))
	}
	// Each payload alone, inside a folder (spec.source) and after a slash (an HTTP path); -short tries
	// each alone.
	var values []string
	for _, p := range injectionPayloads {
		values = append(values, p)
		if !testing.Short() {
			values = append(values, "services/"+p, "/"+p)
		}
	}
	for _, cfg := range injectionConfigs {
		t.Run(cfg.String(), func(t *testing.T) {
			t.Parallel()
			checkInjections(t, cfg, fields, values)
		})
	}
}

func checkInjections(t *testing.T, cfg injectionConfig, fields []stringField, values []string) {
	var base [2]map[string]any
	var baseData [2][]byte
	for i, src := range []string{cfg.platform(), cfg.service()} {
		baseData[i] = []byte(src)
		if err := yaml.Unmarshal(baseData[i], &base[i]); err != nil {
			t.Fatal(err)
		}
	}
	dir := &blueprintDir{dir: t.TempDir(), written: map[string]string{}}
	// The base blueprints are valid: every refusal below is the payload's.
	if _, diags := dir.load(t, baseData); diags.HasErrors(false) {
		t.Fatalf("the base blueprints do not validate:\n%v", diags)
	}
	checked, refused := 0, 0
	for _, f := range fields {
		i := 0
		if f.kind == blueprints.KindService {
			i = 1
		}
		for _, v := range values {
			data := baseData
			var err error
			if data[i], err = yaml.Marshal(set(clone(base[i]), f.steps, v)); err != nil {
				t.Fatal(err)
			}
			res, diags := dir.load(t, data)
			if diags.HasErrors(false) {
				refused++
				file := blueprintFiles[i]
				at := positions(t, data[i], f.steps, v)
				if !slices.ContainsFunc(diags, func(d blueprints.Diagnostic) bool {
					return d.Severity == blueprints.SeverityError && filepath.Base(d.Pos.File) == file &&
						slices.ContainsFunc(at, func(n *yaml.Node) bool { return d.Pos.Line == n.Line && d.Pos.Col == n.Column })
				}) {
					want := at[len(at)-1]
					t.Errorf("%s = %q is refused, but not at %s:%d:%d:\n%v", f, v, file, want.Line, want.Column, diags)
				}
				continue
			}
			checked++
			files, err := generators.Run(res, []generators.Generator{ci.New(), gitops.New()})
			if err != nil {
				t.Errorf("%s = %q: %v", f, v, err)
				continue
			}
			var bad []string
			for _, file := range files {
				bad = append(bad, evaluatedPayloads(t, file)...)
			}
			if len(bad) > 0 {
				t.Errorf("%s = %q validates and reaches %d evaluated places, such as\n    %s",
					f, v, len(bad), strings.Join(bad[:min(3, len(bad))], "\n    "))
			}
		}
	}
	t.Logf("%d fields x %d values: %d refused, %d generated and checked", len(fields), len(values), refused, checked)
	if checked == 0 || refused == 0 {
		t.Errorf("the test checks nothing: %d refused, %d generated", refused, checked)
	}
}

// blueprintDir is a folder with the two blueprint files.
type blueprintDir struct {
	dir     string
	written map[string]string // what each file holds: a file that did not change is not written again
}

// load writes the two blueprints and loads them.
func (b *blueprintDir) load(t *testing.T, data [2][]byte) (*blueprints.Resolved, blueprints.Diagnostics) {
	t.Helper()
	for i, name := range blueprintFiles {
		if b.written[name] == string(data[i]) {
			continue
		}
		if err := os.WriteFile(filepath.Join(b.dir, name), data[i], 0o644); err != nil {
			t.Fatal(err)
		}
		b.written[name] = string(data[i])
	}
	return blueprints.Load(blueprints.LoadOptions{Paths: []string{b.dir}, Root: b.dir})
}

var blueprintFiles = [2]string{"platform.yaml", "payments.yaml"}

// positions are where a refusal of the value at the steps may point in a blueprint file.
func positions(t *testing.T, data []byte, steps []step, v string) []*yaml.Node {
	t.Helper()
	var n yaml.Node
	if err := yaml.Unmarshal(data, &n); err != nil {
		t.Fatal(err)
	}
	found := nodesAt(&n, steps, v)
	if len(found) == 0 {
		t.Fatalf("%v not found in\n%s", steps, data)
	}
	return found
}

// clone copies a parsed YAML value deeply.
func clone(v any) any {
	switch v := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(v))
		for k, e := range v {
			m[k] = clone(e)
		}
		return m
	case []any:
		l := make([]any, len(v))
		for i, e := range v {
			l[i] = clone(e)
		}
		return l
	}
	return v
}

// evaluatedPayloads returns each scalar (key or value) of a generated YAML file that carries the
// marker and something an evaluator would expand.
func evaluatedPayloads(t *testing.T, f generators.File) []string {
	t.Helper()
	if !bytes.Contains(f.Data, []byte(marker)) {
		return nil
	}
	var out []string
	dec := yaml.NewDecoder(bytes.NewReader(f.Data))
	for {
		var doc yaml.Node
		if err := dec.Decode(&doc); err != nil {
			if !errors.Is(err, io.EOF) {
				t.Errorf("%s: %v", f.Path, err)
			}
			break
		}
		var walk func(n *yaml.Node, where string)
		walk = func(n *yaml.Node, where string) {
			if n.Kind == yaml.ScalarNode && strings.Contains(n.Value, marker) && evaluated.MatchString(n.Value) {
				out = append(out, fmt.Sprintf("%s %s: %q", f.Path, where, n.Value))
			}
			for i, c := range n.Content {
				w := where
				if n.Kind == yaml.MappingNode {
					w = where + "." + n.Content[i-i%2].Value
					if i%2 == 1 && commandData(n.Content[i-1].Value, c) {
						continue
					}
				}
				walk(c, w)
			}
		}
		walk(&doc, "")
	}
	return out
}

// commandData reports whether a node is a blueprint's build, lint or test command where the CI system
// passes it on unevaluated, for the shell that runs it as written (spec.build: shell by design): a
// GitHub env: value without an expression, or a GitLab variable with expand: false.
func commandData(key string, v *yaml.Node) bool {
	if !slices.Contains([]string{"GANTRY_BUILD_COMMAND", "GANTRY_LINT_COMMAND", "GANTRY_TEST_COMMAND"}, key) {
		return false
	}
	switch v.Kind {
	case yaml.ScalarNode:
		return !strings.Contains(v.Value, "${{")
	case yaml.MappingNode:
		var gl struct {
			Value  string
			Expand *bool
		}
		return v.Decode(&gl) == nil && gl.Expand != nil && !*gl.Expand
	}
	return false
}

// TestBlueprintPathsNeverEvaluated: a blueprint file's own path is no blueprint value, but it reaches
// the pipeline (its paths: filters, BLUEPRINTS). A folder or file name carrying a payload either
// stops the CI target, naming the file, or reaches nothing in an evaluated form.
func TestBlueprintPathsNeverEvaluated(t *testing.T) {
	for _, cfg := range injectionConfigs[:2] { // GitHub and GitLab
		for _, p := range injectionPayloads {
			if strings.ContainsAny(p, "\n/") {
				continue // not a file name
			}
			t.Run(cfg.ci+"/"+p, func(t *testing.T) {
				root := t.TempDir()
				for _, sub := range []struct{ dir, name, data string }{
					{filepath.Join("blueprints", p), "platform.yaml", cfg.platform()},
					{filepath.Join("blueprints", p), p + ".yaml", cfg.service()},
				} {
					dir := filepath.Join(root, sub.dir)
					if err := os.MkdirAll(dir, 0o755); err != nil {
						t.Fatal(err)
					}
					if err := os.WriteFile(filepath.Join(dir, sub.name), []byte(sub.data), 0o644); err != nil {
						t.Fatal(err)
					}
				}
				res, diags := blueprints.Load(blueprints.LoadOptions{Paths: []string{filepath.Join(root, "blueprints")}, Root: root})
				if diags.HasErrors(false) {
					return // refused: nothing is generated
				}
				files, err := generators.Run(res, []generators.Generator{ci.New(), gitops.New()})
				if err != nil {
					if !strings.Contains(err.Error(), marker) {
						t.Errorf("the error does not name the file: %v", err)
					}
					return
				}
				for _, f := range files {
					for _, bad := range evaluatedPayloads(t, f) {
						t.Errorf("the blueprints' path reaches %s", bad)
					}
				}
			})
		}
	}
}
