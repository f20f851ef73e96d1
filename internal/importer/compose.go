package importer

import (
	"cmp"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"go.yaml.in/yaml/v3"
	"k8s.io/apimachinery/pkg/api/resource"

	"github.com/gantry-dev/gantry/blueprints"
)

// composeMapped are the service keys the Compose import reads; every other key is reported.
var composeMapped = []string{"image", "build", "ports", "expose", "healthcheck", "environment", "depends_on", "links", "deploy", "secrets"}

// Compose imports a Compose file: one blueprint per service, except the containers of well-known
// images, which become dependencies of the services that use them. The file is read as the Compose
// specification's reference loader reads it (variables unset, as on a machine with no .env file; see
// readCompose); its YAML nodes give the report's lines.
func Compose(path string, opts Options) (*Result, error) {
	c, err := loadCompose(path)
	if err != nil {
		return nil, err
	}
	fileEntries := slices.Concat(c.project.Warnings, c.topLevel())
	team := dnsLabel(cmp.Or(opts.Team, c.project.Name), "team")
	p := peers{deps: map[string]string{}, apps: map[string]*svc{}}
	var all []*svc
	for _, name := range slices.Sorted(mapsKeys(c.project.Services)) {
		cs := c.project.Services[name]
		if cs.Build == nil {
			if t := images[imageRepo(cs.Image)]; t != "" {
				p.deps[name] = t
				continue
			}
		}
		s := &svc{name: name, pos: c.at(c.keys[name]), team: team, env: map[string]string{}, envAt: map[string]blueprints.Pos{}, envTODO: map[string]string{}, importedBy: "compose"}
		if badName(name) {
			return nil, fmt.Errorf("%s: service %q is not a Gantry service name (a DNS label of at most 40 characters): rename it", s.pos, name)
		}
		p.apps[name] = s
		all = append(all, s)
	}
	for _, s := range all {
		c.service(s)
	}
	// Edges and env, once every service's type is known.
	for _, s := range all {
		c.edgesAndEnv(s, p)
	}
	fileEntries = append(fileEntries, c.dependencyEntries(all, p)...)
	return assemble(all, fileEntries, Options{Dir: opts.Dir, Team: team}, c.project.Name)
}

// composeFile is a Compose file as readCompose reads it, with the YAML nodes of its services for
// positions.
type composeFile struct {
	project     *composeProject
	shown       string // the path as given, for positions
	dir, root   string // its folder and the repository root above it
	doc         *yaml.Node
	nodes, keys map[string]*yaml.Node // service name -> its value node, its key node
}

func loadCompose(path string) (*composeFile, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	dir := mustAbs(filepath.Dir(path))
	c := &composeFile{shown: filepath.ToSlash(path), dir: dir, root: repoRoot(dir), nodes: map[string]*yaml.Node{}, keys: map[string]*yaml.Node{}}
	c.project, err = readCompose(c.shown, data, dnsLabel(filepath.Base(dir), "import"))
	if err != nil {
		return nil, err
	}
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return nil, fmt.Errorf("%s: %w", c.shown, err)
	}
	c.doc = &root
	if c.doc.Kind == yaml.DocumentNode && len(c.doc.Content) > 0 {
		c.doc = c.doc.Content[0]
	}
	if s := deref(child(c.doc, "services")); s != nil {
		for i := 0; i+1 < len(s.Content); i += 2 {
			c.keys[s.Content[i].Value], c.nodes[s.Content[i].Value] = s.Content[i], deref(s.Content[i+1])
		}
	}
	return c, nil
}

func (c *composeFile) at(n *yaml.Node) blueprints.Pos {
	if n == nil {
		return blueprints.Pos{File: c.shown}
	}
	return blueprints.Pos{File: c.shown, Line: n.Line, Col: n.Column}
}

