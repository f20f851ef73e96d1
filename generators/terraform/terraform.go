// Package terraform generates a Terraform root module per service for the cloud resources its
// dependencies need, secure by default (encrypted with a customer-managed key, private, backed up,
// deletion-protected, TLS only) and reached through workload identity, never static keys. One module
// serves every environment: each environment is a `terraform apply -var-file=envs/<env>.tfvars`, with
// its own state (the backend is configured by the platform at init).
package terraform

import (
	"fmt"
	"maps"
	"path"
	"slices"
	"strings"
	"sync"

	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/hashicorp/hcl/v2/hclwrite"

	"github.com/gantry-dev/gantry/blueprints"
	"github.com/gantry-dev/gantry/blueprints/catalog"
	"github.com/gantry-dev/gantry/generators"
	"github.com/gantry-dev/gantry/generators/render"
)

// Generator is the terraform target.
type Generator struct{}

// New returns the terraform target.
func New() *Generator { return &Generator{} }

// Name implements generators.Generator.
func (*Generator) Name() string { return "terraform" }

// Produces implements generators.Generator: a service's module and its per-environment variables.
func (*Generator) Produces(p string) bool { return layout(p) }

var layout = generators.Layout(`^(` + generators.LabelRE + `/){3}terraform/(` + generators.NameRE + `\.tf|envs/` + generators.LabelRE + `\.tfvars|\.trivyignore\.yaml)$`)

// TrivyIgnoreFile is the file in a module's folder that lists the trivy checks that misread it (none on
// most clouds): the pipelines' IaC scan passes it to trivy, so every module has one.
const TrivyIgnoreFile = ".trivyignore.yaml"

// Provider versions the generated modules require: the provider schemas the tests check against are
// of these releases (generators/terraform/testdata/schemas).
const (
	RequiredTerraform  = ">= 1.11" // write-only attributes keep passwords out of the state
	AWSProvider        = "~> 6.0"
	GoogleProvider     = "~> 8.0"
	AzureProvider      = "~> 5.0"
	KubernetesProvider = "~> 3.0"
	RandomProvider     = "~> 3.7"
)

// clouds are the descriptors of the clouds a platform can name (catalog.Clouds), by spec.cloud.provider.
var clouds = map[string]*cloud{"aws": newAWS(), "gcp": newGCP(), "azure": newAzure()}

// cloudOf is the service's cloud, nil when it needs no Terraform (blueprints.HasTerraformModule).
func cloudOf(p *blueprints.ResolvedPlatform, s *blueprints.ResolvedService) *cloud {
	if !blueprints.HasTerraformModule(p, s) {
		return nil
	}
	return clouds[p.Spec.Cloud.Provider]
}

// Generate implements generators.Generator. A service without dependencies, or on a platform without
// a cloud, needs no Terraform.
func (*Generator) Generate(p *blueprints.ResolvedPlatform, s *blueprints.ResolvedService) ([]generators.File, error) {
	c := cloudOf(p, s)
	if c == nil {
		return nil, nil
	}
	m := &module{p: p, s: s}
	files, err := moduleFiles(c, m)
	if err != nil {
		return nil, err
	}
	dir := path.Join(generators.ServiceDir(p, s), "terraform")
	header := generators.Header(s.Source) + "\n"
	var out []generators.File
	for _, f := range files {
		out = append(out, generators.File{Path: path.Join(dir, f.name), Data: f.bytes(header)})
	}
	// Every module has one, empty on most clouds, so the pipelines pass it to trivy unconditionally.
	ignored := c.ignored
	if ignored == nil {
		ignored = []ignoredCheck{}
	}
	data, err := render.YAML(map[string]any{"misconfigurations": ignored})
	if err != nil {
		return nil, err
	}
	out = append(out, generators.File{Path: path.Join(dir, TrivyIgnoreFile),
		Data: append([]byte("# "+generators.Origin(s.Source)+". trivy's checks that misread this module, and why.\n"), data...)})
	// The environments whose dependencies run in the cluster have no state of this module.
	for _, e := range blueprints.CloudEnvironments(p.Spec) {
		f := newFile("envs/" + e + ".tfvars")
		f.root().str("environment", e)
		out = append(out, generators.File{Path: path.Join(dir, f.name), Data: f.bytes(header), Env: e})
	}
	return out, nil
}

