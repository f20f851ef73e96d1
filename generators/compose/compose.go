// Package compose generates a Compose file per platform for local development: every service built
// from its source (or its prebuilt image), its dependencies as pinned containers (blueprints/catalog's
// images), the env names of the Kubernetes target with the placeholders resolved on the Compose network,
// and the same hardening where Compose has it. It runs only when named (`--only compose`).
package compose

import (
	"fmt"
	"maps"
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/gantry-dev/gantry/blueprints"
	"github.com/gantry-dev/gantry/blueprints/catalog"
	"github.com/gantry-dev/gantry/generators"
	"github.com/gantry-dev/gantry/generators/render"
)

// Generator is the compose target.
type Generator struct{}

// New returns the compose target.
func New() *Generator { return &Generator{} }

// Name implements generators.Generator.
func (*Generator) Name() string { return "compose" }

// InRepo implements generators.InRepoTarget: every file of the target goes under the repository root.
func (*Generator) InRepo() bool { return true }

// FileName is the Compose file of a platform, at the repository root: there the services' source
// folders (relative to the root) are the build contexts as written, and one file per platform keeps
// the layout when a second platform appears. Run it with `docker compose -f compose.<platform>.yaml up`.
func FileName(platform string) string { return "compose." + platform + ".yaml" }

var layout = generators.Layout(`^compose\.` + generators.LabelRE + `\.yaml$`)

// Produces implements generators.Generator.
func (*Generator) Produces(p string) bool { return layout(p) }

// Generate implements generators.Generator: the file is the platform's (GeneratePlatform).
func (*Generator) Generate(*blueprints.ResolvedPlatform, *blueprints.ResolvedService) ([]generators.File, error) {
	return nil, nil
}

const (
	// Environment is ENVIRONMENT's value in the Compose file.
	Environment = "local"
	// LocalPassword is every local dependency's password: a development value that exists only on the
	// Compose network, never a real secret (alphanumeric, as the catalogue's URL forms need).
	LocalPassword = "localdevonly"
	// runAs is the user of the services' containers, as in Kubernetes (distroless's nonroot).
	runAs = "65532:65532"
)

// GeneratePlatform implements generators.PlatformGenerator.
func (*Generator) GeneratePlatform(p *blueprints.ResolvedPlatform) ([]generators.File, error) {
	b := &builder{p: p, proj: project{Name: p.Name, Services: map[string]*service{}}, hostPorts: map[int]bool{}}
	for _, s := range p.Services {
		if err := b.service(s); err != nil {
			return nil, fmt.Errorf("%s: %w", s.File, err)
		}
	}
	if len(b.proj.Volumes) == 0 {
		b.proj.Volumes = nil
	}
	data, err := render.YAML(b.proj)
	if err != nil {
		return nil, err
	}
	head := generators.Header(p.Source) + "# Local development only: `docker compose -f " + FileName(p.Name) + " up --build`.\n" +
		"# Dependency passwords are the local-only value " + LocalPassword + "; declared secrets are read from your shell\n" +
		"# or a .env file at `docker compose up` (empty when unset), never written here.\n"
	for _, n := range b.notes {
		head += "# " + n + "\n"
	}
	return []generators.File{{Path: FileName(p.Name), Data: append([]byte(head), data...), Kind: generators.RepoManaged}}, nil
}

// The Compose file, as typed structs: render.YAML sorts every map's keys.
type project struct {
	Name     string              `json:"name"`
	Services map[string]*service `json:"services"`
	Volumes  map[string]struct{} `json:"volumes,omitempty"`
	Configs  map[string]config   `json:"configs,omitempty"`
}

