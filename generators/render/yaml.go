// Package render turns typed objects into the YAML Gantry writes: keys sorted, nulls dropped, strings
// quoted exactly when a YAML reader could take them for something else. It emits from the objects' JSON
// form directly, which is several times faster than a JSON-to-YAML round trip through a YAML library.
package render

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"sync"
	"unicode/utf8"
)

// YAML renders v (anything encoding/json can marshal) as a YAML document.
func YAML(v any) ([]byte, error) {
	e := emitters.Get().(*emitter)
	defer emitters.Put(e)
	e.out = e.out[:0]
	if err := e.render(v); err != nil {
		return nil, err
	}
	return slices.Clone(e.out), nil
}

// Document renders objects as one YAML file: the header line, then each object (see YAML) as its own
// document.
func Document(header string, objs ...any) ([]byte, error) {
	e := emitters.Get().(*emitter)
	defer emitters.Put(e)
	e.out = append(e.out[:0], header...)
	for i, o := range objs {
		if i > 0 {
			e.out = append(e.out, "---\n"...)
		}
		if err := e.render(o); err != nil {
			return nil, err
		}
	}
	return slices.Clone(e.out), nil
}

// emitter holds what rendering reuses from one document to the next: the JSON text, the parsed tree
// and the output, which the callers copy out (a file is built in e.out, then cloned at its size).
type emitter struct {
	json bytes.Buffer
	enc  *json.Encoder
	tree tree
	out  []byte
	err  error // the first key too long to write
	null bool  // a null where the tree has no member to drop (a list's element, the document)
}

var emitters = sync.Pool{New: func() any {
	e := &emitter{}
	e.enc = json.NewEncoder(&e.json) // json.Marshal's text plus a final newline
	// Without json.Marshal's \u003c for <, > and &: every string is decoded, so the tree is the same,
	// and PromQL and the dashboards' JSON are full of them.
	e.enc.SetEscapeHTML(false)
	return e
}}

// render appends v as YAML to e.out: v marshalled to JSON, parsed into a pruned tree (nulls and
// status dropped, see tree.closeObject), then written with its keys sorted.
func (e *emitter) render(v any) error {
	e.json.Reset()
	if err := e.enc.Encode(v); err != nil {
		return err
	}
	return e.renderJSON(e.json.String()) // one string for the whole text: the tree's are slices of it
}

// renderJSON appends the JSON text data as YAML to e.out.
func (e *emitter) renderJSON(data string) error {
	root, err := e.tree.parse(data)
	if err != nil {
		return err
	}
	e.err, e.null = nil, false
	switch n := e.tree.nodes[root]; n.kind {
	case kindObject:
		if n.n == 0 {
			e.out = append(e.out, "{}\n"...)
		} else {
			e.writeMap(n, 0)
		}
	case kindArray:
		if n.n == 0 {
			e.out = append(e.out, "[]\n"...)
		} else {
			e.writeList(n, 0)
		}
	default:
		e.scalar(n)
		e.out = append(e.out, '\n')
	}
	if e.err != nil {
		return e.err
	}
	if e.null {
		panic("render: unexpected <nil>") // json.Marshal of a typed object writes no null there
	}
	return nil
}

// maxKey is YAML's limit on an implicit key (1024 characters, quotes included).
const maxKey = 1000

func (e *emitter) indent(n int) {
	for range n {
		e.out = append(e.out, ' ')
	}
}

func (e *emitter) key(k string) {
	start := len(e.out)
	e.out = appendQuote(e.out, k)
	if len(e.out)-start > maxKey && e.err == nil {
		e.err = fmt.Errorf("a map key of %d bytes is longer than YAML allows for an implicit key", len(k))
	}
	e.out = append(e.out, ':')
}

func (e *emitter) writeMap(m node, depth int) {
	for i, mb := range e.tree.members[m.first : m.first+m.n] {
		if i > 0 || depth > 0 {
			e.indent(depth)
		}
		e.key(mb.key)
		e.writeValue(e.tree.nodes[mb.val], depth)
	}
}

// writeList writes a sequence at the indentation of its key, as kubectl and kustomize do.
func (e *emitter) writeList(l node, depth int) {
	for i, el := range e.tree.elems[l.first : l.first+l.n] {
		if i > 0 || depth > 0 {
			e.indent(depth)
		}
		e.out = append(e.out, "- "...)
		switch v := e.tree.nodes[el]; v.kind {
		case kindObject:
			if v.n == 0 {
				e.out = append(e.out, "{}\n"...)
				continue
			}
			// The first key goes on the dash's line; the others line up under it.
			e.writeMapAfterDash(v, depth+2)
		case kindArray:
			if v.n == 0 {
				e.out = append(e.out, "[]\n"...)
				continue
			}
			e.writeList(v, depth+2)
		default:
			e.scalar(v)
			e.out = append(e.out, '\n')
		}
	}
}

func (e *emitter) writeMapAfterDash(m node, depth int) {
	for i, mb := range e.tree.members[m.first : m.first+m.n] {
		if i > 0 {
			e.indent(depth)
		}
		e.key(mb.key)
		e.writeValue(e.tree.nodes[mb.val], depth)
	}
}

