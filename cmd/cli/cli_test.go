package cli_test

import (
	"bytes"
	"encoding/json"
	"maps"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gantry-dev/gantry/blueprints"
	"github.com/gantry-dev/gantry/cmd/cli"
	"github.com/gantry-dev/gantry/cmd/cli/cmdutil"
	"github.com/gantry-dev/gantry/internal/golden"
)

// repoRoot is where the example blueprints are, relative to this package.
const repoRoot = "../.."

type result struct {
	code        int
	out, errOut string
}

// run executes gantry through the real root command, in dir.
func run(t *testing.T, dir string, args ...string) result {
	t.Helper()
	if dir != "" {
		t.Chdir(dir)
	}
	var out, errOut bytes.Buffer
	code := cli.Run(args, cmdutil.IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut})
	return result{code: code, out: out.String(), errOut: errOut.String()}
}

// testdata is absolute: tests change folders.
var testdata = func() string {
	d, err := filepath.Abs("testdata")
	if err != nil {
		panic(err)
	}
	return d
}()

func TestValidateExamples(t *testing.T) {
	r := run(t, repoRoot, "validate", "blueprints/examples")
	if r.code != 0 || r.errOut != "" {
		t.Fatalf("exit %d, stderr:\n%s", r.code, r.errOut)
	}
	if want := "15 services valid (4 platforms, 0 warnings)\n"; r.out != want {
		t.Errorf("stdout = %q, want %q", r.out, want)
	}
}

// TestValidatePrintGolden pins the fully resolved view of every example in every environment: a change
// to merging or defaults shows up here as a reviewable diff.
func TestValidatePrintGolden(t *testing.T) {
	r := run(t, repoRoot, "validate", "--print", "blueprints/examples")
	if r.code != 0 {
		t.Fatalf("exit %d, stderr:\n%s", r.code, r.errOut)
	}
	golden.Check(t, filepath.Join(testdata, "print-examples.yaml"), []byte(r.out))
}

func TestValidatePrintOneEnvironment(t *testing.T) {
	r := run(t, repoRoot, "validate", "--print", "--env", "prod", "blueprints/examples/acme")
	if r.code != 0 {
		t.Fatalf("exit %d, stderr:\n%s", r.code, r.errOut)
	}
	if n := strings.Count(r.out, "environment: prod\n"); n != 6 {
		t.Errorf("got %d prod documents, want 6:\n%s", n, r.out)
	}
	if strings.Contains(r.out, "environment: dev") {
		t.Error("--env prod printed another environment")
	}
	// payments' prod override and the platform's prod default both apply.
	if !strings.Contains(r.out, "replicas:\n    cpu: 70\n    max: 20\n    min: 3\n") {
		t.Errorf("payments prod replicas not resolved from its override:\n%s", r.out)
	}
}

// TestValidatePrintProductionReplicas: --print shows production's replicas as generated. A one-replica
// load generator runs two in production: --print says min 2 (not the 1 written), validation warns at
// the line that wrote 1, and the prod Deployment the same blueprint generates runs 2.
func TestValidatePrintProductionReplicas(t *testing.T) {
	dir := t.TempDir()
	os.Mkdir(filepath.Join(dir, ".git"), 0o755)
	writeFile(t, filepath.Join(dir, "loadgen.yaml"), "apiVersion: gantry.dev/v1\nkind: Service\n"+
		"metadata: {name: loadgen, team: perf}\nspec:\n  runtime: go\n  type: worker\n  replicas: {min: 1}\n")
	r := run(t, dir, "validate", "--print", "--env", "prod", "loadgen.yaml")
	if r.code != 0 {
		t.Fatalf("exit %d, stderr:\n%s", r.code, r.errOut)
	}
	if !strings.Contains(r.out, "  replicas:\n    cpu: 70\n    max: 2\n    min: 2\n") {
		t.Errorf("--print does not show the 2 replicas production runs:\n%s", r.out)
	}
	if want := "loadgen.yaml:7:19: warning: spec.replicas.min: raised from 1 to 2 in prod: "; !strings.Contains(r.errOut, want) {
		t.Errorf("no warning at the line that set min: want %q in\n%s", want, r.errOut)
	}
	if r = run(t, "", "generate", "loadgen.yaml", "-o", "out"); r.code != 0 {
		t.Fatalf("generate: exit %d\n%s%s", r.code, r.out, r.errOut)
	}
	for env, want := range map[string]string{"dev": "replicas: 1\n", "prod": "replicas: 2\n"} {
		data, err := os.ReadFile(filepath.Join(dir, "out", "default", "perf", "loadgen", "kubernetes", "overlays", env, "patch-workload.yaml"))
		if err != nil || !strings.Contains(string(data), want) {
			t.Errorf("%s Deployment patch: want %q, got %v\n%s", env, want, err, data)
		}
	}
}

