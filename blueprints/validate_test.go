package blueprints

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// ruleCase is one row of the validation tables: blueprint files in, the exact diagnostics out.
type ruleCase struct {
	name string
	// files maps a slash-separated path, relative to a fresh folder, to its contents.
	files map[string]string
	// args are the paths given to Load (default "."); "--platform=FILE" sets LoadOptions.PlatformFile.
	args []string
	// want is every diagnostic, as Diagnostic.String() renders it, in the order Load returns them.
	want []string
}

// ruleLoad writes files into a fresh folder (the root of a repository: it has .git, so the search for a
// platform file stops there), makes it the working folder and loads args from it.
func ruleLoad(t *testing.T, files map[string]string, args ...string) (*Resolved, Diagnostics) {
	t.Helper()
	dir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, ".git"), 0o755); err != nil {
		t.Fatal(err)
	}
	for name, data := range files {
		path := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	t.Chdir(dir)
	opts := LoadOptions{}
	for _, a := range args {
		if p, ok := strings.CutPrefix(a, "--platform="); ok {
			opts.PlatformFile = p
		} else {
			opts.Paths = append(opts.Paths, a)
		}
	}
	if len(opts.Paths) == 0 {
		opts.Paths = []string{"."}
	}
	var (
		res   *Resolved
		diags Diagnostics
	)
	func() {
		defer func() {
			if r := recover(); r != nil {
				t.Errorf("Load panicked: %v", r)
			}
		}()
		res, diags = Load(opts)
	}()
	return res, diags
}

func ruleDiagStrings(ds Diagnostics) []string {
	var out []string
	for _, d := range ds {
		out = append(out, d.String())
	}
	return out
}

func runRuleCases(t *testing.T, cases []ruleCase) {
	t.Helper()
	seen := map[string]bool{}
	for _, tc := range cases {
		if seen[tc.name] {
			t.Fatalf("two rows named %q", tc.name)
		}
		seen[tc.name] = true
		t.Run(tc.name, func(t *testing.T) {
			_, diags := ruleLoad(t, tc.files, tc.args...)
			got := ruleDiagStrings(diags)
			if !slices.Equal(got, tc.want) {
				var b strings.Builder
				b.WriteString("diagnostics differ\ngot:\n")
				for _, s := range got {
					fmt.Fprintf(&b, "\t%q,\n", s)
				}
				b.WriteString("want:\n")
				for _, s := range tc.want {
					fmt.Fprintf(&b, "\t%q,\n", s)
				}
				t.Error(b.String())
			}
		})
	}
}

// ruleService returns a Service blueprint. Its lines are:
//
//	1 apiVersion: gantry.dev/v1
//	2 kind: Service
//	3 metadata:
//	4   name: NAME          (value at column 9)
//	5   team: core          (value at column 9)
//	6 spec:
//	7   runtime: go         (the spec mapping starts at 7:3)
//	8   type: TYPE
//	9   port: 8080          (value at column 9; a comment for any type but web)
//
// and then the spec lines given, from line 10.
func ruleService(name, typ string, spec ...string) string {
	port := "  # a " + typ + " service"
	if typ == TypeWeb {
		port = "  port: 8080"
	}
	lines := append([]string{
		"apiVersion: gantry.dev/v1",
		"kind: Service",
		"metadata:",
		"  name: " + name,
		"  team: core",
		"spec:",
		"  runtime: go",
		"  type: " + typ,
		port,
	}, spec...)
	return strings.Join(lines, "\n") + "\n"
}

// rulePlatform returns a Platform blueprint named acme. Its lines are:
//
//	1 apiVersion: gantry.dev/v1
//	2 kind: Platform
//	3 metadata:
//	4   name: acme
//	5 spec:
//
// and then the spec lines given, from line 6.
func rulePlatform(spec ...string) string {
	lines := append([]string{
		"apiVersion: gantry.dev/v1",
		"kind: Platform",
		"metadata:",
		"  name: acme",
		"spec:",
	}, spec...)
	return strings.Join(lines, "\n") + "\n"
}

// teamService is ruleService for a worker of the given team, with extra spec lines from line 10.
func teamService(name, team string, spec ...string) string {
	return strings.Replace(ruleService(name, TypeWorker, spec...), "team: core", "team: "+team, 1)
}

// ruleWeb is a valid web service named api in svc.yaml, with extra spec lines from line 10.
func ruleWeb(spec ...string) map[string]string {
	return map[string]string{"svc.yaml": ruleService("api", TypeWeb, spec...)}
}

// ruleWebCloud is ruleWeb on a platform with a cloud (AWS), which provides its dependencies.
func ruleWebCloud(spec ...string) map[string]string {
	f := ruleWeb(spec...)
	f["platform.yaml"] = rulePlatform("  cloud: {provider: aws, region: eu-west-1}")
	return f
}

// ruleSvc is a service named api of type typ in svc.yaml, with extra spec lines from line 10.
func ruleSvc(typ string, spec ...string) map[string]string {
	return map[string]string{"svc.yaml": ruleService("api", typ, spec...)}
}

// ruleCron is a cron service named api in svc.yaml whose schedule (line 10, value at column 13) is s.
func ruleCron(s string) map[string]string {
	return ruleSvc(TypeCron, "  schedule: "+s)
}

// ruleRaw is one svc.yaml with the given lines.
func ruleRaw(lines ...string) map[string]string {
	return map[string]string{"svc.yaml": strings.Join(lines, "\n") + "\n"}
}

const (
	hintReqRuntime    = "add `runtime: go`; or node, python, java, rust, dotnet, static; or `prebuilt: <image>@sha256:...` for an image Gantry does not build"
	hintReqType       = "add `type: web`; or worker, cron, job"
	hintCron          = `for example "*/5 * * * *" or @hourly`
	msgNotDNS         = "is not a DNS label: lower-case letters, digits and '-', starting and ending with a letter or digit"
	hintEnvName       = "letters, digits and '_', not starting with a digit"
	hintSource        = "a folder relative to the repository root, e.g. services/payments"
	pathChars         = `letters, digits, '.', '_', '/' and '-'`
	hintEgress        = `host:port, e.g. "api.stripe.com:443" or "10.0.0.0/8:5432"`
	hintEgressRange   = "name the host, or the narrowest range the service needs (IPv4 /8 or longer, IPv6 /32 or longer)"
	hintRef           = "a service name, or name.namespace"
	hintQuantity      = "a Kubernetes quantity such as 250m, 1, 256Mi or 1Gi"
	knownSpec         = "runtime, prebuilt, type, namespace, source, port, servicePort, protocol, metricsPort, slos, health, build, schedule, dependencies, calls, callers, pod, command, args, configFiles, writablePaths, image, replicas, resources, env, secrets, ingress, egress, scaling, environments"
	overridableFields = "image, replicas, resources, env, secrets, ingress, egress, scaling"
)

// TestRuleFile covers the file-level rules: size, encoding, YAML syntax, documents, kind and apiVersion.
func TestRuleFile(t *testing.T) {
	big := ruleService("api", TypeWeb) + "# " + strings.Repeat("x", MaxFileSize) + "\n"
	deep := ruleService("api", TypeWeb, "  env:", "    A: "+strings.Repeat("[", 40)+strings.Repeat("]", 40))
	var bomb strings.Builder
	bomb.WriteString("apiVersion: gantry.dev/v1\nkind: Service\nmetadata: {name: api, team: core}\nspec:\n  runtime: go\n  egress: &e [")
	for i := range 7000 {
		if i > 0 {
			bomb.WriteString(", ")
		}
		bomb.WriteString("x.io:443")
	}
	bomb.WriteString("]\n  environments: {dev: {egress: *e}, staging: {egress: *e}, prod: {egress: *e}}\n  type: worker\n")

	runRuleCases(t, []ruleCase{
		{
			// The size of the file, not of the part read.
			name:  "file over MaxFileSize",
			files: map[string]string{"svc.yaml": big},
			want: []string{fmt.Sprintf("svc.yaml: file is %d bytes, more than the limit of %d (a blueprint is a short file; split it or remove what is not a blueprint)",
				len(big), MaxFileSize)},
		},
		{
			name:  "not UTF-8",
			files: ruleRaw("apiVersion: gantry.dev/v1", "kind: Service", "metadata:", "  name: api", "  team: co\xffre"),
			want:  []string{"svc.yaml:5:1: file is not valid UTF-8 (save the file as UTF-8)"},
		},
		{
			// The line of the NUL, as for invalid UTF-8.
			name:  "NUL byte",
			files: ruleRaw("apiVersion: gantry.dev/v1", "kind: Service", "metadata:", "  name: api", "  team: co\x00re"),
			want:  []string{"svc.yaml:5:1: file contains a NUL byte (save the file as UTF-8 text)"},
		},
		{
			name:  "byte order mark accepted",
			files: map[string]string{"svc.yaml": "\xef\xbb\xbf" + ruleService("api", TypeWeb)},
		},
		{
			name:  "empty file",
			files: map[string]string{"svc.yaml": ""},
			args:  []string{"svc.yaml"},
			want:  []string{"svc.yaml: file is empty (start with `apiVersion: gantry.dev/v1` and `kind: Service`)"},
		},
		{
			name:  "only comments",
			files: map[string]string{"svc.yaml": "# nothing yet\n"},
			args:  []string{"svc.yaml"},
			want:  []string{"svc.yaml: file is empty (start with `apiVersion: gantry.dev/v1` and `kind: Service`)"},
		},
		{
			name:  "null document",
			files: map[string]string{"svc.yaml": "---\n"},
			args:  []string{"svc.yaml"},
			want:  []string{"svc.yaml: file is empty (start with `apiVersion: gantry.dev/v1` and `kind: Service`)"},
		},
		{
			name:  "leading document marker accepted",
			files: map[string]string{"svc.yaml": "---\n" + ruleService("api", TypeWeb)},
		},
		{
			name:  "multi-document",
			files: map[string]string{"svc.yaml": ruleService("api", TypeWeb) + "---\n" + ruleService("api", TypeWeb)},
			want:  []string{"svc.yaml:10:1: more than one YAML document in the file (put each blueprint in a file of its own)"},
		},
		{
			name:  "invalid YAML: tab indentation",
			files: ruleRaw("apiVersion: gantry.dev/v1", "kind: Service", "metadata:", "\tname: api"),
			want:  []string{"svc.yaml:4:1: invalid YAML: found character that cannot start any token (indent with spaces, not tabs)"},
		},
		{
			name:  "invalid YAML: unquoted colon",
			files: map[string]string{"svc.yaml": ruleService("api", TypeWeb) + "  description: see: below\n"},
			want:  []string{"svc.yaml:10:1: invalid YAML: mapping values are not allowed in this context (quote values that contain `: `)"},
		},
		{
			// The line that is wrong, not the one above it.
			name:  "invalid YAML: bad indentation",
			files: ruleRaw("apiVersion: gantry.dev/v1", "kind: Service", "metadata:", "  name: api", " team: core"),
			want:  []string{"svc.yaml:5:1: invalid YAML: did not find expected key (check the indentation of this line and the one above)"},
		},
		{
			name:  "not a mapping",
			files: map[string]string{"svc.yaml": "- apiVersion: gantry.dev/v1\n"},
			args:  []string{"svc.yaml"},
			want:  []string{"svc.yaml:1:1: must be a mapping of fields, got a list (a blueprint is a mapping that starts with `apiVersion: gantry.dev/v1`)"},
		},
		{
			// The 33rd value down is the 31st "[" on line 11 (the root mapping is level 0).
			name:  "nested too deep",
			files: map[string]string{"svc.yaml": deep},
			want:  []string{"svc.yaml:11:38: values are nested more than 32 levels deep (a blueprint is a few levels deep; check the brackets)"},
		},
		{
			// The budget runs out in the third copy of the list; the list itself is also too long.
			name:  "alias bomb",
			files: map[string]string{"svc.yaml": bomb.String()},
			want: []string{
				"svc.yaml:6:11: spec.egress: more than 100 entries",
				"svc.yaml:6:59745: spec.environments.staging.egress[5973]: too many values (more than 20000 after alias expansion) (a blueprint is a few dozen values; expand or remove the YAML aliases)",
			},
		},
		{
			name:  "missing kind",
			files: ruleRaw("apiVersion: gantry.dev/v1", "metadata: {name: api, team: core}"),
			want:  []string{"svc.yaml:1:1: kind: required field is missing (add `kind: Service` or `kind: Platform`)"},
		},
		{
			name:  "wrong kind, did you mean",
			files: ruleRaw("apiVersion: gantry.dev/v1", "kind: service", "metadata: {name: api, team: core}"),
			want:  []string{`svc.yaml:2:7: kind: "service" is not a Gantry blueprint kind (did you mean "Service"?)`},
		},
		{
			name:  "wrong kind",
			files: ruleRaw("apiVersion: gantry.dev/v1", "kind: Deployment", "metadata: {name: api, team: core}"),
			want:  []string{`svc.yaml:2:7: kind: "Deployment" is not a Gantry blueprint kind (use Service or Platform)`},
		},
		{
			// One problem, one diagnostic: not also the enum's "is not allowed".
			name:  "wrong apiVersion",
			files: map[string]string{"svc.yaml": strings.Replace(ruleService("api", TypeWeb), "gantry.dev/v1", "gantry.dev/v2", 1)},
			want:  []string{`svc.yaml:1:13: apiVersion: "gantry.dev/v2" is not supported (use gantry.dev/v1)`},
		},
		{
			name:  "missing apiVersion",
			files: map[string]string{"svc.yaml": strings.Replace(ruleService("api", TypeWeb), "apiVersion: gantry.dev/v1\n", "", 1)},
			want:  []string{"svc.yaml:1:1: apiVersion: required field is missing (add `apiVersion: gantry.dev/v1`)"},
		},
	})
}

