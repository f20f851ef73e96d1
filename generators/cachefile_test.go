package generators

import (
	"crypto/sha256"
	"os"
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

// FuzzCacheFile: whatever the cache file holds, reading it returns or refuses, never panics, and what it
// returns encodes back to a file that reads the same.
func FuzzCacheFile(f *testing.F) {
	f.Add(sampleCache().encode())
	f.Add([]byte(cacheMagic))
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
