package kubernetes_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	sigsyaml "sigs.k8s.io/yaml"

	"github.com/gantry-dev/gantry/generators"
)

// TestProbeShapes: the handler of each probe by protocol and health settings, and where
// health.initialDelaySeconds lands (the startup probe when there is one, else liveness and readiness).
func TestProbeShapes(t *testing.T) {
	type want struct{ readiness, liveness, startup string } // "handler/initialDelay", "" for none
	for _, tc := range []struct {
		name, spec string
		want       want
	}{
		{"http defaults", "protocol: http", want{"http /readyz/0", "http /livez/0", ""}},
		{"http startup and delay", "health: {startup: /startupz, initialDelaySeconds: 20}", want{"http /readyz/0", "http /livez/0", "http /startupz/20"}},
		{"http delay without startup", "health: {initialDelaySeconds: 20}", want{"http /readyz/20", "http /livez/20", ""}},
		{"grpc", "protocol: grpc", want{"grpc 9000/0", "grpc 9000/0", ""}},
		{"grpc delay without startup", "protocol: grpc, health: {initialDelaySeconds: 10}", want{"grpc 9000/10", "grpc 9000/10", ""}},
		{"grpc startup", "protocol: grpc, health: {grpcStartup: true}", want{"grpc 9000/0", "grpc 9000/0", "grpc 9000/0"}},
		{"grpc startup and delay", "protocol: grpc, health: {grpc: true, grpcStartup: true, initialDelaySeconds: 45}", want{"grpc 9000/0", "grpc 9000/0", "grpc 9000/45"}},
		{"tcp delay", "protocol: tcp, health: {initialDelaySeconds: 5}", want{"tcp tcp/5", "", ""}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			files := generateInMemory(t, map[string]string{
				"platform.yaml": "apiVersion: gantry.dev/v1\nkind: Platform\nmetadata: {name: acme}\nspec: {}\n",
				"api.yaml": "apiVersion: gantry.dev/v1\nkind: Service\nmetadata: {name: api, team: web}\n" +
					"spec: {runtime: go, type: web, port: 9000, " + tc.spec + "}\n",
			}, false)
			i := slices.IndexFunc(files, func(f generators.File) bool {
				return strings.HasSuffix(f.Path, "api/kubernetes/base/deployment.yaml")
			})
			if i < 0 {
				t.Fatal("no deployment.yaml")
			}
			var d appsv1.Deployment
			if err := sigsyaml.Unmarshal(files[i].Data, &d); err != nil {
				t.Fatal(err)
			}
			c := d.Spec.Template.Spec.Containers[0]
			got := want{shape(c.ReadinessProbe), shape(c.LivenessProbe), shape(c.StartupProbe)}
			if got != tc.want {
				t.Errorf("probes (readiness, liveness, startup) = %q, want %q", got, tc.want)
			}
			for _, p := range []*corev1.Probe{c.ReadinessProbe, c.LivenessProbe, c.StartupProbe} {
				if p != nil && p.GRPC != nil && p.GRPC.Service != nil {
					t.Errorf("gRPC probe asks for service %q, want the server's overall health (no service)", *p.GRPC.Service)
				}
			}
		})
	}
}

func shape(p *corev1.Probe) string {
	switch {
	case p == nil:
		return ""
	case p.HTTPGet != nil:
		return fmt.Sprintf("http %s/%d", p.HTTPGet.Path, p.InitialDelaySeconds)
	case p.GRPC != nil:
		return fmt.Sprintf("grpc %d/%d", p.GRPC.Port, p.InitialDelaySeconds)
	case p.TCPSocket != nil:
		return fmt.Sprintf("tcp %s/%d", p.TCPSocket.Port.String(), p.InitialDelaySeconds)
	}
	return "other"
}
