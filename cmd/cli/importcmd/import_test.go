package importcmd_test

import (
	"bytes"
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/gantry-dev/gantry/blueprints"
	"github.com/gantry-dev/gantry/cmd/cli"
	"github.com/gantry-dev/gantry/cmd/cli/cmdutil"
	"github.com/gantry-dev/gantry/cmd/cli/cmdutil/cmdtest"
	"github.com/gantry-dev/gantry/cmd/cli/importcmd"
	"github.com/gantry-dev/gantry/internal/importer"
)

var digest = "@sha256:" + strings.Repeat("ab", 32)

// compose is a Compose file with one pinned web service and a credential (line 7) whose value is
// never copied.
var compose = "services:\n" + // 1
	"  web:\n" + // 2
	"    image: ghcr.io/acme/web:1.0" + digest + "\n" + // 3
	"    ports: [\"8080:8080\"]\n" + // 4
	"    privileged: true\n" + // 5
	"    environment:\n" + // 6
	"      API_TOKEN: ghp_0123456789abcdefghijklmnopqrstuvwxyzAB\n" // 7

// score is a Score workload of the same service.
var score = "apiVersion: score.dev/v1b1\n" + // 1
	"metadata:\n" + // 2
	"  name: web\n" + // 3
	"containers:\n" + // 4
	"  main:\n" + // 5
	"    image: ghcr.io/acme/web:1.0" + digest + "\n" + // 6
	"    command: [/web]\n" + // 7
	"service:\n" +
	"  ports:\n" +
	"    www: {port: 8080}\n"

type result struct {
	code        int
	out, errOut string
}

// run executes gantry through the real root command in dir (exit codes as a user gets them).
func run(t *testing.T, dir string, args ...string) result {
	t.Helper()
	t.Chdir(dir)
	var out, errOut bytes.Buffer
	code := cli.Run(args, cmdutil.IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut})
	return result{code: code, out: out.String(), errOut: errOut.String()}
}

// repo is a fresh repository root holding the given files.
func repo(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, ".git"), 0o755); err != nil {
		t.Fatal(err)
	}
	for name, text := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// tree lists the files under dir (slash paths relative to it; .git left out), with their content.
func tree(t *testing.T, dir string) map[string]string {
	t.Helper()
	got := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if d.Name() == ".git" {
				return filepath.SkipDir
			}
			return nil
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		got[filepath.ToSlash(rel)] = string(data)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return got
}

func validates(t *testing.T, root, dir string) {
	t.Helper()
	_, diags := blueprints.Load(blueprints.LoadOptions{Paths: []string{filepath.Join(root, dir)}, Root: root})
	if diags.HasErrors(false) {
		t.Errorf("what import wrote does not validate:\n%v", diags)
	}
}

// TestImportWritesAndReports: each subcommand writes the blueprint and the platform file, prints
// what it wrote on stdout and the report (file:line) on stderr, exits 0, and copies no credential.
func TestImportWritesAndReports(t *testing.T) {
	for _, tc := range []struct {
		format, file, text string
		report             []string
	}{
		{"compose", "compose.yaml", compose, []string{
			"compose.yaml:5: unmapped: web: privileged: Gantry has no equivalent",
			"compose.yaml:7: warning: web: env API_TOKEN looks like a credential: the value is not copied",
		}},
		{"score", "web.score.yaml", score, []string{
			"web.score.yaml:7: unmapped: web: containers.main.command: Gantry has no equivalent; not copied",
		}},
	} {
		t.Run(tc.format, func(t *testing.T) {
			dir := repo(t, map[string]string{tc.file: tc.text})
			r := run(t, dir, "import", tc.format, tc.file, "--team", "shop")
			if r.code != cmdutil.ExitOK {
				t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", r.code, r.out, r.errOut)
			}
			wantOut := "wrote blueprints/platform.yaml\nwrote blueprints/web.yaml\nnext: complete the TODOs above, then run `gantry validate blueprints`\n"
			if r.out != wantOut {
				t.Errorf("stdout:\n%s\nwant:\n%s", r.out, wantOut)
			}
			for _, w := range tc.report {
				if !strings.Contains(r.errOut, w) {
					t.Errorf("stderr:\n%s\nwant a line containing %q", r.errOut, w)
				}
			}
			files := tree(t, dir)
			if len(files) != 3 {
				t.Errorf("files after import: %v, want %s, blueprints/platform.yaml and blueprints/web.yaml", keys(files), tc.file)
			}
			web := files["blueprints/web.yaml"]
			for _, w := range []string{"name: web", "team: shop", "prebuilt: \"ghcr.io/acme/web:1.0" + digest + "\"", "port: 8080"} {
				if !strings.Contains(web, w) {
					t.Errorf("blueprints/web.yaml:\n%s\nwant it to contain %q", web, w)
				}
			}
			for _, f := range []string{web, files["blueprints/platform.yaml"], r.out, r.errOut} {
				if strings.Contains(f, "ghp_") {
					t.Errorf("the credential's value was copied:\n%s", f)
				}
			}
			validates(t, dir, "blueprints")
		})
	}
}

