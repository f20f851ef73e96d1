// Package docs writes a README per platform into the output: what the platform runs and how (cloud, CI,
// GitOps, mesh, environments), its services and owners, their exposure, dependencies and egress per
// environment, and the system picture as Mermaid, which GitHub and GitLab render in place. It is read
// by people browsing the GitOps repository, so every value a blueprint holds is escaped for Markdown:
// no description can add a link, a heading or a table column.
package docs

import (
	"cmp"
	"fmt"
	"maps"
	"path"
	"slices"
	"strconv"
	"strings"

	"github.com/gantry-dev/gantry/blueprints"
	"github.com/gantry-dev/gantry/generators"
	"github.com/gantry-dev/gantry/generators/graph"
)

// Generator is the docs target.
type Generator struct{}

// New returns the docs target.
func New() *Generator { return &Generator{} }

// Name implements generators.Generator.
func (*Generator) Name() string { return "docs" }

// FileName is the README of a platform, relative to the output root.
func FileName(p *blueprints.ResolvedPlatform) string {
	return path.Join(generators.Root(p), "README.md")
}

var layout = generators.Layout(`^` + generators.LabelRE + `/README\.md$`)

// Produces implements generators.Generator.
func (*Generator) Produces(p string) bool { return layout(p) }

// Generate implements generators.Generator: the README is the platform's (GeneratePlatform).
func (*Generator) Generate(*blueprints.ResolvedPlatform, *blueprints.ResolvedService) ([]generators.File, error) {
	return nil, nil
}

// GeneratePlatform implements generators.PlatformGenerator.
func (*Generator) GeneratePlatform(p *blueprints.ResolvedPlatform) ([]generators.File, error) {
	if len(p.Spec.Environments) == 0 {
		return nil, nil
	}
	g, err := graph.Build(p, p.Production())
	if err != nil {
		return nil, err
	}
	w := &writer{p: p}
	w.header()
	w.services()
	w.teams()
	w.exposure()
	w.dependencies()
	w.egress()
	w.policies()
	w.picture(g)
	return []generators.File{{Path: FileName(p), Data: []byte(w.sb.String())}}, nil
}

type writer struct {
	p  *blueprints.ResolvedPlatform
	sb strings.Builder
}

func (w *writer) line(format string, args ...any) {
	fmt.Fprintf(&w.sb, format, args...)
	w.sb.WriteByte('\n')
}

// header is the marker (an HTML comment: a Markdown file's "#" is a heading), the title and the
// platform's choices in one paragraph.
func (w *writer) header() {
	p := w.p
	src := p.Source
	if src == "" {
		src = "the built-in platform"
	}
	w.line("<!-- %s. Do not edit: change the blueprints and run `gantry generate`. -->", strings.ReplaceAll(generators.Origin(src), "--", "-\\-"))
	w.line("# Platform %s", Text(p.Name))
	w.line("")
	s := p.Spec
	w.line("- Cloud: %s", cloud(s.Cloud))
	if s.Registry != "" {
		w.line("- Registry: %s", Code(s.Registry))
	}
	w.line("- CI: %s; GitOps: %s; mesh: %s; routing: %s", named(s.CI), named(s.GitOps.Engine), named(s.Mesh), named(s.Routing))
	envs := make([]string, len(s.Environments))
	for i, e := range s.Environments {
		envs[i] = Text(e)
	}
	envs[len(envs)-1] += " (production)"
	w.line("- Environments, in promotion order: %s", strings.Join(envs, " → "))
	if in := blueprints.ClusterEnvironments(s); len(in) > 0 {
		w.line("- Dependencies run in the cluster in %s; %s", list(in), cloudProvides(s))
	}
	w.line("")
	n := strconv.Itoa(len(p.Services)) + " service blueprints"
	if len(p.Services) == 1 {
		n = "one service blueprint"
	}
	w.line("Generated from %s: each row below names its file. Change a service there, never here.", n)
}

func cloudProvides(s blueprints.PlatformSpec) string {
	if envs := blueprints.CloudEnvironments(s); len(envs) > 0 {
		return "the cloud provides them in " + list(envs)
	}
	return "there is no cloud"
}

func cloud(c blueprints.Cloud) string {
	if c.Provider == "" || c.Provider == "none" {
		return "none (every dependency runs in the cluster)"
	}
	out := named(c.Provider)
	if c.Region != "" {
		out += " " + Code(c.Region)
	}
	if c.Project != "" {
		out += ", project " + Code(c.Project)
	}
	return out
}