type service struct {
	Image       string                  `json:"image,omitempty"`
	Build       *build                  `json:"build,omitempty"`
	Entrypoint  []string                `json:"entrypoint,omitempty"`
	Command     []string                `json:"command,omitempty"`
	Profiles    []string                `json:"profiles,omitempty"`
	Restart     string                  `json:"restart,omitempty"`
	User        string                  `json:"user"`
	ReadOnly    bool                    `json:"read_only"`
	CapDrop     []string                `json:"cap_drop"`
	SecurityOpt []string                `json:"security_opt"`
	Tmpfs       []string                `json:"tmpfs,omitempty"`
	Environment map[string]string       `json:"environment,omitempty"`
	Configs     []configRef             `json:"configs,omitempty"`
	Volumes     []volume                `json:"volumes,omitempty"`
	Ports       []port                  `json:"ports,omitempty"`
	Networks    map[string]*network     `json:"networks,omitempty"`
	Healthcheck *healthcheck            `json:"healthcheck,omitempty"`
	DependsOn   map[string]dependsOnRef `json:"depends_on,omitempty"`
}

type build struct {
	Context    string `json:"context"`
	Dockerfile string `json:"dockerfile,omitempty"`
}

type config struct {
	Content string `json:"content"`
}

type configRef struct {
	Source string `json:"source"`
	Target string `json:"target"`
}

type volume struct {
	Type   string `json:"type"`
	Source string `json:"source"`
	Target string `json:"target"`
}

type port struct {
	Target    int    `json:"target"`
	Published string `json:"published"`
	HostIP    string `json:"host_ip"`
	Protocol  string `json:"protocol"`
}

type network struct {
	Aliases []string `json:"aliases,omitempty"`
}

type healthcheck struct {
	Test        []string `json:"test"`
	Interval    string   `json:"interval"`
	Timeout     string   `json:"timeout"`
	Retries     int      `json:"retries"`
	StartPeriod string   `json:"start_period"`
}

type dependsOnRef struct {
	Condition string `json:"condition"`
}

type builder struct {
	p         *blueprints.ResolvedPlatform
	proj      project
	hostPorts map[int]bool // host ports taken on 127.0.0.1
	notes     []string
}

// hardened is what every container gets: a non-root user, no capabilities, no privilege escalation.
func hardened(user string) *service {
	return &service{User: user, CapDrop: []string{"ALL"}, SecurityOpt: []string{"no-new-privileges:true"}}
}

func (b *builder) add(name string, svc *service) error {
	if _, dup := b.proj.Services[name]; dup {
		return fmt.Errorf("two containers of platform %s would be named %s in the Compose file: rename the service or the dependency", b.p.Name, name)
	}
	b.proj.Services[name] = svc
	return nil
}

// dependency is what a service's dependency is on the Compose network: its settings and credentials.
type dependency struct {
	d        blueprints.Dependency
	host     string
	settings map[string]string // DB_HOST -> value
	password string            // "" when the type has no credentials
}

func (b *builder) service(s *blueprints.ResolvedService) error {
	spec := &s.Base
	svc := hardened(runAs)
	svc.ReadOnly = true
	svc.Tmpfs = []string{"/tmp"}
	for _, w := range spec.WritablePaths {
		svc.Tmpfs = append(svc.Tmpfs, w.Path)
	}
	// Kubernetes' command is the image's entrypoint, its args the command. Compose would read $ as its
	// own interpolation: escaped, the text reaches the container as written (where $(VAR) is not
	// expanded: no shell or kubelet runs it).
	svc.Entrypoint, svc.Command = escapeAll(spec.Command), escapeAll(spec.Args)
	if spec.Prebuilt != "" {
		svc.Image = spec.Prebuilt
	} else {
		svc.Build = buildOf(spec)
	}
	switch spec.Type {
	case blueprints.TypeCron:
		// Compose has no schedule: `docker compose run --rm <name>` runs it once.
		svc.Profiles, svc.Restart = []string{"cron"}, "no"
	case blueprints.TypeJob:
		svc.Restart = "no"
	default:
		svc.Restart = "unless-stopped"
	}
	deps := map[string]dependency{}
	for _, d := range spec.Dependencies {
		dep, err := b.dependency(s, d)
		if err != nil {
			return err
		}
		deps[blueprints.EnvPrefix(d)] = dep
		if _, ok := catalog.LocalImage(d.Type); ok {
			if svc.DependsOn == nil {
				svc.DependsOn = map[string]dependsOnRef{}
			}
			svc.DependsOn[dep.host] = dependsOnRef{Condition: "service_healthy"}
		}
	}
	env, err := b.env(s, deps)
	if err != nil {
		return err
	}
	svc.Environment = env
	svc.Configs = append(b.secretFiles(s, deps), b.configFiles(s)...)
	if spec.Type == blueprints.TypeWeb {
		svc.Networks = map[string]*network{"default": {Aliases: []string{blueprints.ServiceHost(s.Name, spec.Namespace)}}}
		svc.Ports = []port{{Target: spec.Port, Published: strconv.Itoa(b.hostPort(spec.Port)), HostIP: "127.0.0.1", Protocol: "tcp"}}
	}
	return b.add(s.Name, svc)
}

