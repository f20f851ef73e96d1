package generators

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"syscall"
	"time"
)

// Cache makes a run on one machine render and read only what changed since the last run there. It
// remembers two things, each true on its own:
//   - what each (service, target) rendered, by the fingerprint of everything that rendering reads
//     (fingerprints) salted with this very executable: the paths, kinds and content hashes of its
//     files. Rendering is a pure function of the fingerprint, so the listing stands in for it.
//   - what each file on disk held when it was last read, with its metadata (size, times, inode),
//     like git's index: while the metadata is unchanged, so is the content. An entry is trusted only
//     when the file's ctime is well before the moment its content was read (RacyMargin), so an edit in
//     the same clock tick as Gantry's read is never missed; users cannot set ctime.
//
// A (service, target) is skipped only when its listing is known and every listed file is on disk as
// listed, by trusted metadata; its files then reach the writer without data, known Unchanged (File.Hash).
// Anything else (a fresh checkout, a changed blueprint, a touched file, a new Gantry build, a cache
// that cannot be read) renders and reads as without a cache. The cache lives outside the output (the
// user's cache folder), so the output stays byte-identical on every machine.
type Cache struct {
	path  string
	salt  []byte
	roots [2]string // the output folder and the repository root, absolute
	cwd   string    // what a relative path is relative to
	start int64     // when this run began, in ns: what it reads is recorded as observed then

	old  cacheData
	mu   sync.Mutex
	next cacheData
	// seen are the files whose metadata vouched for them in this run: asked again (the writer after
	// the renderer), they are not looked at twice.
	seen  map[string][sha256.Size]byte
	dirty bool // next differs from old in more than dropped entries
	// had counts old's files, jobs and folders: Save compares them with next's after Done dropped old.
	had [3]int

	// The load of this run (known.go): the paths it asked about, and what of it is kept for the next run.
	trackMu sync.Mutex
	tracked map[string]struct{}
	loaded  bool       // this run loaded the blueprints (KeepLoad): the Known it keeps, or none, replaces the last
	load    *knownFile // nil: none to keep
	// ahead are the roots' records read ahead (ReadRecordsAhead), by root; guarded by mu.
	ahead map[string]*aheadRecord
}

// cacheData is what a cache file holds.
type cacheData struct {
	Salt  []byte
	Jobs  map[[sha256.Size]byte][]Listed
	Files map[string]fileStat
	// Dirs are the folders read, with the regular files each held: while a folder's metadata is
	// unchanged, no file was added to it, removed from it or renamed in it.
	Dirs map[string]dirList
}

// dirList is a folder's metadata and its regular files.
type dirList struct {
	Stat  fileStat
	Names []string
}

// Listed is one file of a rendering, as the cache remembers it.
type Listed struct {
	Path string
	Kind Kind
	Env  string
	Hash [sha256.Size]byte
}

// fileStat is a file's metadata, its content's hash, and when the content was read.
type fileStat struct {
	Size, Mtime, Ctime int64
	Ino, Dev           uint64
	Mode               uint32
	Hash               [sha256.Size]byte `json:",omitzero"`
	Observed           int64
}

// RacyMargin is how long before its reading a file's last change must be for its metadata to vouch for
// its content: more than the coarsest timestamp granularity of the file systems in use (2 s, FAT).
// Tests shorten it (and wait longer than it) so as not to wait seconds.
var RacyMargin = 2 * time.Second

// OpenCache reads the cache of the runs whose output folder is out and repository root repo, under
// dir (the user's cache folder): NewCache, then Read.
func OpenCache(dir, out, repo string) *Cache {
	c := NewCache(dir, out, repo)
	c.Read()
	return c
}

