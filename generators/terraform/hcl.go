package terraform

import (
	"bytes"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/hashicorp/hcl/v2/hclwrite"
	"github.com/zclconf/go-cty/cty"
)

// body wraps an hclwrite body with the few operations the generator needs. Values from blueprints only
// ever go in through set (cty values, which hclwrite quotes and escapes, `${` included) or, inside an
// expression, through the token builders below (lit, ref, template, call, object, tuple); expressions
// through expr are Gantry's own fixed text, never built from blueprint values.
type body struct{ b *hclwrite.Body }

func (b body) set(name string, v cty.Value) body {
	b.b.SetAttributeValue(name, v)
	return b
}

func (b body) str(name, v string) body     { return b.set(name, cty.StringVal(v)) }
func (b body) num(name string, v int) body { return b.set(name, cty.NumberIntVal(int64(v))) }
func (b body) boolean(name string, v bool) body {
	return b.set(name, cty.BoolVal(v))
}

func (b body) strs(name string, vs ...string) body {
	if len(vs) == 0 {
		return b.set(name, cty.ListValEmpty(cty.String))
	}
	vals := make([]cty.Value, len(vs))
	for i, v := range vs {
		vals[i] = cty.StringVal(v)
	}
	return b.set(name, cty.ListVal(vals))
}

// expr sets an attribute to an expression of Gantry's own (a reference, a conditional, a function call)
// written out as a constant: it never contains a blueprint value (those go through tokens).
// It panics on a syntax error: the text is a constant of this package, so that is a bug here.
func (b body) expr(name, src string) body {
	tokens, diags := exprTokens(src)
	if diags.HasErrors() {
		panic(fmt.Sprintf("terraform: bad expression %q: %s", src, diags.Error()))
	}
	b.b.SetAttributeRaw(name, tokens)
	return b
}

// tokens sets an attribute to an expression built by the token builders below.
func (b body) tokens(name string, t hclwrite.Tokens) body {
	b.b.SetAttributeRaw(name, copyTokens(t))
	return b
}

// The token builders: an expression that holds a blueprint value is assembled from tokens, so the value
// is only ever a quoted literal (lit, a string part of template) or a checked identifier (a step of ref,
// an object key), never text the HCL parser reads. Their punctuation is tokens of Gantry's own, as
// hclwrite's TokensFor* functions make them; spacing is left to the file's formatter. They share
// their arguments' tokens without copying: nothing changes a token before body.tokens attaches a copy.

// lit is a string literal, quoted and escaped by hclwrite (`${` and `%{` included).
func lit(s string) hclwrite.Tokens { return hclwrite.TokensForValue(cty.StringVal(s)) }

// number is a number literal.
func number(n int) hclwrite.Tokens { return hclwrite.TokensForValue(cty.NumberIntVal(int64(n))) }

// ref is a reference, e.g. ref("aws_s3_bucket", label(d.Name), "arn"). Every step must be an identifier:
// a step that is not one panics, as callers check names first (moduleFiles).
func ref(root string, attrs ...string) hclwrite.Tokens {
	out := make(hclwrite.Tokens, 0, 1+2*len(attrs))
	out = append(out, ident(root))
	for _, a := range attrs {
		out = append(out, &hclwrite.Token{Type: hclsyntax.TokenDot, Bytes: []byte{'.'}}, ident(a))
	}
	return out
}

// ident is an identifier token (a step of a reference: hclwrite.TokensForTraversal's tokens). A name
// that is not an identifier panics: callers check names first (moduleFiles).
func ident(name string) *hclwrite.Token {
	if !validIdentifier(name) {
		panic(fmt.Sprintf("terraform: reference step %q is not an identifier", name))
	}
	return &hclwrite.Token{Type: hclsyntax.TokenIdent, Bytes: []byte(name)}
}

// validIdentifier is hclsyntax.ValidIdentifier, which runs HCL's lexer (an allocation per token): every
// reference step and object key is checked, so an ASCII name is decided here (a letter or '_', then
// letters, digits, '_' and '-': HCL's ID_Start and ID_Continue in ASCII), any other by hclsyntax.
func validIdentifier(s string) bool {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c == '_':
		case c >= '0' && c <= '9', c == '-':
			if i == 0 {
				return false
			}
		case c >= utf8.RuneSelf:
			return hclsyntax.ValidIdentifier(s)
		default:
			return false // no identifier holds this character
		}
	}
	return s != ""
}

// call is a function call (the tokens of hclwrite.TokensForFunctionCall).
func call(name string, args ...hclwrite.Tokens) hclwrite.Tokens {
	out := hclwrite.Tokens{{Type: hclsyntax.TokenIdent, Bytes: []byte(name)}, {Type: hclsyntax.TokenOParen, Bytes: []byte{'('}}}
	out = appendJoined(out, args)
	return append(out, &hclwrite.Token{Type: hclsyntax.TokenCParen, Bytes: []byte{')'}})
}

// appendJoined appends elems separated by commas.
func appendJoined(out hclwrite.Tokens, elems []hclwrite.Tokens) hclwrite.Tokens {
	for i, e := range elems {
		if i > 0 {
			out = append(out, &hclwrite.Token{Type: hclsyntax.TokenComma, Bytes: []byte{','}})
		}
		out = append(out, e...)
	}
	return out
}

