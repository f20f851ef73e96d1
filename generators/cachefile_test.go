package generators

import (
	"crypto/sha256"
	"encoding/binary"
	"os"
	"path"
	"path/filepath"
	"reflect"
	"testing"
	"time"
)

func sampleCache() cacheData {
	return cacheData{
		Salt:  []byte("salt"),
		Jobs:  map[[sha256.Size]byte][]Listed{{1}: {{Path: "a/b.yaml", Kind: Seeded, Env: "prod", Hash: [sha256.Size]byte{2}}}, {3}: {}},
		Files: map[string]fileStat{"/out/a/b.yaml": {Size: 10, Mtime: -1, Ctime: 1 << 60, Ino: 7, Dev: 8, Mode: 0o100644, Hash: [sha256.Size]byte{9}, Observed: 11}},
		Dirs:  map[string]dirList{"/out/a": {Stat: fileStat{Mode: 0o40755}, Names: []string{"b.yaml", ""}}},
	}
}

func TestCacheFileRoundTrip(t *testing.T) {
	d := sampleCache()
	got, err := decodeCache(d.encode())
	if err != nil || !reflect.DeepEqual(got, d) {
		t.Fatalf("round trip: %v\n got %+v\nwant %+v", err, got, d)
	}
	// Every cut of a valid file is refused, never read as a smaller cache.
	data := d.encode()
	for n := range len(data) {
		if _, err := decodeCache(data[:n]); err == nil {
			t.Fatalf("a file cut at %d of %d bytes was read", n, len(data))
		}
	}
}

// The file says how long its strings are together; a file that says otherwise is refused, as is one
// that counts more elements than it could hold.
func TestCacheFileCounts(t *testing.T) {
	d := sampleCache()
	data := d.encode()
	head := len(cacheMagic) + 1 + len(d.Salt)
	if data[head] != 37 {
		t.Fatalf("strings length %d, want 37", data[head])
	}
	for _, n := range []byte{36, 38} {
		bad := append([]byte{}, data...)
		bad[head] = n
		if _, err := decodeCache(bad); err == nil {
			t.Errorf("strings length %d read", n)
		}
	}
	huge := binary.AppendUvarint(append([]byte{}, data[:head+1]...), 1<<62)
	if _, err := decodeCache(append(huge, data[head+2:]...)); err == nil {
		t.Error("a count of 1<<62 jobs was read")
	}
}

// FuzzCacheFile: whatever the cache file holds, reading it returns or refuses, never panics, and what it
// returns encodes back to a file that reads the same.
func FuzzCacheFile(f *testing.F) {
	f.Add(sampleCache().encode())
	f.Add([]byte(cacheMagic))
	f.Add(syntheticCache(1).encode())
	f.Fuzz(func(t *testing.T, data []byte) {
		d, err := decodeCache(data)
		if err != nil {
			return
		}
		again, err := decodeCache(d.encode())
		if err != nil || !reflect.DeepEqual(again, d) {
			t.Fatalf("re-encoded cache reads differently: %v", err)
		}
	})
}

// syntheticCache is the cache of a platform of n services (syntheticRecord) whose output folder and
// repository root are the same folder: every file read, every folder listed, a listing per (service,
// target).
func syntheticCache(n int) cacheData {
	const root = "/home/developer/src/platform-repo/"
	d := cacheData{Salt: []byte("gantry-cache\x00v0.1.0\x00/usr/local/bin/gantry"), Jobs: map[[sha256.Size]byte][]Listed{}, Files: map[string]fileStat{}, Dirs: map[string]dirList{}}
	st := func(i int) fileStat {
		return fileStat{Size: int64(100 + i%5000), Mtime: 1_700_000_000_000_000_000 + int64(i)*1000, Ctime: 1_700_000_000_000_000_000 + int64(i)*1000, Ino: uint64(1_000_000 + i), Dev: 2049, Mode: 0o100644, Hash: sha256.Sum256([]byte{byte(i), byte(i >> 8), byte(i >> 16)}), Observed: 1_700_000_100_000_000_000}
	}
	jobs := map[string][]Listed{}
	i := 0
	for p, e := range syntheticRecord(n).Files {
		i++
		d.Files[root+p] = st(i)
		dir, name := path.Split(root + p)
		dl := d.Dirs[dir]
		dl.Stat, dl.Names = st(i), append(dl.Names, name)
		dl.Stat.Mode = 0o40755
		d.Dirs[dir] = dl
		jobs[e.Source+e.Target] = append(jobs[e.Source+e.Target], Listed{Path: p, Env: e.Env, Hash: st(i).Hash})
	}
	for k, files := range jobs {
		d.Jobs[sha256.Sum256([]byte(k))] = files
	}
	return d
}