// NewCache is the cache of the runs whose output folder is out and repository root repo, under dir,
// not read yet: Known may be asked while Read runs. One that cannot be made (no executable to salt it
// with) is nil, and a nil *Cache renders and reads everything.
func NewCache(dir, out, repo string) *Cache {
	exe, err := os.Executable()
	if err != nil {
		return nil
	}
	st, err := os.Stat(exe)
	if err != nil {
		return nil
	}
	a, errA := filepath.Abs(out)
	b, errB := filepath.Abs(repo)
	if errA != nil || errB != nil {
		return nil
	}
	key := sha256.Sum256([]byte(a + "\x00" + b))
	salt := fmt.Appendf(nil, "%s\x00%s\x00%s\x00%d\x00%d", cacheMagic, Release, exe, st.Size(), st.ModTime().UnixNano())
	if sys, ok := st.Sys().(*syscall.Stat_t); ok {
		salt = fmt.Appendf(salt, "\x00%d\x00%d", sys.Ino, sys.Ctim.Nano())
	}
	cwd, err := os.Getwd()
	if err != nil {
		return nil
	}
	return &Cache{cwd: cwd, path: filepath.Join(dir, "runs", hex.EncodeToString(key[:16])+".bin"), salt: salt, roots: [2]string{a, b},
		start:   time.Now().UnixNano(),
		seen:    map[string][sha256.Size]byte{},
		tracked: map[string]struct{}{},
		next:    cacheData{Salt: salt, Jobs: map[[sha256.Size]byte][]Listed{}, Files: map[string]fileStat{}, Dirs: map[string]dirList{}}}
}

// Read reads what the last run kept; a cache file that cannot be read is an empty cache.
func (c *Cache) Read() {
	if c == nil {
		return
	}
	data, err := os.ReadFile(c.path)
	if err != nil {
		return
	}
	if d, err := decodeCache(data); err == nil && bytes.Equal(d.Salt, c.salt) {
		c.old = d
		c.had = [3]int{len(d.Files), len(d.Jobs), len(d.Dirs)}
		// A run mostly keeps what the last one knew: made at their size, the maps never grow.
		c.seen = make(map[string][sha256.Size]byte, len(d.Files))
		c.next.Jobs = make(map[[sha256.Size]byte][]Listed, len(d.Jobs))
		c.next.Files = make(map[string]fileStat, len(d.Files))
		c.next.Dirs = make(map[string]dirList, len(d.Dirs))
	}
}

// absPath is p from the working folder the run started in: the cache's entries are absolute paths,
// the writer's roots may be relative.
func (c *Cache) absPath(p string) string {
	if filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(c.cwd, p)
}

// abs is where a file of kind k at p lands.
func (c *Cache) abs(k Kind, p string) string {
	root := c.roots[0]
	if k.InRepo() {
		root = c.roots[1]
	}
	return filepath.Join(root, filepath.FromSlash(p))
}

// jobKey salts a (service, target) fingerprint with this executable and the target's name.
func (c *Cache) jobKey(fp [sha256.Size]byte, target string) [sha256.Size]byte {
	h := sha256.New()
	h.Write(c.salt)
	h.Write([]byte{0})
	h.Write([]byte(target))
	h.Write([]byte{0})
	h.Write(fp[:])
	return [sha256.Size]byte(h.Sum(nil))
}

// skip returns a rendering's files without their data when its listing is known and every file is on
// disk as listed: a seed need only be there (Gantry keeps whatever it holds), every other file, the
// user's included, must hold what was listed (a customization the user changed is rendered, so its
// check sees the rendered files).
func (c *Cache) skip(key [sha256.Size]byte) ([]File, bool) {
	listed, ok := c.old.Jobs[key]
	if !ok {
		return nil, false
	}
	type vouched struct {
		abs string
		e   fileStat
	}
	files := make([]File, 0, len(listed))
	found := make([]vouched, 0, len(listed))
	for _, l := range listed {
		abs := c.abs(l.Kind, l.Path)
		e, ok := c.vouch(abs)
		switch {
		case !ok:
			return nil, false
		case l.Kind != Seeded && e.Hash != l.Hash:
			return nil, false
		}
		found = append(found, vouched{abs, e})
		files = append(files, File{Path: l.Path, Kind: l.Kind, Env: l.Env, Hash: hex.EncodeToString(l.Hash[:])})
	}
	// One lock for the rendering's files, not one a file: thousands of renderings share it.
	c.mu.Lock()
	for _, v := range found {
		c.next.Files[v.abs] = v.e
		c.seen[v.abs] = v.e.Hash
	}
	c.next.Jobs[key] = listed
	c.mu.Unlock()
	return files, true
}

