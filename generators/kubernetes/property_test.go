package kubernetes_test

import (
	"flag"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
	sigsyaml "sigs.k8s.io/yaml"

	"github.com/gantry-dev/gantry/generators/gentest"
	"github.com/gantry-dev/gantry/generators/kubernetes"
	"github.com/gantry-dev/gantry/internal/checkers"
)

var samples = flag.Int("samples", 200, "random blueprints in the property tests")

// TestPropertyEnvRoundTrip generates random blueprints with hostile env values: every output file
// parses, every value comes back exactly as the blueprint wrote it (after the kubelet's own unescaping
// of $$), and kubeconform -strict accepts every object.
func TestPropertyEnvRoundTrip(t *testing.T) {
	r := rand.New(rand.NewPCG(7, uint64(*samples)))
	_, rnd, files := gentest.GenerateRandom(t, *samples, r, gentest.RandomOptions{Name: "prop", Cloud: "none", CI: "none", Mesh: "istio"}, kubernetes.New())
	want := rnd.Env
	out := t.TempDir()
	var objects []string
	checked := 0 // workloads whose env was read back
	for _, f := range files {
		if strings.Contains(f.Path, "/base/") && !strings.HasSuffix(f.Path, "kustomization.yaml") {
			p := filepath.Join(out, strings.ReplaceAll(f.Path, "/", "__"))
			if err := os.WriteFile(p, f.Data, 0o644); err != nil {
				t.Fatal(err)
			}
			objects = append(objects, p)
		}
		for _, doc := range strings.Split(string(f.Data), "\n---\n") {
			var v3 any
			if err := yaml.Unmarshal([]byte(doc), &v3); err != nil {
				t.Fatalf("%s: yaml.v3: %v", f.Path, err)
			}
			var v1 any
			if err := sigsyaml.Unmarshal([]byte(doc), &v1); err != nil {
				t.Fatalf("%s: sigs.k8s.io/yaml: %v", f.Path, err)
			}
		}
		if !strings.HasSuffix(f.Path, "/base/deployment.yaml") && !strings.HasSuffix(f.Path, "/base/cronjob.yaml") && !strings.HasSuffix(f.Path, "/base/job.yaml") {
			continue
		}
		svc := strings.Split(f.Path, "/")[2]
		if _, ok := want[svc]; !ok {
			t.Fatalf("%s: no service %q among the blueprints (has the layout changed?)", f.Path, svc)
		}
		checked++
		got := containerEnv(t, f.Data)
		for k, v := range want[svc] {
			if g, ok := got[k]; !ok || kubeletValue(g) != v {
				t.Errorf("%s: %s = %q after the kubelet, want %q", f.Path, k, kubeletValue(g), v)
			}
		}
	}
	if checked != len(want) {
		t.Errorf("read back the env of %d workloads, want %d", checked, len(want))
	}
	schemas, version := checkers.SchemaDir(t, "1.35")
	args := []string{"-strict", "-kubernetes-version", version, "-schema-location", schemas,
		"-skip", "ExternalSecret,ServiceMonitor,PodMonitor,HTTPRoute,PeerAuthentication,AuthorizationPolicy,ServiceEntry"}
	problems, validated, _ := kubeconform(t, out, args, objects)
	if len(problems) > 0 {
		t.Errorf("kubeconform:\n%s", strings.Join(problems, "\n"))
	}
	if validated < checked {
		t.Errorf("kubeconform validated %d objects, fewer than the %d workloads", validated, checked)
	}
}

// containerEnv returns the first container's plain env values of a workload manifest.
func containerEnv(t *testing.T, data []byte) map[string]string {
	t.Helper()
	var obj map[string]any
	if err := sigsyaml.Unmarshal(data, &obj); err != nil {
		t.Fatal(err)
	}
	spec := obj["spec"].(map[string]any)
	if jt, ok := spec["jobTemplate"].(map[string]any); ok {
		spec = jt["spec"].(map[string]any)
	}
	pod := spec["template"].(map[string]any)["spec"].(map[string]any)
	c := pod["containers"].([]any)[0].(map[string]any)
	env := map[string]string{}
	for _, e := range c["env"].([]any) {
		m := e.(map[string]any)
		if _, ref := m["valueFrom"]; !ref {
			v, _ := m["value"].(string) // an empty value is left out, and means ""
			env[m["name"].(string)] = v
		}
	}
	return env
}

// kubeletValue applies the kubelet's expansion of a container env value: $$ becomes $, and $(NAME)
// is a reference the kubelet replaces (with another variable's value, the pod's name...), modelled as
// a marker no blueprint value holds, so an unescaped reference never reads back as written.
func kubeletValue(v string) string {
	var b strings.Builder
	for i := 0; i < len(v); i++ {
		if v[i] == '$' && i+1 < len(v) {
			switch v[i+1] {
			case '$':
				i++
			case '(':
				if end := strings.IndexByte(v[i:], ')'); end > 0 {
					b.WriteString("\x00expanded\x00")
					i += end
					continue
				}
			}
		}
		b.WriteByte(v[i])
	}
	return b.String()
}
