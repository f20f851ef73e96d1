package kubernetes

import (
	"slices"
	"testing"

	"github.com/gantry-dev/gantry/blueprints"
)

// TestPlatformNamespacesReserved: every namespace the output names for a platform component is one no
// team's services may run in (blueprints.PlatformNamespaces), so none gets a default-deny policy.
func TestPlatformNamespacesReserved(t *testing.T) {
	for _, ns := range []string{GatewayNamespace, MonitoringNamespace, ObservabilityNamespace, KedaNamespace, "istio-system", "linkerd"} {
		if !slices.Contains(blueprints.PlatformNamespaces, ns) {
			t.Errorf("%s is not in blueprints.PlatformNamespaces", ns)
		}
	}
}
