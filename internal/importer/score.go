package importer

import (
	"bytes"
	"cmp"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"

	"go.yaml.in/yaml/v3"
	"k8s.io/apimachinery/pkg/api/resource"

	"github.com/gantry-dev/gantry/blueprints"
)

// scoreWorkload is the part of a Score workload (score.dev/v1b1, the spec's schema-v1b1.json) the
// import reads; the YAML nodes give every other field's line for the report.
type scoreWorkload struct {
	APIVersion string `yaml:"apiVersion"`
	Metadata   struct {
		Name string `yaml:"name"`
	} `yaml:"metadata"`
	Service struct {
		Ports map[string]struct {
			Port       int    `yaml:"port"`
			TargetPort int    `yaml:"targetPort"`
			Protocol   string `yaml:"protocol"`
		} `yaml:"ports"`
	} `yaml:"service"`
	Containers map[string]scoreContainer `yaml:"containers"`
	Resources  map[string]struct {
		Type   string         `yaml:"type"`
		Class  string         `yaml:"class"`
		ID     string         `yaml:"id"`
		Params map[string]any `yaml:"params"`
	} `yaml:"resources"`
}

type scoreContainer struct {
	Image     string            `yaml:"image"`
	Variables map[string]string `yaml:"variables"`
	Resources struct {
		Limits map[string]string `yaml:"limits"`
	} `yaml:"resources"`
	LivenessProbe  scoreProbe `yaml:"livenessProbe"`
	ReadinessProbe scoreProbe `yaml:"readinessProbe"`
}

type scoreProbe struct {
	HTTPGet *struct {
		Path string `yaml:"path"`
	} `yaml:"httpGet"`
	Exec *struct{} `yaml:"exec"`
}

var scorePlaceholderRE = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`\$\$|\$\{([^}]*)\}`) })

// Score imports Score workloads: one blueprint per workload, its resources of the types Gantry has
// (postgres, mysql, redis, kafka-topic, s3) as dependencies, service-port resources as calls, and
// ${resources...} and ${metadata...} placeholders turned into Gantry's.
func Score(paths []string, opts Options) (*Result, error) {
	if len(paths) == 0 {
		return nil, fmt.Errorf("no Score files given")
	}
	var ws []*scoreWorkloadFile
	for _, p := range paths {
		l, err := loadScore(p)
		if err != nil {
			return nil, err
		}
		ws = append(ws, l)
	}
	team := dnsLabel(cmp.Or(opts.Team, filepath.Base(mustAbs(ws[0].dir))), "team")
	apps := map[string]*svc{}
	var all []*svc
	for _, l := range ws {
		name := l.w.Metadata.Name
		if badName(name) {
			return nil, fmt.Errorf("%s: workload %q is not a Gantry service name (a DNS label of at most 40 characters): rename it", l.keyAt("metadata", "name"), name)
		}
		if apps[name] != nil {
			return nil, fmt.Errorf("%s: a second workload named %s", l.keyAt("metadata", "name"), name)
		}
		s := &svc{name: name, pos: l.keyAt("metadata", "name"), team: team, env: map[string]string{}, envAt: map[string]blueprints.Pos{}, envTODO: map[string]string{}, importedBy: "score"}
		apps[name] = s
		all = append(all, s)
		l.service(s)
	}
	// Resources and variables, once every workload's port is known.
	for _, l := range ws {
		s := apps[l.w.Metadata.Name]
		l.variables(s, l.resources(s, apps))
	}
	return assemble(all, nil, Options{Dir: opts.Dir, Team: team}, team)
}

// scoreWorkloadFile is one Score workload file, decoded and as YAML nodes for positions.
type scoreWorkloadFile struct {
	w    scoreWorkload
	root *yaml.Node
	file string
	dir  string
}

