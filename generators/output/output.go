// Package output is what `gantry generate` does, as a library: load the blueprints, render the targets
// in scope, then write every file under its root or compare the roots with what is there. The command
// is a thin layer of flags and printing over Generate; `gantry new` and the tests call it directly.
package output

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/gantry-dev/gantry/blueprints"
	"github.com/gantry-dev/gantry/generators"
	"github.com/gantry-dev/gantry/generators/kubernetes"
	"github.com/gantry-dev/gantry/generators/targets"
	"github.com/gantry-dev/gantry/internal/paths"
)

// DefaultOutput is where the files go when no output folder is named.
const DefaultOutput = blueprints.DefaultOutput

// Options say what to generate and where.
type Options struct {
	Paths    []string // blueprint files and folders (blueprints.LoadOptions.Paths)
	Platform string   // a platform file for every service, instead of the nearest one
	Output   string   // the output folder
	Repo     string   // the repository root; "" for the git repository of the blueprints, else Output
	Root     string   // blueprints.LoadOptions.Root
	FS       fs.FS    // blueprints.LoadOptions.FS: where Paths are (nil: the disk); the roots are on disk
	Check    bool     // compare instead of writing
	Force    bool     // replace files that are not Gantry's or were edited
	Only     []string // target names; empty for all
	Env      string   // one environment's files (and those of every environment)
	// Recorded loads, instead of Paths, the blueprints the output folder's record names: every platform
	// generated into it, as it was last generated (recordedPaths). A recorded blueprint that is gone
	// counts as loaded, so its files are removed.
	Recorded bool
	// Cache is a folder where runs on this machine remember what they rendered and read (the user's
	// cache folder), so that the next run renders and reads only what changed; "" for none.
	Cache string
}

// Root is a folder files go under: the output folder, or the repository root when it is another one.
type Root struct {
	Dir   string
	Files []generators.File
	Drift generators.Drift // with Check
}

// Result is what a run did or found.
type Result struct {
	Warnings blueprints.Diagnostics // the blueprints' warnings (errors end the run as a ValidationError)
	Roots    []Root
	Summary  generators.Summary // what was written (not with Check)
	// Customized are the user's customizations that weaken a guaranteed setting, marked deliberate
	// (`# gantry:allow`): warnings. Unmarked ones end the run as a *CustomizationError.
	Customized []kubernetes.Finding
}

// Drifted reports whether a check found any difference.
func (r *Result) Drifted() bool {
	return slices.ContainsFunc(r.Roots, func(root Root) bool { return !root.Drift.Empty() })
}

// Kinds of drift, in the order a check lists them.
var DriftKinds = []string{"missing", "changed", "stale", "leftover"}

// Drift lists a check's findings by kind (DriftKinds' order), each path joined to its root and passed
// through show (to print it as the user opens it).
func (r *Result) Drift(show func(string) string) (found [4][]string) {
	for _, root := range r.Roots {
		d := root.Drift
		for i, paths := range [][]string{d.Missing, d.Changed, d.Stale, d.Leftover} {
			for _, p := range paths {
				found[i] = append(found[i], show(filepath.Join(root.Dir, p)))
			}
		}
	}
	return found
}

// Diff is the unified diff of every difference a check found, paths as in Drift.
func (r *Result) Diff(show func(string) string) string {
	var b strings.Builder
	for _, root := range r.Roots {
		d := root.Drift
		in := func(p string) string { return show(filepath.Join(root.Dir, p)) }
		for _, f := range d.Files {
			data, err := f.Content()
			if err != nil {
				fmt.Fprintf(&b, "%s: %v\n", in(f.Path), err)
				continue
			}
			b.WriteString(generators.UnifiedDiff("a/"+in(f.Path), "b/"+in(f.Path), d.Old[f.Path], data))
		}
		for _, p := range d.Stale {
			b.WriteString(generators.UnifiedDiff("a/"+in(p), "/dev/null", d.Old[p], nil))
		}
	}
	return b.String()
}

