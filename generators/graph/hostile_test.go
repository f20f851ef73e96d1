package graph_test

import (
	"math/rand/v2"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/gantry-dev/gantry/blueprints"
	"github.com/gantry-dev/gantry/generators"
	"github.com/gantry-dev/gantry/generators/graph"
	"github.com/gantry-dev/gantry/generators/kubernetes"
)

// hostile are texts that would end, break or inject into a label in one language or the other.
var hostile = []string{
	`he said "hi"`, `a\b\\c\"`, `[bracket] (paren) {brace} <angle>`, `pipe | and || end`, `#35; #quot; &amp; &#x41;`,
	"`markdown` **bold**", `end`, `subgraph x`, `node [shape=box]; edge; graph`, `a --> b ==> c -.-> d`, `a -> b`,
	`%% comment`, `// comment /* c */`, `\N \G \E \T \H \L \l \r`, "line\nbreak", "tab\there", "nul\x00 bel\x07 del\x7f",
	`<script>alert(1)</script>`, `<br> <b>x</b>`, `;`, `"`, `\`, `]`, `"]`, `|`, `}}`, `))`, `:::class`, `click a call b()`,
	"ünïcödé — 中文 🚀", "\u2028\u2029", "invalid \xff\xfe utf-8", `---`, `title: x`, `style a fill:#f00`, ``, ` `,
}

// hostilePlatform is a platform built in code (not through the loader, which would refuse most of
// these names) whose every name and label is one of texts.
func hostilePlatform(texts []string) *blueprints.ResolvedPlatform {
	at := func(i int) string { return texts[i%len(texts)] }
	p := &blueprints.ResolvedPlatform{Name: at(0), Spec: blueprints.PlatformSpec{Environments: []string{at(1)}}}
	for i := range texts {
		spec := blueprints.ServiceSpec{Type: "web", Port: 8080 + i, Namespace: at(i + 3), Protocol: at(i + 4),
			Calls:        []string{at(i + 1), at(i + 2)},
			Dependencies: []blueprints.Dependency{{Name: at(i + 5), Type: at(i + 6)}},
			Overrides: blueprints.Overrides{Ingress: blueprints.Ingress{Host: at(i + 7), Paths: []string{at(i + 8), "/" + at(i+9)}, Public: i%2 == 0},
				Egress: []string{at(i+10) + ":443"}},
		}
		p.Services = append(p.Services, &blueprints.ResolvedService{Name: at(i), Team: at(i + 11), Description: at(i + 12), Base: spec,
			Environments: []blueprints.ResolvedEnv{{Name: at(1), Production: true, Spec: spec}}})
	}
	return p
}

// randomTexts are n strings of up to 12 runes drawn from the characters that matter to either language.
func randomTexts(r *rand.Rand, n int) []string {
	alphabet := []rune("aZ09 -_.:/\\\"'[](){}<>|#&;%`*=+!?@$^~\n\t\x00\x7féü中🚀\u2028")
	out := make([]string, n)
	for i := range out {
		var sb strings.Builder
		for range r.IntN(13) {
			sb.WriteRune(alphabet[r.IntN(len(alphabet))])
		}
		out[i] = sb.String()
	}
	return out
}

// TestHostileLabels: names and labels holding quotes, brackets, pipes, entity codes, markup, keywords,
// escapes, control characters and invalid UTF-8 still give text both parsers accept, and each reads back
// exactly the graph's nodes, labels (as the renderers promise to show them), edges and groups. The
// table, then random texts from a fixed seed (a fuzz run that is the same every time).
func TestHostileLabels(t *testing.T) {
	sets := [][]string{hostile}
	r := rand.New(rand.NewPCG(20, 2))
	for range 8 {
		sets = append(sets, randomTexts(r, 24))
	}
	var gs []*graph.Graph
	for _, texts := range sets {
		g, err := graph.Build(hostilePlatform(texts), "")
		if err != nil {
			t.Fatal(err)
		}
		gs = append(gs, g)
	}
	checkParsers(t, gs, func(g *graph.Graph, prefix string, mermaid bool) parsed { return shown(want(g, prefix), mermaid) })
}

