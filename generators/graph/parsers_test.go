package graph_test

// The two real parsers the renderings are checked with, each read back into the same shape (parsed)
// so a test compares what the parser understood with the Graph that was drawn: Graphviz's dot (Debian's
// graphviz, hack/install-tools.sh --only graphviz) and Mermaid's own parser (npm mermaid under jsdom,
// --only mermaid; testdata/mermaid-parse.mjs).

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/gantry-dev/gantry/generators/graph"
	"github.com/gantry-dev/gantry/internal/checkers"
)

// parsed is a graph as a parser read it: node id -> label, edges as "from -> to: label" (sorted: dot
// lists them in its own order), group id -> label and the sorted ids of its nodes.
type parsed struct {
	Nodes      map[string]string
	Edges      []string
	Groups     map[string]string
	Membership map[string][]string
}

func edgeLine(from, to, label string) string { return from + " -> " + to + ": " + label }

// want is what a parser should read from a rendering of g; prefix is what each renderer adds to a
// group id (DOT's cluster_).
func want(g *graph.Graph, prefix string) parsed {
	w := parsed{Nodes: map[string]string{}, Groups: map[string]string{}, Membership: map[string][]string{}}
	for _, n := range g.Nodes {
		w.Nodes[n.ID] = n.Label
		if n.Group != "" {
			w.Membership[prefix+n.Group] = append(w.Membership[prefix+n.Group], n.ID)
		}
	}
	for _, gr := range g.Groups {
		w.Groups[prefix+gr.ID] = gr.Label
	}
	for _, e := range g.Edges {
		w.Edges = append(w.Edges, edgeLine(e.From, e.To, e.Label))
	}
	return w
}

func compareParsed(t *testing.T, what string, got, w parsed) {
	t.Helper()
	slices.Sort(got.Edges)
	slices.Sort(w.Edges)
	for k := range got.Membership {
		slices.Sort(got.Membership[k])
	}
	for k := range w.Membership {
		slices.Sort(w.Membership[k])
	}
	a, _ := json.MarshalIndent(got, "", " ")
	b, _ := json.MarshalIndent(w, "", " ")
	if string(a) != string(b) {
		t.Errorf("%s: the parser read\n%s\nwant\n%s", what, a, b)
	}
}

// checkParsers renders the graphs in both languages, has each parser read them (all at once: one node
// process, one dot process) and compares what it read with expect(g, the renderer's group id prefix,
// whether it is Mermaid).
func checkParsers(t *testing.T, gs []*graph.Graph, expect func(g *graph.Graph, prefix string, mermaid bool) parsed) {
	t.Helper()
	var mmd, dot []string
	for _, g := range gs {
		mmd = append(mmd, graph.Mermaid(g))
		dot = append(dot, graph.DOT(g))
	}
	fromMermaid := mermaidParse(t, mmd...)
	fromDOT := dotParse(t, strings.Join(dot, ""))
	if len(fromDOT) != len(gs) {
		t.Fatalf("dot read %d graphs, want %d", len(fromDOT), len(gs))
	}
	for i, g := range gs {
		compareParsed(t, "mermaid: "+g.Title(), fromMermaid[i], expect(g, "", true))
		compareParsed(t, "dot: "+g.Title(), fromDOT[i], expect(g, "cluster_", false))
	}
}

// dotParse runs `dot -Tsvg` (which must exit 0 and warn about nothing) and `dot -Tjson0`, and returns
// what dot read, one parsed per digraph in the text.
func dotParse(t *testing.T, text string) []parsed {
	t.Helper()
	dot := checkers.Installed(t, "graphviz")["graphviz"]
	for _, format := range []string{"-Tsvg", "-Tjson0"} {
		cmd := exec.Command(dot, format)
		cmd.Stdin = strings.NewReader(text)
		var stdout, stderr strings.Builder
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		if err := cmd.Run(); err != nil || stderr.Len() > 0 {
			t.Fatalf("dot %s: %v\n%s\ninput:\n%s", format, err, stderr.String(), text)
		}
		if format == "-Tjson0" {
			return dotJSON(t, stdout.String())
		}
	}
	return nil
}

type dotObject struct {
	GVID  int    `json:"_gvid"`
	Name  string `json:"name"`
	Label string `json:"label"`
	Nodes []int  `json:"nodes"`
}

type dotGraph struct {
	Subgraphs int         `json:"_subgraph_cnt"`
	Objects   []dotObject `json:"objects"`
	Edges     []struct {
		Tail  int    `json:"tail"`
		Head  int    `json:"head"`
		Label string `json:"label"`
	} `json:"edges"`
}

