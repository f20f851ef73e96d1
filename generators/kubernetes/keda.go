package kubernetes

import (
	"strconv"

	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/gantry-dev/gantry/blueprints"
	"github.com/gantry-dev/gantry/blueprints/catalog"
)

// A worker with spec.scaling follows a dependency's backlog through KEDA: per environment, a
// ScaledObject (in place of the HorizontalPodAutoscaler, which KEDA then owns) whose trigger reads the
// queue or the consumer group's lag. The trigger finds the queue, subscription or brokers in the
// workload's own env (…FromEnv), i.e. in the ConfigMap the service's Terraform (or, in the cluster, the
// overlay) writes, so it names exactly the resource the service consumes; Azure's Service Bus scaler
// reads no env, so it names the namespace and queue as the Terraform does. A cloud scaler signs in with
// KEDA's pod identity (TriggerAuthentication); in the cluster, the Kafka admits KEDA's operator next to
// the service.

// KEDA's operator: where the manifests assume it runs (a cluster convention, documented in the README).
const (
	KedaNamespace = "keda"
	KedaOperator  = "keda-operator" // its ServiceAccount, and its pods' label app
)

// ScaledObject is keda.sh/v1alpha1.
type ScaledObject struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata"`
	Spec              ScaledObjectSpec `json:"spec"`
}

// ScaledObjectSpec scales a Deployment between two counts on its triggers.
type ScaledObjectSpec struct {
	ScaleTargetRef  ScaleTargetRef `json:"scaleTargetRef"`
	PollingInterval int32          `json:"pollingInterval"`
	CooldownPeriod  int32          `json:"cooldownPeriod"`
	MinReplicaCount int32          `json:"minReplicaCount"` // 0 is a value: scale to zero
	MaxReplicaCount int32          `json:"maxReplicaCount"`
	Triggers        []ScaleTrigger `json:"triggers"`
}

// ScaleTargetRef is the scaled workload; the container whose env the triggers' …FromEnv read.
type ScaleTargetRef struct {
	APIVersion             string `json:"apiVersion"`
	Kind                   string `json:"kind"`
	Name                   string `json:"name"`
	EnvSourceContainerName string `json:"envSourceContainerName"`
}

// ScaleTrigger is one scaler with its metadata.
type ScaleTrigger struct {
	Type              string             `json:"type"`
	Metadata          map[string]string  `json:"metadata"`
	AuthenticationRef *AuthenticationRef `json:"authenticationRef,omitempty"`
}

// AuthenticationRef names a TriggerAuthentication in the namespace.
type AuthenticationRef struct {
	Name string `json:"name"`
}

// TriggerAuthentication is keda.sh/v1alpha1: how a trigger signs in.
type TriggerAuthentication struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata"`
	Spec              TriggerAuthenticationSpec `json:"spec"`
}

// TriggerAuthenticationSpec signs in with a pod identity: no secret anywhere.
type TriggerAuthenticationSpec struct {
	PodIdentity PodIdentity `json:"podIdentity"`
}

// PodIdentity is the cloud's workload identity provider.
type PodIdentity struct {
	Provider string `json:"provider"`
}

// Polling every 30s and five quiet minutes before the last replica goes: KEDA's defaults, written out.
const (
	kedaPollingInterval = 30
	kedaCooldownPeriod  = 300
)

// podIdentities are KEDA's pod identity providers by cloud. Each signs in as KEDA's operator: KEDA
// v2.21 borrows a workload's identity only on AWS, from the IRSA annotation (identityOwner: workload),
// and on Azure only as an identity federated with KEDA's own ServiceAccount (identityId, a client ID
// Azure assigns on apply); see the README.
var podIdentities = map[string]string{"aws": "aws", "gcp": "gcp", "azure": "azure-workload"}

// scaled reports whether the worker follows a backlog in the model's environment.
func (m *model) scaled() bool {
	_, _, ok := blueprints.BacklogScaler(m.p.Spec, m.env, &m.s)
	return ok
}

// kedaObjects are an environment's KEDA objects: the TriggerAuthentication a cloud scaler signs in
// with, the ScaledObject, and what lets KEDA reach a Kafka in the cluster.
func (m *model) kedaObjects() []any {
	trigger, d, ok := blueprints.BacklogScaler(m.p.Spec, m.env, &m.s)
	if !ok {
		return nil
	}
	t := ScaleTrigger{Type: trigger, Metadata: m.triggerMetadata(trigger, d)}
	var objs []any
	if provider, ok := podIdentities[m.provider()]; ok {
		objs = append(objs, TriggerAuthentication{TypeMeta: typeMeta("keda.sh/v1alpha1", "TriggerAuthentication"), ObjectMeta: m.meta(m.name),
			Spec: TriggerAuthenticationSpec{PodIdentity: PodIdentity{Provider: provider}}})
		t.AuthenticationRef = &AuthenticationRef{Name: m.name}
	}
	objs = append(objs, ScaledObject{TypeMeta: typeMeta("keda.sh/v1alpha1", "ScaledObject"), ObjectMeta: m.meta(m.name),
		Spec: ScaledObjectSpec{
			ScaleTargetRef:  ScaleTargetRef{APIVersion: "apps/v1", Kind: "Deployment", Name: m.name, EnvSourceContainerName: m.name},
			PollingInterval: kedaPollingInterval, CooldownPeriod: kedaCooldownPeriod,
			MinReplicaCount: int32(blueprints.ScaledMin(&m.s)), MaxReplicaCount: m.maxReplicas(),
			Triggers: []ScaleTrigger{t},
		}})
	if m.inCluster() {
		objs = append(objs, m.kedaDependencyAccess(d)...)
	}
	return objs
}

