package blueprints

import (
	"encoding/json"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
)

// Reach is what a run of Gantry speaks for: the blueprints it loaded, and the folders it searched. The
// writer asks it before it removes or rewrites a file an earlier run recorded, so that generating one
// blueprint (or one folder of blueprints, or one of two platforms sharing a repository) never removes
// or rewrites what the others produced.
type Reach struct {
	// Complete is true when only folders were named.
	Complete bool
	// Loaded are the blueprints read, by their Source (relative to the repository root), sorted.
	Loaded []string
	// Members are, for each platform loaded, the Sources of its platform file and its services, sorted:
	// what its platform-wide files (namespaces, GitOps projects and environments) derive from.
	Members map[string][]string

	searched []searchedDir
	exists   func(root, source string) bool // whether a blueprint recorded under root is still there
}

// reachData is a Reach as Encode writes it.
type reachData struct {
	Complete bool
	Loaded   []string
	Members  map[string][]string
	Searched [][2]string // dir, root
}

// Encode writes r for a cache of what Load returned; DecodeReach reads it back. Only a Reach of
// blueprints loaded from the disk (LoadOptions.FS nil) is meant to be kept.
func (r Reach) Encode() ([]byte, error) {
	d := reachData{Complete: r.Complete, Loaded: r.Loaded, Members: r.Members}
	for _, s := range r.searched {
		d.Searched = append(d.Searched, [2]string{s.dir, s.root})
	}
	return json.Marshal(d)
}

// DecodeReach reads what Encode wrote, as Load returns it for blueprints on the disk: it looks for
// blueprints there (Owns) when asked.
func DecodeReach(data []byte) (Reach, error) {
	var d reachData
	if err := json.Unmarshal(data, &d); err != nil {
		return Reach{}, err
	}
	r := Reach{Complete: d.Complete, Loaded: d.Loaded, Members: d.Members, exists: newFiles(nil, nil).existsUnder}
	if r.Members == nil {
		r.Members = map[string][]string{}
	}
	for _, s := range d.Searched {
		r.searched = append(r.searched, searchedDir{dir: s[0], root: s[1]})
	}
	return r, nil
}

// searchedDir is a folder searched: as Source names it, and the key of the repository root Sources
// are relative to ("" outside a repository, where a Source is the path as shown).
type searchedDir struct{ dir, root string }

// Owns reports whether the run speaks for the blueprint at source: it loaded it, or the blueprint was in
// a folder the run searched and is no longer there (deleted or renamed).
func (r Reach) Owns(source string) bool {
	if _, ok := slices.BinarySearch(r.Loaded, source); ok {
		return true
	}
	for _, s := range r.searched {
		if s.dir != "." && source != s.dir && !strings.HasPrefix(source, s.dir+"/") {
			continue
		}
		return r.exists != nil && !r.exists(s.root, source)
	}
	return false
}

// existsUnder reports whether the blueprint a Source names under root (a key; "" outside a repository, where
// the Source is the path as shown) is still there.
func (f files) existsUnder(root, source string) bool {
	if root == "" {
		return f.exists(f.key(source))
	}
	return f.exists(path.Join(root, source))
}

// OwnsAll reports whether the run speaks for every one of sources (none: it speaks for nothing).
func (r Reach) OwnsAll(sources []string) bool {
	return len(sources) > 0 && !slices.ContainsFunc(sources, func(s string) bool { return !r.Owns(s) })
}

// searched names a searched folder the way Source names a blueprint, with the root Sources under it are
// relative to.
func (l *loader) searched(dir string) searchedDir {
	key := l.fs.key(dir)
	root := l.root
	if root == "" {
		root = l.repoRoot(key)
	}
	switch {
	case root == "":
		return searchedDir{dir: l.fs.display(key)}
	case root == "." || root == key:
		if root == key || key == "." {
			return searchedDir{dir: ".", root: root}
		}
		return searchedDir{dir: key, root: root}
	}
	if rel, ok := strings.CutPrefix(key, root+"/"); ok {
		return searchedDir{dir: rel, root: root}
	}
	return searchedDir{dir: ".", root: root}
}

// IsBlueprint reports whether data looks like a blueprint file: what Gantry never removes, whatever its
// record says.
func IsBlueprint(data []byte) bool { return looksLikeBlueprint(data) }

// PlatformAbove reports whether a platform file is in dir or a folder above it, up to the repository
// root (the first folder with .git): where gantry init and gantry import look before writing one.
func PlatformAbove(dir string) bool {
	d, err := filepath.Abs(dir)
	if err != nil {
		return false
	}
	for {
		for _, name := range PlatformFileNames {
			if st, err := os.Stat(filepath.Join(d, name)); err == nil && st.Mode().IsRegular() {
				return true
			}
		}
		if _, err := os.Stat(filepath.Join(d, ".git")); err == nil {
			return false
		}
		parent := filepath.Dir(d)
		if parent == d {
			return false
		}
		d = parent
	}
}
