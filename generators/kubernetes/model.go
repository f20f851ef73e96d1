package kubernetes

import (
	"fmt"
	"maps"
	"net/netip"
	"slices"
	"strconv"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/gantry-dev/gantry/blueprints"
	"github.com/gantry-dev/gantry/blueprints/catalog"
)

// placeholderTag and placeholderDigest stand in the image reference until CI sets the real ones with
// `kustomize edit set image` in each overlay: a tag for people, a digest for the checkers.
const (
	placeholderTag    = "0.0.0"
	placeholderDigest = "sha256:0000000000000000000000000000000000000000000000000000000000000000"
)

// model is one service in one environment ("" for the base), with the names everything shares.
type model struct {
	p        *blueprints.ResolvedPlatform
	svc      *blueprints.ResolvedService
	env      string
	s        blueprints.ServiceSpec
	name, ns string
}

func newModel(p *blueprints.ResolvedPlatform, svc *blueprints.ResolvedService, env string, s blueprints.ServiceSpec) *model {
	return &model{p: p, svc: svc, env: env, s: s, name: svc.Name, ns: s.Namespace}
}

func ptr[T any](v T) *T { return &v }

func (m *model) selector() map[string]string {
	return map[string]string{"app.kubernetes.io/name": m.name, "app.kubernetes.io/instance": m.name}
}

func (m *model) labels() map[string]string {
	l := m.selector()
	l["app.kubernetes.io/version"] = placeholderTag
	l["app.kubernetes.io/component"] = m.s.Type
	l["app.kubernetes.io/part-of"] = m.p.Name
	l["app.kubernetes.io/managed-by"] = "gantry"
	return l
}

func (m *model) meta(name string) metav1.ObjectMeta {
	return metav1.ObjectMeta{Name: name, Namespace: m.ns, Labels: m.labels()}
}

func typeMeta(apiVersion, kind string) metav1.TypeMeta {
	return metav1.TypeMeta{APIVersion: apiVersion, Kind: kind}
}

func (m *model) web() bool { return m.s.Type == blueprints.TypeWeb }
func (m *model) longLived() bool {
	return m.s.Type == blueprints.TypeWeb || m.s.Type == blueprints.TypeWorker
}
func (m *model) autoscaled() bool {
	return m.longLived() && (m.s.Replicas.Max > m.s.Replicas.Min || m.scaled())
}

// replicas is the environment's minimum as resolved: production's floor (blueprints.ProductionMinReplicas)
// is applied when blueprints are normalised, so that `gantry validate --print` shows it and validation
// warns where it was set. The generator changes no replica count of its own accord.
func (m *model) replicas() int32 { return int32(m.s.Replicas.Min) }

func (m *model) maxReplicas() int32 { return int32(m.s.Replicas.Max) }

func (m *model) portName() string {
	switch m.s.Protocol {
	case "grpc":
		return "grpc"
	case "tcp":
		return "tcp"
	}
	return "http"
}

func (m *model) hasSecrets() bool { return len(m.secretData()) > 0 }

// mountsSecrets is true when the pod mounts secret files: the service's own, or a dependency's password.
func (m *model) mountsSecrets() bool {
	return m.hasSecrets() || slices.ContainsFunc(m.s.Dependencies, credentialed)
}

// credentialed dependencies get a password from the secret store.
func credentialed(d blueprints.Dependency) bool {
	kind, _ := catalog.Lookup(d.Type)
	return kind.Credentials
}

func (m *model) workloadFile() string {
	switch m.s.Type {
	case blueprints.TypeCron:
		return "cronjob.yaml"
	case blueprints.TypeJob:
		return "job.yaml"
	}
	return "deployment.yaml"
}

// baseObjects are the files of the kustomize base (or their environment's version, to compare).
func (m *model) baseObjects() []object {
	objs := []object{
		{"serviceaccount.yaml", []any{m.serviceAccount()}},
		{m.workloadFile(), []any{m.workload()}},
		{"networkpolicy.yaml", []any{m.networkPolicy()}},
	}
	if m.web() {
		objs = append(objs, object{"service.yaml", []any{m.service()}})
	}
	if m.hasSecrets() {
		objs = append(objs, object{"externalsecret.yaml", []any{m.externalSecret()}})
	}
	if len(m.s.ConfigFiles) > 0 {
		objs = append(objs, object{"config-files.yaml", []any{m.configMap()}})
	}
	switch {
	case m.web() && m.s.MetricsPort != 0:
		objs = append(objs, object{"servicemonitor.yaml", []any{m.serviceMonitor()}})
	case m.s.Type == blueprints.TypeWorker && m.s.MetricsPort != 0:
		// A worker has no Service (nothing calls it), so Prometheus finds its pods directly.
		objs = append(objs, object{"podmonitor.yaml", []any{m.podMonitor()}})
	}
	objs = append(objs, m.sloObjects()...)
	if m.web() && m.s.Ingress.Host != "" {
		if m.p.Spec.Routing == "ingress" {
			objs = append(objs, object{"ingress.yaml", []any{m.ingress()}})
		} else {
			objs = append(objs, object{"httproute.yaml", []any{m.httpRoute()}})
		}
	}
	if mesh := m.meshObjects(); len(mesh) > 0 {
		objs = append(objs, object{"mesh.yaml", mesh})
	}
	slices.SortFunc(objs, func(a, b object) int { return strings.Compare(a.file, b.file) })
	return objs
}

