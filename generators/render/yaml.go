// Package render turns typed objects into the YAML Gantry writes: keys sorted, nulls dropped, strings
// quoted exactly when a YAML reader could take them for something else. It emits from the objects' JSON
// form directly, which is several times faster than a JSON-to-YAML round trip through a YAML library.
package render

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"
	"sync"
	"unicode/utf8"
)

// YAML renders v (anything encoding/json can marshal) as a YAML document.
func YAML(v any) ([]byte, error) {
	raw, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	tree, err := decodeTree(raw) // numbers keep the digits json.Marshal wrote
	if err != nil {
		return nil, err
	}
	tree = prune(tree)
	if k := longKey(tree); k != "" {
		return nil, fmt.Errorf("a map key of %d bytes is longer than YAML allows for an implicit key", len(k))
	}
	var b bytes.Buffer
	switch t := tree.(type) {
	case map[string]any:
		if len(t) == 0 {
			b.WriteString("{}\n")
		} else {
			writeMap(&b, t, 0)
		}
	case []any:
		if len(t) == 0 {
			b.WriteString("[]\n")
		} else {
			writeList(&b, t, 0)
		}
	default:
		b.WriteString(scalar(t))
		b.WriteByte('\n')
	}
	return b.Bytes(), nil
}

// prune drops null values (creationTimestamp: null and the like), an empty status, and an object's
// status (it has a kind): generated files hold desired state, and typed structs carry zero counters
// and `loadBalancer: {}` there. Other empty objects stay: some mean something (an Istio
// allow-nothing policy is `spec: {}`).
func prune(v any) any {
	switch t := v.(type) {
	case map[string]any:
		for k, val := range t {
			if val == nil {
				delete(t, k)
				continue
			}
			t[k] = prune(val)
		}
		if st, ok := t["status"].(map[string]any); ok && (len(st) == 0 || t["kind"] != nil) {
			delete(t, "status")
		}
	case []any:
		for i := range t {
			t[i] = prune(t[i])
		}
	}
	return v
}

// maxKey is YAML's limit on an implicit key (1024 characters, quotes included).
const maxKey = 1000

// longKey returns a key too long to write, or "".
func longKey(v any) string {
	switch t := v.(type) {
	case map[string]any:
		for k, val := range t {
			if len(quote(k)) > maxKey {
				return k
			}
			if l := longKey(val); l != "" {
				return l
			}
		}
	case []any:
		for _, val := range t {
			if l := longKey(val); l != "" {
				return l
			}
		}
	}
	return ""
}

func indent(b *bytes.Buffer, n int) {
	for range n {
		b.WriteByte(' ')
	}
}

func writeMap(b *bytes.Buffer, m map[string]any, depth int) {
	for i, k := range slices.Sorted(maps.Keys(m)) {
		if i > 0 || depth > 0 {
			indent(b, depth)
		}
		b.WriteString(scalar(k))
		b.WriteByte(':')
		writeValue(b, m[k], depth)
	}
}

// writeList writes a sequence at the indentation of its key, as kubectl and kustomize do.
func writeList(b *bytes.Buffer, l []any, depth int) {
	for i, v := range l {
		if i > 0 || depth > 0 {
			indent(b, depth)
		}
		b.WriteString("- ")
		switch t := v.(type) {
		case map[string]any:
			if len(t) == 0 {
				b.WriteString("{}\n")
				continue
			}
			// The first key goes on the dash's line; the others line up under it.
			writeMapAfterDash(b, t, depth+2)
		case []any:
			if len(t) == 0 {
				b.WriteString("[]\n")
				continue
			}
			writeList(b, t, depth+2)
		default:
			b.WriteString(scalar(t))
			b.WriteByte('\n')
		}
	}
}

func writeMapAfterDash(b *bytes.Buffer, m map[string]any, depth int) {
	for i, k := range slices.Sorted(maps.Keys(m)) {
		if i > 0 {
			indent(b, depth)
		}
		b.WriteString(scalar(k))
		b.WriteByte(':')
		writeValue(b, m[k], depth)
	}
}

// writeValue writes what follows "key:".
func writeValue(b *bytes.Buffer, v any, depth int) {
	switch t := v.(type) {
	case map[string]any:
		if len(t) == 0 {
			b.WriteString(" {}\n")
			return
		}
		b.WriteByte('\n')
		writeMap(b, t, depth+2)
	case []any:
		if len(t) == 0 {
			b.WriteString(" []\n")
			return
		}
		b.WriteByte('\n')
		writeList(b, t, depth)
	default:
		b.WriteByte(' ')
		b.WriteString(scalar(t))
		b.WriteByte('\n')
	}
}

func scalar(v any) string {
	switch t := v.(type) {
	case string:
		return quote(t)
	case json.Number:
		return t.String()
	case bool:
		if t {
			return "true"
		}
		return "false"
	}
	panic(fmt.Sprintf("render: unexpected %T", v)) // json.Decoder produces nothing else
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
		return number().MatchString(strings.ReplaceAll(s, "_", ""))
	}
	return false
}

// quote returns s as a YAML scalar: plain when that reads back as the same string, otherwise
// double-quoted with escapes (JSON's string syntax is a subset of YAML's double-quoted style).
func quote(s string) string {
	if isPlain(s) && !ambiguous(s) {
		return s
	}
	var b strings.Builder
	b.WriteByte('"')
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == '"':
			b.WriteString(`\"`)
		case r == '\\':
			b.WriteString(`\\`)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\t':
			b.WriteString(`\t`)
		case r == '\r':
			b.WriteString(`\r`)
		case r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) || r == 0x2028 || r == 0x2029 || r == 0xfeff || r == 0xfffe || r == 0xffff || r == utf8.RuneError:
			// Control characters, line separators and the BOM are escaped so the text stays one line;
			// U+FFFE and U+FFFF are outside YAML's printable set, which readers refuse even quoted.
			fmt.Fprintf(&b, `\u%04X`, r)
		default:
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	b.WriteByte('"')
	return b.String()
}

// Document renders objects as one YAML file: the header line, then each object (see YAML) as its own
// document.
func Document(header string, objs ...any) ([]byte, error) {
	out := []byte(header)
	for i, o := range objs {
		if i > 0 {
			out = append(out, "---\n"...)
		}
		data, err := YAML(o)
		if err != nil {
			return nil, err
		}
		out = append(out, data...)
	}
	return out, nil
}
