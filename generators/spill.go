package generators

import (
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"sync/atomic"
	"syscall"
)

// SpillAbove is how many bytes of rendered content a run holds in memory before it keeps the rest in
// a Spill. Every file is rendered before any is written, so that a refusal writes nothing: a platform
// of thousands of services renders more than a process should hold. Tests set it to 0 to spill every
// file.
var SpillAbove int64 = 16 << 20

// Spill keeps the content of rendered files in one unnamed temporary file (O_TMPFILE) once a run holds
// more than its budget in memory: a rendering's files are appended in one write, and each spilled File
// keeps its Hash and where its bytes are, not the bytes. The writer reads them back (Content) as it
// writes each file, atomically as ever.
//
// The file is made when the first rendering spills, on the file system of the output folder (in it, or
// in the nearest folder above it that exists): the bytes wait where they will land, in its cache, not
// in the process's memory nor in a /tmp that may be RAM. It has no name, so nothing appears in any
// folder, nothing is left by a run that is killed (the kernel frees it with the process), and no other
// process can open it. Where it cannot be made (a file system without O_TMPFILE, a read-only folder),
// the system's temporary folder is tried, then content stays in memory.
type Spill struct {
	dir   string // the output folder
	above int64
	held  atomic.Int64 // bytes of content held in memory
	end   atomic.Int64 // the file's size: where the next rendering goes

	once    sync.Once
	fd      int             // -1: none (content stays in memory)
	cleanup runtime.Cleanup // closes fd once no File refers to the spill, when Close was not called
	mu      sync.RWMutex    // reads hold it shared: Close waits for them
	done    bool            // closed
}

// NewSpill is a Spill for a run whose output folder is dir, at the budget SpillAbove.
func NewSpill(dir string) *Spill { return &Spill{dir: dir, above: SpillAbove, fd: -1} }

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
	if n == 0 || s.held.Add(n) <= s.above {
		return
	}
	s.once.Do(s.open)
	if s.fd < 0 {
		return
	}
	buf := make([]byte, 0, n)
	for i := range files {
		buf = append(buf, files[i].Data...)
	}
	at := s.end.Add(n) - n
	if err := s.write(buf, at); err != nil {
		return // held in memory, as without a spill
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
			s.fd = fd
			s.cleanup = runtime.AddCleanup(s, func(fd int) { closeFD(fd) }, fd)
			return
		}
	}
}

// unixTmpfile is O_TMPFILE (with O_DIRECTORY, as the kernel defines it); package syscall lacks it.
const unixTmpfile = 0o20000000 | syscall.O_DIRECTORY

// write writes all of data at offset at.
func (s *Spill) write(data []byte, at int64) error {
	for len(data) > 0 {
		n, err := syscall.Pwrite(s.fd, data, at)
		switch {
		case err == syscall.EINTR:
			continue
		case err != nil:
			return err
		case n == 0:
			return io.ErrShortWrite
		}
		data, at = data[n:], at+int64(n)
	}
	return nil
}

// errSpillClosed is a spilled file's content asked for after its run ended.
var errSpillClosed = errors.New("the run that rendered this file has ended")

// read reads a spilled file's content into buf (grown as needed).
func (s *Spill) read(buf []byte, at, size int64) ([]byte, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.done {
		return nil, errSpillClosed
	}
	if int64(cap(buf)) < size {
		buf = make([]byte, size)
	}
	buf = buf[:size]
	for got := int64(0); got < size; {
		n, err := syscall.Pread(s.fd, buf[got:], at+got)
		switch {
		case err == syscall.EINTR:
			continue
		case err != nil:
			return nil, &fs.PathError{Op: "read", Path: "the spill of " + s.dir, Err: err}
		case n == 0:
			return nil, &fs.PathError{Op: "read", Path: "the spill of " + s.dir, Err: io.ErrUnexpectedEOF}
		}
		got += int64(n)
	}
	return buf, nil
}

// Close frees the spill at once (else it is freed with the last File that refers to it: a check's
// result keeps its files for a diff). Its files' content cannot be read afterwards.
func (s *Spill) Close() {
	if s == nil {
		return
	}
	s.once.Do(func() {}) // none is made after this
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.done && s.fd >= 0 {
		s.cleanup.Stop()
		closeFD(s.fd)
	}
	s.done = true
}
