// Package blueprints is Gantry's blueprint model: the types of the two kinds of file (Platform and Service),
// their strict parser with positions, validation, defaults and the resolved per-environment view that the
// generators consume.
//
// The struct tags are the single source of truth for the contract: `json` names the field, `desc` documents
// it, `enum` lists the allowed values, `example` shows one, `required` marks what must be set. The parser,
// the validator, `gantry schema` and docs/blueprint.md are all derived from them.
package blueprints

import "github.com/gantry-dev/gantry/blueprints/catalog"

// APIVersion is the only apiVersion Gantry reads.
const APIVersion = "gantry.dev/v1"

// The two kinds of blueprint file.
const (
	KindPlatform = "Platform"
	KindService  = "Service"
)

// Service types.
const (
	TypeWeb    = "web"
	TypeWorker = "worker"
	TypeCron   = "cron"
	TypeJob    = "job"
)

// Runtimes and Types are the values of spec.runtime and spec.type, in the order the docs list them.
// The runtimes are the runtime catalogue's (spec.runtime's enum tag names it); the enum tag of
// spec.type repeats Types (a struct tag cannot name a variable), and TestEnumLists keeps both in step.
var (
	Runtimes = catalog.RuntimeNames()
	Types    = []string{TypeWeb, TypeWorker, TypeCron, TypeJob}
)

// Platform is a `kind: Platform` file: organisation-wide settings and defaults, one per repository.
type Platform struct {
	APIVersion string       `json:"apiVersion" required:"true" enum:"gantry.dev/v1" desc:"Blueprint API version."`
	Kind       string       `json:"kind" required:"true" enum:"Platform" desc:"Kind of blueprint file."`
	Metadata   PlatformMeta `json:"metadata" required:"true" desc:"Identifies the platform."`
	Spec       PlatformSpec `json:"spec" desc:"Organisation-wide settings; every field is optional."`
}

// PlatformMeta names the platform.
type PlatformMeta struct {
	Name string `json:"name" required:"true" example:"acme" desc:"Platform (organisation) name: a DNS-1123 label."`
}

// PlatformSpec holds the organisation-wide settings.
type PlatformSpec struct {
	Registry          string      `json:"registry,omitempty" example:"ghcr.io/acme" desc:"Container registry prefix: a service's image is <registry>/<service name> unless it sets spec.image."`
	Cloud             Cloud       `json:"cloud,omitzero" desc:"Cloud that hosts the services' dependencies."`
	Network           Network     `json:"network,omitzero" desc:"The cloud network the services' dependencies live in."`
	InCluster         []string    `json:"inCluster,omitempty" example:"[dev]" desc:"Environments whose dependencies run in the cluster (hardened StatefulSets next to the service, credentials generated in the cluster) instead of the cloud; every environment when cloud.provider is none. The service sees the same settings and placeholders either way. Buckets and queues have no in-cluster form."`
	CI                string      `json:"ci,omitempty" enum:"github,gitlab,none" desc:"CI system the pipelines are generated for."`
	GitOps            GitOps      `json:"gitops,omitzero" desc:"GitOps engine that deploys the generated manifests."`
	Mesh              string      `json:"mesh,omitempty" enum:"istio,linkerd,none" desc:"Service mesh that enforces mTLS and caller identities."`
	Routing           string      `json:"routing,omitempty" enum:"gateway,ingress" desc:"How exposed services are routed: Gateway API HTTPRoute (gateway) or networking.k8s.io Ingress (ingress); defaults to gateway."`
	KubernetesVersion string      `json:"kubernetesVersion,omitempty" pattern:"^1\\.[0-9]+$" example:"1.35" desc:"Kubernetes minor version the manifests target."`
	Environments      []string    `json:"environments,omitempty" example:"[dev, staging, prod]" desc:"Environments in promotion order; the last one is production."`
	Defaults          ServiceSpec `json:"defaults,omitzero" desc:"Any Service spec fields, applied under every service (maps merge, lists replace)."`
	Policies          []Policy    `json:"policies,omitempty" desc:"Platform rules the services must follow, checked by gantry validate in every environment they apply to, each violation reported where the service (or a default) wrote the value."`
}