// shown is what a parser should read: each label as graph.Shown promises to show it (in Mermaid, an
// empty node or team label as a space: it refuses an empty one).
func shown(p parsed, mermaid bool) parsed {
	show := func(s string) string {
		if mermaid && s == "" {
			return " "
		}
		return graph.Shown(s)
	}
	for k, v := range p.Nodes {
		p.Nodes[k] = show(v)
	}
	for k, v := range p.Groups {
		p.Groups[k] = show(v)
	}
	for i, e := range p.Edges {
		from, rest, _ := strings.Cut(e, " -> ")
		to, label, _ := strings.Cut(rest, ": ")
		p.Edges[i] = edgeLine(from, to, graph.Shown(label)) // an edge without a label has none
	}
	return p
}

// TestIDs: ids are in [A-Za-z0-9_], differ when the names differ, and start with their prefix.
func TestIDs(t *testing.T) {
	seen := map[string][]string{}
	texts := append(append([]string{}, hostile...), "a-b", "a_b", "a", "b", "a-", "-b", "aZb", "a--b", "_X41", "A", "style", "st_X79le", "sty", "le")
	for _, a := range texts {
		for _, b := range texts {
			id := graph.ID("dep", a, b)
			if prev, ok := seen[id]; ok && (prev[0] != a || prev[1] != b) {
				t.Errorf("ID(dep, %q, %q) = ID(dep, %q, %q) = %s", a, b, prev[0], prev[1], id)
			}
			seen[id] = []string{a, b}
			if strings.TrimLeft(id, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_") != "" || !strings.HasPrefix(id, "dep_") {
				t.Errorf("ID(dep, %q, %q) = %q", a, b, id)
			}
		}
	}
}

// oddBlueprints are valid blueprints with the oddest text validation lets through: a description with
// quotes, brackets, pipes, markup, an entity code, a Graphviz escape, markdown, a style statement and an
// arrow; unicode; routed paths full of punctuation; IP, IPv6 and CIDR egress.
var oddBlueprints = fstest.MapFS{
	"odd/platform.yaml": {Data: []byte(`apiVersion: gantry.dev/v1
kind: Platform
metadata: {name: odd}
spec:
  environments: [dev, prod]
`)},
	"odd/a.yaml": {Data: []byte(`apiVersion: gantry.dev/v1
kind: Service
metadata:
  name: a
  team: t
  description: 'He said "hi" [x] | {y} <b>&amp;</b> #35; \N ` + "`" + `md` + "`" + ` style a fill:#f00; end --> ok'
spec:
  runtime: go
  type: web
  port: 8080
  ingress: {host: a.example.com, paths: ["/a(b)", "/x~y", "/a@b:c$d!e*f+g,h;i=j'k"], public: false}
  egress: ["203.0.113.7:443", "[2001:db8::1]:8443", "10.0.0.0/8:5432"]
  calls: [b]
`)},
	"odd/b.yaml": {Data: []byte(`apiVersion: gantry.dev/v1
kind: Service
metadata: {name: b, team: "u", description: "ünïcödé — 中文 🚀"}
spec:
  runtime: go
  type: web
  port: 8080
  callers: [a]
`)},
}

// TestOddBlueprints: the odd blueprints load without a problem, their graphs in each environment parse
// and read back in both languages, and their calls are their NetworkPolicies' edges.
func TestOddBlueprints(t *testing.T) {
	res, diags := blueprints.Load(blueprints.LoadOptions{FS: oddBlueprints, Paths: []string{"odd"}})
	if len(diags) > 0 {
		t.Fatalf("the odd blueprints do not validate:\n%v", diags)
	}
	checkParsers(t, graphs(t, res), func(g *graph.Graph, prefix string, _ bool) parsed { return want(g, prefix) })
	files, err := generators.Run(res, []generators.Generator{kubernetes.New()})
	if err != nil {
		t.Fatal(err)
	}
	if got := policyEdges(t, res, files)["odd"]; strings.Join(got, ",") != "svc_a -> svc_b" {
		t.Errorf("the odd policies allow %v; want svc_a -> svc_b", got)
	}
}
