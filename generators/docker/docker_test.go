package docker_test

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/gantry-dev/gantry/blueprints"
	"github.com/gantry-dev/gantry/generators"
	"github.com/gantry-dev/gantry/generators/docker"
	"github.com/gantry-dev/gantry/generators/gentest"
)

func TestGolden(t *testing.T) {
	files, err := generators.Run(gentest.LoadExamples(t), []generators.Generator{docker.New()})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		if f.Kind != generators.RepoDefault {
			t.Errorf("%s must go to the repository root and never replace the user's own", f.Path)
		}
	}
	gentest.Golden(t, "testdata/golden", files)
}

const platform = `apiVersion: gantry.dev/v1
kind: Platform
metadata: {name: builds}
spec:
  registry: ghcr.io/acme
  cloud: {provider: none}
  ci: github
  gitops: {engine: argocd, repoURL: "https://github.com/acme/gitops.git", path: deploy, branch: main}
  environments: [dev, prod]
`

// load writes the platform and one service whose spec ends with extra, and loads them.
func load(t *testing.T, extra string) *blueprints.Resolved {
	t.Helper()
	dir := t.TempDir()
	svc := "apiVersion: gantry.dev/v1\nkind: Service\nmetadata: {name: svc, team: platform}\nspec:\n  type: worker\n" + extra
	for name, data := range map[string]string{"platform.yaml": platform, "svc.yaml": svc} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	res, diags := blueprints.Load(blueprints.LoadOptions{Paths: []string{dir}, Root: dir})
	if diags.HasErrors(false) {
		t.Fatalf("blueprints do not validate:\n%v", diags)
	}
	return res
}

// TestWhichDockerfile: Gantry writes a Dockerfile and .dockerignore for the runtime, with the source
// folder as the build context; none for a prebuilt image or when the blueprint names the user's own
// Dockerfile (even at the default path); and refuses a build context its Dockerfile cannot build from.
func TestWhichDockerfile(t *testing.T) {
	for _, c := range []struct {
		name, spec string
		files      []string
		err        string
	}{
		{"runtime", "  runtime: go\n", []string{"services/svc/Dockerfile", "services/svc/.dockerignore"}, ""},
		{"context is the source folder", "  runtime: go\n  build: {context: services/svc, test: make test}\n", []string{"services/svc/Dockerfile", "services/svc/.dockerignore"}, ""},
		{"prebuilt", "  prebuilt: docker.io/library/nginx:1.27.3@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\n", nil, ""},
		{"the user's Dockerfile", "  runtime: go\n  build: {context: ., dockerfile: build/svc.Dockerfile}\n", nil, ""},
		{"the user's Dockerfile at the default path", "  runtime: node\n  build: {dockerfile: services/svc/Dockerfile}\n", nil, ""},
		// Another context without a Dockerfile is refused by validation (blueprints' TestRuleBuild).
	} {
		t.Run(c.name, func(t *testing.T) {
			files, err := generators.Run(load(t, c.spec), []generators.Generator{docker.New()})
			if c.err != "" {
				if err == nil || !strings.Contains(err.Error(), c.err) {
					t.Fatalf("error %v, want one saying %q", err, c.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, f := range files {
				got = append(got, f.Path)
			}
			slices.Sort(got)
			want := slices.Sorted(slices.Values(c.files))
			if !slices.Equal(got, want) {
				t.Errorf("files %v, want %v", got, want)
			}
		})
	}
}
