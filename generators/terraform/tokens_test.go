package terraform

import (
	"math/rand/v2"
	"testing"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/hashicorp/hcl/v2/hclwrite"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/function"
	"github.com/zclconf/go-cty/cty/function/stdlib"
)

// TestTokenBuilders: whatever a string part holds, an expression built by the token builders renders,
// parses, references only what the builder was given and evaluates to the string itself.
func TestTokenBuilders(t *testing.T) {
	ctx := &hcl.EvalContext{
		Variables: map[string]cty.Value{
			"local": cty.ObjectVal(map[string]cty.Value{"name": cty.StringVal("svc-dev")}),
			"var":   cty.ObjectVal(map[string]cty.Value{"evil": cty.StringVal("EVIL")}),
		},
		Functions: map[string]function.Function{"substr": stdlib.SubstrFunc, "jsonencode": stdlib.JSONEncodeFunc},
	}
	values := []string{`x}-${var.evil}`, `x}-${var.evil`, `a"b`, `%{if true}x%{endif}`, `%%{`, `back\slash\`, "line\nbreak\ttab\r",
		`$${var.evil}`, `x$`, `x$$`, `x%`, `$`, `{`, "", `"`, "\x00\u2028"}
	for _, v := range values {
		for _, c := range []struct {
			name string
			expr hclwrite.Tokens
			want cty.Value
		}{
			{"lit", lit(v), cty.StringVal(v)},
			{"named", named("-" + v), cty.StringVal("svc-dev-" + v)},
			{"before", template(v, localName()), cty.StringVal(v + "svc-dev")},
			{"between", template(v, localName(), v, localName(), v), cty.StringVal(v + "svc-dev" + v + "svc-dev" + v)},
			{"joined", template("$", localName(), "$", v, "{", localName()), cty.StringVal("$svc-dev$" + v + "{svc-dev")},
			{"nested", template(call("substr", named("/"+v), number(0), number(200)), v), cty.StringVal("svc-dev/" + v + v)},
			{"object", call("jsonencode", block(attr{v, lit(v)}, attr{"k", object(attr{v, tuple(lit(v))})})),
				cty.StringVal(jsonOf(t, map[string]cty.Value{v: cty.StringVal(v), "k": cty.ObjectVal(map[string]cty.Value{v: cty.TupleVal([]cty.Value{cty.StringVal(v)})})}))},
		} {
			src := hclwrite.Format(append([]byte("x = "), append(c.expr.Bytes(), '\n')...))
			f, diags := hclsyntax.ParseConfig(src, c.name, hcl.InitialPos)
			if diags.HasErrors() {
				t.Errorf("%s %q: %s does not parse: %s", c.name, v, src, diags.Error())
				continue
			}
			e := f.Body.(*hclsyntax.Body).Attributes["x"].Expr
			for _, tr := range e.Variables() {
				if tr.RootName() != "local" {
					t.Errorf("%s %q: %s references %s", c.name, v, src, tr.RootName())
				}
			}
			got, diags := e.Value(ctx)
			if diags.HasErrors() {
				t.Errorf("%s %q: %s: %s", c.name, v, src, diags.Error())
			} else if !got.RawEquals(c.want) {
				t.Errorf("%s %q: %s is %#v, want %#v", c.name, v, src, got, c.want)
			}
		}
	}
}

func jsonOf(t *testing.T, m map[string]cty.Value) string {
	t.Helper()
	v, err := stdlib.JSONEncode(cty.ObjectVal(m))
	if err != nil {
		t.Fatal(err)
	}
	return v.AsString()
}

// TestRefRefusesText: a reference step that is not an identifier is a bug, never text in an expression.
func TestRefRefusesText(t *testing.T) {
	for _, step := range []string{"a.b", "x}-${var.evil}", "a b", "", "0a", "a[0]"} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("ref(%q) did not panic", step)
				}
			}()
			ref("aws_s3_bucket", step, "id")
		}()
	}
}