func loadScore(p string) (*scoreWorkloadFile, error) {
	data, err := os.ReadFile(p)
	if err != nil {
		return nil, err
	}
	l := &scoreWorkloadFile{file: filepath.ToSlash(p), dir: filepath.Dir(p)}
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return nil, fmt.Errorf("%s: %w", l.file, err)
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&l.w); err != nil {
		return nil, fmt.Errorf("%s: %w", l.file, err)
	}
	if l.w.APIVersion != "score.dev/v1b1" {
		return nil, fmt.Errorf("%s: apiVersion %q: import reads score.dev/v1b1", l.file, l.w.APIVersion)
	}
	if len(l.w.Containers) == 0 {
		return nil, fmt.Errorf("%s: no containers", l.file)
	}
	l.root = &root
	if root.Kind == yaml.DocumentNode && len(root.Content) > 0 {
		l.root = root.Content[0]
	}
	return l, nil
}

func (l *scoreWorkloadFile) at(n *yaml.Node) blueprints.Pos {
	if n == nil {
		return blueprints.Pos{File: l.file}
	}
	return blueprints.Pos{File: l.file, Line: n.Line, Col: n.Column}
}

func (l *scoreWorkloadFile) keyAt(path ...string) blueprints.Pos {
	return l.at(keyNode(l.root, path...))
}

// main is the workload's main container: the only one, or the first written.
func (l *scoreWorkloadFile) main() string { return child(l.root, "containers").Content[0].Value }

// service maps the workload's main container: image, ports, health, resource limits; every other
// container and key is reported.
func (l *scoreWorkloadFile) service(s *svc) {
	unmapped(s, l.root, []string{"apiVersion", "metadata", "service", "containers", "resources"}, "", l.at)
	unmapped(s, child(l.root, "metadata"), []string{"name"}, "metadata.", l.at)
	cn := child(l.root, "containers")
	main := l.main()
	for i := 2; i+1 < len(cn.Content); i += 2 {
		s.add(l.at(cn.Content[i]), KindUnmapped, "container %s: Gantry runs one container per service (%s); import it as a workload of its own", cn.Content[i].Value, main)
	}
	c := l.w.Containers[main]
	unmapped(s, child(cn, main), []string{"image", "variables", "resources", "livenessProbe", "readinessProbe"}, "containers."+main+".", l.at)
	scoreImage(s, c.Image, l.dir, l.keyAt("containers", main, "image"))
	scorePorts(s, l.w, l.keyAt)
	scoreHealth(s, c, l.keyAt("containers", main))
	for k, v := range c.Resources.Limits {
		q, err := resource.ParseQuantity(v)
		switch {
		case err != nil:
			s.add(l.keyAt("containers", main, "resources", "limits", k), KindUnmapped, "limits.%s %q is not a quantity", k, v)
		case k == "cpu":
			s.cpu = q.String()
		case k == "memory":
			s.mem = q.String()
		default:
			s.add(l.keyAt("containers", main, "resources", "limits", k), KindUnmapped, "limits.%s: not copied", k)
		}
	}
	if child(keyValue(l.root, "containers", main, "resources"), "requests") != nil {
		s.add(l.keyAt("containers", main, "resources", "requests"), KindUnmapped, "resources.requests: Gantry's requests are its limits (resources.limits)")
	}
}