// envObjects exist per environment only: their presence depends on the environment's replicas.
func (m *model) envObjects() []object {
	var objs []object
	switch {
	case m.scaled(): // KEDA owns the replicas (and the HorizontalPodAutoscaler it makes)
		objs = append(objs, object{"keda.yaml", m.kedaObjects()})
	case m.autoscaled():
		objs = append(objs, object{"hpa.yaml", []any{m.hpa()}})
	}
	if m.longLived() && m.replicas() > 1 {
		objs = append(objs, object{"pdb.yaml", []any{m.pdb()}})
	}
	return append(objs, m.dependencyObjects()...)
}

func (m *model) serviceAccount() corev1.ServiceAccount {
	return corev1.ServiceAccount{
		TypeMeta:                     typeMeta("v1", "ServiceAccount"),
		ObjectMeta:                   m.meta(m.name),
		AutomountServiceAccountToken: ptr(false), // the workload does not talk to the API server
	}
}

// settings are the service's plain settings, plus (in an environment) what tells it where it runs,
// sorted by name. They go straight into the container's env rather than a ConfigMap: a change rolls the
// pods by itself, and ConfigMap content heuristics do not misread a timeout as a passport number.
func (m *model) settings() []corev1.EnvVar {
	data := map[string]string{}
	for k, v := range m.s.EnvValues() {
		if text, ok := v.Literal(); ok {
			data[k] = text
		}
	}
	if m.env != "" {
		data["ENVIRONMENT"] = m.env
		data["OTEL_RESOURCE_ATTRIBUTES"] = fmt.Sprintf("deployment.environment.name=%s,service.namespace=%s,service.version=%s",
			m.env, m.ns, placeholderTag)
	}
	var env []corev1.EnvVar
	for _, k := range slices.Sorted(maps.Keys(data)) {
		env = append(env, corev1.EnvVar{Name: k, Value: blueprints.KubeletLiteral(data[k])})
	}
	return env
}

// image is the container's image: a prebuilt one as pinned in the blueprint, else the repository with
// the placeholder tag and digest that CI's promote step replaces in each overlay's image component.
func (m *model) image() string {
	if p := m.svc.Base.Prebuilt; p != "" {
		return p
	}
	return fmt.Sprintf("%s:%s@%s", m.svc.Base.Image, placeholderTag, placeholderDigest)
}

// connections are the env values the pod resolves (blueprints' placeholders): the secrets first (a
// value that is one secret reads it from the Secret; a composed value expands a GANTRY_SECRET_
// variable holding it), then the composed values, which the kubelet expands over the variables
// defined before them (the dependency settings, the secrets), their own text escaped.
func (m *model) connections() []corev1.EnvVar {
	vals := m.s.EnvValues()
	var secrets, composed []corev1.EnvVar
	helpers := map[string]string{}
	for _, k := range slices.Sorted(maps.Keys(vals)) {
		v := vals[k]
		if _, lit := v.Literal(); lit {
			continue
		}
		if len(v) == 1 && v[0].Secret != "" {
			secrets = append(secrets, m.secretEnv(k, v[0].Secret))
			continue
		}
		for _, p := range v {
			if p.Secret != "" {
				helpers[blueprints.SecretEnvVar(p.Secret)] = p.Secret
			}
		}
		composed = append(composed, corev1.EnvVar{Name: k, Value: v.Kubelet()})
	}
	for h, key := range helpers {
		secrets = append(secrets, m.secretEnv(h, key))
	}
	slices.SortFunc(secrets, func(a, b corev1.EnvVar) int { return strings.Compare(a.Name, b.Name) })
	return append(secrets, composed...)
}

// secretEnv is a variable read from a key of the service's Secret (which its ExternalSecret fills).
func (m *model) secretEnv(name, key string) corev1.EnvVar {
	secret, secretKey := m.credentialsRef(key)
	return corev1.EnvVar{Name: name, ValueFrom: &corev1.EnvVarSource{SecretKeyRef: &corev1.SecretKeySelector{
		LocalObjectReference: corev1.LocalObjectReference{Name: secret}, Key: secretKey}}}
}

func (m *model) quantities() corev1.ResourceList {
	r := m.s.Resources
	return corev1.ResourceList{
		corev1.ResourceCPU:              resource.MustParse(r.CPU),
		corev1.ResourceMemory:           resource.MustParse(r.Memory),
		corev1.ResourceEphemeralStorage: resource.MustParse(r.EphemeralStorage),
	}
}

func (m *model) resources() corev1.ResourceRequirements {
	// Limits equal requests: guaranteed memory, no noisy neighbours; the checkers require CPU limits.
	return corev1.ResourceRequirements{Requests: m.quantities(), Limits: m.quantities()}
}

