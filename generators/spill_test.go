package generators

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
)

// spilled is files with every non-empty content kept by a Spill for root at no budget.
func spilled(t *testing.T, root string, files []File) (*Spill, []File) {
	t.Helper()
	s := &Spill{dir: root}
	out := append([]File(nil), files...)
	s.keep(out)
	t.Cleanup(s.Close)
	for i, f := range out {
		if len(files[i].Data) == 0 {
			continue
		}
		if f.Data != nil || f.spill == nil || f.Known() || f.Hash != hash(files[i].Data) {
			t.Fatalf("%s not spilled: %+v", f.Path, f)
		}
		if data, err := f.Content(); err != nil || string(data) != string(files[i].Data) {
			t.Fatalf("%s read back: %q %v", f.Path, data, err)
		}
	}
	return s, out
}

// tree is every file and folder under root, with each file's content.
func tree(t *testing.T, root string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		switch {
		case d.Type().IsRegular():
			out[rel] = read(t, root, rel)
		case d.IsDir():
			out[rel+"/"] = ""
		default:
			t.Errorf("%s: not a file or folder", rel)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func sameTree(t *testing.T, got, want map[string]string) {
	t.Helper()
	for p, w := range want {
		if g, ok := got[p]; !ok || g != w {
			t.Errorf("%s: got %q (there: %v), want %q", p, g, ok, w)
		}
	}
	for p := range got {
		if _, ok := want[p]; !ok {
			t.Errorf("%s: not in the tree written from memory", p)
		}
	}
}

// TestSpillWritesTheSameTree: files whose content a spill keeps land as the same tree, record
// included, as files held in memory: a first run, and runs that change, add and drop files; nothing
// else appears beside the output folder.
func TestSpillWritesTheSameTree(t *testing.T) {
	memParent, diskParent := t.TempDir(), t.TempDir()
	mem, disk := filepath.Join(memParent, "out"), filepath.Join(diskParent, "out")
	for v := 1; v <= 3; v++ {
		if _, err := Write(mem, crashVersion(v), WriteOptions{}); err != nil {
			t.Fatal(err)
		}
		s, files := spilled(t, disk, crashVersion(v))
		if _, err := Write(disk, files, WriteOptions{}); err != nil {
			t.Fatal(err)
		}
		s.Close()
		sameTree(t, tree(t, diskParent), tree(t, memParent))
	}
}

// TestSpillBudget: content stays in memory up to the budget; the rendering that passes it spills,
// and only then is the spill's file made.
func TestSpillBudget(t *testing.T) {
	s := &Spill{dir: t.TempDir(), above: 10}
	defer s.Close()
	first, second := []File{file("a", "12345\n")}, []File{file("b", "12345\n"), file("c", "")}
	s.keep(first)
	if first[0].spill != nil || first[0].Data == nil || s.f != nil {
		t.Fatalf("spilled within the budget: %+v (file %v)", first[0], s.f)
	}
	s.keep(second)
	if second[0].spill == nil || second[1].spill != nil || second[1].Data == nil {
		t.Fatalf("past the budget: %+v", second)
	}
	if got := s.held.Load(); got != 6 {
		t.Errorf("held %d bytes, want 6 (the first file's)", got)
	}
}

// TestSpillConcurrent: renderings spilled at once each get their own place in the file.
func TestSpillConcurrent(t *testing.T) {
	s := &Spill{dir: t.TempDir()}
	defer s.Close()
	renderings := make([][]File, 16)
	var wg sync.WaitGroup
	for i := range renderings {
		for j := range 20 {
			renderings[i] = append(renderings[i], file(fmt.Sprintf("r%d/f%d", i, j), fmt.Sprintf("rendering %d, file %d\n", i, j)))
		}
		wg.Go(func() { s.keep(renderings[i]) })
	}
	wg.Wait()
	for i, files := range renderings {
		for j, f := range files {
			want := fmt.Sprintf("rendering %d, file %d\n", i, j)
			if data, err := f.Content(); err != nil || string(data) != want || f.spill == nil {
				t.Fatalf("%s: %q %v (spilled %v)", f.Path, data, err, f.spill != nil)
			}
		}
	}
}

// TestSpillLeavesNoName: the spill's file is on the output folder's file system (the nearest folder
// that exists), has no name anywhere, and its content is gone with Close.
func TestSpillLeavesNoName(t *testing.T) {
	parent := t.TempDir()
	s, files := spilled(t, filepath.Join(parent, "deploy", "out"), crashVersion(1))
	var st, dir syscall.Stat_t
	if err := syscall.Fstat(int(s.f.Fd()), &st); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Stat(parent, &dir); err != nil {
		t.Fatal(err)
	}
	if st.Nlink != 0 || st.Dev != dir.Dev || st.Mode&0o077 != 0 {
		t.Errorf("the spill's file: %d links, device %d (the output's %d), mode %o", st.Nlink, st.Dev, dir.Dev, st.Mode&0o777)
	}
	if entries, _ := os.ReadDir(parent); len(entries) != 0 {
		t.Errorf("made beside the output: %v", entries)
	}
	s.Close()
	if _, err := files[0].Content(); !errors.Is(err, errSpillClosed) {
		t.Errorf("content after Close: %v", err)
	}
}

// TestSpillRefusedLeavesNothing: a refused run's spilled files change nothing of the user's.
func TestSpillRefusedLeavesNothing(t *testing.T) {
	root := t.TempDir()
	files := crashVersion(1)
	mine := filepath.Join(root, filepath.FromSlash(files[0].Path))
	os.MkdirAll(filepath.Dir(mine), 0o755)
	if err := os.WriteFile(mine, []byte("mine\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	before := tree(t, root)
	_, files = spilled(t, root, files)
	var conflict *ConflictError
	if _, err := Write(root, files, WriteOptions{}); !errors.As(err, &conflict) {
		t.Fatalf("Write over the user's file: %v", err)
	}
	sameTree(t, tree(t, root), before)
}

// TestSpillLeavesRoomForTheOutput: a rendering spills only while the disk keeps, after it, as much
// free as the spill holds and spillReserve more; once short (or once a write fails), spilling stops
// and content stays in memory.
func TestSpillLeavesRoomForTheOutput(t *testing.T) {
	var free int64
	defer func(f func(*Spill) (int64, error)) { spillFree = f }(spillFree)
	spillFree = func(*Spill) (int64, error) { return free, nil }
	s := &Spill{dir: t.TempDir()}
	defer s.Close()
	a, b, c := []File{file("a", "12345\n")}, []File{file("b", "12345\n")}, []File{file("c", "12345\n")}
	free = spillReserve + 6 + 12 // room for a: 6 written, 6 held, the reserve
	s.keep(a)
	free -= 6
	s.keep(b) // would leave 0 < 12 + the reserve
	free = 1 << 40
	s.keep(c) // stopped for good
	if a[0].spill == nil || b[0].spill != nil || b[0].Data == nil || c[0].spill != nil {
		t.Fatalf("spilled: a %v, b %v, c %v", a[0].spill != nil, b[0].spill != nil, c[0].spill != nil)
	}
}

// TestSpillAfterClose: a closed spill (or a zero one) spills nothing and touches no descriptor, not
// even one its number now names.
func TestSpillAfterClose(t *testing.T) {
	var zero Spill
	zero.Close()
	var st syscall.Stat_t
	if err := syscall.Fstat(0, &st); err != nil {
		t.Fatalf("Close of a zero Spill closed descriptor 0: %v", err)
	}
	s, _ := spilled(t, t.TempDir(), crashVersion(1))
	fd := s.f.Fd()
	s.Close()
	mine := filepath.Join(t.TempDir(), "mine")
	f, err := os.Create(mine)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	f.WriteString("the user's\n")
	if f.Fd() != fd {
		t.Logf("the descriptor was not reused (%d, %d): the check below is weaker", f.Fd(), fd)
	}
	files := crashVersion(2)
	s.keep(files)
	if files[0].spill != nil || files[0].Data == nil {
		t.Fatalf("spilled after Close: %+v", files[0])
	}
	if got := read(t, filepath.Dir(mine), "mine"); got != "the user's\n" {
		t.Errorf("written into another file after Close: %q", got)
	}
}
