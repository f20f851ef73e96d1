package gitops_test

import (
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/gantry-dev/gantry/generators"
	"github.com/gantry-dev/gantry/generators/gentest"
	"github.com/gantry-dev/gantry/generators/gitops"
	"github.com/gantry-dev/gantry/generators/kubernetes"
	"github.com/gantry-dev/gantry/internal/checkers"
)

func generate(t testing.TB) []generators.File {
	t.Helper()
	files, err := generators.Run(gentest.LoadExamples(t), []generators.Generator{gitops.New()})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

func TestGolden(t *testing.T) {
	gentest.Golden(t, "testdata/golden", generate(t))
}

// TestPathsPointAtOverlays: every Application and Flux Kustomization names a folder that the
// kubernetes target generates, under the platform's gitops.path.
func TestPathsPointAtOverlays(t *testing.T) {
	res := gentest.LoadExamples(t)
	all, err := generators.Run(res, []generators.Generator{kubernetes.New(), gitops.New()})
	if err != nil {
		t.Fatal(err)
	}
	dirs := map[string]bool{}
	for _, f := range all {
		dirs[path.Dir(f.Path)] = true
	}
	prefix := map[string]string{}
	for _, p := range res.Platforms {
		prefix[p.Name] = p.Spec.GitOps.Path
	}
	checked := 0
	for _, f := range all {
		if f.Target != "gitops" {
			continue
		}
		platform, _, _ := strings.Cut(f.Path, "/")
		for _, line := range strings.Split(string(f.Data), "\n") {
			p, ok := strings.CutPrefix(strings.TrimSpace(line), "path: ")
			if !ok {
				continue
			}
			p = strings.TrimPrefix(p, "./")
			rel, ok := p, true
			if pre := path.Clean(prefix[platform]); pre != "." {
				rel, ok = strings.CutPrefix(p, pre+"/")
			}
			if !ok || !dirs[rel] {
				t.Errorf("%s points at %s, which is not a generated folder under %s", f.Path, p, prefix[platform])
			}
			checked++
		}
	}
	if checked == 0 {
		t.Fatal("no paths found")
	}
}

// TestProductionSyncsByHand: Argo CD syncs non-production by itself, production only when a person
// presses sync.
func TestProductionSyncsByHand(t *testing.T) {
	for _, f := range generate(t) {
		if !strings.Contains(string(f.Data), "kind: Application\n") || !strings.Contains(f.Path, "/gitops/") {
			continue
		}
		auto := strings.Contains(string(f.Data), "automated:")
		prod := f.Env == "prod"
		if prod == auto {
			t.Errorf("%s: automated sync %v in environment %s", f.Path, auto, f.Env)
		}
	}
}

// built builds every environment folder with kustomize, one file per folder.
func built(t *testing.T) map[string]string {
	t.Helper()
	out := t.TempDir()
	files := generate(t)
	if _, err := generators.Write(out, files, generators.WriteOptions{}); err != nil {
		t.Fatal(err)
	}
	kustomize := checkers.GoTool(t, "kustomize")
	result := map[string]string{}
	for _, f := range files {
		if path.Base(f.Path) != "kustomization.yaml" || strings.HasSuffix(path.Dir(f.Path), "/projects") {
			continue
		}
		yaml, ok := checkers.Run(t, filepath.Join(out, path.Dir(f.Path)), kustomize, "build", ".")
		if !ok {
			t.Fatalf("kustomize build %s:\n%s", path.Dir(f.Path), yaml)
		}
		result[path.Dir(f.Path)] = yaml
	}
	if len(result) == 0 {
		t.Fatal("nothing built")
	}
	return result
}

// TestKubeconform validates every built environment folder against the Argo CD and Flux CRDs' schemas.
func TestKubeconform(t *testing.T) {
	kubeconform := checkers.GoTool(t, "kubeconform")
	args := []string{"-strict", "-summary", "-output", "text"}
	for name, dir := range checkers.Installed(t, "crds") {
		if strings.HasPrefix(name, "crds/") {
			args = append(args, "-schema-location", filepath.Join(dir, "schemas", "{{ .Group }}", "{{ .ResourceKind }}_{{ .ResourceAPIVersion }}.json"))
		}
	}
	dir := t.TempDir()
	var files []string
	for name, yaml := range built(t) {
		f := filepath.Join(dir, strings.ReplaceAll(name, "/", "__")+".yaml")
		if err := os.WriteFile(f, []byte(yaml), 0o644); err != nil {
			t.Fatal(err)
		}
		files = append(files, f)
	}
	slices.Sort(files)
	out, ok := checkers.Run(t, dir, kubeconform, append(args, files...)...)
	if !ok || strings.Contains(out, "Invalid: ") && !strings.Contains(out, "Invalid: 0, Errors: 0") {
		t.Errorf("kubeconform:\n%s", out)
	}
	if !strings.Contains(out, "Skipped: 0") {
		t.Errorf("kubeconform skipped objects:\n%s", out)
	}
}

// TestAPIServerDryRun applies every environment folder to a real API server with the engines' CRDs:
// zero errors, zero warnings.
func TestAPIServerDryRun(t *testing.T) {
	srv := checkers.StartAPIServer(t)
	srv.InstallCRDs(t)
	for _, ns := range []string{gitops.ArgoNamespace, gitops.FluxNamespace} {
		if out, err := srv.Kubectl(t, "create", "namespace", ns); err != nil && !strings.Contains(out, "AlreadyExists") {
			t.Fatalf("creating %s: %v\n%s", ns, err, out)
		}
	}
	for name, yaml := range built(t) {
		out, err := srv.KubectlInput(t, []byte(yaml), "apply", "--server-side", "--dry-run=server", "--field-manager=gantry-test", "-f", "-")
		if err != nil || strings.Contains(out, "Warning:") {
			t.Errorf("%s: %v\n%s", name, err, out)
		}
	}
}