// Policy is a platform rule: what the services it selects (by team and environment) may not do. Its
// constraints are checked against each service's resolved spec, defaults included.
type Policy struct {
	Name                string   `json:"name" required:"true" example:"data-stays-internal" desc:"Policy name, a DNS-1123 label unique in the platform: messages name it."`
	Description         string   `json:"description,omitempty" desc:"Why the rule exists, in one line: every violation's hint shows it."`
	Teams               []string `json:"teams,omitempty" example:"[data]" desc:"Teams whose services it applies to; defaults to every team."`
	Environments        []string `json:"environments,omitempty" example:"[prod]" desc:"Platform environments it applies to; defaults to every environment."`
	Severity            string   `json:"severity,omitempty" enum:"error,warning" desc:"error (the default) fails validation; warning reports without failing (except under --strict), for a rule being introduced."`
	DenyPublicIngress   bool     `json:"denyPublicIngress,omitempty" desc:"Refuse ingress.public: the services are reached only through the internal gateway."`
	DenyEgress          bool     `json:"denyEgress,omitempty" desc:"Refuse every egress host."`
	AllowedEgress       []string `json:"allowedEgress,omitempty" example:"['*.stripe.com:443', api.sendgrid.com:443]" desc:"The only egress entries allowed: an entry as written (host:port, or a range), *.domain:port for any host under domain, or host without a port for any port."`
	AllowedDependencies []string `json:"allowedDependencies,omitempty" enum:"catalog:dependencies" example:"[postgres, redis]" desc:"The only dependency types allowed."`
	AllowedRegistries   []string `json:"allowedRegistries,omitempty" example:"[ghcr.io/acme]" desc:"Registries (host[/path] prefixes) that spec.image and spec.prebuilt must come from."`
	MaxCPU              string   `json:"maxCPU,omitempty" example:"2" desc:"Ceiling on spec.resources.cpu (requests, also the limits), as a Kubernetes quantity."`
	MaxMemory           string   `json:"maxMemory,omitempty" example:"4Gi" desc:"Ceiling on spec.resources.memory, as a Kubernetes quantity."`
	MaxReplicas         int      `json:"maxReplicas,omitempty" min:"1" max:"1000" example:"20" desc:"Ceiling on spec.replicas.max."`
	RequireSLOs         bool     `json:"requireSLOs,omitempty" desc:"Every web service with protocol http must declare spec.slos (which need a metricsPort)."`
}

// Cloud selects the cloud provider and region.
type Cloud struct {
	Provider string `json:"provider,omitempty" enum:"aws,gcp,azure,none" desc:"Cloud provider for dependencies and workload identity."`
	Region   string `json:"region,omitempty" example:"eu-west-1" desc:"Region (AWS, GCP) or location (Azure) of the resources."`
	Project  string `json:"project,omitempty" example:"acme-prod" desc:"GCP project ID (gcp only)."`
	// Subscription pins the services' Terraform to one subscription, whose ID the globally unique names of
	// their resources derive from; KEDA's azure-servicebus scaler must name a Service Bus namespace in
	// its trigger, so a worker that scales on a queue needs it.
	Subscription string `json:"subscription,omitempty" pattern:"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$" example:"3f2b8c1e-5d4a-4e7b-9c6f-1a2b3c4d5e6f" desc:"Azure subscription ID (azure only, lower-case): the services' Terraform runs in it, and the names of their Service Bus namespaces (and other globally unique names) derive from it. Required when a worker scales on a queue (spec.scaling): KEDA's azure-servicebus scaler names the namespace in its trigger."`
}

// Network describes the cloud network around the cluster.
type Network struct {
	DependencyCIDRs []string `json:"dependencyCIDRs,omitempty" example:"[10.20.0.0/16]" desc:"Private ranges (RFC 1918 or IPv6 ULA) the dependencies' endpoints are in; a dependency's NetworkPolicy egress is narrowed to them on its ports. Unset: all of 10.0.0.0/8, 172.16.0.0/12 and 192.168.0.0/16."`
}

// GitOps selects the GitOps engine and the repository it syncs.
type GitOps struct {
	Engine  string `json:"engine,omitempty" enum:"argocd,flux,none" desc:"GitOps engine."`
	RepoURL string `json:"repoURL,omitempty" example:"https://github.com/acme/gitops.git" desc:"Git repository the engine syncs (https:// or ssh://)."`
	Path    string `json:"path,omitempty" pattern:"^[A-Za-z0-9._/-]+$" example:"deploy" desc:"Folder inside the repository that holds Gantry's output. Letters, digits, '.', '_', '-' and '/' only: CI files and Flux objects carry it, where ${{ }} and $VAR would be evaluated."`
	Branch  string `json:"branch,omitempty" example:"main" desc:"Branch the engine follows."`
}