// topLevel reports the file's top-level keys Gantry has no equivalent for, and its secrets.
func (c *composeFile) topLevel() []Entry {
	var out []Entry
	doc := c.doc
	for i := 0; i+1 < len(doc.Content); i += 2 {
		k := doc.Content[i]
		switch k.Value {
		case "services", "name", "version":
		case "secrets":
			for j := 0; j+1 < len(doc.Content[i+1].Content); j += 2 {
				out = append(out, Entry{Pos: c.at(doc.Content[i+1].Content[j]), Kind: KindWarning,
					Message: fmt.Sprintf("secret %s: its value (file or environment) is not copied; put it in the secret store under that name", doc.Content[i+1].Content[j].Value)})
			}
		default:
			out = append(out, Entry{Pos: c.at(k), Kind: KindUnmapped, Message: fmt.Sprintf("top-level %s: Gantry has no equivalent (the cluster's storage and networks are its own)", k.Value)})
		}
	}
	return out
}

func (c *composeFile) keyAt(s *svc) func(path ...string) blueprints.Pos {
	return func(path ...string) blueprints.Pos { return c.at(keyNode(c.nodes[s.name], path...)) }
}

// service maps what a service is: image or build, ports, health, deploy, secrets; every other key is
// reported.
func (c *composeFile) service(s *svc) {
	cs := c.project.Services[s.name]
	n := c.nodes[s.name]
	keyAt := c.keyAt(s)
	for i := 0; i+1 < len(n.Content); i += 2 {
		if k := n.Content[i].Value; !slices.Contains(composeMapped, k) {
			s.add(c.at(n.Content[i]), KindUnmapped, "%s: Gantry has no equivalent; not copied", k)
		}
	}
	composeImage(s, cs, c.dir, c.root, keyAt, unsupported(cs.Image))
	composePorts(s, cs, keyAt)
	composeHealth(s, cs, keyAt)
	composeDeploy(s, cs, n, c.at, keyAt)
	for _, sec := range cs.Secrets {
		s.addSecret(sec.Source)
		if sec.Target != "" && sec.Target != sec.Source && sec.Target != "/run/secrets/"+sec.Source {
			s.add(keyAt("secrets"), KindUnmapped, "secret %s's target %s: Gantry mounts it as a file under $CONFIDENTIAL_DIR named after the secret (@{secret.%s.path})", sec.Source, sec.Target, sec.Source)
		}
	}
}

// edgesAndEnv maps depends_on and links (to dependencies and to calls) and the environment.
func (c *composeFile) edgesAndEnv(s *svc, p peers) {
	cs := c.project.Services[s.name]
	keyAt := c.keyAt(s)
	deps := slices.Sorted(mapsKeys(cs.DependsOn))
	for _, l := range cs.Links {
		name, _, _ := strings.Cut(l, ":")
		deps = append(deps, name)
	}
	for _, d := range deps {
		switch {
		case p.deps[d] != "":
			s.addDep(d, p.deps[d])
		case p.apps[d] != nil:
			link(s, p.apps[d], keyAt("depends_on"))
		}
	}
	env := map[string]string{}
	for k, v := range cs.Environment {
		if v == nil {
			s.add(keyAt("environment"), KindTODO, "env %s has no value (taken from the shell by Compose): not copied; set it in env, or in secrets if it is a credential", k)
			continue
		}
		env[k] = *v
	}
	mapEnv(s, env, func(k string) blueprints.Pos { return envPos(c.nodes[s.name], k, c.at) }, p)
}

