package blueprints

import (
	"fmt"
	"math"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"

	"go.yaml.in/yaml/v3"
)

// maxNodes caps the values one file may expand to, aliases included, so an alias bomb is an error rather
// than an out-of-memory kill. A real blueprint has a few dozen.
const maxNodes = 20000

// decoder turns a YAML node tree into Go values by reflection, strictly: every unknown field, wrong type,
// value outside an enum or bound, and duplicate key is a diagnostic with its position. It never stops at the
// first problem. It records the node behind every field path, so later checks can point at the line.
type decoder struct {
	file    string
	diags   *Diagnostics
	nodes   map[string]*yaml.Node // field path -> value node
	budget  int
	quiet   bool // decode only: the same nodes were already checked
	blown   bool
	overCtx bool // decoding an environments.<env> block
}

// newDecoder returns a decoder for the tree at root (nil: none). Its nodes map is made at about the
// size it will have, one entry per node, rather than grown a step at a time.
func newDecoder(file string, diags *Diagnostics, root *yaml.Node) *decoder {
	return &decoder{file: file, diags: diags, nodes: make(map[string]*yaml.Node, countNodes(root)), budget: maxNodes}
}

// countNodes counts the nodes of a tree, not following aliases.
func countNodes(n *yaml.Node) int {
	if n == nil {
		return 0
	}
	c := 1
	for _, k := range n.Content {
		c += countNodes(k)
	}
	return c
}

func (d *decoder) errorf(n *yaml.Node, path, hint, format string, args ...any) {
	if d.quiet {
		return
	}
	*d.diags = append(*d.diags, Diagnostic{
		Pos: posOf(d.file, n), Path: path, Message: fmt.Sprintf(format, args...), Hint: hint,
	})
}

func posOf(file string, n *yaml.Node) Pos {
	if n == nil {
		return Pos{File: file}
	}
	return Pos{File: file, Line: n.Line, Col: n.Column}
}

// resolve follows aliases, charging the budget for every node visited.
func (d *decoder) resolve(n *yaml.Node, path string) *yaml.Node {
	for n != nil && n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	d.budget--
	if d.budget < 0 {
		if !d.blown {
			d.blown = true
			d.errorf(n, path, "a blueprint is a few dozen values; expand or remove the YAML aliases",
				"too many values (more than %d after alias expansion)", maxNodes)
		}
		return nil
	}
	return n
}

// unalias follows aliases without spending the expansion budget (resolve does, for each value decoded).
func unalias(n *yaml.Node) *yaml.Node {
	for n != nil && n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	return n
}

func isNull(n *yaml.Node) bool {
	return n.Kind == yaml.ScalarNode && n.Tag == "!!null"
}

// decode fills v from n. tag is the struct tag of the field v came from (bounds, enums, patterns).
func (d *decoder) decode(n *yaml.Node, v reflect.Value, path string, tag reflect.StructTag) {
	n = d.resolve(n, path)
	if n == nil {
		return
	}
	d.nodes[path] = n
	if isNull(n) {
		return // unset: the zero value; required fields are checked by the parent
	}
	switch v.Kind() {
	case reflect.Struct:
		d.decodeStruct(n, v, path)
	case reflect.Map:
		d.decodeMap(n, v, path)
	case reflect.Slice:
		d.decodeSlice(n, v, path, tag)
	case reflect.String:
		d.decodeString(n, v, path, tag)
	case reflect.Int:
		d.decodeInt(n, v, path, tag)
	case reflect.Float64:
		d.decodeFloat(n, v, path, tag)
	case reflect.Bool:
		d.decodeBool(n, v, path)
	default:
		panic(fmt.Sprintf("blueprints: unsupported kind %s at %s", v.Kind(), path))
	}
}

func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	}
	switch n.Tag {
	case "!!int", "!!float":
		return "the number " + truncate(n.Value, 40)
	case "!!bool":
		return "the boolean " + n.Value
	case "!!null":
		return "null"
	case "!!str":
		return fmt.Sprintf("the string %q", truncate(n.Value, 40))
	}
	return fmt.Sprintf("%s %q", n.Tag, truncate(n.Value, 40))
}