// Where names the folders the files go under, each through show: the output folder, and the repository
// root when it is another one.
func (r *Result) Where(show func(string) string) string {
	var where []string
	for _, root := range r.Roots {
		d := show(root.Dir)
		if d == "." && len(r.Roots) > 1 {
			d = "the repository root"
		}
		where = append(where, d)
	}
	return strings.Join(where, " and ")
}

// Files counts the files generated under every root.
func (r *Result) Files() int {
	n := 0
	for _, root := range r.Roots {
		n += len(root.Files)
	}
	return n
}

// PartialError is a run over some blueprint files whose services call, or are called by, services in
// files not named: their NetworkPolicies and mesh policies would be generated without those edges.
type PartialError struct{ Refs []string }

func (e *PartialError) Error() string {
	return fmt.Sprintf("the blueprints named refer to services in files that were not named: %s; generating them alone would "+
		"leave those services out of the network and mesh rules: name those blueprints too, or their folder", strings.Join(e.Refs, ", "))
}

// EnvError is an --env naming no environment of the platforms loaded.
type EnvError struct {
	Env   string
	Known []string
}

func (e *EnvError) Error() string {
	return fmt.Sprintf("no environment %q in the platforms loaded (environments: %s)", e.Env, strings.Join(e.Known, ", "))
}

// NewerError is a run that would rewrite output a later release wrote (a downgrade): it writes nothing
// unless forced.
type NewerError struct{ Dir, Release string }

func (e *NewerError) Error() string {
	return fmt.Sprintf("%s: %s (--force writes it with this release)", filepath.ToSlash(e.Dir), generators.Outdated(e.Release))
}

// RecordError is a Recorded run whose record names nothing to load: none, or no blueprint that exists.
type RecordError struct{ Err error }

func (e *RecordError) Error() string { return e.Err.Error() }
func (e *RecordError) Unwrap() error { return e.Err }

// Generate loads, renders and writes (or checks). Invalid blueprints give a *blueprints.ValidationError;
// files Gantry will not touch, a *generators.ConflictError wrapped with its root; nothing is written
// then, nor when any root is refused.
func Generate(opts Options) (*Result, error) {
	var gone []string
	if opts.Recorded {
		if len(opts.Paths) > 0 || opts.FS != nil {
			return nil, errors.New("output: a Recorded run loads the blueprints the record names, so no Paths or FS go with it")
		}
		var err error
		if opts.Paths, gone, err = recordedPaths(opts.Output, opts.Repo); err != nil {
			return nil, &RecordError{Err: err}
		}
	}
	// The cache is read while the blueprints load, or while its Known load is checked: it depends only
	// on the two folders, and reading it is one core's work while loading keeps the other busy.
	out, repo := roots(opts)
	var cache *generators.Cache
	if opts.Cache != "" {
		cache = generators.NewCache(opts.Cache, out, repo)
	}
	var reading sync.WaitGroup
	if cache != nil {
		reading.Go(cache.Read)
	}
	var key []byte // the load's, when the cache may keep it: from the disk only
	if cache != nil && opts.FS == nil {
		key = loadKey(opts)
		if known := cache.Known(key); known != nil {
			// No load to wait for: the other core reads the records classify will need.
			cache.ReadRecordsAhead()
			reading.Wait()
			if result, err := generateKnown(opts, known, gone, out, repo, cache); !errors.Is(err, generators.ErrNotKnown) {
				return result, err
			}
		}
	}
	var track func(string)
	if key != nil {
		track = cache.Track
	}
	started := time.Now()
	loading()
	res, diags := blueprints.Load(blueprints.LoadOptions{Paths: opts.Paths, PlatformFile: opts.Platform, Root: opts.Root, FS: opts.FS, Track: track})
	reading.Wait()
	if diags.HasErrors(false) {
		return nil, &blueprints.ValidationError{Diagnostics: diags}
	}
	if key != nil && len(diags) == 0 && len(res.Unresolved) == 0 {
		cache.KeepLoad(key, started, res.Reach, envNames(res))
	}
	result := &Result{Warnings: diags}
	if len(gone) > 0 {
		res.Reach.Loaded = slices.Sorted(slices.Values(append(res.Reach.Loaded, gone...)))
	}
	if len(res.Unresolved) > 0 {
		return result, &PartialError{Refs: res.Unresolved}
	}
	if envs := envNames(res); opts.Env != "" && !slices.Contains(envs, opts.Env) {
		return result, &EnvError{Env: opts.Env, Known: envs}
	}
	gens := targets.Select(opts.Only)
	render := func(c *generators.Cache, s *generators.Spill) ([]generators.File, error) {
		return generators.RunCached(res, gens, c, s)
	}
	err := run(opts, render, &res.Reach, result, out, repo, cache)
	if errors.Is(err, generators.ErrKnownChanged) {
		// A file changed between the cache's look and the writer's: render and read everything.
		*result = Result{Warnings: diags}
		cache = nil
		err = run(opts, render, &res.Reach, result, out, repo, nil)
	}
	if err == nil {
		cache.Save()
	}
	return result, err
}