// Service is a `kind: Service` file: one service, short.
type Service struct {
	APIVersion string      `json:"apiVersion" required:"true" enum:"gantry.dev/v1" desc:"Blueprint API version."`
	Kind       string      `json:"kind" required:"true" enum:"Service" desc:"Kind of blueprint file."`
	Metadata   ServiceMeta `json:"metadata" required:"true" desc:"Identifies the service and its owner."`
	Spec       ServiceSpec `json:"spec" required:"true" desc:"What the service is and what it needs."`
}

// ServiceMeta identifies a service.
type ServiceMeta struct {
	Name        string `json:"name" required:"true" example:"payments" desc:"Service name: a DNS-1123 label of at most 40 characters, unique in the platform."`
	Team        string `json:"team" required:"true" example:"billing" desc:"Owning team: a DNS-1123 label; the namespace unless spec.namespace is set."`
	Description string `json:"description,omitempty" desc:"One line on what the service does."`
}

// ServiceSpec is what a service is and needs. Platform defaults use the same type.
type ServiceSpec struct {
	Runtime       string         `json:"runtime,omitempty" requiredOr:"prebuilt" enum:"catalog:runtimes" desc:"Language runtime: selects the build, test and container image. Required unless the service runs a prebuilt image."`
	Prebuilt      string         `json:"prebuilt,omitempty" example:"docker.io/library/nginx:1.27.3@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef" desc:"An image Gantry does not build (a language outside the runtimes, an off-the-shelf server), pinned by digest as repository[:tag]@sha256:<64 hex>: instead of runtime. The service gets the same manifests and zero-trust rules, no Dockerfile and no build jobs; its pipeline scans the pinned image, which every environment runs."`
	Type          string         `json:"type,omitempty" required:"true" enum:"web,worker,cron,job" desc:"web serves a port; worker runs without one; cron runs on a schedule; job runs once per deploy."`
	Namespace     string         `json:"namespace,omitempty" example:"billing" desc:"Kubernetes namespace; defaults to metadata.team."`
	Source        string         `json:"source,omitempty" pattern:"^[A-Za-z0-9._/-]+$" example:"services/payments" desc:"Folder of the service's source code, relative to the repository root; defaults to services/<name>. Letters, digits, '.', '_', '-' and '/' only: CI files carry it, where GitHub and GitLab would evaluate ${{ }} and $VAR."`
	Port          int            `json:"port,omitempty" min:"1024" max:"65535" example:"8080" desc:"Main port (web only; required for web)."`
	ServicePort   int            `json:"servicePort,omitempty" min:"1" max:"65535" example:"80" desc:"Port of the Kubernetes Service, which callers, the gateway route and the ingress address (web only); defaults to port. It may be below 1024: the Service forwards it to the named container port, so the container never binds it. NetworkPolicies and mesh policies still name the container port, which is where traffic arrives."`
	Protocol      string         `json:"protocol,omitempty" enum:"http,grpc,tcp" desc:"Protocol of the main port; defaults to http."`
	MetricsPort   int            `json:"metricsPort,omitempty" min:"1024" max:"65535" example:"9090" desc:"Port that serves Prometheus metrics at /metrics; adds a ServiceMonitor."`
	SLOs          []SLO          `json:"slos,omitempty" desc:"Service level objectives (web services with protocol http and a metricsPort): Gantry writes their recording rules and multi-window, multi-burn-rate alerts as a PrometheusRule, and a Grafana dashboard."`
	Health        Health         `json:"health,omitzero" desc:"Probe endpoints: on the main port for a web service; a worker's liveness is on its metricsPort."`
	Build         Build          `json:"build,omitzero" desc:"How CI builds, lints and tests the service, where detection from its source folder is not enough (not with prebuilt)."`
	Schedule      string         `json:"schedule,omitempty" example:"*/5 * * * *" desc:"Cron schedule, five fields or a macro such as @hourly (cron only; required for cron)."`
	Dependencies  []Dependency   `json:"dependencies,omitempty" desc:"Datastores and cloud resources the service uses, each with injected connection settings: Terraform provisions it on the cloud, or the cluster runs it in the platform's inCluster environments (all of them without a cloud)."`
	Calls         []string       `json:"calls,omitempty" example:"[ledger]" desc:"Services this one may call, by name or name.namespace; each must list this service in callers."`
	Callers       []string       `json:"callers,omitempty" example:"[gateway]" desc:"Services allowed to call this one, by name or name.namespace (web only)."`
	Pod           Pod            `json:"pod,omitzero" desc:"Pod metadata and scheduling: annotations and labels for controllers, node selection and tolerations. The same in every environment."`
	Command       []string       `json:"command,omitempty" example:"[/app/server]" desc:"Replaces the image's entrypoint (Kubernetes command); $(VAR) expands a variable of the container's env."`
	Args          []string       `json:"args,omitempty" example:"[--config, /etc/app/config.yaml]" desc:"Replaces the image's command arguments (Kubernetes args); $(VAR) expands a variable of the container's env."`
	ConfigFiles   []ConfigFile   `json:"configFiles,omitempty" desc:"Read-only files from the repository mounted in the container, for apps configured by a file: their content goes into a ConfigMap named after its hash, so a change rolls the pods. Text only, no credentials (use secrets)."`
	WritablePaths []WritablePath `json:"writablePaths,omitempty" desc:"Folders the app writes to besides /tmp, each an emptyDir (the root filesystem stays read-only): a cache, a PID file's folder, a server's temp folder. Their content is lost when the pod stops."`
	Overrides     `json:",inline"`
	Environments  map[string]Overrides `json:"environments,omitempty" desc:"Per-environment overrides, keyed by a platform environment name."`
	// Values are the env values with their placeholders resolved (connections.go), set when the
	// blueprints are loaded: what the generators read. Not a blueprint field.
	Values map[string]EnvValue `json:"-"`
}