// TestImportRefusesToOverwrite: a second import exits 2 (usage), names every file it would write that
// is already there, and writes nothing, not even the files that are not there. (The platform file
// written by the first import is found by the second, so it would not be written again: only the
// blueprint is in the way.)
func TestImportRefusesToOverwrite(t *testing.T) {
	dir := repo(t, map[string]string{"compose.yaml": compose})
	if r := run(t, dir, "import", "compose", "compose.yaml"); r.code != cmdutil.ExitOK {
		t.Fatalf("first import: exit %d\n%s", r.code, r.errOut)
	}
	// The user edits a blueprint: the second import must keep the edit.
	web := filepath.Join(dir, "blueprints", "web.yaml")
	if err := os.WriteFile(web, []byte("# mine\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	before := tree(t, dir)
	r := run(t, dir, "import", "compose", "compose.yaml")
	if r.code != cmdutil.ExitUsage {
		t.Fatalf("second import: exit %d, want %d\nstderr:\n%s", r.code, cmdutil.ExitUsage, r.errOut)
	}
	for _, w := range []string{"gantry: import never overwrites a file; these exist: blueprints/web.yaml (choose another --dir or move them away)",
		"Run 'gantry import compose --help' for usage."} {
		if !strings.Contains(r.errOut, w) {
			t.Errorf("stderr:\n%s\nwant it to contain %q", r.errOut, w)
		}
	}
	if strings.Contains(r.out, "wrote") {
		t.Errorf("stdout says something was written:\n%s", r.out)
	}
	if after := tree(t, dir); !reflect.DeepEqual(before, after) {
		t.Errorf("the second import changed the files:\nbefore %v\nafter  %v", before, after)
	}

	// The platform file in the way too: both are named.
	dir = repo(t, map[string]string{"compose.yaml": compose, "blueprints/web.yaml": "# mine\n"})
	t.Chdir(dir)
	res, err := importer.Compose("compose.yaml", importer.Options{Dir: "blueprints"})
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "blueprints", "platform.yaml"), []byte("# mine\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err = importer.Write(res)
	if err == nil || !strings.Contains(err.Error(), "these exist: blueprints/platform.yaml, blueprints/web.yaml") {
		t.Errorf("Write = %v, want both files named", err)
	}
	if got := keys(tree(t, dir)); !reflect.DeepEqual(got, []string{"blueprints/platform.yaml", "blueprints/web.yaml", "compose.yaml"}) {
		t.Errorf("files after a refused write: %v", got)
	}

	// One file in the way is enough: the others are not written either.
	dir = repo(t, map[string]string{"compose.yaml": compose, "blueprints/web.yaml": "# mine\n"})
	r = run(t, dir, "import", "compose", "compose.yaml")
	if r.code != cmdutil.ExitUsage || !strings.Contains(r.errOut, "blueprints/web.yaml") {
		t.Fatalf("exit %d, want %d naming blueprints/web.yaml\nstderr:\n%s", r.code, cmdutil.ExitUsage, r.errOut)
	}
	if strings.Contains(r.errOut, "platform.yaml") {
		t.Errorf("names platform.yaml, which is not there:\n%s", r.errOut)
	}
	if _, err := os.Stat(filepath.Join(dir, "blueprints", "platform.yaml")); err == nil {
		t.Error("platform.yaml was written although web.yaml was in the way")
	}
}

// TestImportMissingFile: a file that is not there is an input error (exit 1) that names it; nothing
// is written.
func TestImportMissingFile(t *testing.T) {
	for _, args := range [][]string{
		{"import", "compose", "nope.yaml"},
		{"import", "score", "nope.yaml"},
		{"import", "score", "web.score.yaml", "nope.yaml"}, // the first exists
	} {
		dir := repo(t, map[string]string{"web.score.yaml": score})
		r := run(t, dir, args...)
		if r.code != cmdutil.ExitInvalid {
			t.Errorf("%q: exit %d, want %d\nstderr:\n%s", args, r.code, cmdutil.ExitInvalid, r.errOut)
		}
		if !strings.Contains(r.errOut, "nope.yaml") || !strings.Contains(r.errOut, "no such file or directory") {
			t.Errorf("%q: stderr %q, want it to name nope.yaml and say it does not exist", args, r.errOut)
		}
		if _, err := os.Stat(filepath.Join(dir, "blueprints")); err == nil {
			t.Errorf("%q: blueprints/ was created", args)
		}
	}
}

// TestImportDir: --dir is where the files go (folders made as needed), and what the next step names.
func TestImportDir(t *testing.T) {
	dir := repo(t, map[string]string{"web.score.yaml": score})
	r := run(t, dir, "import", "score", "web.score.yaml", "--dir", "deploy/shop")
	if r.code != cmdutil.ExitOK {
		t.Fatalf("exit %d\n%s", r.code, r.errOut)
	}
	want := "wrote deploy/shop/platform.yaml\nwrote deploy/shop/web.yaml\nnext: complete the TODOs above, then run `gantry validate deploy/shop`\n"
	if r.out != want {
		t.Errorf("stdout:\n%s\nwant:\n%s", r.out, want)
	}
	if got := keys(tree(t, dir)); !reflect.DeepEqual(got, []string{"deploy/shop/platform.yaml", "deploy/shop/web.yaml", "web.score.yaml"}) {
		t.Errorf("files: %v", got)
	}
	validates(t, dir, "deploy/shop")

	// A platform file above --dir is used, not written again.
	dir = repo(t, map[string]string{"web.score.yaml": score})
	if r := run(t, dir, "import", "score", "web.score.yaml", "--dir", "blueprints"); r.code != cmdutil.ExitOK {
		t.Fatalf("exit %d\n%s", r.code, r.errOut)
	}
	if err := os.Rename(filepath.Join(dir, "blueprints", "web.yaml"), filepath.Join(dir, "web.bak")); err != nil {
		t.Fatal(err)
	}
	r = run(t, dir, "import", "score", "web.score.yaml", "--dir", "blueprints/shop")
	if r.code != cmdutil.ExitOK {
		t.Fatalf("exit %d\n%s", r.code, r.errOut)
	}
	if r.out != "wrote blueprints/shop/web.yaml\nnext: complete the TODOs above, then run `gantry validate blueprints/shop`\n" {
		t.Errorf("stdout:\n%s", r.out)
	}
}

// TestImportHelp: `gantry import` alone prints its help, with both subcommands, and runs nothing.
func TestImportHelp(t *testing.T) {
	dir := repo(t, nil)
	r := run(t, dir, "import")
	if r.code != cmdutil.ExitOK {
		t.Fatalf("exit %d\n%s", r.code, r.errOut)
	}
	for _, w := range []string{"Usage:", "gantry import [command]", "compose", "score", "Write blueprints from a Compose file", "never overwrites"} {
		if !strings.Contains(r.out, w) {
			t.Errorf("help:\n%s\nwant it to contain %q", r.out, w)
		}
	}
	if got := tree(t, dir); len(got) != 0 {
		t.Errorf("wrote %v", keys(got))
	}
}

// TestFlags: the command line becomes these Options (IO aside), through the runF seam.
func TestFlags(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want importcmd.Options
	}{
		{[]string{"compose", "compose.yaml"}, importcmd.Options{Format: "compose", Files: []string{"compose.yaml"}, Dir: blueprints.DefaultDir}},
		{[]string{"compose", "c.yaml", "--dir", "bp", "--team", "shop"}, importcmd.Options{Format: "compose", Files: []string{"c.yaml"}, Dir: "bp", Team: "shop"}},
		{[]string{"score", "a.yaml", "b.yaml"}, importcmd.Options{Format: "score", Files: []string{"a.yaml", "b.yaml"}, Dir: blueprints.DefaultDir}},
	} {
		got, err := cmdtest.Parse(t, importcmd.NewCmdImport, tc.args...)
		if err != nil {
			t.Errorf("import %q: %v", tc.args, err)
			continue
		}
		got.IO = tc.want.IO
		if !reflect.DeepEqual(*got, tc.want) {
			t.Errorf("import %q:\n got %+v\nwant %+v", tc.args, *got, tc.want)
		}
	}
}

// TestArgErrors: a wrong command line exits 2 and runs nothing.
func TestArgErrors(t *testing.T) {
	for _, tc := range []struct {
		args []string
		bug  string
	}{
		{args: []string{"import", "compose"}},                     // no file
		{args: []string{"import", "compose", "a.yaml", "b.yaml"}}, // Compose takes one file
		{args: []string{"import", "score"}},                       // no file
		{args: []string{"import", "compose", "a.yaml", "--force"}},
		{args: []string{"import", "compose", "a.yaml", "--dir"}},
		{args: []string{"import", "kustomize", "a.yaml"}}, // an unknown format (a typo such as compse)
	} {
		args := tc.args
		if tc.bug != "" {
			t.Run(strings.Join(args, " "), func(t *testing.T) { t.Skip("BUG: " + tc.bug) })
			continue
		}
		dir := repo(t, nil)
		r := run(t, dir, args...)
		if r.code != cmdutil.ExitUsage {
			t.Errorf("%q: exit %d, want %d\nstdout:\n%s\nstderr:\n%s", args, r.code, cmdutil.ExitUsage, r.out, r.errOut)
		}
		if got := tree(t, dir); len(got) != 0 {
			t.Errorf("%q: wrote %v", args, keys(got))
		}
	}
}

func keys(m map[string]string) []string { return slices.Sorted(maps.Keys(m)) }