// module is one service's Terraform, with the names its resources share.
type module struct {
	p *blueprints.ResolvedPlatform
	s *blueprints.ResolvedService
	// grants are the statements the writers add to the workload identity's one policy (AWS).
	grants []hclwrite.Tokens
}

func (m *module) production() string { return m.p.Production() }

// label turns a dependency name into a Terraform block label (db, orders_cache), which references name
// as an identifier (moduleFiles refuses a name that does not make one).
func label(name string) string { return strings.ReplaceAll(name, "-", "_") }

// localName is local.name, the prefix of the names of the module's resources.
func localName() hclwrite.Tokens { return ref("local", "name") }

// named is a resource's name: local.name followed by parts, as a template ("${local.name}-db").
func named(parts ...any) hclwrite.Tokens { return template(append([]any{localName()}, parts...)...) }

// storeKey is where a dependency's credentials live in the cloud's secret store; the Kubernetes side's
// ExternalSecret reads the same key.
func (m *module) storeKey(dep string) string {
	return blueprints.SecretStoreKey(m.p.Spec.Cloud.Provider, m.s.Team, m.s.Name, dep)
}

// size picks a dependency's capacity class for a cloud, from the catalogue.
func size(cloud, typ, sz string) string {
	kind, _ := catalog.Lookup(typ)
	return kind.Sizes[cloud][sz]
}

// cloud describes what one cloud's modules have of their own. One driver (moduleFiles) renders every
// cloud's module from it: versions.tf, providers.tf, variables.tf and main.tf, a file per dependency
// from the writer of its type, then the cloud's identity file (if any) and outputs.tf.
type cloud struct {
	name     string           // in messages: AWS, GCP, Azure
	provider requiredProvider // the cloud's Terraform provider
	backend  string           // the state's backend type: the platform configures it at `terraform init`
	// configure writes the start of providers.tf: the cloud's provider and the cluster's data source.
	configure func(m *module, f *file)
	// cluster is how the kubernetes provider reaches the cluster (the ConfigMap, Azure's annotation).
	cluster cluster
	// main writes main.tf after the locals name and production: the cloud's own locals, then its
	// key and whatever else every module of the cloud has.
	main func(m *module, f *file, locals body)
	// identity writes the workload identity's file after the dependencies' (AWS: the role and its one
	// policy, from the statements the writers granted); nil where the writers grant in their own files.
	identity func(m *module) *file
	// workload is the output naming the workload's identity, after the connection settings; none when
	// its name is empty.
	workload output
	// writers hold the writer of each dependency type (a catalogue row) on this cloud.
	writers map[string]writer
	// ignored are trivy's checks that misread this cloud's modules, with the reason for each: written
	// as the module's .trivyignore.yaml, which the pipeline's IaC scan passes to trivy.
	ignored []ignoredCheck
}

// ignoredCheck is one entry of a .trivyignore.yaml.
type ignoredCheck struct {
	ID        string `json:"id"`
	Statement string `json:"statement"`
}

// writer writes one dependency type's resources on one cloud, into the dependency's own file, and
// returns its connection settings: an expression for each of the catalogue row's Settings (HOST,
// PORT, ...), which outputs.tf exports and writes into the ConfigMap the workload reads.
type writer struct {
	write func(m *module, f *file, d blueprints.Dependency) settings
	// shared are the parts of main.tf its resources use, written once however many dependencies need
	// them (AWS: the RDS monitoring role; GCP: a Google service agent's use of the key).
	shared []piece
}

// settings are a dependency's connection settings, by the catalogue's names.
type settings map[string]hclwrite.Tokens

// piece is a part of main.tf that dependencies share: written once, in the order of the names.
type piece struct {
	name  string
	write func(m *module, f *file)
}

// cluster is how the kubernetes provider reaches a cluster: host and CA certificate (base64) are
// expressions, the credentials a token expression or else an exec plugin's command and arguments.
type cluster struct{ host, ca, token, command, args string }

