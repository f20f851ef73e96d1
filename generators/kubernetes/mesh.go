package kubernetes

import (
	"fmt"
	"strconv"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/gantry-dev/gantry/blueprints"
)

// principal is a workload's mTLS identity in Istio.
func principal(ns, sa string) string {
	return fmt.Sprintf("cluster.local/ns/%s/sa/%s", ns, sa)
}

// callerIdentities are the ServiceAccounts (namespace, name) allowed to call the main port.
func (m *model) callerIdentities() [][2]string {
	var ids [][2]string
	for _, c := range m.s.Callers {
		if s := m.find(c); s != nil {
			ids = append(ids, [2]string{s.Base.Namespace, s.Name})
		}
	}
	if m.s.Ingress.Host != "" {
		ids = append(ids, [2]string{GatewayNamespace, m.gateway() + "-istio"})
	}
	return ids
}

// meshObjects are the per-workload zero-trust policies of the platform's mesh.
func (m *model) meshObjects() []any {
	switch m.p.Spec.Mesh {
	case "istio":
		return m.istioObjects()
	case "linkerd":
		return m.linkerdObjects()
	}
	return nil
}

func (m *model) istioObjects() []any {
	var objs []any
	sel := &WorkloadSelector{MatchLabels: m.selector()}
	if m.s.MetricsPort != 0 {
		// Prometheus scrapes without a mesh identity: plain text on the metrics port only, which the
		// NetworkPolicy limits to the monitoring namespace.
		objs = append(objs, PeerAuthentication{TypeMeta: typeMeta("security.istio.io/v1", "PeerAuthentication"), ObjectMeta: m.meta(m.name),
			Spec: PeerAuthenticationSpec{Selector: sel, Mtls: MTLS{Mode: "STRICT"},
				PortLevelMtls: map[string]MTLS{strconv.Itoa(m.s.MetricsPort): {Mode: "PERMISSIVE"}}}})
	}
	var rules []IstioRule
	if ids := m.callerIdentities(); m.web() && len(ids) > 0 {
		var principals []string
		for _, id := range ids {
			principals = append(principals, principal(id[0], id[1]))
		}
		// Istio matches ports on the workload (the container port, spec.port), not the Service's
		// spec.servicePort: the sidecar sees the connection after the Service has translated it.
		rules = append(rules, IstioRule{From: []IstioFrom{{Source: IstioSource{Principals: principals}}},
			To: []IstioTo{{Operation: IstioOperation{Ports: []string{strconv.Itoa(m.s.Port)}}}}})
	}
	if m.s.MetricsPort != 0 {
		rules = append(rules, IstioRule{To: []IstioTo{{Operation: IstioOperation{Ports: []string{strconv.Itoa(m.s.MetricsPort)}}}}})
	}
	if len(rules) > 0 {
		objs = append(objs, IstioAuthorizationPolicy{TypeMeta: typeMeta("security.istio.io/v1", "AuthorizationPolicy"), ObjectMeta: m.meta(m.name),
			Spec: IstioAuthorizationPolicySpec{Selector: sel, Action: "ALLOW", Rules: rules}})
	}
	for _, h := range m.s.Egress {
		host, port, _ := blueprints.SplitHostPort(h)
		if !validDNSName(host) {
			continue // an address or range is allowed by the NetworkPolicy alone
		}
		n, _ := strconv.Atoi(port)
		objs = append(objs, ServiceEntry{TypeMeta: typeMeta("networking.istio.io/v1", "ServiceEntry"),
			ObjectMeta: m.meta(fmt.Sprintf("%s-%s-%d", m.name, dnsLabelOf(host), n)),
			Spec: ServiceEntrySpec{Hosts: []string{host}, ExportTo: []string{"."}, Location: "MESH_EXTERNAL", Resolution: "DNS",
				Ports: []ServiceEntryPort{{Number: int32(n), Name: "tls-" + port, Protocol: "TLS"}}}})
	}
	return objs
}