// has reports whether the run already found the file at abs as the cache says it was: a regular file.
func (c *Cache) has(abs string) bool {
	if c == nil {
		return false
	}
	abs = c.absPath(abs)
	c.mu.Lock()
	defer c.mu.Unlock()
	_, ok := c.seen[abs]
	return ok
}

// remember keeps what a rendering made, for the next run.
func (c *Cache) remember(key [sha256.Size]byte, files []File) {
	listed := make([]Listed, len(files))
	for i, f := range files {
		listed[i] = Listed{Path: f.Path, Kind: f.Kind, Env: f.Env, Hash: sha256.Sum256(f.Data)}
	}
	c.mu.Lock()
	if _, had := c.old.Jobs[key]; !had {
		c.dirty = true
	}
	c.next.Jobs[key] = listed
	c.mu.Unlock()
}

// trusted is the hash of the file at abs when its metadata vouches for it, and keeps the entry.
func (c *Cache) trusted(abs string) ([sha256.Size]byte, bool) {
	abs = c.absPath(abs)
	c.mu.Lock()
	h, seen := c.seen[abs]
	c.mu.Unlock()
	if seen {
		return h, true
	}
	e, ok := c.vouch(abs)
	if !ok {
		return e.Hash, false
	}
	c.mu.Lock()
	c.next.Files[abs] = e
	c.seen[abs] = e.Hash
	c.mu.Unlock()
	return e.Hash, true
}

// vouch is the cache's entry for the absolute path abs when the file's metadata now vouches for it. It
// only reads: the old entries never change during a run.
func (c *Cache) vouch(abs string) (fileStat, bool) {
	e, ok := c.old.Files[abs]
	if !ok || e.Observed-int64(RacyMargin) <= e.Ctime {
		return e, false
	}
	now, err := statOf(abs)
	return e, err == nil && now.sameFile(e)
}

// read is readFile through the cache: the content's hash alone when the metadata vouches for it
// (data nil), else the content, recorded with the metadata found before reading it.
func (c *Cache) read(abs string) (data []byte, sum string, err error) {
	if c == nil {
		data, err = readFile(abs)
		if err == nil {
			sum = hash(data)
		}
		return data, sum, err
	}
	abs = c.absPath(abs)
	if h, ok := c.trusted(abs); ok {
		return nil, hex.EncodeToString(h[:]), nil
	}
	st, statErr := statOf(abs)
	data, err = readFile(abs)
	if err != nil {
		return nil, "", err
	}
	h := sha256.Sum256(data)
	if statErr == nil && st.Mode&syscall.S_IFMT == syscall.S_IFREG && int64(len(data)) == st.Size {
		st.Hash, st.Observed = h, c.start
		c.mu.Lock()
		c.next.Files[abs] = st
		c.dirty = true
		c.mu.Unlock()
	}
	return data, hex.EncodeToString(h[:]), nil
}

// statOf is the metadata of the file at abs, not following a final symbolic link.
func statOf(abs string) (fileStat, error) {
	var st syscall.Stat_t
	if err := ignoringEINTR(func() error { return syscall.Lstat(abs, &st) }); err != nil {
		return fileStat{}, err
	}
	return statFrom(&st), nil
}

