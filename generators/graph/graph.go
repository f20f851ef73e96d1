// Package graph is the system picture of a platform: its services grouped by team, the calls between
// them, their dependencies (and who runs them in the environment: the cloud or the cluster), their public and internal ingress and their egress hosts, as one Graph value
// built by a pure function from the resolved platform, and rendered as Mermaid or DOT.
//
// The output is deterministic: nodes, edges and groups are sorted, and every node's id is derived from
// its names by an injective escape into [A-Za-z0-9_], so it is safe in both languages and stable as the
// platform grows. Labels carry any text a blueprint may hold; each renderer quotes them for its language.
package graph

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/gantry-dev/gantry/blueprints"
)

// Kinds of node.
const (
	NodeService    = "service"
	NodeDependency = "dependency"
	NodeEgress     = "egress"  // an external host:port
	NodeEntry      = "ingress" // the internet (public gateway) or the internal gateway
)

// Kinds of edge.
const (
	EdgeCalls      = "calls"
	EdgeDependency = "dependency"
	EdgeIngress    = "ingress"
	EdgeEgress     = "egress"
)

// Ids of the two entry nodes.
const (
	PublicEntry   = "ingress_public"
	InternalEntry = "ingress_internal"
)

// Node is a box in the picture. Label lines are separated by "\n".
type Node struct {
	ID    string
	Kind  string
	Label string
	Group string // the id of its Group; "" for a node outside every team
}

// Edge is an arrow between two nodes, by id.
type Edge struct {
	From, To string
	Kind     string
	Label    string
}

// Group is a team: its services and their dependencies.
type Group struct {
	ID    string
	Label string
}

// Graph is one platform's picture in one environment.
type Graph struct {
	Platform string
	Env      string
	Groups   []Group // sorted by id
	Nodes    []Node  // sorted by id
	Edges    []Edge  // sorted by from, to, kind, label
}

// Title names the graph: the platform and the environment.
func (g *Graph) Title() string { return g.Platform + " (" + g.Env + ")" }

// Build draws a platform as it runs in env ("" for its production environment).
func Build(p *blueprints.ResolvedPlatform, env string) (*Graph, error) {
	if env == "" && len(p.Spec.Environments) > 0 {
		env = p.Production()
	}
	if !slices.Contains(p.Spec.Environments, env) {
		return nil, fmt.Errorf("platform %s has no environment %q (it has %s)", p.Name, env, strings.Join(p.Spec.Environments, ", "))
	}
	b := &builder{p: p, g: &Graph{Platform: p.Name, Env: env}, nodes: map[string]Node{}, groups: map[string]Group{}}
	b.provider = providerLabel(p.Spec, env)
	for _, s := range p.Services {
		b.service(s, specIn(s, env))
	}
	for _, n := range b.nodes {
		b.g.Nodes = append(b.g.Nodes, n)
	}
	for _, gr := range b.groups {
		b.g.Groups = append(b.g.Groups, gr)
	}
	slices.SortFunc(b.g.Nodes, func(a, c Node) int { return cmp.Compare(a.ID, c.ID) })
	slices.SortFunc(b.g.Groups, func(a, c Group) int { return cmp.Compare(a.ID, c.ID) })
	slices.SortFunc(b.g.Edges, compareEdges)
	b.g.Edges = slices.Compact(b.g.Edges)
	return b.g, nil
}

func compareEdges(a, c Edge) int {
	return cmp.Or(cmp.Compare(a.From, c.From), cmp.Compare(a.To, c.To), cmp.Compare(a.Kind, c.Kind), cmp.Compare(a.Label, c.Label))
}

// specIn is a service's spec in an environment (its base if the environment is not among its own).
func specIn(s *blueprints.ResolvedService, env string) blueprints.ServiceSpec {
	for _, e := range s.Environments {
		if e.Name == env {
			return e.Spec
		}
	}
	return s.Base
}

type builder struct {
	p        *blueprints.ResolvedPlatform
	g        *Graph
	nodes    map[string]Node
	groups   map[string]Group
	provider string // who runs the environment's dependencies, for their labels
}

// providerLabel says who runs an environment's dependencies: the cloud, or the cluster (a platform
// without a cloud, or an environment in spec.inCluster).
func providerLabel(p blueprints.PlatformSpec, env string) string {
	if pr := blueprints.DependencyProvider(p, env); pr != blueprints.ProviderCluster {
		return "on " + pr
	}
	return "in the cluster"
}

