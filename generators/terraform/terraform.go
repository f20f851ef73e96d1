// Package terraform generates a Terraform root module per service for the cloud resources its
// dependencies need, secure by default (encrypted with a customer-managed key, private, backed up,
// deletion-protected, TLS only) and reached through workload identity, never static keys. One module
// serves every environment: each environment is a `terraform apply -var-file=envs/<env>.tfvars`, with
// its own state (the backend is configured by the platform at init).
package terraform

import (
	"fmt"
	"path"
	"strings"

	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/hashicorp/hcl/v2/hclwrite"

	"github.com/gantry-dev/gantry/blueprints"
	"github.com/gantry-dev/gantry/blueprints/catalog"
	"github.com/gantry-dev/gantry/generators"
)

// Generator is the terraform target.
type Generator struct{}

// New returns the terraform target.
func New() *Generator { return &Generator{} }

// Name implements generators.Generator.
func (*Generator) Name() string { return "terraform" }

// Produces implements generators.Generator: a service's module and its per-environment variables.
func (*Generator) Produces(p string) bool { return layout(p) }

var layout = generators.Layout(`^(` + generators.LabelRE + `/){3}terraform/(` + generators.NameRE + `\.tf|envs/` + generators.LabelRE + `\.tfvars)$`)

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

// HasModule reports whether Generate writes a module for the service: it has dependencies and the
// platform a cloud.
func HasModule(p *blueprints.ResolvedPlatform, s *blueprints.ResolvedService) bool {
	return cloudOf(p, s) != nil
}

// cloudOf is the service's cloud, nil when it needs no Terraform.
func cloudOf(p *blueprints.ResolvedPlatform, s *blueprints.ResolvedService) cloud {
	if len(s.Base.Dependencies) == 0 {
		return nil
	}
	switch p.Spec.Cloud.Provider {
	case "aws":
		return &aws{}
	case "gcp":
		return &gcp{}
	case "azure":
		return &azure{}
	}
	return nil // none: nothing to create
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
	for _, e := range s.Environments {
		f := newFile("envs/" + e.Name + ".tfvars")
		f.root().str("environment", e.Name)
		out = append(out, generators.File{Path: path.Join(dir, f.name), Data: f.bytes(header), Env: e.Name})
	}
	return out, nil
}

// cloud is one provider's part of a module: the files every module has, and a writer per dependency
// type (validation admits no other types).
type cloud interface {
	name() string
	head(m *module) []*file // versions, providers, variables, main
	tail(m *module) []*file // after the dependencies' files: identity, outputs
	dependency(typ string) func(m *module, f *file, d blueprints.Dependency)
}

// moduleFiles renders a module: the cloud's head files, one file per dependency, then its tail files.
func moduleFiles(c cloud, m *module) ([]*file, error) {
	out := c.head(m)
	for _, d := range m.s.Base.Dependencies {
		if !hclsyntax.ValidIdentifier(label(d.Name)) {
			return nil, fmt.Errorf("%s: dependency %q: not a name Terraform can reference (please report this: validation should have refused it)", m.s.File, d.Name)
		}
		write := c.dependency(d.Type)
		if write == nil {
			return nil, fmt.Errorf("%s: dependency %s: type %q has no %s resources (please report this: validation should have refused it)", m.s.File, d.Name, d.Type, c.name())
		}
		f := newFile(d.Name + ".tf")
		write(m, f, d)
		out = append(out, f)
	}
	return append(out, c.tail(m)...), nil
}

// module is one service's Terraform, with the names its resources share.
type module struct {
	p *blueprints.ResolvedPlatform
	s *blueprints.ResolvedService
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
