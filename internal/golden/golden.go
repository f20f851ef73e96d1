// Package golden compares test output with golden files and prints a unified diff when they differ.
// It registers the one -update flag every golden test shares: `make golden` runs the tests of the
// packages that import this one with -update, and they rewrite their files instead of comparing.
package golden

import (
	"bytes"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/gantry-dev/gantry/internal/diff"
)

// update is registered in test binaries only: a command that imports a test helper (bench/synthetic
// uses gentest) keeps its flags its own.
var update = func() *bool {
	if !testing.Testing() {
		return new(bool)
	}
	return flag.Bool("update", false, "rewrite the golden files instead of comparing with them (make golden)")
}()

// Update reports whether the test binary runs with -update.
func Update() bool { return *update }

// maxDiffLines bounds the diff printed for one file: a wholesale change needs `make golden` and a
// review of git diff, not a thousand lines of test log.
const maxDiffLines = 200

// Check compares got with the file at path; with -update it writes got there instead, creating the
// folder.
func Check(t testing.TB, path string, got []byte) {
	t.Helper()
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run `make golden` to create it)", err)
	}
	if d := Diff(path, want, got); d != "" {
		t.Errorf("%s is stale: run `make golden` and review the diff (- golden, + got):\n%s", path, d)
	}
}

// CheckDir compares files (slash paths under dir and their contents) with the tree under dir; with
// -update it rewrites the tree to match, removing the files that are no longer in files.
func CheckDir(t testing.TB, dir string, files map[string][]byte) {
	t.Helper()
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
	if *update {
		if err := os.RemoveAll(dir); err != nil {
			t.Fatal(err)
		}
		for p, data := range files {
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
	for p, data := range files {
		old, ok := have[p]
		switch {
		case !ok:
			problems = append(problems, "missing from the golden tree: "+p)
		case !bytes.Equal(old, data):
			problems = append(problems, "differs: "+p+" (- golden, + got)\n"+Diff(filepath.Join(dir, p), old, data))
		}
	}
	for p := range have {
		if _, ok := files[p]; !ok {
			problems = append(problems, "no longer generated: "+p)
		}
	}
	slices.Sort(problems)
	for _, p := range problems {
		t.Error(p)
	}
	if len(problems) > 0 {
		t.Logf("the golden files under %s are stale: run `make golden` and review the diff", dir)
	}
}

// Diff is the unified diff from the golden file at path (want) to got, cut after maxDiffLines lines;
// "" when they are equal.
func Diff(path string, want, got []byte) string {
	d := diff.Unified(filepath.ToSlash(path), "test output", want, got)
	lines := strings.SplitAfter(d, "\n")
	if len(lines) > maxDiffLines+1 {
		d = strings.Join(lines[:maxDiffLines], "") + fmt.Sprintf("... %d more lines\n", len(lines)-1-maxDiffLines)
	}
	return d
}