// TestValidateInvalidGolden pins the full report on a folder of broken blueprints, in every format.
func TestValidateInvalidGolden(t *testing.T) {
	for _, format := range []string{"text", "json", "github"} {
		t.Run(format, func(t *testing.T) {
			r := run(t, testdata, "validate", "--format", format, "invalid")
			if r.code != cmdutil.ExitInvalid {
				t.Fatalf("exit %d, want %d; stderr:\n%s", r.code, cmdutil.ExitInvalid, r.errOut)
			}
			golden.Check(t, filepath.Join(testdata, "invalid."+format+".golden"), []byte(r.out+r.errOut))
		})
	}
}

func TestExitCodes(t *testing.T) {
	tests := []struct {
		name string
		args []string
		code int
		want string // in stderr
	}{
		{"valid", []string{"validate", "ok.yaml"}, 0, ""},
		{"invalid", []string{"validate", "invalid"}, 1, "validation failed:"},
		{"missing file", []string{"validate", "nope.yaml"}, 1, "nope.yaml: no such file or folder"},
		{"unknown command", []string{"frobnicate"}, 2, "unknown command"},
		{"unknown flag", []string{"validate", "--nope"}, 2, "unknown flag: --nope"},
		{"bad format", []string{"validate", "--format", "xml", "ok.yaml"}, 2, "--format must be one of text, json, github"},
		{"env without print", []string{"validate", "--env", "prod"}, 2, "--env goes with --print"},
		{"print unknown env", []string{"validate", "--print", "--env", "qa", "ok.yaml"}, 2, `no environment "qa"`},
		{"schema takes no args", []string{"schema", "x"}, 2, "unknown command"},
		{"init without name", []string{"init"}, 2, "init takes the service name"},
		{"init bad name", []string{"init", "Bad_Name"}, 2, `NAME: "Bad_Name" is not a DNS label`},
		{"init bad runtime", []string{"init", "x", "--runtime", "cobol"}, 2, `--runtime: "cobol" is not allowed`},
		{"init low port", []string{"init", "x", "--port", "80"}, 2, "--port: must be at least 1024"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := run(t, testdata, tt.args...)
			if r.code != tt.code {
				t.Errorf("exit %d, want %d; stderr:\n%s", r.code, tt.code, r.errOut)
			}
			if !strings.Contains(r.errOut, tt.want) {
				t.Errorf("stderr %q does not contain %q", r.errOut, tt.want)
			}
		})
	}
}

func TestStrictFailsOnWarnings(t *testing.T) {
	// Naming one file of a set makes a call to another service a warning, not an error.
	r := run(t, repoRoot, "validate", "blueprints/examples/acme/gateway.yaml")
	if r.code != 0 || !strings.Contains(r.errOut, `warning: spec.calls[0]: no service "payments" among the blueprints`) {
		t.Fatalf("exit %d, stderr:\n%s", r.code, r.errOut)
	}
	r = run(t, "", "validate", "--strict", "blueprints/examples/acme/gateway.yaml")
	if r.code != 1 {
		t.Fatalf("--strict: exit %d, want 1", r.code)
	}
}