// variables are the inputs of the modules besides environment, by cloud (spec.cloud.provider), in the
// order variables.tf declares them. A module declares those its files reference (var.<name>), so a
// writer needs no declaration of its own.
var variables = []variable{
	{cloud: "aws", name: "region", typ: "string", desc: "AWS region of the resources.", def: region},
	{cloud: "aws", name: "vpc_id", typ: "string", desc: "VPC of the EKS cluster; the resources get private addresses in it."},
	{cloud: "aws", name: "private_subnet_ids", typ: "list(string)", desc: "Private subnets (at least two zones) for databases, caches and brokers.",
		validation: [2]string{"length(var.private_subnet_ids) >= 2", "give private subnets in at least two availability zones."}},
	{cloud: "aws", name: "cluster_name", typ: "string", desc: "EKS cluster the service runs in (Pod Identity association, Kubernetes provider)."},
	{cloud: "aws", name: "cluster_security_group_id", typ: "string", desc: "Security group of the cluster's pods: the only source allowed to reach the resources."},
	{cloud: "aws", name: "access_log_bucket", typ: "string", desc: "Existing S3 bucket that receives the access logs of the service's buckets."},
	{cloud: "gcp", name: "project", typ: "string", desc: "GCP project of the resources (and of the GKE cluster's workload identity pool).", def: project},
	{cloud: "gcp", name: "region", typ: "string", desc: "Region of the resources.", def: region},
	{cloud: "gcp", name: "network_id", typ: "string", desc: "VPC network (projects/P/global/networks/N) with private services access: the resources get private addresses in it."},
	{cloud: "gcp", name: "subnet_id", typ: "string", desc: "Subnetwork (projects/P/regions/R/subnetworks/S) where the Kafka cluster gets its addresses."},
	{cloud: "gcp", name: "cluster_name", typ: "string", desc: "GKE cluster the service runs in (Kubernetes provider)."},
	{cloud: "gcp", name: "cluster_location", typ: "string", desc: "Region or zone of the GKE cluster."},
	{cloud: "gcp", name: "access_log_bucket", typ: "string", desc: "Existing Cloud Storage bucket that receives the access logs of the service's buckets."},
	{cloud: "azure", name: "location", typ: "string", desc: "Azure location of the resources.", def: region},
	{cloud: "azure", name: "resource_group_name", typ: "string", desc: "Existing resource group for the service's resources."},
	{cloud: "azure", name: "subnet_id", typ: "string", desc: "Subnet for the private endpoints of the resources (in the cluster's virtual network)."},
	{cloud: "azure", name: "cluster_name", typ: "string", desc: "AKS cluster the service runs in."},
	{cloud: "azure", name: "cluster_resource_group_name", typ: "string", desc: "Resource group of the AKS cluster."},
	{cloud: "azure", name: "oidc_issuer_url", typ: "string", desc: "OIDC issuer URL of the AKS cluster, for the workload identity federation."},
}

// variable is one input of a cloud's modules.
type variable struct {
	cloud, name, typ, desc string
	def                    func(blueprints.Cloud) string // the default, from the platform's cloud: none when nil or empty
	validation             [2]string                     // condition and error message, none when empty
}

// region and project are defaults of variables: the platform's spec.cloud.region and project.
func region(c blueprints.Cloud) string  { return c.Region }
func project(c blueprints.Cloud) string { return c.Project }

// output is one output of a module.
type output struct{ name, desc, value string }

// requiredProvider is an entry of required_providers.
type requiredProvider struct{ name, source, version string }

var (
	kubernetesProvider = requiredProvider{"kubernetes", "hashicorp/kubernetes", KubernetesProvider}
	randomProvider     = requiredProvider{"random", "hashicorp/random", RandomProvider}
)

// moduleFiles renders a module from its cloud's descriptor. The dependencies' files are written first,
// so that what the module declares follows from what its files use: the variables and locals they
// reference, the providers of their resources, the shared parts their writers need.
func moduleFiles(c *cloud, m *module) ([]*file, error) {
	deps, data, shared, err := dependencyFiles(c, m)
	if err != nil {
		return nil, err
	}
	providers := providersFile(c, m)
	var tail []*file
	if c.identity != nil {
		tail = append(tail, c.identity(m))
	}
	tail = append(tail, outputsFile(m, data, c.workload))
	main := mainFile(c, m, shared, references(slices.Concat(deps, tail)))
	used := slices.Concat([]*file{providers, main}, deps, tail)
	head := []*file{versionsFile(c, used), providers, variablesFile(c, m, references(used)), main}
	return slices.Concat(head, deps, tail), nil
}

