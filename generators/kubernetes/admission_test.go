package kubernetes_test

import (
	"fmt"
	"path"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"sigs.k8s.io/yaml"

	"github.com/gantry-dev/gantry/blueprints"
	"github.com/gantry-dev/gantry/generators"
	"github.com/gantry-dev/gantry/generators/gentest"
	"github.com/gantry-dev/gantry/generators/kubernetes"
	"github.com/gantry-dev/gantry/internal/checkers"
)

// admissionDeadline bounds the wait for the API server to compile and enforce newly applied policies
// (it loads them asynchronously, through an informer).
const admissionDeadline = 60 * time.Second

const probeDigest = "sha256:0000000000000000000000000000000000000000000000000000000000000000"

// admissionProbes are a ServiceAccount, a Pod, a Deployment and a CronJob in ns that keep every rule
// of Gantry's admission policies (and Pod Security restricted) except, possibly, the image.
func admissionProbes(ns, image string) []byte {
	const labels = `{app.kubernetes.io/name: gantry-probe, app.kubernetes.io/managed-by: gantry}`
	pod := fmt.Sprintf(`serviceAccountName: gantry-probe
securityContext: {runAsNonRoot: true, runAsUser: 65532, seccompProfile: {type: RuntimeDefault}}
containers:
- name: probe
  image: %q
  securityContext: {allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: {drop: [ALL]}}
`, image)
	indent := func(s string, n int) string {
		return strings.ReplaceAll(strings.TrimRight(s, "\n"), "\n", "\n"+strings.Repeat(" ", n))
	}
	return fmt.Appendf(nil, `apiVersion: v1
kind: Pod
metadata: {name: gantry-probe, namespace: %[1]s, labels: %[2]s}
spec:
  %[3]s
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: gantry-probe, namespace: %[1]s, labels: %[2]s}
spec:
  selector: {matchLabels: {app.kubernetes.io/name: gantry-probe}}
  template:
    metadata: {labels: %[2]s}
    spec:
      %[4]s
---
apiVersion: batch/v1
kind: CronJob
metadata: {name: gantry-probe, namespace: %[1]s, labels: %[2]s}
spec:
  schedule: "0 0 * * *"
  jobTemplate:
    metadata: {labels: %[2]s}
    spec:
      template:
        metadata: {labels: %[2]s}
        spec:
          restartPolicy: Never
          %[5]s
`, ns, labels, indent(pod, 2), indent(pod, 6), indent(pod, 10))
}