// EnvValues returns the resolved env values, or the env as literal text where nothing resolved them
// (a spec built in code).
func (s *ServiceSpec) EnvValues() map[string]EnvValue {
	if s.Values != nil || len(s.Env) == 0 {
		return s.Values
	}
	out := make(map[string]EnvValue, len(s.Env))
	for k, v := range s.Env {
		out[k] = EnvValue{{Text: v}}
	}
	return out
}

// Overrides are the service fields that may differ per environment.
type Overrides struct {
	Image     string            `json:"image,omitempty" example:"ghcr.io/acme/payments" desc:"Image repository without tag or digest; defaults to <platform registry>/<name>. CI sets the tag and digest."`
	Replicas  Replicas          `json:"replicas,omitzero" desc:"Replica range (web and worker); max > min adds a HorizontalPodAutoscaler."`
	Resources Resources         `json:"resources,omitzero" desc:"Per-container requests, also used as limits."`
	Env       map[string]string `json:"env,omitempty" example:"{LOG_LEVEL: info}" desc:"Plain environment variables. Never credentials: use secrets. A value may reference what the blueprint declares: @{service.NAME.address}, @{dependency.NAME.url}, @{secret.NAME}, @{self.namespace} and more (see Connections); @{@} is a literal @."`
	Secrets   []string          `json:"secrets,omitempty" example:"[STRIPE_API_KEY]" desc:"Names of secrets in the platform's secret store, mounted as files; never values."`
	Ingress   Ingress           `json:"ingress,omitzero" desc:"Expose the service outside the cluster (web only)."`
	Egress    []string          `json:"egress,omitempty" example:"[api.stripe.com:443]" desc:"External host:port pairs the service may reach."`
	Scaling   Scaling           `json:"scaling,omitzero" desc:"Scale a worker on the backlog of one of its queue or kafka dependencies with KEDA (a ScaledObject in place of the HorizontalPodAutoscaler), between replicas.min and replicas.max (worker only)."`
}

// Pod is what a pod carries besides its containers: metadata other controllers read, and where it may
// run.
type Pod struct {
	Annotations  map[string]string `json:"annotations,omitempty" example:"{cluster-autoscaler.kubernetes.io/safe-to-evict: \"true\"}" desc:"Annotations on the pods, for controllers and agents that read them. The meshes' (*.istio.io, *.linkerd.io) and those that change the security profile, attach other networks or grant a cloud identity are refused, and so is a credential in a value."`
	Labels       map[string]string `json:"labels,omitempty" example:"{cost-center: cc-42}" desc:"Labels on the pods. Kubernetes' own domains (app.kubernetes.io/*, which Gantry's selectors and network rules match) and the meshes' are refused."`
	NodeSelector map[string]string `json:"nodeSelector,omitempty" example:"{kubernetes.io/arch: arm64}" desc:"Node labels a node must have to run the pods."`
	Tolerations  []Toleration      `json:"tolerations,omitempty" desc:"Taints the pods tolerate, so they may run on dedicated or tainted nodes."`
}

