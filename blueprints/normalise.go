package blueprints

import (
	"fmt"
	"slices"
)

// Normalising is the one place that sets defaults, drops what does not apply and forces what Gantry
// will not generate otherwise (production's replica floor). It is pure: it reads a merged spec and
// returns a new one, with the list of what it dropped and what it forced, so validation (which only
// reads and reports) can still report a field the user wrote. Neither depends on the other's order.
// The generators read the result as it is and change no value of their own accord: what
// `gantry validate --print` shows is what the output contains.

// Built-in platform settings, used where the platform file (or the whole file) is absent.
var builtinPlatform = PlatformSpec{
	Registry:          "registry.example.com/change-me",
	Cloud:             Cloud{Provider: "none"},
	CI:                "github",
	GitOps:            GitOps{Engine: "none"},
	Mesh:              "none",
	Routing:           "gateway",
	KubernetesVersion: "1.35",
	Environments:      []string{"dev", "staging", "prod"},
}

// Built-in service defaults, applied after merging when a field is still unset.
const (
	DefaultCPU              = "100m"
	DefaultMemory           = "128Mi"
	DefaultEphemeralStorage = "256Mi"
	DefaultReplicas         = 2
	DefaultCPUTarget        = 70
	DefaultLiveness         = "/livez"
	DefaultReadiness        = "/readyz"
	DefaultProtocol         = "http"
	DefaultSize             = "small"
	DefaultBranch           = "main"
	// ProductionMinReplicas is the fewest replicas a web service or worker runs in production: with one,
	// no PodDisruptionBudget can keep it up, and every node drain, eviction or failed rollout is an outage.
	ProductionMinReplicas = 2
)

// DefaultOutput is the folder Gantry's output goes to in the repository when nothing else names one:
// `gantry generate` writes there without -o, and the CI pipeline of a platform without a GitOps
// engine (or without spec.gitops.path) writes there.
const DefaultOutput = "deploy"

// normalisePlatform fills in the built-in settings under a platform file's own.
func normalisePlatform(s PlatformSpec) PlatformSpec {
	out := builtinPlatform
	set := func(dst *string, v string) {
		if v != "" {
			*dst = v
		}
	}
	set(&out.Registry, s.Registry)
	set(&out.Cloud.Provider, s.Cloud.Provider)
	set(&out.Cloud.Region, s.Cloud.Region)
	set(&out.Cloud.Project, s.Cloud.Project)
	set(&out.Cloud.Subscription, s.Cloud.Subscription)
	set(&out.CI, s.CI)
	set(&out.GitOps.Engine, s.GitOps.Engine)
	set(&out.GitOps.RepoURL, s.GitOps.RepoURL)
	set(&out.GitOps.Path, s.GitOps.Path)
	set(&out.GitOps.Branch, s.GitOps.Branch)
	set(&out.Mesh, s.Mesh)
	set(&out.Routing, s.Routing)
	set(&out.KubernetesVersion, s.KubernetesVersion)
	if len(s.Environments) > 0 {
		out.Environments = s.Environments
	}
	out.Network = s.Network
	out.InCluster = s.InCluster
	out.Policies = s.Policies
	if out.GitOps.Branch == "" {
		out.GitOps.Branch = DefaultBranch
	}
	if out.GitOps.Path == "" {
		// An engine syncs the repository's root unless told otherwise; without one, the output goes
		// where `gantry generate` puts it.
		out.GitOps.Path = "."
		if out.GitOps.Engine == "none" {
			out.GitOps.Path = DefaultOutput
		}
	}
	return out
}

// Dropped is a field normalising removed because it does not apply to the service (its type, or its
// protocol). Validation reports it where the service itself wrote it; one inherited from the
// platform's defaults (which apply where they fit) goes silently.
type Dropped struct {
	Path    string // the field removed
	At      string // where to report it, when not at Path: one report for several fields
	Message string
	Hint    string
}

// Forced is a value normalising changed from what the blueprints (or the built-in defaults) say, for a
// reason of Gantry's own: the output carries the forced value, and validation warns where the value
// was set.
type Forced struct {
	Path    string // the field changed
	At      string // where to report it when Path was not written anywhere: the field that set its value
	Message string
	Hint    string
	AtHint  string // the hint when reported at At
}

