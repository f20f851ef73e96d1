package cli_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gantry-dev/gantry/cmd/cli"
	"github.com/gantry-dev/gantry/cmd/cli/cmdutil"
)

// FuzzGenerate runs the whole pipeline (parse, validate, generate every target, write) on a fuzzed
// service blueprint beside a fixed platform: it must never panic, must exit 0 (valid) or 1 (invalid),
// and must never write outside the output folder.
func FuzzGenerate(f *testing.F) {
	for _, name := range []string{"payments", "ledger", "gateway", "notifier", "reports", "migrate"} {
		data, err := os.ReadFile(filepath.Join(repoRoot, "blueprints", "examples", "acme", name+".yaml"))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	platform, err := os.ReadFile(filepath.Join(repoRoot, "blueprints", "examples", "acme", "platform.yaml"))
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		dir := t.TempDir()
		in := filepath.Join(dir, "in")
		out := filepath.Join(dir, "out")
		if err := os.MkdirAll(in, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(in, "platform.yaml"), platform, 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(in, "svc.yaml"), data, 0o644); err != nil {
			t.Fatal(err)
		}
		var stdout, stderr strings.Builder
		code := cli.Run([]string{"generate", "--quiet", in, "-o", out, "--repo", out}, cmdutil.IOStreams{In: strings.NewReader(""), Out: &stdout, ErrOut: &stderr})
		if code != 0 && code != 1 {
			t.Fatalf("exit %d\n%s", code, stderr.String())
		}
		entries, err := os.ReadDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range entries {
			if e.Name() != "in" && e.Name() != "out" {
				t.Errorf("wrote %s outside the output folder", e.Name())
			}
		}
		if code == 1 {
			if _, err := os.Stat(out); err == nil {
				t.Errorf("invalid input, yet %s was created", out)
			}
		}
	})
}
