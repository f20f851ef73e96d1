package kubernetes_test

import (
	"bytes"
	"errors"
	"io"
	"maps"
	"os/exec"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/gantry-dev/gantry/generators"
	"github.com/gantry-dev/gantry/generators/gentest"
	"github.com/gantry-dev/gantry/generators/kubernetes"
	"github.com/gantry-dev/gantry/internal/checkers"
)

// TestAPIServerDryRun applies the examples' output to a real kube-apiserver, which checks what no
// schema does: admission (Pod Security "restricted", from the namespaces' labels), defaulting and
// validation of every built-in kind and of the CRDs' kinds. Per platform, each namespace folder is
// applied for real, then every overlay and base is applied as a server-side dry run. Any error and
// any warning kubectl prints fails the test. Objects of the API groups listed for the apiserver
// checker in internal/checkers/exceptions.yaml (Linkerd's, whose CRDs cannot be installed) are left
// out and logged.
func TestAPIServerDryRun(t *testing.T) {
	srv := checkers.StartAPIServer(t)
	srv.InstallCRDs(t)
	kustomize := checkers.GoTool(t, "kustomize")
	skipGroups := checkers.Exceptions(t, "apiserver")

	// The examples, the apps, the imports, and a fresh `gantry new` service with a postgres dependency
	// on the built-in platform: its in-cluster Postgres and connection settings must be admitted too.
	res := gentest.LoadChecked(t)
	res.Platforms = append(res.Platforms, gentest.NewServicePlatform(t))
	files, err := generators.Run(res, []generators.Generator{kubernetes.New()})
	if err != nil {
		t.Fatal(err)
	}
	registries := map[string]string{} // by platform folder
	for _, p := range res.Platforms {
		registries[generators.Root(p)] = p.Spec.Registry
	}
	out := t.TempDir()
	if _, err := generators.Write(out, files, generators.WriteOptions{}); err != nil {
		t.Fatal(err)
	}

	platforms := kustomizationDirs(files)
	if len(platforms) == 0 {
		t.Fatal("no kustomization among the examples' output")
	}
	var mu sync.Mutex
	skipped := map[string]int{} // by API group
	applied := 0                // documents sent to the server
	apply := func(t *testing.T, dir string, dryRun bool) {
		built := build(t, kustomize, filepath.Join(out, dir))
		kept, n, left := withoutGroups(t, built, skipGroups)
		mu.Lock()
		for _, obj := range left {
			skipped[obj.group]++
			t.Logf("not applied: %s %s (API group %s is excepted in internal/checkers/exceptions.yaml)", obj.kind, obj.name, obj.group)
		}
		applied += n
		mu.Unlock()
		if len(kept) == 0 {
			return
		}
		args := []string{"apply", "--server-side", "--field-manager=gantry-test", "-f", "-"}
		if dryRun {
			args = append(args, "--dry-run=server")
		}
		res, err := srv.KubectlInput(t, kept, args...)
		// kubectl prints warnings (Pod Security, deprecated APIs, unknown fields) but exits 0.
		for line := range strings.Lines(res) {
			if strings.HasPrefix(line, "Warning:") {
				t.Errorf("%s: %s", dir, strings.TrimSpace(line))
			}
		}
		if err != nil {
			t.Errorf("%s: %v\n%s", dir, err, res)
		}
	}

	for _, name := range slices.Sorted(maps.Keys(platforms)) {
		p := platforms[name]
		// Platforms one after another: two may have a namespace of the same name, with other labels.
		t.Run(name, func(t *testing.T) {
			// For real, so that the Pod Security labels and the admission policies are in force for the
			// dry runs: the generated output must pass Gantry's own policies.
			for _, dir := range p.namespaces {
				apply(t, dir, false)
			}
			waitForNamespaces(t, srv, p.namespaces, registries[name])
			for _, dir := range p.workloads {
				t.Run(strings.TrimPrefix(dir, name+"/"), func(t *testing.T) {
					t.Parallel()
					apply(t, dir, true)
				})
			}
		})
	}

	report(t, applied, skipGroups, skipped)
}

// report logs how many objects were sent to the server and how many of each excepted API group were
// left out; it fails when none was sent, or on an exception that no object needs.
func report(t *testing.T, applied int, skipGroups []string, skipped map[string]int) {
	t.Helper()
	if applied == 0 {
		t.Error("no object was sent to the API server")
	}
	t.Logf("applied or dry-run: %d objects", applied)
	for _, g := range skipGroups {
		if skipped[g] == 0 {
			t.Errorf("exceptions.yaml excepts API group %s for the apiserver checker, but no generated object has it: remove the exception", g)
			continue
		}
		t.Logf("not applied: %d objects of API group %s (excepted in internal/checkers/exceptions.yaml)", skipped[g], g)
	}
}

// platformDirs are a platform's kustomization folders.
type platformDirs struct{ namespaces, workloads []string }

// kustomizationDirs are the kustomization folders by platform: <platform>/namespaces/<ns> and the
// services' bases and overlays.
func kustomizationDirs(files []generators.File) map[string]*platformDirs {
	platforms := map[string]*platformDirs{}
	for _, f := range files {
		if path.Base(f.Path) != "kustomization.yaml" || f.Kind == generators.Seeded || f.Kind.Yours() { // seeds are components
			continue
		}
		dir := path.Dir(f.Path)
		name, rest, _ := strings.Cut(dir, "/")
		if platforms[name] == nil {
			platforms[name] = &platformDirs{}
		}
		if strings.HasPrefix(rest, "namespaces/") {
			platforms[name].namespaces = append(platforms[name].namespaces, dir)
		} else {
			platforms[name].workloads = append(platforms[name].workloads, dir)
		}
	}
	return platforms
}

// build runs `kustomize build dir`.
func build(t *testing.T, kustomize, dir string) []byte {
	t.Helper()
	cmd := exec.Command(kustomize, "build", dir)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("kustomize build %s: %v\n%s", dir, err, stderr.String())
	}
	return stdout.Bytes()
}

type object struct{ group, kind, name string }

// withoutGroups returns the documents of a YAML stream whose API group is not one of groups, how many
// they are, and the objects it left out.
func withoutGroups(t *testing.T, stream []byte, groups []string) ([]byte, int, []object) {
	t.Helper()
	dec := yaml.NewDecoder(bytes.NewReader(stream))
	var kept bytes.Buffer
	enc := yaml.NewEncoder(&kept)
	enc.SetIndent(2)
	var left []object
	n := 0
	for {
		var doc yaml.Node
		if err := dec.Decode(&doc); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			t.Fatalf("kustomize output: %v", err)
		}
		var meta struct {
			APIVersion string `yaml:"apiVersion"`
			Kind       string `yaml:"kind"`
			Metadata   struct {
				Name string `yaml:"name"`
			} `yaml:"metadata"`
		}
		if err := doc.Decode(&meta); err != nil {
			t.Fatalf("kustomize output: %v", err)
		}
		group, _, ok := strings.Cut(meta.APIVersion, "/")
		if !ok {
			group = "" // the core group: apiVersion v1
		}
		if slices.Contains(groups, group) {
			left = append(left, object{group, meta.Kind, meta.Metadata.Name})
			continue
		}
		if err := enc.Encode(&doc); err != nil {
			t.Fatal(err)
		}
		n++
	}
	if err := enc.Close(); err != nil {
		t.Fatal(err)
	}
	return kept.Bytes(), n, left
}
