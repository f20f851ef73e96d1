// Package catalog holds Gantry's catalogues as data: the kinds of dependency a service may declare,
// with what every target needs to know of each. Validation, the JSON Schema, the docs, the Kubernetes
// wiring and the Terraform writers all read these rows, so a new kind is one row here plus one
// Terraform writer per cloud.
package catalog

import (
	"slices"
	"sync"
)

// Clouds are the cloud providers a dependency can be provisioned on.
var Clouds = []string{"aws", "gcp", "azure"}

// Dependency is one kind of dependency.
type Dependency struct {
	Type string // the value of spec.dependencies[].type
	// Settings are the connection settings the service gets, as environment variable suffixes
	// (<NAME>_HOST, ...): the same names on every cloud. Credentials are never among them: they are
	// mounted as files.
	Settings []string
	// Ports are where the service reaches it (for the default-deny egress), by cloud; "" is every
	// cloud without an entry of its own.
	Ports map[string][]int32
	// Sizes map spec.dependencies[].size to each cloud's instance class; a cloud without an entry sizes
	// the resource otherwise (serverless, or by the writer).
	Sizes map[string]map[string]string
	// Credentials is true when the service gets a password from the secret store.
	Credentials bool
	// URL is the connection URL over the placeholder fields ({host}, {port}, {user}, {password},
	// {name}), for @{dependency.NAME.url}; "" when the type has none. Every cloud's resource requires
	// TLS, hence sslmode and rediss. The password is alphanumeric on every cloud (the Terraform writers
	// exclude punctuation), so it needs no escaping in the URL.
	URL string
	// LocalURL is URL for the container that runs the type outside a cloud (LocalImage: in the
	// cluster, on a developer's machine), which serves plain TCP: in the cluster the mesh, where there
	// is one, encrypts it. "" when it is URL.
	LocalURL string
	// API is true for a cloud API reached over HTTPS (a bucket, a queue), false for a host on the
	// platform's private network.
	API bool
}

// PortsOn returns the ports of d on a cloud.
func (d Dependency) PortsOn(cloud string) []int32 {
	if p, ok := d.Ports[cloud]; ok {
		return p
	}
	return d.Ports[""]
}

var (
	mu           sync.RWMutex
	dependencies = []Dependency{
		{Type: "postgres", Settings: []string{"HOST", "PORT", "NAME", "USER"}, Credentials: true,
			URL:      "postgresql://{user}:{password}@{host}:{port}/{name}?sslmode=require",
			LocalURL: "postgresql://{user}:{password}@{host}:{port}/{name}?sslmode=disable",
			Ports:    map[string][]int32{"": {5432}},
			Sizes: map[string]map[string]string{
				"aws":   {"small": "db.t4g.small", "medium": "db.m7g.large", "large": "db.r7g.xlarge"},
				"azure": {"small": "B_Standard_B1ms", "medium": "GP_Standard_D2ds_v5", "large": "GP_Standard_D4ds_v5"},
				"gcp":   {"small": "db-custom-2-7680", "medium": "db-custom-4-15360", "large": "db-custom-8-30720"},
			}},
		{Type: "mysql", Settings: []string{"HOST", "PORT", "NAME", "USER"}, Credentials: true,
			URL:   "mysql://{user}:{password}@{host}:{port}/{name}",
			Ports: map[string][]int32{"": {3306}},
			Sizes: map[string]map[string]string{
				"aws":   {"small": "db.t4g.small", "medium": "db.m7g.large", "large": "db.r7g.xlarge"},
				"azure": {"small": "B_Standard_B1ms", "medium": "GP_Standard_D2ds_v4", "large": "GP_Standard_D4ds_v4"},
				"gcp":   {"small": "db-custom-2-7680", "medium": "db-custom-4-15360", "large": "db-custom-8-30720"},
			}},
		{Type: "redis", Settings: []string{"HOST", "PORT"}, Credentials: true,
			URL:      "rediss://:{password}@{host}:{port}",
			LocalURL: "redis://:{password}@{host}:{port}",
			Ports: map[string][]int32{"": {6379},
				"azure": {6380}, // Azure Cache for Redis serves TLS only, on its ssl_port
				"gcp":   {6378}, // Memorystore with in-transit encryption (SERVER_AUTHENTICATION)
			},
			Sizes: map[string]map[string]string{
				"aws": {"small": "cache.t4g.small", "medium": "cache.m7g.large", "large": "cache.r7g.xlarge"},
			}},
		{Type: "bucket", Settings: []string{"BUCKET"}, API: true, Ports: map[string][]int32{"": {443}}},
		{Type: "queue", Settings: []string{"QUEUE"}, API: true, Ports: map[string][]int32{"": {443}}},
		{Type: "kafka", Settings: []string{"BROKERS"},
			Ports: map[string][]int32{"": {9092, 9094, 9096, 9098}, // MSK: plaintext, TLS, SASL/SCRAM, IAM
				"azure": {9093}, // Event Hubs' Kafka endpoint
			},
			Sizes: map[string]map[string]string{
				"aws": {"small": "kafka.t3.small", "medium": "kafka.m7g.large", "large": "kafka.m7g.xlarge"},
			}},
	}
)

// Dependencies returns the catalogue's rows, in the order the docs list them.
func Dependencies() []Dependency {
	mu.RLock()
	defer mu.RUnlock()
	return slices.Clone(dependencies)
}

// DependencyTypes lists the types, in the catalogue's order: the allowed values of
// spec.dependencies[].type.
func DependencyTypes() []string {
	var out []string
	for _, d := range Dependencies() {
		out = append(out, d.Type)
	}
	return out
}

// Lookup returns the row of a type.
func Lookup(typ string) (Dependency, bool) {
	mu.RLock()
	defer mu.RUnlock()
	i := slices.IndexFunc(dependencies, func(d Dependency) bool { return d.Type == typ })
	if i < 0 {
		return Dependency{}, false
	}
	return dependencies[i], true
}

// AddForTest adds a row until the returned function is called: the test that a new kind of dependency
// needs one row plus its writers, nothing else.
func AddForTest(d Dependency) (remove func()) {
	mu.Lock()
	defer mu.Unlock()
	dependencies = append(dependencies, d)
	return func() {
		mu.Lock()
		defer mu.Unlock()
		dependencies = slices.DeleteFunc(dependencies, func(x Dependency) bool { return x.Type == d.Type })
	}
}
