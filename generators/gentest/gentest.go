// Package gentest has the helpers the generator packages' tests share: loading the examples and
// comparing generated files with a golden tree.
package gentest

import (
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/gantry-dev/gantry/blueprints"
	"github.com/gantry-dev/gantry/generators"
)

// ExamplesDir is the example blueprints, from a package folder two levels below the repository root.
const ExamplesDir = "../../blueprints/examples"

// LoadExamples loads the example blueprints and fails the test on any diagnostic.
func LoadExamples(t testing.TB, paths ...string) *blueprints.Resolved {
	t.Helper()
	if len(paths) == 0 {
		paths = []string{ExamplesDir}
	}
	res, diags := blueprints.Load(blueprints.LoadOptions{Paths: paths})
	if len(diags) > 0 {
		t.Fatalf("examples do not validate:\n%v", diags)
	}
	return res
}

// Golden compares files with the tree under dir; with update it rewrites the tree to match, removing
// files that are no longer generated.
func Golden(t *testing.T, dir string, files []generators.File, update bool) {
	t.Helper()
	want := map[string][]byte{}
	for _, f := range files {
		want[f.Path] = f.Data
	}
	have := map[string][]byte{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		have[filepath.ToSlash(rel)] = data
		return nil
	})
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	if update {
		if err := os.RemoveAll(dir); err != nil {
			t.Fatal(err)
		}
		for p, data := range want {
			target := filepath.Join(dir, filepath.FromSlash(p))
			if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(target, data, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		return
	}
	var problems []string
	for p, data := range want {
		old, ok := have[p]
		switch {
		case !ok:
			problems = append(problems, "missing from the golden tree: "+p)
		case !bytes.Equal(old, data):
			problems = append(problems, "differs: "+p)
		}
	}
	for p := range have {
		if _, ok := want[p]; !ok {
			problems = append(problems, "no longer generated: "+p)
		}
	}
	slices.Sort(problems)
	for _, p := range problems {
		t.Error(p)
	}
	if len(problems) > 0 {
		t.Log("the golden files are stale: run `make golden` and review the diff")
	}
}