func (m *model) containerEnv() []corev1.EnvVar {
	env := []corev1.EnvVar{{Name: "SERVICE_NAME", Value: m.name}, {Name: "CONFIDENTIAL_DIR", Value: SecretsDir}}
	if m.s.Port != 0 {
		env = append(env, corev1.EnvVar{Name: "PORT", Value: strconv.Itoa(m.s.Port)})
	}
	if m.s.MetricsPort != 0 {
		env = append(env, corev1.EnvVar{Name: "METRICS_PORT", Value: strconv.Itoa(m.s.MetricsPort)})
	}
	env = append(env,
		corev1.EnvVar{Name: "OTEL_SERVICE_NAME", Value: m.name},
		corev1.EnvVar{Name: "OTEL_EXPORTER_OTLP_ENDPOINT", Value: CollectorEndpoint},
	)
	env = append(env, m.settings()...)
	// Connection settings come from the ConfigMap that the service's Terraform (or, in the cluster, the
	// overlay) writes; a port is the provider's, known here.
	for _, d := range m.s.Dependencies {
		for _, k := range blueprints.DependencyEnv(d) {
			if port, ok := m.dependencyPort(d, k); ok {
				env = append(env, corev1.EnvVar{Name: k, Value: port})
				continue
			}
			env = append(env, corev1.EnvVar{Name: k, ValueFrom: &corev1.EnvVarSource{
				ConfigMapKeyRef: &corev1.ConfigMapKeySelector{LocalObjectReference: corev1.LocalObjectReference{Name: blueprints.DependencyConfigMap(m.name)}, Key: k},
			}})
		}
	}
	return append(env, m.connections()...)
}

// probes sets a web service's probes: readiness every 10s, liveness every 20s, and a startup probe
// (every 5s, up to 60 failures: 5 minutes) when the blueprint asks for one; health.initialDelaySeconds
// delays the startup probe when there is one (liveness and readiness wait for it anyway), otherwise
// liveness and readiness.
func (m *model) probes(c *corev1.Container) {
	if m.s.Type == blueprints.TypeWorker && m.s.Health.Liveness != "" {
		// A worker's liveness reports its loop's heartbeat on the metrics port: a hung loop is restarted.
		c.LivenessProbe = &corev1.Probe{ProbeHandler: corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{
			Path: m.s.Health.Liveness, Port: intstr.FromString("metrics"), Scheme: corev1.URISchemeHTTP}},
			InitialDelaySeconds: int32(m.s.Health.InitialDelaySeconds), PeriodSeconds: 20, FailureThreshold: 3, TimeoutSeconds: 2}
		return
	}
	if !m.web() {
		return
	}
	port := intstr.FromString(m.portName())
	h := m.s.Health
	switch {
	case h.GRPC:
		// Kubernetes' own gRPC probe calls grpc.health.v1.Health/Check. It takes a port number only (no
		// named port), and no service name: the empty name is the server's overall health, which every
		// stock health server answers; a name such as "liveness" answers only if the app registers it,
		// so the two probes share the handler (kube-score's identical-probes check compares HTTP, TCP
		// and exec handlers only) and differ in period.
		grpc := func() corev1.ProbeHandler {
			return corev1.ProbeHandler{GRPC: &corev1.GRPCAction{Port: int32(m.s.Port)}}
		}
		c.ReadinessProbe = &corev1.Probe{ProbeHandler: grpc(), PeriodSeconds: 10, FailureThreshold: 3, TimeoutSeconds: 2}
		c.LivenessProbe = &corev1.Probe{ProbeHandler: grpc(), PeriodSeconds: 20, FailureThreshold: 3, TimeoutSeconds: 2}
		if h.GRPCStartup {
			c.StartupProbe = &corev1.Probe{ProbeHandler: grpc(), PeriodSeconds: 5, FailureThreshold: 60, TimeoutSeconds: 2}
		}
	case h.TCP:
		c.ReadinessProbe = &corev1.Probe{ProbeHandler: corev1.ProbeHandler{TCPSocket: &corev1.TCPSocketAction{Port: port}},
			PeriodSeconds: 10, FailureThreshold: 3, TimeoutSeconds: 2}
	default:
		get := func(p string) corev1.ProbeHandler {
			return corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{Path: p, Port: port, Scheme: corev1.URISchemeHTTP}}
		}
		c.ReadinessProbe = &corev1.Probe{ProbeHandler: get(h.Readiness), PeriodSeconds: 10, FailureThreshold: 3, TimeoutSeconds: 2}
		live := get(h.Liveness)
		if h.Liveness == h.Readiness {
			// One endpoint for both would restart pods under load instead of shedding traffic
			// (kube-score's pod-probes-identical): liveness checks only that the port accepts
			// connections, the one thing a restart can fix (validation warns where the paths are set).
			live = corev1.ProbeHandler{TCPSocket: &corev1.TCPSocketAction{Port: port}}
		}
		c.LivenessProbe = &corev1.Probe{ProbeHandler: live, PeriodSeconds: 20, FailureThreshold: 3, TimeoutSeconds: 2}
		if h.Startup != "" {
			c.StartupProbe = &corev1.Probe{ProbeHandler: get(h.Startup), PeriodSeconds: 5, FailureThreshold: 60, TimeoutSeconds: 2}
		}
	}
	if d := int32(h.InitialDelaySeconds); d > 0 {
		if c.StartupProbe != nil {
			c.StartupProbe.InitialDelaySeconds = d
		} else {
			for _, p := range []*corev1.Probe{c.ReadinessProbe, c.LivenessProbe} {
				if p != nil {
					p.InitialDelaySeconds = d
				}
			}
		}
	}
}

