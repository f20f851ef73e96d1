package blueprints

import (
	"bytes"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gantry-dev/gantry/internal/golden"
)

// TestHostileCorpus loads each file of testdata/hostile on its own (one file per attack) and pins
// every message in one catalogue, testdata/hostile/catalogue.golden, so reviewers read all of them
// in one place. Every attack must be rejected with at least one error, within bounded allocation (64 MiB)
// and time (5 s, against hangs);
// bom-crlf-valid.yaml is the one file that must load cleanly. A 10 MiB file is made here.
func TestHostileCorpus(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "hostile", "*.yaml"))
	if err != nil || len(files) < 30 {
		t.Fatalf("hostile corpus: %d files, %v", len(files), err)
	}
	big := filepath.Join(t.TempDir(), "ten-mib.yaml")
	if err := os.WriteFile(big, bytes.Repeat([]byte("# padding\n"), 1<<20), 0o644); err != nil {
		t.Fatal(err)
	}
	files = append(files, big)
	slices.Sort(files)
	var catalogue strings.Builder
	for _, f := range files {
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		start := time.Now()
		_, diags := Load(LoadOptions{Paths: []string{f}})
		took := time.Since(start)
		runtime.ReadMemStats(&after)
		name := filepath.Base(f)
		if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 64<<20 {
			t.Errorf("%s: allocated %d MiB", name, alloc>>20)
		}
		// A bound against hangs and blow-ups (each file takes milliseconds), not a speed measure: that is
		// the benchmarks' job.
		if took > 5*time.Second {
			t.Errorf("%s: took %v", name, took)
		}
		errs, _ := diags.Count()
		switch {
		case name == "bom-crlf-valid.yaml" && len(diags) > 0:
			t.Errorf("%s must load cleanly: %v", name, diags)
		case name != "bom-crlf-valid.yaml" && errs == 0:
			t.Errorf("%s was not rejected", name)
		}
		catalogue.WriteString("== " + name + "\n")
		for _, d := range diags {
			d.Pos.File = filepath.Base(d.Pos.File)
			catalogue.WriteString(d.String() + "\n")
		}
	}
	file := filepath.Join("testdata", "hostile", "catalogue.golden")
	golden.Check(t, file, []byte(catalogue.String()))
}