// names are how the README spells the platform's choices.
var names = map[string]string{
	"aws": "AWS", "gcp": "Google Cloud", "azure": "Azure", "github": "GitHub Actions", "gitlab": "GitLab CI",
	"argocd": "Argo CD", "flux": "Flux", "istio": "Istio", "linkerd": "Linkerd", "gateway": "Gateway API",
	"ingress": "Ingress",
}

func named(v string) string {
	if n, ok := names[v]; ok {
		return n
	}
	if v == "" {
		return "none"
	}
	return Text(v)
}

func list(items []string) string {
	out := make([]string, len(items))
	for i, s := range items {
		out[i] = Text(s)
	}
	return strings.Join(out, ", ")
}

// table writes a GitHub-flavoured Markdown table; every cell is already escaped.
func (w *writer) table(head []string, rows [][]string) {
	w.line("| %s |", strings.Join(head, " | "))
	w.line("|%s", strings.Repeat(" --- |", len(head)))
	for _, r := range rows {
		w.line("| %s |", strings.Join(r, " | "))
	}
}

func (w *writer) section(title string) {
	w.line("")
	w.line("## %s", title)
	w.line("")
}

// services is one row per service: what it is, who owns it, what it calls, where its blueprint is.
func (w *writer) services() {
	w.section("Services")
	var rows [][]string
	for _, s := range w.p.Services {
		var calls []string
		for _, c := range s.Base.Calls {
			if callee := graph.Callee(w.p, c); callee != nil {
				calls = append(calls, Text(callee.Name))
			}
		}
		rows = append(rows, []string{Text(s.Name), Text(s.Team), Code(s.Base.Namespace), kind(s.Base), orDash(strings.Join(calls, ", ")),
			orDash(Text(s.Description)), Code(s.Source)})
	}
	w.table([]string{"Service", "Team", "Namespace", "Kind", "Calls", "Description", "Blueprint"}, rows)
}