// triggerMetadata is the scaler's configuration: where the backlog is (the workload's env, which
// names the service's own resource), how much of it a replica takes, and how a cloud's Kafka signs in.
func (m *model) triggerMetadata(trigger string, d blueprints.Dependency) map[string]string {
	target := strconv.Itoa(m.s.Scaling.Target)
	setting := blueprints.DependencyEnv(d)[0] // the queue's URL or subscription, the brokers
	region := m.p.Spec.Cloud.Region
	switch trigger {
	case "aws-sqs-queue":
		return map[string]string{"queueURLFromEnv": setting, "queueLength": target, "awsRegion": region}
	case "gcp-pubsub":
		return map[string]string{"subscriptionNameFromEnv": setting, "mode": "SubscriptionSize", "value": target}
	case "azure-servicebus":
		// The scaler reads namespace and queueName from its metadata only (no …FromEnv): the names the
		// Terraform gives them, the namespace's derived from the platform's subscription.
		ns := blueprints.AzureMessagingNamespace(m.p.Spec.Cloud.Subscription, m.name, m.env, d)
		return map[string]string{"namespace": ns, "queueName": d.Name, "messageCount": target}
	}
	md := map[string]string{"bootstrapServersFromEnv": setting, "consumerGroup": m.s.Scaling.ConsumerGroup, "lagThreshold": target}
	if m.s.Scaling.Topic != "" {
		md["topic"] = m.s.Scaling.Topic
	}
	if m.provider() == "aws" {
		// MSK's IAM listener (the brokers the ConfigMap names): SASL/OAUTHBEARER with SigV4 tokens, over TLS.
		md["tls"], md["sasl"], md["saslTokenProvider"], md["awsRegion"] = "enable", "oauthbearer", "aws_msk_iam", region
	}
	return md
}

// kedaDependencyAccess admits KEDA's operator to a dependency in the cluster, on its port, next to the
// service: a NetworkPolicy and, with a mesh, its identity (KEDA runs in the mesh there). Both add to
// the dependency's own policies, which admit the service alone.
func (m *model) kedaDependencyAccess(d blueprints.Dependency) []any {
	img, ok := catalog.LocalImage(d.Type)
	if !ok {
		return nil
	}
	w := blueprints.DependencyWorkload(m.name, d)
	name := w + "-keda"
	objs := []any{networkingv1.NetworkPolicy{TypeMeta: typeMeta("networking.k8s.io/v1", "NetworkPolicy"), ObjectMeta: m.depMeta(d, name),
		Spec: networkingv1.NetworkPolicySpec{
			PodSelector: metav1.LabelSelector{MatchLabels: m.depSelector(d)},
			PolicyTypes: []networkingv1.PolicyType{networkingv1.PolicyTypeIngress},
			Ingress: []networkingv1.NetworkPolicyIngressRule{{
				From:  []networkingv1.NetworkPolicyPeer{peer(KedaNamespace, map[string]string{"app": KedaOperator})},
				Ports: tcpPorts(img.Port),
			}},
		}}}
	switch m.p.Spec.Mesh {
	case "istio":
		objs = append(objs, IstioAuthorizationPolicy{TypeMeta: typeMeta("security.istio.io/v1", "AuthorizationPolicy"), ObjectMeta: m.depMeta(d, name),
			Spec: IstioAuthorizationPolicySpec{Selector: &WorkloadSelector{MatchLabels: m.depSelector(d)}, Action: "ALLOW",
				Rules: []IstioRule{{From: []IstioFrom{{Source: IstioSource{Principals: []string{principal(KedaNamespace, KedaOperator)}}}},
					To: []IstioTo{{Operation: IstioOperation{Ports: []string{strconv.Itoa(int(img.Port))}}}}}}}})
	case "linkerd":
		ref := func(kind, name string) LinkerdRef {
			return LinkerdRef{Group: "policy.linkerd.io", Kind: kind, Name: name}
		}
		objs = append(objs,
			MeshTLSAuthentication{TypeMeta: typeMeta("policy.linkerd.io/v1alpha1", "MeshTLSAuthentication"), ObjectMeta: m.depMeta(d, name),
				Spec: MeshTLSAuthenticationSpec{IdentityRefs: []LinkerdRef{{Kind: "ServiceAccount", Name: KedaOperator, Namespace: KedaNamespace}}}},
			LinkerdAuthorizationPolicy{TypeMeta: typeMeta("policy.linkerd.io/v1alpha1", "AuthorizationPolicy"), ObjectMeta: m.depMeta(d, name),
				Spec: LinkerdAuthorizationPolicySpec{TargetRef: ref("Server", w), RequiredAuthenticationRefs: []LinkerdRef{ref("MeshTLSAuthentication", name)}}})
	}
	return objs
}
