package blueprints

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strconv"
	"strings"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"
)

// MaxFileSize caps a blueprint file. A real one is well under 4 KiB; the cap bounds the memory the YAML
// parser spends on a hostile one (its node tree is built before any other limit applies).
const MaxFileSize = 256 << 10

// maxDepth caps nesting; the deepest real field is five levels down.
const maxDepth = 32

// File is one parsed blueprint file: a Platform or a Service, with the node behind every field.
type File struct {
	Path     string // as the user named it, slash-separated
	Kind     string
	Platform *Platform
	Service  *Service

	root  *yaml.Node
	nodes map[string]*yaml.Node // field path -> value node
}

// Parse reads one blueprint file from its bytes. It returns the file (nil when it cannot be read as a
// blueprint at all) and every problem found; a file with problems may still be returned for cross-checks.
func Parse(path string, data []byte) (*File, Diagnostics) {
	root, problem := parseYAML(path, data)
	if problem != nil {
		return nil, Diagnostics{*problem}
	}
	var diags Diagnostics
	f := &File{Path: path, root: root}
	kindNode, apiNode := topScalar(root, "kind"), topScalar(root, "apiVersion")
	if apiNode != nil && apiNode.Value != APIVersion { // the decoder leaves one-value enums to this check
		diags = append(diags, Diagnostic{Pos: posOf(path, apiNode), Path: "apiVersion",
			Message: fmt.Sprintf("%q is not supported", apiNode.Value), Hint: "use " + APIVersion})
	}
	var target reflect.Value
	switch {
	case kindNode != nil && kindNode.Value == KindService:
		f.Kind, f.Service = KindService, &Service{}
		target = reflect.ValueOf(f.Service).Elem()
	case kindNode != nil && kindNode.Value == KindPlatform:
		f.Kind, f.Platform = KindPlatform, &Platform{}
		target = reflect.ValueOf(f.Platform).Elem()
	case kindNode != nil:
		hint := "use Service or Platform"
		if s := closest(kindNode.Value, []string{KindService, KindPlatform}); s != "" {
			hint = fmt.Sprintf("did you mean %q?", s)
		}
		diags = append(diags, Diagnostic{Pos: posOf(path, kindNode), Path: "kind", Hint: hint,
			Message: fmt.Sprintf("%q is not a Gantry blueprint kind", kindNode.Value)})
		return nil, diags
	default:
		diags = append(diags, Diagnostic{Pos: posOf(path, root), Path: "kind", Hint: "add `kind: Service` or `kind: Platform`",
			Message: "required field is missing"})
		return nil, diags
	}
	d := newDecoder(path, &diags, root)
	d.decode(root, target, "", "")
	f.nodes = d.nodes
	return f, diags
}

// parseYAML reads a blueprint file's bytes as one YAML document holding a mapping, or says why it cannot.
func parseYAML(path string, data []byte) (*yaml.Node, *Diagnostic) {
	fail := func(line, col int, hint, format string, args ...any) (*yaml.Node, *Diagnostic) {
		return nil, &Diagnostic{Pos: Pos{File: path, Line: line, Col: col}, Message: fmt.Sprintf(format, args...), Hint: hint}
	}
	if len(data) > MaxFileSize {
		return fail(0, 0, "a blueprint is a short file; split it or remove what is not a blueprint",
			"file is %d bytes, more than the limit of %d", len(data), MaxFileSize)
	}
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf")) // a UTF-8 byte order mark is harmless
	if !utf8.Valid(data) {
		line := 1 + bytes.Count(data[:firstInvalidUTF8(data)], []byte("\n"))
		return fail(line, 1, "save the file as UTF-8", "file is not valid UTF-8")
	}
	if i := bytes.IndexByte(data, 0); i >= 0 {
		return fail(1+bytes.Count(data[:i], []byte("\n")), 1, "save the file as UTF-8 text", "file contains a NUL byte")
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return fail(0, 0, "start with `apiVersion: gantry.dev/v1` and `kind: Service`", "file is empty")
		}
		line, msg := yamlErrorLine(err)
		return fail(line, 1, yamlErrorHint(msg, lineOf(data, line)), "invalid YAML: %s", msg)
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); err == nil {
		return fail(extra.Line, extra.Column, "put each blueprint in a file of its own",
			"more than one YAML document in the file")
	} else if !errors.Is(err, io.EOF) {
		line, msg := yamlErrorLine(err)
		return fail(line, 1, yamlErrorHint(msg, lineOf(data, line)), "invalid YAML: %s", msg)
	}
	root := &doc
	if root.Kind == yaml.DocumentNode && len(root.Content) == 1 {
		root = root.Content[0]
	}
	if deep := tooDeep(root, 0); deep != nil {
		return fail(deep.Line, deep.Column, "a blueprint is a few levels deep; check the brackets", "values are nested more than %d levels deep", maxDepth)
	}
	if root.Kind != yaml.MappingNode {
		if isNull(root) {
			return fail(0, 0, "start with `apiVersion: gantry.dev/v1` and `kind: Service`", "file is empty")
		}
		return fail(root.Line, root.Column, "a blueprint is a mapping that starts with `apiVersion: gantry.dev/v1`",
			"must be a mapping of fields, got %s", kindName(root))
	}
	return root, nil
}

// topScalar returns the scalar value node of a top-level key, or nil.
func topScalar(root *yaml.Node, key string) *yaml.Node {
	for i := 0; i+1 < len(root.Content); i += 2 {
		if root.Content[i].Value == key && root.Content[i+1].Kind == yaml.ScalarNode {
			return root.Content[i+1]
		}
	}
	return nil
}

// tooDeep returns the first node nested deeper than maxDepth, or nil. It does not follow aliases (the
// decoder's budget bounds those).
func tooDeep(n *yaml.Node, d int) *yaml.Node {
	if d > maxDepth {
		return n
	}
	for _, c := range n.Content {
		if deep := tooDeep(c, d+1); deep != nil {
			return deep
		}
	}
	return nil
}

func firstInvalidUTF8(b []byte) int {
	for i := 0; i < len(b); {
		r, size := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && size == 1 {
			return i
		}
		i += size
	}
	return len(b)
}

var yamlLineRE = lazyRegexp(`^yaml: (?:line (\d+): )?(.*)$`)

// yamlErrorLine pulls the line number out of a YAML syntax error's text. The parser's errors ("did not
// find expected ...") count lines from 0, the scanner's from 1.
func yamlErrorLine(err error) (int, string) {
	msg := err.Error()
	if m := yamlLineRE().FindStringSubmatch(msg); m != nil {
		line, _ := strconv.Atoi(m[1])
		if line > 0 && (strings.HasPrefix(m[2], "did not find expected") || strings.HasPrefix(m[2], "while parsing")) {
			line++
		}
		return line, m[2]
	}
	return 0, msg
}

// lineOf returns line n (1-based) of data, or "".
func lineOf(data []byte, n int) string {
	for i, l := range bytes.Split(data, []byte("\n")) {
		if i+1 == n {
			return string(l)
		}
	}
	return ""
}

func yamlErrorHint(msg, line string) string {
	switch {
	case strings.Contains(msg, "tab"), strings.HasPrefix(strings.TrimLeft(line, " "), "\t"):
		return "indent with spaces, not tabs"
	case strings.Contains(msg, "mapping values are not allowed"):
		return "quote values that contain `: `"
	case strings.Contains(msg, "did not find expected key"), strings.Contains(msg, "did not find expected"):
		return "check the indentation of this line and the one above"
	}
	return ""
}