// loading is called before each load of the blueprints (a test hook: a run from a Known load makes none).
var loading = func() {}

// generateKnown is Generate from the load the cache vouches for, without loading. It returns
// generators.ErrNotKnown when a rendering is not one the cache holds as it is on disk: nothing was
// written then, and the caller loads the blueprints.
func generateKnown(opts Options, known *generators.Known, gone []string, out, repo string, cache *generators.Cache) (*Result, error) {
	result := &Result{}
	reach := known.Reach
	if len(gone) > 0 {
		reach.Loaded = slices.Sorted(slices.Values(append(slices.Clip(reach.Loaded), gone...)))
	}
	if opts.Env != "" && !slices.Contains(known.Envs, opts.Env) {
		return result, &EnvError{Env: opts.Env, Known: known.Envs}
	}
	gens := targets.Select(opts.Only)
	render := func(c *generators.Cache, _ *generators.Spill) ([]generators.File, error) {
		return generators.RunKnown(known, gens, c)
	}
	err := run(opts, render, &reach, result, out, repo, cache)
	if errors.Is(err, generators.ErrKnownChanged) {
		return nil, generators.ErrNotKnown // a file changed while it was read: the caller reads again
	}
	if err == nil {
		cache.Save()
	}
	return result, err
}

// loadKey names a load by all it depends on besides the files it reads (which the cache's Known checks
// one by one): the paths and options as given, and the working folder they are relative to, as the
// user reached it and as it really is.
func loadKey(opts Options) []byte {
	h := sha256.New()
	wd, _ := os.Getwd()
	for _, s := range append([]string{wd, paths.RealWd(), opts.Platform, opts.Root}, opts.Paths...) {
		fmt.Fprintf(h, "%d:%s\x00", len(s), s)
	}
	return h.Sum(nil)
}