// dependencyEntries says what became of each container recognised as a dependency.
func (c *composeFile) dependencyEntries(all []*svc, p peers) []Entry {
	var out []Entry
	for _, name := range slices.Sorted(mapsKeys(p.deps)) {
		var users []string
		for _, s := range all {
			if _, ok := s.hasDep(name); ok {
				users = append(users, s.name)
			}
		}
		pos := c.at(c.keys[name])
		image := c.project.Services[name].Image
		if len(users) == 0 {
			out = append(out, Entry{Pos: pos, Service: name, Kind: KindTODO, Message: fmt.Sprintf("image %s is a %s, but no service uses it (depends_on, links or env): not imported; add {name: %s, type: %s} to the dependencies of the services that use it", image, p.deps[name], name, p.deps[name])})
			continue
		}
		msg := fmt.Sprintf("image %s becomes dependency %s (type %s) of %s: Gantry provisions it, so its container settings (image, environment, volumes, healthcheck...) are not copied", image, name, p.deps[name], strings.Join(users, ", "))
		if len(users) > 1 {
			msg += "; each service gets its own " + p.deps[name]
		}
		out = append(out, Entry{Pos: pos, Service: name, Kind: KindNote, Message: msg})
	}
	return out
}

func badName(name string) bool { return len(name) > 40 || dnsLabel(name, "") != name }

func unsupported(image string) string { return unsupportedImages[imageRepo(image)] }

func mustAbs(p string) string {
	if abs, err := filepath.Abs(p); err == nil {
		return abs
	}
	return p
}

func composeImage(s *svc, cs *composeService, dir, root string, keyAt func(...string) blueprints.Pos, server string) {
	if cs.Build == nil {
		if server != "" {
			s.blockers = append(s.blockers, fmt.Sprintf("image %s is %s, which Gantry has no dependency type for: run it yourself, or import it as a prebuilt service once pinned", cs.Image, server))
		}
		if blueprints.PinnedImage(cs.Image) {
			s.prebuilt = cs.Image
			s.add(keyAt("image"), KindNote, "image %s is pinned: written as prebuilt", cs.Image)
			return
		}
		s.prebuilt = cs.Image + "@sha256:TODO"
		s.blockers = append(s.blockers, fmt.Sprintf("pin the image by digest in spec.prebuilt: `docker buildx imagetools inspect %s` prints it; write %s@sha256:<digest>", cs.Image, cs.Image))
		s.add(keyAt("image"), KindTODO, "image %s is not pinned by digest: the blueprint is written commented out; `docker buildx imagetools inspect %s` prints the digest", cs.Image, cs.Image)
		return
	}
	if cs.Image != "" {
		s.add(keyAt("image"), KindUnmapped, "image %s: Gantry names the image <registry>/%s (spec.image sets the repository)", cs.Image, s.name)
	}
	ctx := cs.Build.Context
	if !filepath.IsAbs(ctx) {
		ctx = filepath.Join(dir, ctx)
	}
	if strings.Contains(cs.Build.Context, "://") {
		s.blockers = append(s.blockers, "the build context "+cs.Build.Context+" is a remote URL: give spec.source the folder of the service's source in this repository")
		return
	}
	rel, err := filepath.Rel(root, ctx)
	rel = filepath.ToSlash(rel)
	if err != nil || strings.HasPrefix(rel, "..") || !blueprints.RepoPathAllowed(rel) {
		s.blockers = append(s.blockers, fmt.Sprintf("the build context %s is not a folder of this repository Gantry can name (letters, digits, '.', '_', '-', '/'): set spec.source", filepath.ToSlash(ctx)))
		return
	}
	s.source = rel
	s.build.Context = rel
	df := cmp.Or(cs.Build.Dockerfile, "Dockerfile")
	if !filepath.IsAbs(df) {
		df = filepath.Join(ctx, df)
	}
	if drel, err := filepath.Rel(root, df); err == nil && blueprints.RepoPathAllowed(filepath.ToSlash(drel)) && !strings.HasPrefix(drel, "..") {
		s.build.Dockerfile = filepath.ToSlash(drel)
	}
	if rt, why := guessRuntime(ctx); rt != "" {
		s.runtime = rt
		s.add(keyAt("build"), KindNote, "runtime %s, guessed from the files of %s", rt, rel)
	} else {
		s.blockers = append(s.blockers, "set spec.runtime (go, node, python, java, rust, dotnet or static): "+why)
		s.add(keyAt("build"), KindTODO, "runtime unknown (%s): the blueprint is written commented out", why)
	}
	if cs.Build.Target != "" {
		s.add(keyAt("build", "target"), KindUnmapped, "build target %s: Gantry builds the Dockerfile's last stage", cs.Build.Target)
	}
	if len(cs.Build.Args) > 0 {
		s.add(keyAt("build", "args"), KindUnmapped, "build args (%s): not copied; give them defaults in the Dockerfile", strings.Join(cs.Build.Args, ", "))
	}
}