// TestRuleDecode covers the strict decoding: unknown fields, types, enums, bounds, patterns, duplicates,
// merge keys and required fields.
func TestRuleDecode(t *testing.T) {
	runRuleCases(t, []ruleCase{
		// Unknown fields.
		{
			name:  "unknown field, did you mean",
			files: ruleWeb("  replica: {min: 2}"),
			want:  []string{`svc.yaml:10:3: spec.replica: unknown field (did you mean "replicas"?)`},
		},
		{
			name:  "unknown field, case only",
			files: ruleWeb("  MetricsPort: 9090"),
			want:  []string{`svc.yaml:10:3: spec.MetricsPort: unknown field (did you mean "metricsPort"?)`},
		},
		{
			name:  "unknown field, known fields",
			files: ruleRaw("apiVersion: gantry.dev/v1", "kind: Service", "metadata:", "  name: api", "  team: core", "  owner: me", "spec: {runtime: go, type: worker}"),
			want:  []string{"svc.yaml:6:3: metadata.owner: unknown field (known fields: name, team, description)"},
		},
		{
			name:  "unknown spec field, known fields",
			files: ruleWeb("  size: large"),
			want:  []string{"svc.yaml:10:3: spec.size: unknown field (known fields: " + knownSpec + ")"},
		},
		{
			name:  "spec field at the top of a service",
			files: map[string]string{"svc.yaml": ruleService("api", TypeWeb) + "replicas: {min: 2}\n"},
			want:  []string{"svc.yaml:10:1: replicas: unknown field (replicas belongs under spec)"},
		},
		{
			// A platform's spec fields are those of PlatformSpec.
			name:  "spec field at the top of a platform",
			files: map[string]string{"platform.yaml": rulePlatform() + "registry: ghcr.io/acme\n"},
			want:  []string{"platform.yaml:6:1: registry: unknown field (registry belongs under spec)"},
		},
		{
			name:  "unknown field in a nested struct",
			files: ruleWeb("  health: {liveness: /livez, readyness: /readyz}"),
			want:  []string{`svc.yaml:10:30: spec.health.readyness: unknown field (did you mean "readiness"?)`},
		},
		{
			name:  "unknown field in a dependency",
			files: ruleWebCloud("  dependencies:", "    - {name: db, type: postgres, version: 16}"),
			want:  []string{"svc.yaml:11:34: spec.dependencies[0].version: unknown field (known fields: name, type, size)"},
		},
		{
			name:  "cannot be set per environment",
			files: ruleWeb("  environments:", "    prod: {port: 9090}"),
			want:  []string{"svc.yaml:11:12: spec.environments.prod.port: cannot be set per environment (environments may override: " + overridableFields + ")"},
		},
		{
			name:  "unknown field in an environment, did you mean",
			files: ruleWeb("  environments:", "    prod: {replica: {min: 3}}"),
			want:  []string{`svc.yaml:11:12: spec.environments.prod.replica: unknown field (did you mean "replicas"?)`},
		},
		{
			name: "cannot be set per environment in platform defaults",
			files: map[string]string{"platform.yaml": rulePlatform(
				"  defaults:",
				"    environments:",
				`      prod: {schedule: "@daily"}`)},
			want: []string{"platform.yaml:8:14: spec.defaults.environments.prod.schedule: cannot be set per environment (environments may override: " + overridableFields + ")"},
		},

		// Types.
		{
			name:  "string for a number",
			files: ruleWeb(`  replicas: {min: "2"}`),
			want:  []string{`svc.yaml:10:19: spec.replicas.min: must be a whole number, got the string "2" (remove the quotes)`},
		},
		{
			// The quotes are the problem: not also "a web service needs a port".
			name:  "string for the port",
			files: map[string]string{"svc.yaml": strings.Replace(ruleService("api", TypeWeb), "port: 8080", `port: "8080"`, 1)},
			want:  []string{`svc.yaml:9:9: spec.port: must be a whole number, got the string "8080" (remove the quotes)`},
		},
		{
			name:  "word for a number",
			files: ruleWeb("  metricsPort: lots"),
			want:  []string{`svc.yaml:10:16: spec.metricsPort: must be a whole number, got the string "lots"`},
		},
		{
			// "must be a whole number, got a number" says nothing: show the value.
			name:  "fraction for a number",
			files: ruleWeb("  metricsPort: 9090.5"),
			want:  []string{`svc.yaml:10:16: spec.metricsPort: must be a whole number, got the number 9090.5`},
		},
		{
			name:  "number out of range",
			files: ruleWeb("  replicas: {max: 18446744073709551615}"),
			want:  []string{"svc.yaml:10:19: spec.replicas.max: number 18446744073709551615 is out of range"},
		},
		{
			name:  "scalar for a list",
			files: ruleWeb("  calls: ledger"),
			want:  []string{`svc.yaml:10:10: spec.calls: must be a list, got the string "ledger" (write [ledger])`},
		},
		{
			name:  "mapping for a list",
			files: ruleWeb("  secrets: {A: b}"),
			want:  []string{"svc.yaml:10:12: spec.secrets: must be a list, got a mapping"},
		},
		{
			name:  "scalar for a struct",
			files: ruleWeb("  health: /livez"),
			want:  []string{`svc.yaml:10:11: spec.health: must be a mapping of fields, got the string "/livez"`},
		},
		{
			name:  "list for a map",
			files: ruleWeb("  env: [LOG_LEVEL=info]"),
			want:  []string{"svc.yaml:10:8: spec.env: must be a mapping, got a list"},
		},
		{
			name:  "mapping for a string",
			files: ruleWeb("  image: {name: api}"),
			want:  []string{"svc.yaml:10:10: spec.image: must be a string, got a mapping"},
		},
		{
			name:  "word for a boolean",
			files: ruleWeb("  ingress: {host: api.example.com, public: yes}"),
			want:  []string{`svc.yaml:10:44: spec.ingress.public: must be true or false, got the string "yes" (write true or false)`},
		},
		{
			name:  "null env value",
			files: ruleWeb("  env: {LOG_LEVEL: }"),
			want:  []string{`svc.yaml:10:20: spec.env.LOG_LEVEL: must be a string, got null (quote it, e.g. "")`},
		},
		{
			// Not `got !!null "~"`.
			name:  "null env name",
			files: ruleWeb("  env: {~: info}"),
			want:  []string{"svc.yaml:10:9: spec.env: keys must be plain strings, got null"},
		},
		{
			name:  "list as a field name",
			files: ruleWeb("  ? [a, b]", "  : c"),
			want:  []string{"svc.yaml:10:5: spec: field names must be plain words, got a list"},
		},

		// Enums.
		{
			name:  "enum, did you mean",
			files: ruleWeb("  protocol: htp"),
			want:  []string{`svc.yaml:10:13: spec.protocol: "htp" is not allowed (did you mean "http"?)`},
		},
		{
			name:  "enum, wrong case",
			files: ruleWeb("  protocol: GRPC"),
			want:  []string{`svc.yaml:10:13: spec.protocol: "GRPC" is not allowed (did you mean "grpc"?)`},
		},
		{
			name:  "enum, one of",
			files: ruleWeb("  protocol: websocket"),
			want:  []string{`svc.yaml:10:13: spec.protocol: "websocket" is not allowed (one of: http, grpc, tcp)`},
		},
		{
			name:  "enum in a list item",
			files: ruleWebCloud("  dependencies:", "    - {name: db, type: postgresql}"),
			want:  []string{`svc.yaml:11:24: spec.dependencies[0].type: "postgresql" is not allowed (did you mean "postgres"?)`},
		},
		{
			name:  "enum in the platform",
			files: map[string]string{"platform.yaml": rulePlatform("  mesh: consul")},
			want:  []string{`platform.yaml:6:9: spec.mesh: "consul" is not allowed (one of: istio, linkerd, none)`},
		},

		// Bounds.
		{
			name:  "port below 1024",
			files: map[string]string{"svc.yaml": strings.Replace(ruleService("api", TypeWeb), "port: 8080", "port: 80", 1)},
			want:  []string{"svc.yaml:9:9: spec.port: must be at least 1024, got 80 (ports below 1024 need root and containers run as non-root; use 8080 or another high port)"},
		},
		{
			name:  "metricsPort below 1024",
			files: ruleWeb("  metricsPort: 443"),
			want:  []string{"svc.yaml:10:16: spec.metricsPort: must be at least 1024, got 443 (ports below 1024 need root and containers run as non-root; use 8080 or another high port)"},
		},
		{
			// Below the bound: not also "a web service needs a port".
			name:  "port 0",
			files: map[string]string{"svc.yaml": strings.Replace(ruleService("api", TypeWeb), "port: 8080", "port: 0", 1)},
			want:  []string{"svc.yaml:9:9: spec.port: must be at least 1024, got 0 (ports below 1024 need root and containers run as non-root; use 8080 or another high port)"},
		},
		{
			name:  "port above 65535",
			files: map[string]string{"svc.yaml": strings.Replace(ruleService("api", TypeWeb), "port: 8080", "port: 70000", 1)},
			want:  []string{"svc.yaml:9:9: spec.port: must be at most 65535, got 70000"},
		},
		{
			name:  "replicas below 1",
			files: ruleWeb("  replicas: {min: 0}"),
			want:  []string{"svc.yaml:10:19: spec.replicas.min: must be at least 1, got 0"},
		},
		{
			name:  "replicas above 1000",
			files: ruleWeb("  replicas: {max: 5000}"),
			want:  []string{"svc.yaml:10:19: spec.replicas.max: must be at most 1000, got 5000"},
		},
		{
			name:  "cpu target above 100",
			files: ruleWeb("  replicas: {cpu: 120}"),
			want:  []string{"svc.yaml:10:19: spec.replicas.cpu: must be at most 100, got 120"},
		},

		// Patterns.
		{
			name:  "kubernetesVersion pattern",
			files: map[string]string{"platform.yaml": rulePlatform(`  kubernetesVersion: "v1.35"`)},
			want:  []string{`platform.yaml:6:22: spec.kubernetesVersion: "v1.35" has the wrong form (for example "1.35")`},
		},

		// Duplicates.
		{
			name:  "duplicate field",
			files: ruleWeb("  port: 9090"),
			want:  []string{"svc.yaml:10:3: spec.port: duplicate field (first set at line 9; keep one)"},
		},
		{
			name:  "duplicate map key",
			files: ruleWeb("  env:", "    LOG_LEVEL: info", "    LOG_LEVEL: debug"),
			want:  []string{"svc.yaml:12:5: spec.env.LOG_LEVEL: duplicate key (first set at line 11; keep one)"},
		},
		{
			name:  "duplicate environment",
			files: ruleWeb("  environments:", "    prod: {replicas: {min: 3}}", "    prod: {replicas: {min: 4}}"),
			want:  []string{"svc.yaml:12:5: spec.environments.prod: duplicate key (first set at line 11; keep one)"},
		},

		// Merge keys, anchors and aliases.
		{
			name:  "merge key in a struct",
			files: ruleWeb("  replicas:", "    <<: {min: 2}"),
			want:  []string{"svc.yaml:11:5: spec.replicas: YAML merge keys (<<) are not supported (write the fields out; anchors and aliases of whole values still work)"},
		},
		{
			// Not a variable named "<<".
			name:  "merge key in a map",
			files: ruleWeb("  env:", "    <<: {LOG_LEVEL: info}"),
			want:  []string{"svc.yaml:11:5: spec.env: YAML merge keys (<<) are not supported (write the fields out; anchors and aliases of whole values still work)"},
		},
		{
			name:  "anchors and aliases of whole values",
			files: ruleWeb("  egress: &out [api.stripe.com:443]", "  environments:", "    prod: {egress: *out}"),
		},

		// Required fields.
		{
			// Nothing about what is derived from the missing name (source services/).
			name:  "missing metadata",
			files: ruleRaw("apiVersion: gantry.dev/v1", "kind: Service", "spec: {runtime: go, type: worker}"),
			want:  []string{"svc.yaml:1:1: metadata: required field is missing (add `metadata:`)"},
		},
		{
			// Nothing about what is derived from the missing name (source services/).
			name:  "missing metadata.name",
			files: ruleRaw("apiVersion: gantry.dev/v1", "kind: Service", "metadata:", "  team: core", "spec: {runtime: go, type: worker}"),
			want:  []string{"svc.yaml:4:3: metadata.name: required field is missing (add `name: payments`)"},
		},
		{
			name:  "missing metadata.team",
			files: ruleRaw("apiVersion: gantry.dev/v1", "kind: Service", "metadata:", "  name: api", "spec: {runtime: go, type: worker}"),
			want:  []string{"svc.yaml:4:3: metadata.team: required field is missing (add `team: billing`)"},
		},
		{
			// One problem, one diagnostic: not also spec.runtime and spec.type.
			name:  "missing spec",
			files: ruleRaw("apiVersion: gantry.dev/v1", "kind: Service", "metadata: {name: api, team: core}"),
			want:  []string{"svc.yaml:1:1: spec: required field is missing (add `spec:`)"},
		},
		{
			// Found by FuzzGenerate: null metadata and spec used to pass as a service with no name.
			name:  "empty metadata and spec",
			files: ruleRaw("apiVersion: gantry.dev/v1", "kind: Service", "metadata: ", "spec:"),
			want: []string{
				"svc.yaml:3:10: metadata: required field is empty (give metadata its fields, indented below it (`gantry init` writes a commented example))",
				"svc.yaml:4:6: spec: required field is empty (give spec its fields, indented below it (`gantry init` writes a commented example))",
			},
		},
		{
			name:  "empty metadata.team",
			files: ruleRaw("apiVersion: gantry.dev/v1", "kind: Service", "metadata: {name: api, team: }", "spec: {runtime: go, type: worker}"),
			want:  []string{"svc.yaml:3:29: metadata.team: required field is empty (add `team: billing`)"},
		},
		{
			name:  "missing runtime",
			files: ruleRaw("apiVersion: gantry.dev/v1", "kind: Service", "metadata: {name: api, team: core}", "spec:", "  type: worker"),
			want:  []string{"svc.yaml:5:3: spec.runtime: required field is missing (" + hintReqRuntime + ")"},
		},
		{
			name:  "missing type",
			files: ruleRaw("apiVersion: gantry.dev/v1", "kind: Service", "metadata: {name: api, team: core}", "spec:", "  runtime: go"),
			want:  []string{"svc.yaml:5:3: spec.type: required field is missing (" + hintReqType + ")"},
		},
		{
			name:  "missing platform metadata.name",
			files: map[string]string{"platform.yaml": "apiVersion: gantry.dev/v1\nkind: Platform\nmetadata: {}\n"},
			want:  []string{"platform.yaml:3:11: metadata.name: required field is missing (add `name: acme`)"},
		},
		{
			name:  "missing dependency name",
			files: ruleWebCloud("  dependencies:", "    - {type: postgres}"),
			want:  []string{"svc.yaml:11:7: spec.dependencies[0].name: required field is missing (add `name: db`)"},
		},
		{
			name:  "missing dependency type",
			files: ruleWebCloud("  dependencies:", "    - name: db"),
			want:  []string{"svc.yaml:11:7: spec.dependencies[0].type: required field is missing (add `type: postgres | mysql | redis | bucket | queue | kafka`)"},
		},
	})
}

// ruleList renders n flow-list items made by item, e.g. "[a0, a1]".
func ruleList(n int, item func(i int) string) string {
	items := make([]string, n)
	for i := range items {
		items[i] = item(i)
	}
	return "[" + strings.Join(items, ", ") + "]"
}

