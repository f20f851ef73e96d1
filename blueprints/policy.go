package blueprints

import (
	"fmt"
	"maps"
	"net/netip"
	"slices"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
	"k8s.io/apimachinery/pkg/api/resource"
)

// policyRules are the constraint fields of a Policy: one without any of them states no rule.
var policyRules = []string{"denyPublicIngress", "denyEgress", "allowedEgress", "allowedDependencies", "allowedRegistries", "maxCPU", "maxMemory", "maxReplicas", "requireSLOs"}

func (p Policy) states() bool {
	return p.DenyPublicIngress || p.DenyEgress || len(p.AllowedEgress) > 0 || len(p.AllowedDependencies) > 0 ||
		len(p.AllowedRegistries) > 0 || p.MaxCPU != "" || p.MaxMemory != "" || p.MaxReplicas > 0 || p.RequireSLOs
}

// policies checks spec.policies as written in the platform file: unique names, teams and environments
// that can match, quantities, egress patterns and registries that parse, and a rule in each.
func (c *check) policies(s PlatformSpec) {
	seen := map[string]bool{}
	for i, p := range s.Policies {
		at := func(f string) string { return fmt.Sprintf("spec.policies[%d]%s", i, f) }
		if p.Name != "" {
			if msg := dnsLabelProblem(p.Name, 63); msg != "" {
				c.errf(at(".name"), hintLabel(p.Name), "%s", msg)
			} else if seen[p.Name] {
				c.errf(at(".name"), "give each policy its own name", "duplicate policy %q", p.Name)
			}
			seen[p.Name] = true
		}
		if !p.states() {
			c.errf(at(""), "add one of: "+strings.Join(policyRules, ", "), "policy %q states no rule", p.Name)
		}
		for j, team := range p.Teams {
			if msg, hint := TeamProblem(team); msg != "" {
				c.errf(at(fmt.Sprintf(".teams[%d]", j)), hint, "%s", msg)
			}
		}
		for j, e := range p.Environments {
			if !slices.Contains(s.Environments, e) {
				hint := "the platform's environments are: " + strings.Join(s.Environments, ", ")
				if m := closest(e, s.Environments); m != "" {
					hint = fmt.Sprintf("did you mean %q?", m)
				}
				c.errf(at(fmt.Sprintf(".environments[%d]", j)), hint, "%q is not an environment of the platform", e)
			}
		}
		for _, q := range []struct{ field, v string }{{".maxCPU", p.MaxCPU}, {".maxMemory", p.MaxMemory}} {
			if v, err := resource.ParseQuantity(q.v); q.v != "" && err != nil {
				c.errf(at(q.field), "a Kubernetes quantity such as 2, 500m, 4Gi", "%q is not a quantity", q.v)
			} else if q.v != "" && v.Sign() <= 0 {
				c.errf(at(q.field), "a positive quantity such as 2, 500m, 4Gi", "%s is not a ceiling any service can meet", q.v)
			}
		}
		for j, e := range p.AllowedEgress {
			if msg := egressPatternProblem(e); msg != "" {
				hint := "host:port, *.domain:port, a host without a port (any port), or a range as in spec.egress"
				if !strings.Contains(msg, "is not a host name") {
					hint = "remove it: spec.egress refuses it anyway"
				}
				c.errf(at(fmt.Sprintf(".allowedEgress[%d]", j)), hint, "%s", msg)
			}
		}
		for j, reg := range p.AllowedRegistries {
			if registryProblem(reg) != "" {
				c.errf(at(fmt.Sprintf(".allowedRegistries[%d]", j)), "lower-case host[:port][/path] without a trailing '/', e.g. ghcr.io/acme", "%q is not a registry", reg)
			}
		}
		if p.DenyEgress && len(p.AllowedEgress) > 0 {
			c.errf(at(".denyEgress"), "keep one of them", "denyEgress and allowedEgress contradict each other")
		}
	}
}

// egressPatternProblem says why an allowedEgress entry is refused, or "": it must be able to match
// an entry spec.egress accepts, and may not open what spec.egress refuses (the metadata service).
func egressPatternProblem(e string) string {
	host, port, hasPort := SplitHostPort(e)
	if !hasPort {
		host = e
	}
	name := strings.TrimPrefix(host, "*.")
	_, prefixErr := netip.ParsePrefix(name)
	if n, err := strconv.Atoi(port); name == "" || (!validHost(name) && prefixErr != nil) || (hasPort && (err != nil || n < 1 || n > 65535)) {
		return fmt.Sprintf("%q is not a host name, a range or host:port", e)
	}
	if msg := egressProblem(name); msg != "" {
		return fmt.Sprintf("%q %s", e, msg)
	}
	return ""
}