// normaliseService drops what does not apply to the service's type and protocol, then fills what is
// still unset after merging, then forces what production requires (production: s is the production
// environment's spec). The rules depend on the type, so they are code rather than a defaults file. s
// is not changed: the result shares no slice that normalising writes to.
func normaliseService(s ServiceSpec, meta ServiceMeta, p PlatformSpec, production bool) (ServiceSpec, []Dropped, []Forced) {
	dropped := dropForType(&s)
	dropped = append(dropped, normaliseScaling(&s, meta, production)...)
	dropped = append(dropped, normaliseSLOs(&s)...)
	def := func(dst *string, v string) {
		if *dst == "" {
			*dst = v
		}
	}
	def(&s.Namespace, meta.Team)
	if meta.Name != "" { // a missing name is reported; do not derive nonsense from it
		def(&s.Source, "services/"+meta.Name)
		if s.Prebuilt == "" { // a prebuilt image is the image
			def(&s.Image, p.Registry+"/"+meta.Name)
		}
	}
	def(&s.Resources.CPU, DefaultCPU)
	def(&s.Resources.Memory, DefaultMemory)
	def(&s.Resources.EphemeralStorage, DefaultEphemeralStorage)
	s.Dependencies = slices.Clone(s.Dependencies)
	for i := range s.Dependencies {
		def(&s.Dependencies[i].Size, DefaultSize)
	}
	var forced []Forced
	switch s.Type {
	case TypeWeb, TypeWorker:
		s.Replicas = defaultReplicas(s.Replicas)
		if production {
			forced = productionReplicas(&s.Replicas, p.Environments[len(p.Environments)-1])
		}
	}
	if s.Type == TypeWeb {
		def(&s.Protocol, DefaultProtocol)
		if s.ServicePort == 0 { // the Service listens where the container does unless told otherwise
			s.ServicePort = s.Port
		}
		dropped = append(dropped, fitHealth(&s)...)
		if s.Ingress.Host != "" && len(s.Ingress.Paths) == 0 {
			s.Ingress.Paths = []string{"/"}
		}
	}
	return s, dropped, forced
}

// productionReplicas raises a production replica range below ProductionMinReplicas to it: min, and
// max where it would fall below min (a range of 1..2 becomes 2..2, which no autoscaler owns). r has
// its defaults already; env is the production environment's name.
func productionReplicas(r *Replicas, env string) []Forced {
	if r.Min >= ProductionMinReplicas {
		return nil
	}
	n := ProductionMinReplicas
	setMin := fmt.Sprintf("set replicas.min: %d in environments.%s to say so", n, env)
	setMax := fmt.Sprintf("set replicas.max: %d in environments.%s to say so", n, env) // min then defaults to 2 too
	out := []Forced{{Path: "spec.replicas.min", At: "spec.replicas.max", Hint: setMin, AtHint: setMax,
		Message: fmt.Sprintf("raised from %d to %d in %s: production runs at least %d replicas for availability (PodDisruptionBudget, rolling updates)", r.Min, n, env, n)}}
	r.Min = n
	if r.Max < n {
		out = append(out, Forced{Path: "spec.replicas.max", Hint: setMax,
			Message: fmt.Sprintf("raised from %d to %d in %s, with replicas.min", r.Max, n, env)})
		r.Max = n
	}
	return out
}

func defaultReplicas(r Replicas) Replicas {
	if r.Min == 0 {
		r.Min = DefaultReplicas
		if r.Max != 0 && r.Max < r.Min {
			r.Min = r.Max // `max: 1` alone means one replica, not an error about a default
		}
	}
	if r.Max == 0 {
		r.Max = r.Min
	}
	if r.CPU == 0 {
		r.CPU = DefaultCPUTarget
	}
	return r
}

