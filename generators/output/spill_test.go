package output_test

import (
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/gantry-dev/gantry/generators"
	"github.com/gantry-dev/gantry/generators/gentest"
	"github.com/gantry-dev/gantry/generators/output"
)

// TestSpilledCheckShowsTheDiff: a check whose rendered content a Spill keeps still shows each
// difference after Generate returned (the result holds the spill), for a file edited by hand and for
// one that is missing; a write after it is as a run from memory.
func TestSpilledCheckShowsTheDiff(t *testing.T) {
	budget := generators.SpillAbove
	generators.SpillAbove = 0
	defer func() { generators.SpillAbove = budget }()
	dir := t.TempDir()
	in := filepath.Join(dir, "blueprints")
	if err := os.MkdirAll(in, 0o755); err != nil {
		t.Fatal(err)
	}
	gentest.WriteSynthetic(t, in, 3)
	opts := output.Options{Paths: []string{in}, Output: filepath.Join(dir, "out"), Repo: filepath.Join(dir, "repo")}
	mustGenerate(t, opts)
	deployment := filepath.Join(opts.Output, "synthetic/team-00/svc-0000/kubernetes/base/deployment.yaml")
	hpa := filepath.Join(opts.Output, "synthetic/team-00/svc-0000/kubernetes/base/service.yaml")
	data, err := os.ReadFile(deployment)
	if err != nil {
		t.Fatal(err)
	}
	write(t, deployment, strings.Replace(string(data), "runAsNonRoot: true", "runAsNonRoot: false", 1))
	gone, err := os.ReadFile(hpa)
	if err != nil {
		t.Fatal(err)
	}
	os.Remove(hpa)
	check := opts
	check.Check = true
	res := mustGenerate(t, check)
	runtime.GC() // what the result does not hold is gone; the spill is still held
	diff := res.Diff(func(s string) string { return s })
	for _, want := range []string{"-          runAsNonRoot: false", "+          runAsNonRoot: true", "+" + strings.SplitN(string(gone), "\n", 2)[0]} {
		if !strings.Contains(diff, want) {
			t.Errorf("the diff lacks %q:\n%s", want, diff)
		}
	}
	if strings.Contains(diff, "ended") {
		t.Errorf("content no longer there:\n%s", diff)
	}
	os.Remove(deployment) // Gantry's file, edited: replaced by the next run only when gone or --force
	mustGenerate(t, opts)
	if got, _ := os.ReadFile(hpa); string(got) != string(gone) {
		t.Errorf("service.yaml written from the spill:\n%s\nwant\n%s", got, gone)
	}
}
