package ci_test

import (
	"bytes"
	"os"
	"path"
	"slices"
	"strings"
	"testing"

	"github.com/gantry-dev/gantry/generators"
	"github.com/gantry-dev/gantry/generators/ci"
	"github.com/gantry-dev/gantry/generators/gentest"
)

func generate(t testing.TB) []generators.File {
	t.Helper()
	files, err := generators.Run(gentest.LoadExamples(t), []generators.Generator{ci.New()})
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatal("no pipelines generated for the examples")
	}
	return files
}

func TestGolden(t *testing.T) {
	files := generate(t)
	for _, f := range files {
		if !f.Kind.InRepo() {
			t.Errorf("%s must go under the repository root", f.Path)
		}
	}
	gentest.Golden(t, "testdata/golden", files)
}

// renamed is f with its name prefixed, and in a pipeline the reference to the service's own CI file
// (ci.CustomFile: the reusable workflow it calls, the file it includes) prefixed alike, so that
// pipelines of several sources share one repository and each still calls its own.
func renamed(f generators.File, prefix string) generators.File {
	f.Path = path.Join(path.Dir(f.Path), prefix+path.Base(f.Path))
	for _, ref := range []string{`uses: "./.github/workflows/`, `local: ".gitlab/ci/custom/`} {
		f.Data = bytes.ReplaceAll(f.Data, []byte(ref), []byte(ref+prefix))
	}
	return f
}

// withCustomizations puts the user's own CI files (gentest.CICustomization) among files: in place of
// payments' seed where the examples have one (acme's, on GitHub), else beside the others (the GitLab
// one, whose job extends payments' hidden jobs: only the checks that read a file alone see it).
func withCustomizations(t *testing.T, files []generators.File) []generators.File {
	t.Helper()
	out := slices.Clone(files)
	for _, system := range []string{"github", "gitlab"} {
		p, data := gentest.CICustomization(t, system)
		if i := slices.IndexFunc(out, func(f generators.File) bool { return f.Path == p }); i >= 0 {
			out[i].Data = []byte(data)
		} else {
			out = append(out, generators.File{Path: p, Data: []byte(data), Kind: generators.RepoCustom, Target: "ci"})
		}
	}
	return out
}

func writeFile(p string, data []byte) error { return os.WriteFile(p, data, 0o644) }

// TestUpgradeFile: the upgrade job's name is a valid branch part and GitLab job name for every output
// folder spec.gitops.path allows, and the file is one the ci target produces.
func TestUpgradeFile(t *testing.T) {
	for _, c := range []struct{ out, name string }{
		{"deploy", "deploy"}, {"clusters/main", "clusters-main"}, {".", "repository"}, {"./deploy/", "deploy"},
		{".deploy", "-deploy"}, {"x.lock", "x-lock"}, {"a..b/c", "a--b-c"},
	} {
		for _, system := range []string{"github", "gitlab"} {
			name, file := ci.UpgradeFile(system, c.out)
			if name != c.name {
				t.Errorf("%s: name %q, want %q", c.out, name, c.name)
			}
			if !ci.New().Produces(file) {
				t.Errorf("%s: %s is not in the ci target's layout", c.out, file)
			}
			if strings.HasPrefix(name, ".") || strings.HasSuffix(name, ".lock") || strings.Contains(name, "..") || strings.Contains(name, "/") {
				t.Errorf("%s: %q is no branch part or job name", c.out, name)
			}
		}
	}
}
