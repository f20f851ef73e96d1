package render

import (
	"encoding/json"
	"errors"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// tree is a JSON document parsed into a flat list of nodes, already pruned (see closeObject): what
// the emitter walks. An object's members are kept sorted by key, so writing needs no map and no sort;
// strings and numbers are slices of the source text, so a document costs a few allocations, not a map
// and a string per member as the generic tree (map[string]any) did: its maps, their sorting and their
// garbage were most of the Kubernetes target's time. It accepts strict JSON only: its lexical steps
// are the ones FuzzDecodeTree checks against encoding/json, and FuzzEmitter checks the emitter against
// the generic tree's.
type tree struct {
	treeParser
	nodes   []node
	members []member // each object's, contiguous, sorted by key
	elems   []int32  // each array's, contiguous
	// the members and elements of the containers still open, while parsing
	openMembers []member
	openElems   []int32
}

type nodeKind uint8

const (
	kindNull nodeKind = iota
	kindFalse
	kindTrue
	kindNumber
	kindString
	kindObject
	kindArray
)

type node struct {
	kind nodeKind
	text string // a string's value, a number's digits
	// an object's members (tree.members) or an array's elements (tree.elems): first and count
	first, n int32
}

type member struct {
	key string
	val int32 // index in tree.nodes
}

// parse reads data as one JSON value and returns its node.
func (t *tree) parse(data string) (int32, error) {
	t.treeParser = treeParser{data: data}
	t.nodes, t.members, t.elems = t.nodes[:0], t.members[:0], t.elems[:0]
	t.openMembers, t.openElems = t.openMembers[:0], t.openElems[:0]
	t.space()
	root, err := t.value(0)
	if err != nil {
		return 0, err
	}
	t.space()
	if t.pos != len(t.data) {
		return 0, t.fail("data after the value")
	}
	return root, nil
}

func (t *tree) add(n node) int32 {
	t.nodes = append(t.nodes, n)
	return int32(len(t.nodes) - 1)
}

func (t *tree) value(depth int) (int32, error) {
	if depth > maxTreeDepth {
		return 0, t.fail("nesting too deep")
	}
	if t.pos >= len(t.data) {
		return 0, t.fail("unexpected end")
	}
	switch c := t.data[t.pos]; {
	case c == '{':
		return t.object(depth)
	case c == '[':
		return t.array(depth)
	case c == '"':
		s, err := t.str()
		return t.add(node{kind: kindString, text: s}), err
	case c == 't':
		return t.add(node{kind: kindTrue}), t.literal("true")
	case c == 'f':
		return t.add(node{kind: kindFalse}), t.literal("false")
	case c == 'n':
		return t.add(node{kind: kindNull}), t.literal("null")
	case c == '-' || (c >= '0' && c <= '9'):
		s, err := t.number()
		return t.add(node{kind: kindNumber, text: s}), err
	}
	return 0, t.fail("unexpected character")
}

func (t *tree) object(depth int) (int32, error) {
	t.pos++ // {
	open := len(t.openMembers)
	t.space()
	if t.pos < len(t.data) && t.data[t.pos] == '}' {
		t.pos++
		return t.closeObject(open), nil
	}
	for {
		t.space()
		if t.pos >= len(t.data) || t.data[t.pos] != '"' {
			return 0, t.fail("expected a key")
		}
		k, err := t.str()
		if err != nil {
			return 0, err
		}
		t.space()
		if t.pos >= len(t.data) || t.data[t.pos] != ':' {
			return 0, t.fail("expected ':'")
		}
		t.pos++
		t.space()
		v, err := t.value(depth + 1)
		if err != nil {
			return 0, err
		}
		t.openMembers = append(t.openMembers, member{k, v})
		if done, err := t.after('}'); err != nil {
			return 0, err
		} else if done {
			return t.closeObject(open), nil
		}
	}
}

// closeObject makes a node of the object whose members start at open in openMembers: sorted by key,
// a repeated key's last value kept (as encoding/json does), and pruned. Pruning drops null values
// (creationTimestamp: null and the like), an empty status, and an object's status (it has a kind):
// generated files hold desired state, and typed structs carry zero counters and `loadBalancer: {}`
// there. Other empty objects stay: some mean something (an Istio allow-nothing policy is `spec: {}`).
func (t *tree) closeObject(open int) int32 {
	ms := t.openMembers[open:]
	slices.SortStableFunc(ms, func(a, b member) int { return strings.Compare(a.key, b.key) })
	first := int32(len(t.members))
	status, kind := -1, false
	for i, m := range ms {
		if i+1 < len(ms) && ms[i+1].key == m.key {
			continue // not the last of its key
		}
		if t.nodes[m.val].kind == kindNull {
			continue
		}
		switch m.key {
		case "status":
			status = len(t.members)
		case "kind":
			kind = true
		}
		t.members = append(t.members, m)
	}
	if status >= 0 {
		if st := t.nodes[t.members[status].val]; st.kind == kindObject && (st.n == 0 || kind) {
			t.members = slices.Delete(t.members, status, status+1)
		}
	}
	t.openMembers = t.openMembers[:open]
	return t.add(node{kind: kindObject, first: first, n: int32(len(t.members)) - first})
}

func (t *tree) array(depth int) (int32, error) {
	t.pos++ // [
	open := len(t.openElems)
	closeArray := func() int32 {
		first := int32(len(t.elems))
		t.elems = append(t.elems, t.openElems[open:]...)
		t.openElems = t.openElems[:open]
		return t.add(node{kind: kindArray, first: first, n: int32(len(t.elems)) - first})
	}
	t.space()
	if t.pos < len(t.data) && t.data[t.pos] == ']' {
		t.pos++
		return closeArray(), nil
	}
	for {
		t.space()
		v, err := t.value(depth + 1)
		if err != nil {
			return 0, err
		}
		t.openElems = append(t.openElems, v)
		if done, err := t.after(']'); err != nil {
			return 0, err
		} else if done {
			return closeArray(), nil
		}
	}
}

// maxTreeDepth bounds recursion, as encoding/json does (10,000).
const maxTreeDepth = 10000

// treeParser has the lexical steps of a strict JSON parser.
type treeParser struct {
	data string
	pos  int
}

var errTree = errors.New("invalid JSON")

func (p *treeParser) fail(what string) error {
	return errors.Join(errTree, errors.New(what+" at offset "+strconv.Itoa(p.pos)))
}

func (p *treeParser) space() {
	for p.pos < len(p.data) {
		switch p.data[p.pos] {
		case ' ', '\t', '\n', '\r':
			p.pos++
		default:
			return
		}
	}
}

func (p *treeParser) literal(word string) error {
	if len(p.data)-p.pos < len(word) || p.data[p.pos:p.pos+len(word)] != word {
		return p.fail("invalid literal")
	}
	p.pos += len(word)
	return nil
}

// after reads what follows a member or element: ',' (more to come) or the closing bracket.
func (p *treeParser) after(closing byte) (done bool, err error) {
	p.space()
	if p.pos >= len(p.data) {
		return false, p.fail("unexpected end")
	}
	switch p.data[p.pos] {
	case ',':
		p.pos++
		return false, nil
	case closing:
		p.pos++
		return true, nil
	}
	return false, p.fail("expected ',' or '" + string(closing) + "'")
}

// str reads a string. Without escapes and with valid UTF-8 (what json.Marshal writes nearly always)
// it is a slice of the source; with one-character escapes only (\" \n and the like: PromQL, scripts)
// it is unescaped here; otherwise (\u escapes, invalid UTF-8) encoding/json's own unquoting decides.
func (p *treeParser) str() (string, error) {
	start := p.pos
	p.pos++ // "
	simple, short := true, true
	for p.pos < len(p.data) {
		c := p.data[p.pos]
		switch {
		case c == '"':
			p.pos++
			raw := p.data[start:p.pos]
			if simple && utf8.ValidString(raw) {
				return raw[1 : len(raw)-1], nil
			}
			if short && utf8.ValidString(raw) {
				return unescape(raw[1 : len(raw)-1]), nil
			}
			var s string
			if err := json.Unmarshal([]byte(raw), &s); err != nil {
				return "", errors.Join(errTree, err)
			}
			return s, nil
		case c == '\\':
			simple = false
			if p.pos+1 < len(p.data) && strings.IndexByte(`"\\/bfnrt`, p.data[p.pos+1]) < 0 {
				short = false // \u, or an escape JSON does not have
			}
			p.pos += 2
		case c < 0x20:
			return "", p.fail("control character in a string")
		default:
			p.pos++
		}
	}
	return "", p.fail("unterminated string")
}

// number reads a number and returns its text as written.
func (p *treeParser) number() (string, error) {
	start := p.pos
	if p.data[p.pos] == '-' {
		p.pos++
	}
	digits := func() int {
		n := 0
		for p.pos < len(p.data) && p.data[p.pos] >= '0' && p.data[p.pos] <= '9' {
			p.pos++
			n++
		}
		return n
	}
	intStart := p.pos
	if n := digits(); n == 0 || (n > 1 && p.data[intStart] == '0') {
		return "", p.fail("invalid number")
	}
	if p.pos < len(p.data) && p.data[p.pos] == '.' {
		p.pos++
		if digits() == 0 {
			return "", p.fail("invalid number")
		}
	}
	if p.pos < len(p.data) && (p.data[p.pos] == 'e' || p.data[p.pos] == 'E') {
		p.pos++
		if p.pos < len(p.data) && (p.data[p.pos] == '+' || p.data[p.pos] == '-') {
			p.pos++
		}
		if digits() == 0 {
			return "", p.fail("invalid number")
		}
	}
	return p.data[start:p.pos], nil
}

// unescape decodes the one-character escapes of JSON (str checked that s has no other, and no
// backslash at its end).
func unescape(s string) string {
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '\\' {
			b = append(b, c)
			continue
		}
		i++
		switch s[i] {
		case 'b':
			c = '\b'
		case 'f':
			c = '\f'
		case 'n':
			c = '\n'
		case 'r':
			c = '\r'
		case 't':
			c = '\t'
		default: // " \ /
			c = s[i]
		}
		b = append(b, c)
	}
	return string(b)
}
