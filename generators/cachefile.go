package generators

import (
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"strings"
)

// The cache file is a flat binary encoding of cacheData, written and read without reflection: the
// cache of a 1,000-service platform holds about 100,000 entries, and gob took a fifth of a run that
// renders nothing. Anything that does not decode exactly (another format, a cut file) is no cache.

const cacheMagic = "gantry-cache-3\n"

// encode writes the cache file. After the salt comes the length of all the strings that follow, so
// that decodeCache can hold them in one allocation.
func (d cacheData) encode() []byte {
	return d.encodeTo(nil, nil)
}

// encodeTo is encode into b, handed to flush (when not nil) as Manifest.encodeTo does.
func (d cacheData) encodeTo(b []byte, flush func([]byte) []byte) []byte {
	more := func() {
		if flush != nil && len(b) >= encodeChunk {
			b = flush(b)
		}
	}
	// At most the length of the file, so that the buffer is never grown (and copied) on the way.
	const stat = 7*binary.MaxVarintLen64 + sha256.Size
	strs, rest := 0, len(cacheMagic)+len(d.Salt)+5*binary.MaxVarintLen64
	for _, files := range d.Jobs {
		rest += sha256.Size + binary.MaxVarintLen64
		for _, f := range files {
			strs += len(f.Path) + len(f.Env)
			rest += 2*binary.MaxVarintLen64 + 1 + sha256.Size
		}
	}
	for p := range d.Files {
		strs += len(p)
		rest += binary.MaxVarintLen64 + stat
	}
	for p, dl := range d.Dirs {
		strs += len(p)
		rest += 2*binary.MaxVarintLen64 + stat
		for _, n := range dl.Names {
			strs += len(n)
			rest += binary.MaxVarintLen64
		}
	}
	if flush == nil && b == nil {
		b = make([]byte, 0, strs+rest)
	}
	b = append(b, cacheMagic...)
	b = appendBytes(b, d.Salt)
	b = binary.AppendUvarint(b, uint64(strs))
	b = binary.AppendUvarint(b, uint64(len(d.Jobs)))
	for key, files := range d.Jobs {
		b = append(b, key[:]...)
		b = binary.AppendUvarint(b, uint64(len(files)))
		for _, f := range files {
			b = appendBytes(b, f.Path)
			b = append(b, byte(f.Kind))
			b = appendBytes(b, f.Env)
			b = append(b, f.Hash[:]...)
		}
		more()
	}
	b = binary.AppendUvarint(b, uint64(len(d.Files)))
	for p, st := range d.Files {
		b = appendBytes(b, p)
		b = st.append(b)
		more()
	}
	b = binary.AppendUvarint(b, uint64(len(d.Dirs)))
	for p, dl := range d.Dirs {
		b = appendBytes(b, p)
		b = dl.Stat.append(b)
		b = binary.AppendUvarint(b, uint64(len(dl.Names)))
		for _, n := range dl.Names {
			b = appendBytes(b, n)
		}
		more()
	}
	return b
}

func appendBytes[S ~string | ~[]byte](b []byte, s S) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

func (st fileStat) append(b []byte) []byte {
	b = binary.AppendVarint(b, st.Size)
	b = binary.AppendVarint(b, st.Mtime)
	b = binary.AppendVarint(b, st.Ctime)
	b = binary.AppendUvarint(b, st.Ino)
	b = binary.AppendUvarint(b, st.Dev)
	b = binary.AppendUvarint(b, uint64(st.Mode))
	b = append(b, st.Hash[:]...)
	return binary.AppendVarint(b, st.Observed)
}

var errCacheFile = errors.New("not a gantry cache file")

// The fewest bytes an element takes in the file: a count larger than the rest of the file could
// hold is refused before anything is allocated for it.
const (
	minStat   = 6 + sha256.Size + 1
	minJob    = sha256.Size + 1
	minListed = 1 + 1 + 1 + sha256.Size
	minFile   = 1 + minStat
	minDir    = 1 + minStat + 1
)