// TestRuleServiceNames covers the rules on the service's name and team.
func TestRuleServiceNames(t *testing.T) {
	long := strings.Repeat("a", MaxServiceName+1)
	withTeam := func(team string) map[string]string {
		return map[string]string{"svc.yaml": strings.Replace(ruleService("api", TypeWeb), "team: core", "team: "+team, 1)}
	}
	runRuleCases(t, []ruleCase{
		// Names.
		{
			name:  "service name longer than 40",
			files: map[string]string{"svc.yaml": ruleService(long, TypeWorker)},
			want:  []string{fmt.Sprintf("svc.yaml:4:9: metadata.name: %q is longer than 40 characters", long)},
		},
		{
			name:  "service name of 40 characters",
			files: map[string]string{"svc.yaml": ruleService(long[1:], TypeWorker)},
		},
		{
			name:  "service name not a DNS label",
			files: map[string]string{"svc.yaml": ruleService("Payments", TypeWorker)},
			want:  []string{`svc.yaml:4:9: metadata.name: "Payments" ` + msgNotDNS + ` (for example "payments")`},
		},
		{
			name:  "service name with an underscore",
			files: map[string]string{"svc.yaml": ruleService("order_api", TypeWorker)},
			want:  []string{`svc.yaml:4:9: metadata.name: "order_api" ` + msgNotDNS + ` (for example "order-api")`},
		},
		{
			// The namespace derived from the team is the same problem: not reported twice.
			name:  "team not a DNS label",
			files: withTeam("Core Team"),
			want:  []string{`svc.yaml:5:9: metadata.team: "Core Team" ` + msgNotDNS + ` (for example "core-team")`},
		},
		{
			// The namespace comes from the team: point at what was written.
			name:  "team is a reserved namespace",
			files: withTeam("default"),
			want:  []string{`svc.yaml:5:9: metadata.team: "default" is reserved for the cluster (set spec.namespace to the team's own namespace)`},
		},
		{
			// <env>/kustomization.yaml of the GitOps output would be this service's Application.
			name:  "service name the output layout uses",
			files: map[string]string{"svc.yaml": ruleService("kustomization", TypeWorker)},
			want:  []string{`svc.yaml:4:9: metadata.name: "kustomization" is reserved: the generated output has a file or folder of that name (choose another name; reserved here: kustomization, namespaces)`},
		},
		{
			name:  "team name the output layout uses",
			files: withTeam("gitops"),
			want:  []string{`svc.yaml:5:9: metadata.team: "gitops" is reserved: the generated output has a file or folder of that name (choose another name; reserved here: kustomization, namespaces, gitops)`},
		},
		{
			name:  "namespace not a DNS label",
			files: ruleWeb("  namespace: Billing_1"),
			want:  []string{`svc.yaml:10:14: spec.namespace: "Billing_1" ` + msgNotDNS + ` (for example "billing-1")`},
		},
		{
			name:  "namespace kube-",
			files: ruleWeb("  namespace: kube-system"),
			want:  []string{`svc.yaml:10:14: spec.namespace: "kube-system" is reserved for the cluster (use the team's own namespace)`},
		},
		{
			name:  "namespace default",
			files: ruleWeb("  namespace: default"),
			want:  []string{`svc.yaml:10:14: spec.namespace: "default" is reserved for the cluster (use the team's own namespace)`},
		},
	})
}

// TestRuleServiceType covers the rules on what applies to which type of service, and schedules.
func TestRuleServiceType(t *testing.T) {
	runRuleCases(t, []ruleCase{
		// What applies to which type.
		{
			name:  "web without port",
			files: ruleRaw("apiVersion: gantry.dev/v1", "kind: Service", "metadata:", "  name: api", "  team: core", "spec:", "  runtime: go", "  type: web"),
			want:  []string{"svc.yaml:7:3: spec.port: a web service needs a port (add `port: 8080`, or use `type: worker` for a service that serves nothing)"},
		},
		{
			// An empty port is no port.
			name:  "web with an empty port",
			files: map[string]string{"svc.yaml": strings.Replace(ruleService("api", TypeWeb), "port: 8080", "port:", 1)},
			want:  []string{"svc.yaml:9:8: spec.port: a web service needs a port (add `port: 8080`, or use `type: worker` for a service that serves nothing)"},
		},
		{
			name:  "port on a worker",
			files: ruleSvc(TypeWorker, "  port: 8080"),
			want:  []string{"svc.yaml:10:9: spec.port: does not apply to a worker service (only web services serve a port; use `type: web`)"},
		},
		{
			name:  "protocol on a job",
			files: ruleSvc(TypeJob, "  protocol: grpc"),
			want:  []string{"svc.yaml:10:13: spec.protocol: does not apply to a job service"},
		},
		{
			name:  "health on a cron",
			files: ruleSvc(TypeCron, `  schedule: "@daily"`, "  health: {liveness: /livez}"),
			want:  []string{"svc.yaml:11:11: spec.health: does not apply to a cron service (a run that hangs is stopped by its deadline, not a probe)"},
		},
		{
			name:  "ingress on a worker",
			files: ruleSvc(TypeWorker, "  ingress: {host: api.example.com}"),
			want:  []string{"svc.yaml:10:12: spec.ingress: does not apply to a worker service (only web services can be exposed)"},
		},
		{
			name:  "callers on a worker",
			files: ruleSvc(TypeWorker, "  callers: [gateway]"),
			want:  []string{"svc.yaml:10:12: spec.callers: does not apply to a worker service (nothing can call a service without a port)"},
		},
		{
			name:  "schedule on a web service",
			files: ruleWeb(`  schedule: "@daily"`),
			want:  []string{"svc.yaml:10:13: spec.schedule: does not apply to a web service (only cron services run on a schedule; use `type: cron`)"},
		},
		{
			name:  "replicas on a cron",
			files: ruleSvc(TypeCron, `  schedule: "@daily"`, "  replicas: {min: 2}"),
			want:  []string{"svc.yaml:11:13: spec.replicas: does not apply to a cron service (it runs one pod per run)"},
		},
		{
			name:  "replicas on a job",
			files: ruleSvc(TypeJob, "  replicas: {min: 2}"),
			want:  []string{"svc.yaml:10:13: spec.replicas: does not apply to a job service (it runs one pod per run)"},
		},
		{
			name:  "field that does not apply, set in an environment",
			files: ruleSvc(TypeWorker, "  environments:", "    prod: {ingress: {host: api.example.com}}"),
			want:  []string{"svc.yaml:11:21: spec.environments.prod.ingress: does not apply to a worker service (only web services can be exposed)"},
		},
		{
			name: "inherited fields that do not apply are dropped",
			files: map[string]string{
				"platform.yaml": rulePlatform(
					"  defaults:",
					"    port: 8080",
					"    protocol: http",
					"    health: {liveness: /live, readiness: /ready}",
					`    schedule: "@daily"`,
					"    replicas: {min: 3}",
					"    ingress: {host: api.example.com}",
				),
				"api.yaml":    ruleService("api", TypeWeb),
				"worker.yaml": ruleService("worker", TypeWorker),
				"cron.yaml":   ruleService("cron", TypeCron, `  schedule: "0 3 * * *"`),
				"job.yaml":    ruleService("job", TypeJob),
			},
		},

		// Schedules.
		{
			name:  "cron without schedule",
			files: ruleSvc(TypeCron),
			want:  []string{`svc.yaml:7:3: spec.schedule: a cron service needs a schedule (add for example schedule: "*/5 * * * *")`},
		},
		{
			name:  "cron with four fields",
			files: ruleCron(`"* * * *"`),
			want:  []string{"svc.yaml:10:13: spec.schedule: needs 5 fields (minute hour day-of-month month day-of-week), got 4 (" + hintCron + ")"},
		},
		{
			name:  "cron with seconds",
			files: ruleCron(`"0 */5 * * * *"`),
			want:  []string{"svc.yaml:10:13: spec.schedule: needs 5 fields (minute hour day-of-month month day-of-week), got 6 (" + hintCron + ")"},
		},
		{
			name:  "cron value out of range",
			files: ruleCron(`"0 24 * * *"`),
			want:  []string{`svc.yaml:10:13: spec.schedule: hour field "24": 24 is outside 0-23 (` + hintCron + ")"},
		},
		{
			name:  "cron day of month 0",
			files: ruleCron(`"0 0 0 * *"`),
			want:  []string{`svc.yaml:10:13: spec.schedule: day of month field "0": 0 is outside 1-31 (` + hintCron + ")"},
		},
		{
			name:  "cron step 0",
			files: ruleCron(`"*/0 * * * *"`),
			want:  []string{`svc.yaml:10:13: spec.schedule: minute field "*/0": step "0" must be a number from 1 to 59 (` + hintCron + ")"},
		},
		{
			name:  "cron step not a number",
			files: ruleCron(`"0 0 */x * *"`),
			want:  []string{`svc.yaml:10:13: spec.schedule: day of month field "*/x": step "x" must be a number from 1 to 31 (` + hintCron + ")"},
		},
		{
			name:  "cron range backwards",
			files: ruleCron(`"0 9 * * FRI-MON"`),
			want:  []string{`svc.yaml:10:13: spec.schedule: day of week field "FRI-MON": range FRI-MON runs backwards (` + hintCron + ")"},
		},
		{
			name:  "cron not a number",
			files: ruleCron(`"0 noon * * *"`),
			want:  []string{`svc.yaml:10:13: spec.schedule: hour field "noon": "noon" is not a number (` + hintCron + ")"},
		},
		{
			name:  "cron unknown month name",
			files: ruleCron(`"0 0 1 JANUARY *"`),
			want:  []string{`svc.yaml:10:13: spec.schedule: month field "JANUARY": "JANUARY" is not a number (` + hintCron + ")"},
		},
		{
			name:  "cron unknown macro",
			files: ruleCron(`"@fortnightly"`),
			want:  []string{`svc.yaml:10:13: spec.schedule: unknown macro "@fortnightly" (use one of @yearly, @annually, @monthly, @weekly, @daily, @midnight, @hourly) (` + hintCron + ")"},
		},
		{
			name:  "cron @every",
			files: ruleCron(`"@every 5m"`),
			want:  []string{"svc.yaml:10:13: spec.schedule: @every is not supported by Kubernetes CronJobs (" + hintCron + ")"},
		},
		{
			name:  "cron time zone",
			files: ruleCron(`"CRON_TZ=Europe/Paris 0 2 * * *"`),
			want:  []string{"svc.yaml:10:13: spec.schedule: time zones in the schedule are not supported by Kubernetes CronJobs (" + hintCron + ")"},
		},
		{
			name: "cron forms accepted",
			files: map[string]string{
				"a.yaml": ruleService("a", TypeCron, `  schedule: "*/15 9-17 ? JAN-DEC mon-fri"`),
				"b.yaml": ruleService("b", TypeCron, `  schedule: "0 0 1,15 * 7"`),
				"c.yaml": ruleService("c", TypeCron, `  schedule: "5-55/10 */2 * 1-6/2 ?"`),
				"d.yaml": ruleService("d", TypeCron, "  schedule: '@midnight'"),
			},
		},
	})
}

// TestRuleServicePort covers spec.servicePort: its range (a Service port may be privileged: the
// container does not bind it), web only, and no collision with the Service's metrics port.
func TestRuleServicePort(t *testing.T) {
	runRuleCases(t, []ruleCase{
		{name: "below 1024 is allowed", files: ruleWeb("  servicePort: 80")},
		{name: "equal to port", files: ruleWeb("  servicePort: 8080")},
		{name: "next to a metrics port", files: ruleWeb("  servicePort: 80", "  metricsPort: 9090")},
		{
			name:  "zero",
			files: ruleWeb("  servicePort: 0"),
			want:  []string{"svc.yaml:10:16: spec.servicePort: must be at least 1, got 0"},
		},
		{
			name:  "above 65535",
			files: ruleWeb("  servicePort: 65536"),
			want:  []string{"svc.yaml:10:16: spec.servicePort: must be at most 65535, got 65536"},
		},
		{
			name:  "quoted",
			files: ruleWeb(`  servicePort: "80"`),
			want:  []string{`svc.yaml:10:16: spec.servicePort: must be a whole number, got the string "80" (remove the quotes)`},
		},
		{
			name:  "on a worker",
			files: ruleSvc(TypeWorker, "  servicePort: 80"),
			want:  []string{"svc.yaml:10:16: spec.servicePort: does not apply to a worker service (only web services have a Service)"},
		},
		{
			name:  "on a cron",
			files: ruleSvc(TypeCron, `  schedule: "@daily"`, "  servicePort: 80"),
			want:  []string{"svc.yaml:11:16: spec.servicePort: does not apply to a cron service (only web services have a Service)"},
		},
		{
			name:  "equal to metricsPort",
			files: ruleWeb("  servicePort: 9090", "  metricsPort: 9090"),
			want:  []string{"svc.yaml:10:16: spec.servicePort: collides with spec.metricsPort (9090) (the Service serves metrics on 9090; choose another, e.g. 80)"},
		},
		{
			// The defaulted servicePort (= port) is the metricsPort collision, reported there once.
			name:  "metricsPort equal to port, servicePort unset",
			files: ruleWeb("  metricsPort: 8080"),
			want:  []string{"svc.yaml:10:16: spec.metricsPort: collides with spec.port (8080) (serve metrics on a port of their own, e.g. 9090)"},
		},
		{
			name: "platform default dropped silently for a worker",
			files: map[string]string{
				"platform.yaml": rulePlatform("  defaults:", "    servicePort: 80"),
				"api.yaml":      ruleService("api", TypeWeb),
				"worker.yaml":   ruleService("worker", TypeWorker),
			},
		},
		{
			name:  "in an environment",
			files: ruleWeb("  environments:", "    prod: {servicePort: 80}"),
			want:  []string{"svc.yaml:11:12: spec.environments.prod.servicePort: cannot be set per environment (environments may override: " + overridableFields + ")"},
		},
	})
}

// TestRuleServiceWorkload covers the rules on replicas, ports, health, source, image and resources.
// The reasons of the warnings about values Gantry forces or advises against.
const (
	msgProdReplicas = "production runs at least 2 replicas for availability (PodDisruptionBudget, rolling updates)"
	msgSameProbe    = msgSameReason + " " + msgSameHint
	msgSameReason   = "one endpoint for both would restart pods under load instead of shedding traffic, so the liveness probe checks only that the port accepts connections (TCP)"
	msgSameHint     = "(give liveness a path that checks only that the process answers (e.g. /livez), and readiness one that checks what serving needs (e.g. /readyz))"
)