func (m *model) container() corev1.Container {
	c := corev1.Container{
		Name:            m.name,
		Image:           m.image(),
		ImagePullPolicy: corev1.PullAlways,
		Env:             m.containerEnv(),
		Resources:       m.resources(),
		SecurityContext: &corev1.SecurityContext{
			RunAsNonRoot:             ptr(true),
			RunAsUser:                ptr(int64(RunAsID)),
			RunAsGroup:               ptr(int64(RunAsID)),
			Privileged:               ptr(false),
			AllowPrivilegeEscalation: ptr(false),
			ReadOnlyRootFilesystem:   ptr(true),
			Capabilities:             &corev1.Capabilities{Drop: []corev1.Capability{"ALL"}},
			SeccompProfile:           &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeRuntimeDefault},
		},
		VolumeMounts: []corev1.VolumeMount{{Name: "tmp", MountPath: "/tmp"}},
	}
	if m.s.Port != 0 {
		c.Ports = append(c.Ports, corev1.ContainerPort{Name: m.portName(), ContainerPort: int32(m.s.Port), Protocol: corev1.ProtocolTCP})
	}
	if m.s.MetricsPort != 0 {
		c.Ports = append(c.Ports, corev1.ContainerPort{Name: "metrics", ContainerPort: int32(m.s.MetricsPort), Protocol: corev1.ProtocolTCP})
	}
	if m.mountsSecrets() {
		c.VolumeMounts = append(c.VolumeMounts, corev1.VolumeMount{Name: "secrets", MountPath: SecretsDir, ReadOnly: true})
	}
	c.Command, c.Args = m.s.Command, m.s.Args
	for i, w := range m.s.WritablePaths {
		c.VolumeMounts = append(c.VolumeMounts, corev1.VolumeMount{Name: writableVolume(i), MountPath: w.Path})
	}
	c.VolumeMounts = append(c.VolumeMounts, m.configMounts()...)
	m.probes(&c)
	return c
}

// writableVolume names the emptyDir of the i-th writable path.
func writableVolume(i int) string { return fmt.Sprintf("writable-%d", i) }

// writableVolumes are the emptyDirs of the writable paths, sized as written (64Mi by default, as /tmp).
func (m *model) writableVolumes() []corev1.Volume {
	var out []corev1.Volume
	for i, w := range m.s.WritablePaths {
		size := resource.MustParse(DefaultWritableSize)
		if w.SizeLimit != "" {
			size = resource.MustParse(w.SizeLimit)
		}
		out = append(out, corev1.Volume{Name: writableVolume(i), VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{SizeLimit: &size}}})
	}
	return out
}

func (m *model) podTemplate() corev1.PodTemplateSpec {
	spec := corev1.PodSpec{
		ServiceAccountName:           m.name,
		AutomountServiceAccountToken: ptr(false),
		EnableServiceLinks:           ptr(false), // no Docker-link env vars for every Service in the namespace
		SecurityContext: &corev1.PodSecurityContext{
			RunAsNonRoot:   ptr(true),
			RunAsUser:      ptr(int64(RunAsID)),
			RunAsGroup:     ptr(int64(RunAsID)),
			FSGroup:        ptr(int64(RunAsID)),
			SeccompProfile: &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeRuntimeDefault},
		},
		TerminationGracePeriodSeconds: ptr(int64(30)),
		Containers:                    []corev1.Container{m.container()},
		Volumes: []corev1.Volume{{Name: "tmp", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{
			SizeLimit: ptr(resource.MustParse(DefaultWritableSize)),
		}}}},
	}
	if m.mountsSecrets() {
		spec.Volumes = append(spec.Volumes, m.secretsVolume())
	}
	spec.Volumes = append(spec.Volumes, m.writableVolumes()...)
	if len(m.s.ConfigFiles) > 0 {
		spec.Volumes = append(spec.Volumes, m.configVolume())
	}
	spec.NodeSelector = m.s.Pod.NodeSelector
	for _, t := range m.s.Pod.Tolerations {
		tol := corev1.Toleration{Key: t.Key, Operator: corev1.TolerationOperator(t.Operator), Value: t.Value, Effect: corev1.TaintEffect(t.Effect)}
		if t.TolerationSeconds != 0 {
			tol.TolerationSeconds = ptr(int64(t.TolerationSeconds))
		}
		spec.Tolerations = append(spec.Tolerations, tol)
	}
	if m.longLived() {
		sel := &metav1.LabelSelector{MatchLabels: m.selector()}
		spec.Affinity = &corev1.Affinity{PodAntiAffinity: &corev1.PodAntiAffinity{
			PreferredDuringSchedulingIgnoredDuringExecution: []corev1.WeightedPodAffinityTerm{{
				Weight: 100, PodAffinityTerm: corev1.PodAffinityTerm{LabelSelector: sel, TopologyKey: "kubernetes.io/hostname"},
			}},
		}}
		spec.TopologySpreadConstraints = []corev1.TopologySpreadConstraint{{
			MaxSkew: 1, TopologyKey: "topology.kubernetes.io/zone", WhenUnsatisfiable: corev1.ScheduleAnyway, LabelSelector: sel,
		}}
	} else {
		spec.RestartPolicy = corev1.RestartPolicyNever
	}
	labels := m.labels()
	maps.Copy(labels, m.s.Pod.Labels) // validation keeps them clear of Gantry's own
	if m.p.Spec.Cloud.Provider == "azure" {
		// Azure Workload Identity injects the federated token only into pods that ask for it.
		labels["azure.workload.identity/use"] = "true"
	}
	// The blueprint's annotations, then the mesh's (validation keeps the two apart).
	var annotations map[string]string
	for _, a := range []map[string]string{m.s.Pod.Annotations, m.podAnnotations()} {
		if len(a) > 0 && annotations == nil {
			annotations = map[string]string{}
		}
		maps.Copy(annotations, a)
	}
	return corev1.PodTemplateSpec{
		ObjectMeta: metav1.ObjectMeta{Labels: labels, Annotations: annotations},
		Spec:       spec,
	}
}

