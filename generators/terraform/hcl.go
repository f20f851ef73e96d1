package terraform

import (
	"fmt"
	"slices"
	"sync"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/hashicorp/hcl/v2/hclwrite"
	"github.com/zclconf/go-cty/cty"
)

// body wraps an hclwrite body with the few operations the generator needs. Values from blueprints only
// ever go in through set (cty values, which hclwrite quotes and escapes, `${` included); expressions
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

// expr sets an attribute to an expression of Gantry's own (a reference, a conditional, a function call).
// It panics on a syntax error: the text is a constant of this package, so that is a bug here.
func (b body) expr(name, src string) body {
	tokens, diags := exprTokens(src)
	if diags.HasErrors() {
		panic(fmt.Sprintf("terraform: bad expression %q: %s", src, diags.Error()))
	}
	b.b.SetAttributeRaw(name, tokens)
	return b
}

// interp sets an attribute to a template of Gantry's own, e.g. "${local.name}-db".
func (b body) interp(name, template string) body {
	return b.expr(name, `"`+template+`"`)
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

// copyTokens gives each use its own tokens: hclwrite.Format rewrites the spacing in place.
func copyTokens(t hclwrite.Tokens) hclwrite.Tokens {
	out := make(hclwrite.Tokens, len(t))
	for i, tok := range t {
		c := *tok
		out[i] = &c
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
func (b body) tags(name string) body {
	value := `"` + name + `"`
	if name == "${local.name}" {
		value = "local.name" // an interpolation alone is deprecated style (tflint)
	}
	return b.expr("tags", `merge(local.tags, { Name = `+value+` })`)
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

// bytes renders the file, formatted as `terraform fmt` would, after a header.
func (f *file) bytes(header string) []byte {
	// File.Bytes already runs hclwrite's formatter over the tokens (as hclwrite.Format would, without
	// lexing the text again): formatting twice cost a third of the Terraform target.
	return slices.Concat([]byte(header), f.f.Bytes())
}
