package terraform_test

import (
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	sigsyaml "sigs.k8s.io/yaml"

	"github.com/gantry-dev/gantry/generators"
	"github.com/gantry-dev/gantry/generators/gentest"
	"github.com/gantry-dev/gantry/generators/kubernetes"
	"github.com/gantry-dev/gantry/generators/terraform"
	"github.com/gantry-dev/gantry/internal/checkers"
)

// TestKEDANamesTheServiceBusNamespace: KEDA's azure-servicebus trigger reads the namespace from its
// metadata only, so the manifests name the namespace the Terraform creates. For every ScaledObject of
// the examples on an Azure queue, Terraform itself evaluates the name of the module's namespace for
// that environment (local.name and local.unique as written, the subscription the provider is pinned
// to), and it must be the trigger's namespace; the trigger's queue must be the module's queue.
func TestKEDANamesTheServiceBusNamespace(t *testing.T) {
	tf := checkers.Installed(t, "terraform")["terraform"]
	files, err := generators.Run(gentest.LoadExamples(t), []generators.Generator{terraform.New(), kubernetes.New()})
	if err != nil {
		t.Fatal(err)
	}
	data := map[string][]byte{}
	for _, f := range files {
		data[f.Path] = f.Data
	}
	checked := 0
	for _, f := range files {
		if path.Base(f.Path) != "keda.yaml" {
			continue
		}
		for _, doc := range strings.Split(string(f.Data), "\n---\n") {
			var so struct {
				Kind string
				Spec struct {
					Triggers []struct {
						Type     string
						Metadata map[string]string
					}
				}
			}
			if err := sigsyaml.Unmarshal([]byte(doc), &so); err != nil {
				t.Fatalf("%s: %v", f.Path, err)
			}
			if so.Kind != "ScaledObject" || so.Spec.Triggers[0].Type != "azure-servicebus" {
				continue
			}
			md := so.Spec.Triggers[0].Metadata
			service, _, _ := strings.Cut(f.Path, "/kubernetes/")
			env := path.Base(path.Dir(f.Path))
			got := serviceBusNamespace(t, tf, data, service+"/terraform", env, md["queueName"])
			if got != md["namespace"] {
				t.Errorf("%s: the trigger names namespace %q, the Terraform creates %q", f.Path, md["namespace"], got)
			}
			checked++
		}
	}
	if checked == 0 {
		t.Fatal("no azure-servicebus trigger among the examples' manifests")
	}
}

// serviceBusNamespace has Terraform evaluate the name of the Service Bus namespace that holds the
// module's queue of that name, in an environment.
func serviceBusNamespace(t *testing.T, tf string, data map[string][]byte, module, env, queue string) string {
	t.Helper()
	bodies := map[string]*hclsyntax.Body{}
	for p, src := range data {
		if path.Dir(p) == module && strings.HasSuffix(p, ".tf") {
			f, diags := hclsyntax.ParseConfig(src, p, hcl.InitialPos)
			if diags.HasErrors() {
				t.Fatal(diags)
			}
			bodies[p] = f.Body.(*hclsyntax.Body)
		}
	}
	source := func(p string, e hclsyntax.Expression) string {
		r := e.Range()
		return string(data[p][r.Start.Byte:r.End.Byte])
	}
	var subscription, name, unique, namespace string
	var nsLabel string
	for p, b := range bodies {
		for _, blk := range b.Blocks {
			switch {
			case blk.Type == "provider" && blk.Labels[0] == "azurerm":
				if a, ok := blk.Body.Attributes["subscription_id"]; ok {
					subscription = source(p, a.Expr)
				}
			case blk.Type == "locals":
				if a, ok := blk.Body.Attributes["name"]; ok {
					name = source(p, a.Expr)
				}
				if a, ok := blk.Body.Attributes["unique"]; ok {
					unique = source(p, a.Expr)
				}
			case blk.Type == "resource" && blk.Labels[0] == "azurerm_servicebus_queue":
				if source(p, blk.Body.Attributes["name"].Expr) == strconv.Quote(queue) {
					ref := source(p, blk.Body.Attributes["namespace_id"].Expr) // azurerm_servicebus_namespace.<label>.id
					nsLabel = strings.Split(ref, ".")[1]
				}
			}
		}
	}
	for p, b := range bodies {
		for _, blk := range b.Blocks {
			if blk.Type == "resource" && blk.Labels[0] == "azurerm_servicebus_namespace" && blk.Labels[1] == nsLabel {
				namespace = source(p, blk.Body.Attributes["name"].Expr)
			}
		}
	}
	const subRef, envRef = "data.azurerm_client_config.current.subscription_id", "var.environment"
	switch {
	case subscription == "":
		t.Fatalf("%s: the azurerm provider is not pinned to the platform's subscription: names would follow whichever subscription applies", module)
	case namespace == "":
		t.Fatalf("%s: no Service Bus namespace holds a queue %q", module, queue)
	case !strings.Contains(unique, subRef) || !strings.Contains(name, envRef):
		t.Fatalf("%s: local.unique (%s) or local.name (%s) no longer reads %s and %s: update this test", module, unique, name, subRef, envRef)
	}
	dir := t.TempDir()
	locals := "locals {\n  name   = " + strings.ReplaceAll(name, envRef, strconv.Quote(env)) +
		"\n  unique = " + strings.ReplaceAll(unique, subRef, subscription) + "\n}\n"
	if err := os.WriteFile(filepath.Join(dir, "main.tf"), []byte(locals), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(tf, "console")
	cmd.Dir, cmd.Stdin = dir, strings.NewReader(namespace+"\n")
	cmd.Env = append(os.Environ(), "TF_CLI_CONFIG_FILE=/dev/null", "CHECKPOINT_DISABLE=1")
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("terraform console %s with\n%s: %v", namespace, locals, err)
	}
	v, err := strconv.Unquote(strings.TrimSpace(string(out)))
	if err != nil {
		t.Fatalf("terraform console: %q is not a string", out)
	}
	return v
}