func (m *model) podAnnotations() map[string]string {
	// A Job's pod must be able to finish: the proxy runs as a native sidecar (an init container that
	// restarts always), which the kubelet stops when the main container exits.
	finite := !m.longLived()
	switch m.p.Spec.Mesh {
	case "istio":
		a := map[string]string{"sidecar.istio.io/inject": "true"}
		if finite {
			a["sidecar.istio.io/nativeSidecar"] = "true"
		}
		return a
	case "linkerd":
		a := map[string]string{"linkerd.io/inject": "enabled"}
		if finite {
			a["config.alpha.linkerd.io/proxy-enable-native-sidecar"] = "true"
		}
		return a
	}
	return nil
}

func (m *model) workload() any {
	tmpl := m.podTemplate()
	switch m.s.Type {
	case blueprints.TypeCron:
		// The CronJob's Jobs are its own (owner references), not in Git: the TTL controller may delete
		// them without Argo CD or Flux noticing. The history limits bound how many are kept; the TTL
		// bounds how long, for rare schedules.
		cronJobSpec := m.jobSpec(tmpl)
		cronJobSpec.TTLSecondsAfterFinished = ptr(int32(FinishedJobTTL))
		return batchv1.CronJob{TypeMeta: typeMeta("batch/v1", "CronJob"), ObjectMeta: m.meta(m.name), Spec: batchv1.CronJobSpec{
			Schedule:                   m.s.Schedule,
			TimeZone:                   ptr("Etc/UTC"),
			ConcurrencyPolicy:          batchv1.ForbidConcurrent,
			StartingDeadlineSeconds:    ptr(int64(300)),
			SuccessfulJobsHistoryLimit: ptr(int32(3)),
			FailedJobsHistoryLimit:     ptr(int32(3)),
			JobTemplate:                batchv1.JobTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: m.labels()}, Spec: cronJobSpec},
		}}
	case blueprints.TypeJob:
		meta := m.meta(m.name)
		// A Job's pod template cannot change: the GitOps engine replaces it on every sync instead.
		// No ttlSecondsAfterFinished: this Job is in Git, and Flux would apply it again (running it
		// again) once the TTL controller deleted it; the replacement on the next deploy cleans it up
		// (see internal/checkers/exceptions.yaml).
		meta.Annotations = map[string]string{
			"argocd.argoproj.io/hook":               "Sync",
			"argocd.argoproj.io/hook-delete-policy": "BeforeHookCreation",
			"kustomize.toolkit.fluxcd.io/force":     "enabled",
		}
		return batchv1.Job{TypeMeta: typeMeta("batch/v1", "Job"), ObjectMeta: meta, Spec: m.jobSpec(tmpl)}
	}
	d := appsv1.Deployment{TypeMeta: typeMeta("apps/v1", "Deployment"), ObjectMeta: m.meta(m.name), Spec: appsv1.DeploymentSpec{
		Selector:             &metav1.LabelSelector{MatchLabels: m.selector()},
		RevisionHistoryLimit: ptr(int32(5)),
		Strategy: appsv1.DeploymentStrategy{Type: appsv1.RollingUpdateDeploymentStrategyType, RollingUpdate: &appsv1.RollingUpdateDeployment{
			MaxUnavailable: ptr(intstr.FromInt32(0)), MaxSurge: ptr(intstr.FromString("25%")),
		}},
		Template: tmpl,
	}}
	return d
}

func (m *model) jobSpec(tmpl corev1.PodTemplateSpec) batchv1.JobSpec {
	return batchv1.JobSpec{BackoffLimit: ptr(int32(2)), ActiveDeadlineSeconds: ptr(int64(3600)), Template: tmpl}
}

// workloadPatch is what an overlay changes in the workload: replicas (unless an autoscaler owns them),
// resources, and the env (the environment's settings and connections).
func (m *model) workloadPatch() any {
	// The whole env, in order: a strategic-merge patch puts the variables it names first, and the
	// kubelet expands $(VAR) only over the variables before it, so a patch of the settings alone
	// would move a composed connection ahead of the dependency settings it reads (TestConnectionsExpand).
	c := map[string]any{"name": m.name, "resources": m.resources(), "env": m.containerEnv()}
	podSpec := map[string]any{"containers": []any{c}}
	tmpl := map[string]any{"spec": podSpec}
	meta := map[string]any{"name": m.name, "namespace": m.ns}
	switch m.s.Type {
	case blueprints.TypeCron:
		return map[string]any{"apiVersion": "batch/v1", "kind": "CronJob", "metadata": meta,
			"spec": map[string]any{"jobTemplate": map[string]any{"spec": map[string]any{"template": tmpl}}}}
	case blueprints.TypeJob:
		return map[string]any{"apiVersion": "batch/v1", "kind": "Job", "metadata": meta, "spec": map[string]any{"template": tmpl}}
	}
	spec := map[string]any{"template": tmpl}
	if !m.autoscaled() {
		spec["replicas"] = m.replicas()
	}
	return map[string]any{"apiVersion": "apps/v1", "kind": "Deployment", "metadata": meta, "spec": spec}
}

