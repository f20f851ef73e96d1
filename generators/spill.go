package generators

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"syscall"
)

// SpillAbove is how many bytes of rendered content a run holds in memory before it keeps the rest in
// a Spill. Every file is rendered before any is written, so that a refusal writes nothing: a platform
// of thousands of services renders more than a process should hold. Tests set it to 0 to spill every
// file.
var SpillAbove int64 = 16 << 20

// spillReserve is free space a spill always leaves on its file system, beyond what it holds: the
// output is written there too.
const spillReserve = 64 << 20

// Spill keeps the content of rendered files in one unnamed temporary file (O_TMPFILE) once a run holds
// more than its budget in memory: a rendering's files are appended in one write, and each spilled File
// keeps its Hash and where its bytes are, not the bytes. The writer reads them back (Content) as it
// writes each file, atomically as ever.
//
// The file is made when the first rendering spills, on the file system of the output folder (in it, or
// in the nearest folder above it that exists): the bytes wait where they will land, in its cache, not
// in the process's memory nor in a /tmp that may be RAM. It has no name: nothing appears in any folder,
// nothing is left by a run that is killed (the kernel frees it with the process), and no other process
// can open it. Where it cannot be made (a file system without O_TMPFILE, a read-only folder), the
// system's temporary folder is tried, then content stays in memory.
//
// The output needs the disk too: a rendering spills only while the file system keeps free at least
// what the spill holds, plus spillReserve, after the write (so the spill never takes more than about
// half of the free space), and spilling stops at the first failed write. What is not spilled stays in
// memory, as without a spill.
type Spill struct {
	dir   string // the output folder
	above int64
	held  atomic.Int64 // bytes of content held in memory
	end   atomic.Int64 // the file's size: where the next rendering goes
	off   atomic.Bool  // no more spilling: a write failed, or the disk is short

	once sync.Once
	f    *os.File // nil: none (content stays in memory); closed by Close, or with the last File that refers to it
}

// NewSpill is a Spill for a run whose output folder is dir, at the budget SpillAbove.
func NewSpill(dir string) *Spill { return &Spill{dir: dir, above: SpillAbove} }

// keep moves the content of one rendering's files into the spill when the run holds more than its
// budget. The files are the caller's (one rendering, one goroutine).
func (s *Spill) keep(files []File) {
	if s == nil {
		return
	}
	var n int64
	for i := range files {
		n += int64(len(files[i].Data))
	}
	if n == 0 || s.held.Add(n) <= s.above || s.off.Load() {
		return
	}
	s.once.Do(s.open)
	if s.f == nil {
		return
	}
	at := s.end.Add(n) - n
	if !s.room(at, n) {
		s.off.Store(true)
		return
	}
	buf := make([]byte, 0, n)
	for i := range files {
		buf = append(buf, files[i].Data...)
	}
	if _, err := s.f.WriteAt(buf, at); err != nil {
		// Held in memory, as without a spill; what part was written is given back to the disk.
		s.off.Store(true)
		s.control(func(fd int) error { return syscall.Fallocate(fd, fallocPunchHole|fallocKeepSize, at, n) })
		return
	}
	s.held.Add(-n)
	for i := range files {
		f := &files[i]
		size := int64(len(f.Data))
		if size > 0 {
			f.Hash, f.Data, f.spill, f.spillAt, f.spillLen = hash(f.Data), nil, s, at, size
		}
		at += size
	}
}

// room reports whether the spill's file system, once n more bytes are written at at, keeps free at
// least what the spill then holds, and spillReserve more.
func (s *Spill) room(at, n int64) bool {
	free, err := spillFree(s)
	return err == nil && free-n >= at+n+spillReserve
}

// spillFree is the space the spill's file system has free for this user (a test hook).
var spillFree = func(s *Spill) (int64, error) {
	var st syscall.Statfs_t
	err := s.control(func(fd int) error { return syscall.Fstatfs(fd, &st) })
	return int64(st.Bavail) * st.Bsize, err
}

// control runs call on the spill's descriptor, which stays open (and its number this file's) meanwhile.
func (s *Spill) control(call func(fd int) error) error {
	rc, err := s.f.SyscallConn()
	if err != nil {
		return err
	}
	var callErr error
	if err := rc.Control(func(fd uintptr) { callErr = ignoringEINTR(func() error { return call(int(fd)) }) }); err != nil {
		return err
	}
	return callErr
}

// open makes the unnamed file.
func (s *Spill) open() {
	dir, err := filepath.Abs(s.dir)
	if err != nil {
		return
	}
	for {
		if st, err := os.Lstat(dir); err == nil && st.IsDir() {
			break
		}
		if filepath.Dir(dir) == dir {
			break
		}
		dir = filepath.Dir(dir)
	}
	for _, d := range []string{dir, os.TempDir()} {
		fd, err := open(d, syscall.O_RDWR|unixTmpfile, 0o600)
		if err == nil {
			s.f = os.NewFile(uintptr(fd), "the spill of "+s.dir)
			return
		}
	}
}

// fallocate(2) modes: free a range's blocks, the file's size unchanged.
const (
	fallocKeepSize  = 0x1
	fallocPunchHole = 0x2
)

// unixTmpfile is O_TMPFILE (with O_DIRECTORY, as the kernel defines it); package syscall lacks it.
const unixTmpfile = 0o20000000 | syscall.O_DIRECTORY

// errSpillClosed is a spilled file's content asked for after its run ended.
var errSpillClosed = errors.New("the run that rendered this file has ended")

// read reads a spilled file's content into buf (grown as needed).
func (s *Spill) read(buf []byte, at, size int64) ([]byte, error) {
	if int64(cap(buf)) < size {
		buf = make([]byte, size)
	}
	buf = buf[:size]
	n, err := s.f.ReadAt(buf, at)
	switch {
	case errors.Is(err, os.ErrClosed):
		return nil, errSpillClosed
	case int64(n) == size:
		return buf, nil
	case err == nil || err == io.EOF:
		err = io.ErrUnexpectedEOF
	}
	return nil, err
}

// Close frees the spill at once (else it is freed with the last File that refers to it: a check's
// result keeps its files for a diff). Its files' content cannot be read afterwards, and nothing more
// is spilled.
func (s *Spill) Close() {
	if s == nil {
		return
	}
	s.once.Do(func() {}) // none is made after this
	s.off.Store(true)
	if s.f != nil {
		s.f.Close()
	}
}
