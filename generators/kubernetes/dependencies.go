package kubernetes

import (
	"cmp"
	"maps"
	"slices"
	"strconv"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/gantry-dev/gantry/blueprints"
	"github.com/gantry-dev/gantry/blueprints/catalog"
)

// A service's dependencies reach it the same way whoever provides them: their settings in the
// ConfigMap blueprints.DependencyConfigMap, each password in the Secret
// blueprints.DependencyCredentials under "password". On a cloud, Terraform writes the ConfigMap and an
// ExternalSecret reads the password from the store; in the cluster (blueprints.DependencyProvider),
// the overlay writes the ConfigMap, a password generated once in the cluster, and the dependency
// itself: a hardened single-replica StatefulSet behind a headless Service that only the service may
// reach. Both are per environment, so the base is the same for either.

// passwordKey is the key of a dependency's password in its credentials Secret.
const passwordKey = "password"

// dependencyPassword names the variable a dependency's container reads its password from.
const dependencyPassword = "GANTRY_PASSWORD"

// clusterSizing is what a dependency's container gets in the cluster: development sizes, for the
// environments that do not pay for a cloud's. Limits equal requests, as for the services.
var clusterSizing = map[string]struct{ cpu, memory, ephemeral string }{
	"postgres": {"250m", "512Mi", "256Mi"},
	"mysql":    {"250m", "768Mi", "256Mi"},
	"redis":    {"100m", "256Mi", "256Mi"},
	"kafka":    {"500m", "1Gi", "2Gi"}, // its topics live in /tmp (catalog.DependencyImage)
}

// clusterStorage is the volume of a dependency's data by spec.dependencies[].size.
var clusterStorage = map[string]string{"small": "1Gi", "medium": "10Gi", "large": "50Gi"}

// provider is who provides the service's dependencies in the model's environment.
func (m *model) provider() string { return blueprints.DependencyProvider(m.p.Spec, m.env) }

func (m *model) inCluster() bool { return m.provider() == blueprints.ProviderCluster }

// credentialsRef is the Secret and key a secret key of the service's env reads: a dependency's
// password from its credentials Secret, anything else from the service's own Secret.
func (m *model) credentialsRef(key string) (secret, secretKey string) {
	for _, d := range m.s.Dependencies {
		if credentialed(d) && key == blueprints.EnvPrefix(d)+"PASSWORD" {
			return blueprints.DependencyCredentials(m.name, d), passwordKey
		}
	}
	return m.name + "-secrets", key
}

// dependencyObjects are an environment's files for its dependencies: from the cloud, an ExternalSecret
// per password; in the cluster, the settings' ConfigMap and each dependency's objects.
func (m *model) dependencyObjects() []object {
	if m.env == "" || len(m.s.Dependencies) == 0 {
		return nil
	}
	var objs []object
	if m.inCluster() {
		objs = append(objs, object{"dependencies.yaml", []any{m.dependencySettings()}})
	}
	for _, d := range m.s.Dependencies {
		var o []any
		switch {
		case m.inCluster():
			o = m.clusterDependency(d)
		case credentialed(d):
			o = []any{m.storedCredentials(d)}
		}
		if len(o) > 0 {
			objs = append(objs, object{"dependency-" + d.Name + ".yaml", o})
		}
	}
	return objs
}

// depSelector selects a dependency's pods: by its own name, which no service's selector uses
// (validation keeps a service from having it).
func (m *model) depSelector(d blueprints.Dependency) map[string]string {
	w := blueprints.DependencyWorkload(m.name, d)
	return map[string]string{"app.kubernetes.io/name": w, "app.kubernetes.io/instance": w}
}

func (m *model) depMeta(d blueprints.Dependency, name string) metav1.ObjectMeta {
	l := m.depSelector(d)
	l["app.kubernetes.io/component"] = d.Type
	l["app.kubernetes.io/part-of"] = m.p.Name
	l["app.kubernetes.io/managed-by"] = "gantry"
	return metav1.ObjectMeta{Name: name, Namespace: m.ns, Labels: l}
}