// egressAllowed reports whether an egress entry matches one of the patterns: the same text, a host under
// a *.domain pattern, a host pattern without a port (any port), or a range inside a pattern's range.
func egressAllowed(entry string, patterns []string) bool {
	host, port, _ := SplitHostPort(entry)
	for _, pat := range patterns {
		ph, pp, hasPort := SplitHostPort(pat)
		if !hasPort {
			ph = pat
		}
		if hasPort && pp != port {
			continue
		}
		switch {
		case strings.EqualFold(ph, host):
			return true
		case strings.HasPrefix(ph, "*.") && len(host) > len(ph)-1 && strings.HasSuffix(strings.ToLower(host), strings.ToLower(ph[1:])):
			return true
		}
		if within, err := netip.ParsePrefix(ph); err == nil {
			if r, err := netip.ParsePrefix(host); err == nil && within.Bits() <= r.Bits() && within.Contains(r.Addr()) {
				return true
			}
			if a, err := netip.ParseAddr(host); err == nil && within.Contains(a) {
				return true
			}
		}
	}
	return false
}

// violation is one value of one service that one policy refuses, in the environments listed.
type violation struct {
	policy int
	path   string
	msg    string
	envs   []string
}

// violations lists what policy p refuses in a service's spec in one environment: each as the resolved
// field path and a message.
func (p Policy) violations(s ServiceSpec) [][2]string {
	var out [][2]string
	add := func(path, format string, args ...any) {
		out = append(out, [2]string{path, fmt.Sprintf(format, args...)})
	}
	if p.DenyPublicIngress && s.Ingress.Public {
		add("spec.ingress.public", "public ingress is not allowed")
	}
	for j, e := range s.Egress {
		switch {
		case p.DenyEgress:
			add(fmt.Sprintf("spec.egress[%d]", j), "egress is not allowed (to %s)", e)
		case len(p.AllowedEgress) > 0 && !egressAllowed(e, validOnly(p.AllowedEgress, egressPatternProblem)):
			add(fmt.Sprintf("spec.egress[%d]", j), "egress to %s is not allowed (allowed: %s)", e, strings.Join(p.AllowedEgress, ", "))
		}
	}
	for j, d := range s.Dependencies {
		if len(p.AllowedDependencies) > 0 && !slices.Contains(p.AllowedDependencies, d.Type) {
			add(fmt.Sprintf("spec.dependencies[%d].type", j), "a %s dependency is not allowed (allowed: %s)", d.Type, strings.Join(p.AllowedDependencies, ", "))
		}
	}
	if len(p.AllowedRegistries) > 0 {
		for _, img := range []struct{ path, ref string }{{"spec.prebuilt", s.Prebuilt}, {"spec.image", s.Image}} {
			if img.ref != "" && !fromRegistry(img.ref, validOnly(p.AllowedRegistries, registryProblem)) && (img.path == "spec.prebuilt" || s.Prebuilt == "") {
				add(img.path, "image %s is not from an allowed registry (%s)", img.ref, strings.Join(p.AllowedRegistries, ", "))
			}
		}
	}
	for _, q := range []struct{ path, v, max string }{{"spec.resources.cpu", s.Resources.CPU, p.MaxCPU}, {"spec.resources.memory", s.Resources.Memory, p.MaxMemory}} {
		if exceeds(q.v, q.max) {
			add(q.path, "%s is more than the ceiling of %s", q.v, q.max)
		}
	}
	if p.RequireSLOs && s.Type == TypeWeb && (s.Protocol == "" || s.Protocol == "http") && len(s.SLOs) == 0 {
		add("spec.slos", "a web service must declare its service level objectives (spec.slos, with a metricsPort)")
	}
	if p.MaxReplicas > 0 && s.Replicas.Max > p.MaxReplicas {
		add("spec.replicas.max", "%d replicas are more than the ceiling of %d", s.Replicas.Max, p.MaxReplicas)
	}
	return out
}

// validOnly are the entries of a policy list that have no problem: one reported as invalid where the
// policy is written is not also a violation of every service.
func validOnly(entries []string, problem func(string) string) []string {
	var out []string
	for _, e := range entries {
		if problem(e) == "" {
			out = append(out, e)
		}
	}
	return out
}

func registryProblem(r string) string {
	if registryRE().MatchString(r) {
		return ""
	}
	return "not a registry"
}

