package generators

import (
	"path/filepath"
	"syscall"
	"time"
)

// aheadRecord is a root's record read on another goroutine while the cache file is read (two files of
// 10-15 MB at 1,000 services, each one core's work), for classify to take when the record on disk is
// still the file that was read.
type aheadRecord struct {
	done    chan struct{}
	started int64    // when the reading began, in ns
	st      fileStat // the record's metadata, found before reading it
	m       Manifest
	ok      bool // read and decoded: else classify reads it as without this
}

// ReadRecordsAhead starts reading the records of the cache's two roots (the output folder and the
// repository root). Only a run that will need them soon should: each is held until classify takes it.
func (c *Cache) ReadRecordsAhead() {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.ahead = map[string]*aheadRecord{}
	for _, root := range c.roots {
		if c.ahead[root] != nil {
			continue // the output folder is the repository root
		}
		r := &aheadRecord{done: make(chan struct{}), started: time.Now().UnixNano()}
		c.ahead[root] = r
		go func() {
			defer close(r.done)
			p := filepath.Join(root, filepath.FromSlash(manifestPath))
			st, err := statOf(p)
			if err != nil || st.Mode&syscall.S_IFMT != syscall.S_IFREG {
				return
			}
			data, err := readFile(p)
			if err != nil {
				return
			}
			if r.m, err = decodeManifest(data); err == nil && r.m.Files != nil {
				r.st, r.ok = st, true
			}
		}()
	}
}

// record is the record under root read ahead, when the file at p (its path, looked at by the caller
// for links on the way) is still the one read, unchanged since well before (as a cache entry is
// trusted); false otherwise: the caller reads it. Each is taken once.
func (c *Cache) record(root, p string) (Manifest, bool) {
	if c == nil {
		return Manifest{}, false
	}
	c.mu.Lock()
	r := c.ahead[c.absPath(root)]
	delete(c.ahead, c.absPath(root))
	c.mu.Unlock()
	if r == nil {
		return Manifest{}, false
	}
	<-r.done
	if !r.ok || !settled(r.st, r.started) {
		return Manifest{}, false
	}
	if now, err := statOf(p); err != nil || !now.sameFile(r.st) {
		return Manifest{}, false
	}
	return r.m, true
}