func TestRuleServiceWorkload(t *testing.T) {
	runRuleCases(t, []ruleCase{
		// Replicas, ports and health.
		{
			name:  "replicas min above max",
			files: ruleWeb("  replicas: {min: 5, max: 2}"),
			want:  []string{"svc.yaml:10:19: spec.replicas.min: must be <= replicas.max (5 > 2) (raise replicas.max to at least 5, or lower min)"},
		},
		{
			name:  "replicas min from an environment above max from the base",
			files: ruleWeb("  replicas: {max: 2}", "  environments:", "    prod: {replicas: {min: 3}}"),
			want:  []string{"svc.yaml:12:28: spec.environments.prod.replicas.min: must be <= replicas.max (3 > 2) (raise replicas.max to at least 3, or lower min)"},
		},
		{
			// max alone lowers the default min with it: one replica, no error about a value never written;
			// production's floor raises both, reported at the line that set them.
			name:  "replicas max below the default min",
			files: ruleWeb("  replicas: {max: 1}"),
			want:  []string{"svc.yaml:10:19: warning: spec.replicas.max: raised from 1 to 2 in prod: " + msgProdReplicas + " (set replicas.max: 2 in environments.prod to say so)"},
		},
		{
			name:  "one replica raised in production",
			files: ruleSvc(TypeWorker, "  replicas: {min: 1}"),
			want:  []string{"svc.yaml:10:19: warning: spec.replicas.min: raised from 1 to 2 in prod: " + msgProdReplicas + " (set replicas.min: 2 in environments.prod to say so)"},
		},
		{
			name:  "one replica raised in production, min and max written",
			files: ruleSvc(TypeWorker, "  replicas: {min: 1, max: 1}"),
			want: []string{
				"svc.yaml:10:19: warning: spec.replicas.min: raised from 1 to 2 in prod: " + msgProdReplicas + " (set replicas.min: 2 in environments.prod to say so)",
				"svc.yaml:10:27: warning: spec.replicas.max: raised from 1 to 2 in prod, with replicas.min (set replicas.max: 2 in environments.prod to say so)",
			},
		},
		{
			name:  "autoscaled from one raised in production",
			files: ruleWeb("  replicas: {min: 1, max: 5}"),
			want:  []string{"svc.yaml:10:19: warning: spec.replicas.min: raised from 1 to 2 in prod: " + msgProdReplicas + " (set replicas.min: 2 in environments.prod to say so)"},
		},
		{
			name:  "one replica from the production override",
			files: ruleSvc(TypeWorker, "  environments:", "    prod: {replicas: {min: 1, max: 4}}"),
			want:  []string{"svc.yaml:11:28: warning: spec.environments.prod.replicas.min: raised from 1 to 2 in prod: " + msgProdReplicas + " (set replicas.min: 2 in environments.prod to say so)"},
		},
		{
			name:  "one replica outside production only",
			files: ruleSvc(TypeWorker, "  replicas: {min: 1}", "  environments:", "    prod: {replicas: {min: 2}}"),
		},
		{
			name: "one replica from platform defaults",
			files: map[string]string{
				"platform.yaml": rulePlatform("  defaults:", "    replicas: {min: 1, max: 3}"),
				"svc.yaml":      ruleService("api", TypeWorker),
			},
			want: []string{"platform.yaml:7:21: warning: spec.defaults.replicas.min: raised from 1 to 2 in prod: " + msgProdReplicas + " [service api] (set replicas.min: 2 in environments.prod to say so)"},
		},
		{
			name: "replicas min from platform defaults above the service's max",
			files: map[string]string{
				"platform.yaml": rulePlatform("  defaults:", "    environments:", "      prod: {replicas: {min: 5}}"),
				"svc.yaml":      ruleService("api", TypeWorker, "  replicas: {max: 3}"),
			},
			want: []string{"platform.yaml:8:30: spec.defaults.environments.prod.replicas.min: must be <= replicas.max (5 > 3) [service api] (raise replicas.max to at least 5, or lower min)"},
		},
		{
			name:  "metricsPort equal to port",
			files: ruleWeb("  metricsPort: 8080"),
			want:  []string{"svc.yaml:10:16: spec.metricsPort: collides with spec.port (8080) (serve metrics on a port of their own, e.g. 9090)"},
		},
		{
			name:  "grpc health without protocol grpc",
			files: ruleWeb("  health: {grpc: true}"),
			want:  []string{"svc.yaml:10:18: spec.health.grpc: gRPC health checks need protocol grpc (set `protocol: grpc`, or give HTTP paths instead)"},
		},
		{
			name:  "HTTP path with grpc: true",
			files: ruleWeb("  protocol: grpc", "  health: {grpc: true, liveness: /livez}"),
			want:  []string{"svc.yaml:11:34: spec.health.liveness: an HTTP path cannot be used with grpc: true (remove it, or set grpc: false)"},
		},
		{
			name:  "HTTP paths with protocol tcp",
			files: ruleWeb("  protocol: tcp", "  health: {liveness: /livez}"),
			want:  []string{"svc.yaml:11:11: spec.health: HTTP paths do not apply to protocol tcp (HTTP probe paths need `protocol: http`; for grpc use `health: {grpc: true}`)"},
		},
		{
			name:  "grpc without health paths",
			files: ruleWeb("  protocol: grpc"),
		},
		{name: "grpc startup probe", files: ruleWeb("  protocol: grpc", "  health: {grpcStartup: true}")},
		{name: "grpc startup probe with grpc: true", files: ruleWeb("  protocol: grpc", "  health: {grpc: true, grpcStartup: true, initialDelaySeconds: 30}")},
		{
			name:  "grpc startup probe on an http service",
			files: ruleWeb("  health: {grpcStartup: true}"),
			want:  []string{"svc.yaml:10:25: spec.health.grpcStartup: a gRPC startup probe needs protocol grpc (set `protocol: grpc`, or give an HTTP path in startup (e.g. /startupz))"},
		},
		{
			name:  "grpc startup probe on a tcp service",
			files: ruleWeb("  protocol: tcp", "  health: {grpcStartup: true}"),
			want:  []string{"svc.yaml:11:25: spec.health.grpcStartup: a gRPC startup probe needs protocol grpc (set `protocol: grpc`)"},
		},
		{
			name:  "grpc startup probe not a bool",
			files: ruleWeb("  protocol: grpc", "  health: {grpcStartup: /startupz}"),
			want:  []string{`svc.yaml:11:25: spec.health.grpcStartup: must be true or false, got the string "/startupz" (write true or false)`},
		},
		{name: "initial delay 0", files: ruleWeb("  health: {initialDelaySeconds: 0}")},
		{name: "initial delay 300", files: ruleWeb("  health: {startup: /startupz, initialDelaySeconds: 300}")},
		{name: "initial delay on tcp", files: ruleWeb("  protocol: tcp", "  health: {initialDelaySeconds: 10}")},
		{
			name:  "initial delay negative",
			files: ruleWeb("  health: {initialDelaySeconds: -1}"),
			want:  []string{"svc.yaml:10:33: spec.health.initialDelaySeconds: must be at least 0, got -1"},
		},
		{
			name:  "initial delay above 300",
			files: ruleWeb("  protocol: grpc", "  health: {initialDelaySeconds: 301}"),
			want:  []string{"svc.yaml:11:33: spec.health.initialDelaySeconds: must be at most 300, got 301"},
		},
		{
			name:  "initial delay quoted",
			files: ruleWeb(`  health: {initialDelaySeconds: "30"}`),
			want:  []string{`svc.yaml:10:33: spec.health.initialDelaySeconds: must be a whole number, got the string "30" (remove the quotes)`},
		},
		{
			name:  "initial delay on a worker without liveness",
			files: ruleSvc(TypeWorker, "  health: {initialDelaySeconds: 30}"),
			want:  []string{"svc.yaml:10:33: spec.health.initialDelaySeconds: does not apply to a worker service (it delays the liveness check, which is not set: add liveness, on the metricsPort)"},
		},
		{name: "worker liveness on the metrics port", files: ruleSvc(TypeWorker, "  metricsPort: 9090", "  health: {liveness: /livez, initialDelaySeconds: 10}")},
		{
			name:  "worker liveness without a metrics port",
			files: ruleSvc(TypeWorker, "  health: {liveness: /livez}"),
			want:  []string{"svc.yaml:10:22: spec.health.liveness: a worker's liveness check runs on its metricsPort, which is not set (add `metricsPort: 9090` and serve the path there)"},
		},
		{
			name:  "worker liveness that is not a path",
			files: ruleSvc(TypeWorker, "  metricsPort: 9090", "  health: {liveness: livez}"),
			want:  []string{`svc.yaml:11:22: spec.health.liveness: "livez" is not an HTTP path (for example "/livez")`},
		},
		{
			name:  "worker readiness",
			files: ruleSvc(TypeWorker, "  metricsPort: 9090", "  health: {liveness: /livez, readiness: /readyz}"),
			want:  []string{"svc.yaml:11:41: spec.health.readiness: does not apply to a worker service (a worker has a liveness check only (health.liveness, on its metricsPort))"},
		},
		{
			name:  "worker with metrics and no liveness",
			files: ruleSvc(TypeWorker, "  metricsPort: 9090"),
			want:  []string{"svc.yaml:10:16: warning: spec.metricsPort: no liveness check: a worker whose loop hangs is never restarted (serve the work loop's heartbeat at e.g. /livez on the metrics port (the skeletons of gantry new do) and set health: {liveness: /livez})"},
		},
		{
			name: "platform default liveness is not a worker's",
			files: map[string]string{
				"platform.yaml": rulePlatform("  defaults: {health: {liveness: /healthz}}"),
				"svc.yaml":      ruleService("api", TypeWorker, "  metricsPort: 9090", "  health: {liveness: /livez}"),
			},
		},
		{
			// One health endpoint is common in real apps: a warning (kube-score's rule), not an error.
			name:  "liveness equal to readiness",
			files: ruleWeb("  health: {liveness: /health, readiness: /health}"),
			want:  []string{"svc.yaml:10:42: warning: spec.health.readiness: same path as liveness (/health): " + msgSameProbe},
		},
		{
			name:  "readiness equal to the default liveness",
			files: ruleWeb("  health: {readiness: /livez}"),
			want:  []string{"svc.yaml:10:23: warning: spec.health.readiness: same path as liveness (/livez): " + msgSameProbe},
		},
		{
			name: "liveness equal to readiness from platform defaults",
			files: map[string]string{
				"platform.yaml": rulePlatform("  defaults:", "    health: {liveness: /health, readiness: /health}"),
				"svc.yaml":      ruleService("api", TypeWeb),
			},
			want: []string{"platform.yaml:7:44: warning: spec.defaults.health.readiness: same path as liveness (/health): " + msgSameReason + " [service api] " + msgSameHint},
		},
		{
			name:  "probe path not a path",
			files: ruleWeb("  health: {startup: startupz}"),
			want:  []string{`svc.yaml:10:21: spec.health.startup: "startupz" is not an HTTP path (for example "/livez")`},
		},

		// Source.
		{
			name:  "source absolute",
			files: ruleWeb("  source: /src/api"),
			want:  []string{`svc.yaml:10:11: spec.source: "/src/api" is an absolute path (` + hintSource + ")"},
		},
		{
			name:  "source with a drive letter",
			files: ruleWeb(`  source: "C:/src/api"`),
			want:  []string{`svc.yaml:10:11: spec.source: "C:/src/api" has characters that are not allowed (':'): use only ` + pathChars + ` (for example "services/payments")`},
		},
		{
			name:  "source outside the repository",
			files: ruleWeb("  source: ../api"),
			want:  []string{`svc.yaml:10:11: spec.source: "../api" leaves the repository (` + hintSource + ")"},
		},
		{
			// Not "write ../lib": that leaves the repository too.
			name:  "source outside the repository once cleaned",
			files: ruleWeb("  source: services/../../lib"),
			want:  []string{`svc.yaml:10:11: spec.source: "services/../../lib" leaves the repository (` + hintSource + ")"},
		},
		{
			name:  "source not clean",
			files: ruleWeb("  source: ./services//api"),
			want:  []string{`svc.yaml:10:11: spec.source: "./services//api" is not a clean path (write "services/api") (` + hintSource + ")"},
		},
		{
			// A folder may be written with a trailing slash.
			name:  "source with a trailing slash",
			files: ruleWeb("  source: services/api/"),
		},
		{
			name:  "source with a backslash",
			files: ruleWeb(`  source: 'services\api'`),
			want:  []string{`svc.yaml:10:11: spec.source: "services\\api" has characters that are not allowed ('\\'): use only ` + pathChars + ` (for example "services/payments")`},
		},
		{
			// What GitHub and GitLab would evaluate in the CI files that carry it: refused once, naming
			// the characters.
			name:  "source with a CI expression",
			files: ruleWeb(`  source: "services/${{ github.event.pull_request.title }}"`),
			want:  []string{`svc.yaml:10:11: spec.source: "services/${{ github.event.pull_request.title }}" has characters that are not allowed ('$', '{', ' ', '}'): use only ` + pathChars + ` (for example "services/payments")`},
		},

		// Image.
		{
			name:  "image with a tag",
			files: ruleWeb("  image: ghcr.io/acme/api:1.2.3"),
			want:  []string{"svc.yaml:10:10: spec.image: must not contain a tag (drop the tag; CI sets tag and digest through kustomize images)"},
		},
		{
			// api:2 is a tag, not a registry port.
			name:  "image with a tag and no registry",
			files: ruleWeb("  image: api:2"),
			want:  []string{"svc.yaml:10:10: spec.image: must not contain a tag (drop the tag; CI sets tag and digest through kustomize images)"},
		},
		{
			name:  "image with a digest",
			files: ruleWeb("  image: ghcr.io/acme/api@sha256:0123456789abcdef"),
			want:  []string{"svc.yaml:10:10: spec.image: must not contain a digest (drop the digest; CI sets tag and digest through kustomize images)"},
		},
		{
			name:  "image with upper case",
			files: ruleWeb("  image: ghcr.io/Acme/api"),
			want:  []string{`svc.yaml:10:10: spec.image: "ghcr.io/Acme/api" is not an image repository (lower-case registry/repository, e.g. ghcr.io/acme/payments)`},
		},
		{
			name:  "image with a registry port",
			files: ruleWeb("  image: registry.local:5000/acme/api"),
		},
		{
			name:  "image with a tag in an environment",
			files: ruleWeb("  environments:", `    prod: {image: "ghcr.io/acme/api:prod"}`),
			want:  []string{"svc.yaml:11:19: spec.environments.prod.image: must not contain a tag (drop the tag; CI sets tag and digest through kustomize images)"},
		},

		// Resources.
		{
			name:  "cpu not a quantity",
			files: ruleWeb("  resources: {cpu: lots}"),
			want:  []string{`svc.yaml:10:20: spec.resources.cpu: "lots" is not a quantity (` + hintQuantity + ")"},
		},
		{
			name:  "ephemeralStorage not a quantity",
			files: ruleWeb("  resources: {ephemeralStorage: 1GB}"),
			want:  []string{`svc.yaml:10:33: spec.resources.ephemeralStorage: "1GB" is not a quantity (` + hintQuantity + ")"},
		},
		{
			name:  "cpu below the minimum",
			files: ruleWeb("  resources: {cpu: 1m}"),
			want:  []string{"svc.yaml:10:20: spec.resources.cpu: 1m is less than the minimum of 10m"},
		},
		{
			name:  "memory below the minimum",
			files: ruleWeb("  resources: {memory: 8Mi}"),
			want:  []string{"svc.yaml:10:23: spec.resources.memory: 8Mi is less than the minimum of 16Mi"},
		},
		{
			name:  "resources in an environment",
			files: ruleWeb("  environments:", "    prod: {resources: {cpu: 5m}}"),
			want:  []string{"svc.yaml:11:29: spec.environments.prod.resources.cpu: 5m is less than the minimum of 10m"},
		},
		{
			name:  "numeric quantities as written",
			files: ruleWeb("  resources: {cpu: 0.5, memory: 1Gi}"),
		},
	})
}