// BenchmarkCacheFile writes and reads the cache of 1,000 services (about 14 MB).
func BenchmarkCacheFile(b *testing.B) {
	d := syntheticCache(1000)
	data := d.encode()
	b.Logf("%d bytes, %d jobs, %d files, %d folders", len(data), len(d.Jobs), len(d.Files), len(d.Dirs))
	b.Run("encode", func(b *testing.B) {
		for b.Loop() {
			d.encode()
		}
	})
	b.Run("decode", func(b *testing.B) {
		for b.Loop() {
			if _, err := decodeCache(data); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// A cache file no run has written for cacheMaxAge goes; a recent one stays.
func TestCachePrune(t *testing.T) {
	dir := t.TempDir()
	old, recent := filepath.Join(dir, "old.bin"), filepath.Join(dir, "recent.bin")
	for _, p := range []string{old, recent} {
		if err := os.WriteFile(p, []byte("x"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	long := time.Now().Add(-cacheMaxAge - time.Hour)
	if err := os.Chtimes(old, long, long); err != nil {
		t.Fatal(err)
	}
	prune(dir, time.Now().Add(-cacheMaxAge))
	if _, err := os.Stat(old); err == nil {
		t.Error("an old cache file was kept")
	}
	if _, err := os.Stat(recent); err != nil {
		t.Error("a recent cache file was removed")
	}
}

// TestCacheDoneKeepsWhatWasLearnt: Done drops what the last run knew, not what this run learnt: the
// renderings it remembered and the files it read are in the cache the next run opens, and an unchanged
// run after that writes no new cache file.
func TestCacheDoneKeepsWhatWasLearnt(t *testing.T) {
	dir, out := t.TempDir(), t.TempDir()
	p := filepath.Join(out, "a.yaml")
	if err := os.WriteFile(p, []byte("a\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	key := sha256.Sum256([]byte("svc/kubernetes"))
	c := OpenCache(dir, out, out)
	c.remember(key, []File{{Path: "a.yaml", Data: []byte("a\n")}})
	if _, _, err := c.read(p); err != nil {
		t.Fatal(err)
	}
	c.Done()
	c.Save()
	next := OpenCache(dir, out, out)
	if _, ok := next.old.Jobs[key]; !ok || len(next.old.Files) != 1 {
		t.Fatalf("the next run's cache: %d jobs (the rendering's: %v), %d files", len(next.old.Jobs), ok, len(next.old.Files))
	}
	st, err := os.Stat(next.path)
	if err != nil {
		t.Fatal(err)
	}
	// Learns the same again: nothing to write.
	next.remember(key, []File{{Path: "a.yaml", Data: []byte("a\n")}})
	next.mu.Lock()
	next.next.Files[filepath.Clean(p)] = next.old.Files[filepath.Clean(p)]
	next.mu.Unlock()
	next.Done()
	os.Chtimes(next.path, st.ModTime().Add(-time.Hour), st.ModTime().Add(-time.Hour))
	next.Save()
	if again, _ := os.Stat(next.path); !again.ModTime().Equal(st.ModTime().Add(-time.Hour)) {
		t.Error("a run that learnt nothing new rewrote the cache")
	}
}