// storedCredentials reads a cloud dependency's password from the secret store, where its Terraform
// wrote it.
func (m *model) storedCredentials(d blueprints.Dependency) ExternalSecret {
	return ExternalSecret{TypeMeta: typeMeta("external-secrets.io/v1", "ExternalSecret"), ObjectMeta: m.depMeta(d, blueprints.DependencyWorkload(m.name, d)),
		Spec: ExternalSecretSpec{
			RefreshInterval: "1h",
			SecretStoreRef:  &SecretStoreRef{Kind: "ClusterSecretStore", Name: SecretStore},
			Target:          ExternalSecretTarget{Name: blueprints.DependencyCredentials(m.name, d), CreationPolicy: "Owner", DeletionPolicy: "Retain"},
			Data:            []ExternalSecretData{{SecretKey: passwordKey, RemoteRef: RemoteRef{Key: m.storeKey(d.Name), Property: passwordKey}}},
		}}
}

// dependencyPort is the value of a dependency's port setting (key is one of blueprints.DependencyEnv),
// false for another setting. The port is fixed by who provides it (the catalogue's, on a cloud; the
// image's, in the cluster), so the env carries it as written rather than from the ConfigMap: a
// ConfigMap value of digits alone is a passport number to trivy's KSV-01010.
func (m *model) dependencyPort(d blueprints.Dependency, key string) (string, bool) {
	if key != blueprints.EnvPrefix(d)+"PORT" {
		return "", false
	}
	if m.inCluster() {
		img, _ := catalog.LocalImage(d.Type)
		return strconv.Itoa(int(img.Port)), true
	}
	kind, _ := catalog.Lookup(d.Type)
	return strconv.Itoa(int(kind.PortsOn(m.p.Spec.Cloud.Provider)[0])), true
}

// dependencySettings is the ConfigMap that Terraform writes on a cloud, with the in-cluster values
// (but the ports: dependencyPort).
func (m *model) dependencySettings() corev1.ConfigMap {
	data := map[string]string{}
	for _, d := range m.s.Dependencies {
		img, _ := catalog.LocalImage(d.Type)
		host := blueprints.ServiceHost(blueprints.DependencyWorkload(m.name, d), m.ns)
		kind, _ := catalog.Lookup(d.Type)
		for _, k := range kind.Settings {
			v := ""
			switch k {
			case "HOST":
				v = host
			case "PORT":
				continue
			case "NAME":
				v = blueprints.DependencyDatabase(d)
			case "USER":
				v = blueprints.DependencyUser
			case "BROKERS":
				v = host + ":" + strconv.Itoa(int(img.Port))
			}
			data[blueprints.EnvPrefix(d)+k] = v
		}
	}
	meta := m.meta(blueprints.DependencyConfigMap(m.name))
	return corev1.ConfigMap{TypeMeta: typeMeta("v1", "ConfigMap"), ObjectMeta: meta, Data: data}
}

// clusterDependency is what runs one dependency in the cluster, in the order they are needed.
func (m *model) clusterDependency(d blueprints.Dependency) []any {
	img, ok := catalog.LocalImage(d.Type)
	if !ok {
		return nil // validation refuses it
	}
	w := blueprints.DependencyWorkload(m.name, d)
	objs := []any{corev1.ServiceAccount{TypeMeta: typeMeta("v1", "ServiceAccount"), ObjectMeta: m.depMeta(d, w), AutomountServiceAccountToken: ptr(false)}}
	if credentialed(d) {
		objs = append(objs, m.generatedPassword(d, img), m.generatedCredentials(d))
	}
	objs = append(objs, m.depService(d, img), m.depNetworkPolicy(d, img), m.statefulSet(d, img))
	return append(objs, m.depMeshObjects(d, img)...)
}

// generatedPassword is the Password generator the credentials come from: alphanumeric, as the
// catalogue's URL forms need (no escaping).
func (m *model) generatedPassword(d blueprints.Dependency, img catalog.DependencyImage) Password {
	return Password{TypeMeta: typeMeta("generators.external-secrets.io/v1alpha1", "Password"), ObjectMeta: m.depMeta(d, blueprints.DependencyWorkload(m.name, d)),
		Spec: PasswordSpec{Length: 32, Digits: 8, Symbols: 0, NoUpper: false, AllowRepeat: true, SecretKeys: passwordKeys(img)}}
}