// resources maps the workload's resources to dependencies and calls, and returns what each resource
// name stands for in placeholders: "dependency.NAME" or "service.NAME".
func (l *scoreWorkloadFile) resources(s *svc, apps map[string]*svc) map[string]string {
	refs := map[string]string{}
	for _, rname := range slices.Sorted(mapsKeys(l.w.Resources)) {
		r := l.w.Resources[rname]
		pos := l.keyAt("resources", rname)
		if t := scoreTypes[r.Type]; t != "" {
			if dnsLabel(rname, "") != rname {
				s.add(pos, KindTODO, "resource %s: not a dependency name (a DNS label); not imported", rname)
				continue
			}
			s.addDep(rname, t)
			refs[rname] = "dependency." + rname
			if r.Class != "" || r.ID != "" || len(r.Params) > 0 {
				s.add(pos, KindUnmapped, "resource %s: class, id and params are not copied (each service gets its own %s; spec.dependencies[].size sets its capacity)", rname, t)
			}
			continue
		}
		if r.Type == "service-port" {
			target, _ := r.Params["workload"].(string)
			if callee := apps[target]; callee != nil {
				link(s, callee, pos)
				refs[rname] = "service." + target
				continue
			}
			s.add(pos, KindTODO, "resource %s (service-port) names workload %q, which is not among the imported files", rname, target)
			continue
		}
		hint := ""
		switch r.Type {
		case "route", "dns":
			hint = " (spec.ingress exposes a web service on a host and paths)"
		case "amqp", "rabbitmq", "mongodb", "elasticsearch", "mssql":
			hint = " (no Gantry dependency type; queue is a cloud queue reached through its SDK)"
		case "volume":
			hint = " (Gantry services keep no volumes; use a bucket or a database)"
		}
		s.add(pos, KindUnmapped, "resource %s of type %s: Gantry has no equivalent%s", rname, r.Type, hint)
	}
	return refs
}

// variables maps the main container's variables to env, placeholders translated (refs).
func (l *scoreWorkloadFile) variables(s *svc, refs map[string]string) {
	main := l.main()
	c := l.w.Containers[main]
	for _, k := range slices.Sorted(mapsKeys(c.Variables)) {
		pos := l.keyAt("containers", main, "variables", k)
		s.envAt[k] = pos
		v, why := scoreValue(c.Variables[k], s, refs)
		switch {
		case blueprints.ReservedEnv(k):
			s.add(pos, KindUnmapped, "variable %s: Gantry sets it itself; not copied", k)
		case why != "":
			s.envTODO[k] = why
			s.add(pos, KindTODO, "variable %s: %s; written as a comment", k, why)
		default:
			if !strings.Contains(v, "@{") || strings.Contains(v, "@{@}") {
				if credentials(map[string]string{k: v})[k] {
					s.addSecret(k)
					s.env[k] = "@{secret." + k + "}"
					s.add(pos, KindWarning, "variable %s looks like a credential: the value is not copied; put it in the secret store as %s", k, k)
					continue
				}
			}
			s.env[k] = v
		}
	}
}

// scoreValue turns a Score variable's value into a Gantry env value, or says why it cannot.
func scoreValue(v string, s *svc, refs map[string]string) (string, string) {
	// A whole value that is a dependency's URL or address in its own parts becomes that placeholder.
	var parts []string
	for _, m := range scorePlaceholderRE().FindAllStringSubmatch(v, -1) {
		parts = append(parts, m[1])
	}
	var b strings.Builder
	last := 0
	var why string
	for _, loc := range scorePlaceholderRE().FindAllStringSubmatchIndex(v, -1) {
		b.WriteString(literal(v[last:loc[0]]))
		last = loc[1]
		if v[loc[0]:loc[1]] == "$$" {
			b.WriteString("$")
			continue
		}
		ref := v[loc[2]:loc[3]]
		got, problem := scoreRef(ref, s, refs)
		if problem != "" && why == "" {
			why = problem
		}
		b.WriteString(got)
	}
	b.WriteString(literal(v[last:]))
	out := b.String()
	// host:port of one dependency or service: its address (or brokers for kafka).
	if m := regexp.MustCompile(`^@\{(dependency|service)\.([a-z0-9-]+)\.host\}:@\{(?:dependency|service)\.([a-z0-9-]+)\.port\}$`).FindStringSubmatch(out); m != nil && m[2] == m[3] {
		if d, ok := s.hasDep(m[2]); ok && d.Type == "kafka" {
			return "@{dependency." + m[2] + ".brokers}", ""
		}
		return "@{" + m[1] + "." + m[2] + ".address}", ""
	}
	if strings.Contains(out, ".host}") || strings.Contains(out, ".port}") {
		for _, d := range s.deps {
			if d.Type == "kafka" && (strings.Contains(out, "@{dependency."+d.Name+".host}") || strings.Contains(out, "@{dependency."+d.Name+".port}")) {
				return "", "a kafka dependency has brokers (host:port list) only: write @{dependency." + d.Name + ".brokers}"
			}
		}
	}
	if m := regexp.MustCompile(`^(?:http|grpc)://@\{service\.([a-z0-9-]+)\.host\}:@\{service\.([a-z0-9-]+)\.port\}(/.*)?$`).FindStringSubmatch(out); m != nil && m[1] == m[2] {
		return "@{service." + m[1] + ".url}" + m[3], ""
	}
	// A URL of a dependency's own scheme made of its parts: its URL.
	if m := regexp.MustCompile(`^([a-z0-9+]+)://`).FindStringSubmatch(v); m != nil && len(parts) > 0 {
		dep := ""
		for _, p := range parts {
			f := strings.Split(p, ".")
			if len(f) != 3 || f[0] != "resources" || (dep != "" && dep != f[1]) {
				dep = ""
				break
			}
			dep = f[1]
		}
		if d, ok := s.hasDep(dep); ok && slices.Contains(urlSchemes[d.Type], m[1]) {
			return "@{dependency." + dep + ".url}", ""
		}
	}
	if why != "" {
		return "", why
	}
	return out, ""
}