func (m *model) service() corev1.Service {
	s := corev1.Service{TypeMeta: typeMeta("v1", "Service"), ObjectMeta: m.meta(m.name), Spec: corev1.ServiceSpec{
		Type:     corev1.ServiceTypeClusterIP,
		Selector: m.selector(),
	}}
	if m.s.Port != 0 {
		// Callers, the route and the ingress address the Service port (spec.servicePort, which defaults
		// to spec.port); it forwards to the named container port, so the container never binds it.
		s.Spec.Ports = append(s.Spec.Ports, corev1.ServicePort{Name: m.portName(), Port: int32(m.s.ServicePort),
			TargetPort: intstr.FromString(m.portName()), Protocol: corev1.ProtocolTCP, AppProtocol: m.appProtocol()})
	}
	if m.s.MetricsPort != 0 {
		s.Spec.Ports = append(s.Spec.Ports, corev1.ServicePort{Name: "metrics", Port: int32(m.s.MetricsPort),
			TargetPort: intstr.FromString("metrics"), Protocol: corev1.ProtocolTCP, AppProtocol: ptr("http")})
	}
	return s
}

func (m *model) appProtocol() *string {
	switch m.s.Protocol {
	case "grpc":
		return ptr("kubernetes.io/h2c")
	case "tcp":
		return ptr("tcp")
	}
	return ptr("http")
}

func (m *model) hpa() autoscalingv2.HorizontalPodAutoscaler {
	return autoscalingv2.HorizontalPodAutoscaler{TypeMeta: typeMeta("autoscaling/v2", "HorizontalPodAutoscaler"), ObjectMeta: m.meta(m.name),
		Spec: autoscalingv2.HorizontalPodAutoscalerSpec{
			ScaleTargetRef: autoscalingv2.CrossVersionObjectReference{APIVersion: "apps/v1", Kind: "Deployment", Name: m.name},
			MinReplicas:    ptr(m.replicas()),
			MaxReplicas:    m.maxReplicas(),
			Metrics: []autoscalingv2.MetricSpec{{Type: autoscalingv2.ResourceMetricSourceType, Resource: &autoscalingv2.ResourceMetricSource{
				Name: corev1.ResourceCPU, Target: autoscalingv2.MetricTarget{Type: autoscalingv2.UtilizationMetricType, AverageUtilization: ptr(int32(m.s.Replicas.CPU))},
			}}},
		}}
}

func (m *model) pdb() policyv1.PodDisruptionBudget {
	return policyv1.PodDisruptionBudget{TypeMeta: typeMeta("policy/v1", "PodDisruptionBudget"), ObjectMeta: m.meta(m.name),
		Spec: policyv1.PodDisruptionBudgetSpec{
			MaxUnavailable:             ptr(intstr.FromInt32(1)),
			Selector:                   &metav1.LabelSelector{MatchLabels: m.selector()},
			UnhealthyPodEvictionPolicy: ptr(policyv1.AlwaysAllow),
		}}
}

// secretData maps each secret name from the store, where keys are <team>/<service>/<name>. The
// dependencies' passwords have Secrets of their own (dependencyObjects).
func (m *model) secretData() []ExternalSecretData {
	var data []ExternalSecretData
	for _, s := range m.s.Secrets {
		data = append(data, ExternalSecretData{SecretKey: s, RemoteRef: RemoteRef{Key: m.storeKey(s)}})
	}
	slices.SortFunc(data, func(a, b ExternalSecretData) int { return strings.Compare(a.SecretKey, b.SecretKey) })
	return data
}

// secretsVolume holds one file per secret name under SecretsDir: the service's Secret and each
// dependency's password as <NAME>_PASSWORD, whoever provides the dependency.
func (m *model) secretsVolume() corev1.Volume {
	var sources []corev1.VolumeProjection
	if m.hasSecrets() {
		sources = append(sources, corev1.VolumeProjection{Secret: &corev1.SecretProjection{
			LocalObjectReference: corev1.LocalObjectReference{Name: m.name + "-secrets"}}})
	}
	for _, d := range m.s.Dependencies {
		if credentialed(d) {
			sources = append(sources, corev1.VolumeProjection{Secret: &corev1.SecretProjection{
				LocalObjectReference: corev1.LocalObjectReference{Name: blueprints.DependencyCredentials(m.name, d)},
				Items:                []corev1.KeyToPath{{Key: passwordKey, Path: blueprints.EnvPrefix(d) + "PASSWORD"}}}})
		}
	}
	return corev1.Volume{Name: "secrets", VolumeSource: corev1.VolumeSource{Projected: &corev1.ProjectedVolumeSource{
		Sources: sources, DefaultMode: ptr(int32(0o440))}}}
}

