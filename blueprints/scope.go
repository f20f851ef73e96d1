package blueprints

import (
	"path"
	"slices"
	"strings"
)

// Reach is what a run of Gantry speaks for: the blueprints it loaded, and the folders it searched. The
// writer asks it before removing a file an earlier run recorded, so that generating one blueprint (or one
// of two blueprint folders sharing a repository) never removes what the others produced.
type Reach struct {
	// Complete is true when only folders were named: every blueprint of the platforms loaded is here.
	Complete bool
	// Loaded are the blueprints read, by their Source (relative to the repository root).
	Loaded []string
	// Searched are the folders searched, relative to the repository root ("." for all of it): a
	// blueprint recorded under one of them and not loaded now is gone, and its files go with it.
	Searched []string
	// Platforms are the names of the platforms loaded.
	Platforms []string
}

// Owns reports whether the run speaks for the blueprint at source: it loaded it, or the blueprint was in
// a folder the run searched and is no longer there.
func (r Reach) Owns(source string) bool {
	if _, ok := slices.BinarySearch(r.Loaded, source); ok {
		return true
	}
	for _, dir := range r.Searched {
		if dir == "." || source == dir || strings.HasPrefix(source, dir+"/") {
			return true
		}
	}
	return false
}

// OwnsPlatform reports whether the run speaks for the platform-wide files of a platform (namespaces,
// GitOps projects: they list every service): only a run that loaded all of its blueprints. An empty
// name is a record entry from before platforms were recorded: a complete run owns it.
func (r Reach) OwnsPlatform(name string) bool {
	return r.Complete && (name == "" || slices.Contains(r.Platforms, name))
}

// searched names a searched folder the way Source names a blueprint: relative to the repository root
// (LoadOptions.Root, else the nearest folder with .git); outside a repository, "." (Source is then a file
// name alone, so a search speaks for every such blueprint, as before there was a record of sources).
func (l *loader) searched(dir string) string {
	rel := l.sourcePath(path.Join(dir, "x"))
	if !strings.Contains(rel, "/") {
		return "."
	}
	return path.Dir(rel)
}

// IsBlueprint reports whether data looks like a blueprint file: what Gantry never removes, whatever its
// record says.
func IsBlueprint(data []byte) bool { return looksLikeBlueprint(data) }
