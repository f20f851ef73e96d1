package graph_test

import (
	"bytes"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	networkingv1 "k8s.io/api/networking/v1"
	"sigs.k8s.io/yaml"

	"github.com/gantry-dev/gantry/blueprints"
	"github.com/gantry-dev/gantry/generators"
	"github.com/gantry-dev/gantry/generators/gentest"
	"github.com/gantry-dev/gantry/generators/graph"
	"github.com/gantry-dev/gantry/generators/kubernetes"
	"github.com/gantry-dev/gantry/internal/golden"
)

// graphs draws every platform of res in every environment.
func graphs(t *testing.T, res *blueprints.Resolved) []*graph.Graph {
	t.Helper()
	var out []*graph.Graph
	for _, p := range res.Platforms {
		for _, env := range p.Spec.Environments {
			g, err := graph.Build(p, env)
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, g)
		}
	}
	return out
}

// TestGolden: each example platform in each environment, as Mermaid and as DOT, in
// testdata/<platform>/<env>.{mmd,dot}; `make golden` rewrites them.
func TestGolden(t *testing.T) {
	res := gentest.LoadExamples(t)
	for _, g := range graphs(t, res) {
		base := filepath.Join("testdata", g.Platform, g.Env)
		golden.Check(t, base+".mmd", []byte(graph.Mermaid(g)))
		golden.Check(t, base+".dot", []byte(graph.DOT(g)))
	}
}

// TestBuildDefaultsToProduction: no environment is the production one; an unknown one is an error.
func TestBuildDefaultsToProduction(t *testing.T) {
	res := gentest.LoadExamples(t)
	p := res.Platforms[0]
	g, err := graph.Build(p, "")
	if err != nil || g.Env != p.Production() {
		t.Fatalf("Build(%s, \"\") = env %q, %v; want %q", p.Name, g.Env, err, p.Production())
	}
	if _, err := graph.Build(p, "nowhere"); err == nil || !strings.Contains(err.Error(), `no environment "nowhere"`) {
		t.Errorf("Build(nowhere): %v", err)
	}
}

// TestParsers: every example graph, and every graph of the checked blueprints (the apps and the
// imported ones too), parses with dot and with Mermaid, and each parser reads exactly the nodes,
// labels, edges and teams the Graph holds.
func TestParsers(t *testing.T) {
	checkParsers(t, graphs(t, gentest.LoadChecked(t)), func(g *graph.Graph, prefix string, _ bool) parsed { return want(g, prefix) })
}

type object struct {
	Kind     string `json:"kind"`
	Metadata struct {
		Namespace string `json:"namespace"`
	} `json:"metadata"`
}

// policyEdges reads the service-to-service edges the generated NetworkPolicies allow, by platform:
// an egress rule of a service's policy to the pods of another service of the platform (matched by
// namespace and app.kubernetes.io/name), as "svc_<from> -> svc_<to>".
func policyEdges(t *testing.T, res *blueprints.Resolved, files []generators.File) map[string][]string {
	t.Helper()
	out := map[string][]string{}
	for _, f := range files {
		for _, doc := range bytes.Split(f.Data, []byte("\n---\n")) {
			var o object
			if err := yaml.Unmarshal(doc, &o); err != nil || o.Kind != "NetworkPolicy" {
				continue
			}
			var np networkingv1.NetworkPolicy
			if err := yaml.UnmarshalStrict(doc, &np); err != nil {
				t.Fatalf("%s: %v", f.Path, err)
			}
			p := platformOf(res, f.Platform)
			from := serviceAt(p, np.Namespace, np.Spec.PodSelector.MatchLabels["app.kubernetes.io/name"])
			if from == nil {
				continue // the namespace's default deny, or a policy of a dependency's own pods
			}
			for _, rule := range np.Spec.Egress {
				for _, peer := range rule.To {
					if peer.PodSelector == nil {
						continue
					}
					ns := np.Namespace
					if peer.NamespaceSelector != nil {
						ns = peer.NamespaceSelector.MatchLabels["kubernetes.io/metadata.name"]
					}
					if to := serviceAt(p, ns, peer.PodSelector.MatchLabels["app.kubernetes.io/name"]); to != nil {
						out[p.Name] = append(out[p.Name], graph.ServiceID(from.Name)+" -> "+graph.ServiceID(to.Name))
					}
				}
			}
		}
	}
	for k, v := range out {
		slices.Sort(v)
		out[k] = slices.Compact(v)
	}
	return out
}

