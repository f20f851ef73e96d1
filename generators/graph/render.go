package graph

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// mermaidShapes are each kind's node shape: the opening and closing of `id["label"]`.
var mermaidShapes = map[string][2]string{
	NodeService:    {"[", "]"},
	NodeDependency: {"[(", ")]"},
	NodeEgress:     {"{{", "}}"},
	NodeEntry:      {"((", "))"},
}

// mermaidArrows are each kind's edge.
var mermaidArrows = map[string]string{
	EdgeCalls:      "-->",
	EdgeDependency: "-.->",
	EdgeIngress:    "==>",
	EdgeEgress:     "-->",
}

// Mermaid renders the graph as a Mermaid flowchart, with a front matter title; teams are subgraphs.
func Mermaid(g *Graph) string {
	var sb strings.Builder
	// The front matter is YAML: a Go-quoted string is a valid YAML double-quoted one.
	fmt.Fprintf(&sb, "---\ntitle: %s\n---\nflowchart LR\n", strconv.Quote(strings.ToValidUTF8(g.Title(), string(utf8.RuneError))))
	writeNodes(&sb, g, mermaidNode, func(gr Group) (string, string) {
		return fmt.Sprintf("subgraph %s[\"%s\"]", gr.ID, MermaidText(gr.Label)), "end"
	})
	for _, e := range g.Edges {
		arrow := mermaidArrows[e.Kind]
		if e.Label == "" {
			fmt.Fprintf(&sb, "  %s %s %s\n", e.From, arrow, e.To)
			continue
		}
		fmt.Fprintf(&sb, "  %s %s|\"%s\"| %s\n", e.From, arrow, MermaidText(e.Label), e.To)
	}
	return sb.String()
}

// writeNodes writes each group (its opening line, its nodes, its closing line), then the nodes outside
// every group, one per line, indented.
func writeNodes(sb *strings.Builder, g *Graph, node func(Node) string, group func(Group) (open, end string)) {
	for _, gr := range g.Groups {
		open, end := group(gr)
		sb.WriteString("  " + open + "\n")
		for _, n := range g.Nodes {
			if n.Group == gr.ID {
				sb.WriteString("    " + node(n) + "\n")
			}
		}
		sb.WriteString("  " + end + "\n")
	}
	for _, n := range g.Nodes {
		if n.Group == "" {
			sb.WriteString("  " + node(n) + "\n")
		}
	}
}

func mermaidNode(n Node) string {
	s := mermaidShapes[n.Kind]
	return n.ID + s[0] + `"` + MermaidText(n.Label) + `"` + s[1]
}

// MermaidText is text for a quoted Mermaid label (or the front matter title): letters, digits and a
// few plain punctuation marks as they are, a line break as <br>, every other character as Mermaid's
// numeric entity code #N; (so a quote, a bracket, a pipe, #, &, <, a backtick or a semicolon can neither
// end the label, nor open markup, markdown or an entity of its own). Control characters and invalid
// UTF-8 become U+FFFD, as in DOT (an HTML parser would turn some of their codes into other characters).
//
// Mermaid trims a label and refuses an empty one, so a space at either end is written as #32;, and an
// empty label as one space; see styleWords for the one other trap.
func MermaidText(s string) string {
	if s == "" {
		return "#32;"
	}
	var sb strings.Builder
	runes := []rune(Shown(s))
	for i, r := range runes {
		switch {
		case r == '\n':
			sb.WriteString("<br>")
		case r == ' ' && (i == 0 || i == len(runes)-1):
			sb.WriteString("#32;")
		case r < utf8.RuneSelf && plain(byte(r)):
			sb.WriteRune(r)
		default:
			fmt.Fprintf(&sb, "#%d;", r)
		}
	}
	return styleWords.Replace(sb.String())
}

// styleWords keep a label clear of Mermaid's encodeEntities, which runs on the whole text before it is
// parsed and drops the last ';' of any line where "style" or "classDef" is followed by ':' and '#' (a
// style statement's colour), which would break the label's last entity code. Their first letter is
// written as a code instead.
var styleWords = strings.NewReplacer("style", "#115;tyle", "classDef", "#99;lassDef")

func plain(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte(" .,:/_-+=@()", c) >= 0
}

// dotShapes are each kind's node shape.
var dotShapes = map[string]string{
	NodeService:    "box",
	NodeDependency: "cylinder",
	NodeEgress:     "hexagon",
	NodeEntry:      "circle",
}

// dotStyles are each kind's edge style.
var dotStyles = map[string]string{
	EdgeCalls:      "solid",
	EdgeDependency: "dashed",
	EdgeIngress:    "bold",
	EdgeEgress:     "solid",
}

// DOT renders the graph as a Graphviz digraph; teams are clusters (subgraph cluster_<team id>).
func DOT(g *Graph) string {
	var sb strings.Builder
	// newrank: dot's older ranking aborts ("trouble in init_rank") on some cycles of calls between
	// clusters; the newer one ranks across clusters and handles them.
	fmt.Fprintf(&sb, "digraph %s {\n  label=%s;\n  labelloc=t;\n  rankdir=LR;\n  newrank=true;\n  node [shape=box];\n", DOTString(g.Platform), DOTString(g.Title()))
	writeNodes(&sb, g, dotNode, func(gr Group) (string, string) {
		return fmt.Sprintf("subgraph cluster_%s {\n    label=%s;", gr.ID, DOTString(gr.Label)), "}"
	})
	for _, e := range g.Edges {
		fmt.Fprintf(&sb, "  %s -> %s [label=%s, style=%s];\n", e.From, e.To, DOTString(e.Label), dotStyles[e.Kind])
	}
	sb.WriteString("}\n")
	return sb.String()
}

func dotNode(n Node) string {
	return fmt.Sprintf("%s [label=%s, shape=%s];", n.ID, DOTString(n.Label), dotShapes[n.Kind])
}

// DOTString is text as a double-quoted DOT string for a label: backslash and quote escaped (so none of
// Graphviz's \N, \G, \l escapes can be formed), a line break as \n, every other control character as
// U+FFFD, and invalid UTF-8 as U+FFFD (see Shown).
func DOTString(s string) string {
	var sb strings.Builder
	sb.WriteByte('"')
	for _, r := range Shown(s) {
		switch {
		case r == '\\' || r == '"':
			sb.WriteByte('\\')
			sb.WriteRune(r)
		case r == '\n':
			sb.WriteString(`\n`)
		default:
			sb.WriteRune(r)
		}
	}
	sb.WriteByte('"')
	return sb.String()
}

// Shown is a label as both renderings show it: line breaks kept, every other control character (C0,
// DEL, C1) and each invalid UTF-8 sequence as U+FFFD.
func Shown(s string) string {
	return strings.Map(func(r rune) rune {
		if r != '\n' && (r < 0x20 || r == 0x7f || r >= 0x80 && r < 0xa0) {
			return utf8.RuneError
		}
		return r
	}, strings.ToValidUTF8(s, string(utf8.RuneError)))
}