// generatedCredentials writes the generated password into the credentials Secret once: a new password
// would no longer open the data already on the volume. Orphan: the Secret outlives the ExternalSecret,
// as the StatefulSet's volume does (Retain), so a re-created ExternalSecret finds it and leaves it.
func (m *model) generatedCredentials(d blueprints.Dependency) ExternalSecret {
	w := blueprints.DependencyWorkload(m.name, d)
	return ExternalSecret{TypeMeta: typeMeta("external-secrets.io/v1", "ExternalSecret"), ObjectMeta: m.depMeta(d, w),
		Spec: ExternalSecretSpec{
			RefreshPolicy: "CreatedOnce",
			Target:        ExternalSecretTarget{Name: blueprints.DependencyCredentials(m.name, d), CreationPolicy: "Orphan", DeletionPolicy: "Retain"},
			DataFrom: []ExternalSecretDataFrom{{SourceRef: SourceRef{GeneratorRef: GeneratorRef{
				APIVersion: "generators.external-secrets.io/v1alpha1", Kind: "Password", Name: w}}}},
		}}
}

// depService is the headless Service that names the dependency's pod (the StatefulSet's serviceName):
// clients resolve blueprints.ServiceHost of it. appProtocol tcp tells a mesh not to sniff: MySQL speaks
// first.
func (m *model) depService(d blueprints.Dependency, img catalog.DependencyImage) corev1.Service {
	return corev1.Service{TypeMeta: typeMeta("v1", "Service"), ObjectMeta: m.depMeta(d, blueprints.DependencyWorkload(m.name, d)),
		Spec: corev1.ServiceSpec{
			Type: corev1.ServiceTypeClusterIP, ClusterIP: corev1.ClusterIPNone, Selector: m.depSelector(d),
			Ports: []corev1.ServicePort{{Name: "tcp", Port: img.Port, TargetPort: intstr.FromString("tcp"), Protocol: corev1.ProtocolTCP, AppProtocol: ptr("tcp")}},
		}}
}

// depNetworkPolicy admits only the service's pods, on the dependency's port, and lets nothing out but
// DNS and the mesh's control plane.
func (m *model) depNetworkPolicy(d blueprints.Dependency, img catalog.DependencyImage) networkingv1.NetworkPolicy {
	np := networkingv1.NetworkPolicy{TypeMeta: typeMeta("networking.k8s.io/v1", "NetworkPolicy"), ObjectMeta: m.depMeta(d, blueprints.DependencyWorkload(m.name, d)),
		Spec: networkingv1.NetworkPolicySpec{
			PodSelector: metav1.LabelSelector{MatchLabels: m.depSelector(d)},
			PolicyTypes: []networkingv1.PolicyType{networkingv1.PolicyTypeIngress, networkingv1.PolicyTypeEgress},
			Ingress: []networkingv1.NetworkPolicyIngressRule{{
				From:  []networkingv1.NetworkPolicyPeer{peer(m.ns, m.selector())},
				Ports: tcpPorts(img.Port),
			}},
		}}
	// DNS: a mesh's proxy finds its control plane by name, and a JVM looks up its own host.
	np.Spec.Egress = append([]networkingv1.NetworkPolicyEgressRule{dnsEgress()}, m.meshControlPlane()...)
	return np
}

// meshControlPlane is the egress a mesh's proxy needs, none without a mesh.
func (m *model) meshControlPlane() []networkingv1.NetworkPolicyEgressRule {
	switch m.p.Spec.Mesh {
	case "istio": // the sidecar's configuration and certificates come from istiod
		return []networkingv1.NetworkPolicyEgressRule{{To: []networkingv1.NetworkPolicyPeer{peer("istio-system", nil)}, Ports: tcpPorts(15012)}}
	case "linkerd": // destination, identity and policy controllers
		return []networkingv1.NetworkPolicyEgressRule{{To: []networkingv1.NetworkPolicyPeer{peer("linkerd", nil)}, Ports: tcpPorts(8080, 8086, 8090)}}
	}
	return nil
}