func platformOf(res *blueprints.Resolved, name string) *blueprints.ResolvedPlatform {
	for _, p := range res.Platforms {
		if p.Name == name {
			return p
		}
	}
	return nil
}

func serviceAt(p *blueprints.ResolvedPlatform, ns, name string) *blueprints.ResolvedService {
	if p == nil {
		return nil
	}
	for _, s := range p.Services {
		if s.Name == name && s.Base.Namespace == ns {
			return s
		}
	}
	return nil
}

// TestCallsAreTheNetworkPolicies: the graph's call edges, in every environment, are exactly the
// service-to-service edges the generated NetworkPolicies allow, for the examples and for every
// blueprint the checkers verify.
func TestCallsAreTheNetworkPolicies(t *testing.T) {
	for name, res := range map[string]*blueprints.Resolved{"examples": gentest.LoadExamples(t), "checked": gentest.LoadChecked(t)} {
		files, err := generators.Run(res, []generators.Generator{kubernetes.New()})
		if err != nil {
			t.Fatal(err)
		}
		fromPolicies := policyEdges(t, res, files)
		total := 0
		for _, g := range graphs(t, res) {
			var calls []string
			for _, e := range g.Edges {
				if e.Kind == graph.EdgeCalls {
					calls = append(calls, e.From+" -> "+e.To)
				}
			}
			slices.Sort(calls)
			total += len(calls)
			if !slices.Equal(calls, fromPolicies[g.Platform]) {
				t.Errorf("%s %s: the graph's calls\n  %s\nthe NetworkPolicies' edges\n  %s", name, g.Title(),
					strings.Join(calls, "\n  "), strings.Join(fromPolicies[g.Platform], "\n  "))
			}
		}
		if total == 0 {
			t.Errorf("%s: no call edges at all: the comparison proves nothing", name)
		}
		t.Logf("%s: %d call edges in %d platforms", name, total, len(res.Platforms))
	}
}

// TestCallsCanDiffer: the comparison is not vacuous: the examples' policies hold payments -> ledger,
// and a graph drawn without payments' calls no longer matches them.
func TestCallsCanDiffer(t *testing.T) {
	res := gentest.LoadExamples(t)
	files, err := generators.Run(res, []generators.Generator{kubernetes.New()})
	if err != nil {
		t.Fatal(err)
	}
	fromPolicies := policyEdges(t, res, files)
	if !slices.Contains(fromPolicies["acme"], "svc_payments -> svc_ledger") {
		t.Fatalf("acme's policies: %v; want payments -> ledger among them", fromPolicies["acme"])
	}
	p := platformOf(res, "acme")
	for _, s := range p.Services {
		if s.Name == "payments" {
			for i := range s.Environments {
				s.Environments[i].Spec.Calls = nil
			}
		}
	}
	g, err := graph.Build(p, "")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range g.Edges {
		if e.From == "svc_payments" && e.Kind == graph.EdgeCalls {
			t.Errorf("payments still calls %s", e.To)
		}
	}
}

// TestDependencyProvider: a dependency says who runs it in the environment drawn, as
// blueprints.DependencyProvider decides: the cluster in an inCluster environment (and everywhere
// without a cloud), the cloud elsewhere.
func TestDependencyProvider(t *testing.T) {
	res := gentest.LoadExamples(t)
	checked := 0
	for _, g := range graphs(t, res) {
		var p *blueprints.ResolvedPlatform
		for _, rp := range res.Platforms {
			if rp.Name == g.Platform {
				p = rp
			}
		}
		want := "in the cluster"
		if pr := blueprints.DependencyProvider(p.Spec, g.Env); pr != blueprints.ProviderCluster {
			want = "on " + pr
		}
		for _, n := range g.Nodes {
			if n.Kind != graph.NodeDependency {
				continue
			}
			checked++
			if _, got, _ := strings.Cut(n.Label, "\n"); got != want {
				t.Errorf("%s: dependency %s says %q, want %q", g.Title(), n.ID, got, want)
			}
		}
	}
	if checked == 0 {
		t.Fatal("no dependency drawn")
	}
	// Both kinds are among the examples.
	tide := res.Platforms[slices.IndexFunc(res.Platforms, func(p *blueprints.ResolvedPlatform) bool { return p.Name == "tidewater" })]
	for env, want := range map[string]string{"dev": "in the cluster", "prod": "on aws"} {
		g, err := graph.Build(tide, env)
		if err != nil || !strings.Contains(graph.Mermaid(g), want) {
			t.Errorf("tidewater %s: no dependency %s (%v)", env, want, err)
		}
	}
}