func composePorts(s *svc, cs *composeService, keyAt func(...string) blueprints.Pos) {
	var ports []int
	for _, p := range cs.Ports {
		if p.Protocol == "udp" {
			s.add(keyAt("ports"), KindUnmapped, "port %d/udp: Gantry serves TCP only", p.Target)
			continue
		}
		ports = append(ports, int(p.Target))
	}
	for _, e := range cs.Expose {
		lo, _, _ := strings.Cut(strings.TrimSuffix(e, "/tcp"), "-")
		if n, err := strconv.Atoi(lo); err == nil && !slices.Contains(ports, n) {
			ports = append(ports, n)
		}
	}
	if len(ports) == 0 {
		s.typ = "worker"
		s.add(s.pos, KindNote, "no ports or expose: written as a worker; if it serves, make it type web with its port")
		return
	}
	s.typ = "web"
	s.port = ports[0]
	if len(ports) > 1 {
		s.add(keyAt("ports"), KindUnmapped, "ports %v: Gantry serves one port (spec.port %d, the first); a Prometheus port is spec.metricsPort", ports[1:], ports[0])
	}
	if len(cs.Ports) > 0 {
		s.add(keyAt("ports"), KindNote, "published ports are not copied: the service is reached through the cluster (spec.ingress exposes it outside)")
	}
	if lo, _ := blueprints.PortRange(); s.port < lo {
		s.blockers = append(s.blockers, fmt.Sprintf("the container listens on port %d: Gantry runs containers as non-root, which cannot bind a port below %d; make the app listen on one above and set spec.port (servicePort: %d keeps callers' port)", s.port, lo, s.port))
	}
}

// healthURLRE finds a local URL in a health check command (compiled on first use: start-up).
var healthURLRE = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`https?://(?:localhost|127\.0\.0\.1|0\.0\.0\.0|\[::1\])(?::[0-9]+)?(/[^\s'"|;&]*)?`)
})

func composeHealth(s *svc, cs *composeService, keyAt func(...string) blueprints.Pos) {
	if s.typ != "web" {
		if cs.HealthCheck != nil {
			s.add(keyAt("healthcheck"), KindUnmapped, "healthcheck of a worker: Gantry probes a worker's health.liveness on its metricsPort")
		}
		return
	}
	hc := cs.HealthCheck
	if hc == nil || hc.Disable || len(hc.Test) == 0 || hc.Test[0] == "NONE" {
		s.health.TCP = true
		s.add(s.pos, KindNote, "no health check: health {tcp: true} (readiness is a TCP connection); give health paths if the app serves them")
		return
	}
	if m := healthURLRE().FindStringSubmatch(strings.Join(hc.Test, " ")); m != nil && blueprints.HTTPPath(cmp.Or(m[1], "/")) {
		path := cmp.Or(m[1], "/")
		s.health.Liveness, s.health.Readiness = path, path
		s.add(keyAt("healthcheck", "test"), KindNote, "health check %s: liveness and readiness (one endpoint for both: Gantry warns and probes liveness over TCP; give a separate liveness path if the app has one)", path)
	} else {
		s.health.TCP = true
		s.add(keyAt("healthcheck", "test"), KindUnmapped, "health check command %q has no HTTP path: health {tcp: true} instead", strings.Join(hc.Test, " "))
	}
	if hc.StartPeriod != nil {
		if sec := int(timeSeconds(*hc.StartPeriod)); sec > 0 && sec <= 300 {
			s.health.InitialDelaySeconds = sec
		} else {
			s.add(keyAt("healthcheck", "start_period"), KindUnmapped, "start_period: beyond initialDelaySeconds' 300; give a startup path")
		}
	}
	for _, k := range []struct {
		name string
		set  bool
	}{{"interval", hc.Interval != nil}, {"timeout", hc.Timeout != nil}, {"retries", hc.Retries != nil}, {"start_interval", hc.StartInterval != nil}} {
		if k.set {
			s.add(keyAt("healthcheck", k.name), KindUnmapped, "healthcheck %s: Gantry's probes keep their own timing", k.name)
		}
	}
}

