package newcmd_test

import (
	"bytes"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gantry-dev/gantry/cmd/cli"
	"github.com/gantry-dev/gantry/cmd/cli/cmdutil"
	"github.com/gantry-dev/gantry/cmd/cli/generate"
	"github.com/gantry-dev/gantry/generators/output"
)

func run(t *testing.T, dir string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	t.Chdir(dir)
	var out, errOut bytes.Buffer
	code = cli.Run(append([]string{"new"}, args...), cmdutil.IOStreams{Out: &out, ErrOut: &errOut})
	return code, out.String(), errOut.String()
}

// tree reads every file under dir except git's and the write lock, by slash path.
func tree(t *testing.T, dir string) map[string]string {
	t.Helper()
	files := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && d.Name() == ".git" {
			return filepath.SkipDir
		}
		if d.IsDir() || d.Name() == "lock" {
			return nil
		}
		data, err := os.ReadFile(p)
		rel, _ := filepath.Rel(dir, p)
		files[filepath.ToSlash(rel)] = string(data)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

func TestNewWritesEverything(t *testing.T) {
	base := t.TempDir()
	code, out, errOut := run(t, base, "payments", "--team", "billing", "--no-git")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	files := tree(t, filepath.Join(base, "payments"))
	for _, want := range []string{
		"README.md", ".gitignore", "blueprints/payments.yaml", "blueprints/platform.yaml",
		"services/payments/main.go", "services/payments/main_test.go", "services/payments/go.mod",
		"services/payments/Dockerfile", "services/payments/.dockerignore",
		".github/workflows/payments.yaml", ".github/workflows/payments.custom.yaml", ".gantry/manifest.json", "deploy/.gantry/manifest.json",
		"deploy/payments/billing/payments/kubernetes/base/deployment.yaml", "deploy/payments/README.md",
		"deploy/payments/billing/payments/kubernetes/overlays/prod/kustomization.yaml",
	} {
		if _, ok := files[want]; !ok {
			t.Errorf("missing %s", want)
		}
	}
	// The user's files, the Dockerfile included, are not in Gantry's record: it would replace them, and
	// delete what it no longer generates.
	for _, m := range []string{".gantry/manifest.json", "deploy/.gantry/manifest.json"} {
		// The platform's README under deploy/ is Gantry's (target docs); the service's own README is not.
		if strings.Contains(files[m], "main.go") || strings.Contains(files[m], `"README.md"`) || strings.Contains(files[m], "Dockerfile") {
			t.Errorf("%s records the user's source files:\n%s", m, files[m])
		}
	}
	if !strings.Contains(out, "created payments/") || !strings.Contains(out, "services/") {
		t.Errorf("output does not show the folder:\n%s", out)
	}
	if leftovers, _ := filepath.Glob(filepath.Join(base, ".gantry-new-*")); len(leftovers) > 0 {
		t.Errorf("staging folder left behind: %v", leftovers)
	}
}

// TestLaterGenerateAgrees: in the new repository, `gantry generate --check` as a user (or CI) runs it,
// with the repository found by its .git, reports no drift.
func TestLaterGenerateAgrees(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git is not installed")
	}
	base := t.TempDir()
	if code, _, errOut := run(t, base, "shop", "--runtime", "python", "--type", "worker", "--ci", "gitlab"); code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	dir := filepath.Join(base, "shop")
	if _, err := os.Stat(filepath.Join(dir, ".git")); err != nil {
		t.Fatalf("git init did not run: %v", err)
	}
	t.Chdir(dir)
	var out bytes.Buffer
	err := generate.Run(&generate.Options{IO: cmdutil.IOStreams{Out: &out, ErrOut: &out}, Options: output.Options{Output: "deploy", Check: true}})
	if err != nil {
		t.Fatalf("gantry generate --check: %v\n%s", err, out.String())
	}
}

func TestNewIsDeterministic(t *testing.T) {
	a, b := t.TempDir(), t.TempDir()
	for _, d := range []string{a, b} {
		if code, _, errOut := run(t, d, "api", "--runtime", "node", "--no-git"); code != 0 {
			t.Fatalf("exit %d: %s", code, errOut)
		}
	}
	ta, tb := tree(t, filepath.Join(a, "api")), tree(t, filepath.Join(b, "api"))
	if len(ta) != len(tb) {
		t.Fatalf("%d files vs %d", len(ta), len(tb))
	}
	for p, data := range ta {
		if tb[p] != data {
			t.Errorf("%s differs between two runs", p)
		}
	}
}

func TestNoGenerate(t *testing.T) {
	base := t.TempDir()
	if code, _, errOut := run(t, base, "api", "--no-generate", "--no-git"); code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	files := tree(t, filepath.Join(base, "api"))
	for _, want := range []string{"services/api/Dockerfile", "services/api/.dockerignore", "blueprints/api.yaml", "README.md"} {
		if _, ok := files[want]; !ok {
			t.Errorf("missing %s", want)
		}
	}
	for p := range files {
		if strings.HasPrefix(p, "deploy/") || strings.HasPrefix(p, ".github/") {
			t.Errorf("--no-generate wrote %s", p)
		}
	}
}

