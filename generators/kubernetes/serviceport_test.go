package kubernetes_test

import (
	"slices"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	sigsyaml "sigs.k8s.io/yaml"

	"github.com/gantry-dev/gantry/generators/kubernetes"
)

// TestServicePort: a web service with port 8080 and servicePort 80 gets a Service on 80 that forwards
// to the named container port, and an HTTPRoute to 80; everything that sees traffic at the pod (its
// NetworkPolicy, its callers' egress, Istio's AuthorizationPolicy) names 8080.
func TestServicePort(t *testing.T) {
	const head = "apiVersion: gantry.dev/v1\nkind: Service\n"
	files := generateInMemory(t, map[string]string{
		"platform.yaml": "apiVersion: gantry.dev/v1\nkind: Platform\nmetadata: {name: acme}\nspec: {mesh: istio}\n",
		"front.yaml": head + "metadata: {name: front, team: web}\n" +
			"spec: {runtime: go, type: web, port: 8080, servicePort: 80, ingress: {host: shop.example.com}, callers: [back]}\n",
		"back.yaml": head + "metadata: {name: back, team: web}\n" +
			"spec: {runtime: go, type: web, port: 8081, calls: [front]}\n",
	}, false)
	read := func(path string, into any) {
		t.Helper()
		doc := string(fileData(t, files, path))
		if _, rest, ok := strings.Cut(doc, "\n---\n"); ok && strings.HasSuffix(path, "mesh.yaml") {
			doc = rest // the AuthorizationPolicy follows the PeerAuthentication, when there is one
		}
		if err := sigsyaml.Unmarshal([]byte(doc), into); err != nil {
			t.Fatalf("%s: %v", path, err)
		}
	}

	var svc corev1.Service
	read("front/kubernetes/base/service.yaml", &svc)
	if p := svc.Spec.Ports; len(p) != 1 || p[0].Port != 80 || p[0].TargetPort.String() != "http" {
		t.Errorf("Service ports = %+v, want port 80 to targetPort http", p)
	}

	var route kubernetes.HTTPRoute
	read("front/kubernetes/base/httproute.yaml", &route)
	if r := route.Spec.Rules; len(r) != 1 || len(r[0].BackendRefs) != 1 || r[0].BackendRefs[0].Port != 80 {
		t.Errorf("HTTPRoute rules = %+v, want the backend on Service port 80", r)
	}

	var in networkingv1.NetworkPolicy
	read("front/kubernetes/base/networkpolicy.yaml", &in)
	if r := in.Spec.Ingress; len(r) != 1 || len(r[0].Ports) != 1 || r[0].Ports[0].Port.IntValue() != 8080 {
		t.Errorf("front's ingress rules = %+v, want callers and gateway on container port 8080", r)
	}

	var out networkingv1.NetworkPolicy
	read("back/kubernetes/base/networkpolicy.yaml", &out)
	found := false
	for _, r := range out.Spec.Egress {
		for _, to := range r.To {
			if to.PodSelector != nil && to.PodSelector.MatchLabels["app.kubernetes.io/name"] == "front" {
				found = true
				if len(r.Ports) != 1 || r.Ports[0].Port.IntValue() != 8080 {
					t.Errorf("back's egress to front = %+v, want container port 8080", r.Ports)
				}
			}
		}
	}
	if !found {
		t.Error("back's NetworkPolicy has no egress rule to front")
	}

	var authz kubernetes.IstioAuthorizationPolicy
	read("front/kubernetes/base/mesh.yaml", &authz)
	if authz.Kind != "AuthorizationPolicy" || len(authz.Spec.Rules) != 1 || len(authz.Spec.Rules[0].To) != 1 ||
		!slices.Equal(authz.Spec.Rules[0].To[0].Operation.Ports, []string{"8080"}) {
		t.Errorf("front's AuthorizationPolicy = %+v, want the callers on workload port 8080", authz)
	}
}