// Toleration lets pods run on nodes with a matching taint.
type Toleration struct {
	Key               string `json:"key,omitempty" example:"dedicated" desc:"Taint key; empty with operator Exists matches every taint."`
	Operator          string `json:"operator,omitempty" enum:"Equal,Exists" desc:"Equal (the default) matches the key and value; Exists matches the key whatever its value."`
	Value             string `json:"value,omitempty" example:"payments" desc:"Taint value (operator Equal only)."`
	Effect            string `json:"effect,omitempty" enum:"NoSchedule,PreferNoSchedule,NoExecute" desc:"Taint effect to tolerate; empty matches every effect."`
	TolerationSeconds int    `json:"tolerationSeconds,omitempty" min:"0" max:"86400" example:"300" desc:"How long a pod stays on a node after a NoExecute taint appears (NoExecute only); unset, forever."`
}

// ConfigFile is a file of the repository mounted read-only in the container.
type ConfigFile struct {
	Path string `json:"path" required:"true" pattern:"^/[A-Za-z0-9._/-]+$" example:"/etc/app/config.yaml" desc:"Absolute path of the file in the container: clean, not in a system folder (/proc, /sys, /dev, /var/run/secrets), unique in the service."`
	From string `json:"from" required:"true" pattern:"^[A-Za-z0-9._/-]+$" example:"../services/cart/config.yaml" desc:"The file, relative to the folder of the file that names it (the blueprint, or the platform file for a default); it may not leave the repository (outside a git repository, that folder) nor go through a symbolic link or a hidden file or folder. UTF-8 text of at most 256 KiB, with no credential."`
	// Data is the file's content, read when the blueprints are loaded: what the generators write.
	Data string `json:"-"`
}

// WritablePath is a folder the app writes to, an emptyDir in the pod.
type WritablePath struct {
	Path      string `json:"path" required:"true" example:"/var/cache/nginx" desc:"Absolute folder, clean (no '..', no trailing '/'), not /, /tmp or below them, nor below another writable path or a system folder (/proc, /sys, /dev, /var/run/secrets)."`
	SizeLimit string `json:"sizeLimit,omitempty" example:"128Mi" desc:"Most the folder may hold, as a Kubernetes quantity; defaults to 64Mi. It counts against spec.resources.ephemeralStorage."`
}

// Health lists the probe endpoints.
type Health struct {
	Liveness  string `json:"liveness,omitempty" example:"/livez" desc:"HTTP path of the liveness probe; defaults to /livez for a web service. A worker has one only when set: served on its metricsPort, it should report the work loop's heartbeat (the skeletons of gantry new do), so a hung loop is restarted."`
	Readiness string `json:"readiness,omitempty" example:"/readyz" desc:"HTTP path of the readiness probe; defaults to /readyz."`
	Startup   string `json:"startup,omitempty" example:"/startupz" desc:"HTTP path of the startup probe, for slow starters."`
	GRPC      bool   `json:"grpc,omitempty" desc:"Use the gRPC health protocol on the main port instead of HTTP paths: liveness and readiness both call grpc.health.v1 Check with the empty service name (the server's overall health), so an app that reports NOT_SERVING overall to shed load is also restarted. Set by protocol grpc."`
	TCP       bool   `json:"tcp,omitempty" desc:"Probe readiness with a TCP connection to the main port instead of HTTP paths, for an app with no health endpoint (there is then no liveness probe: a TCP check for both would be one probe twice, which restarts pods under load). Set by protocol tcp."`
	// GRPCStartup is the gRPC counterpart of Startup (a path there): a bool, since a gRPC probe has no path.
	GRPCStartup bool `json:"grpcStartup,omitempty" desc:"Add a gRPC startup probe (the same health check, every 5s, up to 5 minutes) for slow starters; liveness and readiness wait until it passes. Needs protocol grpc; an HTTP service gives a startup path instead."`
	// InitialDelaySeconds goes where it delays the first check without slowing later restarts' detection:
	// the startup probe when there is one, else liveness and readiness.
	InitialDelaySeconds int `json:"initialDelaySeconds,omitempty" min:"0" max:"300" example:"15" desc:"Seconds before the first probe: on the startup probe when there is one (startup or grpcStartup), otherwise on liveness and readiness; defaults to 0."`
}

