package output_test

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/gantry-dev/gantry/generators/gentest"
	"github.com/gantry-dev/gantry/generators/output"
)

// A run whose blueprints are as the last run found them does not load them (the cache's Known load);
// any change to what the load read or looked for makes the next run load again, and every run says
// what a run without the cache says. A load with warnings is never kept: they are printed every time.
func TestKnownLoad(t *testing.T) {
	cacheDir, settle := fastCache(t)
	loads := output.CountLoads(t)
	dir := t.TempDir()
	in := filepath.Join(dir, "blueprints")
	if err := os.MkdirAll(in, 0o755); err != nil {
		t.Fatal(err)
	}
	gentest.WriteSynthetic(t, in, 6)
	opts := output.Options{Paths: []string{in}, Output: filepath.Join(dir, "out"), Repo: filepath.Join(dir, "repo"), Cache: cacheDir}
	check := opts
	check.Check = true
	mustGenerate(t, opts)
	settle()
	mustGenerate(t, check) // loads again: what the first run read changed just before it (settle)
	settle()
	// run checks once with the cache and once without, and says whether the cached one loaded.
	run := func(what string) (loaded bool, warnings int) {
		t.Helper()
		before := loads.Load()
		cached := mustGenerate(t, check)
		loaded = loads.Load() > before
		plain := check
		plain.Cache = ""
		uncached := mustGenerate(t, plain)
		if got, want := drift(cached), drift(uncached); got != want {
			t.Errorf("%s: with the cache, --check says %q; without, %q", what, got, want)
		}
		if got, want := len(cached.Warnings), len(uncached.Warnings); got != want {
			t.Errorf("%s: %d warnings with the cache, %d without", what, got, want)
		}
		return loaded, len(cached.Warnings)
	}
	for i := range 2 {
		if loaded, _ := run("unchanged"); loaded {
			t.Fatalf("run %d over unchanged blueprints loaded them", i)
		}
	}

	svc := filepath.Join(in, "svc-0001.yaml")
	orig, err := os.ReadFile(svc)
	if err != nil {
		t.Fatal(err)
	}
	other := filepath.Join(dir, "elsewhere.yaml")
	alone := regexp.MustCompile(`(?m)^  call(er)?s: .*\n`).ReplaceAllString(strings.ReplaceAll(string(orig), "svc-0001", "svc-0100"), "")
	changes := []struct {
		name  string
		apply func()
	}{
		{"a blueprint edited, its size the same", func() {
			write(t, svc, strings.Replace(string(orig), "LOG_LEVEL: info", "LOG_LEVEL: infx", 1))
		}},
		{"the blueprint as it was", func() { write(t, svc, string(orig)) }},
		{"a new blueprint", func() { write(t, filepath.Join(in, "svc-0100.yaml"), alone) }},
		{"the new blueprint removed", func() { os.Remove(filepath.Join(in, "svc-0100.yaml")) }},
		{"a file that is no blueprint", func() { write(t, filepath.Join(in, "notes.yaml"), "just: notes\n") }},
		{"the file replaced by a copy", func() {
			write(t, other, string(orig))
			if err := os.Rename(other, svc); err != nil {
				t.Fatal(err)
			}
		}},
	}
	for _, c := range changes {
		c.apply()
		settle()
		if loaded, _ := run(c.name); !loaded {
			t.Errorf("%s: the run did not load the blueprints", c.name)
		}
		// Brought up to date: the first check reads what generate wrote, the next trusts it all.
		mustGenerate(t, opts)
		settle()
		run(c.name + ", after generate")
		settle()
		if loaded, _ := run(c.name + ", again"); loaded {
			t.Errorf("%s, again: the run loaded unchanged blueprints", c.name)
		}
	}

	// Warnings: never kept, so said by every run.
	warned := strings.Replace(strings.Replace(string(orig), "  environments:\n    prod: {replicas: {min: 3}}\n", "", 1),
		"replicas: {min: 2, max: 4}", "replicas: {min: 1, max: 1}", 1)
	if warned == string(orig) {
		t.Fatal("the synthetic service changed: no warning to make")
	}
	write(t, svc, warned)
	mustGenerate(t, opts)
	settle()
	for i := range 2 {
		loaded, warnings := run("a blueprint with warnings")
		if !loaded || warnings == 0 {
			t.Errorf("run %d with warnings: loaded %v, %d warnings: want a load and the warnings", i, loaded, warnings)
		}
	}
}
