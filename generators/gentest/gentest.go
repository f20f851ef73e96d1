// Package gentest has the helpers the generator packages' tests share: loading the examples and
// comparing generated files with a golden tree.
package gentest

import (
	"cmp"
	"slices"
	"testing"

	"github.com/gantry-dev/gantry/blueprints"
	"github.com/gantry-dev/gantry/generators"
	"github.com/gantry-dev/gantry/internal/golden"
)

// ExamplesDir is the example blueprints, from a package folder two levels below the repository root.
const ExamplesDir = "../../blueprints/examples"

// AppsDirs are the real public applications written as blueprints (blueprints/testdata/apps): test
// inputs for the checkers next to the examples, with no golden files of their own.
var AppsDirs = []string{"../../blueprints/testdata/apps/bank-of-anthos", "../../blueprints/testdata/apps/otel-demo"}

// ImportedDirs are blueprints `gantry import` wrote (its goldens) with services active: the checkers
// verify what an import generates too.
var ImportedDirs = []string{"../../internal/importer/testdata/golden/compose/pinned", "../../internal/importer/testdata/golden/score/pinned"}

// LoadChecked loads what the checker tests verify: the examples, the apps and the imported blueprints. It fails the test on an
// error; the apps keep the warnings a real app gets (one health endpoint, one replica in production).
//
// Each is loaded on its own, as each would be generated into its own repository: the two apps and the
// two imports have services of one name, whose pipelines and Dockerfiles would be one file in one
// repository (which validation refuses). Only Platforms and Unresolved are set: what generators.Run
// and the checkers read.
func LoadChecked(t testing.TB) *blueprints.Resolved {
	t.Helper()
	all := &blueprints.Resolved{}
	for _, dir := range append(append([]string{ExamplesDir}, AppsDirs...), ImportedDirs...) {
		res, diags := blueprints.Load(blueprints.LoadOptions{Paths: []string{dir}})
		if errs, _ := diags.Count(); errs > 0 {
			t.Fatalf("%s does not validate:\n%v", dir, diags)
		}
		all.Platforms = append(all.Platforms, res.Platforms...)
		all.Unresolved = append(all.Unresolved, res.Unresolved...)
	}
	slices.SortFunc(all.Platforms, func(a, b *blueprints.ResolvedPlatform) int {
		return cmp.Or(cmp.Compare(a.Name, b.Name), cmp.Compare(a.Source, b.Source))
	})
	for i := 1; i < len(all.Platforms); i++ {
		if all.Platforms[i-1].Name == all.Platforms[i].Name {
			t.Fatalf("two checked platforms are named %s: their output folders would be one", all.Platforms[i].Name)
		}
	}
	return all
}

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

// Golden compares files with the tree under dir, printing a diff for each file that differs; with
// -update (make golden) it rewrites the tree to match, removing files that are no longer generated.
func Golden(t *testing.T, dir string, files []generators.File) {
	t.Helper()
	want := make(map[string][]byte, len(files))
	for _, f := range files {
		want[f.Path] = f.Data
	}
	golden.CheckDir(t, dir, want)
}