// TestTemplateShapes: the builders write what Gantry wrote as text before, so the output is unchanged.
func TestTemplateShapes(t *testing.T) {
	for _, c := range []struct {
		expr hclwrite.Tokens
		want string
	}{
		{named(), "local.name"},
		{named("-db"), `"${local.name}-db"`},
		{template("st", call("substr", call("sha1", template(ref("local", "unique"), "/db")), number(0), number(20))), `"st${substr(sha1("${local.unique}/db"), 0, 20)}"`},
		{template("x$", localName()), `"${"x$"}${local.name}"`},
		{template(`a${b}%{c}"\`), `"a$${b}%%{c}\"\\"`},
		{call("merge", ref("local", "tags"), object(attr{"Name", named("-db")})), `merge(local.tags, { Name = "${local.name}-db" })`},
		{object(attr{"aws:SecureTransport", lit("false")}, attr{"null", number(1)}), `{ "aws:SecureTransport" = "false", "null" = 1 }`},
	} {
		got := string(hclwrite.Format(append([]byte("x = "), c.expr.Bytes()...)))
		if got != "x = "+c.want {
			t.Errorf("got %s, want x = %s", got, c.want)
		}
	}
}

// TestBuildersAreHCLWritesTokens: ref, call and tuple give the tokens (types and bytes) of hclwrite's
// TokensForTraversal, TokensForFunctionCall and TokensForTuple; only the spacing, which the file's
// formatter sets, is left out.
func TestBuildersAreHCLWritesTokens(t *testing.T) {
	same := func(what string, got, want hclwrite.Tokens) {
		t.Helper()
		ok := len(got) == len(want)
		for i := 0; ok && i < len(got); i++ {
			ok = got[i].Type == want[i].Type && string(got[i].Bytes) == string(want[i].Bytes)
		}
		if !ok {
			t.Errorf("%s: got %q, hclwrite %q", what, got.Bytes(), want.Bytes())
		}
	}
	args := [][]hclwrite.Tokens{nil, {lit("a")}, {ref("local", "name"), number(3), lit(`x"${y}`)}, {block(attr{"k", lit("v")}), tuple(lit("a"), lit("b"))}}
	for _, a := range args {
		same("call", call("f", a...), hclwrite.TokensForFunctionCall("f", copyAll(a)...))
		same("tuple", tuple(a...), hclwrite.TokensForTuple(copyAll(a)))
	}
	for _, steps := range [][]string{{"local"}, {"local", "name"}, {"aws_s3_bucket", "db_1", "arn"}} {
		tr := hcl.Traversal{hcl.TraverseRoot{Name: steps[0]}}
		for _, s := range steps[1:] {
			tr = append(tr, hcl.TraverseAttr{Name: s})
		}
		same("ref", ref(steps[0], steps[1:]...), hclwrite.TokensForTraversal(tr))
	}
}

// copyAll copies each of ts: hclwrite's TokensFor* functions format their arguments in place.
func copyAll(ts []hclwrite.Tokens) []hclwrite.Tokens {
	out := make([]hclwrite.Tokens, len(ts))
	for i, t := range ts {
		out[i] = copyTokens(t)
	}
	return out
}

// TestValidIdentifier: validIdentifier agrees with hclsyntax.ValidIdentifier on the names Gantry uses
// and on random strings of letters, digits, '-', '_', punctuation, spaces and non-ASCII letters and marks.
func TestValidIdentifier(t *testing.T) {
	check := func(s string) {
		if got, want := validIdentifier(s), hclsyntax.ValidIdentifier(s); got != want {
			t.Errorf("validIdentifier(%q) = %v, hclsyntax says %v", s, got, want)
		}
	}
	for _, s := range []string{"", "a", "_", "-", "0", "a-b", "a_b", "db_1", "-a", "0a", "a.b", "a b", "é", "aé", "e\u0301", "a\u0301", "_0", "true", "for", "a$", "a\x00", "\xff"} {
		check(s)
	}
	r := rand.New(rand.NewPCG(19, 11))
	alphabet := []rune("aZ_-09 .$\"{}é\u0301日\u200d\u00a0\x00\x7f")
	for range 20000 {
		var b []rune
		for range r.IntN(6) {
			b = append(b, alphabet[r.IntN(len(alphabet))])
		}
		check(string(b))
	}
}

// TestStrObjectIsHCLWritesTokens: strObject gives the tokens (types and bytes) hclwrite's
// TokensForValue gives for the same strings as a cty object and as a cty map.
func TestStrObjectIsHCLWritesTokens(t *testing.T) {
	for _, kv := range []map[string]string{
		{},
		{"source": "hashicorp/aws", "version": "~> 6.0"},
		{"app.kubernetes.io/name": "svc", "app.kubernetes.io/managed-by": "gantry"},
		{"true": "x", "null": "", "for": "${a}", "b-c": `"q"`, "0a": "%{if}", "é": "\n", "": "x y", "z_1": "\\"},
	} {
		vals := map[string]cty.Value{}
		for k, v := range kv {
			vals[k] = cty.StringVal(v)
		}
		got := strObject(kv)
		wants := []hclwrite.Tokens{hclwrite.TokensForValue(cty.ObjectVal(vals))}
		if len(kv) > 0 {
			wants = append(wants, hclwrite.TokensForValue(cty.MapVal(vals))) // cty has no empty map value of strings this way
		}
		for _, want := range wants {
			ok := len(got) == len(want)
			for i := 0; ok && i < len(got); i++ {
				ok = got[i].Type == want[i].Type && string(got[i].Bytes) == string(want[i].Bytes)
			}
			if !ok {
				t.Errorf("%v: strObject %q, hclwrite %q", kv, got.Bytes(), want.Bytes())
			}
		}
	}
}