// buildOf is the service's build: its context (spec.build.context, else the source folder) and its
// Dockerfile relative to that context, as Compose reads it.
func buildOf(spec *blueprints.ServiceSpec) *build {
	ctx := spec.Source
	if spec.Build.Context != "" {
		ctx = path.Clean(spec.Build.Context)
	}
	df := path.Join(spec.Source, "Dockerfile")
	if spec.Build.Dockerfile != "" {
		df = path.Clean(spec.Build.Dockerfile)
	}
	rel := relative(ctx, df)
	if rel == "Dockerfile" {
		rel = ""
	}
	return &build{Context: ctx, Dockerfile: rel}
}

// relative is target relative to the folder base (both clean, relative to the repository root).
func relative(base, target string) string {
	if base == "." {
		return target
	}
	b, t := strings.Split(base, "/"), strings.Split(target, "/")
	i := 0
	for i < len(b) && i < len(t)-1 && b[i] == t[i] {
		i++
	}
	return strings.Repeat("../", len(b)-i) + strings.Join(t[i:], "/")
}

// hostPort is the loopback port a web service is published on: its own port when free, else the next
// free one above it, in the services' (sorted) order, so the file is the same on every run.
func (b *builder) hostPort(p int) int {
	for b.hostPorts[p] {
		p++
	}
	b.hostPorts[p] = true
	return p
}

// dependency adds a dependency's container (when its type has one) and returns its local settings.
func (b *builder) dependency(s *blueprints.ResolvedService, d blueprints.Dependency) (dependency, error) {
	kind, _ := catalog.Lookup(d.Type)
	host := blueprints.DependencyWorkload(s.Name, d)
	dep := dependency{d: d, host: host, settings: map[string]string{}}
	// The database and user the cloud and the cluster give: an app that names them finds them here too.
	name, user := blueprints.DependencyDatabase(d), blueprints.DependencyUser
	img, local := catalog.LocalImage(d.Type)
	for _, k := range kind.Settings {
		var v string
		switch k {
		case "HOST":
			v = host
		case "PORT":
			v = strconv.Itoa(int(img.Port))
		case "NAME":
			v = name
		case "USER":
			v = user
		case "BROKERS":
			v = host + ":" + strconv.Itoa(int(img.Port))
		default: // BUCKET, QUEUE: a name for the app to read; there is no local service behind it
			v = d.Name
		}
		dep.settings[blueprints.EnvPrefix(d)+k] = v
	}
	if kind.Credentials {
		dep.password = LocalPassword
	}
	if !local {
		b.notes = append(b.notes, fmt.Sprintf("%s's dependency %s (%s) has no local container: it is a cloud API; %s is set to %q, point the app at an emulator or a development resource yourself.",
			s.Name, d.Name, d.Type, strings.Join(blueprints.DependencyEnv(d), ", "), d.Name))
		return dep, nil
	}
	fill := strings.NewReplacer(catalog.ImageName, name, catalog.ImageUser, user, catalog.ImagePassword, dep.password,
		catalog.ImageRootPassword, dep.password, catalog.ImageHost, host)
	fillAll := func(in []string) []string {
		var out []string
		for _, v := range in {
			out = append(out, escape(fill.Replace(v)))
		}
		return out
	}
	c := hardened(img.User)
	c.Image = img.Ref
	c.Restart = "unless-stopped"
	c.ReadOnly = img.ReadOnlyRoot
	c.Tmpfs = slices.Clone(img.Writable)
	c.Command = fillAll(img.Command)
	c.Environment = map[string]string{}
	for k, v := range img.Env {
		c.Environment[k] = escape(fill.Replace(v))
	}
	if img.DataPath != "" {
		vol := host + "-data"
		if b.proj.Volumes == nil {
			b.proj.Volumes = map[string]struct{}{}
		}
		b.proj.Volumes[vol] = struct{}{}
		c.Volumes = []volume{{Type: "volume", Source: vol, Target: img.DataPath}}
	}
	c.Healthcheck = &healthcheck{Test: append([]string{"CMD"}, fillAll(img.Health)...), Interval: "5s", Timeout: "5s", Retries: 20, StartPeriod: "10s"}
	return dep, b.add(host, c)
}

