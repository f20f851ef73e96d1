package kubernetes

import (
	"slices"

	"github.com/gantry-dev/gantry/blueprints"
	"github.com/gantry-dev/gantry/blueprints/catalog"
)

// Cluster conventions: what the generated manifests assume the platform team has installed. They are
// documented in the README ("Cluster conventions"); a platform setting may make them configurable later.
const (
	// GatewayNamespace holds the Gateway API gateways (or the ingress controller) named below.
	GatewayNamespace = "gateway"
	// PublicGateway and InternalGateway are the Gateways that public and internal routes attach to; with
	// Istio, their pods run as the ServiceAccounts <name>-istio.
	PublicGateway   = "public"
	InternalGateway = "internal"
	// MonitoringNamespace runs the Prometheus that scrapes metrics ports.
	MonitoringNamespace = "monitoring"
	// ObservabilityNamespace runs the OpenTelemetry collector at CollectorEndpoint.
	ObservabilityNamespace = "observability"
	CollectorEndpoint      = "http://otel-collector.observability.svc:4317"
	CollectorPort          = 4317
	// SecretStore is the ClusterSecretStore (external-secrets) backed by the cloud's secret manager.
	SecretStore = "gantry"
	// SecretsDir is where secrets are mounted as files, one file per secret name.
	SecretsDir = blueprints.ConfidentialDir
	// RunAsID is the numeric user and group of every container: distroless's nonroot.
	RunAsID = 65532
	// FinishedJobTTL is how long a CronJob's finished Job (and its pods' logs) stays, in seconds: a
	// week, so a weekly schedule's last run can be read until the next one; the history limits (3 succeeded,
	// 3 failed) keep fewer for frequent schedules.
	FinishedJobTTL = 7 * 24 * 3600
	// DefaultWritableSize bounds /tmp and each writable path that gives no sizeLimit.
	DefaultWritableSize = "64Mi"
)

// privateRanges are the RFC 1918 ranges: a dependency (a managed database, cache, queue) lives in the
// cloud network on one of them. They are where dependencies are reached when the platform does not say
// (spec.network.dependencyCIDRs), and where external egress hosts are never reached.
var privateRanges = []string{"10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"}

// externalExcept is what an egress rule to a host name (anywhere, as a NetworkPolicy cannot name hosts)
// leaves out: the private network and link-local, where the cloud metadata service (169.254.169.254)
// hands out the node's credentials.
var externalExcept = append(slices.Clone(privateRanges), "169.254.0.0/16")

// googleAPIRanges are Private Google Access's addresses (private.googleapis.com and
// restricted.googleapis.com): how pods in a private GKE cluster reach Cloud Storage and Pub/Sub.
var googleAPIRanges = []string{"199.36.153.4/30", "199.36.153.8/30"}

// dependencyRanges is where a service's dependencies are: the private network (managed databases,
// caches and Kafka; on AWS and Azure also the storage and queue APIs, through interface or private
// endpoints), the platform's spec.network.dependencyCIDRs when it lists them, else all of RFC 1918;
// and on GCP Google's API addresses for buckets and queues.
func dependencyRanges(network blueprints.Network, cloud string, deps []blueprints.Dependency) []string {
	ranges := slices.Clone(privateRanges)
	if len(network.DependencyCIDRs) > 0 {
		ranges = slices.Clone(network.DependencyCIDRs)
	}
	if cloud == "gcp" && slices.ContainsFunc(deps, func(d blueprints.Dependency) bool { kind, _ := catalog.Lookup(d.Type); return kind.API }) {
		ranges = append(ranges, googleAPIRanges...)
	}
	return ranges
}

// dependencyPorts are a dependency's ports on a cloud (the catalogue's): the ones its connection
// settings name (the Terraform outputs).
func dependencyPorts(cloud, typ string) []int32 {
	kind, _ := catalog.Lookup(typ)
	return kind.PortsOn(cloud)
}
