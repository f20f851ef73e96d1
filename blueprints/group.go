package blueprints

import (
	"cmp"
	"fmt"
	"maps"
	"path"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/gantry-dev/gantry/blueprints/catalog"
	"github.com/gantry-dev/gantry/internal/parallel"
)

// member is one service of a platform while its group is checked.
type member struct {
	file *File
	res  *ResolvedService
	base layered
	envs []layered // each environment's, in the platform's order
	ns   string
	typ  string
}

// pos returns where a field of the service's base was written.
func (m *member) pos(r *resolver, path string) (Pos, string) {
	return r.at(m.base, Pos{File: m.file.Path}, path)
}

// resolveGroup resolves and checks the services of one platform, then checks them against each other.
func (l *loader) resolveGroup(pf *File, files []*File, complete bool) *ResolvedPlatform {
	rp := resolvePlatform(pf)
	if pf != nil && pf.Platform != nil {
		rp.Source = l.sourcePath(pf.Path)
	}
	r := &resolver{origins: make(map[*yaml.Node]origin, originsSize(append([]*File{pf}, files...)))}
	var pdef *yaml.Node
	var pdefEnv map[string]*yaml.Node
	if pf != nil && pf.Platform != nil {
		r.index(pf)
		checkPlatform(pf, rp, r, &l.diags)
		pdef = pf.nodes["spec.defaults"]
		pdefEnv = map[string]*yaml.Node{}
		for _, e := range rp.Spec.Environments {
			pdefEnv[e] = r.filter(pf.nodes[joinPath("spec.defaults.environments", e)], overridable)
		}
		l.checkDefaults(r, rp, pf, pdef, pdefEnv)
	}
	members := l.resolveServices(r, rp, files, pdef, pdefEnv)
	slices.SortStableFunc(members, func(a, b *member) int { return cmp.Compare(a.res.Name, b.res.Name) })
	l.crossCheck(r, rp.Spec, members, complete)
	l.enforcePolicies(r, rp, pf, members, complete)
	for _, m := range members {
		rp.Services = append(rp.Services, m.res)
	}
	return rp
}

// resolveServices resolves the services of a group on every processor, in file order. Each worker has
// a loader of its own (for its diagnostics and its cache of repository roots) and a resolver of its own
// (for the nodes it indexes and makes, over r's); their work is then taken in file order, as if the
// services had been resolved one after another.
func (l *loader) resolveServices(r *resolver, rp *ResolvedPlatform, files []*File, pdef *yaml.Node, pdefEnv map[string]*yaml.Node) []*member {
	var services []*File
	for _, f := range files {
		if f.Service != nil {
			services = append(services, f)
		}
	}
	members := make([]*member, len(services))
	diags := make([]Diagnostics, len(services))
	k := parallel.Workers(len(services))
	loaders, resolvers := make([]*loader, k), make([]*resolver, k)
	for w := range k {
		loaders[w] = l.worker()
		resolvers[w] = &resolver{origins: make(map[*yaml.Node]origin, originsSize(services)/k), parent: r}
	}
	parallel.Do(k, len(services), func(w, i int) {
		wl, wr := loaders[w], resolvers[w]
		wr.index(services[i])
		members[i] = wl.resolveService(wr, rp, services[i], wr.filter(pdef, notEnvironments), pdefEnv)
		diags[i], wl.diags = wl.diags, nil
	})
	for _, wr := range resolvers {
		maps.Copy(r.origins, wr.origins) // a worker's nodes are its files' and those it made: none is in two
	}
	for _, d := range diags {
		l.diags = append(l.diags, d...)
	}
	return members
}

// originsSize is about the number of origins of the files (nil: none): one per node, and some for the
// mappings merged from them. A map made at that size is not grown a step at a time.
func originsSize(files []*File) int {
	n := 0
	for _, f := range files {
		if f != nil {
			n += len(f.nodes)
		}
	}
	return n + n/4
}

// checkDefaults checks the values of the platform's defaults once, in every environment; the services'
// checks skip values they inherit, so a bad default is reported once rather than once per service.
func (l *loader) checkDefaults(r *resolver, rp *ResolvedPlatform, pf *File, pdef *yaml.Node, pdefEnv map[string]*yaml.Node) {
	if pdef == nil {
		return
	}
	base := r.filter(pdef, notEnvironments)
	layers := []layered{r.layer(pf.Path, base)}
	for _, e := range rp.Spec.Environments {
		layers = append(layers, r.layer(pf.Path, base, pdefEnv[e]))
	}
	for _, lay := range layers {
		lay.own = pf.nodes
		c := &check{r: r, l: lay, svcFile: pf.Path, fallback: Pos{File: pf.Path}, envs: rp.Spec.Environments, diags: &l.diags}
		s := lay.spec
		c.fields(&s, ServiceMeta{})
	}
}

