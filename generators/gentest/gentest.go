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
