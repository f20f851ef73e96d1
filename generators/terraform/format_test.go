package terraform

import (
	"bytes"
	"math/rand/v2"
	"testing"

	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/hashicorp/hcl/v2/hclwrite"

	"github.com/gantry-dev/gantry/blueprints"
	"github.com/gantry-dev/gantry/generators/gentest"
)

// TestFormatLikeHCLWrite renders every module of the checked blueprints and of random ones on each
// cloud both ways, file.bytes (formatTokens) and hclwrite's File.Bytes, and wants the same text.
func TestFormatLikeHCLWrite(t *testing.T) {
	all := []*blueprints.Resolved{gentest.LoadChecked(t)}
	r := rand.New(rand.NewPCG(19, 3))
	for _, cloud := range []string{"aws", "gcp", "azure"} {
		dir := t.TempDir()
		gentest.RandomBlueprints(t, dir, 12, r, gentest.RandomOptions{Name: "fmt-" + cloud, Cloud: cloud, CI: "none", Mesh: "none"})
		res, diags := blueprints.Load(blueprints.LoadOptions{Paths: []string{dir}})
		if diags.HasErrors(false) {
			t.Fatal(diags)
		}
		all = append(all, res)
	}
	compared := 0
	for _, res := range all {
		for _, p := range res.Platforms {
			for _, s := range p.Services {
				c := cloudOf(p, s)
				if c == nil {
					continue
				}
				files, err := moduleFiles(c, &module{p: p, s: s})
				if err != nil {
					t.Fatal(err)
				}
				for _, f := range files {
					want := append([]byte("# header\n"), f.f.Bytes()...)
					if got := f.bytes("# header\n"); !bytes.Equal(got, want) {
						t.Errorf("%s/%s: formatTokens differs from hclwrite:\n--- got\n%s\n--- hclwrite\n%s", s.Name, f.name, got, want)
					}
					compared++
				}
			}
		}
	}
	if compared < 100 {
		t.Fatalf("only %d files compared", compared)
	}
}

// fuzzTokenTexts are the texts a random token takes, by type: ASCII and not, CR LF, combining marks,
// wide and zero-width characters, emoji sequences, invalid UTF-8, the keyword "in".
var fuzzTokenTexts = map[hclsyntax.TokenType][]string{
	hclsyntax.TokenIdent:     {"a", "in", "for", "name_2", "é", "e\u0301", "日本", "x\u200by", "\U0001F1EB\U0001F1F7"},
	hclsyntax.TokenQuotedLit: {"v", "a b", "\r\n", "a\rb", "ünïcödé ☃", "\xff\xfe", "👩\u200d💻", "\t", "${x}"},
	hclsyntax.TokenStringLit: {"text", "é\n", "\r"},
	hclsyntax.TokenNumberLit: {"1", "10.5", "1e3"},
	hclsyntax.TokenComment:   {"# c\n", "// c\n", "/* c */", "# é\n", "# c", "# \r\n"},
	hclsyntax.TokenNewline:   {"\n", "\r\n"},
	hclsyntax.TokenOHeredoc:  {"<<EOT\n", "<<-EOT\n"},
	hclsyntax.TokenCHeredoc:  {"EOT", "  EOT"},
}