// dependencyEgress lets the service reach its in-cluster dependencies' pods on their ports.
func (m *model) dependencyEgress() []networkingv1.NetworkPolicyEgressRule {
	var out []networkingv1.NetworkPolicyEgressRule
	for _, d := range m.s.Dependencies {
		if img, ok := catalog.LocalImage(d.Type); ok {
			out = append(out, networkingv1.NetworkPolicyEgressRule{To: []networkingv1.NetworkPolicyPeer{peer(m.ns, m.depSelector(d))}, Ports: tcpPorts(img.Port)})
		}
	}
	return out
}

// rootPasswordKey is the key of a dependency server's administrator password in its credentials
// Secret, when its image has one (catalog.ImageRootPassword).
const rootPasswordKey = "root-password"

// passwordKeys are the keys the Password generator fills for a dependency: the service's password,
// and the server's administrator password where the image takes one.
func passwordKeys(img catalog.DependencyImage) []string {
	keys := []string{passwordKey}
	for _, v := range img.Env {
		if v == catalog.ImageRootPassword {
			return append(keys, rootPasswordKey)
		}
	}
	return keys
}

// depContainerEnv is the image's configuration with the dependency's settings filled in. A value that
// is a password reads the credentials Secret; a value or an argument that holds one names
// $(GANTRY_PASSWORD), defined first from the Secret, which the kubelet expands. No env var with
// "password" in its name holds a literal value (kube-linter's and Kubescape's default rules).
func (m *model) depContainerEnv(d blueprints.Dependency, img catalog.DependencyImage) ([]corev1.EnvVar, *strings.Replacer) {
	fill := strings.NewReplacer(catalog.ImageName, blueprints.DependencyDatabase(d), catalog.ImageUser, blueprints.DependencyUser,
		catalog.ImagePassword, "$("+dependencyPassword+")", catalog.ImageHost, blueprints.ServiceHost(blueprints.DependencyWorkload(m.name, d), m.ns))
	fromSecret := func(name, key string) corev1.EnvVar {
		return corev1.EnvVar{Name: name, ValueFrom: &corev1.EnvVarSource{SecretKeyRef: &corev1.SecretKeySelector{
			LocalObjectReference: corev1.LocalObjectReference{Name: blueprints.DependencyCredentials(m.name, d)}, Key: key}}}
	}
	var env []corev1.EnvVar
	embedded := slices.ContainsFunc(img.Command, func(a string) bool { return strings.Contains(a, catalog.ImagePassword) })
	for _, v := range img.Env {
		embedded = embedded || (v != catalog.ImagePassword && strings.Contains(v, catalog.ImagePassword))
	}
	if credentialed(d) && embedded {
		env = append(env, fromSecret(dependencyPassword, passwordKey))
	}
	for _, k := range slices.Sorted(maps.Keys(img.Env)) {
		switch v := img.Env[k]; v {
		case catalog.ImagePassword:
			env = append(env, fromSecret(k, passwordKey))
		case catalog.ImageRootPassword:
			env = append(env, fromSecret(k, rootPasswordKey))
		default:
			env = append(env, corev1.EnvVar{Name: k, Value: fill.Replace(v)})
		}
	}
	return env, fill
}

// volumeName is a container path as a volume's name: /var/run/postgresql -> var-run-postgresql.
func volumeName(p string) string { return strings.ReplaceAll(strings.Trim(p, "/"), "/", "-") }

// depSecurity is a dependency container's security context: the services' (restricted, read-only
// root), as the same non-root user; the images' entrypoints run as any user (postgres through
// nss_wrapper), and fsGroup makes the volumes theirs.
func depSecurity() *corev1.SecurityContext {
	return &corev1.SecurityContext{
		RunAsNonRoot: ptr(true), RunAsUser: ptr(int64(RunAsID)), RunAsGroup: ptr(int64(RunAsID)),
		Privileged: ptr(false), AllowPrivilegeEscalation: ptr(false), ReadOnlyRootFilesystem: ptr(true),
		Capabilities:   &corev1.Capabilities{Drop: []corev1.Capability{"ALL"}},
		SeccompProfile: &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeRuntimeDefault},
	}
}

func depResources(typ string) corev1.ResourceRequirements {
	z := clusterSizing[typ]
	q := corev1.ResourceList{
		corev1.ResourceCPU:              resource.MustParse(z.cpu),
		corev1.ResourceMemory:           resource.MustParse(z.memory),
		corev1.ResourceEphemeralStorage: resource.MustParse(z.ephemeral),
	}
	return corev1.ResourceRequirements{Requests: q, Limits: q.DeepCopy()}
}

