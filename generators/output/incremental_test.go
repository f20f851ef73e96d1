package output_test

import (
	"bytes"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gantry-dev/gantry/generators"
	"github.com/gantry-dev/gantry/generators/gentest"
	"github.com/gantry-dev/gantry/generators/output"
)

// fastCache shortens the cache's racy margin for a test: a file changed less than margin before a run
// read it is read again by the next run, so the tests wait settle() between steps instead of seconds.
func fastCache(t *testing.T) (dir string, settle func()) {
	t.Helper()
	old := generators.RacyMargin
	generators.RacyMargin = 30 * time.Millisecond
	t.Cleanup(func() { generators.RacyMargin = old })
	return t.TempDir(), func() { time.Sleep(60 * time.Millisecond) }
}

// tree reads every file under dir.
func tree(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(p)
		rel, _ := filepath.Rel(dir, p)
		out[filepath.ToSlash(rel)] = data
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func sameTree(t *testing.T, got, want map[string][]byte) {
	t.Helper()
	for p, w := range want {
		if g, ok := got[p]; !ok {
			t.Errorf("missing %s", p)
		} else if !bytes.Equal(g, w) {
			t.Errorf("%s differs from a full regeneration", p)
		}
	}
	for p := range got {
		if _, ok := want[p]; !ok {
			t.Errorf("%s should not be there", p)
		}
	}
}

// edit is one random change to the synthetic blueprints: one that touches a single service, one that
// changes what its callers or callees render (its port, its callers), or the platform's.
type edit struct {
	name string
	file string // blueprint file, relative to the blueprints folder
	re   *regexp.Regexp
	to   func(r *rand.Rand) string
}

var edits = []edit{
	{"env value", "svc-%04d.yaml", regexp.MustCompile(`LOG_LEVEL: \w+`), func(r *rand.Rand) string {
		return "LOG_LEVEL: " + []string{"debug", "info", "warn", "error"}[r.IntN(4)]
	}},
	{"replicas", "svc-%04d.yaml", regexp.MustCompile(`max: \d+`), func(r *rand.Rand) string { return fmt.Sprintf("max: %d", 3+r.IntN(6)) }},
	{"port (the callers' rules change)", "svc-%04d.yaml", regexp.MustCompile(`port: \d+`), func(r *rand.Rand) string { return fmt.Sprintf("port: %d", 8000+r.IntN(900)) }},
	{"egress", "svc-%04d.yaml", regexp.MustCompile(`api\.example\.com:443|api\d+\.example\.com:443`), func(r *rand.Rand) string { return fmt.Sprintf("api%d.example.com:443", r.IntN(50)) }},
	{"team (a namespace's shared files come, change or go)", "svc-%04d.yaml", regexp.MustCompile(`team: team-\d+`), func(r *rand.Rand) string {
		return fmt.Sprintf("team: team-%02d", r.IntN(3))
	}},
	{"platform registry (every service changes)", "platform.yaml", regexp.MustCompile(`registry: [\w./-]+`), func(r *rand.Rand) string {
		return fmt.Sprintf("registry: ghcr.io/synthetic%d", r.IntN(100))
	}},
	{"platform region", "platform.yaml", regexp.MustCompile(`region: [\w-]+`), func(r *rand.Rand) string {
		return "region: " + []string{"eu-west-1", "eu-central-1", "us-east-1"}[r.IntN(3)]
	}},
}

// The judge: after random edits, the cached run's output is byte for byte a full
// regeneration's, the record included: that of a twin tree that went through the same runs without the
// cache, and, seeds aside (written once, then CI's), that of a run into an empty folder. --check with
// the cache is then clean. The twin's runs keep every file's content on disk until it is written (a
// Spill at no budget), and so do the cached runs every other step: the trees judge the spill too.
func TestIncrementalEqualsFull(t *testing.T) {
	budget := generators.SpillAbove
	defer func() { generators.SpillAbove = budget }()
	spillCached := false
	cacheDir, settle := fastCache(t)
	const n = 20
	dir := t.TempDir()
	in := filepath.Join(dir, "blueprints")
	if err := os.MkdirAll(in, 0o755); err != nil {
		t.Fatal(err)
	}
	gentest.WriteSynthetic(t, in, n)
	opts := output.Options{Paths: []string{in}, Output: filepath.Join(dir, "out"), Repo: filepath.Join(dir, "repo"), Cache: cacheDir}
	twin := output.Options{Paths: []string{in}, Output: filepath.Join(dir, "twin"), Repo: filepath.Join(dir, "twinrepo")}
	both := func(change func(*output.Options)) *output.Result {
		a, b := opts, twin
		change(&a)
		change(&b)
		generators.SpillAbove = 0
		mustGenerate(t, b)
		generators.SpillAbove = budget
		if spillCached {
			generators.SpillAbove = 0
		}
		defer func() { generators.SpillAbove = budget }()
		return mustGenerate(t, a)
	}
	both(func(*output.Options) {})
	settle()
	both(func(*output.Options) {}) // reads what the first wrote, so the next runs may trust it
	r := rand.New(rand.NewPCG(1, 2))
	for step := range 12 {
		spillCached = step%2 == 1
		e := edits[r.IntN(len(edits))]
		file := e.file
		if strings.Contains(file, "%") {
			file = fmt.Sprintf(file, r.IntN(n))
		}
		p := filepath.Join(in, file)
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		if !e.re.Match(data) {
			continue // this service has no such field (a worker's port)
		}
		write(t, p, e.re.ReplaceAllString(string(data), e.to(r)))
		settle()
		// A partial run first, now and then (one target, one environment): what it leaves in the cache
		// must not make the next whole run skip what the partial one did not write.
		switch step % 3 {
		case 1:
			both(func(o *output.Options) { o.Only = []string{"kubernetes"} })
			settle()
		case 2:
			both(func(o *output.Options) { o.Env = "dev" })
			settle()
		}
		res := both(func(*output.Options) {})
		t.Logf("step %d: %s in %s: %d written", step, e.name, file, len(res.Summary.Written))

		full := output.Options{Paths: opts.Paths, Output: filepath.Join(dir, fmt.Sprint("full", step)), Repo: filepath.Join(dir, fmt.Sprint("fullrepo", step))}
		mustGenerate(t, full)
		sameTree(t, tree(t, opts.Output), tree(t, twin.Output))
		sameTree(t, tree(t, opts.Repo), tree(t, twin.Repo))
		got, want := tree(t, opts.Output), tree(t, full.Output)
		for p := range want {
			if strings.Contains(p, "/image/") || p == generators.StateDir+"/manifest.json" {
				delete(got, p) // a seed keeps its first content; the record says so
				delete(want, p)
			}
		}
		sameTree(t, got, want)
		sameTree(t, tree(t, opts.Repo), tree(t, full.Repo))
		if t.Failed() {
			t.Fatalf("step %d (%s in %s): the cached run differs from a full one", step, e.name, file)
		}
		settle()
		check := opts
		check.Check = true
		if res := mustGenerate(t, check); res.Drifted() {
			t.Fatalf("step %d: --check with the cache finds drift after generate:\n%s", step, res.Diff(func(s string) string { return s }))
		}
	}
}

// --check with a warm cache still finds a one-byte hand edit in any file (the size unchanged), and says
// what --check without the cache says.
func TestCachedCheckFindsAHandEdit(t *testing.T) {
	cacheDir, settle := fastCache(t)
	dir := t.TempDir()
	in := filepath.Join(dir, "blueprints")
	if err := os.MkdirAll(in, 0o755); err != nil {
		t.Fatal(err)
	}
	gentest.WriteSynthetic(t, in, 12)
	opts := output.Options{Paths: []string{in}, Output: filepath.Join(dir, "out"), Repo: filepath.Join(dir, "repo"), Cache: cacheDir}
	mustGenerate(t, opts)
	check := opts
	check.Check = true
	for range 2 { // the first check reads what generate wrote; the second trusts it
		settle()
		if res := mustGenerate(t, check); res.Drifted() {
			t.Fatal("drift right after generate")
		}
	}
	files := slices.Sorted(func(yield func(string) bool) {
		for p := range tree(t, opts.Output) {
			if !strings.HasPrefix(p, generators.StateDir+"/") && !yield(filepath.Join(opts.Output, p)) {
				return
			}
		}
		for p := range tree(t, opts.Repo) {
			if !strings.HasPrefix(p, generators.StateDir+"/") && !yield(filepath.Join(opts.Repo, p)) {
				return
			}
		}
	})
	r := rand.New(rand.NewPCG(3, 4))
	found := 0
	for range 8 {
		p := files[r.IntN(len(files))]
		orig, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		edited := bytes.Clone(orig)
		i := r.IntN(len(edited))
		edited[i] ^= 0x01 // one byte, same size
		if err := os.WriteFile(p, edited, 0o644); err != nil {
			t.Fatal(err)
		}
		cached := mustGenerate(t, check)
		plain := check
		plain.Cache = ""
		uncached := mustGenerate(t, plain)
		if got, want := drift(cached), drift(uncached); got != want {
			t.Errorf("edit of %s: with the cache, --check says %q; without, %q", p, got, want)
		}
		if cached.Drifted() {
			found++
		}
		if err := os.WriteFile(p, orig, 0o644); err != nil {
			t.Fatal(err)
		}
		settle()
	}
	if found == 0 {
		t.Error("no edit was found: every file edited was a seed or the user's?")
	}
}

func drift(r *output.Result) string {
	var out []string
	for _, root := range r.Roots {
		d := root.Drift
		out = append(out, fmt.Sprint(d.Missing, d.Changed, d.Stale, d.Leftover))
	}
	return strings.Join(out, "; ")
}
