package blueprints

import (
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
)

// MaxFiles caps the blueprint files of one run.
const MaxFiles = 10000

// PlatformFileNames are the names a platform file is found by, beside or above the blueprints.
var PlatformFileNames = []string{"gantry.yaml", "platform.yaml"}

// DefaultDir is where blueprints are looked for when no path is given (else the current folder).
const DefaultDir = "blueprints"

// LoadOptions says which blueprints to load.
type LoadOptions struct {
	// Paths are files and folders; folders are searched recursively for blueprints. Empty means
	// DefaultDir when it exists, else the current folder.
	Paths []string
	// PlatformFile, when set, is the platform for every service, instead of the nearest platform file.
	PlatformFile string
	// Root, when set, is the repository root that blueprint paths are shown relative to in generated
	// files, instead of the nearest folder with .git above each blueprint (gantry new sets it: its
	// output must not depend on whether git is installed).
	Root string
}

// Load parses, validates, applies defaults and resolves every blueprint named by opts, grouped by
// platform. It returns every problem at once; the result is only safe to generate from when the
// diagnostics have no errors.
func Load(opts LoadOptions) (*Resolved, Diagnostics) {
	l := &loader{platformAt: map[string]*File{}, parsed: map[string]*File{}, data: map[string][]byte{}, rootAt: map[string]string{}, root: opts.Root}
	paths := opts.Paths
	if len(paths) == 0 {
		paths = []string{"."}
		if st, err := os.Stat(DefaultDir); err == nil && st.IsDir() {
			paths = []string{DefaultDir}
		}
	}
	complete := true
	var searched []string
	for _, p := range paths {
		if isFile := l.collect(p); isFile {
			complete = false
		} else {
			searched = append(searched, l.searched(filepath.ToSlash(p)))
		}
	}
	if len(l.files) > MaxFiles {
		l.add(Diagnostic{Pos: Pos{File: paths[0]}, Message: fmt.Sprintf("more than %d blueprint files", MaxFiles),
			Hint: "validate the platform's folders one at a time"})
		return &Resolved{}, l.diags.Sorted()
	}
	slices.Sort(l.files)
	l.files = slices.Compact(l.files)
	if len(l.files) == 0 && len(l.diags) == 0 {
		l.add(Diagnostic{Pos: Pos{File: strings.Join(paths, ", ")}, Message: "no blueprints found",
			Hint: "a blueprint is a .yaml file with `apiVersion: gantry.dev/v1`; create one with `gantry init NAME`"})
	}
	var explicit *File
	if opts.PlatformFile != "" {
		path := filepath.ToSlash(filepath.Clean(opts.PlatformFile))
		if _, err := os.Stat(path); err != nil {
			l.add(Diagnostic{Pos: Pos{File: path}, Message: "--platform: " + ioMessage(err),
				Hint: "name the platform file (kind: Platform), or leave --platform out to use the nearest gantry.yaml or platform.yaml"})
			return &Resolved{}, l.diags.Sorted()
		}
		explicit = l.parse(path)
		if explicit != nil && explicit.Kind != KindPlatform {
			l.add(Diagnostic{Pos: posOf(explicit.Path, explicit.nodes["kind"]), Path: "kind", Message: "--platform names a file that is not a Platform",
				Hint: "give the file with `kind: Platform`"})
			explicit = nil
		}
	}
	var services []*File
	for _, path := range l.files {
		f := l.parse(path)
		if f == nil {
			continue
		}
		switch {
		case f.Kind == KindService:
			services = append(services, f)
		case explicit != nil && f.Path != explicit.Path:
			l.add(Diagnostic{Pos: Pos{File: f.Path}, Message: "platform file not used: --platform " + explicit.Path + " applies",
				Severity: SeverityWarning})
		case explicit == nil:
			dir := absDir(f.Path)
			if other := l.platformAt[dir]; other != nil && other.Path != f.Path {
				l.add(Diagnostic{Pos: Pos{File: f.Path}, Message: "a second platform file in the same folder (the other is " + other.Path + ")",
					Hint: "keep one platform file per folder"})
				continue
			}
			l.platformAt[dir] = f
		}
	}

	groups := map[*File][]*File{} // platform file (nil: built-in) -> services
	for _, s := range services {
		p := explicit
		if p == nil {
			p = l.platformFor(absDir(s.Path))
		}
		groups[p] = append(groups[p], s)
	}
	if explicit != nil {
		if _, ok := groups[explicit]; !ok {
			groups[explicit] = nil
		}
	}
	for _, f := range l.platformAt {
		if _, ok := groups[f]; !ok && f != nil {
			groups[f] = nil // a platform with no service yet is still validated
		}
	}
	res := &Resolved{Reach: Reach{Complete: complete, Searched: slices.Compact(slices.Sorted(slices.Values(searched)))}}
	for pf, svcs := range groups {
		rp := l.resolveGroup(pf, svcs, complete)
		res.Platforms = append(res.Platforms, rp)
		res.Reach.Platforms = append(res.Reach.Platforms, rp.Name)
		if rp.Source != "" {
			res.Reach.Loaded = append(res.Reach.Loaded, rp.Source)
		}
		for _, s := range rp.Services {
			res.Reach.Loaded = append(res.Reach.Loaded, s.Source)
		}
	}
	slices.Sort(res.Reach.Platforms)
	slices.Sort(res.Reach.Loaded)
	slices.SortFunc(res.Platforms, func(a, b *ResolvedPlatform) int {
		return cmp.Or(cmp.Compare(a.Name, b.Name), cmp.Compare(a.Source, b.Source))
	})
	for i := 1; i < len(res.Platforms); i++ {
		// Each platform's output goes to a folder named after it.
		if a, b := res.Platforms[i-1], res.Platforms[i]; a.Name == b.Name {
			pos := Pos{File: b.File}
			if f := l.parsed[b.File]; f != nil {
				pos = posOf(f.Path, f.nodes["metadata.name"])
			}
			l.add(Diagnostic{Pos: pos, Path: "metadata.name", Severity: SeverityError,
				Message: fmt.Sprintf("platform %q is also defined in %s", b.Name, cmp.Or(a.File, "the built-in platform")),
				Hint:    "give each platform its own name; its output goes to a folder of that name"})
		}
	}
	return res, l.diags.Sorted().Capped().Sanitized()
}