// checkNames checks a service's name and team where they were written (a missing one was reported by
// the parser): the rules gantry init and new apply to their flags, and with Argo CD the platform's own
// name, which its AppProject takes.
func (l *loader) checkNames(f *File, rp *ResolvedPlatform) {
	meta := f.Service.Metadata
	var platformReserved []string
	if rp.Spec.GitOps.Engine == "argocd" {
		platformReserved = []string{rp.Name}
	}
	for _, v := range []struct {
		path, value string
		problem     func(string) (string, string)
	}{
		{"metadata.name", meta.Name, ServiceNameProblem},
		{"metadata.team", meta.Team, func(t string) (string, string) { return teamProblem(t, platformReserved) }},
	} {
		if n := f.nodes[v.path]; n != nil && v.value != "" {
			if msg, hint := v.problem(v.value); msg != "" {
				l.add(Diagnostic{Pos: posOf(f.Path, n), Path: v.path, Message: msg, Hint: hint})
			}
		}
	}
}

func (l *loader) resolveService(r *resolver, rp *ResolvedPlatform, f *File, pdef *yaml.Node, pdefEnv map[string]*yaml.Node) *member {
	svc := f.Service
	meta := svc.Metadata
	specNode := f.nodes["spec"]
	specBase := r.filter(specNode, notEnvironments)
	fallback := posOf(f.Path, f.root)
	l.checkNames(f, rp)
	verdicts := map[[2]string]verdict{}
	newCheck := func(lay layered) *check {
		return &check{r: r, l: lay, svcFile: f.Path, svcName: meta.Name, fallback: fallback,
			envs: rp.Spec.Environments, diags: &l.diags, verdicts: verdicts}
	}
	m := &member{file: f, base: r.layer(f.Path, pdef, specBase)}
	m.base.own = f.nodes
	r.ownWorkerLiveness(&m.base, f.Path)
	base, dropped, forced := normaliseService(m.base.spec, meta, rp.Spec, false)
	c := newCheck(m.base)
	c.spec(&base, meta, dropped, forced)
	c.l = layered{nodes: f.nodes, own: f.nodes}
	c.environments(svc.Spec.Environments, "spec.environments")
	base.Environments = nil

	m.ns, m.typ = base.Namespace, base.Type
	m.res = &ResolvedService{File: f.Path, Source: l.sourcePath(f.Path), Name: meta.Name, Team: meta.Team, Description: meta.Description, Base: base}
	// A spec is large: room for every environment's at once, rather than copied as the slices grow.
	m.res.Environments = slices.Grow(m.res.Environments, len(rp.Spec.Environments))
	m.envs = slices.Grow(m.envs, len(rp.Spec.Environments))
	l.inCluster(r, m, rp, base.Dependencies)
	for i, env := range rp.Spec.Environments {
		lay := r.layer(f.Path, pdef, pdefEnv[env], specBase, r.filter(f.nodes[joinPath("spec.environments", env)], overridable))
		lay.own = f.nodes
		r.ownWorkerLiveness(&lay, f.Path)
		m.envs = append(m.envs, lay)
		production := i == len(rp.Spec.Environments)-1
		spec, dropped, forced := normaliseService(lay.spec, meta, rp.Spec, production)
		newCheck(lay).spec(&spec, meta, dropped, forced)
		spec.Environments = nil
		m.res.Environments = append(m.res.Environments, ResolvedEnv{Name: env, Production: production, Spec: spec})
	}
	l.scaling(r, m, rp)
	l.configFiles(r, m)
	return m
}

// cloudAPIs are the services behind the dependency types that have no in-cluster form, for messages.
var cloudAPIs = map[string]string{"bucket": "S3, Cloud Storage and Blob Storage", "queue": "SQS, Pub/Sub and Service Bus"}