// eq is a == b.
func eq(a, b hclwrite.Tokens) hclwrite.Tokens {
	return slices.Concat(a, hclwrite.Tokens{{Type: hclsyntax.TokenEqualOp, Bytes: []byte("==")}}, b)
}

// template is a quoted template: a string part is literal text (escaped as hclwrite escapes a quoted
// string, so `${`, `%{`, quotes and backslashes stay text), an hclwrite.Tokens part is interpolated
// (${...}). A lone interpolation is the expression itself (an interpolation alone is deprecated style).
func template(parts ...any) hclwrite.Tokens {
	// Adjacent strings are escaped together: "$" + "{" is an introducer only once joined.
	var merged []any
	for _, p := range parts {
		switch p := p.(type) {
		case string:
			if n := len(merged); n > 0 {
				if prev, ok := merged[n-1].(string); ok {
					merged[n-1] = prev + p
					continue
				}
			}
			merged = append(merged, p)
		case hclwrite.Tokens:
			merged = append(merged, p)
		default:
			panic(fmt.Sprintf("terraform: template part %T", p))
		}
	}
	if len(merged) == 1 {
		if t, ok := merged[0].(hclwrite.Tokens); ok {
			return t
		}
	}
	out := hclwrite.Tokens{{Type: hclsyntax.TokenOQuote, Bytes: []byte(`"`)}}
	interp := func(t hclwrite.Tokens) {
		out = append(out, &hclwrite.Token{Type: hclsyntax.TokenTemplateInterp, Bytes: []byte("${")})
		out = append(out, t...)
		out = append(out, &hclwrite.Token{Type: hclsyntax.TokenTemplateSeqEnd, Bytes: []byte("}")})
	}
	for i, p := range merged {
		switch p := p.(type) {
		case string:
			if i+1 < len(merged) && strings.HasSuffix(p, "$") {
				// A "$" just before "${" would make the escape "$${": such text is interpolated as a literal.
				interp(lit(p))
				continue
			}
			out = appendQuotedLit(out, p)
		case hclwrite.Tokens:
			interp(p)
		}
	}
	return append(out, &hclwrite.Token{Type: hclsyntax.TokenCQuote, Bytes: []byte(`"`)})
}

// appendQuotedLit appends s as the text of a quoted string, escaped by hclwrite's own value tokens.
func appendQuotedLit(out hclwrite.Tokens, s string) hclwrite.Tokens {
	for _, t := range lit(s) {
		if t.Type == hclsyntax.TokenQuotedLit {
			out = append(out, t)
		}
	}
	return out
}

// attr is one attribute of an object built by object or block.
type attr struct {
	name  string
	value hclwrite.Tokens
}

// object is an object constructor on one line: { a = x, b = y }.
func object(attrs ...attr) hclwrite.Tokens { return objectTokens(false, attrs) }

// block is an object constructor with one attribute a line.
func block(attrs ...attr) hclwrite.Tokens { return objectTokens(true, attrs) }

func objectTokens(lines bool, attrs []attr) hclwrite.Tokens {
	out := hclwrite.Tokens{{Type: hclsyntax.TokenOBrace, Bytes: []byte("{")}}
	for i, a := range attrs {
		if lines {
			out = append(out, newline())
		} else if i > 0 {
			out = append(out, &hclwrite.Token{Type: hclsyntax.TokenComma, Bytes: []byte(",")})
		}
		out = append(out, key(a.name)...)
		out = append(out, &hclwrite.Token{Type: hclsyntax.TokenEqual, Bytes: []byte("=")})
		out = append(out, a.value...)
	}
	if lines {
		out = append(out, newline())
	}
	return append(out, &hclwrite.Token{Type: hclsyntax.TokenCBrace, Bytes: []byte("}")})
}

// key is an object key: a bare identifier where one reads as the same string, quoted otherwise.
func key(name string) hclwrite.Tokens {
	switch {
	case name == "true" || name == "false" || name == "null" || !validIdentifier(name):
		return lit(name)
	}
	return hclwrite.TokensForIdentifier(name)
}

// strObject is an object of strings, one attribute a line, keys sorted: the tokens hclwrite writes for
// a cty object or map of strings (TokensForValue: a key bare where it is an identifier, quoted
// otherwise), without the formatting of the fragment that TokensForValue runs, counting the width of
// every key, which the file's formatter redoes.
func strObject(kv map[string]string) hclwrite.Tokens {
	out := hclwrite.Tokens{{Type: hclsyntax.TokenOBrace, Bytes: []byte{'{'}}}
	if len(kv) > 0 {
		out = append(out, newline())
	}
	for _, k := range slices.Sorted(maps.Keys(kv)) {
		if validIdentifier(k) {
			out = append(out, &hclwrite.Token{Type: hclsyntax.TokenIdent, Bytes: []byte(k)})
		} else {
			out = append(out, lit(k)...)
		}
		out = append(out, &hclwrite.Token{Type: hclsyntax.TokenEqual, Bytes: []byte{'='}})
		out = append(out, lit(kv[k])...)
		out = append(out, newline())
	}
	return append(out, &hclwrite.Token{Type: hclsyntax.TokenCBrace, Bytes: []byte{'}'}})
}

