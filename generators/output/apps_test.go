package output_test

// Real applications as fixtures (#15): blueprints written, as a new user would, for two public polyglot
// demos nobody here wrote (blueprints/testdata/apps/<app>/), and the facts they were written from
// (facts.yaml: services, ports, the variables that carry addresses and datastore settings, call edges,
// each with its upstream origin). Each test generates the app in memory and compares the output with
// the facts, not with Gantry's own idea of the app:
//
//	(a) every address variable is in the container's env and resolves to <callee>.<namespace>.svc and the
//	    callee's Service port, in the form the app reads (host:port, URL, host, port);
//	(b) every caller -> callee edge is allowed by the callee's ingress and the caller's egress
//	    NetworkPolicy and by the callee's Istio AuthorizationPolicy, on the container port, and no
//	    other service-to-service edge is;
//	(c) every datastore setting the app reads is in the env and made of that dependency's settings
//	    (the <service>-dependencies ConfigMap, the password from its Secret).
//
// A fact marked gap: is what Gantry cannot express yet (the app's GAPS.md says why); it is skipped
// with a log line, never asserted.

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	"sigs.k8s.io/yaml"

	"github.com/gantry-dev/gantry/generators/output"
)

const appsDir = "../../blueprints/testdata/apps"

type appFacts struct {
	App        string        `json:"app"`
	Services   []factService `json:"services"`
	Datastores []struct {
		Name  string   `json:"name"`
		Type  string   `json:"type"`
		Users []string `json:"users"`
	} `json:"datastores"`
}

type factService struct {
	Name          string        `json:"name"`
	Type          string        `json:"type"` // "" is web
	Port          int           `json:"port"`
	ServicePort   int           `json:"servicePort"`
	MetricsPort   int           `json:"metricsPort"`
	Protocol      string        `json:"protocol"`
	AddressEnv    []factAddress `json:"addressEnv"`
	DependencyEnv []struct {
		Env, Dependency, Form, Gap string
	} `json:"dependencyEnv"`
	SelfEnv   []struct{ Env, Form string }   `json:"selfEnv"`
	SecretEnv []struct{ Env, Secret string } `json:"secretEnv"`
	Calls     []factEdge                     `json:"calls"`
}

type factAddress struct {
	Env     string `json:"env"`
	Service string `json:"service"`
	Form    string `json:"form"`
	Scheme  string `json:"scheme"`
	Gap     string `json:"gap"`
}

type factEdge struct {
	To   string `json:"to"`
	Port int    `json:"port"`
	Gap  string `json:"gap"`
}

// generated is one service's objects in the output.
type generated struct {
	namespace, serviceAccount string
	env                       []corev1.EnvVar
	servicePorts              []int32
	policy                    *networkingv1.NetworkPolicy
	authz                     *authorizationPolicy
}

// authorizationPolicy is the part of Istio's security.istio.io/v1 AuthorizationPolicy the test reads.
type authorizationPolicy struct {
	Kind     string `json:"kind"`
	Metadata struct{ Name, Namespace string }
	Spec     struct {
		Action string `json:"action"`
		Rules  []struct {
			From []struct {
				Source struct {
					Principals []string `json:"principals"`
				} `json:"source"`
			} `json:"from"`
			To []struct {
				Operation struct {
					Ports []string `json:"ports"`
				} `json:"operation"`
			} `json:"to"`
		} `json:"rules"`
	} `json:"spec"`
}

func TestApps(t *testing.T) {
	entries, err := os.ReadDir(appsDir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		t.Run(e.Name(), func(t *testing.T) { testApp(t, filepath.Join(appsDir, e.Name())) })
	}
}