// inCluster checks the dependencies of a service against the environments that run them in the
// cluster (DependencyProvider): the type needs a container there (catalog.LocalImage), and the
// StatefulSet's name must fit its pods' revision label (MaxDependencyWorkload). Once per dependency.
func (l *loader) inCluster(r *resolver, m *member, rp *ResolvedPlatform, deps []Dependency) {
	envs := ClusterEnvironments(rp.Spec)
	if len(envs) == 0 {
		return
	}
	which := "environments " + strings.Join(envs, ", ") + " take"
	if len(envs) == 1 {
		which = "environment " + envs[0] + " takes"
	}
	for i, d := range deps {
		if _, ok := catalog.Lookup(d.Type); ok {
			if _, local := catalog.LocalImage(d.Type); !local {
				hint := "remove " + strings.Join(envs, ", ") + " from the platform's spec.inCluster, so the cloud provides it there"
				if !slices.Contains(catalog.Clouds, rp.Spec.Cloud.Provider) {
					hint = "set the platform's spec.cloud.provider (aws, gcp or azure) and list in spec.inCluster only the environments that may run without it"
				}
				pos, p := m.pos(r, fmt.Sprintf("spec.dependencies[%d].type", i))
				l.add(Diagnostic{Pos: pos, Path: p, Hint: hint, Message: m.forService(pos, fmt.Sprintf(
					"a %s has no in-cluster form (it is a cloud API that apps reach through the cloud's SDK, and no one container speaks %s alike), and %s dependencies from the cluster",
					d.Type, cloudAPIs[d.Type], which))})
			}
		}
		if w := DependencyWorkload(m.res.Name, d); d.Name != "" && len(w) > MaxDependencyWorkload {
			pos, p := m.pos(r, fmt.Sprintf("spec.dependencies[%d].name", i))
			l.add(Diagnostic{Pos: pos, Path: p, Hint: fmt.Sprintf("shorten the dependency's name to at most %d characters", MaxDependencyWorkload-len(m.res.Name)-1),
				Message: m.forService(pos, fmt.Sprintf("in the cluster it runs as StatefulSet %q, longer than %d characters (its pods' revision label adds 11 to the name and holds 63)", w, MaxDependencyWorkload))})
		}
	}
}

// ownWorkerLiveness keeps a worker's liveness path only where its own file set it: a platform default's
// is a web service's, and probing a path a worker's metrics port does not serve would restart it in a
// loop.
func (r *resolver) ownWorkerLiveness(l *layered, file string) {
	if l.spec.Type != TypeWorker || l.spec.Health.Liveness == "" {
		return
	}
	if n, ok := l.nodes["spec.health.liveness"]; ok {
		if o, _ := r.origin(n); o.file == file {
			return
		}
	}
	l.spec.Health.Liveness = ""
}

// crossCheck applies the rules that span services: unique names and zero trust both ways (when A calls
// B, B lists A among its callers).
func (l *loader) crossCheck(r *resolver, platform PlatformSpec, members []*member, complete bool) {
	g := &graph{l: l, r: r, platform: platform, complete: complete, byName: map[string]*member{}}
	g.index(members)
	g.dependencyNames(members)
	l.namespaceOwners(r, members)
	l.uniqueSources(r, members)
	for _, a := range members {
		if g.byName[a.res.Name] != a {
			continue
		}
		g.calls(a)
		g.callers(a)
		g.connections(a)
	}
}

// graph is the services of one platform by name, while the references between them are checked.
type graph struct {
	l        *loader
	r        *resolver
	platform PlatformSpec
	complete bool
	byName   map[string]*member
	names    []string
}

// dependencyNames reports an in-cluster dependency whose objects (DependencyWorkload) would take the
// name of another service, or of another service's dependency, in the same namespace: both would
// write the same StatefulSet, Service and password Secret, and the last applied would decide who
// reaches it.
func (g *graph) dependencyNames(members []*member) {
	if len(ClusterEnvironments(g.platform)) == 0 {
		return
	}
	type owner struct {
		m   *member
		dep string
	}
	taken := map[[2]string]owner{} // namespace, name -> the first dependency there
	for _, a := range members {
		for i, d := range a.res.Base.Dependencies {
			if d.Name == "" {
				continue
			}
			w := DependencyWorkload(a.res.Name, d)
			pos, p := a.pos(g.r, fmt.Sprintf("spec.dependencies[%d].name", i))
			if b := g.byName[w]; b != nil && b.ns == a.ns {
				g.l.add(Diagnostic{Pos: pos, Path: p, Hint: "rename the dependency",
					Message: a.forService(pos, fmt.Sprintf("in the cluster it runs as %q, the name of service %s in the same namespace (%s)", w, w, b.file.Path))})
				continue
			}
			key := [2]string{a.ns, w}
			if o, ok := taken[key]; ok && o.m != a {
				g.l.add(Diagnostic{Pos: pos, Path: p, Hint: "rename one of the two dependencies",
					Message: a.forService(pos, fmt.Sprintf("in the cluster it runs as %q, as %s's dependency %s does in the same namespace (%s)", w, o.m.res.Name, o.dep, o.m.file.Path))})
				continue
			}
			taken[key] = owner{a, d.Name}
		}
	}
}

