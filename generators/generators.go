// Package generators is the contract between the blueprint model and the targets (kubernetes, terraform,
// ci, gitops): every target renders files in memory from a resolved platform, and Run collects them all
// before anything touches the disk.
package generators

import (
	"cmp"
	"errors"
	"fmt"
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"unicode"

	"github.com/gantry-dev/gantry/blueprints"
	"github.com/gantry-dev/gantry/internal/parallel"
)

// File is one generated file: a slash-separated path under its root, its bytes, and whose it is.
type File struct {
	Path   string
	Data   []byte
	Kind   Kind   // where it goes and who owns it once written
	Target string // the generator that made it; Run sets it
	Env    string // the environment it belongs to, "" when it serves every environment
	// Source is the service blueprint the file derives from (relative to the repository root), "" for
	// a platform-wide file, which derives from every service of Platform. Run sets both; the record
	// keeps them, so that a run removes only what the blueprints it speaks for no longer produce.
	Source   string
	Platform string
	// Hash is the content's SHA-256 (hex) for a file a Cache vouched for (Data is nil, the file is on
	// disk as it would be rendered) or a Spill keeps (Data is nil).
	Hash string
	// spill keeps the content of a spilled file (Data nil), spillLen bytes at spillAt.
	spill             *Spill
	spillAt, spillLen int64
}

// Content is the file's bytes: its Data, or what a Spill keeps for it. A file a Cache vouched for has
// none here (it is on disk as rendered).
func (f *File) Content() ([]byte, error) {
	return f.content(nil)
}

// content is Content, read into buf when the file was spilled.
func (f *File) content(buf []byte) ([]byte, error) {
	if f.spill != nil {
		return f.spill.read(buf, f.spillAt, f.spillLen)
	}
	return f.Data, nil
}

// sum is the hex SHA-256 of the file's content.
func (f *File) sum() string {
	if f.Data == nil && f.Hash != "" {
		return f.Hash
	}
	return hash(f.Data)
}

// Known reports whether the file stands for a rendering a Cache skipped.
func (f *File) Known() bool { return f.Data == nil && f.Hash != "" && f.spill == nil }

// Kind is where a file goes and who owns it after Gantry writes it: one value, so that no invalid
// combination (a seed that is also the user's default) can be said.
type Kind uint8

const (
	// Managed files live under the output folder and are Gantry's: replaced when the blueprint changes,
	// removed when it no longer produces them, drift when edited.
	Managed Kind = iota
	// Seeded files live under the output folder and are written only where missing, never compared or
	// replaced afterwards: a starting value that something else owns from then on (the image pin that
	// CI's promote step updates with `kustomize edit set image`). They are still recorded, so removing
	// the service removes them, or reports them as edited.
	Seeded
	// RepoManaged files live under the repository root (CI pipelines) and are Gantry's.
	RepoManaged
	// RepoDefault files live under the repository root (a Dockerfile beside the service's source) and
	// are defaults: a file already there that Gantry did not write is the user's own, and so is one
	// edited since Gantry wrote it; either is kept, --force or not, and leaves the record.
	RepoDefault
	// Custom files are the user's: Gantry seeds them once where missing (an empty, commented starting
	// point that its own files include), then never compares, replaces or reports them as drift, --force
	// or not. They are recorded with the seed's hash: removing the service removes one still as seeded
	// and leaves an edited one, the user's work, in place.
	Custom
	// RepoCustom is Custom under the repository root (a CI workflow or include of the user's own).
	RepoCustom
)

// InRepo reports whether files of kind k go under the repository root instead of the output folder.
func (k Kind) InRepo() bool { return k == RepoManaged || k == RepoDefault || k == RepoCustom }

// Yours reports whether files of kind k are the user's once seeded.
func (k Kind) Yours() bool { return k == Custom || k == RepoCustom }

// Customizable is implemented by targets that keep files of the user's own in the folders they write
// (a Terraform module's extra *.tf, a kustomize component's patches). Yours reports whether a path
// Gantry does not generate is one: the writer lists such files and never touches them.
type Customizable interface {
	Yours(path string) bool
}

// Generator renders one target for one service.
type Generator interface {
	Name() string
	Generate(p *blueprints.ResolvedPlatform, svc *blueprints.ResolvedService) ([]File, error)
	// Produces reports whether the target could have written path under its root: the writer honours
	// a record entry only there, so a tampered record cannot make Gantry delete any other file.
	Produces(path string) bool
}