// kind is a service's type, with the protocol and Service port callers address when it serves one
// (as the graph labels its calls), or its schedule.
func kind(s blueprints.ServiceSpec) string {
	switch {
	case s.Port != 0:
		return Text(s.Type) + ", " + Text(graph.CallLabel(s))
	case s.Schedule != "":
		return Text(s.Type) + ", " + Code(s.Schedule)
	}
	return Text(s.Type)
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// teams are the owners: each team with its namespaces and services.
func (w *writer) teams() {
	w.section("Teams")
	byTeam := map[string][]*blueprints.ResolvedService{}
	for _, s := range w.p.Services {
		byTeam[s.Team] = append(byTeam[s.Team], s)
	}
	var rows [][]string
	for _, team := range slices.Sorted(maps.Keys(byTeam)) {
		var nss, svcs []string
		for _, s := range byTeam[team] {
			if ns := Code(s.Base.Namespace); !slices.Contains(nss, ns) {
				nss = append(nss, ns)
			}
			svcs = append(svcs, Text(s.Name))
		}
		rows = append(rows, []string{Text(team), strings.Join(nss, ", "), strings.Join(svcs, ", ")})
	}
	w.table([]string{"Team", "Namespaces", "Services"}, rows)
}

// perEnv is a table with one column per environment, a row per service that has something to show
// in one of them; cell gives the escaped value in an environment ("" for nothing).
func (w *writer) perEnv(first []string, rows func(s *blueprints.ResolvedService, add func(lead []string, cell func(blueprints.ResolvedEnv) string))) {
	head := slices.Clone(first)
	for _, e := range w.p.Spec.Environments {
		head = append(head, Text(e))
	}
	var out [][]string
	for _, s := range w.p.Services {
		rows(s, func(lead []string, cell func(blueprints.ResolvedEnv) string) {
			row := slices.Clone(lead)
			any := false
			for _, e := range s.Environments {
				c := cell(e)
				any = any || c != ""
				row = append(row, orDash(c))
			}
			if any {
				out = append(out, row)
			}
		})
	}
	if len(out) == 0 {
		w.line("None.")
		return
	}
	w.table(head, out)
}

// exposure is each exposed service's host and paths, and whether the internet or only the internal
// gateway reaches it, per environment.
func (w *writer) exposure() {
	w.section("Exposure")
	w.perEnv([]string{"Service"}, func(s *blueprints.ResolvedService, add func([]string, func(blueprints.ResolvedEnv) string)) {
		add([]string{Text(s.Name)}, func(e blueprints.ResolvedEnv) string {
			in := e.Spec.Ingress
			if in.Host == "" {
				return ""
			}
			where := "internal"
			if in.Public {
				where = "**public**"
			}
			paths := in.Paths
			if len(paths) == 0 {
				paths = []string{"/"}
			}
			urls := make([]string, len(paths))
			for i, p := range paths {
				urls[i] = Code(in.Host + p)
			}
			return where + ": " + strings.Join(urls, " ")
		})
	})
}

// dependencies is each dependency with who provides it in each environment.
func (w *writer) dependencies() {
	w.section("Dependencies")
	w.perEnv([]string{"Service", "Dependency", "Type", "Size"}, func(svc *blueprints.ResolvedService, add func([]string, func(blueprints.ResolvedEnv) string)) {
		for _, d := range svc.Base.Dependencies {
			add([]string{Text(svc.Name), Text(d.Name), Text(d.Type), Text(d.Size)}, func(e blueprints.ResolvedEnv) string {
				if pr := blueprints.DependencyProvider(w.p.Spec, e.Name); pr != blueprints.ProviderCluster {
					return named(pr)
				}
				return "in the cluster"
			})
		}
	})
}

// egress is each service's external hosts per environment.
func (w *writer) egress() {
	w.section("Egress")
	w.perEnv([]string{"Service"}, func(s *blueprints.ResolvedService, add func([]string, func(blueprints.ResolvedEnv) string)) {
		add([]string{Text(s.Name)}, func(e blueprints.ResolvedEnv) string {
			hosts := make([]string, len(e.Spec.Egress))
			for i, h := range e.Spec.Egress {
				hosts[i] = Code(h)
			}
			return strings.Join(hosts, " ")
		})
	})
}

// policies are the platform's rules that gantry validate enforces: whom each binds, what it says, why.
func (w *writer) policies() {
	w.section("Policies")
	if len(w.p.Spec.Policies) == 0 {
		w.line("None: `spec.policies` in the platform file adds rules that `gantry validate` enforces.")
		return
	}
	var rows [][]string
	for _, p := range w.p.Spec.Policies {
		scope := "every team"
		switch len(p.Teams) {
		case 0:
		case 1:
			scope = "team " + Text(p.Teams[0])
		default:
			scope = "teams " + list(p.Teams)
		}
		if len(p.Environments) > 0 {
			scope += " in " + list(p.Environments)
		}
		rows = append(rows, []string{Text(p.Name), scope, strings.Join(rules(p), "; "), orDash(Text(p.Description)), Text(cmp.Or(p.Severity, "error"))})
	}
	w.table([]string{"Policy", "Applies to", "Rules", "Why", "Severity"}, rows)
}

// rules are a policy's constraints, escaped, in the order of its fields.
func rules(p blueprints.Policy) []string {
	var out []string
	codes := func(vs []string) string {
		c := make([]string, len(vs))
		for i, v := range vs {
			c[i] = Code(v)
		}
		return strings.Join(c, ", ")
	}
	if p.DenyPublicIngress {
		out = append(out, "no public ingress")
	}
	if p.DenyEgress {
		out = append(out, "no egress")
	}
	if len(p.AllowedEgress) > 0 {
		out = append(out, "egress only to "+codes(p.AllowedEgress))
	}
	if len(p.AllowedDependencies) > 0 {
		out = append(out, "dependencies only of type "+list(p.AllowedDependencies))
	}
	if len(p.AllowedRegistries) > 0 {
		out = append(out, "images only from "+codes(p.AllowedRegistries))
	}
	for _, c := range []struct{ what, v string }{{"CPU", p.MaxCPU}, {"memory", p.MaxMemory}} {
		if c.v != "" {
			out = append(out, c.what+" at most "+Code(c.v))
		}
	}
	if p.MaxReplicas > 0 {
		out = append(out, "at most "+strconv.Itoa(p.MaxReplicas)+" replicas")
	}
	if p.RequireSLOs {
		out = append(out, "web services declare SLOs")
	}
	return out
}

// picture is the production graph, the text `gantry graph` prints for it.
func (w *writer) picture(g *graph.Graph) {
	w.section("System picture (" + Text(g.Env) + ")")
	w.line("Calls are the edges the NetworkPolicies allow, and nothing else. Another environment: `gantry graph --env <name>`.")
	w.line("")
	w.line("```mermaid")
	w.sb.WriteString(graph.Mermaid(g))
	w.line("```")
}
