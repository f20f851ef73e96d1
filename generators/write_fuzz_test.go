package generators

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzWritePath writes one file at a fuzzed path into a root that sits in a sandbox folder next to a
// sibling, and checks the writer's promise: a path CheckPath accepts is written inside the root, and
// nothing is ever created or changed outside it, whatever the path holds (.., absolute paths, NULs,
// backslashes, symlink names, the manifest's own folder).
func FuzzWritePath(f *testing.F) {
	for _, seed := range []string{"a.yaml", "a/b/c.yaml", "../escape", "/etc/passwd", "a/../../b", "a\\..\\b",
		"a\x00b", ".gantry/manifest.json", "./a", "a//b", "..", ".", "", "a/./b", "sibling/../x", "é/ü.yaml"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, p string) {
		sandbox := t.TempDir()
		root := filepath.Join(sandbox, "root")
		sibling := filepath.Join(sandbox, "sibling")
		if err := os.MkdirAll(sibling, 0o755); err != nil {
			t.Fatal(err)
		}
		_, err := Write(root, []File{{Path: p, Data: []byte("x\n"), Target: "fuzz"}}, WriteOptions{})
		if err == nil && CheckPath(p) != nil {
			t.Fatalf("wrote %q, which CheckPath rejects", p)
		}
		if err == nil {
			target := filepath.Join(root, filepath.FromSlash(p))
			if rel, rerr := filepath.Rel(root, target); rerr != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
				t.Fatalf("wrote %q outside the root", p)
			}
		}
		entries, rerr := os.ReadDir(sandbox)
		if rerr != nil {
			t.Fatal(rerr)
		}
		for _, e := range entries {
			if e.Name() != "root" && e.Name() != "sibling" {
				t.Fatalf("path %q created %s outside the root", p, e.Name())
			}
		}
		if left, _ := os.ReadDir(sibling); len(left) != 0 {
			t.Fatalf("path %q wrote into a sibling folder", p)
		}
	})
}