// depContainer runs the image: readiness is the image's own check, liveness and startup a TCP
// connection (different handlers, so a slow check under load does not restart it), startup for up to
// five minutes of first initialisation.
func (m *model) depContainer(d blueprints.Dependency, img catalog.DependencyImage) corev1.Container {
	env, fill := m.depContainerEnv(d, img)
	var args, health []string
	for _, a := range img.Command {
		args = append(args, fill.Replace(a))
	}
	for _, a := range img.Health {
		health = append(health, fill.Replace(a))
	}
	tcp := corev1.ProbeHandler{TCPSocket: &corev1.TCPSocketAction{Port: intstr.FromString("tcp")}}
	c := corev1.Container{
		Name: d.Type, Image: img.Ref, ImagePullPolicy: corev1.PullAlways, Args: args, Env: env,
		Ports:           []corev1.ContainerPort{{Name: "tcp", ContainerPort: img.Port, Protocol: corev1.ProtocolTCP}},
		Resources:       depResources(d.Type),
		SecurityContext: depSecurity(),
		// The check is a client of the server (Kafka's starts a JVM): every 20s, with time to answer.
		ReadinessProbe: &corev1.Probe{ProbeHandler: corev1.ProbeHandler{Exec: &corev1.ExecAction{Command: health}},
			PeriodSeconds: 20, TimeoutSeconds: 15, FailureThreshold: 3},
		LivenessProbe: &corev1.Probe{ProbeHandler: tcp, PeriodSeconds: 20, TimeoutSeconds: 2, FailureThreshold: 3},
		StartupProbe:  &corev1.Probe{ProbeHandler: tcp, PeriodSeconds: 5, TimeoutSeconds: 2, FailureThreshold: 60},
	}
	for _, p := range img.Writable {
		c.VolumeMounts = append(c.VolumeMounts, corev1.VolumeMount{Name: volumeName(p), MountPath: p})
	}
	if img.ConfigPath != "" {
		c.VolumeMounts = append(c.VolumeMounts, corev1.VolumeMount{Name: "config", MountPath: img.ConfigPath})
	}
	if img.DataPath != "" {
		c.VolumeMounts = append(c.VolumeMounts, corev1.VolumeMount{Name: "data", MountPath: img.DataPath})
	}
	return c
}

// statefulSet runs one replica of the dependency with its data on a volume of its own, kept when the
// StatefulSet is deleted or scaled (as its password is).
func (m *model) statefulSet(d blueprints.Dependency, img catalog.DependencyImage) appsv1.StatefulSet {
	w := blueprints.DependencyWorkload(m.name, d)
	spec := corev1.PodSpec{
		ServiceAccountName: w, AutomountServiceAccountToken: ptr(false), EnableServiceLinks: ptr(false),
		SecurityContext: &corev1.PodSecurityContext{
			RunAsNonRoot: ptr(true), RunAsUser: ptr(int64(RunAsID)), RunAsGroup: ptr(int64(RunAsID)), FSGroup: ptr(int64(RunAsID)),
			FSGroupChangePolicy: ptr(corev1.FSGroupChangeOnRootMismatch),
			SeccompProfile:      &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeRuntimeDefault},
		},
		TerminationGracePeriodSeconds: ptr(int64(30)),
		Containers:                    []corev1.Container{m.depContainer(d, img)},
	}
	for _, p := range img.Writable {
		limit := resource.MustParse("64Mi")
		if img.DataPath == "" && p == "/tmp" {
			limit = resource.MustParse("1Gi") // where it keeps its data
		}
		spec.Volumes = append(spec.Volumes, corev1.Volume{Name: volumeName(p), VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{SizeLimit: &limit}}})
	}
	if img.ConfigPath != "" {
		// The entrypoint writes its configuration there: a writable copy, seeded from the image.
		spec.Volumes = append(spec.Volumes, corev1.Volume{Name: "config", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{SizeLimit: ptr(resource.MustParse("16Mi"))}}})
		spec.InitContainers = []corev1.Container{{
			Name: "seed-config", Image: img.Ref, ImagePullPolicy: corev1.PullAlways,
			Command:         []string{"cp", "-R", img.ConfigPath + "/.", "/seed/"},
			Resources:       depResources(d.Type),
			SecurityContext: depSecurity(),
			VolumeMounts:    []corev1.VolumeMount{{Name: "config", MountPath: "/seed"}},
		}}
	}
	ss := appsv1.StatefulSet{TypeMeta: typeMeta("apps/v1", "StatefulSet"), ObjectMeta: m.depMeta(d, w), Spec: appsv1.StatefulSetSpec{
		Replicas: ptr(int32(1)), ServiceName: w, Selector: &metav1.LabelSelector{MatchLabels: m.depSelector(d)},
		RevisionHistoryLimit: ptr(int32(5)),
		UpdateStrategy:       appsv1.StatefulSetUpdateStrategy{Type: appsv1.RollingUpdateStatefulSetStrategyType},
		PersistentVolumeClaimRetentionPolicy: &appsv1.StatefulSetPersistentVolumeClaimRetentionPolicy{
			WhenDeleted: appsv1.RetainPersistentVolumeClaimRetentionPolicyType, WhenScaled: appsv1.RetainPersistentVolumeClaimRetentionPolicyType},
		Template: corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: m.depMeta(d, w).Labels}, Spec: spec},
	}}
	if img.DataPath != "" {
		size := clusterStorage[cmp.Or(d.Size, blueprints.DefaultSize)]
		ss.Spec.VolumeClaimTemplates = []corev1.PersistentVolumeClaim{{
			ObjectMeta: metav1.ObjectMeta{Name: "data", Labels: m.depSelector(d)},
			Spec: corev1.PersistentVolumeClaimSpec{AccessModes: []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce},
				Resources: corev1.VolumeResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceStorage: resource.MustParse(size)}}},
		}}
	}
	return ss
}