type loader struct {
	files      []string
	parsed     map[string]*File
	data       map[string][]byte // read while searching a folder, parsed later
	platformAt map[string]*File  // absolute folder -> platform file in it (nil: none)
	rootAt     map[string]string // absolute folder -> its repository root ("" outside one)
	root       string            // LoadOptions.Root
	diags      Diagnostics
}

func (l *loader) add(d Diagnostic) { l.diags = append(l.diags, d) }

// blueprintSniff tells a Gantry blueprint from other YAML met while searching a folder, such as Kubernetes
// manifests (Gantry's own output among them), which also say `kind: Service`.
// A file with no apiVersion line at all but a blueprint's kind is taken too, so that a forgotten
// apiVersion is reported rather than the file silently skipped.
var (
	blueprintSniff = regexp.MustCompile(`(?m)^(\xef\xbb\xbf)?apiVersion:\s*["']?gantry\.dev/`)
	anyAPIVersion  = regexp.MustCompile(`(?m)^(\xef\xbb\xbf)?apiVersion:`)
	blueprintKind  = regexp.MustCompile(`(?m)^(\xef\xbb\xbf)?kind:\s*["']?(Service|Platform)["']?\s*(#.*)?$`)
)

func looksLikeBlueprint(data []byte) bool {
	return blueprintSniff.Match(data) || (!anyAPIVersion.Match(data) && blueprintKind.Match(data))
}

// collect adds the blueprint files under p and reports whether p is a single file.
func (l *loader) collect(p string) bool {
	st, err := os.Stat(p)
	if err != nil {
		l.add(Diagnostic{Pos: Pos{File: filepath.ToSlash(p)}, Message: ioMessage(err), Hint: "give a blueprint file or a folder of them"})
		return true
	}
	if !st.IsDir() {
		l.files = append(l.files, filepath.ToSlash(filepath.Clean(p)))
		return true
	}
	err = filepath.WalkDir(p, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			l.add(Diagnostic{Pos: Pos{File: filepath.ToSlash(path)}, Message: ioMessage(err)})
			return nil
		}
		name := d.Name()
		if d.IsDir() {
			if path != p && (strings.HasPrefix(name, ".") || name == "testdata" || name == "node_modules" || name == "vendor") {
				return filepath.SkipDir
			}
			return nil
		}
		if !d.Type().IsRegular() || !(strings.HasSuffix(name, ".yaml") || strings.HasSuffix(name, ".yml")) {
			return nil
		}
		path = filepath.ToSlash(path)
		data, err := readLimited(path)
		if err != nil {
			l.add(Diagnostic{Pos: Pos{File: path}, Message: ioMessage(err)})
			return nil
		}
		if looksLikeBlueprint(data) {
			l.files = append(l.files, path)
			l.data[path] = data
		}
		if len(l.files) > MaxFiles {
			return filepath.SkipAll
		}
		return nil
	})
	if err != nil {
		l.add(Diagnostic{Pos: Pos{File: filepath.ToSlash(p)}, Message: ioMessage(err)})
	}
	return false
}

