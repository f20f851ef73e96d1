package blueprints

import (
	"cmp"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"github.com/gantry-dev/gantry/internal/parallel"
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
	// FS, when set, is where the paths are: slash paths from its root (tests, fuzzers and gantry new
	// load from memory). nil: the operating system's files, paths as the user wrote them. Load reads it
	// from several goroutines at once, as it may os.DirFS and fstest.MapFS.
	FS fs.FS
	// Track, when set with FS nil, is told the absolute path of every file and folder Load reads, lists,
	// looks at or looks for (from several goroutines at once, each path perhaps several times), and of
	// those the Reach it returns looks for later: while none of them changes, neither does what Load
	// returns for the same options from the same working folder (the generate cache's known load).
	Track func(path string)
}

// Load parses, validates, applies defaults and resolves every blueprint named by opts, grouped by
// platform. It returns every problem at once; the result is only safe to generate from when the
// diagnostics have no errors.
func Load(opts LoadOptions) (*Resolved, Diagnostics) {
	l := &loader{fs: newFiles(opts.FS, opts.Track), platformAt: map[string]*File{}, parsed: map[string]*File{}, ahead: map[string]parseResult{}, data: map[string][]byte{},
		keys: map[string]string{}, rootAt: map[string]string{}}
	if opts.Root != "" {
		l.root = l.fs.key(opts.Root)
	}
	paths := opts.Paths
	if len(paths) == 0 {
		paths = []string{"."}
		if st, err := l.fs.stat(l.fs.key(DefaultDir)); err == nil && st.IsDir() {
			paths = []string{DefaultDir}
		}
	}
	reach := Reach{Complete: true, Members: map[string][]string{}, exists: l.fs.existsUnder}
	for _, p := range paths {
		if isFile := l.collect(p); isFile {
			reach.Complete = false
		} else {
			s := l.searched(p)
			reach.searched = append(reach.searched, s)
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
	explicit, ok := l.explicitPlatform(opts.PlatformFile)
	if !ok {
		return &Resolved{}, l.diags.Sorted()
	}
	res := &Resolved{Reach: reach}
	for pf, svcs := range l.group(explicit) {
		rp := l.resolveGroup(pf, svcs, reach.Complete)
		res.Platforms = append(res.Platforms, rp)
		var members []string
		if rp.Source != "" {
			members = append(members, rp.Source)
		}
		for _, s := range rp.Services {
			members = append(members, s.Source)
		}
		slices.Sort(members)
		res.Reach.Members[rp.Name] = slices.Compact(members)
		res.Reach.Loaded = append(res.Reach.Loaded, members...)
	}
	slices.Sort(res.Reach.Loaded)
	res.Reach.Loaded = slices.Compact(res.Reach.Loaded)
	slices.SortFunc(res.Platforms, func(a, b *ResolvedPlatform) int {
		return cmp.Or(cmp.Compare(a.Name, b.Name), cmp.Compare(a.Source, b.Source))
	})
	l.uniquePlatformNames(res.Platforms)
	l.uniqueRepoFiles(res.Platforms)
	slices.Sort(l.unresolved)
	res.Unresolved = slices.Compact(l.unresolved)
	return res, l.diags.Sorted().Capped().Sanitized()
}

// explicitPlatform parses --platform's file; false when it cannot be used (reported).
func (l *loader) explicitPlatform(name string) (*File, bool) {
	if name == "" {
		return nil, true
	}
	path := filepath.ToSlash(filepath.Clean(name))
	if _, err := l.fs.stat(l.fs.key(path)); err != nil {
		l.add(Diagnostic{Pos: Pos{File: path}, Message: "--platform: " + ioMessage(err),
			Hint: "name the platform file (kind: Platform), or leave --platform out to use the nearest gantry.yaml or platform.yaml"})
		return nil, false
	}
	l.keys[path] = l.fs.key(path)
	f := l.parse(path)
	if f != nil && f.Kind != KindPlatform {
		l.add(Diagnostic{Pos: posOf(f.Path, f.nodes["kind"]), Path: "kind", Message: "--platform names a file that is not a Platform",
			Hint: "give the file with `kind: Platform`"})
		f = nil
	}
	return f, true
}

// group parses every file found and groups the services by their platform file (nil: the built-in
// platform); a platform with no service yet is still there, to be validated.
func (l *loader) group(explicit *File) map[*File][]*File {
	l.parseAhead(l.files)
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
			dir := l.dirOf(f.Path)
			if other := l.platformAt[dir]; other != nil && other.Path != f.Path {
				l.add(Diagnostic{Pos: Pos{File: f.Path}, Message: "a second platform file in the same folder (the other is " + other.Path + ")",
					Hint: "keep one platform file per folder"})
				continue
			}
			l.platformAt[dir] = f
		}
	}
	groups := map[*File][]*File{}
	for _, s := range services {
		p := explicit
		if p == nil {
			p = l.platformFor(l.dirOf(s.Path))
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
			groups[f] = nil
		}
	}
	return groups
}

