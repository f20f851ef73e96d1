package generators

import (
	"maps"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/gantry-dev/gantry/blueprints"
)

// A load is kept only when every path it asked about had settled before it began, and is vouched for
// only while each is as it was: a file (edited, replaced, made a link), a folder (a name added), a
// path that was not there (made), a link (pointed elsewhere, its target edited).
func TestKnownInputs(t *testing.T) {
	old := RacyMargin
	RacyMargin = 30 * time.Millisecond
	t.Cleanup(func() { RacyMargin = old })
	settle := func() { time.Sleep(60 * time.Millisecond) }
	dir := t.TempDir()
	cacheDir := filepath.Join(dir, "cache")
	in := filepath.Join(dir, "in")
	mustWrite := func(p, data string) {
		t.Helper()
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	file, folder, absent, link, target := filepath.Join(in, "a.yaml"), filepath.Join(in, "sub"), filepath.Join(in, "none", "gantry.yaml"),
		filepath.Join(in, "link.yaml"), filepath.Join(dir, "target.yaml")
	key := []byte("key")
	// keep runs a load that asked about every path, beginning now, and saves it.
	keep := func() bool {
		t.Helper()
		c := NewCache(cacheDir, filepath.Join(dir, "out"), filepath.Join(dir, "out"))
		started := time.Now()
		for _, p := range []string{file, folder, absent, link} {
			c.Track(p)
		}
		c.KeepLoad(key, started, blueprints.Reach{}, []string{"dev"})
		c.Save()
		return c.load != nil
	}
	known := func(key []byte) bool {
		t.Helper()
		return NewCache(cacheDir, filepath.Join(dir, "out"), filepath.Join(dir, "out")).Known(key) != nil
	}
	reset := func() {
		t.Helper()
		os.RemoveAll(in)
		os.Remove(target)
		mustWrite(file, "a: 1\n")
		mustWrite(filepath.Join(folder, "b.yaml"), "b: 1\n")
		mustWrite(target, "t: 1\n")
		if err := os.Symlink(target, link); err != nil {
			t.Fatal(err)
		}
	}
	reset()
	if keep() {
		t.Fatal("a load of paths changed a moment before it began was kept")
	}
	if known(key) {
		t.Fatal("known without a load kept")
	}
	settle()
	if !keep() || !known(key) {
		t.Fatal("a load of settled paths was not kept")
	}
	if known([]byte("other options")) {
		t.Fatal("known for another key")
	}
	changes := []struct {
		name   string
		change func()
	}{
		{"the file edited, its size the same", func() { mustWrite(file, "a: 2\n") }},
		{"the file replaced", func() {
			mustWrite(file+".new", "a: 1\n")
			os.Rename(file+".new", file)
		}},
		{"the file made a link to the same content", func() {
			os.Remove(file)
			os.Symlink(target, file)
		}},
		{"a name added to the folder", func() { mustWrite(filepath.Join(folder, "c.yaml"), "c: 1\n") }},
		{"the path that was not there made", func() { mustWrite(absent, "kind: Platform\n") }},
		{"the link's target edited", func() { mustWrite(target, "t: 2\n") }},
		{"the link pointed elsewhere", func() {
			mustWrite(target+".2", "t: 1\n")
			os.Remove(link)
			os.Symlink(target+".2", link)
		}},
		{"the link's target removed", func() { os.Remove(target) }},
	}
	for _, c := range changes {
		reset()
		settle()
		if !keep() || !known(key) {
			t.Fatalf("%s: the load before it was not kept", c.name)
		}
		c.change()
		if known(key) {
			t.Errorf("%s: still known", c.name)
		}
		settle()
		if known(key) {
			t.Errorf("%s: known once settled", c.name)
		}
	}
	// A path not there when looked at after the load, in a folder changed since the load began: it
	// may have been there for the load.
	reset()
	settle()
	c := NewCache(cacheDir, filepath.Join(dir, "out"), filepath.Join(dir, "out"))
	started := time.Now()
	c.Track(filepath.Join(folder, "gone.yaml"))
	mustWrite(filepath.Join(folder, "gone.yaml"), "")
	os.Remove(filepath.Join(folder, "gone.yaml"))
	if c.KeepLoad(key, started, blueprints.Reach{}, nil); c.load != nil {
		t.Error("a load was kept although a path it looked for went away during it")
	}
}

// A record read ahead is taken only while the record on disk is the file that was read.
func TestRecordAhead(t *testing.T) {
	old := RacyMargin
	RacyMargin = 30 * time.Millisecond
	t.Cleanup(func() { RacyMargin = old })
	dir := t.TempDir()
	root := filepath.Join(dir, "out")
	a := []File{file("a.yaml", "a: 1\n")}
	b := []File{file("b.yaml", "b: 1\n")}
	names := func(m Manifest) []string { return slices.Sorted(maps.Keys(m.Files)) }
	for _, rewrite := range []bool{false, true} {
		os.RemoveAll(root)
		if _, err := Write(root, a, WriteOptions{}); err != nil {
			t.Fatal(err)
		}
		time.Sleep(60 * time.Millisecond)
		c := NewCache(filepath.Join(dir, "cache"), root, root)
		c.ReadRecordsAhead()
		<-c.ahead[c.roots[0]].done
		want := []string{"a.yaml"}
		if rewrite {
			if _, err := Write(root, b, WriteOptions{}); err != nil {
				t.Fatal(err)
			}
			want = []string{"b.yaml"}
		}
		m, ok, err := readManifest(root, newSafeDirs(), c)
		if err != nil || !ok {
			t.Fatal(ok, err)
		}
		if got := names(m); !slices.Equal(got, want) {
			t.Errorf("rewritten %v: the record lists %v, want %v", rewrite, got, want)
		}
		if len(c.ahead) != 0 {
			t.Error("the record read ahead is still held")
		}
	}
}