// depMeshObjects admit the service's identity to the dependency under the namespace's allow-nothing
// mesh policies: the dependency's pod joins the mesh (the namespace injects every pod), so the
// connection is mTLS between the two proxies.
func (m *model) depMeshObjects(d blueprints.Dependency, img catalog.DependencyImage) []any {
	w := blueprints.DependencyWorkload(m.name, d)
	port := strconv.Itoa(int(img.Port))
	switch m.p.Spec.Mesh {
	case "istio":
		return []any{IstioAuthorizationPolicy{TypeMeta: typeMeta("security.istio.io/v1", "AuthorizationPolicy"), ObjectMeta: m.depMeta(d, w),
			Spec: IstioAuthorizationPolicySpec{Selector: &WorkloadSelector{MatchLabels: m.depSelector(d)}, Action: "ALLOW",
				Rules: []IstioRule{{From: []IstioFrom{{Source: IstioSource{Principals: []string{principal(m.ns, m.name)}}}},
					To: []IstioTo{{Operation: IstioOperation{Ports: []string{port}}}}}}}}}
	case "linkerd":
		ref := func(kind, name string) LinkerdRef {
			return LinkerdRef{Group: "policy.linkerd.io", Kind: kind, Name: name}
		}
		return []any{
			LinkerdServer{TypeMeta: typeMeta("policy.linkerd.io/v1beta3", "Server"), ObjectMeta: m.depMeta(d, w),
				Spec: LinkerdServerSpec{PodSelector: metav1.LabelSelector{MatchLabels: m.depSelector(d)}, Port: "tcp", ProxyProtocol: "opaque"}},
			MeshTLSAuthentication{TypeMeta: typeMeta("policy.linkerd.io/v1alpha1", "MeshTLSAuthentication"), ObjectMeta: m.depMeta(d, w+"-clients"),
				Spec: MeshTLSAuthenticationSpec{IdentityRefs: []LinkerdRef{{Kind: "ServiceAccount", Name: m.name, Namespace: m.ns}}}},
			LinkerdAuthorizationPolicy{TypeMeta: typeMeta("policy.linkerd.io/v1alpha1", "AuthorizationPolicy"), ObjectMeta: m.depMeta(d, w),
				Spec: LinkerdAuthorizationPolicySpec{TargetRef: ref("Server", w), RequiredAuthenticationRefs: []LinkerdRef{ref("MeshTLSAuthentication", w+"-clients")}}},
		}
	}
	return nil
}