// waitForAdmission waits until the namespace's policies, as generated for registry, are in force:
// the probes with an image of registry by digest are admitted (so no older policy for another
// registry is), and with an image by tag each is denied by a Gantry policy.
func waitForAdmission(t *testing.T, srv *checkers.APIServer, ns, registry string) {
	t.Helper()
	sa := fmt.Sprintf("apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: gantry-probe, namespace: %s}\n", ns)
	if out, err := srv.KubectlInput(t, []byte(sa), "apply", "--server-side", "--field-manager=gantry-test", "-f", "-"); err != nil {
		t.Fatalf("%s: the probes' ServiceAccount: %v\n%s", ns, err, out)
	}
	dryRun := []string{"apply", "--server-side", "--dry-run=server", "--field-manager=gantry-test", "-f", "-"}
	good := admissionProbes(ns, registry+"/gantry-probe@"+probeDigest)
	bad := admissionProbes(ns, registry+"/gantry-probe:latest")
	start := time.Now()
	var last string
	for time.Since(start) < admissionDeadline {
		out, err := srv.KubectlInput(t, good, dryRun...)
		last = out
		if err == nil {
			out, err = srv.KubectlInput(t, bad, dryRun...)
			last = out
			if err != nil && strings.Count(out, "container probe must pin its image by digest") == 3 {
				t.Logf("%s: admission policies in force after %s", ns, time.Since(start).Round(time.Millisecond))
				return
			}
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Fatalf("%s: the admission policies were not in force after %s; last kubectl output:\n%s", ns, admissionDeadline, last)
}

// waitForNamespaces waits, in parallel, until the policies of the namespace folders dirs are in force.
func waitForNamespaces(t *testing.T, srv *checkers.APIServer, dirs []string, registry string) {
	t.Run("admission", func(t *testing.T) { // returns once every parallel subtest has
		for _, dir := range dirs {
			t.Run(path.Base(dir), func(t *testing.T) {
				t.Parallel()
				waitForAdmission(t, srv, path.Base(dir), registry)
			})
		}
	})
}

// TestAdmissionPolicies applies a namespace's generated policies to the real API server and dry-runs
// copies of a generated Deployment with one violation each: each is refused with the policy's
// message, naming the container. (TestAPIServerDryRun shows that the generated output is admitted.)
func TestAdmissionPolicies(t *testing.T) {
	srv := checkers.StartAPIServer(t)
	srv.InstallCRDs(t) // the namespace folder has the mesh's objects
	kustomize := checkers.GoTool(t, "kustomize")
	res := gentest.LoadExamples(t, "../../blueprints/examples/acme")
	p := res.Platforms[0]
	var svc *blueprints.ResolvedService
	for _, s := range p.Services {
		if s.Base.Type == blueprints.TypeWeb && s.Base.Prebuilt == "" {
			svc = s
			break
		}
	}
	if svc == nil {
		t.Fatalf("platform %s has no web service built by Gantry", p.Name)
	}
	files, err := generators.Run(res, []generators.Generator{kubernetes.New()})
	if err != nil {
		t.Fatal(err)
	}
	out := t.TempDir()
	if _, err := generators.Write(out, files, generators.WriteOptions{}); err != nil {
		t.Fatal(err)
	}
	ns := svc.Base.Namespace
	nsDir := filepath.Join(out, generators.Root(p), "namespaces", ns)
	if res, err := srv.KubectlInput(t, build(t, kustomize, nsDir), "apply", "--server-side", "--field-manager=gantry-test", "-f", "-"); err != nil {
		t.Fatalf("applying %s: %v\n%s", nsDir, err, res)
	}
	waitForAdmission(t, srv, ns, p.Spec.Registry)

	overlay := filepath.Join(out, generators.ServiceDir(p, svc), "kubernetes", "overlays", p.Production())
	deployment := deploymentOf(t, build(t, kustomize, overlay))
	testMeshInjection(t, srv, deployment, p.Spec.Mesh)
	for _, tc := range admissionViolations(svc.Name, p.Spec.Registry) {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			obj := deepCopy(t, deployment)
			tc.mutate(obj, container(obj))
			data, err := yaml.Marshal(obj)
			if err != nil {
				t.Fatal(err)
			}
			res, err := srv.KubectlInput(t, data, "apply", "--server-side", "--dry-run=server", "--field-manager=gantry-test", "-f", "-")
			if err == nil {
				t.Fatalf("admitted:\n%s", res)
			}
			want := fmt.Sprintf("ValidatingAdmissionPolicy 'gantry-%s-workloads'", ns)
			if !strings.Contains(res, want) || !strings.Contains(res, "Deployment "+svc.Name+": "+tc.message) {
				t.Errorf("refused, but not by %s with %q:\n%s", want, "Deployment "+svc.Name+": "+tc.message, res)
			}
		})
	}
}

// testMeshInjection: a pod as the mesh's webhook leaves it (the sidecar by tag, from the mesh's
// registry) is admitted, since the webhook runs before the policies; the same container written into a
// workload is not.
func testMeshInjection(t *testing.T, srv *checkers.APIServer, deployment map[string]any, mesh string) {
	if mesh != "istio" {
		t.Fatalf("the test platform's mesh is %q; this test injects Istio's sidecar", mesh)
	}
	proxy := map[string]any{"name": "istio-proxy", "image": "docker.io/istio/proxyv2:1.27.3", "restartPolicy": "Always",
		"securityContext": map[string]any{"runAsNonRoot": true, "runAsUser": 1337, "allowPrivilegeEscalation": false,
			"readOnlyRootFilesystem": true, "capabilities": map[string]any{"drop": []any{"ALL"}}}}
	dryRun := []string{"apply", "--server-side", "--dry-run=server", "--field-manager=gantry-test", "-f", "-"}
	t.Run("mesh sidecar on a pod", func(t *testing.T) {
		t.Parallel()
		d := deepCopy(t, deployment)
		template := d["spec"].(map[string]any)["template"].(map[string]any)
		meta := template["metadata"].(map[string]any)
		meta["name"], meta["namespace"] = "gantry-injected", d["metadata"].(map[string]any)["namespace"]
		spec := template["spec"].(map[string]any)
		spec["serviceAccountName"] = "gantry-probe" // the one waitForAdmission made: the service's is not applied
		spec["initContainers"] = []any{proxy}
		pod := map[string]any{"apiVersion": "v1", "kind": "Pod", "metadata": meta, "spec": spec}
		data, err := yaml.Marshal(pod)
		if err != nil {
			t.Fatal(err)
		}
		if res, err := srv.KubectlInput(t, data, dryRun...); err != nil {
			t.Errorf("a pod with the mesh's sidecar was refused: %v\n%s", err, res)
		}
	})
	t.Run("mesh sidecar in a workload", func(t *testing.T) {
		t.Parallel()
		d := deepCopy(t, deployment)
		spec := d["spec"].(map[string]any)["template"].(map[string]any)["spec"].(map[string]any)
		spec["initContainers"] = []any{proxy}
		data, err := yaml.Marshal(d)
		if err != nil {
			t.Fatal(err)
		}
		res, err := srv.KubectlInput(t, data, dryRun...)
		if want := "container istio-proxy must pin its image by digest"; err == nil || !strings.Contains(res, want) {
			t.Errorf("want a refusal with %q, got %v:\n%s", want, err, res)
		}
	})
}