// dropForType removes the fields that do not apply to the service's type. An unknown or missing type
// (reported elsewhere) keeps everything.
func dropForType(s *ServiceSpec) []Dropped {
	var out []Dropped
	t := s.Type
	drop := func(path, hint string, set bool, clear func()) {
		if set {
			out = append(out, Dropped{Path: path, Message: fmt.Sprintf("does not apply to a %s service", t), Hint: hint})
			clear()
		}
	}
	switch t {
	case TypeWorker, TypeCron, TypeJob:
		drop("spec.port", "only web services serve a port; use `type: web`", s.Port != 0, func() { s.Port = 0 })
		drop("spec.servicePort", "only web services have a Service", s.ServicePort != 0, func() { s.ServicePort = 0 })
		drop("spec.protocol", "", s.Protocol != "", func() { s.Protocol = "" })
		drop("spec.ingress", "only web services can be exposed", s.Ingress.set(), func() { s.Ingress = Ingress{} })
		drop("spec.callers", "nothing can call a service without a port", len(s.Callers) > 0, func() { s.Callers = nil })
	}
	switch t {
	case TypeWorker:
		// A worker's liveness (and its delay) is on the metrics port; it has nothing to be ready for and
		// no protocol to probe.
		h := &s.Health
		for _, f := range []struct {
			name string
			set  bool
			zero func()
		}{
			{"readiness", h.Readiness != "", func() { h.Readiness = "" }},
			{"startup", h.Startup != "", func() { h.Startup = "" }},
			{"grpc", h.GRPC, func() { h.GRPC = false }},
			{"grpcStartup", h.GRPCStartup, func() { h.GRPCStartup = false }},
			{"tcp", h.TCP, func() { h.TCP = false }},
		} {
			drop("spec.health."+f.name, "a worker has a liveness check only (health.liveness, on its metricsPort)", f.set, f.zero)
		}
		drop("spec.health.initialDelaySeconds", "it delays the liveness check, which is not set: add liveness, on the metricsPort",
			h.Liveness == "" && h.InitialDelaySeconds != 0, func() { h.InitialDelaySeconds = 0 })
	case TypeCron, TypeJob:
		drop("spec.health", "a run that hangs is stopped by its deadline, not a probe", s.Health != (Health{}), func() { s.Health = Health{} })
	}
	switch t {
	case TypeWeb, TypeWorker, TypeJob:
		drop("spec.schedule", "only cron services run on a schedule; use `type: cron`", s.Schedule != "", func() { s.Schedule = "" })
	}
	switch t {
	case TypeCron, TypeJob:
		drop("spec.replicas", "it runs one pod per run", s.Replicas != (Replicas{}), func() { s.Replicas = Replicas{} })
	}
	return out
}

// fitHealth keeps the probe settings of a web service that fit its protocol (set): HTTP paths for
// http, the gRPC health check and its startup probe for grpc (initialDelaySeconds fits every
// protocol); then fills the defaults: /livez and /readyz for http, the gRPC
// check for grpc.
func fitHealth(s *ServiceSpec) []Dropped {
	var out []Dropped
	h := &s.Health
	if s.Protocol != "http" {
		for _, f := range []struct {
			name string
			v    *string
		}{{"liveness", &h.Liveness}, {"readiness", &h.Readiness}, {"startup", &h.Startup}} {
			if *f.v == "" {
				continue
			}
			d := Dropped{Path: "spec.health." + f.name, At: "spec.health",
				Message: fmt.Sprintf("HTTP paths do not apply to protocol %s", s.Protocol),
				Hint:    "HTTP probe paths need `protocol: http`; for grpc use `health: {grpc: true}`"}
			if h.GRPC {
				d = Dropped{Path: d.Path, Message: "an HTTP path cannot be used with grpc: true", Hint: "remove it, or set grpc: false"}
			}
			out = append(out, d)
			*f.v = ""
		}
	}
	if h.TCP && s.Protocol == "http" {
		for _, f := range []struct {
			name string
			v    *string
		}{{"liveness", &h.Liveness}, {"readiness", &h.Readiness}, {"startup", &h.Startup}} {
			if *f.v != "" {
				out = append(out, Dropped{Path: "spec.health." + f.name, Message: "an HTTP path cannot be used with tcp: true",
					Hint: "remove it, or remove tcp: true to probe the path"})
				*f.v = ""
			}
		}
	}
	if s.Protocol == "grpc" && h.TCP {
		out = append(out, Dropped{Path: "spec.health.tcp", Message: "a gRPC service is probed with the gRPC health check",
			Hint: "remove tcp: true"})
		h.TCP = false
	}
	if s.Protocol != "grpc" && h.GRPC {
		out = append(out, Dropped{Path: "spec.health.grpc", Message: "gRPC health checks need protocol grpc",
			Hint: "set `protocol: grpc`, or give HTTP paths instead"})
		h.GRPC = false
	}
	if s.Protocol != "grpc" && h.GRPCStartup {
		hint := "set `protocol: grpc`"
		if s.Protocol == "http" {
			hint += ", or give an HTTP path in startup (e.g. /startupz)"
		}
		out = append(out, Dropped{Path: "spec.health.grpcStartup", Message: "a gRPC startup probe needs protocol grpc", Hint: hint})
		h.GRPCStartup = false
	}
	switch s.Protocol {
	case "grpc":
		h.GRPC = true
	case "tcp":
		h.TCP = true
	case "http":
		if h.TCP {
			break
		}
		if h.Liveness == "" {
			h.Liveness = DefaultLiveness
		}
		if h.Readiness == "" {
			h.Readiness = DefaultReadiness
		}
	}
	return out
}