// InRepoTarget is implemented by the targets whose files all go under the repository root (Kind.InRepo:
// pipelines, Dockerfiles, the Compose file), never the output folder: what a record of an output folder
// that is also the repository root tells apart.
type InRepoTarget interface {
	InRepo() bool
}

// Layout is a Produces (or any path matcher, such as a Change's Files) made of a regular expression,
// compiled on first use (not at start-up).
func Layout(pattern string) func(string) bool {
	re := sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(pattern) })
	return func(p string) bool { return re().MatchString(p) }
}

// Label and Name are the pieces of the layout patterns: a blueprint name (DNS-1123 label), a file name.
const (
	LabelRE = `[a-z0-9]([-a-z0-9]*[a-z0-9])?`
	NameRE  = `[A-Za-z0-9_][A-Za-z0-9._-]*`
)

// PlatformGenerator is implemented by targets that also render files shared by several services (a
// namespace, a team's project).
type PlatformGenerator interface {
	GeneratePlatform(p *blueprints.ResolvedPlatform) ([]File, error)
}

// Header is the first line of every generated file: what made it, from which blueprint, and how to
// change it. It carries Marker.
func Header(source string) string {
	return "# " + Origin(source) + ". Do not edit: change the blueprint and run `gantry generate`.\n"
}

// Origin is `<Marker> from <source>`, for a file whose first line says more than Header does. A file
// name may hold a line break or another control character: quoted, it cannot end the comment line.
func Origin(source string) string {
	if strings.IndexFunc(source, func(r rune) bool { return !unicode.IsPrint(r) }) >= 0 {
		source = strconv.Quote(source)
	}
	return Marker + " from " + source
}

// Root returns the output folder of a platform, relative to the output root: one folder per platform, so
// that the layout does not change when a second platform appears.
func Root(p *blueprints.ResolvedPlatform) string {
	return p.Name
}

// ServiceDir returns the folder of a service's files, relative to the output root.
func ServiceDir(p *blueprints.ResolvedPlatform, svc *blueprints.ResolvedService) string {
	return path.Join(Root(p), svc.Team, svc.Name)
}

// Run renders every target for every service of every platform, concurrently (at most GOMAXPROCS at
// once), and returns the files sorted by path. It fails on the first error, or when two targets claim
// the same path; nothing is written either way.
func Run(res *blueprints.Resolved, gens []Generator) ([]File, error) {
	return RunCached(res, gens, nil, nil)
}

// RunCached is Run that skips the renderings a Cache vouches for (their files come without data) and
// tells the cache what it rendered. A nil cache renders everything. With a Spill, the renderings' files
// beyond its budget keep their content on disk.
func RunCached(res *blueprints.Resolved, gens []Generator, cache *Cache, spill *Spill) ([]File, error) {
	var jobs []job
	for _, p := range res.Platforms {
		var fps map[*blueprints.ResolvedService][32]byte
		var wide [32]byte
		if cache != nil {
			var err error
			if fps, wide, err = fingerprints(p); err != nil {
				cache.forgetLoad()
				cache = nil // a value the fingerprint cannot see: render everything
			} else {
				cache.keepPlatform(p, fps, wide)
			}
		}
		for _, g := range gens {
			if pg, ok := g.(PlatformGenerator); ok {
				jobs = append(jobs, job{platform: p.Name, fp: wide, g: g, render: func() ([]File, error) {
					files, err := pg.GeneratePlatform(p)
					if err != nil {
						err = fmt.Errorf("%s: platform %s: %w", g.Name(), p.Name, err)
					}
					return files, err
				}})
			}
			for _, s := range p.Services {
				jobs = append(jobs, job{platform: p.Name, source: s.Source, fp: fps[s], g: g, render: func() ([]File, error) {
					files, err := g.Generate(p, s)
					if err != nil {
						err = fmt.Errorf("%s: service %s (%s): %w", g.Name(), s.Name, s.File, err)
					}
					return files, err
				}})
			}
		}
	}
	return runJobs(jobs, cache, spill)
}