type violation struct {
	name    string
	mutate  func(obj, container map[string]any)
	message string
}

// admissionViolations are the mutations of a generated Deployment, one violation each, and the
// message that refuses each.
func admissionViolations(name, registry string) []violation {
	sc := func(c map[string]any) map[string]any { return c["securityContext"].(map[string]any) }
	caps := func(c map[string]any) map[string]any { return sc(c)["capabilities"].(map[string]any) }
	labels := func(o map[string]any) map[string]any {
		return o["metadata"].(map[string]any)["labels"].(map[string]any)
	}
	c := "container " + name + " "
	return []violation{
		{"image from another registry", func(_, c map[string]any) { c["image"] = "docker.io/attacker/" + name + "@" + probeDigest },
			c + "must run an image of registry " + registry + " or one the blueprints pin"},
		{"image of a look-alike registry", func(_, c map[string]any) { c["image"] = registry + "-evil/" + name + "@" + probeDigest },
			c + "must run an image of registry " + registry + " or one the blueprints pin"},
		{"image by tag", func(_, c map[string]any) { c["image"] = registry + "/" + name + ":1.0.0" },
			c + "must pin its image by digest"},
		{"runAsNonRoot false", func(_, c map[string]any) { sc(c)["runAsNonRoot"] = false }, c + "must set runAsNonRoot: true"},
		{"allowPrivilegeEscalation true", func(_, c map[string]any) { sc(c)["allowPrivilegeEscalation"] = true },
			c + "must set allowPrivilegeEscalation: false"},
		{"readOnlyRootFilesystem false", func(_, c map[string]any) { sc(c)["readOnlyRootFilesystem"] = false },
			c + "must set readOnlyRootFilesystem: true"},
		{"capability added", func(_, c map[string]any) { caps(c)["add"] = []any{"NET_RAW"} },
			c + "must drop ALL capabilities and add none"},
		{"drop ALL removed", func(_, c map[string]any) { delete(caps(c), "drop") }, c + "must drop ALL capabilities and add none"},
		{"managed-by label removed", func(o, _ map[string]any) { delete(labels(o), "app.kubernetes.io/managed-by") },
			"the object and its pod template must be labelled app.kubernetes.io/managed-by: gantry"},
		{"name label removed", func(o, _ map[string]any) { delete(labels(o), "app.kubernetes.io/name") },
			"the object and its pod template must be labelled app.kubernetes.io/name"},
	}
}

// deploymentOf returns the Deployment of a built overlay.
func deploymentOf(t *testing.T, stream []byte) map[string]any {
	t.Helper()
	for doc := range strings.SplitSeq(string(stream), "\n---\n") {
		var obj map[string]any
		if err := yaml.Unmarshal([]byte(doc), &obj); err != nil {
			t.Fatal(err)
		}
		if obj["kind"] == "Deployment" {
			return obj
		}
	}
	t.Fatal("no Deployment in the overlay")
	return nil
}

func deepCopy(t *testing.T, obj map[string]any) map[string]any {
	t.Helper()
	data, err := yaml.Marshal(obj)
	if err != nil {
		t.Fatal(err)
	}
	var out map[string]any
	if err := yaml.Unmarshal(data, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

// container is the Deployment's first container.
func container(obj map[string]any) map[string]any {
	spec := obj["spec"].(map[string]any)["template"].(map[string]any)["spec"].(map[string]any)
	return spec["containers"].([]any)[0].(map[string]any)
}