// parse reads and parses a file once; nil when it cannot be read as a blueprint (already reported).
func (l *loader) parse(path string) *File {
	if f, ok := l.parsed[path]; ok {
		return f
	}
	data, ok := l.data[path]
	if !ok {
		var err error
		if data, err = readLimited(path); err != nil {
			l.add(Diagnostic{Pos: Pos{File: path}, Message: ioMessage(err)})
			l.parsed[path] = nil
			return nil
		}
	}
	if len(data) > MaxFileSize {
		// Only the first MaxFileSize+1 bytes were read: report the file's real size.
		size := int64(len(data))
		if st, err := os.Stat(path); err == nil {
			size = st.Size()
		}
		l.add(Diagnostic{Pos: Pos{File: path}, Message: fmt.Sprintf("file is %d bytes, more than the limit of %d", size, MaxFileSize),
			Hint: "a blueprint is a short file; split it or remove what is not a blueprint"})
		l.parsed[path] = nil
		return nil
	}
	delete(l.data, path)
	f, diags := Parse(path, data)
	l.diags = append(l.diags, diags...)
	l.parsed[path] = f
	return f
}

// readLimited reads at most MaxFileSize+1 bytes, enough for Parse to report an oversized file without
// reading all of a huge one.
func readLimited(path string) ([]byte, error) {
	fh, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer fh.Close()
	var b bytes.Buffer
	_, err = io.Copy(&b, io.LimitReader(fh, MaxFileSize+1))
	return b.Bytes(), err
}

func ioMessage(err error) string {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		err = pe.Err
	}
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return "no such file or folder"
	case errors.Is(err, fs.ErrPermission):
		return "permission denied"
	}
	return err.Error()
}

func absDir(path string) string {
	abs, err := filepath.Abs(filepath.FromSlash(path))
	if err != nil {
		return filepath.Dir(path)
	}
	return filepath.Dir(abs)
}

// platformFor finds the platform of a service in dir: the nearest platform file in dir or a folder above
// it, stopping at the repository root (the folder with .git).
func (l *loader) platformFor(dir string) *File {
	if f, ok := l.platformAt[dir]; ok {
		return f
	}
	var found *File
	for _, name := range PlatformFileNames {
		path := filepath.Join(dir, name)
		if st, err := os.Stat(path); err == nil && st.Mode().IsRegular() {
			found = l.parse(DisplayPath(path))
			if found != nil && found.Kind != KindPlatform {
				l.add(Diagnostic{Pos: posOf(found.Path, found.nodes["kind"]), Path: "kind",
					Message: name + " is found as the platform file but is not kind: Platform", Hint: "rename it, or make it the platform"})
				found = nil
			}
			if found != nil {
				break
			}
		}
	}
	if found == nil {
		_, gitErr := os.Stat(filepath.Join(dir, ".git"))
		if parent := filepath.Dir(dir); gitErr != nil && parent != dir {
			found = l.platformFor(parent)
		}
	}
	l.platformAt[dir] = found
	return found
}

// RepoRoot is the repository (the nearest folder with .git) holding dir, or "" outside one.
func RepoRoot(dir string) string {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return ""
	}
	return (&loader{rootAt: map[string]string{}}).repoRoot(abs)
}

// sourcePath names a blueprint file relative to the root of its repository (LoadOptions.Root, else
// the nearest folder with .git), so that what Gantry writes about it does not depend on the working
// folder; outside a repository, the file name alone. Each folder's repository root is looked up once:
// a platform of many services pays one walk per folder, not per file.
func (l *loader) sourcePath(p string) string {
	abs, err := filepath.Abs(filepath.FromSlash(p))
	if err != nil {
		return p
	}
	root := l.root
	if root != "" {
		if root, err = filepath.Abs(root); err != nil {
			return p
		}
	} else {
		root = l.repoRoot(filepath.Dir(abs))
	}
	if root == "" {
		return filepath.Base(abs)
	}
	rel, err := filepath.Rel(root, abs)
	if err != nil {
		return filepath.Base(abs)
	}
	return filepath.ToSlash(rel)
}

// repoRoot is the nearest folder at or above dir holding .git, or "" when there is none.
func (l *loader) repoRoot(dir string) string {
	if r, ok := l.rootAt[dir]; ok {
		return r
	}
	var r string
	if _, err := os.Stat(filepath.Join(dir, ".git")); err == nil {
		r = dir
	} else if parent := filepath.Dir(dir); parent != dir {
		r = l.repoRoot(parent)
	}
	l.rootAt[dir] = r
	return r
}

// DisplayPath shows a path relative to the working folder where it is below it, with slashes.
func DisplayPath(p string) string {
	abs, err := filepath.Abs(p)
	if err != nil {
		return filepath.ToSlash(p)
	}
	if wd, err := os.Getwd(); err == nil {
		if rel, err := filepath.Rel(wd, abs); err == nil && !strings.HasPrefix(rel, "..") {
			return filepath.ToSlash(rel)
		}
	}
	return filepath.ToSlash(abs)
}
