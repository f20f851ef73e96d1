package kubernetes

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	admissionv1 "k8s.io/api/admissionregistration/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/gantry-dev/gantry/blueprints"
)

// meshInjected are the containers each mesh's mutating webhook adds to a pod (the proxy, and the init
// container that sets up or, with the mesh's CNI plugin, validates the traffic redirection). Mutating
// admission runs before validating admission policies, so the pod policy sees them; they are the
// mesh's images, by tag, configured by the platform team, not Gantry's, and are exempt by name on
// pods only (a workload's pod template never has them).
var meshInjected = map[string][]string{
	"istio":   {"istio-proxy", "istio-init", "istio-validation"},
	"linkerd": {"linkerd-proxy", "linkerd-init", "linkerd-network-validator"},
}

// podShape is where a kind of object keeps its pods: the policies are the same checks over
// different paths.
type podShape struct {
	suffix    string // of the policy's name
	resources []admissionv1.NamedRuleWithOperations
	podSpec   string   // CEL: the PodSpec
	labels    string   // CEL: the list of label maps that must carry Gantry's labels
	exempt    []string // container names the mesh injects
}

func rule(group string, resources ...string) admissionv1.NamedRuleWithOperations {
	return admissionv1.NamedRuleWithOperations{RuleWithOperations: admissionv1.RuleWithOperations{
		Operations: []admissionv1.OperationType{admissionv1.Create, admissionv1.Update},
		Rule:       admissionv1.Rule{APIGroups: []string{group}, APIVersions: []string{"v1"}, Resources: resources},
	}}
}

// podShapes: pods (what finally runs, after the mesh's injection: also catches bare pods, ReplicaSets
// and anything else that makes pods), and the workloads Gantry writes, refused when applied rather than
// when their controller first fails to create a pod.
func podShapes(mesh string) []podShape {
	const labels = "object.metadata.?labels.orValue({})"
	return []podShape{
		{suffix: "pods", resources: []admissionv1.NamedRuleWithOperations{rule("", "pods")},
			podSpec: "object.spec", labels: "[" + labels + "]", exempt: meshInjected[mesh]},
		{suffix: "workloads", resources: []admissionv1.NamedRuleWithOperations{rule("apps", "deployments", "statefulsets"), rule("batch", "jobs")},
			podSpec: "object.spec.template.spec", labels: "[" + labels + ", object.spec.template.?metadata.?labels.orValue({})]"},
		{suffix: "cronjobs", resources: []admissionv1.NamedRuleWithOperations{rule("batch", "cronjobs")},
			podSpec: "object.spec.jobTemplate.spec.template.spec",
			labels: "[" + labels + ", object.spec.jobTemplate.?metadata.?labels.orValue({}), " +
				"object.spec.jobTemplate.spec.template.?metadata.?labels.orValue({})]"},
	}
}

// celString quotes s as a single-quoted CEL string literal, escaping the backslash, the quote and
// anything not printable. Registries, names and images are validated before they get here; this keeps
// any value from ending the literal all the same.
func celString(s string) string {
	var b strings.Builder
	b.WriteByte('\'')
	for _, r := range s {
		switch {
		case r == '\\' || r == '\'':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r < 0x80 && strconv.IsPrint(r):
			b.WriteRune(r)
		case r <= 0xffff:
			fmt.Fprintf(&b, "\\u%04x", r)
		default:
			fmt.Fprintf(&b, "\\U%08x", r)
		}
	}
	b.WriteByte('\'')
	return b.String()
}

func celList(items []string) string {
	q := make([]string, len(items))
	for i, s := range items {
		q[i] = celString(s)
	}
	return "[" + strings.Join(q, ", ") + "]"
}

// admissionImages are what a namespace's pods may run besides the platform registry's images: the
// images Gantry pins (in-cluster dependencies, prebuilt services), exactly, and the repositories of
// services whose spec.image is outside the registry, by any digest (CI pins it).
func admissionImages(p *blueprints.ResolvedPlatform, ns string) (images, repositories []string) {
	prefix := p.Spec.Registry + "/"
	for _, s := range p.Services {
		if s.Base.Namespace != ns {
			continue
		}
		images = append(images, blueprints.ClusterImages(p, s)...)
		if s.Base.Prebuilt != "" {
			images = append(images, s.Base.Prebuilt)
			continue
		}
		for _, spec := range append([]blueprints.ServiceSpec{s.Base}, envSpecs(s)...) {
			if spec.Image != "" && !strings.HasPrefix(spec.Image, prefix) {
				repositories = append(repositories, spec.Image)
			}
		}
	}
	slices.Sort(images)
	slices.Sort(repositories)
	return slices.Compact(images), slices.Compact(repositories)
}

func envSpecs(s *blueprints.ResolvedService) []blueprints.ServiceSpec {
	var out []blueprints.ServiceSpec
	for _, e := range s.Environments {
		out = append(out, e.Spec)
	}
	return out
}