func (b *builder) node(n Node) { b.nodes[n.ID] = n }

func (b *builder) edge(from, to, kind, label string) {
	b.g.Edges = append(b.g.Edges, Edge{From: from, To: to, Kind: kind, Label: label})
}

func (b *builder) service(s *blueprints.ResolvedService, spec blueprints.ServiceSpec) {
	team := ID("team", s.Team)
	b.groups[team] = Group{ID: team, Label: s.Team}
	id := ServiceID(s.Name)
	label := s.Name
	if s.Description != "" {
		label += "\n" + s.Description
	}
	b.node(Node{ID: id, Kind: NodeService, Label: label, Group: team})
	for _, c := range spec.Calls {
		if callee := Callee(b.p, c); callee != nil {
			b.edge(id, ServiceID(callee.Name), EdgeCalls, CallLabel(callee.Base))
		}
	}
	for _, d := range spec.Dependencies {
		dep := ID("dep", s.Name, d.Name)
		b.node(Node{ID: dep, Kind: NodeDependency, Label: d.Name + "\n" + b.provider, Group: team})
		b.edge(id, dep, EdgeDependency, d.Type)
	}
	if in := spec.Ingress; in.Host != "" {
		entry := Node{ID: InternalEntry, Kind: NodeEntry, Label: "internal gateway"}
		if in.Public {
			entry = Node{ID: PublicEntry, Kind: NodeEntry, Label: "internet"}
		}
		b.node(entry)
		b.edge(entry.ID, id, EdgeIngress, ingressLabel(in))
	}
	for _, h := range spec.Egress {
		ext := ID("ext", h)
		b.node(Node{ID: ext, Kind: NodeEgress, Label: h})
		b.edge(id, ext, EdgeEgress, "")
	}
}

// Callee is the service of the platform that a calls entry (name or name.namespace) names, when it
// serves a port: the services a NetworkPolicy lets a caller reach (nil for any other).
func Callee(p *blueprints.ResolvedPlatform, ref string) *blueprints.ResolvedService {
	name, ns, _ := strings.Cut(ref, ".")
	for _, s := range p.Services {
		if s.Name == name && (ns == "" || s.Base.Namespace == ns) && s.Base.Port != 0 {
			return s
		}
	}
	return nil
}

// CallLabel is what a caller addresses: the callee's protocol and Service port (http :80).
func CallLabel(s blueprints.ServiceSpec) string {
	port := cmp.Or(s.ServicePort, s.Port)
	return cmp.Or(s.Protocol, "http") + " :" + strconv.Itoa(port)
}

// ingressLabel is the host with each routed path, one per line.
func ingressLabel(in blueprints.Ingress) string {
	if len(in.Paths) == 0 {
		return in.Host
	}
	lines := make([]string, len(in.Paths))
	for i, p := range in.Paths {
		lines[i] = in.Host + p
	}
	return strings.Join(lines, "\n")
}

// ServiceID is a service's node id.
func ServiceID(name string) string { return ID("svc", name) }

// ID is a node or group id: the prefix, then each part escaped, the parts joined by "Z". The escape
// keeps a-z and 0-9, writes '-' as '_' and every other byte as "_X" and two upper-case hex digits, so
// the result is in [A-Za-z0-9_], upper-case letters come only from escapes and separators, and
// different parts give different ids (the y of "style" is escaped too, for Mermaid's sake). A prefix keeps ids clear of both languages' keywords (Mermaid's
// end, DOT's node, edge, graph...) and of Mermaid's o and x edge endings.
func ID(prefix string, parts ...string) string {
	escaped := make([]string, len(parts))
	for i, part := range parts {
		var sb strings.Builder
		for j := 0; j < len(part); j++ {
			switch c := part[j]; {
			case c >= 'a' && c <= 'z', c >= '0' && c <= '9':
				sb.WriteByte(c)
			case c == '-':
				sb.WriteByte('_')
			default:
				fmt.Fprintf(&sb, "_X%02X", c)
			}
		}
		// Mermaid rewrites any line where "style" is followed by ':' and '#' (see styleWords); its y is
		// written as an escape too, which is still injective: a y is otherwise never escaped.
		escaped[i] = strings.ReplaceAll(sb.String(), "style", "st_X79le")
	}
	return prefix + "_" + strings.Join(escaped, "Z")
}