func TestSchemaIsCommitted(t *testing.T) {
	r := run(t, "", "schema")
	want, err := os.ReadFile(filepath.Join(repoRoot, "blueprints", "schema", "gantry.schema.json"))
	if err != nil {
		t.Fatal(err)
	}
	if r.code != 0 || r.out != string(want) {
		t.Errorf("gantry schema differs from blueprints/schema/gantry.schema.json (exit %d); run `make golden`", r.code)
	}
}

func TestVersion(t *testing.T) {
	r := run(t, "", "version")
	if r.code != 0 || !strings.HasPrefix(r.out, "gantry ") {
		t.Errorf("exit %d, out %q", r.code, r.out)
	}
}

func TestInitWritesValidBlueprints(t *testing.T) {
	for _, typ := range []string{"web", "worker", "cron", "job"} {
		for _, rt := range []string{"go", "node", "python", "java", "rust", "dotnet", "static"} {
			t.Run(typ+"-"+rt, func(t *testing.T) {
				dir := t.TempDir()
				if err := os.Mkdir(filepath.Join(dir, ".git"), 0o755); err != nil {
					t.Fatal(err)
				}
				r := run(t, dir, "init", "svc-"+typ, "--runtime", rt, "--type", typ, "--port", "8081", "--team", "team-a")
				if msg, _ := blueprints.RuntimeTypeProblem(rt, typ); msg != "" {
					// A combination validation refuses (a static worker) is refused by init, with its message.
					if r.code != 2 || !strings.Contains(r.errOut, msg) {
						t.Fatalf("init: exit %d, want 2 and %q\n%s", r.code, msg, r.errOut)
					}
					return
				}
				if r.code != 0 {
					t.Fatalf("init: exit %d\n%s", r.code, r.errOut)
				}
				for _, f := range []string{"blueprints/svc-" + typ + ".yaml", "blueprints/platform.yaml"} {
					if !strings.Contains(r.out, "wrote "+f+"\n") {
						t.Errorf("output does not say it wrote %s:\n%s", f, r.out)
					}
				}
				res, diags := blueprints.Load(blueprints.LoadOptions{})
				if len(diags) > 0 {
					t.Fatalf("the starter blueprint does not validate as written:\n%v", diags)
				}
				got := res.Platforms[0].Services[0]
				if got.Base.Type != typ || got.Base.Runtime != rt || got.Team != "team-a" {
					t.Errorf("resolved %s/%s team %s", got.Base.Type, got.Base.Runtime, got.Team)
				}
				if typ == "web" && got.Base.Port != 8081 {
					t.Errorf("port %d, want 8081", got.Base.Port)
				}
			})
		}
	}
}

func TestInitRefusesToOverwrite(t *testing.T) {
	dir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, ".git"), 0o755); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "blueprints", "pay.yaml")
	if r := run(t, dir, "init", "pay"); r.code != 0 {
		t.Fatalf("first init: exit %d\n%s", r.code, r.errOut)
	}
	mine := []byte("# my own edits\n")
	if err := os.WriteFile(path, mine, 0o644); err != nil {
		t.Fatal(err)
	}
	r := run(t, "", "init", "pay")
	if r.code != cmdutil.ExitInvalid || !strings.Contains(r.errOut, "blueprints/pay.yaml already exists") {
		t.Fatalf("second init: exit %d, stderr %q", r.code, r.errOut)
	}
	if got, _ := os.ReadFile(path); !bytes.Equal(got, mine) {
		t.Error("init overwrote the user's file")
	}
	// A platform file above the folder is found, so init does not write another one.
	r = run(t, "", "init", "other", "--dir", "blueprints/sub")
	if r.code != 0 || strings.Contains(r.out, "platform.yaml") {
		t.Errorf("exit %d; wrote a second platform file:\n%s", r.code, r.out)
	}
}