// decodeCache reads what encode wrote.
func decodeCache(data []byte) (cacheData, error) {
	r := &cacheReader{b: data}
	if string(r.take(len(cacheMagic))) != cacheMagic {
		return cacheData{}, errCacheFile
	}
	d := cacheData{Salt: r.bytes()}
	// Every string is a slice of one arena: one allocation instead of one a path.
	strs := r.count(1)
	r.strs.Grow(strs)
	n := r.count(minJob)
	d.Jobs = make(map[[sha256.Size]byte][]Listed, n)
	for ; n > 0 && r.err == nil; n-- {
		key := [sha256.Size]byte(r.take(sha256.Size))
		files := make([]Listed, r.count(minListed))
		for i := range files {
			if r.err != nil {
				break
			}
			files[i] = Listed{Path: r.str(), Kind: Kind(r.byte()), Env: r.str(), Hash: [sha256.Size]byte(r.take(sha256.Size))}
		}
		d.Jobs[key] = files
	}
	n = r.count(minFile)
	d.Files = make(map[string]fileStat, n)
	for ; n > 0 && r.err == nil; n-- {
		p := r.str()
		d.Files[p] = r.stat()
	}
	n = r.count(minDir)
	d.Dirs = make(map[string]dirList, n)
	for ; n > 0 && r.err == nil; n-- {
		p := r.str()
		dl := dirList{Stat: r.stat(), Names: make([]string, r.count(1))}
		for i := range dl.Names {
			dl.Names[i] = r.str()
		}
		d.Dirs[p] = dl
	}
	if r.err == nil && (len(r.b) != 0 || r.strs.Len() != strs) {
		r.err = errCacheFile
	}
	return d, r.err
}

// cacheReader takes values off the front of b; the first shortfall sets err, and from then on every
// value is zero.
type cacheReader struct {
	b    []byte
	err  error
	strs strings.Builder // the strings read
}

var zero [sha256.Size]byte

func (r *cacheReader) take(n int) []byte {
	if r.err != nil || n < 0 || n > len(r.b) {
		r.err = errCacheFile
		if n == sha256.Size {
			return zero[:]
		}
		return nil
	}
	out := r.b[:n]
	r.b = r.b[n:]
	return out
}

func (r *cacheReader) uvarint() uint64 {
	if r.err != nil {
		return 0
	}
	v, n := binary.Uvarint(r.b)
	if n <= 0 {
		r.err = errCacheFile
		return 0
	}
	r.b = r.b[n:]
	return v
}

func (r *cacheReader) varint() int64 {
	if r.err != nil {
		return 0
	}
	v, n := binary.Varint(r.b)
	if n <= 0 {
		r.err = errCacheFile
		return 0
	}
	r.b = r.b[n:]
	return v
}

// count is a number of elements of at least size bytes each that the rest of the data could hold.
func (r *cacheReader) count(size uint64) int {
	n := r.uvarint()
	if n > uint64(len(r.b))/size {
		r.err = errCacheFile
		return 0
	}
	return int(n)
}

func (r *cacheReader) bytes() []byte { return r.take(r.count(1)) }

func (r *cacheReader) str() string {
	start := r.strs.Len()
	r.strs.Write(r.bytes())
	return r.strs.String()[start:] // the arena only grows: what it returned stays as it was
}

func (r *cacheReader) byte() byte {
	if b := r.take(1); len(b) == 1 {
		return b[0]
	}
	return 0
}

func (r *cacheReader) stat() fileStat {
	st := fileStat{Size: r.varint(), Mtime: r.varint(), Ctime: r.varint(), Ino: r.uvarint(), Dev: r.uvarint(), Mode: uint32(r.uvarint())}
	st.Hash = [sha256.Size]byte(r.take(sha256.Size))
	st.Observed = r.varint()
	return st
}