func timeSeconds(d time.Duration) float64 { return float64(d) / 1e9 }

func composeDeploy(s *svc, cs *composeService, n *yaml.Node, at func(*yaml.Node) blueprints.Pos, keyAt func(...string) blueprints.Pos) {
	dn := child(n, "deploy")
	if cs.Deploy == nil || dn == nil {
		return
	}
	for i := 0; i+1 < len(dn.Content); i += 2 {
		if k := dn.Content[i].Value; k != "replicas" && k != "resources" {
			s.add(at(dn.Content[i]), KindUnmapped, "deploy.%s: Gantry has no equivalent; not copied", k)
		}
	}
	if r := cs.Deploy.Replicas; r != nil {
		switch {
		case s.typ != "web" && s.typ != "worker":
		case *r >= 1 && *r <= 1000:
			s.replicas = *r
		default:
			s.add(keyAt("deploy", "replicas"), KindUnmapped, "deploy.replicas %d: outside Gantry's 1 to 1000", *r)
		}
	}
	if rn := child(dn, "resources"); rn != nil {
		for i := 0; i+1 < len(rn.Content); i += 2 {
			if rn.Content[i].Value != "limits" {
				s.add(at(rn.Content[i]), KindUnmapped, "deploy.resources.%s: Gantry's requests are its limits (deploy.resources.limits)", rn.Content[i].Value)
			}
		}
	}
	if l := cs.Deploy.Limits; l != nil {
		if l.NanoCPUs > 0 {
			s.cpu = resource.NewMilliQuantity(int64(float64(l.NanoCPUs)*1000+0.5), resource.DecimalSI).String()
		}
		if l.MemoryBytes > 0 {
			s.mem = resource.NewQuantity(int64(l.MemoryBytes), resource.BinarySI).String()
		}
		if l.Pids != 0 {
			s.add(keyAt("deploy", "resources", "limits"), KindUnmapped, "deploy.resources.limits other than cpus and memory: not copied")
		}
	}
}

// child is the value of key in a mapping node, or nil.
func child(n *yaml.Node, key string) *yaml.Node {
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i+1]
		}
	}
	return nil
}

// keyNode is the key node at path under n (the nearest existing one when the path stops early).
func keyNode(n *yaml.Node, path ...string) *yaml.Node {
	var last *yaml.Node
	for _, k := range path {
		if n == nil || n.Kind != yaml.MappingNode {
			return last
		}
		found := false
		for i := 0; i+1 < len(n.Content); i += 2 {
			if n.Content[i].Value == k {
				last, n, found = n.Content[i], n.Content[i+1], true
				break
			}
		}
		if !found {
			return last
		}
	}
	return last
}

// envPos is the position of an environment variable in a service's node (map or KEY=VALUE list form).
func envPos(n *yaml.Node, key string, at func(*yaml.Node) blueprints.Pos) blueprints.Pos {
	e := child(n, "environment")
	if e != nil && e.Kind == yaml.SequenceNode {
		for _, it := range e.Content {
			if k, _, _ := strings.Cut(it.Value, "="); k == key {
				return at(it)
			}
		}
	}
	if kn := keyNode(n, "environment", key); kn != nil {
		return at(kn)
	}
	return at(keyNode(n, "environment"))
}
