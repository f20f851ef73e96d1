package blueprints

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"
)

// member is one service of a platform while its group is checked.
type member struct {
	file *File
	res  *ResolvedService
	base layered
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
	r := &resolver{origins: map[*yaml.Node]origin{}, diags: &l.diags}
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
	var members []*member
	for _, f := range files {
		if f.Service == nil {
			continue
		}
		r.index(f)
		members = append(members, l.resolveService(r, rp, f, r.filter(pdef, notEnvironments), pdefEnv))
	}
	slices.SortStableFunc(members, func(a, b *member) int { return cmp.Compare(a.res.Name, b.res.Name) })
	l.crossCheck(r, members, complete)
	for _, m := range members {
		rp.Services = append(rp.Services, m.res)
	}
	return rp
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

func (l *loader) resolveService(r *resolver, rp *ResolvedPlatform, f *File, pdef *yaml.Node, pdefEnv map[string]*yaml.Node) *member {
	svc := f.Service
	meta := svc.Metadata
	specNode := f.nodes["spec"]
	specBase := r.filter(specNode, notEnvironments)
	fallback := posOf(f.Path, f.root)
	if n := f.nodes["metadata.name"]; n != nil {
		if msg := dnsLabelProblem(meta.Name, MaxServiceName); msg != "" && meta.Name != "" {
			l.add(Diagnostic{Pos: posOf(f.Path, n), Path: "metadata.name", Message: msg, Hint: hintLabel(meta.Name)})
		}
	}
	if n := f.nodes["metadata.team"]; n != nil {
		if msg := dnsLabelProblem(meta.Team, 63); msg != "" && meta.Team != "" {
			l.add(Diagnostic{Pos: posOf(f.Path, n), Path: "metadata.team", Message: msg, Hint: hintLabel(meta.Team)})
		}
	}
	// Names the output layout uses for its own files: <env>/<service>.yaml sits beside namespaces.yaml
	// and kustomization.yaml, Argo CD's projects/<team>.yaml beside <platform>.yaml and
	// kustomization.yaml, and <platform>/<team>/ beside namespaces/ and gitops/.
	reserved := func(path, value string, names ...string) {
		if n := f.nodes[path]; n != nil && slices.Contains(names, value) {
			l.add(Diagnostic{Pos: posOf(f.Path, n), Path: path,
				Message: fmt.Sprintf("%q is reserved: the generated output has a file or folder of that name", value),
				Hint:    "choose another name; reserved here: " + strings.Join(names, ", ")})
		}
	}
	reserved("metadata.name", meta.Name, "kustomization", "namespaces")
	teams := []string{"kustomization", "namespaces", "gitops"}
	if rp.Spec.GitOps.Engine == "argocd" {
		teams = append(teams, rp.Name) // the platform's own AppProject
	}
	reserved("metadata.team", meta.Team, teams...)

	newCheck := func(lay layered) *check {
		return &check{r: r, l: lay, svcFile: f.Path, svcName: meta.Name, fallback: fallback,
			envs: rp.Spec.Environments, diags: &l.diags}
	}
	m := &member{file: f, base: r.layer(f.Path, pdef, specBase)}
	m.base.own = f.nodes
	base := m.base.spec
	applyDefaults(&base, meta, rp.Spec)
	c := newCheck(m.base)
	c.spec(&base, meta)
	c.l = layered{nodes: f.nodes, own: f.nodes}
	c.environments(svc.Spec.Environments, "spec.environments")
	base.Environments = nil

	m.ns, m.typ = base.Namespace, base.Type
	m.res = &ResolvedService{File: f.Path, Source: l.sourcePath(f.Path), Name: meta.Name, Team: meta.Team, Description: meta.Description, Base: base}
	for i, env := range rp.Spec.Environments {
		lay := r.layer(f.Path, pdef, pdefEnv[env], specBase, r.filter(f.nodes[joinPath("spec.environments", env)], overridable))
		lay.own = f.nodes
		spec := lay.spec
		applyDefaults(&spec, meta, rp.Spec)
		newCheck(lay).spec(&spec, meta)
		spec.Environments = nil
		m.res.Environments = append(m.res.Environments, ResolvedEnv{Name: env, Production: i == len(rp.Spec.Environments)-1, Spec: spec})
	}
	return m
}

// crossCheck applies the rules that span services: unique names and zero trust both ways (when A calls
// B, B lists A among its callers).
func (l *loader) crossCheck(r *resolver, members []*member, complete bool) {
	byName := map[string]*member{}
	var names []string
	for _, m := range members {
		name := m.res.Name
		if name == "" {
			continue
		}
		if first, dup := byName[name]; dup {
			pos, path := m.pos(r, "metadata.name")
			if n := m.file.nodes["metadata.name"]; n != nil {
				pos, path = posOf(m.file.Path, n), "metadata.name"
			}
			fp := posOf(first.file.Path, first.file.nodes["metadata.name"])
			l.add(Diagnostic{Pos: pos, Path: path, Message: fmt.Sprintf("service %q is defined twice (also at %s)", name, fp),
				Hint: "service names are unique in a platform; rename one"})
			continue
		}
		byName[name] = m
		names = append(names, name)
	}
	// unknown reports a reference to a service that is not in the set: an error when every blueprint of
	// the platform was loaded, a warning when only some files were named.
	unknown := func(m *member, path, ref, field string) {
		pos, p := m.pos(r, path)
		name, _ := splitRef(ref)
		hint := "add its blueprint, or remove it from " + field
		if t := byName[name]; t != nil {
			hint = fmt.Sprintf("%s is in namespace %s", name, t.ns)
		} else if s := closest(name, names); s != "" {
			hint = fmt.Sprintf("did you mean %q?", s)
		}
		sev := SeverityError
		if !complete {
			sev = SeverityWarning
			hint += "; only some blueprint files were named, so it may be in another"
		}
		l.add(Diagnostic{Pos: pos, Path: p, Message: fmt.Sprintf("no service %q among the blueprints", ref), Hint: hint, Severity: sev})
	}
	find := func(ref string) *member {
		name, ns := splitRef(ref)
		t := byName[name]
		if t == nil || (ns != "" && t.ns != ns) {
			return nil
		}
		return t
	}
	lists := func(refs []string, m *member) bool {
		return slices.ContainsFunc(refs, func(ref string) bool { return find(ref) == m })
	}
	for _, a := range members {
		if byName[a.res.Name] != a {
			continue
		}
		// Entries whose form is wrong, or that name the service itself, were reported by its own check.
		skip := func(ref string) bool { return refProblem(ref) != "" || isSelf(ref, a.res.Name, a.ns) }
		for i, ref := range a.res.Base.Calls {
			if skip(ref) {
				continue
			}
			path := fmt.Sprintf("spec.calls[%d]", i)
			b := find(ref)
			if b == nil {
				unknown(a, path, ref, "calls")
				continue
			}
			pos, p := a.pos(r, path)
			if b.typ != TypeWeb {
				l.add(Diagnostic{Pos: pos, Path: p, Message: fmt.Sprintf("%q is a %s service and serves no port", ref, b.typ),
					Hint: "only web services can be called"})
				continue
			}
			if !lists(b.res.Base.Callers, a) {
				where, _ := b.pos(r, "spec.callers")
				l.add(Diagnostic{Pos: pos, Path: p, Message: fmt.Sprintf("%s does not list %s among its callers", b.res.Name, a.res.Name),
					Hint: fmt.Sprintf("add %q to %s's spec.callers (%s)", a.res.Name, b.res.Name, where)})
			}
		}
		for i, ref := range a.res.Base.Callers {
			if skip(ref) {
				continue
			}
			path := fmt.Sprintf("spec.callers[%d]", i)
			b := find(ref)
			if b == nil {
				unknown(a, path, ref, "callers")
				continue
			}
			if !lists(b.res.Base.Calls, a) {
				pos, p := a.pos(r, path)
				where, _ := b.pos(r, "spec.calls")
				l.add(Diagnostic{Pos: pos, Path: p, Severity: SeverityWarning,
					Message: fmt.Sprintf("%s is allowed to call %s but does not list it in its calls", b.res.Name, a.res.Name),
					Hint:    fmt.Sprintf("add %q to %s's spec.calls (%s), or remove it here", a.res.Name, b.res.Name, where)})
			}
		}
	}
}
