// Package gentest has the helpers the generator packages' tests share: loading the examples and
// comparing generated files with a golden tree.
package gentest

import (
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
func LoadChecked(t testing.TB) *blueprints.Resolved {
	t.Helper()
	res, diags := blueprints.Load(blueprints.LoadOptions{Paths: append(append([]string{ExamplesDir}, AppsDirs...), ImportedDirs...)})
	if errs, _ := diags.Count(); errs > 0 {
		t.Fatalf("the examples and apps do not validate:\n%v", diags)
	}
	return res
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