// uniquePlatformNames reports two platforms of one name: each platform's output goes to a folder
// named after it.
func (l *loader) uniquePlatformNames(platforms []*ResolvedPlatform) {
	for i := 1; i < len(platforms); i++ {
		if a, b := platforms[i-1], platforms[i]; a.Name == b.Name {
			pos := Pos{File: b.File}
			if f := l.parsed[b.File]; f != nil {
				pos = posOf(f.Path, f.nodes["metadata.name"])
			}
			l.add(Diagnostic{Pos: pos, Path: "metadata.name", Severity: SeverityError,
				Message: fmt.Sprintf("platform %q is also defined in %s", b.Name, cmp.Or(a.File, "the built-in platform")),
				Hint:    "give each platform its own name; its output goes to a folder of that name"})
		}
	}
}

type loader struct {
	fs         files
	files      []string          // as the user sees them
	keys       map[string]string // a file as the user sees it -> its key in fs
	parsed     map[string]*File
	ahead      map[string]parseResult // parsed by parseAhead, not yet taken by parse
	data       map[string][]byte      // read while searching a folder, parsed later
	platformAt map[string]*File       // folder key -> platform file in it (nil: none)
	rootAt     map[string]string      // folder key -> its repository root's key ("" outside one)
	root       string                 // LoadOptions.Root's key
	diags      Diagnostics
	unresolved []string // calls and callers naming a service among no blueprint loaded (only some were named)
}

func (l *loader) add(d Diagnostic) { l.diags = append(l.diags, d) }

// dirOf is the key of the folder holding a file the user sees as p.
func (l *loader) dirOf(p string) string {
	k, ok := l.keys[p]
	if !ok {
		k = l.fs.key(p)
	}
	return path.Dir(k)
}

// blueprintSniff tells a Gantry blueprint from other YAML met while searching a folder, such as Kubernetes
// manifests (Gantry's own output among them), which also say `kind: Service`.
// A file with no apiVersion line at all but a blueprint's kind is taken too, so that a forgotten
// apiVersion is reported rather than the file silently skipped.
var (
	blueprintSniff = lazyRegexp(`(?m)^(\xef\xbb\xbf)?apiVersion:\s*["']?gantry\.dev/`)
	anyAPIVersion  = lazyRegexp(`(?m)^(\xef\xbb\xbf)?apiVersion:`)
	blueprintKind  = lazyRegexp(`(?m)^(\xef\xbb\xbf)?kind:\s*["']?(Service|Platform)["']?\s*(#.*)?$`)
)

func looksLikeBlueprint(data []byte) bool {
	return blueprintSniff().Match(data) || (!anyAPIVersion().Match(data) && blueprintKind().Match(data))
}

// collect adds the blueprint files under p and reports whether p is a single file.
func (l *loader) collect(p string) bool {
	root := l.fs.key(p)
	st, err := l.fs.stat(root)
	if err != nil {
		l.add(Diagnostic{Pos: Pos{File: filepath.ToSlash(p)}, Message: ioMessage(err), Hint: "give a blueprint file or a folder of them"})
		return true
	}
	if !st.IsDir() {
		shown := filepath.ToSlash(filepath.Clean(p))
		l.files = append(l.files, shown)
		l.keys[shown] = root
		return true
	}
	shownRoot := filepath.ToSlash(filepath.Clean(p))
	err = fs.WalkDir(l.fs.fsys, root, func(key string, d fs.DirEntry, err error) error {
		// As the user wrote the folder, then the path inside it.
		shown := shownRoot
		if key != root {
			shown = path.Join(shownRoot, strings.TrimPrefix(key, root+"/"))
			if root == "." {
				shown = path.Join(shownRoot, key)
			}
		}
		if err != nil {
			l.add(Diagnostic{Pos: Pos{File: shown}, Message: ioMessage(err)})
			return nil
		}
		name := d.Name()
		if d.IsDir() {
			if key != root && (strings.HasPrefix(name, ".") || name == "testdata" || name == "node_modules" || name == "vendor") {
				return fs.SkipDir
			}
			return nil
		}
		if !d.Type().IsRegular() || !(strings.HasSuffix(name, ".yaml") || strings.HasSuffix(name, ".yml")) {
			return nil
		}
		data, err := l.fs.readLimited(key)
		if err != nil {
			l.add(Diagnostic{Pos: Pos{File: shown}, Message: ioMessage(err)})
			return nil
		}
		if looksLikeBlueprint(data) {
			l.files = append(l.files, shown)
			l.keys[shown] = key
			l.data[shown] = data
		}
		if len(l.files) > MaxFiles {
			return fs.SkipAll
		}
		return nil
	})
	if err != nil {
		l.add(Diagnostic{Pos: Pos{File: shownRoot}, Message: ioMessage(err)})
	}
	return false
}