// dotJSON reads dot -Tjson0's output: one JSON object per graph, one after the other.
func dotJSON(t *testing.T, out string) []parsed {
	t.Helper()
	dec := json.NewDecoder(strings.NewReader(out))
	var all []parsed
	for dec.More() {
		var g dotGraph
		if err := dec.Decode(&g); err != nil {
			t.Fatalf("dot -Tjson0: %v", err)
		}
		p := parsed{Nodes: map[string]string{}, Groups: map[string]string{}, Membership: map[string][]string{}}
		names := map[int]string{}
		for i, o := range g.Objects {
			names[o.GVID] = o.Name
			if i < g.Subgraphs {
				continue
			}
			p.Nodes[o.Name] = dotUnescape(o.Label)
		}
		for _, o := range g.Objects[:g.Subgraphs] {
			p.Groups[o.Name] = dotUnescape(o.Label)
			for _, n := range o.Nodes {
				p.Membership[o.Name] = append(p.Membership[o.Name], names[n])
			}
		}
		for _, e := range g.Edges {
			p.Edges = append(p.Edges, edgeLine(names[e.Tail], names[e.Head], dotUnescape(e.Label)))
		}
		all = append(all, p)
	}
	return all
}

// dotUnescape is a label as Graphviz shows it: \\ a backslash, \n a line break (the only escapes
// DOTString writes; dot has already turned \" into a quote).
func dotUnescape(s string) string {
	var sb strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+1 < len(s) {
			i++
			switch s[i] {
			case 'n':
				sb.WriteByte('\n')
			default:
				sb.WriteByte(s[i])
			}
			continue
		}
		sb.WriteByte(s[i])
	}
	return sb.String()
}

type mermaidResult struct {
	Error    string `json:"error"`
	Type     string `json:"type"`
	Vertices []struct {
		ID, Text, Shape string
	} `json:"vertices"`
	Edges []struct {
		Start, End, Text, Stroke string
	} `json:"edges"`
	Subgraphs []struct {
		ID, Title string
		Nodes     []string
	} `json:"subgraphs"`
}

// mermaidParse parses each text with Mermaid's parser and returns what it read; a text it refuses
// fails the test.
func mermaidParse(t *testing.T, texts ...string) []parsed {
	t.Helper()
	results := mermaidRun(t, texts...)
	out := make([]parsed, len(results))
	for i, r := range results {
		if r.Error != "" || r.Type != "flowchart-v2" {
			t.Fatalf("mermaid refused (type %q): %s\ninput:\n%s", r.Type, r.Error, texts[i])
		}
		p := parsed{Nodes: map[string]string{}, Groups: map[string]string{}, Membership: map[string][]string{}}
		for _, v := range r.Vertices {
			p.Nodes[v.ID] = v.Text
		}
		for _, e := range r.Edges {
			p.Edges = append(p.Edges, edgeLine(e.Start, e.End, e.Text))
		}
		for _, s := range r.Subgraphs {
			p.Groups[s.ID] = s.Title
			p.Membership[s.ID] = s.Nodes
		}
		out[i] = p
	}
	return out
}

func mermaidRun(t *testing.T, texts ...string) []mermaidResult {
	t.Helper()
	dir := checkers.Installed(t, "mermaid")["mermaid"]
	script, err := filepath.Abs(filepath.Join("testdata", "mermaid-parse.mjs"))
	if err != nil {
		t.Fatal(err)
	}
	in, _ := json.Marshal(texts)
	cmd := exec.Command("node", script, dir)
	cmd.Stdin = strings.NewReader(string(in))
	cmd.Env = append(os.Environ(), "NO_COLOR=1")
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("node mermaid-parse.mjs: %v\n%s", err, stderr.String())
	}
	var results []mermaidResult
	if err := json.Unmarshal(out, &results); err != nil || len(results) != len(texts) {
		t.Fatalf("mermaid-parse.mjs printed %d results for %d texts (%v):\n%s", len(results), len(texts), err, out)
	}
	return results
}

// TestParsersCanFail: each parser refuses a broken text, so a pass means something.
func TestParsersCanFail(t *testing.T) {
	if r := mermaidRun(t, "flowchart LR\n  a[\"x\"] -->|\"y\"| b[\"z\"\n"); r[0].Error == "" {
		t.Errorf("mermaid accepted an unclosed node: %+v", r[0])
	}
	dot := checkers.Installed(t, "graphviz")["graphviz"]
	cmd := exec.Command(dot, "-Tsvg")
	cmd.Stdin = strings.NewReader("digraph g { a [label=\"x\"]; a -> ; }\n")
	if out, err := cmd.CombinedOutput(); err == nil {
		t.Errorf("dot accepted a dangling edge:\n%s", out)
	}
}
