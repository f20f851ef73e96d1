package generators

import (
	"os"
	"path/filepath"
	"slices"
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
		sandbox := fuzzDir(t)
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

// FuzzRecord gives the writer a fuzzed record (the committed .gantry/manifest.json, which a pull request
// can change) and a fuzzed shape of Gantry's own folder, then writes and checks: whatever the record
// says, nothing outside the root is touched, nothing in .git or a blueprint is removed or changed, no
// file outside the targets' layout is removed, and the writer never follows a link to its record.
func FuzzRecord(f *testing.F) {
	f.Add([]byte(`{"version":1,"files":{"gen/a.yaml":{"sha256":"x","target":"t"}}}`), uint8(0), "gen/b.yaml")
	f.Add([]byte(`{"version":1,"files":{".git/HEAD":{"sha256":"`+hash([]byte("ref: main\n"))+`","target":"t"}}}`), uint8(0), "gen/a.yaml")
	f.Add([]byte(`{"version":1,"files":{"bp.yaml":{"sha256":"`+hash([]byte(blueprintFixture))+`","target":"t"}}}`), uint8(1), "gen/a.yaml")
	f.Add([]byte(`{"version":1,"files":{"../outside.txt":{"sha256":"`+hash([]byte("keep\n"))+`","target":"t"}}}`), uint8(2), "gen/a.yaml")
	f.Add([]byte(`{"version":1,"files":{"gen/bp.yaml":{"sha256":"`+hash([]byte(blueprintFixture))+`","target":"t","pending":"y"}}}`), uint8(3), "gen/x.yaml")
	f.Add([]byte(`not json`), uint8(4), "gen/a.yaml")
	f.Fuzz(func(t *testing.T, record []byte, shape uint8, generated string) {
		sandbox := fuzzDir(t)
		root := filepath.Join(sandbox, "root")
		keep := map[string]string{ // outside the layout or never Gantry's: must survive as they are
			"outside.txt":      "keep\n",
			"root/.git/HEAD":   "ref: main\n",
			"root/bp.yaml":     blueprintFixture,
			"root/gen/bp.yaml": blueprintFixture,
			"root/notes.txt":   "mine\n",
			"elsewhere/x":      "behind a link\n",
		}
		for p, data := range keep {
			full := filepath.Join(sandbox, filepath.FromSlash(p))
			os.MkdirAll(filepath.Dir(full), 0o755)
			if err := os.WriteFile(full, []byte(data), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		state := filepath.Join(root, StateDir)
		switch shape % 4 {
		case 0, 1: // a folder holding the record
			os.MkdirAll(state, 0o755)
			os.WriteFile(filepath.Join(state, "manifest.json"), record, 0o644)
		case 2: // .gantry is a link to another folder holding the record
			os.WriteFile(filepath.Join(sandbox, "elsewhere", "manifest.json"), record, 0o644)
			keep["elsewhere/manifest.json"] = string(record)
			os.Symlink(filepath.Join(sandbox, "elsewhere"), state)
		case 3: // the record is a link
			os.MkdirAll(state, 0o755)
			os.Symlink(filepath.Join(sandbox, "outside.txt"), filepath.Join(state, "manifest.json"))
		}
		layout := func(_, p string) bool { return strings.HasPrefix(p, "gen/") }
		files := []File{{Path: "gen/a.yaml", Data: []byte("a\n"), Target: "t"}}
		if generated != "gen/a.yaml" && CheckPath(generated) == nil && layout("", generated) && !strings.Contains(generated, "bp.yaml") {
			files = append(files, File{Path: generated, Data: []byte("g\n"), Target: "t"})
		}
		slices.SortFunc(files, func(a, b File) int { return strings.Compare(a.Path, b.Path) })
		files = slices.CompactFunc(files, func(a, b File) bool { return a.Path == b.Path })
		for _, force := range []bool{false, true} {
			Write(root, files, WriteOptions{Force: force, Scope: Scope{Layout: layout}})
			Check(root, files, Scope{Layout: layout})
		}
		for p, data := range keep {
			got, err := os.ReadFile(filepath.Join(sandbox, filepath.FromSlash(p)))
			if err != nil || string(got) != data {
				t.Fatalf("%s was changed or removed (record %q, shape %d): %v", p, record, shape%4, err)
			}
		}
		entries, _ := os.ReadDir(filepath.Join(sandbox, "elsewhere"))
		if len(entries) > 2 {
			t.Fatalf("files were created behind a link: %v", entries)
		}
	})
}

const blueprintFixture = "apiVersion: gantry.dev/v1\nkind: Service\nmetadata: {name: api, team: core}\n"

// fuzzDir is a fresh folder for one fuzz call, in memory (/dev/shm) where the machine has it: creating
// and removing a folder on disk costs more than the call itself.
func fuzzDir(t *testing.T) string {
	base := ""
	if st, err := os.Stat("/dev/shm"); err == nil && st.IsDir() {
		base = "/dev/shm"
	}
	dir, err := os.MkdirTemp(base, "gantry-fuzz-")
	if err != nil {
		return t.TempDir()
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	return dir
}