func TestEveryCommandHasAnExample(t *testing.T) {
	root := cli.NewRootCmd(cmdutil.IOStreams{In: strings.NewReader(""), Out: &bytes.Buffer{}, ErrOut: &bytes.Buffer{}})
	root.InitDefaultCompletionCmd()
	for _, c := range root.Commands() {
		if c.Name() == "help" || c.Name() == "completion" {
			continue // cobra's own: its help describes each shell's setup
		}
		if !strings.Contains(c.Example, "gantry "+c.Name()) {
			t.Errorf("gantry %s --help has no example of itself", c.Name())
		}
	}
}

func TestGenerateThenCheck(t *testing.T) {
	out := t.TempDir()
	examples, err := filepath.Abs(filepath.Join(repoRoot, "blueprints", "examples"))
	if err != nil {
		t.Fatal(err)
	}
	r := run(t, "", "generate", examples, "-o", out, "--repo", out)
	if r.code != 0 || !strings.Contains(r.out, " written, 0 unchanged, 0 removed in ") {
		t.Fatalf("generate: exit %d\n%s%s", r.code, r.out, r.errOut)
	}
	if r = run(t, "", "generate", examples, "-o", out, "--repo", out); r.code != 0 || !strings.HasPrefix(r.out, "0 written, ") {
		t.Fatalf("second generate rewrote files: exit %d\n%s", r.code, r.out)
	}
	if r = run(t, "", "generate", "--check", examples, "-o", out, "--repo", out); r.code != 0 || !strings.Contains(r.out, "files up to date") {
		t.Fatalf("--check on a fresh tree: exit %d\n%s%s", r.code, r.out, r.errOut)
	}
	target := filepath.Join(out, "acme", "billing", "payments", "kubernetes", "base", "service.yaml")
	data, err := os.ReadFile(target)
	if err != nil {
		t.Fatal(err)
	}
	data[len(data)-2] ^= 1 // one byte
	if err := os.WriteFile(target, data, 0o644); err != nil {
		t.Fatal(err)
	}
	r = run(t, "", "generate", "--check", examples, "-o", out, "--repo", out)
	if r.code != cmdutil.ExitInvalid || !strings.Contains(r.errOut, "changed: "+filepath.ToSlash(target)+"\n") {
		t.Fatalf("--check after a one-byte change: exit %d\n%s", r.code, r.errOut)
	}
	if got, _ := os.ReadFile(target); !bytes.Equal(got, data) {
		t.Error("--check wrote to the tree")
	}
}