// index names the members, reporting a name defined twice.
func (g *graph) index(members []*member) {
	for _, m := range members {
		name := m.res.Name
		if name == "" {
			continue
		}
		if first, dup := g.byName[name]; dup {
			pos, path := m.pos(g.r, "metadata.name")
			if n := m.file.nodes["metadata.name"]; n != nil {
				pos, path = posOf(m.file.Path, n), "metadata.name"
			}
			fp := posOf(first.file.Path, first.file.nodes["metadata.name"])
			g.l.add(Diagnostic{Pos: pos, Path: path, Message: fmt.Sprintf("service %q is defined twice (also at %s)", name, fp),
				Hint: "service names are unique in a platform; rename one"})
			continue
		}
		g.byName[name] = m
		g.names = append(g.names, name)
	}
}

// unknown reports a reference to a service that is not in the set: an error when every blueprint of the
// platform was loaded, a warning when only some files were named.
func (g *graph) unknown(m *member, path, ref, field string) {
	pos, p := m.pos(g.r, path)
	name, _ := splitRef(ref)
	hint := "add its blueprint, or remove it from " + field
	if t := g.byName[name]; t != nil {
		hint = fmt.Sprintf("%s is in namespace %s", name, t.ns)
	} else if s := closest(name, g.names); s != "" {
		hint = fmt.Sprintf("did you mean %q?", s)
	}
	sev := SeverityError
	if !g.complete {
		sev = SeverityWarning
		hint += "; only some blueprint files were named, so it may be in another"
		g.l.unresolved = append(g.l.unresolved, fmt.Sprintf("%s (%s: %s)", ref, pos, p))
	}
	g.l.add(Diagnostic{Pos: pos, Path: p, Message: fmt.Sprintf("no service %q among the blueprints", ref), Hint: hint, Severity: sev})
}

// find returns the member a calls/callers entry names, or nil.
func (g *graph) find(ref string) *member {
	name, ns := splitRef(ref)
	t := g.byName[name]
	if t == nil || (ns != "" && t.ns != ns) {
		return nil
	}
	return t
}

// lists reports whether refs name m.
func (g *graph) lists(refs []string, m *member) bool {
	return slices.ContainsFunc(refs, func(ref string) bool { return g.find(ref) == m })
}

// skip reports whether a's own check reported the entry already: its form is wrong, or it names a.
func skip(a *member, ref string) bool { return refProblem(ref) != "" || isSelf(ref, a.res.Name, a.ns) }

// calls checks that every service a calls exists, serves a port and lists a among its callers.
func (g *graph) calls(a *member) {
	for i, ref := range a.res.Base.Calls {
		if skip(a, ref) {
			continue
		}
		path := fmt.Sprintf("spec.calls[%d]", i)
		b := g.find(ref)
		if b == nil {
			g.unknown(a, path, ref, "calls")
			continue
		}
		pos, p := a.pos(g.r, path)
		if b.typ != TypeWeb {
			g.l.add(Diagnostic{Pos: pos, Path: p, Message: fmt.Sprintf("%q is a %s service and serves no port", ref, b.typ),
				Hint: "only web services can be called"})
			continue
		}
		if !g.lists(b.res.Base.Callers, a) {
			where, _ := b.pos(g.r, "spec.callers")
			g.l.add(Diagnostic{Pos: pos, Path: p, Message: fmt.Sprintf("%s does not list %s among its callers", b.res.Name, a.res.Name),
				Hint: fmt.Sprintf("add %q to %s's spec.callers (%s)", a.res.Name, b.res.Name, where)})
		}
	}
}

// callers checks that every caller a allows exists, and warns when it does not list a in its calls.
func (g *graph) callers(a *member) {
	for i, ref := range a.res.Base.Callers {
		if skip(a, ref) {
			continue
		}
		path := fmt.Sprintf("spec.callers[%d]", i)
		b := g.find(ref)
		if b == nil {
			g.unknown(a, path, ref, "callers")
			continue
		}
		if !g.lists(b.res.Base.Calls, a) {
			pos, p := a.pos(g.r, path)
			where, _ := b.pos(g.r, "spec.calls")
			g.l.add(Diagnostic{Pos: pos, Path: p, Severity: SeverityWarning,
				Message: fmt.Sprintf("%s is allowed to call %s but does not list it in its calls", b.res.Name, a.res.Name),
				Hint:    fmt.Sprintf("add %q to %s's spec.calls (%s), or remove it here", a.res.Name, b.res.Name, where)})
		}
	}
}