func statFrom(st *syscall.Stat_t) fileStat {
	return fileStat{Size: st.Size, Mtime: st.Mtim.Nano(), Ctime: st.Ctim.Nano(), Ino: st.Ino, Dev: st.Dev, Mode: st.Mode}
}

// sameFile reports whether two metadata say the same file, unchanged.
func (a fileStat) sameFile(b fileStat) bool {
	return a.Size == b.Size && a.Mtime == b.Mtime && a.Ctime == b.Ctime && a.Ino == b.Ino && a.Dev == b.Dev && a.Mode == b.Mode
}

// listed is the regular files of the folder at abs when its metadata now (st) vouches for the listing
// the cache holds.
func (c *Cache) listed(abs string, st fileStat) ([]string, bool) {
	if c == nil || st.Mode&syscall.S_IFMT != syscall.S_IFDIR {
		return nil, false
	}
	abs = c.absPath(abs)
	d, ok := c.old.Dirs[abs]
	if !ok || d.Stat.Observed-int64(RacyMargin) <= d.Stat.Ctime || !d.Stat.sameFile(st) {
		return nil, false
	}
	c.mu.Lock()
	c.next.Dirs[abs] = d
	c.mu.Unlock()
	return d.Names, true
}

// rememberDir keeps a folder's listing, read after its metadata st was found.
func (c *Cache) rememberDir(abs string, st fileStat, names []string) {
	if c == nil || st.Mode&syscall.S_IFMT != syscall.S_IFDIR {
		return
	}
	abs = c.absPath(abs)
	st.Observed = c.start
	c.mu.Lock()
	c.next.Dirs[abs] = dirList{Stat: st, Names: names}
	c.dirty = true
	c.mu.Unlock()
}

// Done tells the cache that the run has rendered and read all it will: what the last run knew is
// dropped (tens of megabytes on a large platform), so that writing the output reuses that memory. A
// later question finds nothing known, as without a cache; Save still writes what this run learnt.
func (c *Cache) Done() {
	if c == nil {
		return
	}
	c.mu.Lock()
	c.old = cacheData{Salt: c.old.Salt}
	c.seen = map[string][sha256.Size]byte{}
	c.mu.Unlock()
}

// Save writes what this run learnt for the next one (atomically; a cache that cannot be written is
// no error: the next run renders more).
func (c *Cache) Save() {
	if c == nil {
		return
	}
	c.saveKnown()
	if !c.dirty && [3]int{len(c.next.Files), len(c.next.Jobs), len(c.next.Dirs)} == c.had {
		return // nothing learnt, nothing forgotten
	}
	c.mu.Lock()
	replaceFile(c.path, func(f *os.File) error {
		return stream(func(b []byte) error { _, err := f.Write(b); return err }, c.next.encodeTo, "")
	})
	c.mu.Unlock()
	prune(filepath.Dir(c.path), time.Now().Add(-cacheMaxAge))
}

// replaceFile writes a file of the cache at path through write, atomically: whole or not at all.
func replaceFile(path string, write func(*os.File) error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".cache-*")
	if err != nil {
		return
	}
	if errors.Join(write(tmp), tmp.Close()) != nil || os.Rename(tmp.Name(), path) != nil {
		os.Remove(tmp.Name())
	}
}

// cacheMaxAge is how long the cache of an output folder no run has used is kept: each is one file,
// and temporary output folders would otherwise add up.
const cacheMaxAge = 30 * 24 * time.Hour

// prune removes the cache files in dir last written before cutoff (and temporary files a killed
// run left).
func prune(dir string, cutoff time.Time) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	for _, e := range entries {
		if info, err := e.Info(); err == nil && info.Mode().IsRegular() && info.ModTime().Before(cutoff) {
			os.Remove(filepath.Join(dir, e.Name()))
		}
	}
}

// ErrKnownChanged is a skipped rendering's file found changed while writing or checking (a file
// edited in the instant between two reads): the caller runs again without the cache.
var ErrKnownChanged = errors.New("a file changed while gantry was reading it")
