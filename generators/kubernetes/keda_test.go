package kubernetes_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	networkingv1 "k8s.io/api/networking/v1"
	sigsyaml "sigs.k8s.io/yaml"

	"github.com/gantry-dev/gantry/blueprints"
	"github.com/gantry-dev/gantry/generators"
	"github.com/gantry-dev/gantry/generators/kubernetes"
)

// queuePlatform is a platform on AWS with a worker that scales on a queue; kafkaPlatform one whose dev
// runs the dependencies in the cluster, with a worker that scales on a kafka.
var queuePlatform = map[string]string{
	"platform.yaml": "apiVersion: gantry.dev/v1\nkind: Platform\nmetadata: {name: acme}\n" +
		"spec: {cloud: {provider: aws, region: eu-west-1}, environments: [dev, staging, prod]}\n",
	"mailer.yaml": "apiVersion: gantry.dev/v1\nkind: Service\nmetadata: {name: mailer, team: comms}\n" +
		"spec: {runtime: go, type: worker, replicas: {max: 8}, scaling: {dependency: outbox, target: 3}, dependencies: [{name: outbox, type: queue}]}\n",
}

var kafkaPlatform = map[string]string{
	"platform.yaml": "apiVersion: gantry.dev/v1\nkind: Platform\nmetadata: {name: acme}\n" +
		"spec: {cloud: {provider: aws, region: eu-west-1}, inCluster: [dev], mesh: istio, environments: [dev, staging, prod]}\n",
	"stream.yaml": "apiVersion: gantry.dev/v1\nkind: Service\nmetadata: {name: stream, team: comms}\n" +
		"spec: {runtime: go, type: worker, replicas: {min: 1, max: 4}, scaling: {dependency: events, toZero: true}, dependencies: [{name: events, type: kafka}]}\n",
}

// azurePlatform is a platform on Azure whose subscription is known, with a worker that scales on a queue.
var azurePlatform = map[string]string{
	"platform.yaml": "apiVersion: gantry.dev/v1\nkind: Platform\nmetadata: {name: contoso}\n" +
		"spec: {cloud: {provider: azure, region: westeurope, subscription: " + azureSubscription + "}, environments: [dev, prod]}\n",
	"sender.yaml": "apiVersion: gantry.dev/v1\nkind: Service\nmetadata: {name: sender, team: comms}\n" +
		"spec: {runtime: go, type: worker, replicas: {max: 6}, scaling: {dependency: outbox, toZero: true}, dependencies: [{name: outbox, type: queue}]}\n",
}

const azureSubscription = "3f2b8c1e-5d4a-4e7b-9c6f-1a2b3c4d5e6f"

// kedaObjects reads the objects of an overlay's keda.yaml by kind.
func kedaObjects(t *testing.T, files []generators.File, suffix string) map[string][]map[string]any {
	t.Helper()
	out := map[string][]map[string]any{}
	for _, doc := range strings.Split(string(fileData(t, files, suffix)), "\n---\n") {
		var o map[string]any
		if err := sigsyaml.Unmarshal([]byte(doc), &o); err != nil {
			t.Fatalf("%s: %v", suffix, err)
		}
		out[o["kind"].(string)] = append(out[o["kind"].(string)], o)
	}
	return out
}

func get(o map[string]any, path ...string) any {
	var v any = o
	for _, p := range path {
		m, _ := v.(map[string]any)
		v = m[p]
	}
	return v
}

