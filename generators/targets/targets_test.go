package targets_test

import (
	"testing"

	"github.com/gantry-dev/gantry/generators"
	"github.com/gantry-dev/gantry/generators/gentest"
	"github.com/gantry-dev/gantry/generators/targets"
)

// TestInRepo: a target that says all its files go under the repository root (generators.InRepoTarget)
// makes only such files, and every other target none, on every example.
func TestInRepo(t *testing.T) {
	files, err := generators.Run(gentest.LoadExamples(t), targets.All())
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, f := range files {
		seen[f.Target] = true
		if f.Kind.InRepo() != targets.InRepo(f.Target) {
			t.Errorf("%s (target %s): in the repository %v, but the target says %v", f.Path, f.Target, f.Kind.InRepo(), targets.InRepo(f.Target))
		}
	}
	for _, name := range targets.Names() {
		if !seen[name] {
			t.Errorf("target %s made no file for the examples: the check above says nothing of it", name)
		}
	}
}