// scoreRef maps one ${...} reference.
func scoreRef(ref string, s *svc, refs map[string]string) (string, string) {
	f := strings.Split(ref, ".")
	switch {
	case ref == "metadata.name":
		return "@{self.name}", ""
	case len(f) == 3 && f[0] == "resources":
		target := refs[f[1]]
		if target == "" {
			return "", fmt.Sprintf("${%s} names resource %s, which has no Gantry equivalent", ref, f[1])
		}
		kind, name, _ := strings.Cut(target, ".")
		if kind == "service" {
			switch f[2] {
			case "hostname", "host":
				return "@{service." + name + ".host}", ""
			case "port":
				return "@{service." + name + ".port}", ""
			}
			return "", fmt.Sprintf("${%s}: a service-port has no %s in Gantry", ref, f[2])
		}
		d, _ := s.hasDep(name)
		if d.Type == "kafka" && (f[2] == "host" || f[2] == "port") {
			return "@{dependency." + name + "." + f[2] + "}", "" // host:port is rewritten to brokers below
		}
		if field := scoreFields[d.Type][f[2]]; field != "" {
			return "@{dependency." + name + "." + field + "}", ""
		}
		return "", fmt.Sprintf("${%s}: a %s dependency has no %s in Gantry (its fields: %s)", ref, d.Type, f[2], strings.Join(depFields[d.Type], ", "))
	}
	return "", fmt.Sprintf("${%s} has no Gantry equivalent", ref)
}

func scoreImage(s *svc, image, dir string, pos blueprints.Pos) {
	switch {
	case image == ".":
		root := repoRoot(dir)
		rel, err := filepath.Rel(root, dir)
		rel = filepath.ToSlash(rel)
		if err == nil && blueprints.RepoPathAllowed(rel) && !strings.HasPrefix(rel, "..") && rel != "." {
			s.source = rel
		}
		if rt, why := guessRuntime(dir); rt != "" {
			s.runtime = rt
			s.add(pos, KindNote, "image . (built from source): runtime %s, guessed from the files of %s", rt, filepath.ToSlash(dir))
		} else {
			s.blockers = append(s.blockers, "set spec.runtime (go, node, python, java, rust, dotnet or static) and spec.source: image . is built from source, and "+why)
			s.add(pos, KindTODO, "image . (built from source): runtime unknown; the blueprint is written commented out")
		}
	case blueprints.PinnedImage(image):
		s.prebuilt = image
	default:
		s.prebuilt = image + "@sha256:TODO"
		s.blockers = append(s.blockers, fmt.Sprintf("pin the image by digest in spec.prebuilt: `docker buildx imagetools inspect %s` prints it; write %s@sha256:<digest>", image, image))
		s.add(pos, KindTODO, "image %s is not pinned by digest: the blueprint is written commented out; `docker buildx imagetools inspect %s` prints the digest", image, image)
	}
}

