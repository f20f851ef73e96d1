package kubernetes_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gantry-dev/gantry/generators"
	"github.com/gantry-dev/gantry/generators/gentest"
	"github.com/gantry-dev/gantry/generators/kubernetes"
)

// customize writes files into a service's component under root.
func customize(t *testing.T, root, dir string, files map[string]string) {
	t.Helper()
	for name, data := range files {
		p := filepath.Join(root, dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

const payments = "acme/billing/payments/kubernetes/"

// TestCheckCustom runs on files held in memory and on files whose content a Spill keeps (a large
// platform's): the findings are the same.
func TestCheckCustom(t *testing.T) {
	for _, spill := range []bool{false, true} {
		t.Run(map[bool]string{false: "in memory", true: "spilled"}[spill], func(t *testing.T) { checkCustom(t, spill) })
	}
}

func checkCustom(t *testing.T, spill bool) {
	var s *generators.Spill
	if spill {
		budget := generators.SpillAbove
		generators.SpillAbove = 0
		s = generators.NewSpill(t.TempDir())
		generators.SpillAbove = budget
		defer s.Close()
	}
	files, err := generators.RunCached(gentest.LoadChecked(t), []generators.Generator{kubernetes.New()}, nil, s)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		if spilled := f.Data == nil && f.Hash != "" && !f.Known(); spilled != spill { // the platform-wide files too
			t.Fatalf("%s: spilled %v", f.Path, spilled)
		}
	}
	root := t.TempDir()
	if _, err := generators.Write(root, files, generators.WriteOptions{}); err != nil {
		t.Fatal(err)
	}
	if got := kubernetes.CheckCustom(files, os.DirFS(root)); len(got) != 0 {
		t.Fatalf("seeded components: %v", got)
	}
	customize(t, root, payments+"custom", map[string]string{
		"kustomization.yaml": "apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\npatches:\n  - path: tolerations.yaml\n  - path: drop.yaml\n    target: {kind: Deployment, name: payments}\n",
		"tolerations.yaml":   "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: payments\n  namespace: billing\nspec:\n  template:\n    spec:\n      tolerations:\n        - {key: dedicated, operator: Exists}\n",
		"drop.yaml":          "- op: remove\n  path: /spec/template/spec/securityContext/runAsNonRoot\n",
	})
	got := kubernetes.CheckCustom(files, os.DirFS(root))
	t.Log(got)
	if len(got) != 1 || got[0].File != payments+"custom/drop.yaml" || got[0].Setting != "runAsNonRoot" || got[0].Allowed != "" {
		t.Fatalf("dropping runAsNonRoot: %v", got)
	}
	if !strings.Contains(got[0].String(), "gantry:allow runAsNonRoot") {
		t.Errorf("no hint: %s", got[0])
	}
	if spill {
		// Generated content that cannot be read back is never a pass: the overlay is reported unchecked.
		s.Close()
		got := kubernetes.CheckCustom(files, os.DirFS(root))
		payments := false
		for _, f := range got {
			if f.Setting != "build" || !strings.Contains(f.Message, "could not be checked") {
				t.Fatalf("the spill gone: %v", f)
			}
			payments = payments || strings.HasPrefix(f.File, "acme/billing/payments/")
		}
		if !payments {
			t.Fatalf("the spill gone: payments' customized overlays are not reported: %d findings", len(got))
		}
	}
}

// The other findings: a marked weakening is allowed with its reason, a patch that matches nothing
// does not apply, an extra NetworkPolicy widens the traffic allowed, a sidecar must keep the settings.
func TestCheckCustomFindings(t *testing.T) {
	files, err := generators.Run(gentest.LoadChecked(t), []generators.Generator{kubernetes.New()})
	if err != nil {
		t.Fatal(err)
	}
	kz := "apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\n"
	for _, tc := range []struct {
		name, dir string
		files     map[string]string
		file      string // blamed
		setting   string
		allowed   string
	}{
		{"allowed", "custom", map[string]string{
			"kustomization.yaml": kz + "patches:\n  - path: probe.yaml\n    target: {kind: Deployment}\n",
			"probe.yaml":         "# gantry:allow probes the app has no liveness endpoint yet\n- op: remove\n  path: /spec/template/spec/containers/0/livenessProbe\n",
		}, "custom/probe.yaml", "livenessProbe", "the app has no liveness endpoint yet"},
		{"no longer applies", "overlays/prod/custom", map[string]string{
			"kustomization.yaml": kz + "patches:\n  - path: gone.yaml\n",
			"gone.yaml":          "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: renamed\n  namespace: billing\nspec:\n  replicas: 3\n",
		}, "overlays/prod/custom/gone.yaml", "build", ""},
		{"network policy", "custom", map[string]string{
			"kustomization.yaml": kz + "resources:\n  - allow-all.yaml\n",
			"allow-all.yaml":     "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: allow-all\n  namespace: billing\nspec:\n  podSelector: {}\n  ingress:\n    - {}\n",
		}, "custom/allow-all.yaml", "networkPolicy", ""},
		{"sidecar", "custom", map[string]string{
			"kustomization.yaml": kz + "patches:\n  - path: sidecar.yaml\n",
			"sidecar.yaml":       "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: payments\n  namespace: billing\nspec:\n  template:\n    spec:\n      containers:\n        - name: proxy\n          image: example.com/proxy@sha256:0000000000000000000000000000000000000000000000000000000000000000\n",
		}, "custom/sidecar.yaml", "allowPrivilegeEscalation", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			root := t.TempDir()
			if _, err := generators.Write(root, files, generators.WriteOptions{}); err != nil {
				t.Fatal(err)
			}
			customize(t, root, payments+tc.dir, tc.files)
			got := kubernetes.CheckCustom(files, os.DirFS(root))
			if len(got) == 0 || got[0].File != payments+tc.file || got[0].Setting != tc.setting || got[0].Allowed != tc.allowed {
				t.Fatalf("got %v", got)
			}
			t.Log(got[0])
		})
	}
}
