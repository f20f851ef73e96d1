package blueprints

import (
	"bytes"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/gantry-dev/gantry/internal/paths"
)

// files is where Load reads: a file system given by the caller (tests, fuzzers, gantry new, which load
// from memory; paths are slash paths from its root), or the operating system's (paths as the user
// wrote them). Inside, every file is known by its key, a clean slash path in fsys; diagnostics name it
// as the user wrote it.
type files struct {
	fsys fs.FS
	os   bool // fsys is the root of the operating system's file system; keys are absolute paths less "/"
	// show is paths.Display with the working folder read once per load.
	show func(string) string
}

func newFiles(fsys fs.FS, track func(string)) files {
	if fsys == nil {
		f := files{fsys: os.DirFS("/"), os: true, show: paths.Displayer()}
		if track != nil {
			f.fsys = tracked{f.fsys, track}
		}
		return f
	}
	return files{fsys: fsys}
}

// tracked is a file system that tells track the absolute path of every name it is asked about (read,
// listed, looked at or looked for) before answering as fsys would: what LoadOptions.Track reports. Every
// interface fsys implements is implemented here too, so that fs.Stat, fs.ReadDir and fs.Lstat behave
// as on fsys itself (fs.Lstat of a file system without Lstat would follow links).
type tracked struct {
	fsys  fs.FS
	track func(string)
}

func (t tracked) Open(name string) (fs.File, error) {
	t.track(path.Join("/", name))
	return t.fsys.Open(name)
}

func (t tracked) Stat(name string) (fs.FileInfo, error) {
	t.track(path.Join("/", name))
	return fs.Stat(t.fsys, name)
}

func (t tracked) Lstat(name string) (fs.FileInfo, error) {
	t.track(path.Join("/", name))
	return fs.Lstat(t.fsys, name)
}

func (t tracked) ReadLink(name string) (string, error) {
	t.track(path.Join("/", name))
	return fs.ReadLink(t.fsys, name)
}

func (t tracked) ReadDir(name string) ([]fs.DirEntry, error) {
	t.track(path.Join("/", name))
	return fs.ReadDir(t.fsys, name)
}

func (t tracked) ReadFile(name string) ([]byte, error) {
	t.track(path.Join("/", name))
	return fs.ReadFile(t.fsys, name)
}

// key is where p, as the user wrote it, is in fsys.
func (f files) key(p string) string {
	if !f.os {
		return path.Clean(filepath.ToSlash(p))
	}
	abs := filepath.Clean(p)
	if !filepath.IsAbs(p) {
		// Against the working folder as the system resolves a relative path: its real location, so
		// that ".." from a folder reached through a symbolic link goes where `ls ..` goes.
		abs = filepath.Join(paths.RealWd(), p)
	}
	if k := strings.TrimPrefix(filepath.ToSlash(abs), "/"); k != "" {
		return k
	}
	return "."
}

// display names a key for people: relative to the working folder where it is below it.
func (f files) display(key string) string {
	if !f.os {
		return key
	}
	return f.show("/" + key)
}

func (f files) stat(key string) (fs.FileInfo, error) { return fs.Stat(f.fsys, key) }

func (f files) exists(key string) bool {
	_, err := f.stat(key)
	return err == nil
}

// readLimited reads at most MaxFileSize+1 bytes, enough for Parse to report an oversized file without
// reading all of a huge one.
func (f files) readLimited(key string) ([]byte, error) {
	fh, err := f.fsys.Open(key)
	if err != nil {
		return nil, err
	}
	defer fh.Close()
	var b bytes.Buffer
	_, err = io.Copy(&b, io.LimitReader(fh, MaxFileSize+1))
	return b.Bytes(), err
}

// parent is the folder above key, and false at the top.
func parent(key string) (string, bool) {
	if key == "." || key == "" {
		return "", false
	}
	return path.Dir(key), true
}