// TestRuleServiceEnv covers the rules on env (names, values, the credential detector) and secrets.
func TestRuleServiceEnv(t *testing.T) {
	runRuleCases(t, []ruleCase{
		// Env. A problem with the name points at the name, a problem with the value at the value.
		{
			name:  "env name not valid",
			files: ruleWeb("  env: {1ST: x}"),
			want:  []string{`svc.yaml:10:9: spec.env.1ST: "1ST" is not a valid variable name (` + hintEnvName + ")"},
		},
		{
			name:  "env name reserved",
			files: ruleWeb(`  env: {PORT: "9000"}`),
			want:  []string{"svc.yaml:10:9: spec.env.PORT: PORT is reserved (Gantry sets it from the spec; remove it)"},
		},
		{
			name:  "env name with a reserved prefix",
			files: ruleWeb("  env: {OTEL_SERVICE_NAME: api}"),
			want:  []string{"svc.yaml:10:9: spec.env.OTEL_SERVICE_NAME: the prefix of OTEL_SERVICE_NAME is reserved (Gantry sets these; remove it)"},
		},
		{
			name:  "env name set from a dependency",
			files: ruleWebCloud("  env: {DB_HOST: localhost}", "  dependencies: [{name: db, type: postgres}]"),
			want:  []string{"svc.yaml:10:9: spec.env.DB_HOST: DB_HOST is reserved (Gantry sets it from the dependency db; remove it)"},
		},
		{
			name:  "env value an AWS key",
			files: ruleWeb("  env: {UPLOAD_ID: AKIAIOSFODNN7EXAMPLE}"),
			want:  []string{"svc.yaml:10:20: spec.env.UPLOAD_ID: value \"AKIA…\" looks like an AWS access key ID; env values are not secret (move it to the secret store and list its name under secrets, e.g. secrets: [UPLOAD_ID])"},
		},
		{
			name:  "env value a GitHub token",
			files: ruleWeb("  env: {GH: ghp_0123456789abcdefghijABCDEFGHIJ012345}"),
			want:  []string{"svc.yaml:10:13: spec.env.GH: value \"ghp_…\" looks like a GitHub token; env values are not secret (move it to the secret store and list its name under secrets, e.g. secrets: [GH])"},
		},
		{
			name:  "env value a private key",
			files: ruleWeb(`  env: {TLS: "-----BEGIN RSA PRIVATE KEY-----\nMIIE..."}`),
			want:  []string{"svc.yaml:10:14: spec.env.TLS: value \"----…\" looks like a private key; env values are not secret (move it to the secret store and list its name under secrets, e.g. secrets: [TLS])"},
		},
		{
			name:  "env value a JWT",
			files: ruleWeb("  env: {SESSION: eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.c2ln}"),
			want:  []string{"svc.yaml:10:18: spec.env.SESSION: value \"eyJh…\" looks like a JSON Web Token; env values are not secret (move it to the secret store and list its name under secrets, e.g. secrets: [SESSION])"},
		},
		{
			name:  "env value a URL with a password",
			files: ruleWeb(`  env: {DATABASE_URL: "postgres://app:hunter2@db:5432/app"}`),
			want:  []string{"svc.yaml:10:23: spec.env.DATABASE_URL: value \"post…\" looks like a URL with a password; env values are not secret (move it to the secret store and list its name under secrets, e.g. secrets: [DATABASE_URL])"},
		},
		{
			name:  "env value a random token",
			files: ruleWeb("  env: {SIGNING: Zx9qL2mN8vB4kR7tY1wE5uI3oP6aS0dF}"),
			want:  []string{"svc.yaml:10:18: spec.env.SIGNING: value \"Zx9q…\" looks like a random token (high entropy); env values are not secret (move it to the secret store and list its name under secrets, e.g. secrets: [SIGNING])"},
		},
		{
			name:  "env credential name with a value",
			files: ruleWeb("  env: {DB_PASSWORD: hunter2}"),
			want:  []string{"svc.yaml:10:22: spec.env.DB_PASSWORD: DB_PASSWORD looks like it holds a credential (value [redacted]); env values are not secret (list it under secrets: [DB_PASSWORD] and keep the value in the secret store; if it holds no credential, rename it)"},
		},
		{
			name:  "env credential name without a value",
			files: ruleWeb(`  env: {API_TOKEN: ""}`),
		},
		{
			// Every diagnostic is sanitized: a word longer than 160 characters is cut to 100.
			name:  "name of 200,000 characters",
			files: map[string]string{"svc.yaml": strings.Replace(ruleService("api", TypeWorker), "name: api", "name: "+strings.Repeat("a", 200000), 1)},
			want:  []string{`svc.yaml:4:9: metadata.name: "` + strings.Repeat("a", 99) + `…" is longer than 40 characters`},
		},
		// The credential detector's shapes (credentials.go); the value is shown redacted.
		{
			name:  "env value a URL password with an empty user",
			files: ruleWeb(`  env: {DB_URL: "postgres://:s3cr3t@db.example.com/app"}`),
			want:  []string{`svc.yaml:10:17: spec.env.DB_URL: value "post…" looks like a URL with a password; env values are not secret (move it to the secret store and list its name under secrets, e.g. secrets: [DB_URL])`},
		},
		{
			name:  "env value a URL password with a slash",
			files: ruleWeb(`  env: {DB_URL: "https://app:pa/ss@db.example.com/app"}`),
			want:  []string{`svc.yaml:10:17: spec.env.DB_URL: value "http…" looks like a URL with a password; env values are not secret (move it to the secret store and list its name under secrets, e.g. secrets: [DB_URL])`},
		},
		{
			name:  "env value a password in a query string",
			files: ruleWeb(`  env: {API: "https://api.example.com/v1?user=app&password=hunter2", HOOK: "https://hooks.example.com/x?access_token=abc"}`),
			want: []string{
				`svc.yaml:10:14: spec.env.API: value "http…" looks like a credential in a URL query; env values are not secret (move it to the secret store and list its name under secrets, e.g. secrets: [API])`,
				`svc.yaml:10:76: spec.env.HOOK: value "http…" looks like a credential in a URL query; env values are not secret (move it to the secret store and list its name under secrets, e.g. secrets: [HOOK])`,
			},
		},
		{
			name:  "env value lower-case hex and UUID keys under key names",
			files: ruleWeb(`  env: {DD_APP_KEY: 0123456789abcdef0123456789abcdef01234567, HEROKU_KEY: 01234567-89ab-cdef-0123-456789abcdef, DD_API_KEY_ID: 9f86d081884c7d659a2feaa0c55ad015}`),
			want: []string{
				`svc.yaml:10:21: spec.env.DD_APP_KEY: value "0123…" looks like a key or token, and DD_APP_KEY names a credential; env values are not secret (move it to the secret store and list its name under secrets, e.g. secrets: [DD_APP_KEY])`,
				`svc.yaml:10:75: spec.env.HEROKU_KEY: value "0123…" looks like a key or token, and HEROKU_KEY names a credential; env values are not secret (move it to the secret store and list its name under secrets, e.g. secrets: [HEROKU_KEY])`,
				`svc.yaml:10:128: spec.env.DD_API_KEY_ID: value "9f86…" looks like a key or token, and DD_API_KEY_ID names a credential; env values are not secret (move it to the secret store and list its name under secrets, e.g. secrets: [DD_API_KEY_ID])`,
			},
		},
		{
			name:  "env value a bearer token",
			files: ruleWeb(`  env: {UPSTREAM_AUTHORIZATION: "Bearer 3f9a1c2e7b"}`),
			want:  []string{`svc.yaml:10:33: spec.env.UPSTREAM_AUTHORIZATION: value "Bear…" looks like an HTTP authorization value; env values are not secret (move it to the secret store and list its name under secrets, e.g. secrets: [UPSTREAM_AUTHORIZATION])`},
		},
		{
			name:  "env credential names with any value",
			files: ruleWeb(`  env: {SMTP_PASS: x, ADMIN_PASSWORD: changeme, SORT_KEY: name, CI_TOKEN: abc, dbPassword: x}`),
			want: []string{
				`svc.yaml:10:20: spec.env.SMTP_PASS: SMTP_PASS looks like it holds a credential (value [redacted]); env values are not secret (list it under secrets: [SMTP_PASS] and keep the value in the secret store; if it holds no credential, rename it)`,
				`svc.yaml:10:39: spec.env.ADMIN_PASSWORD: ADMIN_PASSWORD looks like it holds a credential (value [redacted]); env values are not secret (list it under secrets: [ADMIN_PASSWORD] and keep the value in the secret store; if it holds no credential, rename it)`,
				`svc.yaml:10:59: spec.env.SORT_KEY: SORT_KEY looks like it holds a credential (value [redacted]); env values are not secret (list it under secrets: [SORT_KEY] and keep the value in the secret store; if it holds no credential, rename it)`,
				`svc.yaml:10:75: spec.env.CI_TOKEN: CI_TOKEN looks like it holds a credential (value [redacted]); env values are not secret (list it under secrets: [CI_TOKEN] and keep the value in the secret store; if it holds no credential, rename it)`,
				`svc.yaml:10:92: spec.env.dbPassword: dbPassword looks like it holds a credential (value [redacted]); env values are not secret (list it under secrets: [dbPassword] and keep the value in the secret store; if it holds no credential, rename it)`,
			},
		},
		{
			// What the detector leaves alone: a credential word inside a name with a value that is not
			// key-shaped, hex and UUIDs under plain names, URLs whose ':' is a port, prose.
			name: "env not credentials",
			files: ruleWeb(`  env: {PUBLIC_KEY_PATH: /etc/x, CACHE_KEY_PREFIX: orders, SESSION_KEY_NAME: session_cookie_v2_name, LOG_LEVEL: info, ` +
				`GIT_SHA: 0123456789abcdef0123456789abcdef01234567, TENANT_ID: 01234567-89ab-cdef-0123-456789abcdef, ` +
				`ME_URL: "https://api.example.com:8443/v1/@me", REPO_URL: "ssh://git@github.com/acme/x.git", ` +
				`HELP: "Basic configuration", TOKEN_TTL: 1h, PWD: /app, PASSWORD_MIN_LENGTH: "12"}`),
		},
		{
			name:  "env plain values",
			files: ruleWeb(`  env: {LOG_LEVEL: info, DATABASE_URL: "postgres://db:5432/app", TOKEN_URL: "https://auth.example.com/token", REQUEST_ID_HEADER: X-Request-Id}`),
		},
		{
			name:  "env value too long",
			files: ruleWeb("  env: {BIG: " + strings.Repeat("x", MaxEnvValue+1) + "}"),
			want:  []string{"svc.yaml:10:14: spec.env.BIG: value is longer than 4096 bytes (keep large configuration in a file)"},
		},
		{
			name:  "env too many",
			files: ruleWeb("  env: {" + strings.Trim(ruleList(MaxEnvVars+1, func(i int) string { return fmt.Sprintf("V%d: x", i) }), "[]") + "}"),
			want:  []string{"svc.yaml:10:8: spec.env: more than 100 variables (keep configuration in a mounted file instead)"},
		},
		{
			name:  "env credential in an environment",
			files: ruleWeb("  environments:", "    dev: {env: {DB_PASSWORD: hunter2}}"),
			want:  []string{"svc.yaml:11:30: spec.environments.dev.env.DB_PASSWORD: DB_PASSWORD looks like it holds a credential (value [redacted]); env values are not secret (list it under secrets: [DB_PASSWORD] and keep the value in the secret store; if it holds no credential, rename it)"},
		},

		// Secrets.
		{
			name:  "secret that is a value",
			files: ruleWeb("  secrets: [AKIAIOSFODNN7EXAMPLE]"),
			want:  []string{"svc.yaml:10:13: spec.secrets[0]: \"AKIA…\" looks like an AWS access key ID: secrets must be names, never values (put the value in the secret store and write only its name here, e.g. STRIPE_API_KEY)"},
		},
		{
			name:  "secret name not valid",
			files: ruleWeb(`  secrets: ["stripe key"]`),
			want:  []string{`svc.yaml:10:13: spec.secrets[0]: "stripe key" is not a secret name (a name such as STRIPE_API_KEY: letters, digits, '_', '-', '.', at most 63)`},
		},
		{
			name:  "secret listed twice",
			files: ruleWeb("  secrets: [STRIPE_API_KEY, STRIPE_API_KEY]"),
			want:  []string{`svc.yaml:10:29: spec.secrets[1]: duplicate secret "STRIPE_API_KEY" (already listed as secrets[0])`},
		},
		{
			name:  "secrets too many",
			files: ruleWeb("  secrets: " + ruleList(MaxSecrets+1, func(i int) string { return fmt.Sprintf("S%d", i) })),
			want:  []string{"svc.yaml:10:12: spec.secrets: more than 50 secrets"},
		},
	})
}

// TestRuleServiceDependencies covers the rules on dependencies, calls and callers of one service.
func TestRuleServiceDependencies(t *testing.T) {
	runRuleCases(t, []ruleCase{
		// Dependencies.
		{
			name:  "dependency name not a DNS label",
			files: ruleWebCloud("  dependencies:", "    - {name: DB, type: postgres}"),
			want:  []string{`svc.yaml:11:14: spec.dependencies[0].name: "DB" ` + msgNotDNS + ` (for example "db")`},
		},
		{
			name:  "dependency name longer than 20",
			files: ruleWebCloud("  dependencies:", "    - {name: orders-database-primary, type: postgres}"),
			want:  []string{`svc.yaml:11:14: spec.dependencies[0].name: "orders-database-primary" is longer than 20 characters`},
		},
		{
			name:  "dependency name used twice",
			files: ruleWebCloud("  dependencies:", "    - {name: db, type: postgres}", "    - {name: db, type: redis}"),
			want:  []string{`svc.yaml:12:14: spec.dependencies[1].name: duplicate dependency "db" (already used by dependencies[0]; give each its own name)`},
		},
		{
			name:  "dependencies too many",
			files: ruleWebCloud("  dependencies: " + ruleList(MaxDependencies+1, func(i int) string { return fmt.Sprintf("{name: q%d, type: queue}", i) })),
			want:  []string{"svc.yaml:10:17: spec.dependencies: more than 20 dependencies"},
		},

		// Calls and callers, on their own.
		{
			// An entry that cannot be a service is not also "no service ... among the blueprints".
			name:  "calls entry not a DNS label",
			files: ruleWeb("  calls: [Ledger]"),
			want:  []string{`svc.yaml:10:11: spec.calls[0]: "Ledger" is not a service name: lower-case letters, digits and '-', starting and ending with a letter or digit (` + hintRef + ")"},
		},
		{
			name:  "calls entry with two dots",
			files: ruleWeb("  calls: [ledger.billing.svc]"),
			want:  []string{`svc.yaml:10:11: spec.calls[0]: "ledger.billing.svc" is not name or name.namespace (` + hintRef + ")"},
		},
		{
			name:  "callers entry with a bad namespace",
			files: ruleWeb("  callers: [gateway.Web]"),
			want:  []string{`svc.yaml:10:13: spec.callers[0]: "gateway.Web" is not name or name.namespace (` + hintRef + ")"},
		},
		{
			// One problem, one diagnostic: not also "api does not list api among its callers", whose
			// hint would have api add itself to its callers.
			name:  "calls itself",
			files: ruleWeb("  calls: [api]"),
			want:  []string{`svc.yaml:10:11: spec.calls[0]: "api" is this service (a service does not need permission to reach itself)`},
		},
		{
			name:  "callers itself with its namespace",
			files: ruleWeb("  callers: [api.core]"),
			want:  []string{`svc.yaml:10:13: spec.callers[0]: "api.core" is this service (a service does not need permission to reach itself)`},
		},
		{
			name: "calls entry listed twice",
			files: map[string]string{
				"svc.yaml":    ruleService("api", TypeWeb, "  calls: [ledger, ledger]"),
				"ledger.yaml": ruleService("ledger", TypeWeb, "  callers: [api]"),
			},
			want: []string{`svc.yaml:10:19: spec.calls[1]: duplicate entry "ledger" (already listed at [0])`},
		},
	})
}