// truncate shortens a value quoted in a message to n characters. Credentials are redacted first: a
// token cut in half would no longer be recognised by Sanitize.
func truncate(s string, n int) string {
	r := []rune(RedactCredentials(s))
	if len(r) <= n {
		return string(r)
	}
	return string(r[:n]) + "…"
}

func (d *decoder) decodeStruct(n *yaml.Node, v reflect.Value, path string) {
	info := structInfoOf(v.Type())
	if n.Kind != yaml.MappingNode {
		d.errorf(n, path, "", "must be a mapping of fields, got %s", kindName(n))
		return
	}
	seen := map[string]*yaml.Node{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k := d.resolve(n.Content[i], path)
		val := n.Content[i+1]
		if k == nil {
			return
		}
		if k.Kind != yaml.ScalarNode {
			d.errorf(k, path, "", "field names must be plain words, got %s", kindName(k))
			continue
		}
		name := k.Value
		fpath := joinPath(path, name)
		if first, dup := seen[name]; dup {
			d.errorf(k, fpath, fmt.Sprintf("first set at line %d; keep one", first.Line), "duplicate field")
			continue
		}
		seen[name] = k
		if name == "<<" {
			d.errorf(k, path, "write the fields out; anchors and aliases of whole values still work",
				"YAML merge keys (<<) are not supported")
			continue
		}
		f, ok := info.byName[name]
		if !ok {
			d.unknownField(k, path, name, info)
			continue
		}
		if f.required && v.Type() != reflect.TypeFor[ServiceSpec]() {
			// `metadata:` with nothing after it is null: as good as missing, and its own required
			// fields would go unchecked.
			if r := unalias(val); r != nil && isNull(r) {
				hint := requiredHint(f)
				if f.name == "metadata" || f.name == "spec" {
					hint = fmt.Sprintf("give %s its fields, indented below it (`gantry init` writes a commented example)", f.name)
				}
				d.errorf(val, fpath, hint, "required field is empty") // at the key's value, not an anchor elsewhere
				continue
			}
		}
		d.decode(val, v.FieldByIndex(f.index), fpath, f.tag)
	}
	for _, f := range info.fields {
		if f.required && seen[f.name] == nil && v.Type() != reflect.TypeFor[ServiceSpec]() {
			d.errorf(n, joinPath(path, f.name), requiredHint(f), "required field is missing")
		}
	}
}

func requiredHint(f fieldInfo) string {
	if vals, ok := enumValues(f.tag); ok {
		return fmt.Sprintf("add `%s: %s`", f.name, strings.Join(vals, " | "))
	}
	if ex := f.tag.Get("example"); ex != "" {
		return fmt.Sprintf("add `%s: %s`", f.name, ex)
	}
	return fmt.Sprintf("add `%s:`", f.name)
}

func (d *decoder) unknownField(k *yaml.Node, path, name string, info *structInfo) {
	fpath := joinPath(path, name)
	if d.overCtx && info.typ == reflect.TypeFor[Overrides]() {
		if _, ok := structInfoOf(reflect.TypeFor[ServiceSpec]()).byName[name]; ok {
			d.errorf(k, fpath, "environments may override: "+strings.Join(info.names(), ", "),
				"cannot be set per environment")
			return
		}
	}
	hint := ""
	if s := closest(name, info.names()); s != "" {
		hint = fmt.Sprintf("did you mean %q?", s)
	} else if path == "" {
		// A spec field written at the top of the file is a common slip.
		spec := reflect.TypeFor[ServiceSpec]()
		if info.typ == reflect.TypeFor[Platform]() {
			spec = reflect.TypeFor[PlatformSpec]()
		}
		if _, ok := structInfoOf(spec).byName[name]; ok {
			hint = fmt.Sprintf("%s belongs under spec", name)
		}
	}
	if hint == "" {
		hint = "known fields: " + strings.Join(info.names(), ", ")
	}
	d.errorf(k, fpath, hint, "unknown field")
}

