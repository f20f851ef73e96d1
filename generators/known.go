package generators

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/gantry-dev/gantry/blueprints"
	"github.com/gantry-dev/gantry/internal/parallel"
)

// A run that finds its blueprints as the last run left them need not load them. The cache keeps, beside
// its listings, what blueprints.Load returned last time as far as rendering and writing need it (each
// platform's services with their fingerprints, and the Reach), with the metadata of every file and
// folder Load read, listed, looked at or looked for (LoadOptions.Track), by the rule a file's entry
// follows: while each is as it was (or still not there), and changed well before that load began, Load
// would return the same for the same options in the same working folder, so each rendering's
// fingerprint is the one kept, and the cache's listing for it stands in for it. Only a load without
// any diagnostic is kept: warnings are printed by every run.

// Known is a load the cache vouches for: RunKnown renders from it.
type Known struct {
	Reach     blueprints.Reach
	Envs      []string // the environments of the platforms loaded, sorted, once each
	platforms []knownPlatform
}

type knownPlatform struct {
	Name     string
	Wide     digest // the platform-wide files' fingerprint
	Services []knownService
}

type knownService struct {
	Source string
	FP     digest
}

// digest is a fingerprint, in hexadecimal in the file.
type digest [sha256.Size]byte

func (d digest) MarshalText() ([]byte, error) { return hex.AppendEncode(nil, d[:]), nil }

func (d *digest) UnmarshalText(b []byte) error {
	if hex.DecodedLen(len(b)) != sha256.Size {
		return errCacheFile
	}
	_, err := hex.Decode(d[:], b)
	return err
}

// knownFile is a Known as its file holds it, with what vouches for it.
type knownFile struct {
	Salt      []byte // the cache's: this very executable
	Key       []byte // the load's options and working folder (output.loadKey)
	Inputs    []knownInput
	Platforms []knownPlatform
	Reach     json.RawMessage
	Envs      []string
}

// knownInput is a path Load asked about, and what was there: Lstat nil when nothing was; Stat, for a
// symbolic link, what it leads to (nil: nothing).
type knownInput struct {
	Path  string
	Lstat *fileStat `json:",omitempty"`
	Stat  *fileStat `json:",omitempty"`
}

// Track is LoadOptions.Track for a load whose result the cache may keep (KeepLoad).
func (c *Cache) Track(path string) {
	c.trackMu.Lock()
	c.tracked[path] = struct{}{}
	c.trackMu.Unlock()
}

// KeepLoad keeps the load this run made, which began at started and gave reach and envs with no
// diagnostic, for the next run with the same key; RunCached adds each platform's fingerprints. A path
// that cannot be looked at, or changed around the time it was read, keeps nothing; either way, the
// Known of the last run is replaced when the run is saved.
func (c *Cache) KeepLoad(key []byte, started time.Time, reach blueprints.Reach, envs []string) {
	if c == nil {
		return
	}
	c.loaded = true
	enc, err := reach.Encode()
	if err != nil {
		return
	}
	c.trackMu.Lock()
	paths := make([]string, 0, len(c.tracked))
	for p := range c.tracked {
		paths = append(paths, p)
	}
	c.trackMu.Unlock()
	observed := started.UnixNano()
	inputs := make([]knownInput, len(paths))
	var racy atomic.Bool
	parallel.Do(parallel.Workers(len(paths)/64+1), len(paths), func(_, i int) {
		in, ok := lookAt(paths[i])
		switch {
		case !ok:
			racy.Store(true)
		case in.Lstat == nil:
			// Not there now: nor during the load, if the nearest folder that is there has not changed since.
			dir := paths[i]
			for {
				dir = filepath.Dir(dir)
				st, err := statOf(dir)
				if err == nil {
					if !settled(st, observed) {
						racy.Store(true)
					}
					break
				}
				if !absence(err) || dir == "/" {
					racy.Store(true)
					break
				}
			}
		default:
			for _, st := range []*fileStat{in.Lstat, in.Stat} {
				if st != nil {
					if st.Observed = observed; !settled(*st, observed) {
						racy.Store(true)
					}
				}
			}
		}
		inputs[i] = in
	})
	if racy.Load() {
		return
	}
	c.load = &knownFile{Salt: c.salt, Key: key, Inputs: inputs, Reach: enc, Envs: envs}
}