// fromRegistry reports whether an image reference lives under one of the registries: the registry,
// then '/' (ghcr.io/acme does not admit ghcr.io/acme-evil/x).
func fromRegistry(ref string, registries []string) bool {
	for _, r := range registries {
		if strings.HasPrefix(ref, r+"/") {
			return true
		}
	}
	return false
}

// exceeds reports whether quantity v is over ceiling max; an unparsable one was reported elsewhere.
func exceeds(v, max string) bool {
	if v == "" || max == "" {
		return false
	}
	q, err1 := resource.ParseQuantity(v)
	m, err2 := resource.ParseQuantity(max)
	return err1 == nil && err2 == nil && q.Cmp(m) > 0
}

// applies reports whether policy p selects a service of team in environment env.
func (p Policy) applies(team, env string) bool {
	return (len(p.Teams) == 0 || slices.Contains(p.Teams, team)) && (len(p.Environments) == 0 || slices.Contains(p.Environments, env))
}

// enforcePolicies checks every service of a platform against its policies, in each environment they
// apply to. A value refused in several environments (a base value, or a platform default) is reported
// once, at the line that wrote it, naming the environments.
func (l *loader) enforcePolicies(r *resolver, rp *ResolvedPlatform, pf *File, members []*member, complete bool) {
	policies := rp.Spec.Policies
	if len(policies) == 0 {
		return
	}
	if complete {
		l.policyTeams(pf, policies, members)
	}
	for _, m := range members {
		type key struct {
			pos    Pos
			policy int
			msg    string
		}
		found := map[key]*violation{}
		var order []key
		for i, env := range m.res.Environments {
			for pi, p := range policies {
				if !p.applies(m.res.Team, env.Name) {
					continue
				}
				for _, v := range p.violations(env.Spec) {
					pos, path := r.at(m.envs[i], Pos{File: m.file.Path}, v[0])
					if reg := pf.node("spec.registry"); v[0] == "spec.image" && !r.written(m.envs[i], v[0]) && reg != nil {
						// The image is the default, <registry>/<name>: the registry is what to change.
						pos, path = posOf(pf.Path, reg), "spec.registry"
					}
					k := key{pos, pi, v[1]}
					if found[k] == nil {
						found[k] = &violation{policy: pi, path: path, msg: v[1]}
						order = append(order, k)
					}
					found[k].envs = append(found[k].envs, env.Name)
				}
			}
		}
		for _, k := range order {
			v := found[k]
			p := policies[v.policy]
			where := ""
			if n := pf.node(fmt.Sprintf("spec.policies[%d]", v.policy)); n != nil {
				where = fmt.Sprintf(" (%s)", posOf(pf.Path, n))
			}
			hint := p.Description
			if hint == "" {
				hint = "change the value, or ask the platform's owners about the policy"
			}
			sev := SeverityError
			if p.Severity == "warning" {
				sev = SeverityWarning
			}
			msg := fmt.Sprintf("policy %q%s: %s in %s", p.Name, where, v.msg, strings.Join(v.envs, ", "))
			l.add(Diagnostic{Pos: k.pos, Path: v.path, Message: m.forService(k.pos, msg), Hint: hint, Severity: sev})
		}
	}
}

// policyTeams warns of a policy team that no service of the platform has: a typo would turn the policy
// off for the team meant. Only when every blueprint of the platform was loaded.
func (l *loader) policyTeams(pf *File, policies []Policy, members []*member) {
	teams := map[string]bool{}
	for _, m := range members {
		teams[m.res.Team] = true
	}
	for i, p := range policies {
		for j, team := range p.Teams {
			if msg, _ := TeamProblem(team); msg != "" || teams[team] {
				continue
			}
			if n := pf.node(fmt.Sprintf("spec.policies[%d].teams[%d]", i, j)); n != nil {
				hint := "no service has it yet; check the spelling"
				if m := closest(team, slices.Sorted(maps.Keys(teams))); m != "" {
					hint = fmt.Sprintf("did you mean %q?", m)
				}
				l.add(Diagnostic{Pos: posOf(pf.Path, n), Path: fmt.Sprintf("spec.policies[%d].teams[%d]", i, j), Severity: SeverityWarning, Hint: hint,
					Message: fmt.Sprintf("no service of the platform belongs to team %q: policy %q applies to nothing there", team, p.Name)})
			}
		}
	}
}

// node is the YAML node at a field path of the file, nil for none (or no file: the built-in platform).
func (f *File) node(path string) *yaml.Node {
	if f == nil {
		return nil
	}
	return f.nodes[path]
}