func (d *decoder) decodeMap(n *yaml.Node, v reflect.Value, path string) {
	if n.Kind != yaml.MappingNode {
		d.errorf(n, path, "", "must be a mapping, got %s", kindName(n))
		return
	}
	if v.IsNil() {
		v.Set(reflect.MakeMap(v.Type()))
	}
	seen := map[string]*yaml.Node{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k := d.resolve(n.Content[i], path)
		if k == nil {
			return
		}
		if k.Kind != yaml.ScalarNode || isNull(k) {
			d.errorf(k, path, "", "keys must be plain strings, got %s", kindName(k))
			continue
		}
		if k.Value == "<<" && k.Tag == "!!merge" {
			d.errorf(k, path, "write the fields out; anchors and aliases of whole values still work",
				"YAML merge keys (<<) are not supported")
			continue
		}
		kpath := joinPath(path, k.Value)
		if first, dup := seen[k.Value]; dup {
			d.errorf(k, kpath, fmt.Sprintf("first set at line %d; keep one", first.Line), "duplicate key")
			continue
		}
		seen[k.Value] = k
		d.nodes["key:"+kpath] = k
		elem := reflect.New(v.Type().Elem()).Elem()
		val := n.Content[i+1]
		if elem.Kind() == reflect.String {
			if r := d.resolve(val, kpath); r != nil && isNull(r) {
				d.errorf(r, kpath, `quote it, e.g. ""`, "must be a string, got null")
				continue
			}
		}
		over := d.overCtx
		d.overCtx = v.Type().Elem() == reflect.TypeFor[Overrides]()
		d.decode(val, elem, kpath, "")
		d.overCtx = over
		v.SetMapIndex(reflect.ValueOf(k.Value), elem)
	}
}

func (d *decoder) decodeSlice(n *yaml.Node, v reflect.Value, path string, tag reflect.StructTag) {
	if n.Kind != yaml.SequenceNode {
		hint := ""
		if n.Kind == yaml.ScalarNode && v.Type().Elem().Kind() == reflect.String {
			hint = fmt.Sprintf("write [%s]", n.Value)
		}
		d.errorf(n, path, hint, "must be a list, got %s", kindName(n))
		return
	}
	s := reflect.MakeSlice(v.Type(), len(n.Content), len(n.Content))
	for i, c := range n.Content {
		d.decode(c, s.Index(i), fmt.Sprintf("%s[%d]", path, i), tag)
	}
	v.Set(s)
}

func (d *decoder) decodeString(n *yaml.Node, v reflect.Value, path string, tag reflect.StructTag) {
	if n.Kind != yaml.ScalarNode {
		d.errorf(n, path, "", "must be a string, got %s", kindName(n))
		return
	}
	// The literal text is kept as written: `cpu: 1`, `kubernetesVersion: 1.31` and `LEVEL: yes` mean the
	// characters the user typed, never a number's or boolean's re-rendering.
	v.SetString(n.Value)
	if d.quiet {
		return // the value was checked when its file was parsed
	}
	// A one-value enum (apiVersion, kind) is checked by Parse, which chose the type by it.
	if allowed, ok := enumValues(tag); ok && len(allowed) > 1 {
		if !slices.Contains(allowed, n.Value) {
			hint := "one of: " + strings.Join(allowed, ", ")
			if s := closest(n.Value, allowed); s != "" {
				hint = fmt.Sprintf("did you mean %q?", s)
			}
			d.errorf(n, path, hint, "%q is not allowed", n.Value)
		}
	}
	if p := tag.Get("pattern"); p != "" && !patternOf(p).MatchString(n.Value) {
		hint := fmt.Sprintf("for example %q", tag.Get("example"))
		if bad, allowed := outsideClass(p, n.Value); bad != "" {
			d.errorf(n, path, hint, "%q has characters that are not allowed (%s): use only %s", truncate(n.Value, 60), bad, allowed)
		} else {
			d.errorf(n, path, hint, "%q has the wrong form", n.Value)
		}
	}
}

// classPattern is a pattern that is one character class, repeated: `^[A-Za-z0-9._/-]+$`.
var classPattern = lazyRegexp(`^\^\[([^\]\^]+)\][+*]\$$`)