func (m *model) storeKey(name string) string {
	return blueprints.SecretStoreKey(m.p.Spec.Cloud.Provider, m.svc.Team, m.name, name)
}

func (m *model) externalSecret() ExternalSecret {
	return ExternalSecret{TypeMeta: typeMeta("external-secrets.io/v1", "ExternalSecret"), ObjectMeta: m.meta(m.name),
		Spec: ExternalSecretSpec{
			RefreshInterval: "1h",
			SecretStoreRef:  &SecretStoreRef{Kind: "ClusterSecretStore", Name: SecretStore},
			Target:          ExternalSecretTarget{Name: m.name + "-secrets", CreationPolicy: "Owner", DeletionPolicy: "Retain"},
			Data:            m.secretData(),
		}}
}

func (m *model) serviceMonitor() ServiceMonitor {
	return ServiceMonitor{TypeMeta: typeMeta("monitoring.coreos.com/v1", "ServiceMonitor"), ObjectMeta: m.meta(m.name),
		Spec: ServiceMonitorSpec{
			Selector:  metav1.LabelSelector{MatchLabels: m.selector()},
			Endpoints: []MonitorEndpoint{{Port: "metrics", Path: "/metrics", Interval: "30s"}},
		}}
}

func (m *model) podMonitor() PodMonitor {
	return PodMonitor{TypeMeta: typeMeta("monitoring.coreos.com/v1", "PodMonitor"), ObjectMeta: m.meta(m.name),
		Spec: PodMonitorSpec{
			Selector:            metav1.LabelSelector{MatchLabels: m.selector()},
			PodMetricsEndpoints: []MonitorEndpoint{{Port: "metrics", Path: "/metrics", Interval: "30s"}},
		}}
}

func (m *model) gateway() string {
	if m.s.Ingress.Public {
		return PublicGateway
	}
	return InternalGateway
}

func (m *model) httpRoute() HTTPRoute {
	var matches []HTTPRouteMatch
	for _, p := range m.s.Ingress.Paths {
		matches = append(matches, HTTPRouteMatch{Path: HTTPPathMatch{Type: "PathPrefix", Value: p}})
	}
	return HTTPRoute{TypeMeta: typeMeta("gateway.networking.k8s.io/v1", "HTTPRoute"), ObjectMeta: m.meta(m.name),
		Spec: HTTPRouteSpec{
			ParentRefs: []ParentRef{{Name: m.gateway(), Namespace: GatewayNamespace, SectionName: "https"}},
			Hostnames:  []string{m.s.Ingress.Host},
			Rules:      []HTTPRouteRule{{Matches: matches, BackendRefs: []BackendRef{{Name: m.name, Port: int32(m.s.ServicePort)}}}}, // the Service's port, not the container's
		}}
}

func (m *model) ingress() networkingv1.Ingress {
	var paths []networkingv1.HTTPIngressPath
	for _, p := range m.s.Ingress.Paths {
		paths = append(paths, networkingv1.HTTPIngressPath{Path: p, PathType: ptr(networkingv1.PathTypePrefix),
			Backend: networkingv1.IngressBackend{Service: &networkingv1.IngressServiceBackend{
				Name: m.name, Port: networkingv1.ServiceBackendPort{Name: m.portName()},
			}}})
	}
	return networkingv1.Ingress{TypeMeta: typeMeta("networking.k8s.io/v1", "Ingress"), ObjectMeta: m.meta(m.name),
		Spec: networkingv1.IngressSpec{
			IngressClassName: ptr(m.gateway()),
			TLS:              []networkingv1.IngressTLS{{Hosts: []string{m.s.Ingress.Host}, SecretName: m.name + "-tls"}},
			Rules: []networkingv1.IngressRule{{Host: m.s.Ingress.Host, IngressRuleValue: networkingv1.IngressRuleValue{
				HTTP: &networkingv1.HTTPIngressRuleValue{Paths: paths},
			}}},
		}}
}

// peer is a namespace and pod selector for NetworkPolicy rules.
func peer(ns string, pods map[string]string) networkingv1.NetworkPolicyPeer {
	p := networkingv1.NetworkPolicyPeer{NamespaceSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"kubernetes.io/metadata.name": ns}}}
	if pods != nil {
		p.PodSelector = &metav1.LabelSelector{MatchLabels: pods}
	}
	return p
}

func tcpPorts(ports ...int32) []networkingv1.NetworkPolicyPort {
	var out []networkingv1.NetworkPolicyPort
	for _, p := range ports {
		out = append(out, networkingv1.NetworkPolicyPort{Protocol: ptr(corev1.ProtocolTCP), Port: ptr(intstr.FromInt32(p))})
	}
	return out
}

// find returns a service of the platform named by a calls/callers entry.
func (m *model) find(ref string) *blueprints.ResolvedService {
	name, ns, _ := strings.Cut(ref, ".")
	for _, s := range m.p.Services {
		if s.Name == name && (ns == "" || s.Base.Namespace == ns) {
			return s
		}
	}
	return nil
}

