package kubernetes

import metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

// Small typed structs for the custom resources Gantry emits: only the fields it sets, with the JSON names
// of the projects' own APIs. The tests validate them against the CRDs those projects ship.

// ExternalSecret is external-secrets.io/v1.
type ExternalSecret struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata"`
	Spec              ExternalSecretSpec `json:"spec"`
}

// ExternalSecretSpec maps keys of the secret store, or a generator's output, into one Kubernetes Secret.
type ExternalSecretSpec struct {
	RefreshInterval string `json:"refreshInterval,omitempty"`
	// RefreshPolicy CreatedOnce writes the Secret once and never again: a generated password must not
	// change under the data it protects.
	RefreshPolicy  string                   `json:"refreshPolicy,omitempty"`
	SecretStoreRef *SecretStoreRef          `json:"secretStoreRef,omitempty"`
	Target         ExternalSecretTarget     `json:"target"`
	Data           []ExternalSecretData     `json:"data,omitempty"`
	DataFrom       []ExternalSecretDataFrom `json:"dataFrom,omitempty"`
}

// ExternalSecretDataFrom takes every key a source gives: here, a generator's.
type ExternalSecretDataFrom struct {
	SourceRef SourceRef `json:"sourceRef"`
}

// SourceRef names the generator.
type SourceRef struct {
	GeneratorRef GeneratorRef `json:"generatorRef"`
}

// GeneratorRef is a generator object in the ExternalSecret's namespace.
type GeneratorRef struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	Name       string `json:"name"`
}

// Password is generators.external-secrets.io/v1alpha1: a random password, under the key "password".
type Password struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata"`
	Spec              PasswordSpec `json:"spec"`
}

// PasswordSpec is the password's length and alphabet.
type PasswordSpec struct {
	Length      int  `json:"length"`
	Digits      int  `json:"digits"`
	Symbols     int  `json:"symbols"`
	NoUpper     bool `json:"noUpper"`
	AllowRepeat bool `json:"allowRepeat"`
	// SecretKeys are the keys, one password each.
	SecretKeys []string `json:"secretKeys,omitempty"`
}

// SecretStoreRef names the store the values come from.
type SecretStoreRef struct {
	Kind string `json:"kind"`
	Name string `json:"name"`
}

// ExternalSecretTarget is the Secret that is created.
type ExternalSecretTarget struct {
	Name           string `json:"name"`
	CreationPolicy string `json:"creationPolicy"`
	DeletionPolicy string `json:"deletionPolicy"`
}

// ExternalSecretData is one key of the Secret.
type ExternalSecretData struct {
	SecretKey string    `json:"secretKey"`
	RemoteRef RemoteRef `json:"remoteRef"`
}

// RemoteRef is where a value lives in the store.
type RemoteRef struct {
	Key      string `json:"key"`
	Property string `json:"property,omitempty"`
}

// ServiceMonitor is monitoring.coreos.com/v1.
type ServiceMonitor struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata"`
	Spec              ServiceMonitorSpec `json:"spec"`
}

// ServiceMonitorSpec selects the Service and port Prometheus scrapes.
type ServiceMonitorSpec struct {
	Selector  metav1.LabelSelector `json:"selector"`
	Endpoints []MonitorEndpoint    `json:"endpoints"`
}

// MonitorEndpoint is one scraped port.
type MonitorEndpoint struct {
	Port     string `json:"port"`
	Path     string `json:"path"`
	Interval string `json:"interval"`
}

// PodMonitor is monitoring.coreos.com/v1: scrapes pods that no Service selects.
type PodMonitor struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata"`
	Spec              PodMonitorSpec `json:"spec"`
}

// PodMonitorSpec selects the pods and port Prometheus scrapes.
type PodMonitorSpec struct {
	Selector            metav1.LabelSelector `json:"selector"`
	PodMetricsEndpoints []MonitorEndpoint    `json:"podMetricsEndpoints"`
}

// HTTPRoute is gateway.networking.k8s.io/v1.
type HTTPRoute struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata"`
	Spec              HTTPRouteSpec `json:"spec"`
}

// HTTPRouteSpec routes host names and paths to a Service.
type HTTPRouteSpec struct {
	ParentRefs []ParentRef     `json:"parentRefs"`
	Hostnames  []string        `json:"hostnames"`
	Rules      []HTTPRouteRule `json:"rules"`
}

// ParentRef names the Gateway.
type ParentRef struct {
	Name        string `json:"name"`
	Namespace   string `json:"namespace"`
	SectionName string `json:"sectionName,omitempty"`
}

// HTTPRouteRule is one set of matches and its backend.
type HTTPRouteRule struct {
	Matches     []HTTPRouteMatch `json:"matches"`
	BackendRefs []BackendRef     `json:"backendRefs"`
}

// HTTPRouteMatch matches a path prefix.
type HTTPRouteMatch struct {
	Path HTTPPathMatch `json:"path"`
}

// HTTPPathMatch is a typed path match.
type HTTPPathMatch struct {
	Type  string `json:"type"`
	Value string `json:"value"`
}