// run renders, then writes or checks, with the cache (nil: none).
func run(opts Options, render func(*generators.Cache, *generators.Spill) ([]generators.File, error), reach *blueprints.Reach, result *Result, out, repo string, cache *generators.Cache) (err error) {
	// Content beyond a budget waits in a temporary file (peak memory): until it is written, or, for a
	// check, as long as the result's files are there to show as a diff.
	spill := generators.NewSpill(out)
	defer func() {
		if !opts.Check || err != nil || !slices.ContainsFunc(result.Roots, func(r Root) bool { return len(r.Drift.Files) > 0 }) {
			spill.Close()
		}
	}()
	files, err := render(cache, spill)
	if err != nil {
		return err
	}
	scope := generators.Scope{Targets: targets.InScope(opts.Only), Env: opts.Env, Reach: reach, Layout: targets.Layout, Yours: targets.Yours}
	// The renderings' garbage is collected before the output is read: the collector's next goal is
	// then twice what the files and the model take, not twice what was live during rendering.
	runtime.GC()
	result.Roots = splitRoots(out, repo, scope.Filter(files))
	if err := result.checkCustom(); err != nil {
		return err
	}
	if opts.Check {
		for i := range result.Roots {
			r := &result.Roots[i]
			if r.Drift, err = generators.CheckWith(r.Dir, r.Files, generators.WriteOptions{Scope: scope, Cache: cache}); err != nil {
				return err
			}
		}
		return nil
	}
	// Every root is prepared (checked and locked) before any is written: a conflict in one writes nothing.
	var plans []*generators.Plan
	defer func() {
		for _, p := range plans {
			p.Close()
		}
	}()
	for _, r := range result.Roots {
		plan, err := generators.Prepare(r.Dir, r.Files, generators.WriteOptions{Scope: scope, Force: opts.Force, Version: generators.Release, Cache: cache})
		if err == nil {
			// The output folder's record pins the release (the pipelines install the one it names):
			// an older binary does not rewrite it. The repository root's record is shared by every
			// output folder, each upgraded on its own, so its release is not judged.
			if release, ok := plan.Recorded(); ok && r.Dir == out && generators.NewerThanThis(release) && !opts.Force {
				plan.Close()
				return &NewerError{Dir: r.Dir, Release: release}
			}
		}
		if conflict := (*generators.ConflictError)(nil); errors.As(err, &conflict) {
			return fmt.Errorf("%s: %w", r.Dir, err)
		}
		if err != nil {
			return err
		}
		plans = append(plans, plan)
	}
	// Rendering and reading are over: what the cache knew from the last run, and the garbage of both,
	// are collected before the records are written, so that what Apply allocates reuses that memory
	// instead of growing the heap to the collector's next goal (twice what is live, the run's peak).
	cache.Done()
	runtime.GC()
	for _, p := range plans {
		s, err := p.Apply()
		if release, ok := p.Recorded(); ok {
			s.Upgrade = generators.UpgradeNotes(release, s.Written)
		}
		result.Summary = result.Summary.Add(s)
		if err != nil {
			return err
		}
	}
	return nil
}

// roots are the output folder and the repository root.
func roots(opts Options) (out, repo string) {
	repo = opts.Repo
	if repo == "" && opts.FS != nil {
		repo = opts.Output // blueprints in memory: no repository on disk to look for
	} else if repo == "" {
		repo = repoRoot(opts.Paths, opts.Output)
	}
	return opts.Output, repo
}

// splitRoots sorts the files into the output folder and the repository root (one root when they are
// the same folder, so one record holds everything).
func splitRoots(outDir, repo string, files []generators.File) []Root {
	a, errA := filepath.Abs(outDir)
	b, errB := filepath.Abs(repo)
	if errA == nil && errB == nil && a == b {
		return []Root{{Dir: outDir, Files: files}}
	}
	out, rep := Root{Dir: outDir}, Root{Dir: repo}
	for _, f := range files {
		if f.Kind.InRepo() {
			rep.Files = append(rep.Files, f)
		}
	}
	out.Files = make([]generators.File, 0, len(files)-len(rep.Files))
	for _, f := range files {
		if !f.Kind.InRepo() {
			out.Files = append(out.Files, f)
		}
	}
	// A root with nothing to write and no record of earlier writes (--only kubernetes) is left alone:
	// no empty record appears there.
	var roots []Root
	for _, r := range []Root{out, rep} {
		if len(r.Files) > 0 || hasRecord(r.Dir) {
			roots = append(roots, r)
		}
	}
	if len(roots) == 0 {
		roots = []Root{out} // nothing at all to write: the summary still names the output folder
	}
	return roots
}

func hasRecord(dir string) bool {
	_, err := os.Lstat(filepath.Join(dir, generators.StateDir))
	return err == nil
}

// repoRoot is the git repository that holds the first blueprint path; outside one, the output folder.
func repoRoot(blueprints []string, output string) string {
	start := "."
	if len(blueprints) > 0 {
		start = blueprints[0]
	}
	if st, err := os.Stat(start); err == nil && !st.IsDir() {
		start = filepath.Dir(start)
	}
	if r := paths.RepoRoot(start); r != "" {
		return r
	}
	return output
}

// envNames lists the environments of the platforms loaded, sorted, once each.
func envNames(res *blueprints.Resolved) []string {
	var envs []string
	for _, p := range res.Platforms {
		envs = append(envs, p.Spec.Environments...)
	}
	slices.Sort(envs)
	return slices.Compact(envs)
}