// networkPolicy lets in only the declared callers (and the gateway, and the metrics scraper) and lets
// out only DNS, the declared callees, dependencies and external hosts, and the telemetry collector.
func (m *model) networkPolicy() networkingv1.NetworkPolicy {
	np := networkingv1.NetworkPolicy{TypeMeta: typeMeta("networking.k8s.io/v1", "NetworkPolicy"), ObjectMeta: m.meta(m.name),
		Spec: networkingv1.NetworkPolicySpec{
			PodSelector: metav1.LabelSelector{MatchLabels: m.selector()},
			PolicyTypes: []networkingv1.PolicyType{networkingv1.PolicyTypeIngress, networkingv1.PolicyTypeEgress},
		}}
	in := &np.Spec.Ingress
	if m.web() {
		var from []networkingv1.NetworkPolicyPeer
		for _, c := range m.s.Callers {
			if s := m.find(c); s != nil {
				from = append(from, peer(s.Base.Namespace, map[string]string{"app.kubernetes.io/name": s.Name}))
			}
		}
		if m.s.Ingress.Host != "" {
			from = append(from, peer(GatewayNamespace, nil))
		}
		// A NetworkPolicy selects pods and sees traffic after the Service has translated its port, so
		// its ports are container ports (spec.port), never spec.servicePort; likewise the callers'
		// egress to this service below.
		if len(from) > 0 {
			*in = append(*in, networkingv1.NetworkPolicyIngressRule{From: from, Ports: tcpPorts(int32(m.s.Port))})
		}
	}
	if m.s.MetricsPort != 0 {
		*in = append(*in, networkingv1.NetworkPolicyIngressRule{From: []networkingv1.NetworkPolicyPeer{peer(MonitoringNamespace, nil)},
			Ports: tcpPorts(int32(m.s.MetricsPort))})
	}
	out := &np.Spec.Egress
	*out = append(*out, dnsEgress())
	for _, c := range m.s.Calls {
		// The callee's container port: kube-proxy (or the CNI) has rewritten the Service's address and
		// port to the pod's before the policy is applied.
		if s := m.find(c); s != nil && s.Base.Port != 0 {
			*out = append(*out, networkingv1.NetworkPolicyEgressRule{
				To: []networkingv1.NetworkPolicyPeer{peer(s.Base.Namespace, map[string]string{"app.kubernetes.io/name": s.Name})}, Ports: tcpPorts(int32(s.Base.Port)),
			})
		}
	}
	if m.inCluster() {
		*out = append(*out, m.dependencyEgress()...)
	} else {
		*out = append(*out, m.cloudDependencyEgress()...)
	}
	for _, h := range m.s.Egress {
		host, port, _ := blueprints.SplitHostPort(h)
		n, _ := strconv.Atoi(port)
		*out = append(*out, networkingv1.NetworkPolicyEgressRule{To: []networkingv1.NetworkPolicyPeer{{IPBlock: externalBlock(host)}},
			Ports: tcpPorts(int32(n))})
	}
	*out = append(*out, networkingv1.NetworkPolicyEgressRule{To: []networkingv1.NetworkPolicyPeer{peer(ObservabilityNamespace, nil)},
		Ports: tcpPorts(CollectorPort)})
	*out = append(*out, m.meshControlPlane()...)
	return np
}

// dnsEgress lets a pod ask the cluster's DNS.
func dnsEgress() networkingv1.NetworkPolicyEgressRule {
	return networkingv1.NetworkPolicyEgressRule{
		To: []networkingv1.NetworkPolicyPeer{peer("kube-system", map[string]string{"k8s-app": "kube-dns"})},
		Ports: []networkingv1.NetworkPolicyPort{
			{Protocol: ptr(corev1.ProtocolUDP), Port: ptr(intstr.FromInt32(53))},
			{Protocol: ptr(corev1.ProtocolTCP), Port: ptr(intstr.FromInt32(53))},
		},
	}
}

// cloudDependencyEgress lets the service reach its cloud dependencies: their ports, in the ranges
// they live in.
func (m *model) cloudDependencyEgress() []networkingv1.NetworkPolicyEgressRule {
	var ports []int32
	for _, d := range m.s.Dependencies {
		ports = append(ports, dependencyPorts(m.p.Spec.Cloud.Provider, d.Type)...)
	}
	slices.Sort(ports)
	if ports = slices.Compact(ports); len(ports) == 0 {
		return nil
	}
	var to []networkingv1.NetworkPolicyPeer
	for _, r := range dependencyRanges(m.p.Spec.Network, m.p.Spec.Cloud.Provider, m.s.Dependencies) {
		to = append(to, networkingv1.NetworkPolicyPeer{IPBlock: &networkingv1.IPBlock{CIDR: r}})
	}
	return []networkingv1.NetworkPolicyEgressRule{{To: to, Ports: tcpPorts(ports...)}}
}

// externalBlock is where an egress host may be: the address itself when it is one, otherwise anywhere
// outside the private ranges (a NetworkPolicy cannot name hosts; the mesh's ServiceEntry can).
func externalBlock(host string) *networkingv1.IPBlock {
	if a, err := netip.ParseAddr(host); err == nil {
		bits := 32
		if a.Is6() {
			bits = 128
		}
		return &networkingv1.IPBlock{CIDR: netip.PrefixFrom(a, bits).String()}
	}
	if p, err := netip.ParsePrefix(host); err == nil {
		return &networkingv1.IPBlock{CIDR: p.Masked().String()}
	}
	return &networkingv1.IPBlock{CIDR: "0.0.0.0/0", Except: slices.Clone(externalExcept)}
}