func (m *model) linkerdObjects() []any {
	var objs []any
	ref := func(kind, name string) LinkerdRef {
		return LinkerdRef{Group: "policy.linkerd.io", Kind: kind, Name: name}
	}
	server := func(name, port, proto string) LinkerdServer {
		return LinkerdServer{TypeMeta: typeMeta("policy.linkerd.io/v1beta3", "Server"), ObjectMeta: m.meta(name),
			Spec: LinkerdServerSpec{PodSelector: metav1.LabelSelector{MatchLabels: m.selector()}, Port: port, ProxyProtocol: proto}}
	}
	authz := func(name, server, authn, authnKind string) LinkerdAuthorizationPolicy {
		return LinkerdAuthorizationPolicy{TypeMeta: typeMeta("policy.linkerd.io/v1alpha1", "AuthorizationPolicy"), ObjectMeta: m.meta(name),
			Spec: LinkerdAuthorizationPolicySpec{TargetRef: ref("Server", server), RequiredAuthenticationRefs: []LinkerdRef{ref(authnKind, authn)}}}
	}
	if m.web() {
		proto := map[string]string{"http": "HTTP/1", "grpc": "gRPC", "tcp": "opaque"}[m.s.Protocol]
		// A Server names a port of the pod (the container's, by name), not of the Service.
		objs = append(objs, server(m.name, m.portName(), proto))
		if ids := m.callerIdentities(); len(ids) > 0 {
			var refs []LinkerdRef
			for _, id := range ids {
				refs = append(refs, LinkerdRef{Kind: "ServiceAccount", Name: id[1], Namespace: id[0]})
			}
			objs = append(objs,
				MeshTLSAuthentication{TypeMeta: typeMeta("policy.linkerd.io/v1alpha1", "MeshTLSAuthentication"), ObjectMeta: m.meta(m.name + "-callers"),
					Spec: MeshTLSAuthenticationSpec{IdentityRefs: refs}},
				authz(m.name, m.name, m.name+"-callers", "MeshTLSAuthentication"))
		}
	}
	if m.s.MetricsPort != 0 {
		objs = append(objs,
			server(m.name+"-metrics", "metrics", "HTTP/1"),
			NetworkAuthentication{TypeMeta: typeMeta("policy.linkerd.io/v1alpha1", "NetworkAuthentication"), ObjectMeta: m.meta(m.name + "-scraper"),
				Spec: NetworkAuthenticationSpec{Networks: []LinkerdNetwork{{CIDR: "0.0.0.0/0"}, {CIDR: "::/0"}}}},
			authz(m.name+"-metrics", m.name+"-metrics", m.name+"-scraper", "NetworkAuthentication"))
	}
	return objs
}

// namespaceObjects are a namespace's shared files: the Namespace under Pod Security restricted, a
// default-deny NetworkPolicy, the admission policies (see admissionObjects), and the mesh's
// namespace-wide mTLS and allow-nothing policies.
func namespaceObjects(p *blueprints.ResolvedPlatform, ns string) []object {
	psa := "v" + p.Spec.KubernetesVersion
	labels := map[string]string{
		"kubernetes.io/metadata.name":                ns,
		"pod-security.kubernetes.io/enforce":         "restricted",
		"pod-security.kubernetes.io/enforce-version": psa,
		"pod-security.kubernetes.io/audit":           "restricted",
		"pod-security.kubernetes.io/audit-version":   psa,
		"pod-security.kubernetes.io/warn":            "restricted",
		"pod-security.kubernetes.io/warn-version":    psa,
		"app.kubernetes.io/part-of":                  p.Name,
		"app.kubernetes.io/managed-by":               "gantry",
	}
	var annotations map[string]string
	switch p.Spec.Mesh {
	case "istio":
		labels["istio-injection"] = "enabled"
	case "linkerd":
		annotations = map[string]string{"linkerd.io/inject": "enabled", "config.linkerd.io/default-inbound-policy": "deny"}
	}
	meta := func(name string) metav1.ObjectMeta {
		return metav1.ObjectMeta{Name: name, Namespace: ns, Labels: map[string]string{"app.kubernetes.io/part-of": p.Name, "app.kubernetes.io/managed-by": "gantry"}}
	}
	objs := []object{
		{"namespace.yaml", []any{corev1.Namespace{TypeMeta: typeMeta("v1", "Namespace"),
			ObjectMeta: metav1.ObjectMeta{Name: ns, Labels: labels, Annotations: annotations}}}},
		{"networkpolicy.yaml", []any{networkingv1.NetworkPolicy{TypeMeta: typeMeta("networking.k8s.io/v1", "NetworkPolicy"), ObjectMeta: meta("default-deny"),
			Spec: networkingv1.NetworkPolicySpec{PodSelector: metav1.LabelSelector{},
				PolicyTypes: []networkingv1.PolicyType{networkingv1.PolicyTypeIngress, networkingv1.PolicyTypeEgress}}}}},
	}
	objs = append(objs, object{"admission.yaml", admissionObjects(p, ns)})
	if p.Spec.Mesh == "istio" {
		objs = append(objs, object{"mesh.yaml", []any{
			PeerAuthentication{TypeMeta: typeMeta("security.istio.io/v1", "PeerAuthentication"), ObjectMeta: meta("default"),
				Spec: PeerAuthenticationSpec{Mtls: MTLS{Mode: "STRICT"}}},
			IstioAuthorizationPolicy{TypeMeta: typeMeta("security.istio.io/v1", "AuthorizationPolicy"), ObjectMeta: meta("allow-nothing")},
		}})
	}
	return objs
}
