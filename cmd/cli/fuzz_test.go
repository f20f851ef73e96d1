package cli_test

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/gantry-dev/gantry/cmd/cli"
	"github.com/gantry-dev/gantry/cmd/cli/cmdutil"
)

// FuzzGenerate runs the whole pipeline (parse, validate, generate every target, write) on a fuzzed
// service blueprint beside a fixed platform: it must never panic, must exit 0 (valid) or 1 (invalid),
// and must never write outside the output folder (nor beside the blueprints).
//
// The rate is what makes a fuzzer find anything, so each call does only the work it checks: the
// folders are made once per process, each call rewrites one file and removes the output it wrote, and
// they sit in memory (/dev/shm) where the machine has it: on a shared disk, creating and removing the
// 45 files of a valid service and their folders cost ten times the pipeline itself. And it does not
// minimize unless -fuzzminimizetime is given: Go minimizes every input that reaches new code for up to
// 60 s by default, counting no executions meanwhile (golang/go#48820), and a blueprint of a few hundred
// bytes always takes the whole minute, so a 60 s run explored one input.
func FuzzGenerate(f *testing.F) {
	noMinimizeByDefault(f)
	for _, name := range []string{"payments", "ledger", "gateway", "notifier", "reports", "migrate"} {
		data, err := os.ReadFile(filepath.Join(repoRoot, "blueprints", "examples", "acme", name+".yaml"))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
		// Alone beside the platform, a service that calls or is called by another is invalid: the
		// same blueprint without those lines reaches the generators and the writer.
		if alone := withoutLines(data, "  calls:", "  callers:"); !bytes.Equal(alone, data) {
			f.Add(alone)
		}
	}
	platform, err := os.ReadFile(filepath.Join(repoRoot, "blueprints", "examples", "acme", "platform.yaml"))
	if err != nil {
		f.Fatal(err)
	}
	scratch, err := os.MkdirTemp(memDir(), "gantry-fuzz-")
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { os.RemoveAll(scratch) })
	in := filepath.Join(scratch, "in")
	out := filepath.Join(scratch, "out")
	if err := os.Mkdir(in, 0o755); err != nil {
		f.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(in, "platform.yaml"), platform, 0o644); err != nil {
		f.Fatal(err)
	}
	// One call at a time per process (fuzz workers are processes), so the folders can be shared.
	f.Fuzz(func(t *testing.T, data []byte) {
		if err := os.WriteFile(filepath.Join(in, "svc.yaml"), data, 0o644); err != nil {
			t.Fatal(err)
		}
		defer func() {
			if err := os.RemoveAll(out); err != nil {
				t.Fatal(err)
			}
		}()
		var stdout, stderr strings.Builder
		code := cli.Run([]string{"generate", "--quiet", in, "-o", out, "--repo", out}, cmdutil.IOStreams{In: strings.NewReader(""), Out: &stdout, ErrOut: &stderr})
		if code != 0 && code != 1 {
			t.Fatalf("exit %d\n%s", code, stderr.String())
		}
		if names := dirNames(t, scratch); !slices.Equal(names, []string{"in", "out"}) && !slices.Equal(names, []string{"in"}) {
			t.Errorf("wrote outside the output folder: %v", names)
		}
		if names := dirNames(t, in); !slices.Equal(names, []string{"platform.yaml", "svc.yaml"}) {
			t.Errorf("wrote beside the blueprints: %v", names)
		}
		if code == 1 {
			if _, err := os.Stat(out); err == nil {
				t.Errorf("invalid input, yet %s was created", out)
			}
		}
	})
}

// noMinimizeByDefault sets -fuzzminimizetime 0 unless the command line gives it (make fuzz does, and
// FUZZMINIMIZE=60s asks for minimizing). The coordinator reads the flag when f.Fuzz starts.
func noMinimizeByDefault(f *testing.F) {
	given := false
	flag.Visit(func(fl *flag.Flag) { given = given || fl.Name == "test.fuzzminimizetime" })
	if !given {
		if err := flag.Set("test.fuzzminimizetime", "0"); err != nil {
			f.Fatal(err)
		}
	}
}

// memDir is a memory-backed folder for scratch files when the machine has one, else the temp folder.
func memDir() string {
	if st, err := os.Stat("/dev/shm"); err == nil && st.IsDir() {
		if f, err := os.CreateTemp("/dev/shm", "gantry-probe-"); err == nil {
			f.Close()
			os.Remove(f.Name())
			return "/dev/shm"
		}
	}
	return os.TempDir()
}

func dirNames(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

// withoutLines drops the lines that start with any of prefixes.
func withoutLines(data []byte, prefixes ...string) []byte {
	var kept [][]byte
	for _, line := range bytes.SplitAfter(data, []byte("\n")) {
		if !slices.ContainsFunc(prefixes, func(p string) bool { return bytes.HasPrefix(line, []byte(p)) }) {
			kept = append(kept, line)
		}
	}
	return bytes.Join(kept, nil)
}
