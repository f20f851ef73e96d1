package kubernetes_test

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/gantry-dev/gantry/generators"
	"github.com/gantry-dev/gantry/generators/gentest"
	"github.com/gantry-dev/gantry/internal/checkers"
)

// rendered is the examples' output on disk, with every kustomization built: what the checkers read.
type rendered struct {
	dir   string            // the generated tree
	built string            // one file per built kustomization, named after its folder
	kube  map[string]string // platform root -> Kubernetes minor version
}

var (
	renderOnce sync.Once
	renderDir  string
)

// render writes the examples' output and builds every kustomization with the pinned kustomize.
func render(t *testing.T) rendered {
	t.Helper()
	renderOnce.Do(func() {
		var err error
		if renderDir, err = os.MkdirTemp("", "gantry-verify-*"); err != nil {
			t.Fatal(err)
		}
	})
	r := rendered{dir: filepath.Join(renderDir, "out"), built: filepath.Join(renderDir, "built"), kube: map[string]string{}}
	for _, p := range gentest.LoadExamples(t).Platforms {
		r.kube[generators.Root(p)] = p.Spec.KubernetesVersion
	}
	if _, err := os.Stat(r.built); err == nil {
		return r
	}
	if _, err := generators.Write(r.dir, generate(t), generators.WriteOptions{}); err != nil {
		t.Fatal(err)
	}
	kustomize := checkers.GoTool(t, "kustomize")
	var dirs []string
	err := filepath.WalkDir(r.dir, func(p string, d os.DirEntry, err error) error {
		// An overlay's image/ folder is a kustomize Component: built as part of its overlay.
		if err == nil && d.Name() == "kustomization.yaml" && filepath.Base(filepath.Dir(p)) != "image" {
			dirs = append(dirs, filepath.Dir(p))
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	tmp := r.built + ".tmp"
	if err := os.MkdirAll(tmp, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, d := range dirs {
		out, ok := checkers.Run(t, d, kustomize, "build", ".")
		rel, _ := filepath.Rel(r.dir, d)
		if !ok {
			t.Fatalf("kustomize build %s:\n%s", rel, out)
		}
		name := strings.ReplaceAll(filepath.ToSlash(rel), "/", "__") + ".yaml"
		if err := os.WriteFile(filepath.Join(tmp, name), []byte(out), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Rename(tmp, r.built); err != nil {
		t.Fatal(err)
	}
	return r
}

func TestMain(m *testing.M) {
	code := m.Run()
	// Synchronously, rather than when the supervisors see the binary's pipe close (see StartAPIServer).
	if err := checkers.StopAPIServer(); err != nil {
		fmt.Fprintln(os.Stderr, "stopping the API server:", err)
	}
	if renderDir != "" {
		os.RemoveAll(renderDir)
	}
	os.Exit(code)
}

// TestKustomizeBuild: every base, overlay and namespace folder builds (render fails otherwise), and
// every overlay holds the workload.
func TestKustomizeBuild(t *testing.T) {
	r := render(t)
	entries, err := os.ReadDir(r.built)
	if err != nil {
		t.Fatal(err)
	}
	overlays := 0
	for _, e := range entries {
		if strings.Contains(e.Name(), "__overlays__") {
			overlays++
			data, _ := os.ReadFile(filepath.Join(r.built, e.Name()))
			if !strings.Contains(string(data), "kind: Deployment") && !strings.Contains(string(data), "kind: CronJob") && !strings.Contains(string(data), "kind: Job") {
				t.Errorf("%s has no workload", e.Name())
			}
		}
	}
	if overlays == 0 {
		t.Fatal("no overlays were built")
	}
}

// TestKubeconform validates every generated object and every built kustomization against the
// Kubernetes version's schemas (made from the k8s.io/kubernetes module's OpenAPI document) and the
// CRDs' own schemas, strictly: unknown fields are errors.
func TestKubeconform(t *testing.T) {
	r := render(t)
	kubeconform := checkers.GoTool(t, "kubeconform")
	tools := checkers.Installed(t, "crds")
	var crdLocations []string
	for name, dir := range tools {
		if strings.HasPrefix(name, "crds/") {
			crdLocations = append(crdLocations, "-schema-location",
				filepath.Join(dir, "schemas", "{{ .Group }}", "{{ .ResourceKind }}_{{ .ResourceAPIVersion }}.json"))
		}
	}
	skip := checkers.Exceptions(t, "kubeconform")
	for platform, minor := range r.kube {
		schemas, version := checkers.SchemaDir(t, minor)
		args := append([]string{"-strict", "-summary", "-output", "text", "-kubernetes-version", version,
			"-schema-location", schemas}, crdLocations...)
		if len(skip) > 0 {
			args = append(args, "-skip", strings.Join(skip, ","))
		}
		// Patches are partial objects (checked once built) and kustomizations are not Kubernetes objects.
		var files []string
		filepath.WalkDir(filepath.Join(r.dir, platform), func(p string, d os.DirEntry, err error) error {
			if err == nil && !d.IsDir() && d.Name() != "kustomization.yaml" && !strings.HasPrefix(d.Name(), "patch-") {
				files = append(files, p)
			}
			return err
		})
		built, _ := filepath.Glob(filepath.Join(r.built, platform+"__*.yaml"))
		files = append(files, built...)
		if len(files) == 0 {
			t.Fatalf("no files for %s", platform)
		}
		out, ok := checkers.Run(t, r.dir, kubeconform, append(args, files...)...)
		var problems []string
		for _, line := range strings.Split(out, "\n") {
			if line != "" && !strings.HasPrefix(line, "Summary:") {
				problems = append(problems, line)
			}
		}
		if !ok || len(problems) > 0 {
			t.Errorf("kubeconform on %s (Kubernetes %s):\n%s", platform, version, strings.Join(problems, "\n"))
		}
	}
}

// TestKubeScore scores every built overlay: no CRITICAL and no WARNING outside the exceptions file.
func TestKubeScore(t *testing.T) {
	r := render(t)
	kubeScore := checkers.GoTool(t, "kube-score")
	ignored := checkers.Exceptions(t, "kube-score")
	overlays, _ := filepath.Glob(filepath.Join(r.built, "*__overlays__*.yaml"))
	for _, f := range overlays {
		args := []string{"score", "--output-format", "ci"}
		for _, rule := range ignored {
			args = append(args, "--ignore-test", rule)
		}
		out, _ := checkers.Run(t, r.built, kubeScore, append(args, f)...)
		var problems []string
		for _, line := range strings.Split(out, "\n") {
			if strings.HasPrefix(line, "[CRITICAL]") || strings.HasPrefix(line, "[WARNING]") {
				problems = append(problems, line)
			}
		}
		if len(problems) > 0 {
			t.Errorf("kube-score %s:\n%s", filepath.Base(f), strings.Join(problems, "\n"))
		}
	}
}

// trivyReport is the part of `trivy config --format json` the test reads.
type trivyReport struct {
	Results []struct {
		Target            string
		Misconfigurations []struct {
			ID, AVDID, Title, Severity, Status, Message string
		}
	}
}

// TestTrivyConfig scans every built overlay and namespace with trivy's embedded checks: zero findings
// of any severity outside the exceptions file.
func TestTrivyConfig(t *testing.T) {
	r := render(t)
	trivy := checkers.Installed(t, "trivy")["trivy"]
	ignored := checkers.Exceptions(t, "trivy")
	// KSV-0125 (trusted registries) is configured the way its authors intend: the trusted registries
	// are the organisation's own, here each platform's spec.registry host.
	var registries []string
	for _, p := range gentest.LoadExamples(t).Platforms {
		registries = append(registries, strings.SplitN(p.Spec.Registry, "/", 2)[0])
	}
	data, _ := json.Marshal(map[string]any{"ksv0125": map[string]any{"trusted_registries": registries}})
	dataDir := filepath.Join(renderDir, "trivy-data")
	if err := os.MkdirAll(dataDir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dataDir, "registries.json"), data, 0o644); err != nil {
		t.Fatal(err)
	}
	out, ok := checkers.Run(t, r.built, trivy, "config", "--skip-check-update", "--quiet", "--format", "json",
		"--config-data", dataDir, "--cache-dir", filepath.Join(renderDir, "trivy-cache"), "--exit-code", "0", ".")
	if !ok {
		t.Fatalf("trivy config failed:\n%s", out)
	}
	var rep trivyReport
	if err := json.Unmarshal([]byte(out[strings.Index(out, "{"):]), &rep); err != nil {
		t.Fatalf("trivy output: %v\n%s", err, out)
	}
	scanned := 0
	for _, res := range rep.Results {
		scanned++
		for _, m := range res.Misconfigurations {
			if m.Status != "FAIL" || slices.Contains(ignored, m.ID) || slices.Contains(ignored, m.AVDID) {
				continue
			}
			t.Errorf("%s: %s %s (%s): %s", res.Target, m.ID, m.Severity, m.Title, m.Message)
		}
	}
	if scanned == 0 {
		t.Error("trivy scanned nothing")
	}
}