func TestRefusals(t *testing.T) {
	base := t.TempDir()
	os.MkdirAll(filepath.Join(base, "full"), 0o755)
	os.WriteFile(filepath.Join(base, "full", "keep.txt"), []byte("mine"), 0o644)
	os.WriteFile(filepath.Join(base, "afile"), []byte("mine"), 0o644)
	os.MkdirAll(filepath.Join(base, "empty"), 0o755)
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"api", "--dir", "full"}, cmdutil.ExitInvalid, "exists and is not empty"},
		{[]string{"api", "--dir", "afile"}, cmdutil.ExitInvalid, "is not a folder"},
		{[]string{"Bad_Name"}, cmdutil.ExitUsage, "is not a DNS label"},
		{[]string{"api", "--runtime", "cobol"}, cmdutil.ExitUsage, `--runtime: "cobol" is not allowed`},
		{[]string{"api", "--runtime", "static", "--type", "worker"}, cmdutil.ExitUsage, "static makes a site served over HTTP"},
		{[]string{"api", "--type", "daemon"}, cmdutil.ExitUsage, `--type: "daemon" is not allowed`},
		{[]string{"api", "--port", "80"}, cmdutil.ExitUsage, "--port: must be at least 1024"},
		{[]string{"api", "--ci", "jenkins"}, cmdutil.ExitUsage, `--ci: "jenkins" is not allowed`},
		{[]string{"platform"}, cmdutil.ExitUsage, "the platform file's name"},
		{[]string{"gantry"}, cmdutil.ExitUsage, "the platform file's name"},
		{[]string{}, cmdutil.ExitUsage, "new takes the service name"},
	} {
		code, _, errOut := run(t, base, append(tc.args, "--no-git")...)
		if code != tc.code || !strings.Contains(errOut, tc.want) {
			t.Errorf("new %v: exit %d, stderr %q; want exit %d and %q", tc.args, code, errOut, tc.code, tc.want)
		}
	}
	if data, _ := os.ReadFile(filepath.Join(base, "full", "keep.txt")); string(data) != "mine" {
		t.Error("a refused folder was changed")
	}
	// An empty folder is fine.
	if code, _, errOut := run(t, base, "api", "--dir", "empty", "--no-git"); code != 0 {
		t.Errorf("into an empty folder: exit %d: %s", code, errOut)
	}
}

// TestIntoWorkingFolder: `--dir .` in an empty working folder fills it, and keeps the folder itself.
func TestIntoWorkingFolder(t *testing.T) {
	parent := t.TempDir()
	here := filepath.Join(parent, "here")
	os.Mkdir(here, 0o755)
	before, _ := os.Stat(here)
	if code, _, errOut := run(t, here, "api", "--dir", ".", "--no-git"); code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if _, err := os.Stat(filepath.Join(here, "services", "api", "main.go")); err != nil {
		t.Error(err)
	}
	after, _ := os.Stat(here)
	if !os.SameFile(before, after) {
		t.Error("the working folder was replaced, not filled")
	}
	if entries, _ := os.ReadDir(parent); len(entries) != 1 {
		t.Errorf("left beside it: %v", entries)
	}
}

// TestRefusesSymlinks: new never writes through a symbolic link, whichever component of the folder it
// is (the target, a parent it would create a folder in, or a link to nowhere that it would create),
// and leaves the link and what it points to as they were.
func TestRefusesSymlinks(t *testing.T) {
	for _, tc := range []struct {
		name string
		link string // made in the working folder, pointing to elsewhere (or a missing folder there)
		dir  string // --dir
		to   string // what the link points to under elsewhere ("" for elsewhere itself)
	}{
		{"the target is a link to an empty folder", "svc1", "svc1", ""},
		{"a parent is a link", "work", "work/sub/svc1", ""},
		{"the target is a link to nowhere", "svc1", "svc1", "missing"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			base, elsewhere := t.TempDir(), t.TempDir()
			to := filepath.Join(elsewhere, tc.to)
			if err := os.Symlink(to, filepath.Join(base, tc.link)); err != nil {
				t.Fatal(err)
			}
			code, _, errOut := run(t, base, "svc1", "--dir", tc.dir, "--no-git")
			if code != cmdutil.ExitInvalid || !strings.Contains(errOut, tc.link+" is a symbolic link") {
				t.Errorf("exit %d, stderr %q; want exit %d and %q", code, errOut, cmdutil.ExitInvalid, tc.link+" is a symbolic link")
			}
			if entries, _ := os.ReadDir(elsewhere); len(entries) != 0 {
				t.Errorf("wrote through the link: %s holds %v", elsewhere, entries)
			}
			if entries, _ := os.ReadDir(base); len(entries) != 1 {
				t.Errorf("left beside the link: %v", entries)
			}
			if got, err := os.Readlink(filepath.Join(base, tc.link)); err != nil || got != to {
				t.Errorf("the link was changed: %q, %v", got, err)
			}
		})
	}
}
