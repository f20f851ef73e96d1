package render

import (
	"math/rand/v2"
	"strings"
	"testing"
	"unicode/utf8"

	yamlv3 "go.yaml.in/yaml/v3"
	sigsyaml "sigs.k8s.io/yaml"
)

var tricky = []string{
	"", " ", "a ", " a", "yes", "no", "Yes", "NO", "on", "Off", "y", "n", "true", "False", "null", "Null", "~",
	"0", "1", "-1", "+1", "1.5", ".5", "1e3", "1E-3", "0x10", "0o17", "0b101", "017", "1_000", "12:30", "1:20:30",
	"2026-11-21", ".inf", "-.inf", ".nan", "#x", "a #b", "a: b", "a:b", "key:", "-", "- a", "? x", "!tag", "&a", "*a",
	"@x", "`x", "%x", "|", ">", "[a]", "{a: 1}", "a,b", "'q'", `"q"`, `back\slash`, "tab\there", "new\nline",
	"cr\rx", "${HOME}", "${{ secrets.TOKEN }}", "$(VAR)", "ünïcödé", "日本語", "emoji 🚀", "\u2028", "\ufeffbom",
	"\x00nul", "\x7f", "<<", "=", "sha256:0000", "0.0.0", "25%", "/readyz", "*/5 * * * *", "a=b,c=d", "8080",
	"api.stripe.com:443", "http://x.y:4317", "-starts-with-dash", "x: y: z", "trailing:", "c:\\path",
}

func roundTrip(t *testing.T, s string) {
	t.Helper()
	for _, doc := range []map[string]any{{"k": s}, {s: "v"}} {
		out, err := YAML(doc)
		if _, isKey := doc[s]; isKey && len(quote(s)) > maxKey {
			if err == nil {
				t.Errorf("a %d-byte key was written", len(s))
			}
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		var v3 map[string]any
		if err := yamlv3.Unmarshal(out, &v3); err != nil {
			t.Fatalf("yaml.v3 cannot read %q:\n%s\n%v", s, out, err)
		}
		var v1 map[string]any // sigs.k8s.io/yaml reads YAML 1.1, as kubectl and kustomize do
		if err := sigsyaml.Unmarshal(out, &v1); err != nil {
			t.Fatalf("sigs.k8s.io/yaml cannot read %q:\n%s\n%v", s, out, err)
		}
		for name, got := range map[string]map[string]any{"yaml.v3": v3, "sigs.k8s.io/yaml": v1} {
			if len(got) != 1 || !sameEntry(got, doc) {
				t.Errorf("%s reads %q back as %#v\n%s", name, s, got, out)
			}
		}
	}
}

func sameEntry(got, want map[string]any) bool {
	for k, v := range want {
		if got[k] != v {
			return false
		}
	}
	return true
}

func TestStringsRoundTrip(t *testing.T) {
	for _, s := range tricky {
		roundTrip(t, s)
	}
	r := rand.New(rand.NewPCG(1, 2))
	alphabet := []rune("ab01 :-#'\"\\\n\t{}[],&*!|>%@`?=~.$(){}ü€\u2028")
	for range 3000 {
		var b strings.Builder
		for range r.IntN(12) {
			b.WriteRune(alphabet[r.IntN(len(alphabet))])
		}
		roundTrip(t, b.String())
	}
}

func TestNestedLayout(t *testing.T) {
	got, err := YAML(map[string]any{
		"b":     []any{map[string]any{"y": 1, "x": []any{"p", "q"}}, "s", []any{}},
		"a":     map[string]any{"empty": map[string]any{}, "none": nil, "list": []any{}},
		"count": 2,
	})
	if err != nil {
		t.Fatal(err)
	}
	want := `a:
  empty: {}
  list: []
b:
- x:
  - p
  - q
  "y": 1
- s
- []
count: 2
`
	if string(got) != want {
		t.Errorf("got:\n%s\nwant:\n%s", got, want)
	}
}

func FuzzStringsRoundTrip(f *testing.F) {
	for _, s := range tricky {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if !utf8.ValidString(s) {
			t.Skip("blueprints are UTF-8")
		}
		roundTrip(t, s)
	})
}

// quote returns s as a YAML scalar (see appendQuote): the tests' way to call it.
func quote(s string) string { return string(appendQuote(nil, s)) }
