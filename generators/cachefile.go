package generators

import (
	"crypto/sha256"
	"encoding/binary"
	"errors"
)

// The cache file is a flat binary encoding of cacheData, written and read without reflection: the
// cache of a 1,000-service platform holds about 100,000 entries, and gob took a fifth of a run that
// renders nothing. Anything that does not decode exactly (another format, a cut file) is no cache.

const cacheMagic = "gantry-cache-2\n"

func (d cacheData) encode() []byte {
	b := make([]byte, 0, 1<<20)
	b = append(b, cacheMagic...)
	b = appendBytes(b, d.Salt)
	b = binary.AppendUvarint(b, uint64(len(d.Jobs)))
	for key, files := range d.Jobs {
		b = append(b, key[:]...)
		b = binary.AppendUvarint(b, uint64(len(files)))
		for _, f := range files {
			b = appendBytes(b, []byte(f.Path))
			b = append(b, byte(f.Kind))
			b = appendBytes(b, []byte(f.Env))
			b = append(b, f.Hash[:]...)
		}
	}
	b = binary.AppendUvarint(b, uint64(len(d.Files)))
	for p, st := range d.Files {
		b = appendBytes(b, []byte(p))
		b = st.append(b)
	}
	b = binary.AppendUvarint(b, uint64(len(d.Dirs)))
	for p, dl := range d.Dirs {
		b = appendBytes(b, []byte(p))
		b = dl.Stat.append(b)
		b = binary.AppendUvarint(b, uint64(len(dl.Names)))
		for _, n := range dl.Names {
			b = appendBytes(b, []byte(n))
		}
	}
	return b
}

func appendBytes(b, s []byte) []byte {
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

// decodeCache reads what encode wrote.
func decodeCache(data []byte) (cacheData, error) {
	r := &cacheReader{b: data}
	if string(r.take(len(cacheMagic))) != cacheMagic {
		return cacheData{}, errCacheFile
	}
	d := cacheData{Salt: r.bytes(), Jobs: map[[sha256.Size]byte][]Listed{}, Files: map[string]fileStat{}, Dirs: map[string]dirList{}}
	for n := r.count(); n > 0 && r.err == nil; n-- {
		key := [sha256.Size]byte(r.take(sha256.Size))
		files := make([]Listed, r.count())
		for i := range files {
			if r.err != nil {
				break
			}
			files[i] = Listed{Path: r.str(), Kind: Kind(r.byte()), Env: r.str(), Hash: [sha256.Size]byte(r.take(sha256.Size))}
		}
		d.Jobs[key] = files
	}
	for n := r.count(); n > 0 && r.err == nil; n-- {
		p := r.str()
		d.Files[p] = r.stat()
	}
	for n := r.count(); n > 0 && r.err == nil; n-- {
		p := r.str()
		dl := dirList{Stat: r.stat(), Names: make([]string, r.count())}
		for i := range dl.Names {
			dl.Names[i] = r.str()
		}
		d.Dirs[p] = dl
	}
	if r.err == nil && len(r.b) != 0 {
		r.err = errCacheFile
	}
	return d, r.err
}

// cacheReader takes values off the front of b; the first shortfall sets err, and from then on every
// value is zero.
type cacheReader struct {
	b   []byte
	err error
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

// count is a length that the rest of the data could hold (each element takes a byte at least).
func (r *cacheReader) count() int {
	n := r.uvarint()
	if n > uint64(len(r.b)) {
		r.err = errCacheFile
		return 0
	}
	return int(n)
}

func (r *cacheReader) bytes() []byte { return r.take(r.count()) }
func (r *cacheReader) str() string   { return string(r.bytes()) }

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