// TestScaledWorkers: a scaled worker gets a ScaledObject instead of an HPA in every environment, its
// replicas left to KEDA; the trigger reads the setting the Deployment reads from the dependencies'
// ConfigMap; cloud scalers sign in with the pod identity, the cluster's Kafka admits KEDA instead; and
// only outside production does a worker that allows it scale to zero.
func TestScaledWorkers(t *testing.T) {
	files := append(generateInMemory(t, queuePlatform, false), generateInMemory(t, kafkaPlatform, true)...)
	files = append(files, generateInMemory(t, azurePlatform, false)...)
	for _, f := range files {
		if strings.HasSuffix(f.Path, "/hpa.yaml") {
			t.Errorf("%s: a scaled worker's HorizontalPodAutoscaler is KEDA's, not Gantry's", f.Path)
		}
		if strings.HasSuffix(f.Path, "/patch-workload.yaml") && strings.Contains(string(f.Data), "replicas:") {
			t.Errorf("%s sets replicas, which KEDA owns", f.Path)
		}
	}
	var dep appsv1.Deployment
	if err := sigsyaml.Unmarshal(fileData(t, files, "mailer/kubernetes/base/deployment.yaml"), &dep); err != nil {
		t.Fatal(err)
	}
	var queueEnv string
	for _, e := range dep.Spec.Template.Spec.Containers[0].Env {
		if e.ValueFrom != nil && e.ValueFrom.ConfigMapKeyRef != nil && e.ValueFrom.ConfigMapKeyRef.Name == "mailer-dependencies" {
			queueEnv = e.Name
		}
	}
	for _, tc := range []struct {
		file, trigger, setting, identity string
		min                              float64
	}{
		{"mailer/kubernetes/overlays/dev/keda.yaml", "aws-sqs-queue", "queueURLFromEnv", "aws", 2},
		{"mailer/kubernetes/overlays/prod/keda.yaml", "aws-sqs-queue", "queueURLFromEnv", "aws", 2},
		{"stream/kubernetes/overlays/dev/keda.yaml", "kafka", "bootstrapServersFromEnv", "", 0},
		{"stream/kubernetes/overlays/staging/keda.yaml", "kafka", "bootstrapServersFromEnv", "aws", 0},
		{"stream/kubernetes/overlays/prod/keda.yaml", "kafka", "bootstrapServersFromEnv", "aws", 2},
		{"sender/kubernetes/overlays/dev/keda.yaml", "azure-servicebus", "namespace", "azure-workload", 0},
		{"sender/kubernetes/overlays/prod/keda.yaml", "azure-servicebus", "namespace", "azure-workload", 2},
	} {
		objs := kedaObjects(t, files, tc.file)
		so := objs["ScaledObject"][0]
		trig := get(so, "spec", "triggers").([]any)[0].(map[string]any)
		if trig["type"] != tc.trigger || get(so, "spec", "minReplicaCount") != tc.min {
			t.Errorf("%s: trigger %v from %v, want %s from %v", tc.file, trig["type"], get(so, "spec", "minReplicaCount"), tc.trigger, tc.min)
		}
		if env := get(trig, "metadata", tc.setting); tc.trigger == "aws-sqs-queue" && env != queueEnv {
			t.Errorf("%s: %s = %v, want %q, which the Deployment reads from the dependencies' ConfigMap", tc.file, tc.setting, env, queueEnv)
		}
		if tc.trigger == "azure-servicebus" {
			// No …FromEnv there: the names the Terraform gives the namespace and the queue.
			env := filepath.Base(filepath.Dir(tc.file))
			want := blueprints.AzureMessagingNamespace(azureSubscription, "sender", env, blueprints.Dependency{Name: "outbox", Type: "queue"})
			if md := get(trig, "metadata").(map[string]any); md["namespace"] != want || md["queueName"] != "outbox" || md["messageCount"] != "5" {
				t.Errorf("%s: metadata %v, want namespace %s, queueName outbox, messageCount 5", tc.file, md, want)
			}
		}
		ta := objs["TriggerAuthentication"]
		switch {
		case tc.identity == "" && (len(ta) != 0 || trig["authenticationRef"] != nil):
			t.Errorf("%s: the cluster's Kafka needs no sign-in, got %v", tc.file, ta)
		case tc.identity != "" && (len(ta) != 1 || get(ta[0], "spec", "podIdentity", "provider") != tc.identity):
			t.Errorf("%s: want a TriggerAuthentication with pod identity %s, got %v", tc.file, tc.identity, ta)
		}
		if tc.identity == "" && (len(objs["NetworkPolicy"]) != 1 || len(objs["AuthorizationPolicy"]) != 1) {
			t.Errorf("%s: the cluster's Kafka must admit KEDA (a NetworkPolicy and the mesh's AuthorizationPolicy), got %v", tc.file, objs)
		}
	}
	var np networkingv1.NetworkPolicy
	if err := sigsyaml.Unmarshal([]byte(strings.Split(string(fileData(t, files, "stream/kubernetes/overlays/dev/keda.yaml")), "\n---\n")[1]), &np); err != nil {
		t.Fatal(err)
	}
	if from := np.Spec.Ingress[0].From[0]; from.NamespaceSelector.MatchLabels["kubernetes.io/metadata.name"] != kubernetes.KedaNamespace {
		t.Errorf("KEDA's NetworkPolicy admits %v, want namespace %s", from, kubernetes.KedaNamespace)
	}
}

// TestKubeconformRefusesBadScaledObject proves the KEDA schemas are in force: a misspelt trigger field
// and a replica count of the wrong type are refused beside a valid ScaledObject.
func TestKubeconformRefusesBadScaledObject(t *testing.T) {
	files := generateInMemory(t, queuePlatform, false)
	good := string(fileData(t, files, "mailer/kubernetes/overlays/prod/keda.yaml"))
	bad := strings.Replace(strings.Replace(good, "maxReplicaCount: 8", "maxReplicaCount: eight", 1), "authenticationRef:", "authenticationRefs:", 1)
	dir := t.TempDir()
	for name, data := range map[string]string{"good.yaml": good, "bad.yaml": bad} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	args, _ := kubeconformArgs(t, "1.35")
	problems, checked, _ := kubeconform(t, dir, args, []string{filepath.Join(dir, "good.yaml"), filepath.Join(dir, "bad.yaml")})
	got := strings.Join(problems, "\n")
	if len(problems) != 1 || checked != 4 || !strings.Contains(got, "maxReplicaCount") || !strings.Contains(got, "authenticationRefs") {
		t.Errorf("kubeconform: %d objects checked, %d rejected; want 4 and the bad ScaledObject for maxReplicaCount and authenticationRefs:\n%s", checked, len(problems), got)
	}
}
