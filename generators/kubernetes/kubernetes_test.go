package kubernetes_test

import (
	"bytes"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/gantry-dev/gantry/blueprints"
	"github.com/gantry-dev/gantry/generators"
	"github.com/gantry-dev/gantry/generators/gentest"
	"github.com/gantry-dev/gantry/generators/kubernetes"
)

func generate(t testing.TB, paths ...string) []generators.File {
	t.Helper()
	files, err := generators.Run(gentest.LoadExamples(t, paths...), []generators.Generator{kubernetes.New()})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

func TestGolden(t *testing.T) {
	gentest.Golden(t, "testdata/golden", generate(t))
}

// TestDeterministic generates twice, and with the inputs named in another order: the bytes must match.
func TestDeterministic(t *testing.T) {
	a := generate(t)
	b := generate(t, gentest.ExamplesDir+"/preview", gentest.ExamplesDir+"/gcp", gentest.ExamplesDir+"/azure", gentest.ExamplesDir+"/acme")
	if len(a) != len(b) {
		t.Fatalf("%d files, then %d", len(a), len(b))
	}
	for i := range a {
		if a[i].Path != b[i].Path || !bytes.Equal(a[i].Data, b[i].Data) {
			t.Errorf("%s differs between runs", a[i].Path)
		}
	}
}

// TestNoSecretValuesOrLatest scans every generated file: no credential-shaped value, no value of a
// secret from the process environment, no mutable `latest` tag.
func TestNoSecretValuesOrLatest(t *testing.T) {
	t.Setenv("STRIPE_API_KEY", "sk_live_51HcanaryCANARYcanary0123456789")
	t.Setenv("SENDGRID_API_KEY", "SG.canary-value-that-must-not-leak.0123456789abcdef")
	canaries := []string{"sk_live_51HcanaryCANARYcanary0123456789", "SG.canary-value-that-must-not-leak"}
	credential := regexp.MustCompile(`AKIA[0-9A-Z]{16}|gh[pousr]_[A-Za-z0-9]{30,}|-----BEGIN [A-Z ]*PRIVATE KEY|sk_live_|xox[abposr]-|eyJ[A-Za-z0-9_-]{8,}\.eyJ`)
	latest := regexp.MustCompile(`(?m)image:\s*\S+:latest\b|newTag:\s*latest\b`)
	for _, f := range generate(t) {
		s := string(f.Data)
		for _, c := range canaries {
			if strings.Contains(s, c) {
				t.Errorf("%s contains a secret value from the environment", f.Path)
			}
		}
		if loc := credential.FindString(s); loc != "" {
			t.Errorf("%s contains something shaped like a credential: %q", f.Path, loc)
		}
		if latest.MatchString(s) {
			t.Errorf("%s uses a latest tag", f.Path)
		}
		if !bytes.HasPrefix(f.Data, []byte("# "+generators.Marker)) {
			t.Errorf("%s does not start with the generated-by header", f.Path)
		}
	}
}

// TestProductionHasTwoReplicas: a service asking for one replica gets two in production. The floor is
// set when blueprints are normalised (blueprints.ProductionMinReplicas), so the resolved spec, which
// `gantry validate --print` shows, already says 2 and validation warns; the generator writes what the
// spec says, in every environment.
func TestProductionHasTwoReplicas(t *testing.T) {
	const svc = "apiVersion: gantry.dev/v1\nkind: Service\nmetadata: {name: loadgen, team: perf}\n" +
		"spec: {runtime: go, type: worker, replicas: {min: 1}}\n"
	res, diags := blueprints.Load(blueprints.LoadOptions{FS: fstest.MapFS{"loadgen.yaml": {Data: []byte(svc)}}})
	if errs, warns := diags.Count(); errs != 0 || warns != 1 {
		t.Fatalf("want one warning, got:\n%v", diags)
	}
	files, err := generators.Run(res, []generators.Generator{kubernetes.New()})
	if err != nil {
		t.Fatal(err)
	}
	for _, env := range res.Platforms[0].Services[0].Environments {
		want := fmt.Sprintf("replicas: %d\n", env.Spec.Replicas.Min)
		if env.Production != (env.Spec.Replicas.Min == 2) {
			t.Errorf("%s: resolved replicas.min is %d", env.Name, env.Spec.Replicas.Min)
		}
		idx := slices.IndexFunc(files, func(f generators.File) bool {
			return strings.HasSuffix(f.Path, "perf/loadgen/kubernetes/overlays/"+env.Name+"/patch-workload.yaml")
		})
		if idx < 0 || !strings.Contains(string(files[idx].Data), want) {
			t.Errorf("%s workload patch does not set %s", env.Name, want)
		}
	}
}