func testApp(t *testing.T, dir string) {
	data, err := os.ReadFile(filepath.Join(dir, "facts.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var facts appFacts
	if err := yaml.Unmarshal(data, &facts); err != nil {
		t.Fatalf("facts.yaml: %v", err)
	}
	t.Run("generate", func(t *testing.T) {
		// Every target, as `gantry generate` runs: the app must render as a whole.
		if _, err := output.Generate(output.Options{Paths: []string{dir}, Output: t.TempDir(), Repo: t.TempDir(), Check: true}); err != nil {
			t.Errorf("generate %s: %v", dir, err)
		}
	})
	gen := generateApp(t, dir)
	byName := map[string]factService{}
	missing := false
	for _, s := range facts.Services {
		byName[s.Name] = s
		if g, ok := gen[s.Name]; !ok || g.namespace == "" {
			t.Errorf("%s: no Deployment generated", s.Name)
			missing = true
		}
	}
	if missing {
		return
	}
	t.Run("addresses", func(t *testing.T) { checkAddresses(t, facts, byName, gen) })
	t.Run("edges", func(t *testing.T) { checkEdges(t, facts, byName, gen) })
	t.Run("datastores", func(t *testing.T) { checkDatastores(t, facts, gen) })
}

// generateApp renders the app's Kubernetes manifests in memory (a check run writes nothing) and reads
// back each service's base objects.
func generateApp(t *testing.T, dir string) map[string]*generated {
	t.Helper()
	res, err := output.Generate(output.Options{Paths: []string{dir}, Output: t.TempDir(), Repo: t.TempDir(), Check: true,
		Only: []string{"kubernetes"}})
	if err != nil {
		t.Fatalf("generate %s: %v", dir, err)
	}
	gen := map[string]*generated{}
	get := func(name string) *generated {
		if gen[name] == nil {
			gen[name] = &generated{}
		}
		return gen[name]
	}
	for _, root := range res.Roots {
		for _, f := range root.Files {
			p := filepath.ToSlash(f.Path)
			if !strings.Contains(p, "/kubernetes/base/") {
				continue
			}
			for _, doc := range strings.Split(string(f.Data), "\n---\n") {
				var head struct{ Kind string }
				if err := yaml.Unmarshal([]byte(doc), &head); err != nil {
					t.Fatalf("%s: %v", p, err)
				}
				switch head.Kind {
				case "Deployment":
					var d appsv1.Deployment
					mustUnmarshal(t, p, doc, &d)
					g := get(d.Name)
					g.namespace, g.serviceAccount = d.Namespace, d.Spec.Template.Spec.ServiceAccountName
					g.env = d.Spec.Template.Spec.Containers[0].Env
				case "Service":
					var s corev1.Service
					mustUnmarshal(t, p, doc, &s)
					for _, port := range s.Spec.Ports {
						get(s.Name).servicePorts = append(get(s.Name).servicePorts, port.Port)
					}
				case "NetworkPolicy":
					var np networkingv1.NetworkPolicy
					mustUnmarshal(t, p, doc, &np)
					get(np.Name).policy = &np
				case "AuthorizationPolicy":
					var ap authorizationPolicy
					mustUnmarshal(t, p, doc, &ap)
					get(ap.Metadata.Name).authz = &ap
				}
			}
		}
	}
	return gen
}

func mustUnmarshal(t *testing.T, path, doc string, v any) {
	t.Helper()
	if err := yaml.Unmarshal([]byte(doc), v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}

// resolved is an env var's value as the kubelet would build it: $(NAME) of an earlier variable expanded,
// $$ unescaped, and values from elsewhere written as ⟨cm:<ConfigMap>/<key>⟩, ⟨secret:<Secret>/<key>⟩ or
// ⟨field:<path>⟩. ok is false when the variable is not in the env.
func resolved(env []corev1.EnvVar, name string) (value string, ok bool) {
	vals := map[string]string{}
	for _, e := range env {
		v := e.Value
		switch {
		case e.ValueFrom == nil:
			v = expand(v, vals)
		case e.ValueFrom.ConfigMapKeyRef != nil:
			v = "⟨cm:" + e.ValueFrom.ConfigMapKeyRef.Name + "/" + e.ValueFrom.ConfigMapKeyRef.Key + "⟩"
		case e.ValueFrom.SecretKeyRef != nil:
			v = "⟨secret:" + e.ValueFrom.SecretKeyRef.Name + "/" + e.ValueFrom.SecretKeyRef.Key + "⟩"
		case e.ValueFrom.FieldRef != nil:
			v = "⟨field:" + e.ValueFrom.FieldRef.FieldPath + "⟩"
		default:
			v = "⟨other⟩"
		}
		if _, seen := vals[e.Name]; !seen {
			vals[e.Name] = v
		}
	}
	value, ok = vals[name]
	return value, ok
}

// expand is the kubelet's expansion of $(VAR) (only variables defined earlier) and $$.
func expand(s string, vals map[string]string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '$' || i+1 == len(s) {
			b.WriteByte(s[i])
			continue
		}
		switch s[i+1] {
		case '$':
			b.WriteByte('$')
			i++
		case '(':
			if end := strings.IndexByte(s[i:], ')'); end > 0 {
				if v, ok := vals[s[i+2:i+end]]; ok {
					b.WriteString(v)
					i += end
					continue
				}
			}
			b.WriteByte('$')
		default:
			b.WriteByte('$')
		}
	}
	return b.String()
}

// checkAddresses is (a): each address variable names the callee's Service, in the app's form.
func checkAddresses(t *testing.T, facts appFacts, byName map[string]factService, gen map[string]*generated) {
	for _, s := range facts.Services {
		g := gen[s.Name]
		for _, a := range s.AddressEnv {
			if a.Gap != "" {
				t.Logf("%s %s: skipped, known gap %s (GAPS.md)", s.Name, a.Env, a.Gap)
				continue
			}
			callee, ok := byName[a.Service]
			if !ok {
				t.Errorf("facts: %s %s names %s, which is not a service of the facts", s.Name, a.Env, a.Service)
				continue
			}
			sport := callee.ServicePort
			if sport == 0 {
				sport = callee.Port
			}
			if !slices.Contains(gen[a.Service].servicePorts, int32(sport)) {
				t.Errorf("%s: the Service has ports %v, the app's callers use %d", a.Service, gen[a.Service].servicePorts, sport)
			}
			host := a.Service + "." + gen[a.Service].namespace + ".svc"
			want := map[string]string{
				"host:port": fmt.Sprintf("%s:%d", host, sport),
				"host":      host,
				"port":      strconv.Itoa(sport),
				"url":       fmt.Sprintf("%s://%s:%d", a.Scheme, host, sport),
			}[a.Form]
			if want == "" {
				t.Errorf("facts: %s %s: unknown form %q", s.Name, a.Env, a.Form)
				continue
			}
			got, ok := resolved(g.env, a.Env)
			switch {
			case !ok:
				t.Errorf("%s: %s is not in the env (want %q)", s.Name, a.Env, want)
			case got != want:
				t.Errorf("%s: %s = %q, want %q (%s of %s)", s.Name, a.Env, got, want, a.Form, a.Service)
			}
		}
		for _, e := range s.SecretEnv {
			got, ok := resolved(g.env, e.Env)
			if !ok || !regexp.MustCompile(`^⟨secret:[^/⟩]+/[^⟩]+⟩$`).MatchString(got) {
				t.Errorf("%s: %s = %q (present %v), want it from the Secret of %s", s.Name, e.Env, got, ok, e.Secret)
			}
		}
		for _, e := range s.SelfEnv {
			got, ok := resolved(g.env, e.Env)
			var good bool
			switch e.Form {
			case "port":
				good = got == strconv.Itoa(s.Port)
			case "namespace":
				good = got == g.namespace || got == "⟨field:metadata.namespace⟩"
			}
			if !ok || !good {
				t.Errorf("%s: %s = %q (present %v), want the service's own %s", s.Name, e.Env, got, ok, e.Form)
			}
		}
	}
}

// peer is one side of an allowed edge: a service (by its pod name label and namespace) and a port.
type peer struct {
	name, namespace string
	port            int
}

func (p peer) String() string { return fmt.Sprintf("%s.%s:%d", p.name, p.namespace, p.port) }

// podPeers are the service-to-service peers of NetworkPolicy rules (peers that select pods by name;
// namespace-wide peers such as the gateway, the metrics scraper, DNS and the collector are not a
// service's), each with every port of its rule.
func podPeers(own string, rules []networkingv1.NetworkPolicyPeer, ports []networkingv1.NetworkPolicyPort) []peer {
	var out []peer
	for _, r := range rules {
		if r.PodSelector == nil {
			continue
		}
		name := r.PodSelector.MatchLabels["app.kubernetes.io/name"]
		if name == "" || name == "kube-dns" || r.PodSelector.MatchLabels["k8s-app"] != "" {
			continue
		}
		ns := own
		if r.NamespaceSelector != nil {
			ns = r.NamespaceSelector.MatchLabels["kubernetes.io/metadata.name"]
		}
		for _, p := range ports {
			if p.Port != nil {
				out = append(out, peer{name, ns, p.Port.IntValue()})
			}
		}
	}
	return out
}

func sortedPeers(m map[peer]bool) []string {
	var out []string
	for p := range m {
		out = append(out, p.String())
	}
	sort.Strings(out)
	return out
}

// checkEdges is (b): the NetworkPolicies and Istio's AuthorizationPolicies allow exactly the facts' edges.
func checkEdges(t *testing.T, facts appFacts, byName map[string]factService, gen map[string]*generated) {
	wantIn := map[string]map[peer]bool{}  // callee -> caller@port
	wantOut := map[string]map[peer]bool{} // caller -> callee@port
	tolerated := map[string]map[peer]bool{}
	add := func(m map[string]map[peer]bool, k string, p peer) {
		if m[k] == nil {
			m[k] = map[peer]bool{}
		}
		m[k][p] = true
	}
	for _, s := range facts.Services {
		for _, c := range s.Calls {
			if gen[c.To] == nil {
				t.Errorf("facts: %s calls %s, which is not generated", s.Name, c.To)
				continue
			}
			if c.Gap != "" {
				// Gantry opens the callee's main port for the caller instead: allowed, not asserted.
				t.Logf("%s -> %s:%d: skipped, known gap %s (GAPS.md)", s.Name, c.To, c.Port, c.Gap)
				add(tolerated, c.To, peer{s.Name, gen[s.Name].namespace, byName[c.To].Port})
				add(tolerated, s.Name, peer{c.To, gen[c.To].namespace, byName[c.To].Port})
				continue
			}
			add(wantIn, c.To, peer{s.Name, gen[s.Name].namespace, c.Port})
			add(wantOut, s.Name, peer{c.To, gen[c.To].namespace, c.Port})
		}
	}
	for _, s := range facts.Services {
		g := gen[s.Name]
		if g.policy == nil {
			t.Errorf("%s: no NetworkPolicy", s.Name)
			continue
		}
		gotIn, gotOut := map[peer]bool{}, map[peer]bool{}
		for _, r := range g.policy.Spec.Ingress {
			for _, p := range podPeers(g.namespace, r.From, r.Ports) {
				if !tolerated[s.Name][p] {
					gotIn[p] = true
				}
			}
		}
		for _, r := range g.policy.Spec.Egress {
			for _, p := range podPeers(g.namespace, r.To, r.Ports) {
				if !tolerated[s.Name][p] {
					gotOut[p] = true
				}
			}
		}
		if w, g := sortedPeers(wantIn[s.Name]), sortedPeers(gotIn); !slices.Equal(w, g) {
			t.Errorf("%s: NetworkPolicy ingress from services %v, the app's callers are %v", s.Name, g, w)
		}
		if w, g := sortedPeers(wantOut[s.Name]), sortedPeers(gotOut); !slices.Equal(w, g) {
			t.Errorf("%s: NetworkPolicy egress to services %v, the app calls %v", s.Name, g, w)
		}
		checkAuthz(t, s, g, gen, wantIn[s.Name], tolerated[s.Name])
	}
}

// checkAuthz: the callee's AuthorizationPolicy admits exactly its callers' identities, on the
// container port; a rule without a source may only open the metrics port (scraped without mTLS).
func checkAuthz(t *testing.T, s factService, g *generated, gen map[string]*generated, want, tolerated map[peer]bool) {
	principal := func(p peer) string {
		return "cluster.local/ns/" + p.namespace + "/sa/" + gen[p.name].serviceAccount
	}
	wantP := map[string]bool{}
	for p := range want {
		wantP[principal(p)+":"+strconv.Itoa(p.port)] = true
	}
	toleratedP := map[string]bool{}
	for p := range tolerated {
		toleratedP[principal(p)+":"+strconv.Itoa(p.port)] = true
	}
	appNS := map[string]bool{}
	for _, o := range gen {
		appNS[o.namespace] = true
	}
	gotP := map[string]bool{}
	if g.authz != nil {
		if g.authz.Spec.Action != "" && g.authz.Spec.Action != "ALLOW" {
			t.Errorf("%s: AuthorizationPolicy action %s", s.Name, g.authz.Spec.Action)
		}
		for _, r := range g.authz.Spec.Rules {
			var ports []string
			for _, to := range r.To {
				ports = append(ports, to.Operation.Ports...)
			}
			if len(r.From) == 0 {
				if s.MetricsPort == 0 || len(ports) == 0 || slices.ContainsFunc(ports, func(p string) bool { return p != strconv.Itoa(s.MetricsPort) }) {
					t.Errorf("%s: AuthorizationPolicy rule with no source opens ports %v (only the metrics port %d may be)", s.Name, ports, s.MetricsPort)
				}
				continue
			}
			if len(ports) == 0 {
				t.Errorf("%s: AuthorizationPolicy rule opens every port to %v", s.Name, r.From)
			}
			for _, f := range r.From {
				for _, pr := range f.Source.Principals {
					if ns, _, _ := strings.Cut(strings.TrimPrefix(pr, "cluster.local/ns/"), "/"); !appNS[ns] {
						continue // not one of the app's services: the ingress gateway's identity
					}
					for _, port := range ports {
						if k := pr + ":" + port; !toleratedP[k] {
							gotP[k] = true
						}
					}
				}
			}
		}
	} else if len(want) > 0 {
		t.Errorf("%s: no AuthorizationPolicy, the app's callers are %v", s.Name, sortedPeers(want))
		return
	}
	keys := func(m map[string]bool) []string {
		out := make([]string, 0, len(m))
		for k := range m {
			out = append(out, k)
		}
		sort.Strings(out)
		return out
	}
	if w, gk := keys(wantP), keys(gotP); !slices.Equal(w, gk) {
		t.Errorf("%s: AuthorizationPolicy admits %v, the app's callers are %v", s.Name, gk, w)
	}
}

// setting matches a reference to one of a dependency's settings: the key <DEP>_<SETTING> of a ConfigMap
// or a Secret (a password only from a Secret), or the port's number.
func setting(dep, name string) string {
	key := regexp.QuoteMeta(strings.ToUpper(strings.ReplaceAll(dep, "-", "_")) + "_" + name)
	if name == "PASSWORD" {
		return `⟨secret:[^/⟩]+/(` + key + `|password|PASSWORD)⟩`
	}
	if name == "PORT" {
		return `[0-9]+` // fixed by the provider, written in the env as it is
	}
	return `⟨cm:[^/⟩]+/` + key + `⟩`
}

// checkDatastores is (c): each datastore setting the app reads is present and built from the
// dependency's own settings, in the app's form.
func checkDatastores(t *testing.T, facts appFacts, gen map[string]*generated) {
	for _, s := range facts.Services {
		for _, d := range s.DependencyEnv {
			if d.Gap != "" {
				t.Logf("%s %s: skipped, known gap %s (GAPS.md)", s.Name, d.Env, d.Gap)
				continue
			}
			h, p, n, u, w := setting(d.Dependency, "HOST"), setting(d.Dependency, "PORT"), setting(d.Dependency, "NAME"),
				setting(d.Dependency, "USER"), setting(d.Dependency, "PASSWORD")
			pattern := map[string]string{
				"host:port":    h + ":" + p,
				"brokers":      setting(d.Dependency, "BROKERS"),
				"user":         u,
				"password":     w,
				"jdbc":         `jdbc:postgresql://` + h + ":" + p + "/" + n + `(\?.*)?`,
				"postgres-url": `postgres(ql)?://` + u + ":" + w + "@" + h + ":" + p + "/" + n + `(\?.*)?`,
				"npgsql":       `(?i:host=)` + h + `;(?i:port=)` + p + `;(?i:username=)` + u + `;(?i:password=)` + w + `;(?i:database=)` + n + `(;.*)?`,
			}[d.Form]
			if pattern == "" {
				t.Errorf("facts: %s %s: unknown form %q", s.Name, d.Env, d.Form)
				continue
			}
			got, ok := resolved(gen[s.Name].env, d.Env)
			if !ok {
				t.Errorf("%s: %s is not in the env (the app reads it for %s)", s.Name, d.Env, d.Dependency)
				continue
			}
			if !regexp.MustCompile(`^` + pattern + `$`).MatchString(got) {
				t.Errorf("%s: %s resolves to %q, want the %s form of dependency %s's settings (%s)", s.Name, d.Env, got, d.Form, d.Dependency, pattern)
			}
		}
	}
	// Each datastore's users reach it: the Deployment reads its settings from the service's
	// dependencies ConfigMap.
	for _, ds := range facts.Datastores {
		prefix := strings.ToUpper(strings.ReplaceAll(ds.Name, "-", "_")) + "_"
		for _, u := range ds.Users {
			found := false
			for _, e := range gen[u].env {
				if e.ValueFrom != nil && e.ValueFrom.ConfigMapKeyRef != nil && strings.HasPrefix(e.ValueFrom.ConfigMapKeyRef.Key, prefix) {
					found = true
				}
			}
			if !found {
				t.Errorf("%s: no setting of datastore %s (%s*) in the env", u, ds.Name, prefix)
			}
		}
	}
}
