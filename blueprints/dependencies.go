package blueprints

import (
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
	for i, s := range kind.Settings {
		out[i] = EnvPrefix(d) + s
	}
	return out
}

// DependencyConfigMap names the ConfigMap that a service's Terraform writes its connection settings
// (DependencyEnv) into and that its workload reads them from: the contract of the two targets.
func DependencyConfigMap(service string) string { return service + "-dependencies" }

// HasTerraformModule reports whether the terraform target writes a module for a service: it has
// dependencies and its platform a cloud (one of catalog.Clouds). The ci target adds the Terraform jobs
// to the service's pipeline then: the contract of the two targets.
func HasTerraformModule(p *ResolvedPlatform, s *ResolvedService) bool {
	return len(s.Base.Dependencies) > 0 && slices.Contains(catalog.Clouds, p.Spec.Cloud.Provider)
}

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