// TestRuleServiceNetwork covers the rules on egress and ingress.
func TestRuleServiceNetwork(t *testing.T) {
	runRuleCases(t, []ruleCase{
		// Egress.
		{
			name:  "egress without port",
			files: ruleWeb("  egress: [api.stripe.com]"),
			want:  []string{`svc.yaml:10:12: spec.egress[0]: "api.stripe.com" needs a port from 1 to 65535 (host:port, e.g. "api.stripe.com:443")`},
		},
		{
			name:  "egress port out of range",
			files: ruleWeb("  egress: [api.stripe.com:0]"),
			want:  []string{`svc.yaml:10:12: spec.egress[0]: "api.stripe.com:0" needs a port from 1 to 65535 (host:port, e.g. "api.stripe.com:443")`},
		},
		{
			name:  "egress wildcard",
			files: ruleWeb(`  egress: ["*.stripe.com:443"]`),
			want:  []string{"svc.yaml:10:12: spec.egress[0]: wildcards are not allowed (list each host; a wildcard would allow any host in the domain)"},
		},
		{
			name:  "egress host not valid",
			files: ruleWeb("  egress: [api_stripe:443]"),
			want:  []string{`svc.yaml:10:12: spec.egress[0]: "api_stripe" is not a host name, IP address or CIDR (` + hintEgress + ")"},
		},
		{
			name:  "egress IPs and CIDRs",
			files: ruleWeb(`  egress: [10.0.0.1:5432, 10.0.0.0/8:5432, "[2001:db8::1]:443", "[2001:db8::/32]:443", api.stripe.com:443]`),
		},
		{
			// The issue's example: everything, all of IPv6 on SSH, and the metadata service.
			name:  "egress to everything and the metadata service",
			files: ruleWeb(`  egress: ["0.0.0.0/0:1", "[::/0]:22", "169.254.169.254/32:80"]`),
			want: []string{
				`svc.yaml:10:12: spec.egress[0]: "0.0.0.0/0" is every address (` + hintEgressRange + `)`,
				`svc.yaml:10:27: spec.egress[1]: "::/0" is every address (` + hintEgressRange + `)`,
				`svc.yaml:10:40: spec.egress[2]: "169.254.169.254/32" includes the cloud metadata service's address, which hands out the node's credentials (` + hintEgressRange + `)`,
			},
		},
		{
			name: "egress ranges refused",
			files: ruleWeb(`  egress: [169.254.169.254:80, "[fd00:ec2::254]:80", 169.254.0.0/16:80, "[fe80::1]:80", 168.0.0.0/6:80, ` +
				`127.0.0.1:8080, "[::1]:80", 0.0.0.0:80, 0.0.0.0/8:80, 8.0.0.0/7:443, "[2001::/16]:443", "[::ffff:169.254.169.254]:80", ` +
				`"[64:ff9b::/64]:80", metadata.google.internal:80]`),
			want: []string{
				`svc.yaml:10:12: spec.egress[0]: "169.254.169.254" includes the cloud metadata service's address, which hands out the node's credentials (` + hintEgressRange + `)`,
				`svc.yaml:10:32: spec.egress[1]: "fd00:ec2::254" includes the cloud metadata service's address, which hands out the node's credentials (` + hintEgressRange + `)`,
				`svc.yaml:10:54: spec.egress[2]: "169.254.0.0/16" includes the cloud metadata service's address, which hands out the node's credentials (` + hintEgressRange + `)`,
				`svc.yaml:10:73: spec.egress[3]: "fe80::1" includes link-local addresses, where the cloud metadata service answers (` + hintEgressRange + `)`,
				`svc.yaml:10:89: spec.egress[4]: "168.0.0.0/6" includes the cloud metadata service's address, which hands out the node's credentials (` + hintEgressRange + `)`,
				`svc.yaml:10:105: spec.egress[5]: "127.0.0.1" includes loopback addresses (` + hintEgressRange + `)`,
				`svc.yaml:10:121: spec.egress[6]: "::1" includes loopback addresses (` + hintEgressRange + `)`,
				`svc.yaml:10:133: spec.egress[7]: "0.0.0.0" includes the unspecified address (` + hintEgressRange + `)`,
				`svc.yaml:10:145: spec.egress[8]: "0.0.0.0/8" includes the unspecified address (` + hintEgressRange + `)`,
				`svc.yaml:10:159: spec.egress[9]: "8.0.0.0/7" is too wide a range (/7) (` + hintEgressRange + `)`,
				`svc.yaml:10:174: spec.egress[10]: "2001::/16" is too wide a range (/16) (` + hintEgressRange + `)`,
				`svc.yaml:10:193: spec.egress[11]: "::ffff:169.254.169.254" includes the cloud metadata service's address, which hands out the node's credentials (` + hintEgressRange + `)`,
				`svc.yaml:10:224: spec.egress[12]: "64:ff9b::/64" includes IPv4 addresses embedded in IPv6 (64:ff9b::/96) (` + hintEgressRange + `)`,
				`svc.yaml:10:245: spec.egress[13]: "metadata.google.internal" is the cloud metadata service (` + hintEgressRange + `)`,
			},
		},
		{
			name:  "egress ranges at the floor",
			files: ruleWeb(`  egress: [11.0.0.0/8:443, "[2600:1f00::/32]:443", "[::ffff:52.94.0.0/112]:443", 169.253.255.255:443]`),
		},
		{
			name:  "egress IPv6 without brackets",
			files: ruleWeb(`  egress: ["2001:db8::1:443"]`),
			want:  []string{`svc.yaml:10:12: spec.egress[0]: "2001:db8::1:443": an IPv6 address goes in brackets before the port (e.g. "[2001:db8::1]:443")`},
		},
		{
			name:  "egress too many",
			files: ruleWeb("  egress: " + ruleList(MaxListEntries+1, func(int) string { return "api.stripe.com:443" })),
			want:  []string{"svc.yaml:10:11: spec.egress: more than 100 entries"},
		},

		// Ingress.
		{
			name:  "ingress without host",
			files: ruleWeb("  ingress: {public: true}"),
			want:  []string{"svc.yaml:10:12: spec.ingress.host: required when ingress is set (add `host: pay.example.com`)"},
		},
		{
			name:  "ingress host not valid",
			files: ruleWeb("  ingress: {host: Pay.Example.com}"),
			want:  []string{`svc.yaml:10:19: spec.ingress.host: "Pay.Example.com" is not a host name (a fully qualified lower-case host name, e.g. pay.example.com)`},
		},
		{
			name:  "ingress host not qualified",
			files: ruleWeb("  ingress: {host: pay}"),
			want:  []string{`svc.yaml:10:19: spec.ingress.host: "pay" is not a host name (a fully qualified lower-case host name, e.g. pay.example.com)`},
		},
		{
			name:  "ingress path not a path",
			files: ruleWeb("  ingress: {host: api.example.com, paths: [api]}"),
			want:  []string{`svc.yaml:10:44: spec.ingress.paths[0]: "api" is not an HTTP path (a path prefix starting with "/")`},
		},
		{
			name:  "ingress paths too many",
			files: ruleWeb("  ingress: {host: api.example.com, paths: " + ruleList(MaxListEntries+1, func(int) string { return "/" }) + "}"),
			want:  []string{"svc.yaml:10:43: spec.ingress.paths: more than 100 entries"},
		},
	})
}

// TestRuleServiceEnvironments covers the rules on per-environment settings.
func TestRuleServiceEnvironments(t *testing.T) {
	runRuleCases(t, []ruleCase{
		// Environment names.
		{
			name:  "environment not in the platform, did you mean",
			files: ruleWeb("  environments:", "    prd: {replicas: {min: 3}}"),
			want:  []string{`svc.yaml:11:5: spec.environments.prd: "prd" is not an environment of the platform (did you mean "prod"?)`},
		},
		{
			// The name is wrong: point at the name, not at the block under it.
			name:  "environment not in the platform",
			files: ruleWeb("  environments:", "    qa:", "      replicas: {min: 3}"),
			want:  []string{`svc.yaml:11:5: spec.environments.qa: "qa" is not an environment of the platform (the platform's environments are: dev, staging, prod)`},
		},
		{
			name: "environment of the platform file",
			files: map[string]string{
				"platform.yaml": rulePlatform("  environments: [test, live]"),
				"svc.yaml":      ruleService("api", TypeWeb, "  environments:", "    live: {replicas: {min: 3}}", "    prod: {replicas: {min: 3}}"),
			},
			want: []string{`svc.yaml:12:5: spec.environments.prod: "prod" is not an environment of the platform (the platform's environments are: test, live)`},
		},
	})
}

// platformOnly is a folder with just platform.yaml, made of rulePlatform(spec...): spec lines from line 6.
func platformOnly(spec ...string) map[string]string {
	return map[string]string{"platform.yaml": rulePlatform(spec...)}
}

// TestRulePlatform covers the rules on a platform file's own settings.
func TestRulePlatform(t *testing.T) {
	const gitops = `  gitops: {engine: argocd, repoURL: "https://github.com/acme/gitops.git", `
	runRuleCases(t, []ruleCase{
		{
			name:  "platform name not a DNS label",
			files: map[string]string{"platform.yaml": strings.Replace(rulePlatform(), "name: acme", "name: Acme Corp", 1)},
			want:  []string{`platform.yaml:4:9: metadata.name: "Acme Corp" ` + msgNotDNS + ` (for example "acme-corp")`},
		},
		{
			name:  "registry not an image repository",
			files: platformOnly("  registry: ghcr.io/Acme"),
			want:  []string{`platform.yaml:6:13: spec.registry: "ghcr.io/Acme" is not a registry (lower-case host[:port][/path] without a trailing '/', e.g. ghcr.io/acme)`},
		},
		{
			name:  "registry with a tag",
			files: platformOnly("  registry: ghcr.io/acme:latest"),
			want:  []string{"platform.yaml:6:13: spec.registry: \"ghcr.io/acme:latest\" is not a registry (lower-case host[:port][/path] without a trailing '/', e.g. ghcr.io/acme)"},
		},
		{
			name:  "environments listed twice",
			files: platformOnly("  environments: [dev, prod, dev]"),
			want:  []string{`platform.yaml:6:29: spec.environments[2]: duplicate environment "dev" (list each environment once)`},
		},
		{
			name:  "environments empty",
			files: platformOnly("  environments: []"),
			want:  []string{"platform.yaml:6:17: spec.environments: must not be empty (list at least one, e.g. [dev, staging, prod])"},
		},
		{
			name:  "environment name not a DNS label",
			files: platformOnly("  environments: [Dev, prod]"),
			want:  []string{`platform.yaml:6:18: spec.environments[0]: "Dev" ` + msgNotDNS + ` (for example "dev")`},
		},
		{
			name:  "environments too many",
			files: platformOnly("  environments: " + ruleList(MaxEnvironments+1, func(i int) string { return fmt.Sprintf("e%d", i) })),
			want:  []string{"platform.yaml:6:17: spec.environments: more than 10 environments"},
		},
		{
			name:  "region required",
			files: platformOnly("  cloud: {provider: aws}"),
			want:  []string{"platform.yaml:6:10: spec.cloud.region: required for cloud aws (add e.g. `region: eu-west-1` for aws, `europe-west1` for gcp, `westeurope` for azure)"},
		},
		{
			name:  "region not valid",
			files: platformOnly("  cloud: {provider: azure, region: West Europe}"),
			want:  []string{`platform.yaml:6:36: spec.cloud.region: "West Europe" is not a region (e.g. eu-west-1, europe-west1 or westeurope)`},
		},
		{
			name:  "no region without a cloud",
			files: platformOnly("  cloud: {provider: none}"),
		},
		{
			name:  "gcp project required",
			files: platformOnly("  cloud: {provider: gcp, region: europe-west1}"),
			want:  []string{"platform.yaml:6:10: spec.cloud.project: required for cloud gcp (add `project: <your GCP project ID>`)"},
		},
		{
			name:  "gcp project not valid",
			files: platformOnly("  cloud: {provider: gcp, region: europe-west1, project: Shop}"),
			want:  []string{`platform.yaml:6:57: spec.cloud.project: "Shop" is not a GCP project ID (6 to 30 lower-case letters, digits and '-')`},
		},
		{
			name:  "project on another cloud",
			files: platformOnly("  cloud: {provider: aws, region: eu-west-1, project: acme-prod}"),
			want:  []string{"platform.yaml:6:54: spec.cloud.project: applies to cloud gcp only (remove it)"},
		},
		{
			name:  "azure subscription",
			files: platformOnly("  cloud: {provider: azure, region: westeurope, subscription: 3f2b8c1e-5d4a-4e7b-9c6f-1a2b3c4d5e6f}"),
		},
		{
			name:  "azure subscription not a GUID",
			files: platformOnly("  cloud: {provider: azure, region: westeurope, subscription: 3F2B8C1E-5D4A-4E7B-9C6F-1A2B3C4D5E6F}"),
			want:  []string{`platform.yaml:6:62: spec.cloud.subscription: "3F2B8C1E-5D4A-4E7B-9C6F-1A2B3C4D5E6F" has the wrong form (for example "3f2b8c1e-5d4a-4e7b-9c6f-1a2b3c4d5e6f")`},
		},
		{
			name:  "subscription on another cloud",
			files: platformOnly("  cloud: {provider: gcp, region: europe-west1, project: acme-prod, subscription: 3f2b8c1e-5d4a-4e7b-9c6f-1a2b3c4d5e6f}"),
			want:  []string{"platform.yaml:6:82: spec.cloud.subscription: applies to cloud azure only (remove it)"},
		},
		{
			name:  "gitops repoURL required",
			files: platformOnly("  gitops: {engine: flux}"),
			want:  []string{"platform.yaml:6:11: spec.gitops.repoURL: required for gitops engine flux (add `repoURL: https://github.com/acme/gitops.git`)"},
		},
		{
			name:  "gitops repoURL not valid",
			files: platformOnly("  gitops: {engine: argocd, repoURL: github.com/acme/gitops}"),
			want:  []string{`platform.yaml:6:37: spec.gitops.repoURL: "github.com/acme/gitops" is not a Git repository URL (https://host/org/repo.git, ssh://host/org/repo.git or git@host:org/repo.git)`},
		},
		{
			// Every diagnostic is sanitized (Diagnostic.Sanitized): a token in a URL is not printed.
			name:  "gitops repoURL with a token",
			files: platformOnly(`  gitops: {engine: argocd, repoURL: "https://x-access-token:ghp_0123456789abcdefghijABCDEFGHIJ012345@github.com/acme/x.git"}`),
			want:  []string{`platform.yaml:6:37: spec.gitops.repoURL: "https://[redacted]@github.com/acme/x.git" is not a Git repository URL (https://host/org/repo.git, ssh://host/org/repo.git or git@host:org/repo.git)`},
		},
		{
			name:  "network dependency ranges",
			files: platformOnly("  network: {dependencyCIDRs: [10.20.0.0/16, 172.31.0.0/16, \"fd12:3456::/48\"]}"),
		},
		{
			name:  "network dependency ranges not valid",
			files: platformOnly("  network: {dependencyCIDRs: [10.20.0.0, 10.20.1.0/16, 8.8.8.0/24, 10.0.0.0/7, 10.20.0.0/16, 10.20.0.0/16]}"),
			want: []string{
				`platform.yaml:6:31: spec.network.dependencyCIDRs[0]: "10.20.0.0" is not a CIDR (a CIDR such as 10.20.0.0/16)`,
				`platform.yaml:6:42: spec.network.dependencyCIDRs[1]: "10.20.1.0/16" has bits set past its prefix length (write "10.20.0.0/16")`,
				`platform.yaml:6:56: spec.network.dependencyCIDRs[2]: "8.8.8.0/24" is not a private range (a range inside 10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16 or fc00::/7)`,
				`platform.yaml:6:68: spec.network.dependencyCIDRs[3]: "10.0.0.0/7" is not a private range (a range inside 10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16 or fc00::/7)`,
				`platform.yaml:6:94: spec.network.dependencyCIDRs[5]: duplicate entry "10.20.0.0/16" (already listed at [4])`,
			},
		},
		{
			name:  "network dependency ranges empty",
			files: platformOnly("  network: {dependencyCIDRs: []}"),
			want:  []string{`platform.yaml:6:30: spec.network.dependencyCIDRs: must not be empty (list the ranges, e.g. [10.20.0.0/16], or remove it for the RFC 1918 ranges)`},
		},
		{
			name:  "gitops repoURL forms",
			files: platformOnly("  gitops: {engine: flux, repoURL: git@gitlab.com:acme/gitops.git, path: clusters/main, branch: release/1.x}"),
		},
		{
			name:  "gitops path absolute",
			files: platformOnly(gitops + "path: /deploy}"),
			want:  []string{`platform.yaml:6:81: spec.gitops.path: "/deploy" is an absolute path (a folder relative to the repository root, e.g. deploy)`},
		},
		{
			name:  "gitops path outside the repository",
			files: platformOnly(gitops + "path: ../deploy}"),
			want:  []string{`platform.yaml:6:81: spec.gitops.path: "../deploy" leaves the repository (a folder relative to the repository root, e.g. deploy)`},
		},
		{
			// What GitHub, GitLab and Flux would evaluate in the files that carry it.
			name:  "gitops path with a CI expression",
			files: platformOnly(gitops + `path: "deploy/${{ secrets.REGISTRY_TOKEN }}"}`),
			want:  []string{`platform.yaml:6:81: spec.gitops.path: "deploy/${{ secrets.REGISTRY_TOKEN }}" has characters that are not allowed ('$', '{', ' ', '}'): use only ` + pathChars + ` (for example "deploy")`},
		},
		{
			name:  "gitops path with a GitLab variable",
			files: platformOnly(gitops + `path: "deploy/$CI_JOB_TOKEN"}`),
			want:  []string{`platform.yaml:6:81: spec.gitops.path: "deploy/$CI_JOB_TOKEN" has characters that are not allowed ('$'): use only ` + pathChars + ` (for example "deploy")`},
		},
		{
			name:  "gitops branch not valid",
			files: platformOnly(gitops + `branch: "-main"}`),
			want:  []string{`platform.yaml:6:83: spec.gitops.branch: "-main" is not a branch name (e.g. main)`},
		},
		{
			name:  "kubernetesVersion unsupported",
			files: platformOnly(`  kubernetesVersion: "1.29"`),
			want:  []string{`platform.yaml:6:22: spec.kubernetesVersion: "1.29" is not supported (supported: 1.30 to 1.36)`},
		},
		{
			// Unquoted, 1.30 is a YAML float; the text is kept as written, not read as 1.3.
			name:  "kubernetesVersion unquoted",
			files: platformOnly("  kubernetesVersion: 1.30"),
		},
		{
			// The name is wrong: point at the name, not at the value.
			name:  "defaults.environments not an environment",
			files: platformOnly("  environments: [dev, prod]", "  defaults:", "    environments:", "      staging: {replicas: {min: 2}}"),
			want:  []string{`platform.yaml:9:7: spec.defaults.environments.staging: "staging" is not an environment of the platform (the platform's environments are: dev, prod)`},
		},
		{
			name: "problem in the defaults, reported once, not for each service it reaches",
			files: map[string]string{
				"platform.yaml": rulePlatform("  defaults:", "    resources: {cpu: lots}"),
				"a.yaml":        ruleService("a", TypeWorker),
				"b.yaml":        ruleService("b", TypeJob),
			},
			want: []string{
				`platform.yaml:7:22: spec.defaults.resources.cpu: "lots" is not a quantity (` + hintQuantity + ")",
			},
		},
		{
			name: "a service's own value replaces a bad default",
			files: map[string]string{
				"platform.yaml": rulePlatform("  defaults:", "    resources: {cpu: lots}"),
				"a.yaml":        ruleService("a", TypeWorker, "  resources: {cpu: 250m}"),
			},
			// The default is still wrong as a default, for the next service that inherits it.
			want: []string{`platform.yaml:7:22: spec.defaults.resources.cpu: "lots" is not a quantity (` + hintQuantity + ")"},
		},
	})
}

