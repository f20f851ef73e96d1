package kubernetes_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gantry-dev/gantry/generators"
	"github.com/gantry-dev/gantry/internal/checkers"
)

const pinned = "docker.io/library/nginx:1.27.3@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

// TestPrebuiltImage: a service that runs a prebuilt image gets it, pinned as written, in the base; its
// overlays have no image component (nothing for CI to pin) and still build with kustomize; it keeps the
// hardening and the zero-trust rules of every service.
func TestPrebuiltImage(t *testing.T) {
	const head = "apiVersion: gantry.dev/v1\nkind: Service\n"
	files := generateInMemory(t, map[string]string{
		"platform.yaml": "apiVersion: gantry.dev/v1\nkind: Platform\nmetadata: {name: acme}\nspec: {mesh: istio, registry: ghcr.io/acme}\n",
		"proxy.yaml":    head + "metadata: {name: proxy, team: web}\nspec: {prebuilt: \"" + pinned + "\", type: web, port: 8080, callers: [shop]}\n",
		"shop.yaml":     head + "metadata: {name: shop, team: web}\nspec: {runtime: go, type: web, port: 8081, calls: [proxy]}\n",
	}, false)
	deploy := string(fileData(t, files, "proxy/kubernetes/base/deployment.yaml"))
	if !strings.Contains(deploy, "image: "+pinned+"\n") {
		t.Errorf("the base does not run the pinned image:\n%s", deploy)
	}
	for _, want := range []string{"runAsNonRoot: true", "readOnlyRootFilesystem: true", "allowPrivilegeEscalation: false"} {
		if !strings.Contains(deploy, want) {
			t.Errorf("the prebuilt service lost %s", want)
		}
	}
	for _, f := range files {
		if strings.HasPrefix(f.Path, "acme/web/proxy/") && strings.Contains(f.Path, "/image/") {
			t.Errorf("%s: a prebuilt image has no image component", f.Path)
		}
		if strings.HasPrefix(f.Path, "acme/web/proxy/") && strings.HasSuffix(f.Path, "overlays/prod/kustomization.yaml") && strings.Contains(string(f.Data), "- image\n") {
			t.Errorf("%s names the image component:\n%s", f.Path, f.Data)
		}
	}
	if !strings.Contains(string(fileData(t, files, "shop/kubernetes/base/deployment.yaml")), "ghcr.io/acme/shop:0.0.0@sha256:") {
		t.Error("the built service lost its placeholder image")
	}

	dir := t.TempDir()
	if _, err := generators.Write(dir, files, generators.WriteOptions{}); err != nil {
		t.Fatal(err)
	}
	overlay := filepath.Join(dir, "acme", "web", "proxy", "kubernetes", "overlays", "prod")
	if _, err := os.Stat(overlay); err != nil {
		t.Fatal(err)
	}
	out, ok := checkers.Run(t, overlay, checkers.GoTool(t, "kustomize"), "build", ".")
	if !ok || !strings.Contains(out, "image: "+pinned) {
		t.Errorf("kustomize build of the prod overlay:\n%s", out)
	}
}