// writeValue writes what follows "key:".
func (e *emitter) writeValue(v node, depth int) {
	switch v.kind {
	case kindObject:
		if v.n == 0 {
			e.out = append(e.out, " {}\n"...)
			return
		}
		e.out = append(e.out, '\n')
		e.writeMap(v, depth+2)
	case kindArray:
		if v.n == 0 {
			e.out = append(e.out, " []\n"...)
			return
		}
		e.out = append(e.out, '\n')
		e.writeList(v, depth)
	default:
		e.out = append(e.out, ' ')
		e.scalar(v)
		e.out = append(e.out, '\n')
	}
}

func (e *emitter) scalar(v node) {
	switch v.kind {
	case kindString:
		e.out = appendQuote(e.out, v.text)
	case kindNumber:
		e.out = append(e.out, v.text...)
	case kindTrue:
		e.out = append(e.out, "true"...)
	case kindFalse:
		e.out = append(e.out, "false"...)
	default:
		e.null = true
	}
}

// plainByte reports the characters a plain scalar may hold: none of those that start comments, flow
// collections, anchors, aliases, tags or block scalars, and no white space.
func plainByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
		c == '_' || c == '.' || c == '/' || c == '@' || c == '%' || c == '+' || c == '=' || c == ',' || c == '-'
}

// isPlain reports whether s may stand unquoted as written: it starts with a letter, digit, '_', '.' or
// '/', holds only plainByte characters, and a ':' only between two of them (never ": " or a final ':').
func isPlain(s string) bool {
	if s == "" {
		return false
	}
	c := s[0]
	if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '.' || c == '/') {
		return false
	}
	for i := 1; i < len(s); i++ {
		c := s[i]
		if c == ':' && i+1 < len(s) && plainByte(s[i+1]) {
			continue
		}
		if !plainByte(c) {
			return false
		}
	}
	return true
}

// reserved are the words a YAML 1.1 or 1.2 reader resolves to a boolean or null, in any case.
var reserved = map[string]bool{"y": true, "n": true, "yes": true, "no": true, "on": true, "off": true,
	"true": true, "false": true, "null": true}

// number matches what a YAML 1.1 or 1.2 reader resolves to a number or a date: decimals, exponents,
// octal, hex and binary (yaml.v3 takes a sign after the base prefix too), sexagesimal, infinities and
// NaN, dates. It is matched with the separators ('_') removed: readers skip them anywhere in a
// number, the exponent's sign included ("1E__-3" is 0.001).
// It is compiled on first use (start-up).
var number = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`^[-+]?(\.[0-9]|[0-9])[0-9]*(\.[0-9]*)?([eE][-+]?[0-9]+)?$|^[-+]?0[xXoObB][-+]?[0-9a-fA-F]+$|` +
		`^[-+]?[0-9]+(:[0-5]?[0-9])+(\.[0-9]*)?$|^[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}|^[-+]?\.(?i:inf|nan)$`)
})

// ambiguous reports whether a plain-looking string would be read as something other than a string.
func ambiguous(s string) bool {
	if len(s) <= 5 && reserved[strings.ToLower(s)] {
		return true
	}
	switch c := s[0]; {
	case c >= '0' && c <= '9', c == '.', c == '+', c == '-':
		return digits(s) || number().MatchString(strings.ReplaceAll(s, "_", ""))
	}
	return false
}

// digits reports whether s is all decimal digits (a port, a count): a number to every reader, which
// number says too, only slower.
func digits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// appendQuote appends s as a YAML scalar: plain when that reads back as the same string, otherwise
// double-quoted with escapes (JSON's string syntax is a subset of YAML's double-quoted style).
func appendQuote(b []byte, s string) []byte {
	if isPlain(s) && !ambiguous(s) {
		return append(b, s...)
	}
	b = append(b, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x20 && c < utf8.RuneSelf && c != '"' && c != '\\' && c != 0x7f {
			// A run of printable ASCII goes as it is.
			j := i + 1
			for j < len(s) && s[j] >= 0x20 && s[j] < utf8.RuneSelf && s[j] != '"' && s[j] != '\\' && s[j] != 0x7f {
				j++
			}
			b = append(b, s[i:j]...)
			i = j
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == '"':
			b = append(b, `\"`...)
		case r == '\\':
			b = append(b, `\\`...)
		case r == '\n':
			b = append(b, `\n`...)
		case r == '\t':
			b = append(b, `\t`...)
		case r == '\r':
			b = append(b, `\r`...)
		case r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) || r == 0x2028 || r == 0x2029 || r == 0xfeff || r == 0xfffe || r == 0xffff || r == utf8.RuneError:
			// Control characters, line separators and the BOM are escaped so the text stays one line;
			// U+FFFE and U+FFFF are outside YAML's printable set, which readers refuse even quoted.
			const hex = "0123456789ABCDEF"
			b = append(b, '\\', 'u', hex[r>>12&0xf], hex[r>>8&0xf], hex[r>>4&0xf], hex[r&0xf])
		default:
			b = append(b, s[i:i+size]...)
		}
		i += size
	}
	return append(b, '"')
}