// TestRuleCrossService covers the rules across the services of a platform.
func TestRuleCrossService(t *testing.T) {
	runRuleCases(t, []ruleCase{
		{
			// Argo CD's projects/acme.yaml is the platform's own AppProject.
			name: "team named like an Argo CD platform",
			files: map[string]string{
				"platform.yaml": rulePlatform(`  gitops: {engine: argocd, repoURL: "https://github.com/acme/gitops.git"}`),
				"svc.yaml":      strings.Replace(ruleService("api", TypeWorker), "team: core", "team: acme", 1),
			},
			want: []string{`svc.yaml:5:9: metadata.team: "acme" is reserved: the generated output has a file or folder of that name (choose another name; reserved here: kustomization, namespaces, gitops, acme)`},
		},
		{
			name: "service name defined twice",
			files: map[string]string{
				"a.yaml": ruleService("api", TypeWorker),
				"b.yaml": ruleService("api", TypeWorker),
			},
			want: []string{`b.yaml:4:9: metadata.name: service "api" is defined twice (also at a.yaml:4:9) (service names are unique in a platform; rename one)`},
		},
		{
			name: "same name under two platforms",
			files: map[string]string{
				"one/platform.yaml": rulePlatform(),
				"one/api.yaml":      ruleService("api", TypeWorker),
				// Its repository files must not be the first's (TestRuleRepoFilesAcrossPlatforms).
				"two/platform.yaml": strings.Replace(rulePlatform("  ci: none"), "name: acme", "name: other", 1),
				"two/api.yaml":      ruleService("api", TypeWorker, "  source: services/other-api"),
			},
		},
		// A namespace belongs to one team.
		{
			name: "namespace of another team",
			files: map[string]string{
				"billing.yaml": teamService("ledger", "billing"),
				"mallory.yaml": teamService("evil", "mallory", "  namespace: billing"),
			},
			want: []string{`mallory.yaml:10:14: spec.namespace: namespace "billing" belongs to team billing (billing.yaml:5:9); team mallory cannot use it (a namespace belongs to one team (its network and mesh policies, secrets and GitOps project); use team mallory's own, e.g. remove spec.namespace to use "mallory")`},
		},
		{
			name: "namespace named like a team that runs elsewhere",
			files: map[string]string{
				"a.yaml": teamService("ledger", "billing", "  namespace: payments"),
				"b.yaml": teamService("evil", "mallory", "  namespace: billing"),
			},
			want: []string{`b.yaml:10:14: spec.namespace: namespace "billing" belongs to team billing (a.yaml:5:9); team mallory cannot use it (a namespace belongs to one team (its network and mesh policies, secrets and GitOps project); use team mallory's own, e.g. remove spec.namespace to use "mallory")`},
		},
		{
			name: "namespace shared by two teams",
			files: map[string]string{
				"a.yaml": teamService("ledger", "billing", "  namespace: shared"),
				"b.yaml": teamService("evil", "mallory", "  namespace: shared"),
				"c.yaml": teamService("audit", "billing", "  namespace: shared"),
			},
			want: []string{`b.yaml:10:14: spec.namespace: namespace "shared" belongs to team billing (a.yaml:10:14); team mallory cannot use it (a namespace belongs to one team (its network and mesh policies, secrets and GitOps project); use team mallory's own, e.g. remove spec.namespace to use "mallory")`},
		},
		{
			name: "namespace from a platform default for two teams",
			files: map[string]string{
				"platform.yaml": rulePlatform("  defaults: {namespace: apps}"),
				"a.yaml":        teamService("ledger", "billing"),
				"b.yaml":        teamService("evil", "mallory"),
			},
			want: []string{`platform.yaml:6:25: spec.defaults.namespace: namespace "apps" belongs to team billing (a.yaml:5:9); team mallory cannot use it [service evil] (a namespace belongs to one team (its network and mesh policies, secrets and GitOps project); use team mallory's own, e.g. remove spec.namespace to use "mallory")`},
		},
		{
			name: "namespace shared by one team's services",
			files: map[string]string{
				"a.yaml": teamService("ledger", "billing", "  namespace: payments"),
				"b.yaml": teamService("audit", "billing", "  namespace: payments"),
				"c.yaml": teamService("orders", "shop"),
			},
		},

		// Two services cannot build from the same folder.
		{
			name: "source folder of two services",
			files: map[string]string{
				"a.yaml": ruleService("api", TypeWorker, "  source: services/shared"),
				"b.yaml": ruleService("jobs", TypeWorker, "  source: services/shared/"),
			},
			want: []string{`b.yaml:10:11: spec.source: source folder "services/shared/" is also the source of service api (a.yaml:10:11) (give each service a folder of its own: its Dockerfile and .dockerignore are generated there)`},
		},
		{
			name: "source folder that is another service's default",
			files: map[string]string{
				"a.yaml": ruleService("api", TypeWorker),
				"b.yaml": ruleService("jobs", TypeWorker, "  source: services/api"),
			},
			want: []string{`b.yaml:10:11: spec.source: source folder "services/api" is also the source of service api (a.yaml:4:9) (give each service a folder of its own: its Dockerfile and .dockerignore are generated there)`},
		},
		{
			name: "source default that is another service's folder",
			files: map[string]string{
				"a.yaml": ruleService("jobs", TypeWorker, "  source: services/api"),
				"b.yaml": ruleService("api", TypeWorker),
			},
			want: []string{`b.yaml:4:9: metadata.name: source folder "services/api" is also the source of service jobs (a.yaml:10:11) (give each service a folder of its own: its Dockerfile and .dockerignore are generated there)`},
		},
		{
			name:  "calls an unknown service",
			files: ruleWeb("  calls: [ledger]"),
			want:  []string{`svc.yaml:10:11: spec.calls[0]: no service "ledger" among the blueprints (add its blueprint, or remove it from calls)`},
		},
		{
			name: "calls an unknown service, did you mean",
			files: map[string]string{
				"svc.yaml":    ruleService("api", TypeWeb, "  calls: [leger]"),
				"ledger.yaml": ruleService("ledger", TypeWeb),
			},
			want: []string{`svc.yaml:10:11: spec.calls[0]: no service "leger" among the blueprints (did you mean "ledger"?)`},
		},
		{
			name:  "calls an unknown service, files named",
			files: ruleWeb("  calls: [ledger]"),
			args:  []string{"svc.yaml"},
			want:  []string{`svc.yaml:10:11: warning: spec.calls[0]: no service "ledger" among the blueprints (add its blueprint, or remove it from calls; only some blueprint files were named, so it may be in another)`},
		},
		{
			name:  "callers an unknown service",
			files: ruleWeb("  callers: [gateway]"),
			want:  []string{`svc.yaml:10:13: spec.callers[0]: no service "gateway" among the blueprints (add its blueprint, or remove it from callers)`},
		},
		{
			name: "calls a service in another namespace",
			files: map[string]string{
				"svc.yaml":    ruleService("api", TypeWeb, "  calls: [ledger.billing]"),
				"ledger.yaml": ruleService("ledger", TypeWeb),
			},
			want: []string{`svc.yaml:10:11: spec.calls[0]: no service "ledger.billing" among the blueprints (ledger is in namespace core)`},
		},
		{
			name: "calls a worker",
			files: map[string]string{
				"svc.yaml":  ruleService("api", TypeWeb, "  calls: [jobs]"),
				"jobs.yaml": ruleService("jobs", TypeWorker),
			},
			want: []string{`svc.yaml:10:11: spec.calls[0]: "jobs" is a worker service and serves no port (only web services can be called)`},
		},
		{
			name: "calls a service that has no callers",
			files: map[string]string{
				"svc.yaml":    ruleService("api", TypeWeb, "  calls: [ledger]"),
				"ledger.yaml": ruleService("ledger", TypeWeb),
			},
			want: []string{`svc.yaml:10:11: spec.calls[0]: ledger does not list api among its callers (add "api" to ledger's spec.callers (ledger.yaml:7:3))`},
		},
		{
			name: "calls a service whose callers are others",
			files: map[string]string{
				"svc.yaml":     ruleService("api", TypeWorker, "  calls: [ledger]"),
				"ledger.yaml":  ruleService("ledger", TypeWeb, "  callers: [gateway]"),
				"gateway.yaml": ruleService("gateway", TypeWeb, "  calls: [ledger]"),
			},
			want: []string{`svc.yaml:10:11: spec.calls[0]: ledger does not list api among its callers (add "api" to ledger's spec.callers (ledger.yaml:10:12))`},
		},
		{
			name: "callers entry that does not call",
			files: map[string]string{
				"svc.yaml":     ruleService("api", TypeWeb, "  callers: [gateway]"),
				"gateway.yaml": ruleService("gateway", TypeWeb),
			},
			want: []string{`svc.yaml:10:13: warning: spec.callers[0]: gateway is allowed to call api but does not list it in its calls (add "api" to gateway's spec.calls (gateway.yaml:7:3), or remove it here)`},
		},
		{
			name: "calls and callers agree",
			files: map[string]string{
				"svc.yaml":    ruleService("api", TypeWorker, "  calls: [ledger.billing]"),
				"ledger.yaml": strings.Replace(ruleService("ledger", TypeWeb, "  callers: [api.core]"), "team: core", "team: billing", 1),
			},
		},
	})
}