func scorePorts(s *svc, w scoreWorkload, keyAt func(...string) blueprints.Pos) {
	if len(w.Service.Ports) == 0 {
		s.typ = "worker"
		s.add(s.pos, KindNote, "no service ports: written as a worker")
		return
	}
	s.typ = "web"
	names := slices.Collect(mapsKeys(w.Service.Ports))
	slices.SortFunc(names, func(a, b string) int {
		return cmp.Compare(keyAt("service", "ports", a).Line, keyAt("service", "ports", b).Line)
	})
	p := w.Service.Ports[names[0]]
	s.port = cmp.Or(p.TargetPort, p.Port)
	s.svcPort = p.Port
	if strings.EqualFold(p.Protocol, "UDP") {
		s.add(keyAt("service", "ports", names[0]), KindUnmapped, "port %s is UDP: Gantry serves TCP only", names[0])
	}
	for _, n := range names[1:] {
		s.add(keyAt("service", "ports", n), KindUnmapped, "port %s: Gantry serves one port (spec.port, the first: %s); a Prometheus port is spec.metricsPort", n, names[0])
	}
	if lo, _ := blueprints.PortRange(); s.port < lo {
		s.blockers = append(s.blockers, fmt.Sprintf("the container listens on port %d: Gantry runs containers as non-root, which cannot bind a port below %d; make the app listen on one above and set spec.port (servicePort keeps callers' port)", s.port, lo))
	}
}

func scoreHealth(s *svc, c scoreContainer, pos blueprints.Pos) {
	if s.typ != "web" {
		return
	}
	for _, pr := range []struct {
		probe *scoreProbe
		dst   *string
		name  string
	}{{&c.LivenessProbe, &s.health.Liveness, "liveness"}, {&c.ReadinessProbe, &s.health.Readiness, "readiness"}} {
		if pr.probe.HTTPGet == nil {
			continue
		}
		if !blueprints.HTTPPath(pr.probe.HTTPGet.Path) {
			s.add(pos, KindUnmapped, "%s probe path %q is not an HTTP path Gantry can probe; left out", pr.name, pr.probe.HTTPGet.Path)
			continue
		}
		*pr.dst = pr.probe.HTTPGet.Path
	}
	s.health.Liveness = cmp.Or(s.health.Liveness, s.health.Readiness)
	s.health.Readiness = cmp.Or(s.health.Readiness, s.health.Liveness)
	if s.health.Liveness == "" {
		s.health.TCP = true
		s.add(pos, KindNote, "no HTTP probe: health {tcp: true} (readiness is a TCP connection)")
	}
	if c.LivenessProbe.Exec != nil || c.ReadinessProbe.Exec != nil {
		s.add(pos, KindUnmapped, "exec probes: Gantry probes over HTTP, gRPC or TCP")
	}
}

// unmapped reports the keys of n outside known.
func unmapped(s *svc, n *yaml.Node, known []string, prefix string, at func(*yaml.Node) blueprints.Pos) {
	if n == nil || n.Kind != yaml.MappingNode {
		return
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if k := n.Content[i].Value; !slices.Contains(known, k) {
			s.add(at(n.Content[i]), KindUnmapped, "%s%s: Gantry has no equivalent; not copied", prefix, k)
		}
	}
}

// keyValue is the value node at path under n.
func keyValue(n *yaml.Node, path ...string) *yaml.Node {
	for _, k := range path {
		n = child(n, k)
	}
	return n
}
