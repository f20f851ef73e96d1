package generators

import (
	"bytes"
	"encoding/json"
	"maps"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// encode is json.MarshalIndent(m, "", "  "), byte for byte (TestManifestEncode), written directly: the
// record of a platform holds tens of thousands of entries and is written twice a run, and the
// reflection of encoding/json was a fifth of a run that changes one service.
func (m Manifest) encode() []byte {
	return m.encodeTo(nil, nil)
}

// encodeTo is encode into b, handed to flush (when not nil) whenever it holds encodeChunk bytes and
// continued in what flush returns: a record of tens of megabytes is written without being whole in
// memory. Without flush, b is made at the record's length (unless strings are escaped), so that it
// is never grown.
func (m Manifest) encodeTo(b []byte, flush func([]byte) []byte) []byte {
	// (Sorting the entries with their paths, rather than looking each up once sorted, was slower:
	// sorting moved 120-byte structs.)
	const entryText = 162 // an entry's keys, quotes and indentation, every field present
	paths := make([]string, 0, len(m.Files))
	size := 128 + len(m.Gantry)
	for p, e := range m.Files {
		paths = append(paths, p)
		size += entryText + len(p) + len(e.SHA256) + len(e.Pending) + len(e.Target) + len(e.Env) + len(e.Source) + len(e.Platform)
	}
	for name, members := range m.Platforms {
		size += 24 + len(name)
		for _, s := range members {
			size += 24 + len(s)
		}
	}
	slices.Sort(paths)

	if flush == nil && b == nil {
		b = make([]byte, 0, size)
	}
	b = append(b, "{\n  \"version\": "...)
	b = strconv.AppendInt(b, int64(m.Version), 10)
	b = appendField(b, ",\n  \"gantry\": ", m.Gantry)
	b = append(b, ",\n  \"files\": "...)
	switch {
	case m.Files == nil:
		b = append(b, "null"...)
	case len(m.Files) == 0:
		b = append(b, "{}"...)
	default:
		b = append(b, "{\n"...)
		for i, p := range paths {
			if i > 0 {
				b = append(b, ",\n"...)
			}
			e := m.Files[p]
			b = append(b, "    "...)
			b = appendString(b, p)
			b = append(b, ": {\n      \"sha256\": "...)
			b = appendString(b, e.SHA256)
			b = appendField(b, ",\n      \"pending\": ", e.Pending)
			b = append(b, ",\n      \"target\": "...)
			b = appendString(b, e.Target)
			b = appendField(b, ",\n      \"env\": ", e.Env)
			b = appendField(b, ",\n      \"source\": ", e.Source)
			b = appendField(b, ",\n      \"platform\": ", e.Platform)
			if e.Yours {
				b = append(b, ",\n      \"yours\": true"...)
			}
			b = append(b, "\n    }"...)
			if flush != nil && len(b) >= encodeChunk {
				b = flush(b)
			}
		}
		b = append(b, "\n  }"...)
	}
	if len(m.Platforms) > 0 {
		b = append(b, ",\n  \"platforms\": {\n"...)
		for i, name := range slices.Sorted(maps.Keys(m.Platforms)) {
			if i > 0 {
				b = append(b, ",\n"...)
			}
			b = append(b, "    "...)
			b = appendString(b, name)
			b = append(b, ": "...)
			switch members := m.Platforms[name]; {
			case members == nil:
				b = append(b, "null"...)
			case len(members) == 0:
				b = append(b, "[]"...)
			default:
				b = append(b, "[\n"...)
				for j, s := range members {
					if j > 0 {
						b = append(b, ",\n"...)
					}
					b = append(b, "      "...)
					b = appendString(b, s)
				}
				b = append(b, "\n    ]"...)
			}
		}
		b = append(b, "\n  }"...)
	}
	return append(b, "\n}"...)
}

// encodeChunk is how much a streamed encoding holds before it is written out.
const encodeChunk = 256 << 10

// stream hands what encode appends to write as it goes, in chunks of about encodeChunk bytes, then
// the rest and end.
func stream(write func([]byte) error, encode func(b []byte, flush func([]byte) []byte) []byte, end string) error {
	var err error
	b := encode(make([]byte, 0, encodeChunk+4<<10), func(b []byte) []byte {
		if err == nil {
			err = write(b)
		}
		return b[:0]
	})
	if err == nil {
		err = write(append(b, end...))
	}
	return err
}

// appendField appends an omitempty field: its key (with what comes before it) and value, unless the
// value is empty.
func appendField(b []byte, key, v string) []byte {
	if v == "" {
		return b
	}
	return appendString(append(b, key...), v)
}

// appendString appends s as encoding/json quotes it: printable ASCII other than the characters it
// escapes is copied; anything else goes through encoding/json itself.
func appendString(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if !unescaped[s[i]] {
			q, _ := json.Marshal(s) // a string always marshals
			return append(b, q...)
		}
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}

// unescaped are the bytes encoding/json writes as they are (and that are ASCII).
var unescaped = func() (t [256]bool) {
	for c := 0x20; c <= 0x7e; c++ {
		t[c] = !strings.ContainsRune(`"\<>&`, rune(c))
	}
	return t
}()

// decodeManifest is json.Unmarshal(data, &m) for m starting as readManifest's empty record (version
// 1, no files), with the same result and the same error for every input. Reading the record of a
// platform with encoding/json took a tenth of a cached check: a record exactly as encode writes it is
// read directly, and anything else (another layout, escapes, unknown keys, a damaged record) goes to
// encoding/json, whose error message readManifest reports.
func decodeManifest(data []byte) (Manifest, error) {
	if m, ok := decodeEncoded(data); ok {
		return m, nil
	}
	m := Manifest{Version: 1, Files: map[string]ManifestEntry{}}
	err := json.Unmarshal(data, &m)
	return m, err
}

// decodeEncoded reads what encode writes (and a newline after it), or reports that data is not in
// that exact shape.
func decodeEncoded(data []byte) (Manifest, bool) {
	d := recordDecoder{b: data}
	// Most strings are kept in one arena, each a slice of it: one allocation instead of one a string.
	// The paths and hashes take about half the record's text (more only grows the arena).
	d.arena.Grow(len(data) / 2)
	m := Manifest{Version: 1}
	d.expect("{\n  \"version\": ")
	m.Version = d.int()
	if d.lit(",\n  \"gantry\": ") {
		m.Gantry = d.str("")
	}
	d.expect(",\n  \"files\": ")
	switch {
	case d.lit("null"):
	case d.lit("{}"):
		m.Files = map[string]ManifestEntry{}
	case d.lit("{\n"):
		// Each entry opens one brace: counting them sizes the map at once (a path holding a brace only
		// makes it larger).
		m.Files = make(map[string]ManifestEntry, bytes.Count(d.b, []byte("{")))
		var e ManifestEntry // the previous entry: the next one likely has the same target, source...
		for !d.bad {
			d.expect("    ")
			p := d.str("")
			d.expect(": {\n      \"sha256\": ")
			e = ManifestEntry{SHA256: d.str(""), Target: e.Target, Env: e.Env, Source: e.Source, Platform: e.Platform}
			if d.lit(",\n      \"pending\": ") {
				e.Pending = d.str("")
			}
			d.expect(",\n      \"target\": ")
			e.Target = d.str(e.Target)
			e.Env = d.optional(",\n      \"env\": ", e.Env)
			e.Source = d.optional(",\n      \"source\": ", e.Source)
			e.Platform = d.optional(",\n      \"platform\": ", e.Platform)
			e.Yours = d.lit(",\n      \"yours\": true")
			d.expect("\n    }")
			m.Files[p] = e // a repeated path: the last, as encoding/json
			if !d.lit(",\n") {
				break
			}
		}
		d.expect("\n  }")
	default:
		d.bad = true
	}
	if d.lit(",\n  \"platforms\": {\n") {
		m.Platforms = map[string][]string{}
		for !d.bad {
			d.expect("    ")
			name := d.str("")
			d.expect(": ")
			var members []string
			switch {
			case d.lit("null"):
			case d.lit("[]"):
				members = []string{}
			case d.lit("[\n"):
				for !d.bad {
					d.expect("      ")
					members = append(members, d.str(""))
					if !d.lit(",\n") {
						break
					}
				}
				d.expect("\n    ]")
			default:
				d.bad = true
			}
			m.Platforms[name] = members
			if !d.lit(",\n") {
				break
			}
		}
		d.expect("\n  }")
	}
	d.expect("\n}")
	if d.bad || len(bytes.TrimLeft(d.b, " \t\r\n")) != 0 {
		return Manifest{}, false
	}
	return m, true
}

// recordDecoder takes the record's text off the front of b. A mandatory step that does not match sets
// bad (expect, str, int), and from then on nothing matches.
type recordDecoder struct {
	b     []byte
	bad   bool
	arena strings.Builder
}

// expect takes prefix off b, which must start with it.
func (d *recordDecoder) expect(prefix string) {
	if !d.lit(prefix) {
		d.bad = true
	}
}

// lit takes prefix off b if b starts with it.
func (d *recordDecoder) lit(prefix string) bool {
	if d.bad || len(d.b) < len(prefix) || string(d.b[:len(prefix)]) != prefix {
		return false
	}
	d.b = d.b[len(prefix):]
	return true
}

// str takes a JSON string that encoding/json reads as it is written: no escapes, no control
// characters, valid UTF-8 (encoding/json replaces each invalid byte). When it equals prev, it is prev.
func (d *recordDecoder) str(prev string) string {
	if d.bad || len(d.b) == 0 || d.b[0] != '"' {
		d.bad = true
		return ""
	}
	i, all := 1, byte(0)
	for i < len(d.b) && plain[d.b[i]] {
		all |= d.b[i]
		i++
	}
	if i == len(d.b) || d.b[i] != '"' || (all >= utf8.RuneSelf && !utf8.Valid(d.b[1:i])) {
		d.bad = true
		return ""
	}
	v := d.b[1:i]
	d.b = d.b[i+1:]
	if string(v) == prev {
		return prev
	}
	start := d.arena.Len()
	d.arena.Write(v)
	return d.arena.String()[start:] // the arena only grows: what it returned stays as it was
}

// plain are the bytes that stand for themselves in a JSON string.
var plain = func() (t [256]bool) {
	for c := 0x20; c < len(t); c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

// optional takes the string that follows key when b starts with key, else "". When it equals prev, it
// is prev.
func (d *recordDecoder) optional(key, prev string) string {
	if !d.lit(key) {
		return ""
	}
	return d.str(prev)
}

// int takes a JSON integer of at most 18 digits (no overflow of an int).
func (d *recordDecoder) int() int {
	digits := bytes.TrimPrefix(d.b, []byte("-"))
	n := 0
	for n < len(digits) && n < 19 && '0' <= digits[n] && digits[n] <= '9' {
		n++
	}
	if d.bad || n == 0 || n > 18 || (n > 1 && digits[0] == '0') {
		d.bad = true
		return 0
	}
	end := len(d.b) - len(digits) + n
	v, _ := strconv.Atoi(string(d.b[:end]))
	d.b = d.b[end:]
	return v
}
