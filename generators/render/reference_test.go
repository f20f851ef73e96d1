package render

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
	"unicode/utf8"
)

// The emitter as it was before the flat tree (generic tree -> prune -> write), kept as the reference
// FuzzEmitter compares the emitter with: decodeTree gives the tree encoding/json's Decoder gives with
// UseNumber (FuzzDecodeTree checks that), prune and longKey edit and check it, and the writers below
// walk its maps in sorted key order.

// referenceYAML renders the JSON text data as YAML the old way.
func referenceYAML(data []byte) ([]byte, error) {
	tree, err := decodeTree(data)
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
			refWriteMap(&b, t, 0)
		}
	case []any:
		if len(t) == 0 {
			b.WriteString("[]\n")
		} else {
			refWriteList(&b, t, 0)
		}
	default:
		b.WriteString(refScalar(t))
		b.WriteByte('\n')
	}
	return b.Bytes(), nil
}

// decodeTree parses JSON into the generic tree (map[string]any, []any, string, json.Number, bool, nil).
func decodeTree(data []byte) (any, error) {
	p := genericParser{treeParser{data: string(data)}}
	p.space()
	v, err := p.value(0)
	if err != nil {
		return nil, err
	}
	p.space()
	if p.pos != len(p.data) {
		return nil, p.fail("data after the value")
	}
	return v, nil
}

type genericParser struct{ treeParser }

func (p *genericParser) value(depth int) (any, error) {
	if depth > maxTreeDepth {
		return nil, p.fail("nesting too deep")
	}
	if p.pos >= len(p.data) {
		return nil, p.fail("unexpected end")
	}
	switch c := p.data[p.pos]; {
	case c == '{':
		return p.object(depth)
	case c == '[':
		return p.array(depth)
	case c == '"':
		return p.str()
	case c == 't':
		return true, p.literal("true")
	case c == 'f':
		return false, p.literal("false")
	case c == 'n':
		return nil, p.literal("null")
	case c == '-' || (c >= '0' && c <= '9'):
		s, err := p.number()
		return json.Number(s), err
	}
	return nil, p.fail("unexpected character")
}

func (p *genericParser) object(depth int) (any, error) {
	p.pos++ // {
	m := map[string]any{}
	p.space()
	if p.pos < len(p.data) && p.data[p.pos] == '}' {
		p.pos++
		return m, nil
	}
	for {
		p.space()
		if p.pos >= len(p.data) || p.data[p.pos] != '"' {
			return nil, p.fail("expected a key")
		}
		k, err := p.str()
		if err != nil {
			return nil, err
		}
		p.space()
		if p.pos >= len(p.data) || p.data[p.pos] != ':' {
			return nil, p.fail("expected ':'")
		}
		p.pos++
		p.space()
		v, err := p.value(depth + 1)
		if err != nil {
			return nil, err
		}
		m[k] = v // a repeated key: the last one wins, as in encoding/json
		if done, err := p.after('}'); done || err != nil {
			return m, err
		}
	}
}

func (p *genericParser) array(depth int) (any, error) {
	p.pos++ // [
	l := []any{}
	p.space()
	if p.pos < len(p.data) && p.data[p.pos] == ']' {
		p.pos++
		return l, nil
	}
	for {
		p.space()
		v, err := p.value(depth + 1)
		if err != nil {
			return nil, err
		}
		l = append(l, v)
		if done, err := p.after(']'); done || err != nil {
			return l, err
		}
	}
}

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

func longKey(v any) string {
	switch t := v.(type) {
	case map[string]any:
		for k, val := range t {
			if len(refQuote(k)) > maxKey {
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

func refIndent(b *bytes.Buffer, n int) {
	for range n {
		b.WriteByte(' ')
	}
}

func refWriteMap(b *bytes.Buffer, m map[string]any, depth int) {
	for i, k := range slices.Sorted(maps.Keys(m)) {
		if i > 0 || depth > 0 {
			refIndent(b, depth)
		}
		b.WriteString(refScalar(k))
		b.WriteByte(':')
		refWriteValue(b, m[k], depth)
	}
}

func refWriteList(b *bytes.Buffer, l []any, depth int) {
	for i, v := range l {
		if i > 0 || depth > 0 {
			refIndent(b, depth)
		}
		b.WriteString("- ")
		switch t := v.(type) {
		case map[string]any:
			if len(t) == 0 {
				b.WriteString("{}\n")
				continue
			}
			refWriteMapAfterDash(b, t, depth+2)
		case []any:
			if len(t) == 0 {
				b.WriteString("[]\n")
				continue
			}
			refWriteList(b, t, depth+2)
		default:
			b.WriteString(refScalar(t))
			b.WriteByte('\n')
		}
	}
}

func refWriteMapAfterDash(b *bytes.Buffer, m map[string]any, depth int) {
	for i, k := range slices.Sorted(maps.Keys(m)) {
		if i > 0 {
			refIndent(b, depth)
		}
		b.WriteString(refScalar(k))
		b.WriteByte(':')
		refWriteValue(b, m[k], depth)
	}
}

func refWriteValue(b *bytes.Buffer, v any, depth int) {
	switch t := v.(type) {
	case map[string]any:
		if len(t) == 0 {
			b.WriteString(" {}\n")
			return
		}
		b.WriteByte('\n')
		refWriteMap(b, t, depth+2)
	case []any:
		if len(t) == 0 {
			b.WriteString(" []\n")
			return
		}
		b.WriteByte('\n')
		refWriteList(b, t, depth)
	default:
		b.WriteByte(' ')
		b.WriteString(refScalar(t))
		b.WriteByte('\n')
	}
}

func refScalar(v any) string {
	switch t := v.(type) {
	case string:
		return refQuote(t)
	case json.Number:
		return t.String()
	case bool:
		if t {
			return "true"
		}
		return "false"
	}
	panic(fmt.Sprintf("render: unexpected %T", v))
}

// refAmbiguous is the old ambiguous: whether a plain-looking string would be read as something other than a string.
func refAmbiguous(s string) bool {
	if len(s) <= 5 && reserved[strings.ToLower(s)] {
		return true
	}
	switch c := s[0]; {
	case c >= '0' && c <= '9', c == '.', c == '+', c == '-':
		return number().MatchString(strings.ReplaceAll(s, "_", ""))
	}
	return false
}

// refQuote is the old quote: s as a YAML scalar: plain when that reads back as the same string, otherwise
// double-quoted with escapes (JSON's string syntax is a subset of YAML's double-quoted style).
func refQuote(s string) string {
	if isPlain(s) && !refAmbiguous(s) {
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