// settled reports whether metadata found after a reading that began at observed says the same as during
// it: its last change is older than the racy margin.
func settled(st fileStat, observed int64) bool {
	return observed-int64(RacyMargin) > st.Ctime
}

// absence reports whether err says a path is not there.
func absence(err error) bool {
	return errors.Is(err, syscall.ENOENT) || errors.Is(err, syscall.ENOTDIR)
}

// lookAt is what is at path now; false when that cannot be told (an error other than its absence).
func lookAt(path string) (knownInput, bool) {
	in := knownInput{Path: path}
	ls, err := statOf(path)
	if err != nil {
		return in, absence(err)
	}
	in.Lstat = &ls
	if ls.Mode&syscall.S_IFMT == syscall.S_IFLNK {
		var st syscall.Stat_t
		if err := ignoringEINTR(func() error { return syscall.Stat(path, &st) }); err != nil {
			return in, absence(err)
		}
		target := statFrom(&st)
		in.Stat = &target
	}
	return in, true
}

// unchanged reports whether what is at the input's path is what was there, as far as metadata tell.
func (in knownInput) unchanged() bool {
	now, ok := lookAt(in.Path)
	return ok && sameStat(in.Lstat, now.Lstat) && sameStat(in.Stat, now.Stat)
}

func sameStat(was, now *fileStat) bool {
	if was == nil || now == nil {
		return was == nil && now == nil
	}
	return now.sameFile(*was) && settled(*was, was.Observed)
}

// keepPlatform adds a platform's fingerprints to the load kept (KeepLoad), in the load's order.
func (c *Cache) keepPlatform(p *blueprints.ResolvedPlatform, fps map[*blueprints.ResolvedService][sha256.Size]byte, wide [sha256.Size]byte) {
	if c.load == nil {
		return
	}
	kp := knownPlatform{Name: p.Name, Wide: wide, Services: make([]knownService, len(p.Services))}
	for i, s := range p.Services {
		kp.Services[i] = knownService{Source: s.Source, FP: fps[s]}
	}
	c.load.Platforms = append(c.load.Platforms, kp)
}

// forgetLoad keeps no load for the next run (a fingerprint could not be made).
func (c *Cache) forgetLoad() { c.load = nil }

// knownPath is where the cache keeps its Known: beside the cache file, small, so that it is read and
// checked while the cache file is still being read.
func (c *Cache) knownPath() string { return strings.TrimSuffix(c.path, ".bin") + ".load" }

// Known is the load the last run kept for key, when every path it asked about is as it was; else nil.
func (c *Cache) Known(key []byte) *Known {
	if c == nil {
		return nil
	}
	data, err := os.ReadFile(c.knownPath())
	if err != nil {
		return nil
	}
	var f knownFile
	if json.Unmarshal(data, &f) != nil || !bytes.Equal(f.Salt, c.salt) || !bytes.Equal(f.Key, key) {
		return nil
	}
	var changed atomic.Bool
	parallel.Do(parallel.Workers(len(f.Inputs)/64+1), len(f.Inputs), func(_, i int) {
		if !changed.Load() && !f.Inputs[i].unchanged() {
			changed.Store(true)
		}
	})
	if changed.Load() {
		return nil
	}
	reach, err := blueprints.DecodeReach(f.Reach)
	if err != nil {
		return nil
	}
	return &Known{Reach: reach, Envs: f.Envs, platforms: f.Platforms}
}

// saveKnown writes the load this run kept, or, when it loaded and kept none, removes the last one.
func (c *Cache) saveKnown() {
	if !c.loaded {
		return // the run used the Known it found, or loaded nothing
	}
	path := c.knownPath()
	if c.load == nil {
		os.Remove(path)
		return
	}
	data, err := json.Marshal(c.load)
	if err != nil {
		os.Remove(path)
		return
	}
	replaceFile(path, func(f *os.File) error { _, err := f.Write(data); return err })
}