// dependencyFiles writes a file per dependency with the writer of its type, and gathers the
// connection settings (by variable name: DB_HOST) and the shared parts the writers need.
func dependencyFiles(c *cloud, m *module) (files []*file, data settings, shared []piece, err error) {
	data = settings{}
	for _, d := range m.s.Base.Dependencies {
		if !hclsyntax.ValidIdentifier(label(d.Name)) {
			return nil, nil, nil, fmt.Errorf("%s: dependency %q: not a name Terraform can reference (please report this: validation should have refused it)", m.s.File, d.Name)
		}
		w, ok := c.writer(d.Type)
		if !ok {
			return nil, nil, nil, fmt.Errorf("%s: dependency %s: type %q has no %s resources (please report this: validation should have refused it)", m.s.File, d.Name, d.Type, c.name)
		}
		f := newFile(d.Name + ".tf")
		got := w.write(m, f, d)
		// The Kubernetes target reads exactly the catalogue row's settings from the ConfigMap.
		if kind, _ := catalog.Lookup(d.Type); !slices.Equal(slices.Sorted(maps.Keys(got)), slices.Sorted(slices.Values(kind.Settings))) {
			return nil, nil, nil, fmt.Errorf("%s: dependency %s: the %s writer of %q gives the settings %v, the catalogue %v", m.s.File, d.Name, c.name, d.Type, slices.Sorted(maps.Keys(got)), kind.Settings)
		}
		for k, v := range got {
			data[blueprints.EnvPrefix(d)+k] = v
		}
		for _, p := range w.shared {
			if !slices.ContainsFunc(shared, func(q piece) bool { return q.name == p.name }) {
				shared = append(shared, p)
			}
		}
		files = append(files, f)
	}
	slices.SortFunc(shared, func(a, b piece) int { return strings.Compare(a.name, b.name) })
	return files, data, shared, nil
}

// providersFile configures the cloud's provider and the kubernetes provider.
func providersFile(c *cloud, m *module) *file {
	f := newFile("providers.tf")
	c.configure(m, f)
	k := f.top("provider", "kubernetes")
	k.expr("host", c.cluster.host)
	if c.cluster.token != "" {
		k.expr("token", c.cluster.token)
	}
	k.expr("cluster_ca_certificate", "base64decode("+c.cluster.ca+")")
	if c.cluster.command != "" {
		e := k.block("exec")
		e.str("api_version", "client.authentication.k8s.io/v1beta1")
		e.str("command", c.cluster.command)
		e.expr("args", c.cluster.args)
	}
	return f
}

// versionsFile pins Terraform and the providers the module's resources use.
func versionsFile(c *cloud, used []*file) *file {
	f := newFile("versions.tf")
	tf := f.top("terraform")
	tf.str("required_version", RequiredTerraform)
	rp := tf.block("required_providers")
	for _, p := range []requiredProvider{c.provider, kubernetesProvider, randomProvider} {
		if usesProvider(used, p.name) {
			rp.tokens(p.name, strObject(map[string]string{"source": p.source, "version": p.version}))
		}
	}
	tf.blank().block("backend", c.backend)
	return f
}

// variablesFile declares var.environment, limited to the environments the cloud provides dependencies
// for, and the cloud's variables that the module references.
func variablesFile(c *cloud, m *module, refs map[string]bool) *file {
	f := newFile("variables.tf")
	envs := blueprints.CloudEnvironments(m.p.Spec)
	v := f.top("variable", "environment")
	v.expr("type", "string")
	v.str("description", "Environment this state is for: one of "+strings.Join(envs, ", ")+".")
	val := v.block("validation")
	names := make([]hclwrite.Tokens, len(envs))
	for i, e := range envs {
		names[i] = lit(e)
	}
	val.tokens("condition", call("contains", tuple(names...), ref("var", "environment")))
	val.str("error_message", "environment must be one of "+strings.Join(envs, ", ")+".")
	for _, x := range variables {
		if x.cloud != m.p.Spec.Cloud.Provider || !refs["var."+x.name] {
			continue
		}
		v := f.top("variable", x.name)
		v.expr("type", x.typ)
		v.str("description", x.desc)
		if x.def != nil && x.def(m.p.Spec.Cloud) != "" {
			v.str("default", x.def(m.p.Spec.Cloud))
		}
		if x.validation[0] != "" {
			val := v.block("validation")
			val.expr("condition", x.validation[0])
			val.str("error_message", x.validation[1])
		}
	}
	return f
}

