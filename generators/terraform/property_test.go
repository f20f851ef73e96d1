package terraform_test

import (
	"flag"
	"math/rand/v2"
	"path"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	sigsyaml "sigs.k8s.io/yaml"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"

	"github.com/gantry-dev/gantry/blueprints"
	"github.com/gantry-dev/gantry/generators"
	"github.com/gantry-dev/gantry/generators/gentest"
	"github.com/gantry-dev/gantry/generators/kubernetes"
	"github.com/gantry-dev/gantry/generators/terraform"
	"github.com/gantry-dev/gantry/internal/checkers"
)

var samples = flag.Int("samples", 150, "random blueprints in the property test (split over the three clouds)")

// checkSecretKeys: every credential an ExternalSecret reads (remoteRef with property password) is a
// secret the same service's Terraform writes under that exact name.
func checkSecretKeys(t *testing.T, files []generators.File) {
	t.Helper()
	tf := map[string]string{} // service folder -> its Terraform, joined
	for _, f := range files {
		if f.Target == "terraform" {
			dir := path.Dir(path.Dir(f.Path))
			tf[dir] += string(f.Data)
		}
	}
	checked := 0
	for _, f := range files {
		// The service's own ExternalSecret (base) and each dependency's credentials (overlays).
		name := path.Base(f.Path)
		if name != "externalsecret.yaml" && !strings.HasPrefix(name, "dependency-") {
			continue
		}
		dir, _, _ := strings.Cut(f.Path, "/kubernetes/")
		for _, doc := range strings.Split(string(f.Data), "\n---\n") {
			var es struct {
				Kind string `json:"kind"`
				Spec struct {
					Data []struct {
						RemoteRef struct{ Key, Property string } `json:"remoteRef"`
					} `json:"data"`
				} `json:"spec"`
			}
			if err := sigsyaml.Unmarshal([]byte(doc), &es); err != nil {
				t.Fatalf("%s: %v", f.Path, err)
			}
			if es.Kind != "ExternalSecret" {
				continue
			}
			for _, d := range es.Spec.Data {
				if d.RemoteRef.Property != "password" {
					continue // a secret of spec.secrets: put in the store by people, not Terraform
				}
				checked++
				if !strings.Contains(tf[dir], strconv.Quote(d.RemoteRef.Key)) {
					t.Errorf("%s reads %q, which the service's Terraform does not write", f.Path, d.RemoteRef.Key)
				}
			}
		}
	}
	if checked == 0 {
		t.Error("no dependency credentials were read by any ExternalSecret")
	}
}

// TestPropertyTerraform generates random blueprints on each cloud (random runtimes, types and 0 to 3
// dependencies of every type and size) and checks the Terraform of every one: it parses, every block
// matches its provider's schema, `terraform fmt` has nothing to change, tflint finds nothing in a
// sample of modules, and it writes what the Kubernetes manifests read: the connection settings
// (blueprints.DependencyEnv of each dependency) in the ConfigMap they name, and the credentials under
// the secret names their ExternalSecrets use.
func TestPropertyTerraform(t *testing.T) {
	tf := checkers.Installed(t, "terraform")["terraform"]
	tflint := checkers.Installed(t, "tflint")["tflint"]
	config := filepath.Join(checkers.Root, "tools", "tflint.hcl")
	r := rand.New(rand.NewPCG(11, uint64(*samples)))
	for _, cloud := range []string{"aws", "gcp", "azure"} {
		t.Run(cloud, func(t *testing.T) {
			res, _, all := gentest.GenerateRandom(t, max(*samples/3, 1), r, gentest.RandomOptions{Name: "prop-" + cloud, Cloud: cloud, CI: "none", Mesh: "none"}, terraform.New(), kubernetes.New())
			var files []generators.File
			for _, f := range all {
				if f.Target == "terraform" {
					files = append(files, f)
				}
			}
			checkSecretKeys(t, all)
			if checkSchemas(t, files) == 0 {
				t.Fatal("no block was checked")
			}
			byPath := map[string][]byte{}
			var modules []string
			for _, f := range files {
				byPath[f.Path] = f.Data
				if path.Base(f.Path) == "versions.tf" {
					modules = append(modules, path.Dir(f.Path))
				}
			}
			for _, p := range res.Platforms {
				for _, s := range p.Services {
					var want []string
					for _, d := range s.Base.Dependencies {
						want = append(want, blueprints.DependencyEnv(d)...)
					}
					dir := path.Join(generators.ServiceDir(p, s), "terraform")
					data, ok := byPath[path.Join(dir, "outputs.tf")]
					if len(want) == 0 {
						if ok {
							t.Errorf("%s: a module for a service without dependencies", dir)
						}
						continue
					}
					name, keys := configMap(t, dir, data)
					slices.Sort(want)
					if name != blueprints.DependencyConfigMap(s.Name) || !slices.Equal(keys, want) {
						t.Errorf("%s: ConfigMap %q has %v, the manifests read %q with %v", dir, name, keys, blueprints.DependencyConfigMap(s.Name), want)
					}
				}
			}
			out := t.TempDir()
			if _, err := generators.Write(out, files, generators.WriteOptions{}); err != nil {
				t.Fatal(err)
			}
			if msg, ok := checkers.Run(t, out, tf, "fmt", "-check", "-recursive", "-diff", "."); !ok {
				t.Errorf("terraform fmt -check:\n%s", msg)
			}
			slices.Sort(modules)
			for i, m := range modules {
				if i%max(len(modules)/4, 1) != 0 {
					continue // tflint takes a fraction of a second a module: four per cloud
				}
				d := filepath.Join(out, filepath.FromSlash(m))
				if msg, ok := checkers.Run(t, d, tflint, "--config", config, "--chdir", d); !ok || strings.TrimSpace(msg) != "" {
					t.Errorf("tflint %s:\n%s", m, msg)
				}
			}
		})
	}
}

// configMap reads the name and the sorted data keys of the dependencies ConfigMap in outputs.tf.
func configMap(t *testing.T, dir string, data []byte) (string, []string) {
	t.Helper()
	file, diags := hclsyntax.ParseConfig(data, dir+"/outputs.tf", hcl.InitialPos)
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	for _, b := range file.Body.(*hclsyntax.Body).Blocks {
		if b.Type != "resource" || b.Labels[0] != "kubernetes_config_map_v1" {
			continue
		}
		var name string
		for _, mb := range b.Body.Blocks {
			if mb.Type == "metadata" {
				if v, diags := mb.Body.Attributes["name"].Expr.Value(nil); !diags.HasErrors() {
					name = v.AsString()
				}
			}
		}
		var keys []string
		obj, ok := b.Body.Attributes["data"].Expr.(*hclsyntax.ObjectConsExpr)
		if !ok {
			t.Fatalf("%s: data is not an object", dir)
		}
		for _, item := range obj.Items {
			k, diags := item.KeyExpr.Value(nil)
			if diags.HasErrors() {
				t.Fatalf("%s: %s", dir, diags.Error())
			}
			keys = append(keys, k.AsString())
		}
		slices.Sort(keys)
		return name, keys
	}
	t.Fatalf("%s: no kubernetes_config_map_v1", dir)
	return "", nil
}
