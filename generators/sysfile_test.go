package generators

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestReadFile compares readFile with os.ReadFile: contents of every size around the read's edges, and
// the errors a caller tells apart.
func TestReadFile(t *testing.T) {
	dir := t.TempDir()
	for _, size := range []int{0, 1, 511, 512, 4095, 4096, 4097, 1 << 20} {
		p := filepath.Join(dir, "f")
		want := bytes.Repeat([]byte("gantry\n"), size/7+1)[:size]
		if err := os.WriteFile(p, want, 0o644); err != nil {
			t.Fatal(err)
		}
		got, err := readFile(p)
		if err != nil || !bytes.Equal(got, want) {
			t.Errorf("size %d: got %d bytes, %v", size, len(got), err)
		}
	}
	_, err := readFile(filepath.Join(dir, "none"))
	var pe *fs.PathError
	if !errors.Is(err, fs.ErrNotExist) || !errors.As(err, &pe) || pe.Path != filepath.Join(dir, "none") {
		t.Errorf("a missing file: %v", err)
	}
	if _, err := readFile(dir); err == nil {
		t.Error("a folder read as a file")
	}
}

// TestWriteAtomicLeavesNoTemporary checks writeAtomic's file and that a failed write leaves nothing.
func TestWriteAtomicLeavesNoTemporary(t *testing.T) {
	dir := t.TempDir()
	target := filepath.Join(dir, "a.yaml")
	for _, data := range []string{"one\n", "", strings.Repeat("x", 1<<20)} {
		if err := writeAtomic(target, []byte(data)); err != nil {
			t.Fatal(err)
		}
		if got, _ := os.ReadFile(target); string(got) != data {
			t.Errorf("wrote %d bytes, read %d", len(data), len(got))
		}
		if st, _ := os.Stat(target); st.Mode().Perm()&0o022 != 0 {
			t.Errorf("mode %v: writable by others", st.Mode())
		}
	}
	// A folder where the file goes: the rename fails, the temporary file goes.
	if err := os.Mkdir(filepath.Join(dir, "b.yaml"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := writeAtomic(filepath.Join(dir, "b.yaml"), []byte("x")); err == nil || !strings.Contains(err.Error(), "writing "+filepath.Join(dir, "b.yaml")) {
		t.Errorf("writing over a folder: %v", err)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 2 {
		t.Errorf("left behind: %v", entries)
	}
	if err := writeAtomic(filepath.Join(dir, "missing", "c.yaml"), []byte("x")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("into a missing folder: %v", err)
	}
}

// TestReadFileShortReads: a short read is not the end of a file unless the file's size was read.
// procfs files are regular files of size 0 whose reads stop at a record's end (the same short reads
// come from FUSE and network file systems, and from Linux at 2 GiB a read).
func TestReadFileShortReads(t *testing.T) {
	const p = "/proc/self/smaps" // tens of KB, read a page at a time
	want, err := os.ReadFile(p)
	if err != nil || len(want) < 16<<10 {
		t.Skipf("%s: %d bytes, %v", p, len(want), err)
	}
	got, err := readFile(p)
	if err != nil {
		t.Fatal(err)
	}
	// The process's mappings change a little between the two reads; a file cut at a read's end is
	// a fraction of it.
	if len(got) < len(want)*9/10 {
		t.Errorf("read %d bytes of %s, os.ReadFile %d", len(got), p, len(want))
	}
}