func TestGenerateNeverOverwritesAUsersFile(t *testing.T) {
	out := t.TempDir()
	examples, _ := filepath.Abs(filepath.Join(repoRoot, "blueprints", "examples", "azure"))
	mine := filepath.Join(out, "contoso", "customers", "portal", "kubernetes", "base", "service.yaml")
	if err := os.MkdirAll(filepath.Dir(mine), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(mine, []byte("# my own service\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	r := run(t, "", "generate", examples, "-o", out, "--repo", out)
	if r.code != cmdutil.ExitInvalid || !strings.Contains(r.errOut, "refusing to overwrite 1 file(s) that gantry did not write: contoso/customers/portal/kubernetes/base/service.yaml (move the change into the blueprint, or move the file away; --force replaces them)") {
		t.Fatalf("exit %d\n%s", r.code, r.errOut)
	}
	if got, _ := os.ReadFile(mine); string(got) != "# my own service\n" {
		t.Error("the user's file was overwritten")
	}
	entries, _ := os.ReadDir(filepath.Dir(mine))
	if len(entries) != 1 {
		t.Errorf("files were written before the conflict was found: %v", entries)
	}
}

func TestGenerateInvalidBlueprintsWritesNothing(t *testing.T) {
	out := filepath.Join(t.TempDir(), "out")
	r := run(t, testdata, "generate", "invalid", "-o", out)
	if r.code != cmdutil.ExitInvalid || !strings.Contains(r.errOut, "validation failed:") {
		t.Fatalf("exit %d\n%s", r.code, r.errOut)
	}
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Error("generate wrote output for invalid blueprints")
	}
}

// copyExamples copies the example blueprints into a fresh repository folder the test may change.
func copyExamples(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, ".git"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.CopyFS(filepath.Join(dir, "blueprints"), os.DirFS(filepath.Join(repoRoot, "blueprints", "examples"))); err != nil {
		t.Fatal(err)
	}
	return dir
}

func TestGenerateRefusesHandEdits(t *testing.T) {
	dir := copyExamples(t)
	if r := run(t, dir, "generate", "blueprints", "-o", "deploy"); r.code != 0 {
		t.Fatalf("generate: %d\n%s", r.code, r.errOut)
	}
	edited := filepath.Join("deploy", "acme", "billing", "payments", "kubernetes", "base", "service.yaml")
	data, _ := os.ReadFile(edited)
	data = append(data, "# my tweak\n"...)
	if err := os.WriteFile(edited, data, 0o644); err != nil {
		t.Fatal(err)
	}
	// A blueprint change that regenerates that file: refused, nothing changed.
	svc := filepath.Join("blueprints", "acme", "payments.yaml")
	bp, _ := os.ReadFile(svc)
	if err := os.WriteFile(svc, []byte(strings.Replace(string(bp), "port: 8080", "port: 8081", 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	before := snapshot(t, "deploy")
	r := run(t, "", "generate", "blueprints", "-o", "deploy")
	if r.code != cmdutil.ExitInvalid || !strings.Contains(r.errOut, "edited by hand since gantry wrote them: acme/billing/payments/kubernetes/base/service.yaml") {
		t.Fatalf("exit %d\n%s", r.code, r.errOut)
	}
	if after := snapshot(t, "deploy"); !maps.Equal(before, after) {
		t.Error("a refused run changed the output tree")
	}
	if r := run(t, "", "generate", "--force", "blueprints", "-o", "deploy"); r.code != 0 {
		t.Fatalf("--force: %d\n%s", r.code, r.errOut)
	}
}

func TestGenerateRemovesARemovedService(t *testing.T) {
	dir := copyExamples(t)
	if r := run(t, dir, "generate", "blueprints", "-o", "deploy"); r.code != 0 {
		t.Fatalf("generate: %d\n%s", r.code, r.errOut)
	}
	// migrate shares its team and namespace with payments and ledger: only its own files may go.
	mine := filepath.Join("deploy", "acme", "billing", "migrate", "NOTES.md")
	if err := os.WriteFile(mine, []byte("ours\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	before := snapshot(t, "deploy")
	if err := os.Remove(filepath.Join("blueprints", "acme", "migrate.yaml")); err != nil {
		t.Fatal(err)
	}
	r := run(t, "", "generate", "--json", "blueprints", "-o", "deploy")
	if r.code != 0 {
		t.Fatalf("exit %d\n%s", r.code, r.errOut)
	}
	var sum struct{ Written, Unchanged, Removed []string }
	if err := json.Unmarshal([]byte(r.out), &sum); err != nil {
		t.Fatalf("--json: %v\n%s", err, r.out)
	}
	after := snapshot(t, "deploy")
	for p := range before {
		_, still := after[p]
		its := strings.HasPrefix(p, "acme/billing/migrate/") && p != "acme/billing/migrate/NOTES.md" || strings.HasSuffix(p, "/migrate.yaml")
		switch {
		case its && still:
			t.Errorf("%s of the removed service is still there", p)
		case !its && !still:
			t.Errorf("%s was removed", p)
		}
	}
	if _, ok := after["acme/billing/migrate/NOTES.md"]; !ok {
		t.Error("the user's file beside the removed service's files was deleted")
	}
	for _, p := range sum.Removed {
		if !strings.Contains(p, "migrate") {
			t.Errorf("removed %s, which is not the removed service's", p)
		}
	}
	if len(sum.Removed) == 0 {
		t.Error("nothing reported removed")
	}
}

func TestGenerateCheckDiffAndScope(t *testing.T) {
	dir := copyExamples(t)
	if r := run(t, dir, "generate", "--quiet", "blueprints", "-o", "deploy"); r.code != 0 || r.out != "" {
		t.Fatalf("--quiet: exit %d, printed %q\n%s", r.code, r.out, r.errOut)
	}
	target := filepath.Join("deploy", "acme", "web", "gateway", "kubernetes", "overlays", "prod", "patch-workload.yaml")
	data, _ := os.ReadFile(target)
	if err := os.WriteFile(target, []byte(strings.Replace(string(data), "cpu: 100m", "cpu: 900m", 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	r := run(t, "", "generate", "--check", "--diff", "blueprints", "-o", "deploy")
	if r.code != cmdutil.ExitInvalid || !strings.Contains(r.out, "-            cpu: 900m\n+            cpu: 100m\n") {
		t.Fatalf("--check --diff: exit %d\n%s\n%s", r.code, r.out, r.errOut)
	}
	// Only the dev environment of the kubernetes target: the changed prod file is out of scope.
	if r := run(t, "", "generate", "--check", "--only", "kubernetes", "--env", "dev", "blueprints", "-o", "deploy"); r.code != 0 {
		t.Errorf("--check of another environment: exit %d\n%s", r.code, r.errOut)
	}
	if r := run(t, "", "generate", "--only", "helm", "blueprints", "-o", "deploy"); r.code != cmdutil.ExitUsage {
		t.Errorf("--only with an unknown target: exit %d", r.code)
	}
	// A file no longer generated (its service is gone) is diffed against /dev/null.
	if err := os.Remove(filepath.Join("blueprints", "acme", "reports.yaml")); err != nil {
		t.Fatal(err)
	}
	r = run(t, "", "generate", "--check", "--diff", "blueprints", "-o", "deploy")
	if r.code != cmdutil.ExitInvalid || !strings.Contains(r.out, "+++ /dev/null") || !strings.Contains(r.errOut, "stale:   deploy/acme/data/reports/") {
		t.Fatalf("--check --diff of a removed service: exit %d\n%s\n%s", r.code, r.out, r.errOut)
	}
}

// snapshot reads every file under root, by slash path.
func snapshot(t *testing.T, root string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		if strings.HasPrefix(rel, ".gantry") {
			return nil
		}
		data, err := os.ReadFile(p)
		out[filepath.ToSlash(rel)] = string(data)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestGenerateDockerfilesKeepTheUsersOwn(t *testing.T) {
	dir := copyExamples(t)
	t.Chdir(dir)
	mine := filepath.Join("services", "gateway", "Dockerfile")
	if err := os.MkdirAll(filepath.Dir(mine), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(mine, []byte("FROM scratch\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	r := run(t, "", "generate", "blueprints", "-o", "deploy")
	if r.code != 0 || !strings.Contains(r.out, ", 1 of yours kept in deploy") {
		t.Fatalf("exit %d: %s%s", r.code, r.out, r.errOut)
	}
	if got, _ := os.ReadFile(mine); string(got) != "FROM scratch\n" {
		t.Error("the user's Dockerfile was replaced")
	}
	ours, err := os.ReadFile(filepath.Join("services", "payments", "Dockerfile"))
	if err != nil || !strings.Contains(string(ours), "USER 65532:65532") {
		t.Fatalf("no generated Dockerfile beside payments' source: %v", err)
	}
	if _, err := os.Stat(filepath.Join("services", "payments", ".dockerignore")); err != nil {
		t.Error("no .dockerignore beside the Dockerfile")
	}
	if r := run(t, "", "generate", "--check", "blueprints", "-o", "deploy"); r.code != 0 {
		t.Errorf("--check after generate: exit %d\n%s", r.code, r.errOut)
	}
}
