package cli_test

import (
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

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

// BenchmarkCheckPlatform runs `generate --check` on an unchanged tree of 1,000 services, with the cache
// of earlier runs (trusting every file: the racy margin is shortened and waited out) and without it.
func BenchmarkCheckPlatform(b *testing.B) {
	in, out := warmPlatform(b)
	for _, mode := range []string{"cache", "no-cache"} {
		flag := "--no-cache=" + strconv.FormatBool(mode == "no-cache")
		b.Run(mode, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				benchRun(b, "generate", "--check", "--quiet", flag, in, "-o", out)
			}
		})
	}
}

// BenchmarkOneChanged changes one blueprint of 1,000 (its LOG_LEVEL, a new value each time) and
// runs generate, with and without the cache: what a commit to a platform repository costs.
func BenchmarkOneChanged(b *testing.B) {
	in, out := warmPlatform(b)
	bp := filepath.Join(in, "svc-0042.yaml")
	for _, mode := range []string{"cache", "no-cache"} {
		flag := "--no-cache=" + strconv.FormatBool(mode == "no-cache")
		b.Run(mode, func(b *testing.B) {
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				b.StopTimer()
				data, err := os.ReadFile(bp)
				if err != nil {
					b.Fatal(err)
				}
				i++
				edited := regexp.MustCompile(`LOG_LEVEL: \w+`).ReplaceAll(data, []byte("LOG_LEVEL: l"+strconv.Itoa(i)))
				if err := os.WriteFile(bp, edited, 0o644); err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
				benchRun(b, "generate", "--quiet", flag, in, "-o", out)
			}
		})
	}
}

// warmPlatform generates 1,000 synthetic services and runs --check twice with a shortened racy margin,
// so that the cache trusts every file.
func warmPlatform(b *testing.B) (in, out string) {
	old := generators.RacyMargin
	generators.RacyMargin = 50 * time.Millisecond
	b.Cleanup(func() { generators.RacyMargin = old })
	in, out = b.TempDir(), filepath.Join(b.TempDir(), "out")
	gentest.WriteSynthetic(b, in, 1000)
	benchRun(b, "generate", "--quiet", in, "-o", out)
	for range 2 {
		time.Sleep(100 * time.Millisecond)
		benchRun(b, "generate", "--check", "--quiet", in, "-o", out)
	}
	return in, out
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