// RunKnown is RunCached for a Known load, without its blueprints: every rendering must be one the cache
// vouches for; else it returns ErrNotKnown, and the caller loads the blueprints and runs RunCached.
func RunKnown(k *Known, gens []Generator, cache *Cache) ([]File, error) {
	if cache == nil {
		return nil, ErrNotKnown
	}
	var jobs []job
	for _, p := range k.platforms {
		for _, g := range gens {
			if _, ok := g.(PlatformGenerator); ok {
				jobs = append(jobs, job{platform: p.Name, fp: p.Wide, g: g})
			}
			for _, s := range p.Services {
				jobs = append(jobs, job{platform: p.Name, source: s.Source, fp: s.FP, g: g})
			}
		}
	}
	return runJobs(jobs, cache, nil)
}

// ErrNotKnown is a rendering RunKnown cannot skip: a file of it changed, or the cache does not hold it.
var ErrNotKnown = errors.New("a rendering the cache does not vouch for")

// job is one rendering: a generator's files for a service (source) or for a platform's platform-wide
// files (source ""), and the fingerprint of everything it reads.
type job struct {
	platform, source string
	fp               [32]byte
	g                Generator
	render           func() ([]File, error) // nil: known only by its fingerprint (RunKnown)
}

// runJobs runs the jobs a few at a time, skipping those the cache vouches for, and collects their files.
func runJobs(jobs []job, cache *Cache, spill *Spill) ([]File, error) {
	results := make([][]File, len(jobs))
	errs := make([]error, len(jobs))
	// A job known only by its fingerprint that the cache does not vouch for ends a RunKnown: the others
	// need not be looked at. (A rendering's error does not: the first by the jobs' order is returned.)
	var unknown atomic.Bool
	parallel.Do(parallel.Workers(len(jobs)), len(jobs), func(_, i int) {
		j := jobs[i]
		if j.render == nil && unknown.Load() {
			return
		}
		var key [32]byte
		skipped := false
		if cache != nil {
			key = cache.jobKey(j.fp, j.g.Name())
			results[i], skipped = cache.skip(key)
		}
		if !skipped {
			if j.render == nil {
				errs[i] = ErrNotKnown
				unknown.Store(true)
				return
			}
			if results[i], errs[i] = j.render(); errs[i] != nil {
				return
			}
			if cache != nil {
				cache.remember(key, results[i])
			}
			spill.keep(results[i])
		}
		for k := range results[i] {
			f := &results[i][k]
			f.Target, f.Platform = j.g.Name(), j.platform
			if j.source != "" {
				f.Source = j.source
			}
		}
	})
	n := 0
	for i := range jobs {
		if errs[i] != nil {
			return nil, errs[i]
		}
		n += len(results[i])
	}
	files := make([]File, 0, n)
	for i := range jobs {
		files = append(files, results[i]...)
	}
	slices.SortFunc(files, func(a, b File) int { return cmp.Or(cmp.Compare(a.Path, b.Path), cmp.Compare(a.Platform, b.Platform)) })
	// A file shared by platforms (GitLab's root .gitlab-ci.yml) comes once per platform, the same
	// each time: keep one (the first platform's, by name). Different contents at one path is a layout
	// clash validation missed.
	files = slices.CompactFunc(files, func(a, b File) bool {
		return a.Path == b.Path && a.Kind == b.Kind && a.Target == b.Target && a.Source == "" && b.Source == "" && a.sum() == b.sum()
	})
	for i := 1; i < len(files); i++ {
		if a, b := files[i-1], files[i]; a.Path == b.Path {
			return nil, fmt.Errorf("the %s and %s targets both produce %s: rename the service, team or platform whose name it holds (please report this: validation should have caught it)", a.Target, b.Target, b.Path)
		}
	}
	for _, f := range files {
		if err := CheckPath(f.Path); err != nil {
			return nil, err
		}
	}
	return files, nil
}

// CheckPath rejects a generated path that could leave the output root. Blueprint names are validated
// before generation, so this is a second line of defence, not the first.
func CheckPath(p string) error {
	switch {
	case p == "" || strings.ContainsAny(p, "\\\x00") || path.IsAbs(p) || path.Clean(p) != p:
		return fmt.Errorf("refusing to write %q: not a clean relative path", p)
	case p == ".." || strings.HasPrefix(p, "../"):
		return fmt.Errorf("refusing to write %q: outside the output folder", p)
	}
	for part := range strings.SplitSeq(p, "/") {
		if part == ".git" || part == StateDir {
			return fmt.Errorf("refusing to write %q: inside a repository's or Gantry's own folder", p)
		}
	}
	return nil
}