// fuzzTokenTypes are the types a random token has: every one hclwrite's formatter tells apart.
var fuzzTokenTypes = []hclsyntax.TokenType{
	hclsyntax.TokenIdent, hclsyntax.TokenIdent, hclsyntax.TokenEqual, hclsyntax.TokenEqual, hclsyntax.TokenNewline, hclsyntax.TokenNewline,
	hclsyntax.TokenQuotedLit, hclsyntax.TokenStringLit, hclsyntax.TokenNumberLit, hclsyntax.TokenComment,
	hclsyntax.TokenOBrace, hclsyntax.TokenCBrace, hclsyntax.TokenOBrack, hclsyntax.TokenCBrack, hclsyntax.TokenOParen, hclsyntax.TokenCParen,
	hclsyntax.TokenOQuote, hclsyntax.TokenCQuote, hclsyntax.TokenOHeredoc, hclsyntax.TokenCHeredoc,
	hclsyntax.TokenTemplateInterp, hclsyntax.TokenTemplateControl, hclsyntax.TokenTemplateSeqEnd,
	hclsyntax.TokenDot, hclsyntax.TokenComma, hclsyntax.TokenEllipsis, hclsyntax.TokenDoubleColon, hclsyntax.TokenColon, hclsyntax.TokenQuestion,
	hclsyntax.TokenMinus, hclsyntax.TokenPlus, hclsyntax.TokenStar, hclsyntax.TokenSlash, hclsyntax.TokenPercent, hclsyntax.TokenBang,
	hclsyntax.TokenEqualOp, hclsyntax.TokenNotEqual, hclsyntax.TokenLessThan, hclsyntax.TokenLessThanEq, hclsyntax.TokenGreaterThan, hclsyntax.TokenGreaterThanEq,
	hclsyntax.TokenAnd, hclsyntax.TokenOr, hclsyntax.TokenFatArrow, hclsyntax.TokenEOF, hclsyntax.TokenNil,
}

// tokensFrom decodes a token sequence from data, two bytes a token (type, then text and the spaces
// before it), twice: two sequences equal in content that share no token.
func tokensFrom(data []byte) (a, b hclwrite.Tokens) {
	for i := 0; i+1 < len(data); i += 2 {
		typ := fuzzTokenTypes[int(data[i])%len(fuzzTokenTypes)]
		text := string(rune(typ))
		if texts, ok := fuzzTokenTexts[typ]; ok {
			text = texts[int(data[i+1]>>2)%len(texts)]
		}
		spaces := int(data[i+1] & 3)
		a = append(a, &hclwrite.Token{Type: typ, Bytes: []byte(text), SpacesBefore: spaces})
		b = append(b, &hclwrite.Token{Type: typ, Bytes: []byte(text), SpacesBefore: spaces})
	}
	return a, b
}

// formatBoth formats data's tokens with hclwrite (a file holding them as its body's only content,
// rendered by File.Bytes) and with formatTokens.
func formatBoth(data []byte) (got, want []byte) {
	a, b := tokensFrom(data)
	f := hclwrite.NewEmptyFile()
	f.Body().AppendUnstructuredTokens(a)
	want = f.Bytes()
	formatTokens(b)
	return b.Bytes(), want
}

// FuzzFormatTokens: formatTokens gives hclwrite's text for any token sequence.
func FuzzFormatTokens(f *testing.F) {
	f.Add([]byte{})
	// a = "v"\nlong_name = 1 # c\n
	f.Add([]byte{0, 0, 2, 0, 6, 0, 4, 0, 0, 12, 2, 0, 8, 0, 9, 0})
	// { é = [ 1, -2 ] }\n
	f.Add([]byte{10, 0, 0, 16, 2, 0, 12, 0, 8, 0, 24, 0, 29, 0, 8, 0, 13, 0, 11, 0, 4, 0})
	f.Fuzz(func(t *testing.T, data []byte) {
		if got, want := formatBoth(data); !bytes.Equal(got, want) {
			t.Fatalf("formatTokens differs from hclwrite on %q:\n--- got\n%q\n--- hclwrite\n%q", data, got, want)
		}
	})
}

// TestFormatTokensRandom runs what FuzzFormatTokens checks on 20,000 random sequences of up to 60
// tokens, in every test run.
func TestFormatTokensRandom(t *testing.T) {
	r := rand.New(rand.NewPCG(19, 19))
	n := 20000
	if testing.Short() {
		n = 2000
	}
	for range n {
		data := make([]byte, 2*r.IntN(61))
		for i := range data {
			data[i] = byte(r.Uint32())
		}
		if got, want := formatBoth(data); !bytes.Equal(got, want) {
			t.Fatalf("formatTokens differs from hclwrite on %q:\n--- got\n%q\n--- hclwrite\n%q", data, got, want)
		}
	}
}