// byFile returns the members in the order of their files, so that "the first" is the same in every run.
func byFile(members []*member) []*member {
	out := slices.Clone(members)
	slices.SortStableFunc(out, func(a, b *member) int { return cmp.Compare(a.file.Path, b.file.Path) })
	return out
}

// fieldPos is where a member's field came from: where it was written (the service or a platform
// default), else the field of its metadata it is derived from.
func (m *member) fieldPos(r *resolver, path, derivedFrom string) (Pos, string) {
	if r.written(m.base, path) {
		return m.pos(r, path)
	}
	if n := m.file.nodes[derivedFrom]; n != nil {
		return posOf(m.file.Path, n), derivedFrom
	}
	return m.pos(r, path)
}

// forService adds the service's name to a message reported in another file (a platform default).
func (m *member) forService(pos Pos, msg string) string {
	if pos.File != m.file.Path {
		msg += " [service " + m.res.Name + "]"
	}
	return msg
}

// namespaceOwners checks that a namespace belongs to one team. Gantry gives each namespace's team its
// NetworkPolicies, mesh policies, ExternalSecrets and (Argo CD) an AppProject with the namespace as a
// destination: a second team in it would get rights over the first team's workloads. The namespace
// named like a team belongs to that team when it has services, whether they run there or not; any other
// namespace to the team of the first file (by path) that uses it.
func (l *loader) namespaceOwners(r *resolver, members []*member) {
	ordered := byFile(members)
	teamFirst := map[string]*member{} // team -> its first service
	users := map[string][]*member{}   // namespace -> its services
	var namespaces []string
	for _, m := range ordered {
		if m.res.Team == "" || m.ns == "" {
			continue
		}
		if teamFirst[m.res.Team] == nil {
			teamFirst[m.res.Team] = m
		}
		if users[m.ns] == nil {
			namespaces = append(namespaces, m.ns)
		}
		users[m.ns] = append(users[m.ns], m)
	}
	for _, ns := range namespaces {
		ms := users[ns]
		owner, ref := ms[0].res.Team, ms[0]
		if t := teamFirst[ns]; t != nil {
			owner, ref = ns, t
			if i := slices.IndexFunc(ms, func(m *member) bool { return m.res.Team == ns }); i >= 0 {
				ref = ms[i]
			}
		}
		// The owner's claim: its spec.namespace, else (derived, from a platform default, or a team that
		// runs elsewhere) its metadata.team.
		refPos, _ := ref.fieldPos(r, "spec.namespace", "metadata.team")
		if n := ref.file.nodes["metadata.team"]; n != nil && (refPos.File != ref.file.Path || ref.ns != ns) {
			refPos = posOf(ref.file.Path, n)
		}
		for _, m := range ms {
			if m.res.Team == owner {
				continue
			}
			pos, p := m.fieldPos(r, "spec.namespace", "metadata.team")
			l.add(Diagnostic{Pos: pos, Path: p,
				Message: m.forService(pos, fmt.Sprintf("namespace %q belongs to team %s (%s); team %s cannot use it", ns, owner, refPos, m.res.Team)),
				Hint:    fmt.Sprintf("a namespace belongs to one team (its network and mesh policies, secrets and GitOps project); use team %s's own, e.g. remove spec.namespace to use %q", m.res.Team, m.res.Team)})
		}
	}
}

// uniqueSources checks that no two services build from the same folder (after defaults, compared
// clean and case-insensitively, as macOS and Windows file systems do): each one's Dockerfile and
// .dockerignore are generated in it.
func (l *loader) uniqueSources(r *resolver, members []*member) {
	first := map[string]*member{}
	names := map[string]bool{}
	for _, m := range byFile(members) {
		src := m.res.Base.Source
		if src == "" || relPathProblem(src) != "" || (m.res.Name != "" && names[m.res.Name]) {
			continue // reported by the service's own check, or as a name defined twice
		}
		names[m.res.Name] = true
		key := strings.ToLower(path.Clean(src))
		f := first[key]
		if f == nil {
			first[key] = m
			continue
		}
		pos, p := m.fieldPos(r, "spec.source", "metadata.name")
		fpos, _ := f.fieldPos(r, "spec.source", "metadata.name")
		l.add(Diagnostic{Pos: pos, Path: p,
			Message: m.forService(pos, fmt.Sprintf("source folder %q is also the source of service %s (%s)", src, f.res.Name, fpos)),
			Hint:    "give each service a folder of its own: its Dockerfile and .dockerignore are generated there"})
	}
}
