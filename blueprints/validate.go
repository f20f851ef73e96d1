package blueprints

import (
	"fmt"
	"maps"
	"net/netip"
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/gantry-dev/gantry/blueprints/catalog"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/util/validation"
)

// Limits on a blueprint's contents: past them Gantry refuses rather than generating something huge.
const (
	MaxServiceName  = 40 // leaves room for suffixes in derived Kubernetes and cloud names
	MaxEnvironments = 10
	MaxDependencies = 20
	MaxEnvVars      = 100
	MaxSecrets      = 50
	MaxListEntries  = 100 // calls, callers, egress, ingress paths
	MaxEnvValue     = 4096
)

// Supported Kubernetes minor versions (1.NN).
const (
	MinKubernetesMinor = 30
	MaxKubernetesMinor = 36
)

var (
	envNameRE    = lazyRegexp(`^[A-Za-z_][A-Za-z0-9_]*$`)
	digestRE     = lazyRegexp(`^sha256:[0-9a-f]{64}$`)
	tagRE        = lazyRegexp(`^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$`)
	labelChars   = lazyRegexp(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`)
	secretNameRE = lazyRegexp(`^[A-Za-z][A-Za-z0-9_.-]*$`)
	imageRE      = lazyRegexp(`^[a-z0-9]+([._-][a-z0-9]+)*(\.[a-z0-9-]+)*((:[0-9]+)?(/[a-z0-9]+([._-][a-z0-9]+)*)+)?$`)
	registryRE   = lazyRegexp(`^[a-z0-9]+([._-][a-z0-9]+)*(\.[a-z0-9-]+)*(:[0-9]+)?(/[a-z0-9]+([._-][a-z0-9]+)*)*$`)
	httpPathRE   = lazyRegexp(`^/[A-Za-z0-9._~!$&'()*+,;=:@%/-]*$`)
	repoURLRE    = lazyRegexp(`^(https://|ssh://)[A-Za-z0-9.-]+(:[0-9]+)?/[A-Za-z0-9._~/-]+$|^git@[A-Za-z0-9.-]+:[A-Za-z0-9._~/-]+$`)
	regionRE     = lazyRegexp(`^[a-z][a-z0-9-]{1,30}[a-z0-9]$`)
	gcpProjectRE = lazyRegexp(`^[a-z][a-z0-9-]{4,28}[a-z0-9]$`)
)

// reservedEnv are variables Gantry sets itself; a blueprint setting them would be silently overridden.
var reservedEnv = []string{"PORT", "METRICS_PORT", "SERVICE_NAME", "ENVIRONMENT", "CONFIDENTIAL_DIR"}

// reservedEnvPrefixes are prefixes of variables Gantry sets itself.
var reservedEnvPrefixes = []string{"OTEL_", "GANTRY_"}

// ReservedEnv reports whether Gantry sets an environment variable of that name itself (a blueprint
// may not), whatever the service's dependencies.
func ReservedEnv(name string) bool {
	return slices.Contains(reservedEnv, name) || hasPrefixAny(name, reservedEnvPrefixes)
}

// CredentialProblem says what an env value looks like when gantry validate refuses it as a credential
// under that name (the rules of credentials.go; placeholders are references, not values), or false.
func CredentialProblem(name, value string) (string, bool) {
	switch kind, what, _ := credential(name, value); kind {
	case credentialValue:
		return what, true
	case credentialShaped:
		return "a key or token under a name that names a credential", true
	case credentialName:
		return "a value under a name that names a credential", true
	}
	return "", false
}

// The ways an env value can be a credential (credential), in the order they are checked.
const (
	credentialNone   = iota
	credentialValue  // the value has a credential's shape, whatever its name
	credentialShaped // key-shaped, under a name that names a credential
	credentialName   // any literal under a name that names a credential
)

// credential classifies an env value with the rules of credentials.go: placeholders are references,
// not values (lit is the value they were taken out of), and one that reads the secret store may sit
// under a credential's name.
func credential(name, value string) (kind int, what, lit string) {
	fromStore := fromStore(value)
	lit = literalText(value)
	if what, ok := looksLikeCredential(lit); ok {
		return credentialValue, what, lit
	}
	if keyShapedUnderCredentialName(name, lit) {
		return credentialShaped, "", lit
	}
	if credentialKey(name) && lit != "" && !fromStore {
		return credentialName, "", lit
	}
	return credentialNone, "", lit
}

// check validates one resolved value of a service (its base or one environment). Problems are reported
// where the value was written, which may be the platform file for a default.
type check struct {
	r        *resolver
	l        layered
	svcFile  string
	svcName  string
	fallback Pos
	envs     []string
	diags    *Diagnostics
	verdicts map[[2]string]verdict // credential's, by env name and value, shared by the service's checks (nil: none kept)
}

// verdict is what credential says of an env value.
type verdict struct {
	kind      int
	what, lit string
}

// credential is the package's credential, remembered across the service's checks: its base and every
// environment mostly hold the same values, and the credential rules are a dozen regexps.
func (c *check) credential(name, value string) (kind int, what, lit string) {
	if c.verdicts == nil {
		return credential(name, value)
	}
	key := [2]string{name, value}
	v, ok := c.verdicts[key]
	if !ok {
		v.kind, v.what, v.lit = credential(name, value)
		c.verdicts[key] = v
	}
	return v.kind, v.what, v.lit
}

func (c *check) report(sev Severity, path, hint, format string, args ...any) {
	pos, p := c.r.at(c.l, c.fallback, path)
	msg := fmt.Sprintf(format, args...)
	if pos.File != c.svcFile && c.svcName != "" {
		// Inherited from the platform: say which service it breaks. Not the environment, so the same
		// problem found in several environments is reported once.
		msg += " [service " + c.svcName + "]"
	}
	*c.diags = append(*c.diags, Diagnostic{Pos: pos, Path: p, Message: msg, Hint: hint, Severity: sev})
}

func (c *check) errf(path, hint, format string, args ...any) {
	c.report(SeverityError, path, hint, format, args...)
}

// ferr reports a problem with one field's own value, only where that value was written in the file
// being checked: a bad platform default is reported once, by the platform's check, not once per service.
func (c *check) ferr(path, hint, format string, args ...any) {
	if c.fromService(path) {
		c.errf(path, hint, format, args...)
	}
}

// keyErr reports a problem with the name of a map entry (an env variable, an environment) at the name.
func (c *check) keyErr(path, hint, format string, args ...any) {
	pos, p := c.r.atKey(c.l, c.fallback, path)
	*c.diags = append(*c.diags, Diagnostic{Pos: pos, Path: p, Message: fmt.Sprintf(format, args...), Hint: hint})
}

// fromService reports whether the value at path was written in the file being checked (not inherited,
// not a built-in default).
func (c *check) fromService(path string) bool {
	n, ok := c.l.nodes[path]
	if !ok {
		return false
	}
	o, ok := c.r.origin(n)
	return ok && o.file == c.svcFile
}

// dropped reports the fields normalising removed (they do not apply to the service's type or
// protocol) where the service itself wrote them; inherited ones go silently, as platform defaults apply
// where they fit. Several fields dropped for one reason are reported once, at Dropped.At.
func (c *check) dropped(ds []Dropped) {
	seen := map[string]bool{}
	for _, d := range ds {
		at := d.Path
		if d.At != "" {
			at = d.At
		}
		if !c.fromService(d.Path) || seen[at+"\x00"+d.Message] {
			continue
		}
		seen[at+"\x00"+d.Message] = true
		c.errf(at, d.Hint, "%s", d.Message)
	}
}

// forced warns about the values normalising changed on its own (Forced), at the line that set each
// one: the field's own line in whichever file wrote it (the service's, or the platform default's),
// else the line of the field its value came from (At). A value set by nothing written is not
// reported: another forced value covers it. One warning per position.
func (c *check) forced(fs []Forced) {
	seen := map[Pos]bool{}
	for _, f := range fs {
		path, hint := f.Path, f.Hint
		if !c.r.written(c.l, path) {
			if f.At == "" || !c.r.written(c.l, f.At) {
				continue
			}
			path, hint = f.At, f.AtHint
		}
		pos, _ := c.r.at(c.l, c.fallback, path)
		if seen[pos] {
			continue
		}
		seen[pos] = true
		c.report(SeverityWarning, path, hint, "%s", f.Message)
	}
}

func dnsLabelProblem(s string, maxLen int) string {
	if !labelChars().MatchString(s) { // the characters first: "too long" is no help for "../../etc"
		return fmt.Sprintf("%q is not a DNS label: lower-case letters, digits and '-', starting and ending with a letter or digit", s)
	}
	if len(s) > maxLen {
		return fmt.Sprintf("%q is longer than %d characters", s, maxLen)
	}
	return ""
}

func hintLabel(s string) string {
	fixed := strings.Trim(regexp.MustCompile(`[^a-z0-9]+`).ReplaceAllString(strings.ToLower(s), "-"), "-")
	if fixed != "" && fixed != s && len(validation.IsDNS1123Label(fixed)) == 0 {
		return fmt.Sprintf("for example %q", fixed)
	}
	return ""
}

// spec validates a normalised ServiceSpec; dropped is what normalising removed from it, forced what it
// changed on its own.
func (c *check) spec(s *ServiceSpec, meta ServiceMeta, dropped []Dropped, forced []Forced) {
	// A missing or malformed spec was reported by the parser; its fields' absence is no news.
	// A spec with a merge key was reported too; its missing fields may be behind the merge.
	if n := c.l.own["spec"]; n != nil && n.Kind == yaml.MappingNode && !hasMergeKey(n) {
		if s.Runtime == "" && s.Prebuilt == "" {
			c.errf("spec.runtime", "add `runtime: go`; or node, python, java, rust, dotnet, static; or `prebuilt: <image>@sha256:...` for an image Gantry does not build", "required field is missing")
		}
		if s.Type == "" {
			c.errf("spec.type", "add `type: web`; or worker, cron, job", "required field is missing")
		}
	}
	c.namespace(s.Namespace)
	if c.r.written(c.l, "spec.source") {
		c.source(s.Source)
	}
	if c.r.written(c.l, "spec.image") {
		c.image("spec.image", s.Image) // a derived image is checked through the registry and name
	}
	c.prebuilt(s)
	c.dropped(dropped)
	c.forced(forced)
	c.typeRules(s)
	c.fields(s, meta)
}

// fields checks each field's own value, whatever the service's type: also what platform defaults set.
func (c *check) fields(s *ServiceSpec, meta ServiceMeta) {
	if s.Resources != (Resources{}) {
		c.resources(s.Resources)
	}
	c.build(s)
	c.envVars(s)
	c.secrets(s.Secrets)
	c.secretKeys(s)
	c.dependencies(s.Dependencies)
	c.refs("spec.calls", s.Calls, meta, s.Namespace)
	c.refs("spec.callers", s.Callers, meta, s.Namespace)
	c.egress(s.Egress)
	c.ingress(s)
	c.slos(s)
	c.pod(s.Pod)
	c.commandArgs(s)
	c.writablePaths(s.WritablePaths)
	c.configFilePaths(s)
}

// typeRules checks what the service's type asks of it. A missing or unknown type (reported as such)
// still has its fields' own values checked: a replica range or a schedule is wrong whatever the type.
func (c *check) typeRules(s *ServiceSpec) {
	t := s.Type
	if t == TypeWeb && s.Port == 0 && !c.r.written(c.l, "spec.port") { // a port of the wrong type was reported already
		c.errf("spec.port", "add `port: 8080`, or use `type: worker` for a service that serves nothing", "a web service needs a port")
	}
	if t == TypeCron && s.Schedule == "" {
		c.errf("spec.schedule", `add for example schedule: "*/5 * * * *"`, "a cron service needs a schedule")
	} else if msg := checkCron(s.Schedule); s.Schedule != "" && msg != "" {
		c.errf("spec.schedule", `for example "*/5 * * * *" or @hourly`, "%s", msg)
	}
	if s.Replicas.Min > s.Replicas.Max && s.Replicas.Max != 0 {
		c.errf("spec.replicas.min", fmt.Sprintf("raise replicas.max to at least %d, or lower min", s.Replicas.Min),
			"must be <= replicas.max (%d > %d)", s.Replicas.Min, s.Replicas.Max)
	}
	if s.MetricsPort != 0 && s.MetricsPort == s.Port {
		c.errf("spec.metricsPort", "serve metrics on a port of their own, e.g. 9090", "collides with spec.port (%d)", s.Port)
	}
	// The Service carries the main port as servicePort and metrics as metricsPort: two ports of one
	// Service with the same number are refused by the API server. Equal to port, the collision is
	// reported at metricsPort already.
	if s.MetricsPort != 0 && s.ServicePort == s.MetricsPort && s.ServicePort != s.Port {
		c.errf("spec.servicePort", fmt.Sprintf("the Service serves metrics on %d; choose another, e.g. 80", s.MetricsPort),
			"collides with spec.metricsPort (%d)", s.MetricsPort)
	}
	if msg, hint := RuntimeTypeProblem(s.Runtime, t); msg != "" {
		c.errf("spec.type", hint, "%s", msg)
	}
	switch t {
	case TypeWeb:
		c.health(s.Health)
	case TypeWorker:
		c.workerHealth(s)
	}
}

// health checks the probe paths of a web service; normalising kept only what fits its protocol.
func (c *check) health(h Health) {
	if h.GRPC {
		return
	}
	for _, p := range []struct{ path, v string }{{"liveness", h.Liveness}, {"readiness", h.Readiness}, {"startup", h.Startup}} {
		if p.v != "" && !httpPathRE().MatchString(p.v) {
			c.errf("spec.health."+p.path, `for example "/livez"`, "%q is not an HTTP path", p.v)
		}
	}
	if h.Liveness != "" && h.Liveness == h.Readiness {
		// kube-score's rule (Pod Probes Identical): a failing readiness probe takes the pod out of the
		// Service, a failing liveness probe restarts it; one endpoint for both restarts pods under load
		// instead of shedding traffic. A real app may have one endpoint only: a warning, not an error.
		c.report(SeverityWarning, "spec.health.readiness",
			"give liveness a path that checks only that the process answers (e.g. /livez), and readiness one that checks what serving needs (e.g. /readyz)",
			"same path as liveness (%s): one endpoint for both would restart pods under load instead of shedding traffic, so the liveness probe checks only that the port accepts connections (TCP)", h.Liveness)
	}
}

// workerHealth checks a worker's liveness check: an HTTP path on its metrics port, which should report
// the work loop's heartbeat. Without one a hung loop is never restarted: a warning, since only the
// app can serve it.
func (c *check) workerHealth(s *ServiceSpec) {
	h := s.Health
	switch {
	case h.Liveness == "" && s.MetricsPort == 0:
		// Nothing to probe; the metrics port's absence is no problem of its own.
	case h.Liveness == "":
		if c.fromService("spec.metricsPort") {
			c.report(SeverityWarning, "spec.metricsPort", "serve the work loop's heartbeat at e.g. /livez on the metrics port (the skeletons of gantry new do) and set health: {liveness: /livez}",
				"no liveness check: a worker whose loop hangs is never restarted")
		}
	case !httpPathRE().MatchString(h.Liveness):
		c.errf("spec.health.liveness", `for example "/livez"`, "%q is not an HTTP path", h.Liveness)
	case s.MetricsPort == 0:
		c.errf("spec.health.liveness", "add `metricsPort: 9090` and serve the path there", "a worker's liveness check runs on its metricsPort, which is not set")
	}
}

// namespace checks a namespace set in the spec; one derived from the team is checked as the team.
func (c *check) namespace(ns string) {
	path, hint := "spec.namespace", "use the team's own namespace"
	if !c.r.written(c.l, path) {
		if ns == "" || dnsLabelProblem(ns, 63) != "" {
			return // the team's own problem, reported at metadata.team
		}
		path, hint = "metadata.team", "set spec.namespace to the team's own namespace"
	} else if msg := dnsLabelProblem(ns, 63); msg != "" {
		c.ferr(path, hintLabel(ns), "%s", msg)
		return
	}
	if strings.HasPrefix(ns, "kube-") || ns == "default" {
		c.errf(path, hint, "%q is reserved for the cluster", ns)
	} else if slices.Contains(PlatformNamespaces, ns) {
		c.errf(path, hint, "%q is a namespace of the platform's own components, which the generated rules name: a default-deny policy there would cut off every service", ns)
	}
}

// PlatformNamespaces are the namespaces of the components Gantry's output relies on and names in its
// rules (the gateways, Prometheus, the OpenTelemetry collector, the meshes' control planes, the GitOps
// engines and the operators whose objects it writes). A service there would give that namespace
// Gantry's default-deny NetworkPolicy and mesh policies, and its identity to whoever names the
// service: no team's namespace may be one of them.
var PlatformNamespaces = []string{"gateway", "monitoring", "observability", "istio-system", "istio-ingress", "linkerd",
	"linkerd-viz", "linkerd-cni", "argocd", "flux-system", "external-secrets", "keda", "cert-manager"}

func (c *check) source(src string) {
	if msg := relPathProblem(src); msg != "" {
		c.ferr("spec.source", "a folder relative to the repository root, e.g. services/payments", "%s", msg)
	}
}

// relPathProblem says what is wrong with a path that must stay inside the repository, or "".
func relPathProblem(p string) string {
	switch {
	case !relPathChars().MatchString(p):
		return "" // the parser reported the characters outside the field's pattern tag (relpath.go)
	case path.IsAbs(p) || (len(p) > 1 && p[1] == ':'):
		return fmt.Sprintf("%q is an absolute path", p)
	}
	clean := path.Clean(p)
	switch {
	case clean == ".." || strings.HasPrefix(clean, "../"):
		return fmt.Sprintf("%q leaves the repository", p)
	case strings.TrimSuffix(p, "/") != clean:
		return fmt.Sprintf("%q is not a clean path (write %q)", p, clean)
	}
	return ""
}

func (c *check) image(field, img string) {
	if img == "" {
		return
	}
	switch {
	case strings.Contains(img, "@"):
		c.ferr(field, "drop the digest; CI sets tag and digest through kustomize images", "must not contain a digest")
	case imageRE().MatchString(img):
	case strings.Contains(img[strings.LastIndex(img, "/")+1:], ":"):
		c.ferr(field, "drop the tag; CI sets tag and digest through kustomize images", "must not contain a tag")
	default:
		c.ferr(field, "lower-case registry/repository, e.g. ghcr.io/acme/payments", "%q is not an image repository", img)
	}
}

// EnvName reports whether name is an environment variable name a blueprint may use (letters, digits
// and '_', not starting with a digit; not one Gantry sets itself).
func EnvName(name string) bool { return envNameRE().MatchString(name) && !ReservedEnv(name) }

// SecretName reports whether name is a secret name validation accepts.
func SecretName(name string) bool { return len(name) <= 63 && secretNameRE().MatchString(name) }

// HTTPPath reports whether p is a probe path validation accepts (an absolute path of URL characters).
func HTTPPath(p string) bool { return httpPathRE().MatchString(p) }

// PinnedImage reports whether ref is an image reference pinned by digest, repository[:tag]@sha256:<64
// hex>: what spec.prebuilt takes.
func PinnedImage(ref string) bool {
	repo, digest, ok := strings.Cut(ref, "@")
	if name, tag, hasTag := strings.Cut(repo[strings.LastIndex(repo, "/")+1:], ":"); hasTag {
		repo = strings.TrimSuffix(repo, ":"+tag)
		if !tagRE().MatchString(tag) || name == "" {
			ok = false
		}
	}
	return ok && digestRE().MatchString(digest) && imageRE().MatchString(repo)
}

// prebuilt checks a service that runs an image Gantry does not build: pinned by digest, and nothing
// that only applies to an image Gantry builds.
func (c *check) prebuilt(s *ServiceSpec) {
	if s.Prebuilt == "" {
		return
	}
	if !c.fromService("spec.prebuilt") {
		c.errf("spec.prebuilt", "set it in the service's own blueprint", "a prebuilt image is one service's: it cannot be a platform default")
		return
	}
	if !PinnedImage(s.Prebuilt) {
		c.errf("spec.prebuilt", "pin it by digest: repository[:tag]@sha256:<64 hex>, e.g. docker.io/library/nginx:1.27.3@sha256:...; `docker buildx imagetools inspect IMAGE` prints the digest",
			"%q is not an image pinned by digest", truncate(s.Prebuilt, 120))
	}
	if s.Runtime != "" {
		c.errf("spec.prebuilt", "a prebuilt image is not built: remove runtime, or remove prebuilt to build from source", "prebuilt and runtime exclude each other")
	}
	if s.Build != (Build{}) {
		c.errf("spec.build", "Gantry builds nothing for a prebuilt image: remove build", "does not apply with prebuilt")
	}
	if c.r.written(c.l, "spec.image") {
		c.errf("spec.image", "the prebuilt image is the image: remove image", "does not apply with prebuilt")
	}
}

// build checks the overrides of what CI detects. Paths stay in the repository; commands are data to
// the pipeline, so they may not carry an expression that GitHub or GitLab would evaluate first.
func (c *check) build(s *ServiceSpec) {
	b := s.Build
	if b.Context != "" && s.Source != "" && relPathProblem(b.Context) == "" && path.Clean(b.Context) != path.Clean(s.Source) && b.Dockerfile == "" && s.Prebuilt == "" {
		c.errf("spec.build.context", "name the Dockerfile that builds from this context in build.dockerfile",
			"a build context other than the source folder (%s) needs its own Dockerfile: the one Gantry writes copies from the source folder", s.Source)
	}
	for _, f := range []struct{ path, v string }{{"spec.build.context", b.Context}, {"spec.build.dockerfile", b.Dockerfile}} {
		if f.v != "" {
			if msg := relPathProblem(f.v); msg != "" {
				c.ferr(f.path, "a path relative to the repository root, e.g. services/payments", "%s", msg)
			}
		}
	}
	for _, f := range []struct{ path, v string }{{"spec.build.command", b.Command}, {"spec.build.lint", b.Lint}, {"spec.build.test", b.Test}} {
		if msg := commandProblem(f.v); msg != "" {
			c.ferr(f.path, "write the command as you would type it in a shell; pass CI values through environment variables", "%s", msg)
		}
	}
}

// MaxCommand is the longest build, lint or test command a blueprint may give.
const MaxCommand = 2000

// commandProblem says why a build command cannot be handed to a pipeline as data.
func commandProblem(cmd string) string {
	switch {
	case len(cmd) > MaxCommand:
		return fmt.Sprintf("longer than %d bytes", MaxCommand)
	case strings.Contains(cmd, "${{"):
		return "contains ${{, which GitHub Actions would evaluate as an expression"
	case HasPlaceholder(cmd):
		return "holds a placeholder (@{...}), which only env values resolve; a literal @{ is @{@}{"
	case strings.ContainsFunc(cmd, func(r rune) bool {
		return r < 0x20 && r != '\n' && r != '\t' || r >= 0x7f && r <= 0x9f || r == '\u2028' || r == '\u2029'
	}):
		return "contains a control character"
	}
	return ""
}

// resourceMinimums are the smallest requests a blueprint may give, by resources field.
var resourceMinimums = map[string]string{"cpu": "10m", "memory": "16Mi", "ephemeralStorage": "16Mi"}

// ResourceProblem says why a quantity for a resources field (cpu, memory, ephemeralStorage) is refused,
// or "".
func ResourceProblem(field, q string) string {
	v, err := resource.ParseQuantity(q)
	if err != nil {
		return fmt.Sprintf("%q is not a quantity", q)
	}
	if min := resourceMinimums[field]; v.Cmp(resource.MustParse(min)) < 0 {
		return fmt.Sprintf("%s is less than the minimum of %s", q, min)
	}
	return ""
}

func (c *check) resources(r Resources) {
	for _, q := range []struct{ field, v string }{{"cpu", r.CPU}, {"memory", r.Memory}, {"ephemeralStorage", r.EphemeralStorage}} {
		if msg := ResourceProblem(q.field, q.v); msg != "" {
			hint := ""
			if strings.HasPrefix(msg, `"`) {
				hint = "a Kubernetes quantity such as 250m, 1, 256Mi or 1Gi"
			}
			c.ferr("spec.resources."+q.field, hint, "%s", msg)
		}
	}
}

// generatedEnv lists the variables Gantry derives from the spec, so a blueprint cannot shadow them.
func generatedEnv(s *ServiceSpec) map[string]string {
	out := map[string]string{}
	for _, d := range s.Dependencies {
		for _, k := range DependencyEnv(d) {
			out[k] = "dependency " + d.Name
		}
	}
	return out
}

func (c *check) envVars(s *ServiceSpec) {
	if len(s.Env) > MaxEnvVars {
		c.ferr("spec.env", "keep configuration in a mounted file instead", "more than %d variables", MaxEnvVars)
	}
	if len(s.Env) == 0 {
		return
	}
	generated := generatedEnv(s)
	for _, k := range slices.Sorted(maps.Keys(s.Env)) {
		v := s.Env[k]
		p := joinPath("spec.env", k)
		own := c.fromService(p)
		switch {
		case own && !envNameRE().MatchString(k):
			c.keyErr(p, "letters, digits and '_', not starting with a digit", "%q is not a valid variable name", k)
		case own && slices.Contains(reservedEnv, k):
			c.keyErr(p, "Gantry sets it from the spec; remove it", "%s is reserved", k)
		case own && hasPrefixAny(k, reservedEnvPrefixes):
			c.keyErr(p, "Gantry sets these; remove it", "the prefix of %s is reserved", k)
		case generated[k] != "":
			c.keyErr(p, "Gantry sets it from the "+generated[k]+"; remove it", "%s is reserved", k)
		}
		if !own {
			continue // the value's own problems are reported where it was written (ferr)
		}
		if len(v) > MaxEnvValue {
			c.ferr(p, "keep large configuration in a file", "value is longer than %d bytes", MaxEnvValue)
		}
		if strings.ContainsRune(v, 0) {
			c.ferr(p, "remove it: no process can receive a NUL in its environment", "contains a NUL character")
		}
		// The rules are credentials.go's; the value is never printed whole. Placeholders are not the
		// value: a credential resolved from the store is the right way to write one.
		switch kind, what, lit := c.credential(k, v); kind {
		case credentialValue:
			c.ferr(p, fmt.Sprintf("move it to the secret store and list its name under secrets, e.g. secrets: [%s]", k),
				"value %s looks like %s; env values are not secret", redactValue(lit), what)
		case credentialShaped:
			c.ferr(p, fmt.Sprintf("move it to the secret store and list its name under secrets, e.g. secrets: [%s]", k),
				"value %s looks like a key or token, and %s names a credential; env values are not secret", redactValue(lit), k)
		case credentialName:
			c.ferr(p, fmt.Sprintf("list it under secrets: [%s] and keep the value in the secret store; if it holds no credential, rename it", k),
				"%s looks like it holds a credential (value %s); env values are not secret", k, redactValue(lit))
		}
	}
}

// list is what every list field shares: at most max entries (else one problem for the field, and no
// entry is checked: nil), and each value once (a later copy is reported where it stands).
type list struct {
	report func(path, hint, format string, args ...any) // ferr or errf: where the field is reported
	seen   map[string]int
}

func (c *check) list(field string, n, max int, noun string, report func(path, hint, format string, args ...any)) *list {
	if n > max {
		report(field, "", "more than %d %s", max, noun)
		return nil
	}
	return &list{report: report, seen: map[string]int{}}
}

// once reports key when an earlier entry had it: "duplicate <noun> <shown>", with where the first one
// is (where is a format taking its index).
func (l *list) once(path string, i int, key, noun, shown, where string) {
	if j, dup := l.seen[key]; dup {
		l.report(path, fmt.Sprintf(where, j), "duplicate %s %q", noun, shown)
		return
	}
	l.seen[key] = i
}

// secretKeys refuses a secret named like a dependency's password: both are keys of the service's one
// Secret (and files under CONFIDENTIAL_DIR), so one would silently replace the other.
func (c *check) secretKeys(s *ServiceSpec) {
	for _, d := range s.Dependencies {
		kind, _ := catalog.Lookup(d.Type)
		key := EnvPrefix(d) + "PASSWORD"
		if i := slices.Index(s.Secrets, key); kind.Credentials && i >= 0 {
			c.errf(fmt.Sprintf("spec.secrets[%d]", i), fmt.Sprintf("rename the secret; the dependency's password is @{dependency.%s.password}", d.Name),
				"%s is where dependency %s's password goes in the service's Secret", key, d.Name)
		}
	}
}

func (c *check) secrets(names []string) {
	l := c.list("spec.secrets", len(names), MaxSecrets, "secrets", c.ferr)
	if l == nil {
		return
	}
	for i, n := range names {
		p := fmt.Sprintf("spec.secrets[%d]", i)
		if !c.decoded(p) {
			continue
		}
		if what, ok := looksLikeCredential(n); ok {
			c.ferr(p, "put the value in the secret store and write only its name here, e.g. STRIPE_API_KEY",
				"%s looks like %s: secrets must be names, never values", redactValue(n), what)
			continue
		}
		if !SecretName(n) {
			c.ferr(p, "a name such as STRIPE_API_KEY: letters, digits, '_', '-', '.', at most 63", "%q is not a secret name", truncate(n, 40))
			continue
		}
		l.once(p, i, n, "secret", n, "already listed as secrets[%d]")
	}
}

func (c *check) dependencies(deps []Dependency) {
	l := c.list("spec.dependencies", len(deps), MaxDependencies, "dependencies", c.ferr)
	if l == nil {
		return
	}
	for i, d := range deps {
		p := fmt.Sprintf("spec.dependencies[%d].name", i)
		if d.Name == "" {
			continue // reported as a missing required field
		}
		if msg := dnsLabelProblem(d.Name, 20); msg != "" {
			c.ferr(p, hintLabel(d.Name), "%s", msg)
			continue
		}
		l.once(p, i, d.Name, "dependency", d.Name, "already used by dependencies[%d]; give each its own name")
	}
}

// splitRef splits a calls/callers entry "name" or "name.namespace".
func splitRef(ref string) (name, ns string) {
	name, ns, _ = strings.Cut(ref, ".")
	return name, ns
}

// refProblem says what is wrong with a calls/callers entry's form, or "".
func refProblem(ref string) string {
	name, ns := splitRef(ref)
	if dnsLabelProblem(name, 63) != "" {
		return fmt.Sprintf("%q is not a service name: lower-case letters, digits and '-', starting and ending with a letter or digit", ref)
	}
	if strings.Contains(ns, ".") || (ns != "" && dnsLabelProblem(ns, 63) != "") {
		return fmt.Sprintf("%q is not name or name.namespace", ref)
	}
	return ""
}

// isSelf reports whether a calls/callers entry names the service itself.
func isSelf(ref, name, namespace string) bool {
	n, ns := splitRef(ref)
	return n == name && (ns == "" || ns == namespace)
}

func (c *check) refs(field string, refs []string, meta ServiceMeta, namespace string) {
	l := c.list(field, len(refs), MaxListEntries, "entries", c.ferr)
	if l == nil {
		return
	}
	for i, ref := range refs {
		p := fmt.Sprintf("%s[%d]", field, i)
		if !c.decoded(p) {
			continue
		}
		if msg := refProblem(ref); msg != "" {
			c.ferr(p, "a service name, or name.namespace", "%s", msg)
			continue
		}
		if isSelf(ref, meta.Name, namespace) {
			c.ferr(p, "a service does not need permission to reach itself", "%q is this service", ref)
		}
		l.once(p, i, ref, "entry", ref, "already listed at [%d]")
	}
}

func (c *check) egress(hosts []string) {
	l := c.list("spec.egress", len(hosts), MaxListEntries, "entries", c.ferr)
	if l == nil {
		return
	}
	for i, h := range hosts {
		p := fmt.Sprintf("spec.egress[%d]", i)
		if !c.decoded(p) {
			continue
		}
		host, port, ok := SplitHostPort(h)
		n, err := strconv.Atoi(port)
		switch {
		case strings.Contains(h, "@{"):
			c.ferr(p, "a service inside the platform goes in spec.calls; egress lists hosts outside it", "placeholders are resolved in env values only")
		case !ok && strings.Count(h, ":") > 1 && !strings.HasPrefix(h, "["):
			c.ferr(p, `e.g. "[2001:db8::1]:443"`, "%q: an IPv6 address goes in brackets before the port", truncate(h, 60))
		case !ok || err != nil || n < 1 || n > 65535:
			c.ferr(p, `host:port, e.g. "api.stripe.com:443"`, "%q needs a port from 1 to 65535", truncate(h, 60))
		case strings.HasPrefix(host, "*."):
			c.ferr(p, "list each host; a wildcard would allow any host in the domain", "wildcards are not allowed")
		case !validHost(host):
			c.ferr(p, `host:port, e.g. "api.stripe.com:443" or "10.0.0.0/8:5432"`, "%q is not a host name, IP address or CIDR", truncate(host, 60))
		default:
			if msg := egressProblem(host); msg != "" {
				c.ferr(p, fmt.Sprintf("name the host, or the narrowest range the service needs (IPv4 /%d or longer, IPv6 /%d or longer)", MinEgressBits4, MinEgressBits6),
					"%q %s", truncate(host, 60), msg)
			}
		}
		l.once(p, i, h, "entry", h, "already listed at [%d]")
	}
}

// SplitHostPort splits an egress entry: host:port, or [IPv6]:port (an IPv6 address needs the brackets,
// or its last group would read as the port).
func SplitHostPort(h string) (host, port string, ok bool) {
	if rest, found := strings.CutPrefix(h, "["); found {
		host, port, ok = strings.Cut(rest, "]:")
		return host, port, ok && strings.Contains(host, ":")
	}
	i := strings.LastIndex(h, ":")
	if i < 0 || strings.Contains(h[:i], ":") {
		return "", "", false
	}
	return h[:i], h[i+1:], true
}

// The narrowest prefix lengths an egress range may have: an IPv4 /8 (as 10.0.0.0/8) or an IPv6 /32 (a
// provider's allocation). Anything wider is most of the Internet, and no narrower than no rule at all.
const (
	MinEgressBits4 = 8
	MinEgressBits6 = 32
)

var (
	linkLocalRanges = []netip.Prefix{netip.MustParsePrefix("169.254.0.0/16"), netip.MustParsePrefix("fe80::/10")}
	// metadataAddrs are the cloud metadata services' addresses: AWS, GCP and Azure answer on
	// 169.254.169.254 (link-local), AWS's IPv6 endpoint on fd00:ec2::254.
	metadataAddrs  = []netip.Addr{netip.MustParseAddr("169.254.169.254"), netip.MustParseAddr("fd00:ec2::254")}
	loopbackRanges = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("::1/128")}
	// v4InV6 are IPv6 ranges that embed IPv4 addresses (IPv4-mapped, NAT64): checked as the IPv4 range.
	v4InV6 = []netip.Prefix{netip.MustParsePrefix("::ffff:0:0/96"), netip.MustParsePrefix("64:ff9b::/96")}
	// metadataHosts are the metadata services' host names.
	metadataHosts = []string{"metadata.google.internal", "metadata.goog", "instance-data.ec2.internal", "metadata.azure.internal"}
)

// egressProblem says why an egress host (a valid name, address or CIDR) must not be allowed, or "": the
// cloud metadata service (it hands out the node's cloud credentials), link-local, loopback and the
// unspecified address, and ranges wider than MinEgressBits4 / MinEgressBits6 (0.0.0.0/0 is everything).
func egressProblem(host string) string {
	if slices.Contains(metadataHosts, strings.TrimSuffix(strings.ToLower(host), ".")) {
		return "is the cloud metadata service"
	}
	p, err := netip.ParsePrefix(host)
	if err != nil {
		a, err := netip.ParseAddr(host)
		if err != nil {
			return "" // a host name
		}
		p = netip.PrefixFrom(a, a.BitLen())
	}
	p = p.Masked()
	if p.Bits() == 0 {
		return "is every address"
	}
	for _, m := range v4InV6 {
		if p.Bits() >= m.Bits() && m.Contains(p.Addr()) {
			b := p.Addr().As16()
			p = netip.PrefixFrom(netip.AddrFrom4([4]byte(b[12:])), p.Bits()-m.Bits())
		} else if p.Overlaps(m) {
			return "includes IPv4 addresses embedded in IPv6 (" + m.String() + ")"
		}
	}
	overlapsAny := func(ranges []netip.Prefix) bool {
		return slices.ContainsFunc(ranges, func(r netip.Prefix) bool { return p.Overlaps(r) })
	}
	switch {
	case p.Bits() == 0: // an embedded ::ffff:0:0/96
		return "is every address"
	case slices.ContainsFunc(metadataAddrs, p.Contains):
		return "includes the cloud metadata service's address, which hands out the node's credentials"
	case overlapsAny(linkLocalRanges):
		return "includes link-local addresses, where the cloud metadata service answers"
	case overlapsAny(loopbackRanges):
		return "includes loopback addresses"
	case p.Contains(netip.IPv4Unspecified()) || p.Contains(netip.IPv6Unspecified()):
		return "includes the unspecified address"
	case p.Addr().Is4() && p.Bits() < MinEgressBits4, p.Addr().Is6() && p.Bits() < MinEgressBits6:
		return fmt.Sprintf("is too wide a range (/%d)", p.Bits())
	}
	return ""
}

func validHost(h string) bool {
	if _, err := netip.ParseAddr(h); err == nil {
		return true
	}
	if _, err := netip.ParsePrefix(h); err == nil {
		return true
	}
	return len(validation.IsDNS1123Subdomain(h)) == 0 && strings.Contains(h, ".")
}

func (c *check) ingress(s *ServiceSpec) {
	in := s.Ingress
	if !in.set() || (s.Type != TypeWeb && s.Type != "") { // "": platform defaults, for web services
		return
	}
	if in.Host == "" && s.Type != "" { // a platform default may leave the host to each service
		c.errf("spec.ingress.host", "add `host: pay.example.com`", "required when ingress is set")
	} else if errs := validation.IsDNS1123Subdomain(in.Host); len(errs) > 0 || !strings.Contains(in.Host, ".") {
		c.ferr("spec.ingress.host", "a fully qualified lower-case host name, e.g. pay.example.com", "%q is not a host name", truncate(in.Host, 60))
	}
	l := c.list("spec.ingress.paths", len(in.Paths), MaxListEntries, "entries", c.ferr)
	if l == nil {
		return
	}
	for i, p := range in.Paths {
		path := fmt.Sprintf("spec.ingress.paths[%d]", i)
		if !httpPathRE().MatchString(p) {
			c.ferr(path, `a path prefix starting with "/"`, "%q is not an HTTP path", truncate(p, 60))
		}
		l.once(path, i, p, "path", p, "already listed at [%d]")
	}
}

// environments checks that overrides name platform environments.
func (c *check) environments(envs map[string]Overrides, field string) {
	for _, name := range slices.Sorted(maps.Keys(envs)) {
		if !slices.Contains(c.envs, name) {
			hint := "the platform's environments are: " + strings.Join(c.envs, ", ")
			if s := closest(name, c.envs); s != "" {
				hint = fmt.Sprintf("did you mean %q?", s)
			}
			c.keyErr(joinPath(field, name), hint, "%q is not an environment of the platform", name)
		}
	}
}

// checkPlatform validates a platform file's own settings.
func checkPlatform(f *File, rp *ResolvedPlatform, r *resolver, diags *Diagnostics) {
	c := &check{r: r, svcFile: f.Path, fallback: Pos{File: f.Path}, diags: diags, envs: rp.Spec.Environments,
		l: layered{nodes: f.nodes, own: f.nodes}}
	p := f.Platform
	if n := p.Metadata.Name; n != "" {
		if msg := dnsLabelProblem(n, 63); msg != "" {
			c.errf("metadata.name", hintLabel(n), "%s", msg)
		}
	}
	s := p.Spec
	if s.Registry != "" && !registryRE().MatchString(s.Registry) {
		c.errf("spec.registry", "lower-case host[:port][/path] without a trailing '/', e.g. ghcr.io/acme", "%q is not a registry", s.Registry)
	}
	if len(s.Environments) > MaxEnvironments {
		c.errf("spec.environments", "", "more than %d environments", MaxEnvironments)
	}
	seen := map[string]bool{}
	for i, e := range s.Environments {
		ep := fmt.Sprintf("spec.environments[%d]", i)
		if msg := dnsLabelProblem(e, 20); msg != "" {
			c.errf(ep, hintLabel(e), "%s", msg)
		}
		if seen[e] {
			c.errf(ep, "list each environment once", "duplicate environment %q", e)
		}
		seen[e] = true
	}
	if _, ok := f.nodes["spec.environments"]; ok && len(s.Environments) == 0 {
		c.errf("spec.environments", "list at least one, e.g. [dev, staging, prod]", "must not be empty")
	}
	switch s.Cloud.Provider {
	case "aws", "gcp", "azure":
		if s.Cloud.Region == "" {
			c.errf("spec.cloud.region", "add e.g. `region: eu-west-1` for aws, `europe-west1` for gcp, `westeurope` for azure", "required for cloud %s", s.Cloud.Provider)
		} else if !regionRE().MatchString(s.Cloud.Region) {
			c.errf("spec.cloud.region", "e.g. eu-west-1, europe-west1 or westeurope", "%q is not a region", s.Cloud.Region)
		}
	}
	if s.Cloud.Provider == "gcp" {
		if s.Cloud.Project == "" {
			c.errf("spec.cloud.project", "add `project: <your GCP project ID>`", "required for cloud gcp")
		} else if !gcpProjectRE().MatchString(s.Cloud.Project) {
			c.errf("spec.cloud.project", "6 to 30 lower-case letters, digits and '-'", "%q is not a GCP project ID", s.Cloud.Project)
		}
	} else if s.Cloud.Project != "" {
		c.errf("spec.cloud.project", "remove it", "applies to cloud gcp only")
	}
	if s.Cloud.Provider != "azure" && s.Cloud.Subscription != "" { // its form: the field's pattern, checked when decoding
		c.errf("spec.cloud.subscription", "remove it", "applies to cloud azure only")
	}
	if s.GitOps.Engine == "argocd" || s.GitOps.Engine == "flux" {
		if s.GitOps.RepoURL == "" {
			c.errf("spec.gitops.repoURL", "add `repoURL: https://github.com/acme/gitops.git`", "required for gitops engine %s", s.GitOps.Engine)
		}
	}
	if s.GitOps.RepoURL != "" && !repoURLRE().MatchString(s.GitOps.RepoURL) {
		c.errf("spec.gitops.repoURL", "https://host/org/repo.git, ssh://host/org/repo.git or git@host:org/repo.git", "%q is not a Git repository URL", truncate(s.GitOps.RepoURL, 80))
	}
	if s.GitOps.Path != "" && s.GitOps.Path != "." {
		if msg := relPathProblem(s.GitOps.Path); msg != "" {
			c.errf("spec.gitops.path", "a folder relative to the repository root, e.g. deploy", "%s", msg)
		}
	}
	if s.GitOps.Branch != "" && !regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._/-]*$`).MatchString(s.GitOps.Branch) {
		c.errf("spec.gitops.branch", "e.g. main", "%q is not a branch name", s.GitOps.Branch)
	}
	if v := s.KubernetesVersion; v != "" {
		minor, err := strconv.Atoi(strings.TrimPrefix(v, "1."))
		if err == nil && (minor < MinKubernetesMinor || minor > MaxKubernetesMinor) {
			c.errf("spec.kubernetesVersion", fmt.Sprintf("supported: 1.%d to 1.%d", MinKubernetesMinor, MaxKubernetesMinor), "%q is not supported", v)
		}
	}
	c.dependencyCIDRs(s.Network.DependencyCIDRs)
	c.environments(s.Defaults.Environments, "spec.defaults.environments")
	c.inClusterEnvs(rp.Spec)
	c.policies(rp.Spec)
}

// inClusterEnvs checks spec.inCluster: platform environments, each once; said without a cloud, where
// every environment runs its dependencies in the cluster anyway.
func (c *check) inClusterEnvs(s PlatformSpec) {
	seen := map[string]bool{}
	for i, e := range s.InCluster {
		p := fmt.Sprintf("spec.inCluster[%d]", i)
		switch {
		case !slices.Contains(s.Environments, e):
			hint := "the platform's environments are: " + strings.Join(s.Environments, ", ")
			if m := closest(e, s.Environments); m != "" {
				hint = fmt.Sprintf("did you mean %q?", m)
			}
			c.errf(p, hint, "%q is not an environment of the platform", e)
		case seen[e]:
			c.errf(p, "list each environment once", "duplicate environment %q", e)
		case !slices.Contains(catalog.Clouds, s.Cloud.Provider):
			c.report(SeverityWarning, p, "remove spec.inCluster, or set spec.cloud.provider for the other environments",
				"without a cloud every environment runs its dependencies in the cluster: listing %q changes nothing", e)
		case e == s.Environments[len(s.Environments)-1]:
			c.report(SeverityWarning, p, "let the cloud serve production: remove it from spec.inCluster",
				"%q is production: its databases would be single-replica StatefulSets in the cluster, without the cloud's backups, failover or encryption at rest", e)
		}
		seen[e] = true
	}
}

// privateRanges are where a platform's dependencies may be declared to live: RFC 1918 and IPv6 ULA.
var privateRanges = []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("172.16.0.0/12"),
	netip.MustParsePrefix("192.168.0.0/16"), netip.MustParsePrefix("fc00::/7")}

// dependencyCIDRs checks spec.network.dependencyCIDRs: canonical private CIDRs, each once.
func (c *check) dependencyCIDRs(cidrs []string) {
	const field = "spec.network.dependencyCIDRs"
	if _, ok := c.l.nodes[field]; ok && len(cidrs) == 0 {
		c.errf(field, "list the ranges, e.g. [10.20.0.0/16], or remove it for the RFC 1918 ranges", "must not be empty")
	}
	l := c.list(field, len(cidrs), MaxListEntries, "entries", c.errf)
	if l == nil {
		return
	}
	for i, s := range cidrs {
		path := fmt.Sprintf("%s[%d]", field, i)
		p, err := netip.ParsePrefix(s)
		switch {
		case err != nil:
			c.errf(path, "a CIDR such as 10.20.0.0/16", "%q is not a CIDR", truncate(s, 60))
			continue
		case p != p.Masked():
			c.errf(path, fmt.Sprintf("write %q", p.Masked()), "%q has bits set past its prefix length", s)
			continue
		case !slices.ContainsFunc(privateRanges, func(r netip.Prefix) bool { return r.Bits() <= p.Bits() && r.Contains(p.Addr()) }):
			c.errf(path, "a range inside 10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16 or fc00::/7", "%q is not a private range", s)
			continue
		}
		l.once(path, i, p.String(), "entry", s, "already listed at [%d]")
	}
}

func hasPrefixAny(s string, prefixes []string) bool {
	for _, p := range prefixes {
		if strings.HasPrefix(s, p) {
			return true
		}
	}
	return false
}

func hasMergeKey(n *yaml.Node) bool {
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == "<<" {
			return true
		}
	}
	return false
}

// decoded reports whether the list entry at path was a plain value: an entry of the wrong type was
// reported by the parser and is not checked again.
func (c *check) decoded(path string) bool {
	n, ok := c.l.nodes[path]
	for ok && n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	return !ok || n.Kind == yaml.ScalarNode
}

func (in Ingress) set() bool { return in.Host != "" || len(in.Paths) > 0 || in.Public }
