package cli_test

import (
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/gantry-dev/gantry/blueprints"
	"github.com/gantry-dev/gantry/cmd/cli"
	"github.com/gantry-dev/gantry/cmd/cli/cmdutil"
	"github.com/gantry-dev/gantry/generators"
	"github.com/gantry-dev/gantry/generators/gentest"
	"github.com/gantry-dev/gantry/generators/targets"
)

// TestSyntheticPlatformIsValid keeps the benchmark's input honest: the synthetic blueprints validate.
func TestSyntheticPlatformIsValid(t *testing.T) {
	dir := t.TempDir()
	gentest.WriteSynthetic(t, dir, 50)
	if _, diags := blueprints.Load(blueprints.LoadOptions{Paths: []string{dir}}); len(diags) > 0 {
		t.Fatalf("synthetic blueprints do not validate:\n%v", diags)
	}
}

// BenchmarkGeneratePlatform runs the whole command (load, validate, generate every target, write) on a
// synthetic platform of 100 and 1,000 services, into a fresh output folder each time.
func BenchmarkGeneratePlatform(b *testing.B) {
	for _, n := range []int{100, 1000} {
		b.Run(strconv.Itoa(n), func(b *testing.B) {
			in := b.TempDir()
			gentest.WriteSynthetic(b, in, n)
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				i++
				out := filepath.Join(b.TempDir(), strconv.Itoa(i))
				benchRun(b, "generate", "--quiet", in, "-o", out)
			}
			b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N)/float64(n), "µs/service")
		})
	}
}

// BenchmarkCheckPlatform runs `generate --check` on an unchanged tree of 1,000 services.
func BenchmarkCheckPlatform(b *testing.B) {
	in, out := b.TempDir(), filepath.Join(b.TempDir(), "out")
	gentest.WriteSynthetic(b, in, 1000)
	benchRun(b, "generate", "--quiet", in, "-o", out)
	b.ReportAllocs()
	for b.Loop() {
		benchRun(b, "generate", "--check", "--quiet", in, "-o", out)
	}
}

func benchRun(b *testing.B, args ...string) {
	b.Helper()
	var errOut strings.Builder
	if code := cli.Run(args, cmdutil.IOStreams{In: strings.NewReader(""), Out: &strings.Builder{}, ErrOut: &errOut}); code != 0 {
		b.Fatalf("gantry %s: exit %d\n%s", strings.Join(args, " "), code, errOut.String())
	}
}

// BenchmarkGenerateOneService renders one service (acme's payments: web, Postgres and Redis, Istio,
// Argo CD, GitHub) with each target alone, in memory.
func BenchmarkGenerateOneService(b *testing.B) {
	res, diags := blueprints.Load(blueprints.LoadOptions{Paths: []string{filepath.Join(repoRoot, "blueprints", "examples", "acme", "payments.yaml")}})
	if diags.HasErrors(false) {
		b.Fatal(diags)
	}
	for _, target := range targets.All() {
		b.Run(target.Name(), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := generators.Run(res, []generators.Generator{target}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkValidatePlatform runs `gantry validate` (load, resolve, validate) on 1,000 synthetic services.
func BenchmarkValidatePlatform(b *testing.B) {
	in := b.TempDir()
	gentest.WriteSynthetic(b, in, 1000)
	b.ReportAllocs()
	for b.Loop() {
		benchRun(b, "validate", in)
	}
}