// Build overrides what CI detects from the source folder. Commands are data to the pipeline: they run
// in a shell as written, and may not hold the CI systems' own expression syntax.
type Build struct {
	Context    string `json:"context,omitempty" pattern:"^[A-Za-z0-9._/-]+$" example:"." desc:"Docker build context, relative to the repository root; defaults to the source folder."`
	Dockerfile string `json:"dockerfile,omitempty" pattern:"^[A-Za-z0-9._/-]+$" example:"services/payments/docker/Dockerfile" desc:"Dockerfile, relative to the repository root; defaults to <source>/Dockerfile, which Gantry writes when there is none. One named here is always the user's."`
	Command    string `json:"command,omitempty" example:"./gradlew --no-daemon assemble" desc:"Build command, run in the source folder before the image is built; defaults to the runtime's."`
	Lint       string `json:"lint,omitempty" example:"make lint" desc:"Lint command, run in the source folder; defaults to the runtime's."`
	Test       string `json:"test,omitempty" example:"make test" desc:"Test command, run in the source folder; defaults to the runtime's."`
}

// Replicas is the replica range of a long-running service.
type Replicas struct {
	Min int `json:"min,omitempty" min:"1" max:"1000" example:"2" desc:"Minimum replicas; defaults to 2. Production runs at least 2: a lower value there is raised to 2, with a warning."`
	Max int `json:"max,omitempty" min:"1" max:"1000" example:"10" desc:"Maximum replicas; defaults to min."`
	CPU int `json:"cpu,omitempty" min:"1" max:"100" example:"70" desc:"Target average CPU utilisation in percent for the autoscaler; defaults to 70."`
}

// Resources are the container's requests (and limits).
type Resources struct {
	CPU              string `json:"cpu,omitempty" example:"250m" desc:"CPU as a Kubernetes quantity; defaults to 100m."`
	Memory           string `json:"memory,omitempty" example:"256Mi" desc:"Memory as a Kubernetes quantity; defaults to 128Mi."`
	EphemeralStorage string `json:"ephemeralStorage,omitempty" example:"1Gi" desc:"Ephemeral storage as a Kubernetes quantity; defaults to 256Mi."`
}

// Dependency is a datastore or cloud resource the service uses.
type Dependency struct {
	Name string `json:"name" required:"true" example:"db" desc:"Dependency name, a DNS-1123 label unique in the service; prefixes its settings (DB_HOST, ...)."`
	Type string `json:"type" required:"true" enum:"catalog:dependencies" desc:"Kind of resource."`
	Size string `json:"size,omitempty" enum:"small,medium,large" desc:"Capacity class, mapped to each cloud's instance classes; defaults to small."`
}

// Ingress exposes a web service.
type Ingress struct {
	Host   string   `json:"host,omitempty" example:"pay.example.com" desc:"Host name (DNS-1123 subdomain); required when ingress is set."`
	Paths  []string `json:"paths,omitempty" example:"[/]" desc:"Path prefixes routed to the service; defaults to [/]."`
	Public bool     `json:"public,omitempty" desc:"Route through the public gateway instead of the internal one."`
}

// Scaling drives a worker's replica count by the backlog of one of its dependencies, through KEDA.
type Scaling struct {
	Dependency    string `json:"dependency,omitempty" example:"outbox" desc:"The dependency whose backlog sets the replica count: a queue (messages waiting: SQS, Pub/Sub, Service Bus, which needs the platform's cloud.subscription) or a kafka (the consumer group's lag: MSK or in the cluster; not Event Hubs or GCP's Managed Kafka, which KEDA cannot sign in to). Required when scaling is set."`
	Target        int    `json:"target,omitempty" min:"1" max:"100000" example:"5" desc:"Backlog per replica: KEDA runs backlog / target replicas (rounded up), between replicas.min and replicas.max; defaults to 5."`
	ToZero        bool   `json:"toZero,omitempty" desc:"Outside production, scale down to zero replicas while the backlog is empty, and up again on the first message; production keeps replicas.min."`
	ConsumerGroup string `json:"consumerGroup,omitempty" pattern:"^[A-Za-z0-9._-]{1,249}$" example:"notifier" desc:"Kafka consumer group whose lag is measured (kafka only): the group the service consumes as; defaults to the service's name."`
	Topic         string `json:"topic,omitempty" pattern:"^[A-Za-z0-9._-]{1,249}$" example:"receipts" desc:"Kafka topic whose lag is measured (kafka only); unset, every topic the consumer group has offsets for."`
}
