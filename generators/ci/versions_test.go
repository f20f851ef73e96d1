package ci

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/gantry-dev/gantry/blueprints/catalog"
	"github.com/gantry-dev/gantry/templates"
)

// TestVersionsAgree: a runtime's version is written in several places that nothing else ties together:
// the CI job's image and setup action (the runtime catalogue), the Dockerfile's build image
// (templates/dockerfiles), the skeletons of gantry new (templates/scaffold), the pipelines' Go and
// Terraform (ci.go) and the versions `make test` checks with (hack/). They must agree.
func TestVersionsAgree(t *testing.T) {
	from := regexp.MustCompile(`(?m)^FROM ([^:@\s]+):([^@\s]+)@sha256:[0-9a-f]{64} AS build$`)
	runtimes := map[string]catalog.Runtime{}
	for _, r := range catalog.Runtimes() {
		runtimes[r.Name] = r
	}
	for name, r := range runtimes {
		df, _, err := templates.Dockerfile(name, templates.DockerfileData{Marker: "x", Name: "demo", Source: "services/demo", Port: 8080})
		if err != nil {
			t.Fatal(err)
		}
		m := from.FindSubmatch(df)
		if m == nil {
			t.Errorf("%s: no pinned build stage in the Dockerfile", name)
			continue
		}
		if string(m[1]) != r.Build.Name || string(m[2]) != r.Build.Version {
			t.Errorf("%s: the Dockerfile builds in %s:%s, CI's jobs run in %s:%s", name, m[1], m[2], r.Build.Name, r.Build.Version)
		}
		for _, kv := range r.SetupWith {
			if strings.HasSuffix(kv.Key, "-version") && !kv.InSource && !strings.HasPrefix(kv.Value, strings.TrimSuffix(r.Build.Version, "-slim-trixie")) &&
				!strings.HasPrefix(r.Build.Version, strings.TrimSuffix(kv.Value, ".x")) {
				t.Errorf("%s: %s %s does not match the image's %s", name, kv.Key, kv.Value, r.Build.Version)
			}
		}
	}
	if goImage := runtimes["go"].Build.Version; goImage != goVersion {
		t.Errorf("goVersion %s, the Go image %s", goVersion, goImage)
	}
	if !strings.Contains(runtimes["rust"].Steps[0].Run, "install "+strings.TrimSuffix(runtimes["rust"].Build.Version, "-slim-trixie")+" ") {
		t.Errorf("the rust toolchain step does not install the image's %s", runtimes["rust"].Build.Version)
	}

	skeleton := func(runtime, path string) string {
		files, err := templates.Skeleton(runtime, "demo", map[string]any{"Name": "demo", "Type": "web", "Port": 8080,
			"MetricsPort": 9090, "Web": true, "Worker": false, "Once": false, "Metrics": true})
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range files {
			if f.Path == path {
				return string(f.Data)
			}
		}
		t.Fatalf("%s skeleton has no %s", runtime, path)
		return ""
	}
	if gomod := skeleton("go", "go.mod"); !strings.Contains(gomod, "\ngo "+goVersion+"\n") {
		t.Errorf("the Go skeleton's go.mod does not say go %s:\n%s", goVersion, gomod)
	}
	if csproj := skeleton("dotnet", "demo.csproj"); !strings.Contains(csproj, "<TargetFramework>net"+runtimes["dotnet"].Build.Version+"</TargetFramework>") {
		t.Errorf("the .NET skeleton does not target net%s", runtimes["dotnet"].Build.Version)
	}

	script, err := os.ReadFile(filepath.Join("..", "..", "hack", "install-tools.sh"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(script), "\nTERRAFORM_VERSION=v"+terraformVersion+"\n") {
		t.Errorf("the pipelines run Terraform %s; hack/install-tools.sh checks with another", terraformVersion)
	}
	kube := regexp.MustCompile(`\nKUBE_VERSION=v(1\.\d+)\.(\d+)\n`).FindSubmatch(script)
	schemas, err := os.ReadFile(filepath.Join("..", "..", "hack", "kube-schemas.sh"))
	if err != nil {
		t.Fatal(err)
	}
	if kube == nil || !strings.Contains(string(schemas), string(kube[1])+") echo v"+string(kube[1])+"."+string(kube[2])+" ;;") {
		t.Errorf("KUBE_VERSION of hack/install-tools.sh is not the patch release hack/kube-schemas.sh pins for its minor")
	}
}
