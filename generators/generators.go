// Package generators is the contract between the blueprint model and the targets (kubernetes, terraform,
// ci, gitops): every target renders files in memory from a resolved platform, and Run collects them all
// before anything touches the disk.
package generators

import (
	"bytes"
	"cmp"
	"fmt"
	"path"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"unicode"

	"github.com/gantry-dev/gantry/blueprints"
)

// File is one generated file: a slash-separated path under the output root, and its bytes.
type File struct {
	Path   string
	Data   []byte
	Target string // the generator that made it; Run sets it
	Env    string // the environment it belongs to, "" when it serves every environment
	// Repo puts the file under the repository root (a Dockerfile beside the service's source, a CI
	// workflow) instead of the output folder.
	Repo bool
	// KeepExisting leaves a file that is already there and that Gantry did not write alone, without a
	// conflict: it is a default the user has replaced (their own Dockerfile).
	KeepExisting bool
	// Seed is written only where it is missing, and never compared or replaced afterwards: a starting
	// value that something else owns from then on (the image pin that CI's promote step updates with
	// `kustomize edit set image`). It is still tracked, so removing the service removes it, or reports
	// it as edited.
	Seed bool
}

// Generator renders one target for one service.
type Generator interface {
	Name() string
	Generate(p *blueprints.ResolvedPlatform, svc *blueprints.ResolvedService) ([]File, error)
}

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
	type job struct {
		p   *blueprints.ResolvedPlatform
		svc *blueprints.ResolvedService // nil: the platform-wide files
		g   Generator
	}
	var jobs []job
	for _, p := range res.Platforms {
		for _, g := range gens {
			if _, ok := g.(PlatformGenerator); ok {
				jobs = append(jobs, job{p: p, g: g})
			}
			for _, s := range p.Services {
				jobs = append(jobs, job{p: p, svc: s, g: g})
			}
		}
	}
	results := make([][]File, len(jobs))
	errs := make([]error, len(jobs))
	sem := make(chan struct{}, runtime.GOMAXPROCS(0))
	var wg sync.WaitGroup
	for i, j := range jobs {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			if j.svc == nil {
				results[i], errs[i] = j.g.(PlatformGenerator).GeneratePlatform(j.p)
				if errs[i] != nil {
					errs[i] = fmt.Errorf("%s: platform %s: %w", j.g.Name(), j.p.Name, errs[i])
				}
			} else {
				results[i], errs[i] = j.g.Generate(j.p, j.svc)
				if errs[i] != nil {
					errs[i] = fmt.Errorf("%s: service %s (%s): %w", j.g.Name(), j.svc.Name, j.svc.File, errs[i])
				}
			}
			for k := range results[i] {
				results[i][k].Target = j.g.Name()
			}
		}()
	}
	wg.Wait()
	var files []File
	for i := range jobs {
		if errs[i] != nil {
			return nil, errs[i]
		}
		files = append(files, results[i]...)
	}
	slices.SortFunc(files, func(a, b File) int { return cmp.Compare(a.Path, b.Path) })
	// A file shared by platforms (GitLab's root .gitlab-ci.yml) comes once per platform, the same
	// each time: keep one. Different contents at one path is a layout clash validation missed.
	files = slices.CompactFunc(files, func(a, b File) bool {
		return a.Path == b.Path && a.Repo == b.Repo && a.Target == b.Target && bytes.Equal(a.Data, b.Data)
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
	return nil
}