// env is the service's environment: Gantry's own variables, the literal settings, each dependency's
// settings, and the env values with their placeholders resolved on the Compose network.
func (b *builder) env(s *blueprints.ResolvedService, deps map[string]dependency) (map[string]string, error) {
	spec := &s.Base
	env := map[string]string{
		"SERVICE_NAME":             s.Name,
		"CONFIDENTIAL_DIR":         blueprints.ConfidentialDir,
		"ENVIRONMENT":              Environment,
		"OTEL_SERVICE_NAME":        s.Name,
		"OTEL_SDK_DISABLED":        "true", // no collector on the Compose network
		"OTEL_RESOURCE_ATTRIBUTES": fmt.Sprintf("deployment.environment.name=%s,service.namespace=%s", Environment, spec.Namespace),
	}
	if spec.Port != 0 {
		env["PORT"] = strconv.Itoa(spec.Port)
	}
	if spec.MetricsPort != 0 {
		env["METRICS_PORT"] = strconv.Itoa(spec.MetricsPort)
	}
	vars := map[string]string{}
	for _, dep := range deps {
		maps.Copy(vars, dep.settings)
	}
	for k, v := range vars {
		env[k] = escape(v)
	}
	rewrite := b.callPorts(s)
	values := spec.EnvValues()
	for _, k := range slices.Sorted(maps.Keys(values)) {
		v := localForms(values[k], deps)
		var missing error
		env[k] = v.Format(func(t string) string { return escape(rewrite(t)) },
			func(name string) string {
				val, ok := vars[name]
				if !ok {
					missing = fmt.Errorf("spec.env.%s: no local value for %s", k, name)
				}
				return escape(val)
			},
			func(key string) string { return secretValue(key, deps) })
		if missing != nil {
			return nil, missing
		}
	}
	return env, nil
}

// secretValue is a secret's value on the Compose network: a dependency's local-only password, or a
// declared secret from the developer's shell or .env file at `docker compose up` (Compose interpolates
// ${KEY:-}; empty when unset), so no value is ever written into the file.
func secretValue(key string, deps map[string]dependency) string {
	for prefix, dep := range deps {
		if key == prefix+"PASSWORD" && dep.password != "" {
			return dep.password
		}
	}
	return "${" + key + ":-}"
}

