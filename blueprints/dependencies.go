package blueprints

import (
	"crypto/sha1"
	"encoding/hex"
	"slices"
	"strings"

	"github.com/gantry-dev/gantry/blueprints/catalog"
)

// EnvPrefix is the prefix of a dependency's connection settings: its name upper-cased, '-' as '_'
// (db -> DB_HOST, orders-cache -> ORDERS_CACHE_HOST).
func EnvPrefix(d Dependency) string {
	return strings.ToUpper(strings.ReplaceAll(d.Name, "-", "_")) + "_"
}

// DependencyEnv returns the names of the environment variables that carry a dependency's connection
// settings (the catalogue's Settings), in a fixed order.
func DependencyEnv(d Dependency) []string {
	kind, _ := catalog.Lookup(d.Type)
	out := make([]string, len(kind.Settings))
	prefix := EnvPrefix(d)
	for i, s := range kind.Settings {
		out[i] = prefix + s
	}
	return out
}

// DependencyConfigMap names the ConfigMap that a service's Terraform writes its connection settings
// (DependencyEnv) into and that its workload reads them from: the contract of the two targets.
func DependencyConfigMap(service string) string { return service + "-dependencies" }

// AzureUnique is the suffix of the globally unique names of a service's Azure resources in an
// environment (Key Vault, servers, Service Bus and Event Hubs namespaces): the first 16 hex digits of
// the SHA-1 of "<subscription>/<service>-<env>". The service's Terraform computes the same as
// local.unique from the subscription it runs in, which spec.cloud.subscription pins; a test of the
// terraform target evaluates that expression with Terraform and compares.
func AzureUnique(subscription, service, env string) string {
	// SHA-1 because Terraform's sha1() is what the names were made with: a name, not a secret.
	sum := sha1.Sum([]byte(subscription + "/" + service + "-" + env))
	return hex.EncodeToString(sum[:])[:16]
}

// AzureMessagingNamespace is the name of the Service Bus (or Event Hubs) namespace that holds a
// service's queue (or kafka) dependency in an environment, as its Terraform names it: what KEDA's
// azure-servicebus trigger must name, since it reads the namespace from the trigger only.
func AzureMessagingNamespace(subscription, service, env string, d Dependency) string {
	return service + "-" + env + "-" + d.Name + "-" + AzureUnique(subscription, service, env)
}

// HasTerraformModule reports whether the terraform target writes a module for a service: it has
// dependencies and at least one environment takes them from the cloud (CloudEnvironments). The ci
// target adds the Terraform jobs to the service's pipeline then: the contract of the two targets.
func HasTerraformModule(p *ResolvedPlatform, s *ResolvedService) bool {
	return len(s.Base.Dependencies) > 0 && len(CloudEnvironments(p.Spec)) > 0
}

// ProviderCluster is DependencyProvider's answer for an environment whose dependencies run in the
// cluster.
const ProviderCluster = "cluster"

// DependencyProvider says who provides the dependencies of an environment ("" for the kustomize base):
// ProviderCluster without a cloud or for an environment in spec.inCluster, else the cloud. The base
// takes the cloud's when there is one; an in-cluster environment's overlay patches what differs.
func DependencyProvider(p PlatformSpec, env string) string {
	if !slices.Contains(catalog.Clouds, p.Cloud.Provider) || (env != "" && slices.Contains(p.InCluster, env)) {
		return ProviderCluster
	}
	return p.Cloud.Provider
}

// CloudEnvironments are the environments whose dependencies the cloud provides, in promotion order:
// the ones the Terraform module serves.
func CloudEnvironments(p PlatformSpec) []string {
	var out []string
	for _, e := range p.Environments {
		if DependencyProvider(p, e) != ProviderCluster {
			out = append(out, e)
		}
	}
	return out
}

// ClusterEnvironments are the environments whose dependencies run in the cluster, in promotion order.
func ClusterEnvironments(p PlatformSpec) []string {
	var out []string
	for _, e := range p.Environments {
		if DependencyProvider(p, e) == ProviderCluster {
			out = append(out, e)
		}
	}
	return out
}

// DependencyWorkload names what runs a dependency in the cluster (its StatefulSet, Service,
// ServiceAccount, NetworkPolicy and ExternalSecret): <service>-<dependency>.
func DependencyWorkload(service string, d Dependency) string { return service + "-" + d.Name }

// MaxDependencyWorkload is the longest DependencyWorkload: a StatefulSet's pods carry its name plus a
// hyphen and a 10-character revision hash in a label value, which holds 63.
const MaxDependencyWorkload = 52

// DependencyCredentials names the Secret that holds a dependency's password under the key "password",
// whoever provides it: an ExternalSecret fills it from the cloud's secret store, or from a password
// generated in the cluster. The workload reads it; so does the in-cluster dependency.
func DependencyCredentials(service string, d Dependency) string {
	return DependencyWorkload(service, d) + "-credentials"
}

// DependencyDatabase and DependencyUser are the database name and user a service gets from a
// postgres or mysql dependency, on every cloud and in the cluster: its name with '_' for '-', and app.
func DependencyDatabase(d Dependency) string { return strings.ReplaceAll(d.Name, "-", "_") }

// DependencyUser is the user a service connects to a postgres or mysql dependency as.
const DependencyUser = "app"

// SecretStoreKey is where a secret, or a dependency's credentials, live in the cloud's secret store:
// Terraform writes the key, the workload's ExternalSecret reads it. AWS Secrets Manager takes paths;
// Google's Secret Manager ids allow letters, digits, '-' and '_'; Azure Key Vault names letters, digits
// and '-' only, so '--' separates the parts there (a DNS label may not start or end with '-').
func SecretStoreKey(cloud, team, service, name string) string {
	switch cloud {
	case "gcp":
		return strings.Join([]string{team, service, name}, "-")
	case "azure":
		return strings.Join([]string{team, service, strings.ReplaceAll(name, "_", "-")}, "--")
	}
	return strings.Join([]string{team, service, name}, "/")
}

// ClusterImages are the images of a service's dependencies in the environments that run them in the
// cluster (catalog.LocalImage), sorted: what its manifests run besides its own image.
func ClusterImages(p *ResolvedPlatform, s *ResolvedService) []string {
	if len(ClusterEnvironments(p.Spec)) == 0 {
		return nil
	}
	var out []string
	for _, d := range s.Base.Dependencies {
		if img, ok := catalog.LocalImage(d.Type); ok {
			out = append(out, img.Ref)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}