// BackendRef is the Service behind a route.
type BackendRef struct {
	Name string `json:"name"`
	Port int32  `json:"port"`
}

// PeerAuthentication is security.istio.io/v1.
type PeerAuthentication struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata"`
	Spec              PeerAuthenticationSpec `json:"spec"`
}

// PeerAuthenticationSpec sets the mTLS mode.
type PeerAuthenticationSpec struct {
	Selector      *WorkloadSelector `json:"selector,omitempty"`
	Mtls          MTLS              `json:"mtls"`
	PortLevelMtls map[string]MTLS   `json:"portLevelMtls,omitempty"`
}

// MTLS is a mode: STRICT or PERMISSIVE.
type MTLS struct {
	Mode string `json:"mode"`
}

// WorkloadSelector selects pods by label.
type WorkloadSelector struct {
	MatchLabels map[string]string `json:"matchLabels"`
}

// IstioAuthorizationPolicy is security.istio.io/v1 AuthorizationPolicy.
type IstioAuthorizationPolicy struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata"`
	Spec              IstioAuthorizationPolicySpec `json:"spec"`
}

// IstioAuthorizationPolicySpec is empty for allow-nothing, or ALLOW with rules.
type IstioAuthorizationPolicySpec struct {
	Selector *WorkloadSelector `json:"selector,omitempty"`
	Action   string            `json:"action,omitempty"`
	Rules    []IstioRule       `json:"rules,omitempty"`
}

// IstioRule allows sources to reach operations.
type IstioRule struct {
	From []IstioFrom `json:"from,omitempty"`
	To   []IstioTo   `json:"to,omitempty"`
}

// IstioFrom lists allowed sources.
type IstioFrom struct {
	Source IstioSource `json:"source"`
}

// IstioSource names callers by mTLS identity or namespace.
type IstioSource struct {
	Principals []string `json:"principals,omitempty"`
	Namespaces []string `json:"namespaces,omitempty"`
}

// IstioTo lists allowed operations.
type IstioTo struct {
	Operation IstioOperation `json:"operation"`
}

// IstioOperation restricts ports.
type IstioOperation struct {
	Ports []string `json:"ports"`
}

// ServiceEntry is networking.istio.io/v1: an external host the mesh may reach.
type ServiceEntry struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata"`
	Spec              ServiceEntrySpec `json:"spec"`
}

// ServiceEntrySpec describes external hosts.
type ServiceEntrySpec struct {
	Hosts      []string           `json:"hosts"`
	ExportTo   []string           `json:"exportTo"`
	Location   string             `json:"location"`
	Resolution string             `json:"resolution"`
	Ports      []ServiceEntryPort `json:"ports"`
}

// ServiceEntryPort is one port of an external host.
type ServiceEntryPort struct {
	Number   int32  `json:"number"`
	Name     string `json:"name"`
	Protocol string `json:"protocol"`
}

// LinkerdServer is policy.linkerd.io/v1beta3 Server: a port of a workload that policy applies to.
type LinkerdServer struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata"`
	Spec              LinkerdServerSpec `json:"spec"`
}

// LinkerdServerSpec selects pods and a port.
type LinkerdServerSpec struct {
	PodSelector   metav1.LabelSelector `json:"podSelector"`
	Port          string               `json:"port"`
	ProxyProtocol string               `json:"proxyProtocol"`
}

// MeshTLSAuthentication is policy.linkerd.io/v1alpha1: callers by ServiceAccount identity.
type MeshTLSAuthentication struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata"`
	Spec              MeshTLSAuthenticationSpec `json:"spec"`
}

// MeshTLSAuthenticationSpec lists the identities.
type MeshTLSAuthenticationSpec struct {
	IdentityRefs []LinkerdRef `json:"identityRefs"`
}

// NetworkAuthentication is policy.linkerd.io/v1alpha1: callers by network (the metrics scraper).
type NetworkAuthentication struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata"`
	Spec              NetworkAuthenticationSpec `json:"spec"`
}

// NetworkAuthenticationSpec lists networks.
type NetworkAuthenticationSpec struct {
	Networks []LinkerdNetwork `json:"networks"`
}

// LinkerdNetwork is a CIDR.
type LinkerdNetwork struct {
	CIDR string `json:"cidr"`
}

// LinkerdAuthorizationPolicy is policy.linkerd.io/v1alpha1 AuthorizationPolicy.
type LinkerdAuthorizationPolicy struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata"`
	Spec              LinkerdAuthorizationPolicySpec `json:"spec"`
}

// LinkerdAuthorizationPolicySpec ties a Server to the authentications it requires.
type LinkerdAuthorizationPolicySpec struct {
	TargetRef                  LinkerdRef   `json:"targetRef"`
	RequiredAuthenticationRefs []LinkerdRef `json:"requiredAuthenticationRefs"`
}

// LinkerdRef refers to an object by group, kind and name.
type LinkerdRef struct {
	Group     string `json:"group,omitempty"`
	Kind      string `json:"kind"`
	Name      string `json:"name"`
	Namespace string `json:"namespace,omitempty"`
}