// secretFiles mounts each secret the service reads as a file under CONFIDENTIAL_DIR, as Kubernetes
// does: the declared secrets and the dependencies' passwords, from configs holding secretValue.
func (b *builder) secretFiles(s *blueprints.ResolvedService, deps map[string]dependency) []configRef {
	keys := slices.Clone(s.Base.Secrets)
	for prefix, dep := range deps {
		if dep.password != "" {
			keys = append(keys, prefix+"PASSWORD")
		}
	}
	slices.Sort(keys)
	keys = slices.Compact(keys)
	var refs []configRef
	for _, k := range keys {
		name := s.Name + "-" + strings.ToLower(strings.ReplaceAll(k, "_", "-"))
		if b.proj.Configs == nil {
			b.proj.Configs = map[string]config{}
		}
		b.proj.Configs[name] = config{Content: secretValue(k, deps)}
		refs = append(refs, configRef{Source: name, Target: blueprints.ConfidentialDir + "/" + k})
	}
	return refs
}

// configFiles mounts the service's config files where Kubernetes does. Their names hold a '.', which
// no secret's name makes.
func (b *builder) configFiles(s *blueprints.ResolvedService) []configRef {
	var refs []configRef
	for i, cf := range s.Base.ConfigFiles {
		name := s.Name + ".config." + strconv.Itoa(i)
		if b.proj.Configs == nil {
			b.proj.Configs = map[string]config{}
		}
		b.proj.Configs[name] = config{Content: escape(cf.Data)}
		refs = append(refs, configRef{Source: name, Target: cf.Path})
	}
	return refs
}

// callPorts rewrites the addresses of the services s calls: on the Compose network a service is reached
// at its container port, since there is no Kubernetes Service to translate servicePort to it.
func (b *builder) callPorts(s *blueprints.ResolvedService) func(string) string {
	type swap struct {
		re   *regexp.Regexp
		with string
	}
	var swaps []swap
	for _, t := range b.p.Services {
		if t.Base.Type != blueprints.TypeWeb || t.Base.ServicePort == t.Base.Port || t == s {
			continue
		}
		host := blueprints.ServiceHost(t.Name, t.Base.Namespace)
		swaps = append(swaps, swap{regexp.MustCompile(regexp.QuoteMeta(host+":"+strconv.Itoa(t.Base.ServicePort)) + `\b`), host + ":" + strconv.Itoa(t.Base.Port)})
	}
	return func(text string) string {
		for _, sw := range swaps {
			text = sw.re.ReplaceAllLiteralString(text, sw.with)
		}
		return text
	}
}

// localForms adapts the catalogue's URL forms to the local containers, which serve plain TCP on the
// Compose network: a postgres URL's sslmode=require becomes disable, a redis URL's rediss:// redis://.
func localForms(v blueprints.EnvValue, deps map[string]dependency) blueprints.EnvValue {
	out := slices.Clone(v)
	for i := range out {
		if out[i].Text == "" {
			continue
		}
		if i > 0 && out[i-1].Var != "" {
			if dep, ok := depOf(out[i-1].Var, "NAME", deps); ok && dep.d.Type == "postgres" {
				if rest, ok := strings.CutPrefix(out[i].Text, "?sslmode=require"); ok {
					out[i].Text = "?sslmode=disable" + rest
				}
			}
		}
		if i+1 < len(out) && out[i+1].Secret != "" {
			if dep, ok := depOf(out[i+1].Secret, "PASSWORD", deps); ok && dep.d.Type == "redis" {
				if head, ok := strings.CutSuffix(out[i].Text, "rediss://:"); ok {
					out[i].Text = head + "redis://:"
				}
			}
		}
	}
	return out
}

func depOf(name, setting string, deps map[string]dependency) (dependency, bool) {
	prefix, ok := strings.CutSuffix(name, setting)
	if !ok {
		return dependency{}, false
	}
	dep, ok := deps[prefix]
	return dep, ok
}

// escape doubles '$': Compose interpolates $VAR and ${VAR} anywhere in the file.
func escape(s string) string { return strings.ReplaceAll(s, "$", "$$") }

func escapeAll(ss []string) []string {
	if ss == nil {
		return nil
	}
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = escape(s)
	}
	return out
}