// mainFile writes the locals every module has (local.production only where a resource reads it), then
// the cloud's own part, then the shared parts the dependencies need.
func mainFile(c *cloud, m *module, shared []piece, refs map[string]bool) *file {
	f := newFile("main.tf")
	l := f.top("locals")
	l.tokens("name", template(m.s.Name+"-", ref("var", "environment")))
	if refs["local.production"] {
		// Production gets high availability: multi-zone databases, replicated caches, more brokers.
		l.tokens("production", eq(ref("var", "environment"), lit(m.production())))
	}
	c.main(m, f, l)
	for _, p := range shared {
		p.write(m, f)
	}
	return f
}

// baseTags are the tags (AWS, Azure) or labels (GCP) of every resource, besides the environment.
func baseTags(m *module) hclwrite.Tokens {
	return strObject(map[string]string{
		"gantry_platform": m.p.Name, "gantry_team": m.s.Team,
		"gantry_service": m.s.Name, "managed_by": "gantry",
	})
}

// outputsFile writes the ConfigMap the workload reads its connection settings from
// (blueprints.DependencyConfigMap), one output per setting, then the workload identity's output.
func outputsFile(m *module, data settings, workload output) *file {
	f := newFile("outputs.tf")
	keys := slices.Sorted(maps.Keys(data))
	cm := f.resource("kubernetes_config_map_v1", "dependencies")
	md := cm.block("metadata")
	md.str("name", blueprints.DependencyConfigMap(m.s.Name))
	md.str("namespace", m.s.Base.Namespace)
	md.tokens("labels", strObject(map[string]string{"app.kubernetes.io/managed-by": "gantry", "app.kubernetes.io/name": m.s.Name}))
	attrs := make([]attr, len(keys))
	for i, k := range keys {
		attrs[i] = attr{k, data[k]}
	}
	cm.tokens("data", block(attrs...))
	for _, k := range keys {
		o := f.top("output", strings.ToLower(k))
		o.str("description", "Connection setting "+k+" of the service.")
		o.tokens("value", data[k])
	}
	if workload.name != "" {
		o := f.top("output", workload.name)
		o.str("description", workload.desc)
		o.expr("value", workload.value)
	}
	return f
}

// references lists what the files refer to, as "var.region", "local.production".
func references(files []*file) map[string]bool {
	out := map[string]bool{}
	var t hclwrite.Tokens
	var key []byte
	for _, f := range files {
		t = f.f.BuildTokens(t[:0])
		for i := 0; i+2 < len(t); i++ {
			if t[i].Type == hclsyntax.TokenIdent && t[i+1].Type == hclsyntax.TokenDot && t[i+2].Type == hclsyntax.TokenIdent &&
				(i == 0 || t[i-1].Type != hclsyntax.TokenDot) {
				key = append(append(append(key[:0], t[i].Bytes...), '.'), t[i+2].Bytes...)
				if !out[string(key)] { // a lookup by a converted key allocates nothing
					out[string(key)] = true
				}
			}
		}
	}
	return out
}

// usesProvider reports whether the files configure a provider or declare its resources, data sources
// or ephemeral resources (their types start with its name: random_password).
func usesProvider(files []*file, name string) bool {
	for _, f := range files {
		for _, b := range f.f.Body().Blocks() {
			switch l := b.Labels(); {
			case len(l) == 0:
			case b.Type() == "provider" && l[0] == name, b.Type() != "provider" && strings.HasPrefix(l[0], name+"_"):
				return true
			}
		}
	}
	return false
}

// writersMu guards the writer tables against addWriterForTest (export_test.go), which tests running
// in parallel with others call.
var writersMu sync.RWMutex

// writer returns the writer of a dependency type on the cloud.
func (c *cloud) writer(typ string) (writer, bool) {
	writersMu.RLock()
	defer writersMu.RUnlock()
	w, ok := c.writers[typ]
	return w, ok
}