// TestLoadRules covers finding the files and the platforms.
func TestLoadRules(t *testing.T) {
	k8sService := "apiVersion: v1\nkind: Service\nmetadata:\n  name: api\nspec:\n  ports: [{port: 80, targetPort: 8080}]\n"
	runRuleCases(t, []ruleCase{
		{
			name: "path that does not exist",
			args: []string{"nope"},
			want: []string{"nope: no such file or folder (give a blueprint file or a folder of them)"},
		},
		{
			name:  "folder without blueprints",
			files: map[string]string{"empty/ci.yaml": "on: push\n"},
			args:  []string{"empty"},
			want:  []string{"empty: no blueprints found (a blueprint is a .yaml file with `apiVersion: gantry.dev/v1`; create one with `gantry init NAME`)"},
		},
		{
			name: "other YAML and skipped folders are not read",
			files: map[string]string{
				"svc.yaml":          ruleService("api", TypeWeb),
				"ci.yml":            "on: push\n",
				".github/bad.yaml":  "apiVersion: gantry.dev/v1\nkind: Service\n",
				"testdata/bad.yaml": "apiVersion: gantry.dev/v1\nkind: Service\n",
				"vendor/bad.yaml":   "apiVersion: gantry.dev/v1\nkind: Service\n",
				"svc.json":          `{"apiVersion": "gantry.dev/v1"}`,
			},
		},
		{
			// Gantry generates Kubernetes Services next to the blueprints: they are not blueprints.
			name: "Kubernetes manifests are not blueprints",
			files: map[string]string{
				"svc.yaml":                 ruleService("api", TypeWeb),
				"deploy/base/service.yaml": k8sService,
			},
		},
		{
			name:  "a file named twice is read once",
			files: ruleWeb(),
			args:  []string{"svc.yaml", "./svc.yaml", "."},
		},
		{
			name: "platform found in a parent folder",
			files: map[string]string{
				"platform.yaml":     rulePlatform("  defaults:", "    replicas: {min: 5}"),
				"services/api.yaml": ruleService("api", TypeWeb, "  replicas: {max: 3}"),
			},
			args: []string{"services"},
			want: []string{"platform.yaml:7:21: spec.defaults.replicas.min: must be <= replicas.max (5 > 3) [service api] (raise replicas.max to at least 5, or lower min)"},
		},
		{
			name: "the nearest platform applies",
			files: map[string]string{
				"platform.yaml":          rulePlatform("  environments: [dev, prod]"),
				"shop/platform.yaml":     strings.Replace(rulePlatform("  environments: [test, live]"), "name: acme", "name: shop", 1),
				"shop/services/api.yaml": ruleService("api", TypeWeb, "  environments:", "    live: {replicas: {min: 3}}"),
			},
		},
		{
			// Each platform's output goes to a folder named after it: two of one name would collide.
			name: "two platforms with one name",
			files: map[string]string{
				"platform.yaml":          rulePlatform("  environments: [dev, prod]"),
				"shop/platform.yaml":     rulePlatform("  environments: [test, live]"),
				"shop/services/api.yaml": ruleService("api", TypeWeb),
			},
			want: []string{`shop/platform.yaml:4:9: metadata.name: platform "acme" is also defined in platform.yaml (give each platform its own name; its output goes to a folder of that name)`},
		},
		{
			name: "two platform files in one folder",
			files: map[string]string{
				"gantry.yaml":   rulePlatform(),
				"platform.yaml": rulePlatform(),
				"svc.yaml":      ruleService("api", TypeWeb),
			},
			want: []string{"platform.yaml: a second platform file in the same folder (the other is gantry.yaml) (keep one platform file per folder)"},
		},
		{
			// A diagnostic about a field says where the field is.
			name: "platform.yaml that is a Service",
			files: map[string]string{
				"platform.yaml":    ruleService("p", TypeWorker),
				"services/ap.yaml": ruleService("api", TypeWeb),
			},
			args: []string{"services"},
			want: []string{"platform.yaml:2:7: kind: platform.yaml is found as the platform file but is not kind: Platform (rename it, or make it the platform)"},
		},
		{
			// A diagnostic about a field says where the field is.
			name:  "--platform names a Service",
			files: ruleWeb(),
			args:  []string{".", "--platform=svc.yaml"},
			want:  []string{"svc.yaml:2:7: kind: --platform names a file that is not a Platform (give the file with `kind: Platform`)"},
		},
		{
			name: "--platform replaces the platform file found",
			files: map[string]string{
				"ops/platform.yaml": rulePlatform("  environments: [test, live]"),
				"svc/platform.yaml": rulePlatform(),
				"svc/api.yaml":      ruleService("api", TypeWeb, "  environments:", "    live: {replicas: {min: 3}}"),
			},
			args: []string{"svc", "--platform=ops/platform.yaml"},
			want: []string{"svc/platform.yaml: warning: platform file not used: --platform ops/platform.yaml applies"},
		},
		{
			name:  "--platform that does not exist",
			files: ruleWeb(),
			args:  []string{".", "--platform=nope.yaml"},
			want:  []string{"nope.yaml: --platform: no such file or folder (name the platform file (kind: Platform), or leave --platform out to use the nearest gantry.yaml or platform.yaml)"},
		},
	})
}

// TestLoadDefaultDir checks that Load with no path reads blueprints/ when there is one.
func TestLoadDefaultDir(t *testing.T) {
	dir := t.TempDir()
	for name, data := range map[string]string{
		"svc.yaml":            ruleService("Bad", TypeWeb), // outside blueprints/: not read
		"blueprints/api.yaml": ruleService("api", TypeWeb, "  port: 9090"),
	} {
		path := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	t.Chdir(dir)
	_, diags := Load(LoadOptions{})
	want := []string{"blueprints/api.yaml:10:3: spec.port: duplicate field (first set at line 9; keep one)"}
	if got := ruleDiagStrings(diags); !slices.Equal(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
}

// TestLoadPlatformInParentFolder checks which platform each service is resolved under.
func TestLoadPlatformInParentFolder(t *testing.T) {
	res, diags := ruleLoad(t, map[string]string{
		"platform.yaml":          rulePlatform("  environments: [dev, prod]"),
		"services/api.yaml":      ruleService("api", TypeWeb),
		"shop/platform.yaml":     strings.Replace(rulePlatform("  environments: [live]"), "name: acme", "name: shop", 1),
		"shop/web/frontend.yaml": ruleService("frontend", TypeWeb),
	}, "services", "shop/web")
	if len(diags) > 0 {
		t.Fatalf("diagnostics: %q", ruleDiagStrings(diags))
	}
	var got []string
	for _, p := range res.Platforms {
		for _, s := range p.Services {
			var envs []string
			for _, e := range s.Environments {
				envs = append(envs, e.Name)
			}
			got = append(got, fmt.Sprintf("%s %s %s: %s", p.File, p.Name, s.Name, strings.Join(envs, ",")))
		}
	}
	want := []string{"platform.yaml acme api: dev,prod", "shop/platform.yaml shop frontend: live"}
	if !slices.Equal(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
}

// TestValidateExamples checks that every example blueprint is valid, as a whole and folder by folder.
func TestValidateExamples(t *testing.T) {
	dirs, err := filepath.Glob("examples/*")
	if err != nil || len(dirs) == 0 {
		t.Fatalf("no examples: %v", err)
	}
	for _, paths := range append([][]string{{"examples"}}, func() (out [][]string) {
		for _, d := range dirs {
			out = append(out, []string{filepath.ToSlash(d)})
		}
		return out
	}()...) {
		t.Run(strings.Join(paths, ","), func(t *testing.T) {
			res, diags := Load(LoadOptions{Paths: paths})
			if len(diags) > 0 {
				t.Errorf("diagnostics:\n%s", strings.Join(ruleDiagStrings(diags), "\n"))
			}
			services := 0
			for _, p := range res.Platforms {
				if p.File == "" {
					t.Errorf("a service of %s has no platform file", paths)
				}
				services += len(p.Services)
			}
			if services == 0 {
				t.Errorf("no services in %s", paths)
			}
		})
	}
}

// TestValidateSortedDeduplicated checks that Load reports by file, line and column, each problem once: a
// problem found in the base and in every environment, or inherited by several environments, is one line.
func TestValidateSortedDeduplicated(t *testing.T) {
	files := map[string]string{
		"platform.yaml": rulePlatform(
			"  environments: [dev, staging, prod]",
			"  defaults:",
			"    env: {DB_PASSWORD: hunter2}",
		),
		"b.yaml": ruleService("b", TypeWeb, "  resources: {cpu: lots}", "  calls: [nobody]", "  callers: [a]"),
		"a.yaml": ruleService("a", TypeWeb, "  egress: [api.stripe.com]", "  environments:", "    prod: {image: ghcr.io/acme/a:1}", "    dev: {image: ghcr.io/acme/a:1}"),
	}
	_, diags := ruleLoad(t, files)
	got := ruleDiagStrings(diags)
	want := []string{
		`a.yaml:10:12: spec.egress[0]: "api.stripe.com" needs a port from 1 to 65535 (host:port, e.g. "api.stripe.com:443")`,
		"a.yaml:12:19: spec.environments.prod.image: must not contain a tag (drop the tag; CI sets tag and digest through kustomize images)",
		"a.yaml:13:18: spec.environments.dev.image: must not contain a tag (drop the tag; CI sets tag and digest through kustomize images)",
		`b.yaml:10:20: spec.resources.cpu: "lots" is not a quantity (` + hintQuantity + ")",
		`b.yaml:11:11: spec.calls[0]: no service "nobody" among the blueprints (add its blueprint, or remove it from calls)`,
		`b.yaml:12:13: warning: spec.callers[0]: a is allowed to call b but does not list it in its calls (add "b" to a's spec.calls (a.yaml:7:3), or remove it here)`,
		"platform.yaml:8:24: spec.defaults.env.DB_PASSWORD: DB_PASSWORD looks like it holds a credential (value [redacted]); env values are not secret (list it under secrets: [DB_PASSWORD] and keep the value in the secret store; if it holds no credential, rename it)",
	}
	if !slices.Equal(got, want) {
		t.Errorf("got:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if !slices.Equal(diags, diags.Sorted()) {
		t.Error("Load's diagnostics are not sorted and deduplicated")
	}
}

// TestValidateDiagnosticsSorted checks Diagnostics.Sorted on its own: by file, line, column, severity
// (errors first), path, message and hint, without duplicates, and without changing its receiver.
func TestValidateDiagnosticsSorted(t *testing.T) {
	e := func(file string, line, col int, path, msg string) Diagnostic {
		return Diagnostic{Pos: Pos{File: file, Line: line, Col: col}, Path: path, Message: msg}
	}
	w := e("a.yaml", 3, 1, "spec.calls[0]", "z")
	w.Severity = SeverityWarning
	in := Diagnostics{
		e("b.yaml", 1, 1, "", "b"),
		w,
		e("a.yaml", 10, 1, "spec", "x"),
		e("a.yaml", 3, 1, "spec.calls[0]", "z"),
		e("a.yaml", 3, 1, "spec.calls[0]", "z"),
		e("a.yaml", 3, 1, "spec.calls[0]", "y"),
		e("a.yaml", 2, 5, "spec", "x"),
		e("a.yaml", 0, 0, "", "file-level"),
		w,
	}
	orig := slices.Clone(in)
	got := ruleDiagStrings(in.Sorted())
	want := []string{
		"a.yaml: file-level",
		"a.yaml:2:5: spec: x",
		"a.yaml:3:1: spec.calls[0]: y",
		"a.yaml:3:1: spec.calls[0]: z",
		"a.yaml:3:1: warning: spec.calls[0]: z",
		"a.yaml:10:1: spec: x",
		"b.yaml:1:1: b",
	}
	if !slices.Equal(got, want) {
		t.Errorf("got:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if !slices.Equal(in, orig) {
		t.Error("Sorted changed its receiver")
	}
}

// TestValidateDiagnosticString checks the rendering of a diagnostic.
func TestValidateDiagnosticString(t *testing.T) {
	for _, tc := range []struct {
		d    Diagnostic
		want string
	}{
		{Diagnostic{Pos: Pos{File: "a.yaml"}, Message: "file is empty"}, "a.yaml: file is empty"},
		{Diagnostic{Pos: Pos{File: "a.yaml", Line: 3, Col: 7}, Path: "spec.port", Message: "m", Hint: "h"}, "a.yaml:3:7: spec.port: m (h)"},
		{Diagnostic{Pos: Pos{File: "a.yaml", Line: 3, Col: 7}, Path: "spec.calls[0]", Message: "m", Severity: SeverityWarning}, "a.yaml:3:7: warning: spec.calls[0]: m"},
	} {
		if got := tc.d.String(); got != tc.want {
			t.Errorf("got %q, want %q", got, tc.want)
		}
	}
	err := &ValidationError{Diagnostics: Diagnostics{{Pos: Pos{File: "a.yaml", Line: 1, Col: 1}, Message: "m"}}}
	if got, want := err.Error(), "validation failed:\n  a.yaml:1:1: m"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	if errs, warns := (Diagnostics{{}, {Severity: SeverityWarning}, {}}).Count(); errs != 2 || warns != 1 {
		t.Errorf("Count = %d, %d; want 2, 1", errs, warns)
	}
}

// TestRuleInheritedDropped checks that platform defaults which do not fit a service's type are dropped from
// what it resolves to, without a diagnostic, in the base and in every environment.
func TestRuleInheritedDropped(t *testing.T) {
	res, diags := ruleLoad(t, map[string]string{
		"platform.yaml": rulePlatform(
			"  defaults:",
			"    port: 8080",
			"    protocol: http",
			"    health: {liveness: /live, readiness: /ready}",
			`    schedule: "@daily"`,
			"    replicas: {min: 3}",
			"    ingress: {host: api.example.com}",
			"    environments:",
			"      prod: {replicas: {max: 6}, ingress: {public: true}}",
		),
		"web.yaml":    ruleService("web", TypeWeb),
		"worker.yaml": ruleService("worker", TypeWorker),
		"cron.yaml":   ruleService("cron", TypeCron, `  schedule: "0 3 * * *"`),
		"job.yaml":    ruleService("job", TypeJob),
		// HTTP probe paths do not fit a gRPC service: it gets the gRPC health check instead.
		"grpc.yaml": ruleService("grpc", TypeWeb, "  protocol: grpc"),
	})
	if len(diags) > 0 {
		t.Fatalf("diagnostics:\n%s", strings.Join(ruleDiagStrings(diags), "\n"))
	}
	if len(res.Platforms) != 1 {
		t.Fatalf("%d platforms, want 1", len(res.Platforms))
	}
	for _, s := range res.Platforms[0].Services {
		specs := []ResolvedEnv{{Name: "base", Spec: s.Base}}
		specs = append(specs, s.Environments...)
		for _, e := range specs {
			sp, where := e.Spec, s.Name+" "+e.Name
			switch sp.Type {
			case TypeWeb:
				if sp.Schedule != "" {
					t.Errorf("%s: schedule %q kept", where, sp.Schedule)
				}
				if sp.Port != 8080 || sp.Ingress.Host != "api.example.com" {
					t.Errorf("%s: port %d, ingress %+v: the defaults that fit were not applied", where, sp.Port, sp.Ingress)
				}
			default:
				if sp.Port != 0 || sp.Protocol != "" || sp.Health != (Health{}) || sp.Ingress.set() || len(sp.Callers) > 0 {
					t.Errorf("%s: port %d, protocol %q, health %+v, ingress %+v kept", where, sp.Port, sp.Protocol, sp.Health, sp.Ingress)
				}
			}
			switch sp.Type {
			case TypeCron:
				if sp.Schedule != "0 3 * * *" {
					t.Errorf("%s: schedule %q", where, sp.Schedule)
				}
				fallthrough
			case TypeJob:
				if sp.Replicas != (Replicas{}) {
					t.Errorf("%s: replicas %+v kept", where, sp.Replicas)
				}
			case TypeWorker:
				if sp.Schedule != "" {
					t.Errorf("%s: schedule %q kept", where, sp.Schedule)
				}
			}
			if s.Name == "grpc" && sp.Health != (Health{GRPC: true}) {
				t.Errorf("%s: health %+v, want the gRPC health check, not the inherited HTTP paths", where, sp.Health)
			}
		}
	}
}