// parse reads and parses a file once; nil when it cannot be read as a blueprint (already reported).
// A file parsed ahead (parseAhead) is taken as it is, its diagnostics added here, in the caller's order.
func (l *loader) parse(shown string) *File {
	if f, ok := l.parsed[shown]; ok {
		return f
	}
	r, ok := l.ahead[shown]
	if !ok {
		r = l.readParse(shown, l.keyOf(shown))
	}
	delete(l.ahead, shown)
	delete(l.data, shown)
	l.diags = append(l.diags, r.diags...)
	l.parsed[shown] = r.f
	return r.f
}

// parseResult is one file's parse: the file (nil when it cannot be read as a blueprint) and its problems.
type parseResult struct {
	f     *File
	diags Diagnostics
}

// readParse reads and parses a file. It only reads the loader, so that parseAhead can run it for
// many files at once.
func (l *loader) readParse(shown, key string) parseResult {
	data, ok := l.data[shown]
	if !ok {
		var err error
		if data, err = l.fs.readLimited(key); err != nil {
			return parseResult{diags: Diagnostics{{Pos: Pos{File: shown}, Message: ioMessage(err)}}}
		}
	}
	if len(data) > MaxFileSize {
		// Only the first MaxFileSize+1 bytes were read: report the file's real size.
		size := int64(len(data))
		if st, err := l.fs.stat(key); err == nil {
			size = st.Size()
		}
		return parseResult{diags: Diagnostics{{Pos: Pos{File: shown}, Message: fmt.Sprintf("file is %d bytes, more than the limit of %d", size, MaxFileSize),
			Hint: "a blueprint is a short file; split it or remove what is not a blueprint"}}}
	}
	f, diags := Parse(shown, data)
	return parseResult{f: f, diags: diags}
}

// parseAhead reads and parses the files not parsed yet on every processor, for parse to take in
// order: a file's parse depends on its bytes alone, and parsing is much of the time a large platform
// takes to load.
func (l *loader) parseAhead(shown []string) {
	var todo []string
	for _, s := range shown {
		if _, ok := l.parsed[s]; !ok {
			l.keyOf(s) // the workers only read l.keys
			todo = append(todo, s)
		}
	}
	results := make([]parseResult, len(todo))
	parallel.Do(parallel.Workers(len(todo)), len(todo), func(_, i int) {
		results[i] = l.readParse(todo[i], l.keys[todo[i]])
	})
	for i, s := range todo {
		l.ahead[s] = results[i]
	}
}

// worker is a loader for another goroutine while services are resolved (resolveServices): it shares
// what resolving only reads, the files and their keys, and has its own diagnostics and cache of
// repository roots.
func (l *loader) worker() *loader {
	return &loader{fs: l.fs, keys: l.keys, root: l.root, rootAt: maps.Clone(l.rootAt)}
}

// keyOf is the key in fs of a file the user sees as shown, remembered.
func (l *loader) keyOf(shown string) string {
	key, ok := l.keys[shown]
	if !ok {
		key = l.fs.key(shown)
		l.keys[shown] = key
	}
	return key
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

// platformFor finds the platform of a service in the folder dir (a key): the nearest platform file in
// dir or a folder above it, stopping at the repository root (the folder with .git).
func (l *loader) platformFor(dir string) *File {
	if f, ok := l.platformAt[dir]; ok {
		return f
	}
	var found *File
	for _, name := range PlatformFileNames {
		key := path.Join(dir, name)
		if st, err := l.fs.stat(key); err == nil && st.Mode().IsRegular() {
			shown := l.fs.display(key)
			l.keys[shown] = key
			found = l.parse(shown)
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
	if up, ok := parent(dir); found == nil && ok && !l.fs.exists(path.Join(dir, ".git")) {
		found = l.platformFor(up)
	}
	l.platformAt[dir] = found
	return found
}

// sourcePath names a blueprint file relative to the root of its repository (LoadOptions.Root, else
// the nearest folder with .git), so that what Gantry writes about it does not depend on the working
// folder; outside a repository, the path as shown. Each folder's repository root is looked up once:
// a platform of many services pays one walk per folder, not per file.
func (l *loader) sourcePath(shown string) string {
	key, ok := l.keys[shown]
	if !ok {
		key = l.fs.key(shown)
	}
	root := l.root
	if root == "" {
		root = l.repoRoot(path.Dir(key))
	}
	if root == "" {
		// Outside a repository: the path as shown (a file name alone would make two blueprints of one
		// name in two folders one, for the record).
		return l.fs.display(key)
	}
	if root == "." {
		return key
	}
	if rel, ok := strings.CutPrefix(key, root+"/"); ok {
		return rel
	}
	return l.fs.display(key)
}

// repoRoot is the key of the nearest folder at or above dir holding .git, or "" when there is none.
func (l *loader) repoRoot(dir string) string {
	if r, ok := l.rootAt[dir]; ok {
		return r
	}
	var r string
	if l.fs.exists(path.Join(dir, ".git")) {
		r = dir
	} else if up, ok := parent(dir); ok {
		r = l.repoRoot(up)
	}
	l.rootAt[dir] = r
	return r
}
