package cli_test

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"

	"github.com/gantry-dev/gantry/internal/golden"
)

// errorCase is one way to make gantry fail, other than an invalid blueprint (those are in
// blueprints/testdata/hostile/catalogue.golden and the validation table tests).
type errorCase struct {
	name  string
	setup func(t *testing.T, dir string) // prepares dir, the working folder
	args  []string
	code  int
}

const okService = "apiVersion: gantry.dev/v1\nkind: Service\nmetadata: {name: api, team: core}\nspec: {runtime: go, type: web, port: 8080}\n"

func writeFile(t *testing.T, p, data string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
}

// repo makes dir a repository with one valid blueprint.
func repo(t *testing.T, dir string) {
	t.Helper()
	os.Mkdir(filepath.Join(dir, ".git"), 0o755)
	writeFile(t, filepath.Join(dir, "blueprints", "api.yaml"), okService)
}

// generated is repo plus a generate run.
func generated(t *testing.T, dir string) {
	t.Helper()
	repo(t, dir)
	if r := run(t, dir, "generate", "--quiet"); r.code != 0 {
		t.Fatalf("generate: %s", r.errOut)
	}
}

var errorCases = []errorCase{
	// Usage errors (exit 2): the command line, with the command's --help to read.
	{"unknown command", nil, []string{"generat"}, 2},
	{"unknown flag", nil, []string{"validate", "--strict-mode"}, 2},
	{"generate --diff without --check", nil, []string{"generate", "--diff"}, 2},
	{"generate --only unknown target", nil, []string{"generate", "--only", "helm"}, 2},
	{"generate --quiet with --json", nil, []string{"generate", "--quiet", "--json"}, 2},
	{"generate -o empty", nil, []string{"generate", "-o", ""}, 2},
	{"generate --env unknown", repo, []string{"generate", "--env", "qa"}, 2},
	{"init without a name", nil, []string{"init"}, 2},
	{"init name not a DNS label", nil, []string{"init", "Payments_API"}, 2},
	{"init unknown runtime", nil, []string{"init", "api", "--runtime", "cobol"}, 2},
	{"init privileged port", nil, []string{"init", "api", "--port", "80"}, 2},
	{"init named like the platform file", nil, []string{"init", "platform"}, 2},
	{"new static worker", nil, []string{"new", "site", "--runtime", "static", "--type", "worker"}, 2},
	{"new unknown CI", nil, []string{"new", "api", "--ci", "jenkins"}, 2},
	{"schema with an argument", nil, []string{"schema", "service.yaml"}, 2},

	// Input and output problems (exit 1): what was wrong and what to do.
	{"validate a path that does not exist", nil, []string{"validate", "nowhere"}, 1},
	{"validate a folder without blueprints", func(t *testing.T, dir string) { os.Mkdir(filepath.Join(dir, "empty"), 0o755) }, []string{"validate", "empty"}, 1},
	{"init over an existing blueprint", func(t *testing.T, dir string) {
		writeFile(t, filepath.Join(dir, "blueprints", "api.yaml"), okService)
	}, []string{"init", "api"}, 1},
	{"new into a folder with files", func(t *testing.T, dir string) { writeFile(t, filepath.Join(dir, "api", "notes.txt"), "mine") }, []string{"new", "api", "--no-git"}, 1},
	{"new onto a file", func(t *testing.T, dir string) { writeFile(t, filepath.Join(dir, "api"), "mine") }, []string{"new", "api", "--no-git"}, 1},
	{"new through a symbolic link", func(t *testing.T, dir string) { os.Symlink(t.TempDir(), filepath.Join(dir, "api")) }, []string{"new", "api", "--no-git"}, 1},
	{"generate over a file Gantry did not write", func(t *testing.T, dir string) {
		repo(t, dir)
		writeFile(t, filepath.Join(dir, "deploy", "default", "core", "api", "kubernetes", "base", "deployment.yaml"), "mine\n")
	}, []string{"generate"}, 1},
	{"generate over a file edited by hand", func(t *testing.T, dir string) {
		generated(t, dir)
		p := filepath.Join(dir, "deploy", "default", "core", "api", "kubernetes", "base", "service.yaml")
		data, _ := os.ReadFile(p)
		writeFile(t, p, string(data)+"# my change\n")
		writeFile(t, filepath.Join(dir, "blueprints", "api.yaml"), strings.Replace(okService, "8080", "8081", 1))
	}, []string{"generate"}, 1},
	{"generate with a damaged record", func(t *testing.T, dir string) {
		generated(t, dir)
		writeFile(t, filepath.Join(dir, "deploy", ".gantry", "manifest.json"), "{not json")
	}, []string{"generate"}, 1},
	{"generate while another generate runs", func(t *testing.T, dir string) {
		generated(t, dir)
		// As another process would: a lock of the output folder on a file description of its own.
		f, err := os.Open(filepath.Join(dir, "deploy"))
		if err != nil {
			t.Fatal(err)
		}
		if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { f.Close() })
	}, []string{"generate"}, 1},
	{"generate into a symlink that leaves the output", func(t *testing.T, dir string) {
		repo(t, dir)
		os.MkdirAll(filepath.Join(dir, "deploy", "default"), 0o755)
		os.Symlink(t.TempDir(), filepath.Join(dir, "deploy", "default", "core"))
	}, []string{"generate"}, 1},
	{"check through a symbolic link that leaves the output", func(t *testing.T, dir string) {
		generated(t, dir)
		p := filepath.Join(dir, "deploy", "default", "core", "api", "kubernetes", "base", "service.yaml")
		os.Remove(p)
		secret := filepath.Join(t.TempDir(), "secret")
		writeFile(t, secret, "not for the diff\n")
		os.Symlink(secret, p)
	}, []string{"generate", "--check", "--diff"}, 1},
	{"generate with Gantry's folder a symbolic link", func(t *testing.T, dir string) {
		repo(t, dir)
		os.MkdirAll(filepath.Join(dir, "deploy"), 0o755)
		os.Symlink(t.TempDir(), filepath.Join(dir, "deploy", ".gantry"))
	}, []string{"generate"}, 1},
	{"check finds a leftover of an interrupted run", func(t *testing.T, dir string) {
		generated(t, dir)
		writeFile(t, filepath.Join(dir, "deploy", "default", "core", "api", "kubernetes", "base", ".service.yaml.99-1.gantry-tmp"), "half")
	}, []string{"generate", "--check"}, 1},
	{"check finds drift", func(t *testing.T, dir string) {
		generated(t, dir)
		writeFile(t, filepath.Join(dir, "blueprints", "api.yaml"), strings.Replace(okService, "8080", "8081", 1))
	}, []string{"generate", "--check"}, 1},
	{"check with nothing generated yet", repo, []string{"generate", "--check"}, 1},
}

// TestErrorCatalogue runs every case through the real root command and pins what gantry prints in
// testdata/errors.golden, so reviewers can read every message in one place. Each message must name
// the file or flag it is about and say what to do.
func TestErrorCatalogue(t *testing.T) {
	var b strings.Builder
	tmpPath := regexp.MustCompile(`(/private)?` + regexp.QuoteMeta(os.TempDir()) + `/[^ :\n]*?/\d{3}`)
	for _, c := range errorCases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			if c.setup != nil {
				c.setup(t, dir)
			}
			r := run(t, dir, c.args...)
			if r.code != c.code {
				t.Errorf("exit %d, want %d\n%s", r.code, c.code, r.errOut)
			}
			msg := tmpPath.ReplaceAllString(r.errOut, "$$TMP")
			if strings.TrimSpace(msg) == "" {
				t.Error("nothing printed")
			}
			fmt.Fprintf(&b, "== %s: gantry %s (exit %d)\n%s", c.name, strings.Join(c.args, " "), r.code, msg)
		})
	}
	golden.Check(t, filepath.Join(testdata, "errors.golden"), []byte(b.String()))
}