// tuple is a tuple constructor on one line: [x, y] (the tokens of hclwrite.TokensForTuple).
func tuple(elems ...hclwrite.Tokens) hclwrite.Tokens {
	out := appendJoined(hclwrite.Tokens{{Type: hclsyntax.TokenOBrack, Bytes: []byte{'['}}}, elems)
	return append(out, &hclwrite.Token{Type: hclsyntax.TokenCBrack, Bytes: []byte{']'}})
}

// list is a tuple constructor with one element a line, each followed by a comma.
func list(elems ...hclwrite.Tokens) hclwrite.Tokens {
	out := hclwrite.Tokens{{Type: hclsyntax.TokenOBrack, Bytes: []byte("[")}, newline()}
	for _, e := range elems {
		out = append(out, e...)
		out = append(out, &hclwrite.Token{Type: hclsyntax.TokenComma, Bytes: []byte(",")}, newline())
	}
	return append(out, &hclwrite.Token{Type: hclsyntax.TokenCBrack, Bytes: []byte("]")})
}

func newline() *hclwrite.Token {
	return &hclwrite.Token{Type: hclsyntax.TokenNewline, Bytes: []byte("\n")}
}

// parsed caches the tokens of each expression: the same few hundred expressions recur in every module,
// and parsing dominates otherwise.
var parsed sync.Map // string -> hclwrite.Tokens

func exprTokens(src string) (hclwrite.Tokens, hcl.Diagnostics) {
	if t, ok := parsed.Load(src); ok {
		return copyTokens(t.(hclwrite.Tokens)), nil
	}
	if _, diags := hclsyntax.ParseExpression([]byte(src), "expr", hcl.InitialPos); diags.HasErrors() {
		return nil, diags
	}
	f, diags := hclwrite.ParseConfig([]byte("x = "+src+"\n"), "expr", hcl.InitialPos)
	if diags.HasErrors() {
		return nil, diags
	}
	t := f.Body().GetAttribute("x").Expr().BuildTokens(nil)
	parsed.Store(src, t)
	return copyTokens(t), nil
}

// copyTokens gives an attribute tokens of its own: the formatter (formatTokens) rewrites the spacing
// in place, and the token builders share tokens (a bucket's ARN is used twice; an expression's come
// from the cache, read concurrently). The copies are allocated together.
func copyTokens(t hclwrite.Tokens) hclwrite.Tokens {
	out := make(hclwrite.Tokens, len(t))
	toks := make([]hclwrite.Token, len(t))
	for i, tok := range t {
		toks[i] = *tok
		out[i] = &toks[i]
	}
	return out
}

func (b body) block(typ string, labels ...string) body {
	return body{b.b.AppendNewBlock(typ, labels).Body()}
}

func (b body) blank() body {
	b.b.AppendNewline()
	return b
}

// tags sets the tags attribute to the module's common tags merged with a Name.
func (b body) tags(name hclwrite.Tokens) body {
	return b.tokens("tags", call("merge", ref("local", "tags"), object(attr{"Name", name})))
}

// file is one .tf file being built.
type file struct {
	name string
	f    *hclwrite.File
}

func newFile(name string) *file { return &file{name: name, f: hclwrite.NewEmptyFile()} }

func (f *file) root() body { return body{f.f.Body()} }

// resource appends a resource block, separated from the previous one by a blank line.
func (f *file) resource(typ, name string) body {
	if len(f.f.Body().Blocks()) > 0 || len(f.f.Body().Attributes()) > 0 {
		f.f.Body().AppendNewline()
	}
	return body{f.f.Body().AppendNewBlock("resource", []string{typ, name}).Body()}
}

func (f *file) data(typ, name string) body {
	if len(f.f.Body().Blocks()) > 0 {
		f.f.Body().AppendNewline()
	}
	return body{f.f.Body().AppendNewBlock("data", []string{typ, name}).Body()}
}

func (f *file) top(typ string, labels ...string) body {
	if len(f.f.Body().Blocks()) > 0 {
		f.f.Body().AppendNewline()
	}
	return body{f.f.Body().AppendNewBlock(typ, labels).Body()}
}

// bytes renders the file, formatted as `terraform fmt` would, after a header. It does what File.Bytes
// does (the file's tokens, formatted, then written out) with formatTokens in place of hclwrite's
// formatter, whose width counting cost a third of the Terraform target; the text is the same.
func (f *file) bytes(header string) []byte {
	tokens := f.f.Body().BuildTokens(nil) // a file from NewEmptyFile holds its body only
	formatTokens(tokens)
	size := len(header)
	for _, t := range tokens {
		size += t.SpacesBefore + len(t.Bytes)
	}
	buf := bytes.NewBuffer(make([]byte, 0, size))
	buf.WriteString(header)
	_, _ = tokens.WriteTo(buf) // a bytes.Buffer returns no error
	return buf.Bytes()
}