// admissionObjects are the namespace's ValidatingAdmissionPolicies and their bindings: what Gantry
// guarantees of every pod, enforced by the API server itself (CEL, no controller), so that a hand-applied
// or tampered object is refused. The values are in the expressions (no paramKind): the objects are
// self-contained and cluster-scoped, hence named after the namespace.
func admissionObjects(p *blueprints.ResolvedPlatform, ns string) []any {
	images, repos := admissionImages(p, ns)
	labels := map[string]string{"app.kubernetes.io/part-of": p.Name, "app.kubernetes.io/managed-by": "gantry"}
	var objs []any
	for _, shape := range podShapes(p.Spec.Mesh) {
		name := "gantry-" + ns + "-" + shape.suffix
		objs = append(objs,
			admissionv1.ValidatingAdmissionPolicy{TypeMeta: typeMeta("admissionregistration.k8s.io/v1", "ValidatingAdmissionPolicy"),
				ObjectMeta: metav1.ObjectMeta{Name: name, Labels: labels},
				Spec: admissionv1.ValidatingAdmissionPolicySpec{
					FailurePolicy:    ptr(admissionv1.Fail),
					MatchConstraints: &admissionv1.MatchResources{ResourceRules: shape.resources},
					Variables:        admissionVariables(shape, p.Spec.Registry, images, repos),
					Validations:      admissionValidations(p.Spec.Registry),
				}},
			admissionv1.ValidatingAdmissionPolicyBinding{TypeMeta: typeMeta("admissionregistration.k8s.io/v1", "ValidatingAdmissionPolicyBinding"),
				ObjectMeta: metav1.ObjectMeta{Name: name, Labels: labels},
				Spec: admissionv1.ValidatingAdmissionPolicyBindingSpec{
					PolicyName:        name,
					ValidationActions: []admissionv1.ValidationAction{admissionv1.Deny},
					MatchResources: &admissionv1.MatchResources{NamespaceSelector: &metav1.LabelSelector{
						MatchLabels: map[string]string{"kubernetes.io/metadata.name": ns}}},
				}})
	}
	return objs
}

func admissionVariables(shape podShape, registry string, images, repos []string) []admissionv1.Variable {
	containers := "variables.spec.containers + variables.spec.?initContainers.orValue([])"
	if len(shape.exempt) > 0 {
		containers = "(" + containers + ").filter(c, !(c.name in " + celList(shape.exempt) + "))"
	}
	return []admissionv1.Variable{
		{Name: "spec", Expression: shape.podSpec},
		{Name: "containers", Expression: containers},
		{Name: "labels", Expression: shape.labels},
		{Name: "subject", Expression: "object.kind + ' ' + object.metadata.?name.orValue(object.metadata.?generateName.orValue(''))"},
		{Name: "runAsNonRoot", Expression: "variables.spec.?securityContext.?runAsNonRoot.orValue(false)"},
		{Name: "registry", Expression: celString(registry + "/")},
		{Name: "images", Expression: celList(images)},
		{Name: "repositories", Expression: celList(repos)},
	}
}

// containerCheck is a validation of every container, whose message names the containers that fail it.
func containerCheck(cond, reason, what string) admissionv1.Validation {
	return admissionv1.Validation{
		Expression: "variables.containers.all(c, " + cond + ")",
		Message:    "every container must " + what,
		MessageExpression: "variables.subject + ': container ' + variables.containers.filter(c, !(" + cond +
			")).map(c, c.name).join(', ') + ' ' + " + celString(reason),
		Reason: ptr(metav1.StatusReasonForbidden),
	}
}

func labelCheck(key, cond, what string) admissionv1.Validation {
	return admissionv1.Validation{
		Expression:        "variables.labels.all(l, " + celString(key) + " in l && " + cond + ")",
		Message:           "the object and its pod template must be labelled " + what,
		MessageExpression: "variables.subject + ': ' + " + celString("the object and its pod template must be labelled "+what),
		Reason:            ptr(metav1.StatusReasonForbidden),
	}
}

func admissionValidations(registry string) []admissionv1.Validation {
	return []admissionv1.Validation{
		containerCheck("c.image.matches('@sha256:[0-9a-f]{64}$')",
			"must pin its image by digest (@sha256:...)", "pin its image by digest"),
		containerCheck("c.image.startsWith(variables.registry) || c.image in variables.images || "+
			"variables.repositories.exists(r, c.image.startsWith(r + ':') || c.image.startsWith(r + '@'))",
			"must run an image of registry "+registry+" or one the blueprints pin",
			"run an image of the platform's registry or one the blueprints pin"),
		containerCheck("c.?securityContext.?runAsNonRoot.orValue(variables.runAsNonRoot) == true",
			"must set runAsNonRoot: true", "run as non-root"),
		containerCheck("c.?securityContext.?allowPrivilegeEscalation.orValue(true) == false",
			"must set allowPrivilegeEscalation: false", "set allowPrivilegeEscalation: false"),
		containerCheck("c.?securityContext.?readOnlyRootFilesystem.orValue(false) == true",
			"must set readOnlyRootFilesystem: true", "set readOnlyRootFilesystem: true"),
		containerCheck("c.?securityContext.?capabilities.?drop.orValue([]).exists(d, d == 'ALL') && "+
			"c.?securityContext.?capabilities.?add.orValue([]).size() == 0",
			"must drop ALL capabilities and add none", "drop ALL capabilities and add none"),
		labelCheck("app.kubernetes.io/managed-by", "l['app.kubernetes.io/managed-by'] == 'gantry'",
			"app.kubernetes.io/managed-by: gantry"),
		labelCheck("app.kubernetes.io/name", "l['app.kubernetes.io/name'] != ''", "app.kubernetes.io/name"),
	}
}