// outsideClass lists the characters of s outside a character-class pattern, and says what the class
// allows, so that a refused value names what to remove. Both are "" for other patterns.
func outsideClass(pattern, s string) (bad, allowed string) {
	m := classPattern().FindStringSubmatch(pattern)
	if m == nil {
		return "", ""
	}
	one := patternOf("^[" + m[1] + "]$")
	var chars []string
	for _, r := range s {
		if q := strconv.QuoteRune(r); !one.MatchString(string(r)) && !slices.Contains(chars, q) {
			chars = append(chars, q)
		}
	}
	if len(chars) > 8 {
		chars = append(chars[:8], "…")
	}
	class, words := m[1], []string{}
	for _, w := range []struct{ class, word string }{{"A-Za-z", "letters"}, {"a-z", "lower-case letters"}, {"0-9", "digits"}} {
		if rest, ok := strings.CutPrefix(class, w.class); ok {
			class, words = rest, append(words, w.word)
		}
	}
	if strings.ContainsAny(strings.TrimSuffix(class, "-"), `-\`) {
		return strings.Join(chars, ", "), "characters of [" + m[1] + "]" // a range or an escape: as written
	}
	for _, r := range class {
		words = append(words, strconv.QuoteRune(r))
	}
	if len(words) > 1 {
		words[len(words)-2] += " and " + words[len(words)-1]
		words = words[:len(words)-1]
	}
	return strings.Join(chars, ", "), strings.Join(words, ", ")
}

func (d *decoder) decodeInt(n *yaml.Node, v reflect.Value, path string, tag reflect.StructTag) {
	if n.Kind != yaml.ScalarNode || n.Tag != "!!int" {
		hint := ""
		if n.Kind == yaml.ScalarNode && n.Tag == "!!str" {
			if _, err := strconv.Atoi(n.Value); err == nil {
				hint = "remove the quotes"
			}
		}
		d.errorf(n, path, hint, "must be a whole number, got %s", kindName(n))
		return
	}
	i, err := strconv.ParseInt(n.Value, 0, 64)
	if err != nil || i != int64(int(i)) {
		d.errorf(n, path, "", "number %s is out of range", n.Value)
		return
	}
	v.SetInt(i)
	if d.quiet {
		return
	}
	if m := tag.Get("min"); m != "" {
		if lo, _ := strconv.Atoi(m); int(i) < lo {
			hint := ""
			if strings.HasSuffix(strings.ToLower(path), "port") && lo == 1024 {
				hint = "ports below 1024 need root and containers run as non-root; use 8080 or another high port"
			}
			d.errorf(n, path, hint, "must be at least %d, got %d", lo, i)
		}
	}
	if m := tag.Get("max"); m != "" {
		if hi, _ := strconv.Atoi(m); int(i) > hi {
			d.errorf(n, path, "", "must be at most %d, got %d", hi, i)
		}
	}
}

// decodeFloat reads a number (99.9, or a whole 99) within the field's min and max tags.
func (d *decoder) decodeFloat(n *yaml.Node, v reflect.Value, path string, tag reflect.StructTag) {
	f, err := strconv.ParseFloat(n.Value, 64)
	if n.Kind != yaml.ScalarNode || (n.Tag != "!!int" && n.Tag != "!!float") || err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
		hint := ""
		if n.Kind == yaml.ScalarNode && n.Tag == "!!str" && err == nil {
			hint = "remove the quotes"
		}
		d.errorf(n, path, hint, "must be a number, got %s", kindName(n))
		return
	}
	v.SetFloat(f)
	if d.quiet {
		return
	}
	lo, hasLo := tag.Lookup("min")
	hi, hasHi := tag.Lookup("max")
	if l, _ := strconv.ParseFloat(lo, 64); hasLo && f < l {
		d.errorf(n, path, "", "must be at least %s, got %s", lo, n.Value)
	}
	if h, _ := strconv.ParseFloat(hi, 64); hasHi && f > h {
		d.errorf(n, path, "", "must be at most %s, got %s", hi, n.Value)
	}
}

func (d *decoder) decodeBool(n *yaml.Node, v reflect.Value, path string) {
	if n.Kind != yaml.ScalarNode || n.Tag != "!!bool" {
		d.errorf(n, path, "write true or false", "must be true or false, got %s", kindName(n))
		return
	}
	v.SetBool(n.Value == "true" || n.Value == "True" || n.Value == "TRUE")
}

func joinPath(path, name string) string {
	if !simpleKey(name) {
		name = strconv.Quote(name)
		if path == "" {
			return "[" + name + "]"
		}
		return path + "[" + name + "]"
	}
	if path == "" {
		return name
	}
	return path + "." + name
}

// simpleKey reports whether name matches ^[A-Za-z0-9_-]+$, a key joinPath writes after a dot. It is a
// loop, not a regexp: every field path of every layer of every service is joined here.
func simpleKey(name string) bool {
	for i := range len(name) {
		switch c := name[i]; {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9', c == '_', c == '-':
		default:
			return false
		}
	}
	return name != ""
}

var patterns sync.Map // pattern -> *regexp.Regexp

// lazyRegexp compiles pattern on first use: a package-level regexp.MustCompile runs at every start of
// gantry, whatever the command (issue #19, start-up). TestLazyRegexps compiles every one.
func lazyRegexp(pattern string) func() *regexp.Regexp {
	lazyPatterns = append(lazyPatterns, pattern)
	return sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(pattern) })
}

var lazyPatterns []string // every lazyRegexp's, for the test

func patternOf(p string) *regexp.Regexp {
	if r, ok := patterns.Load(p); ok {
		return r.(*regexp.Regexp)
	}
	r := regexp.MustCompile(p)
	patterns.Store(p, r)
	return r
}

type fieldInfo struct {
	name     string
	index    []int
	tag      reflect.StructTag
	required bool
}

type structInfo struct {
	typ    reflect.Type
	fields []fieldInfo
	byName map[string]fieldInfo
}

func (s *structInfo) names() []string {
	out := make([]string, len(s.fields))
	for i, f := range s.fields {
		out[i] = f.name
	}
	return out
}

var structInfos sync.Map // reflect.Type -> *structInfo

// structInfoOf lists a struct's YAML fields, with `json:",inline"` embedded structs flattened.
func structInfoOf(t reflect.Type) *structInfo {
	if s, ok := structInfos.Load(t); ok {
		return s.(*structInfo)
	}
	s := &structInfo{typ: t, byName: map[string]fieldInfo{}}
	var walk func(t reflect.Type, index []int)
	walk = func(t reflect.Type, index []int) {
		for i := range t.NumField() {
			sf := t.Field(i)
			name, _, _ := strings.Cut(sf.Tag.Get("json"), ",")
			idx := append(slices.Clone(index), i)
			if sf.Anonymous && name == "" {
				walk(sf.Type, idx)
				continue
			}
			if name == "" || name == "-" {
				continue
			}
			f := fieldInfo{name: name, index: idx, tag: sf.Tag, required: sf.Tag.Get("required") == "true"}
			s.fields = append(s.fields, f)
			s.byName[name] = f
		}
	}
	walk(t, nil)
	structInfos.Store(t, s)
	return s
}

// closest returns the candidate nearest to s when it is near enough to be a likely typo, else "".
func closest(s string, candidates []string) string {
	best, bestD := "", 1<<30
	for _, c := range candidates {
		if strings.EqualFold(s, c) {
			return c
		}
		if d := editDistance(strings.ToLower(s), strings.ToLower(c)); d < bestD {
			best, bestD = c, d
		}
	}
	limit := max(1, min(3, len([]rune(s))/3))
	if bestD <= limit {
		return best
	}
	return ""
}

// editDistance is the optimal-string-alignment distance: insertions, deletions, substitutions and
// transpositions of neighbours ("istoi" is one slip from "istio") each cost one.
func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	if len(ra) > 64 || len(rb) > 64 {
		return 1 << 20 // not a typo of a field name; avoid quadratic work on hostile input
	}
	d := make([][]int, len(ra)+1)
	for i := range d {
		d[i] = make([]int, len(rb)+1)
		d[i][0] = i
	}
	for j := range d[0] {
		d[0][j] = j
	}
	for i := 1; i <= len(ra); i++ {
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			d[i][j] = min(d[i-1][j]+1, d[i][j-1]+1, d[i-1][j-1]+cost)
			if i > 1 && j > 1 && ra[i-1] == rb[j-2] && ra[i-2] == rb[j-1] {
				d[i][j] = min(d[i][j], d[i-2][j-2]+1)
			}
		}
	}
	return d[len(ra)][len(rb)]
}
