package blueprints

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
)

// Event-driven scaling (spec.scaling): a worker's replica count follows the backlog of one of its queue
// or kafka dependencies, read by KEDA. The rules here are the one place that says which dependencies
// KEDA can read where; the kubernetes target writes the ScaledObject from BacklogScaler.

// DefaultScalingTarget is the backlog per replica when spec.scaling.target is unset.
const DefaultScalingTarget = 5

// scalers are the KEDA scalers that read a dependency's backlog, by who provides it and its type.
var scalers = map[string]map[string]string{
	"aws":           {"queue": "aws-sqs-queue", "kafka": "kafka"},
	"gcp":           {"queue": "gcp-pubsub"},
	"azure":         {"queue": "azure-servicebus"},
	ProviderCluster: {"kafka": "kafka"},
}

// noScaler says why KEDA (v2.21) cannot read a backlog that no scaler above covers. Its kafka scaler
// signs in with a password (plaintext, SCRAM), Kerberos, or OAUTHBEARER from a client secret (token
// provider "bearer") or from AWS (token provider "aws_msk_iam"): nothing that presents a workload
// identity of Azure or Google, and Gantry's Event Hubs and Managed Kafka take no passwords.
var noScaler = map[string]map[string]string{
	"azure": {"kafka": "KEDA's kafka scaler has no Entra ID token provider for Event Hubs' Kafka endpoint (its OAUTHBEARER takes a client secret or AWS credentials, and the namespace has local authentication off), " +
		"and its azure-eventhub scaler reads consumer checkpoints from a blob container, which a Kafka consumer group does not write"},
	"gcp": {"kafka": "KEDA's kafka scaler has no Google token provider for Managed Service for Apache Kafka (its OAUTHBEARER takes a client secret or AWS credentials; its pod identity serves AWS only), " +
		"and a service account key is a secret Gantry does not hand out"},
}

// needsSubscription says why KEDA must know the platform's Azure subscription for a backlog there.
const needsSubscription = "KEDA's azure-servicebus scaler reads the Service Bus namespace from its trigger only (no namespaceFromEnv), " +
	"and the namespace's globally unique name derives from the subscription the Terraform runs in"

// BacklogScaler returns the KEDA trigger type that reads the backlog a scaled worker follows in an
// environment, and the dependency it reads; false when the spec does not scale on a backlog.
// Validation has refused every combination that has no scaler.
func BacklogScaler(p PlatformSpec, env string, s *ServiceSpec) (string, Dependency, bool) {
	if s.Type != TypeWorker || s.Scaling.Dependency == "" {
		return "", Dependency{}, false
	}
	i := slices.IndexFunc(s.Dependencies, func(d Dependency) bool { return d.Name == s.Scaling.Dependency })
	if i < 0 {
		return "", Dependency{}, false
	}
	d := s.Dependencies[i]
	trigger, ok := scalers[DependencyProvider(p, env)][d.Type]
	return trigger, d, ok
}

// ScaledMin is the fewest replicas a scaled worker runs in an environment: zero where the blueprint
// allows it (never in production, which normalising saw to), else replicas.min.
func ScaledMin(s *ServiceSpec) int {
	if s.Scaling.ToZero {
		return 0
	}
	return s.Replicas.Min
}

// normaliseScaling drops spec.scaling where the type has no use for it, and fills its defaults: the
// target, a kafka's consumer group (the service's name), and no scaling to zero in production.
func normaliseScaling(s *ServiceSpec, meta ServiceMeta, production bool) []Dropped {
	if s.Scaling == (Scaling{}) {
		return nil
	}
	switch s.Type {
	case TypeWeb, TypeCron, TypeJob:
		s.Scaling = Scaling{}
		return []Dropped{{Path: "spec.scaling", Message: fmt.Sprintf("does not apply to a %s service", s.Type),
			Hint: "only a worker scales on a backlog; a web service scales on CPU with replicas.max"}}
	}
	if s.Scaling.Target == 0 {
		s.Scaling.Target = DefaultScalingTarget
	}
	if i := slices.IndexFunc(s.Dependencies, func(d Dependency) bool { return d.Name == s.Scaling.Dependency }); i >= 0 &&
		s.Dependencies[i].Type == "kafka" && s.Scaling.ConsumerGroup == "" {
		s.Scaling.ConsumerGroup = meta.Name
	}
	if production {
		s.Scaling.ToZero = false // production keeps replicas.min: validation refuses an override that says otherwise
	}
	return nil
}

// scaling checks a worker's spec.scaling in every environment (each has its provider, replica range
// and production or not). A problem found in several environments is reported once (Diagnostics).
func (l *loader) scaling(r *resolver, m *member, rp *ResolvedPlatform) {
	var idle []string // environments where nothing is left to scale
	var idleAt layered
	for i, env := range m.res.Environments {
		s, lay := env.Spec, m.envs[i]
		report := func(path, hint, format string, args ...any) {
			pos, p := r.at(lay, Pos{File: m.file.Path}, path)
			l.add(Diagnostic{Pos: pos, Path: p, Hint: hint, Message: m.forService(pos, fmt.Sprintf(format, args...))})
		}
		if env.Production && lay.spec.Scaling.ToZero {
			if n := lay.nodes["spec.scaling.toZero"]; n != nil {
				if o, _ := r.origin(n); strings.Contains(o.path, "environments.") {
					report("spec.scaling.toZero", "remove it: a worker scales to zero outside production only",
						"%s is production, which keeps replicas.min running: it does not scale to zero", env.Name)
				}
			}
		}
		if s.Type != TypeWorker || s.Scaling == (Scaling{}) {
			continue
		}
		if !scalingDependency(s, rp.Spec, cmp.Or(rp.File, "the platform"), env.Name, report) {
			continue
		}
		if s.Replicas.Max <= ScaledMin(&s) {
			if idle == nil {
				idleAt = lay
			}
			idle = append(idle, env.Name)
		}
	}
	if len(idle) > 0 {
		path := "spec.replicas.max"
		if !r.written(idleAt, path) {
			path = "spec.scaling"
		}
		pos, p := r.at(idleAt, Pos{File: m.file.Path}, path)
		l.add(Diagnostic{Pos: pos, Path: p, Hint: "raise replicas.max above replicas.min, or set scaling.toZero to stop outside production",
			Message: m.forService(pos, fmt.Sprintf("nothing for KEDA to scale in %s: replicas.max is not above the minimum", strings.Join(idle, ", ")))})
	}
}

// scalingDependency checks the dependency spec.scaling.on names in one environment: one of the
// service's, a queue or a kafka, whose backlog KEDA can read where its provider runs it. It reports
// false when there is nothing further to check.
func scalingDependency(s ServiceSpec, p PlatformSpec, platformFile, env string, report func(path, hint, format string, args ...any)) bool {
	var candidates []string
	for _, d := range s.Dependencies {
		if d.Type == "queue" || d.Type == "kafka" {
			candidates = append(candidates, d.Name)
		}
	}
	hint := "add a queue or kafka dependency to spec.dependencies; a worker without one scales on CPU with replicas.max"
	if len(candidates) > 0 {
		hint = "the service's queue and kafka dependencies: " + strings.Join(candidates, ", ")
	}
	on := s.Scaling.Dependency
	i := slices.IndexFunc(s.Dependencies, func(d Dependency) bool { return d.Name == on })
	switch {
	case on == "":
		report("spec.scaling.dependency", hint, "required when scaling is set: the dependency whose backlog drives the replicas")
		return false
	case i < 0:
		if c := closest(on, candidates); c != "" {
			hint = fmt.Sprintf("did you mean %q?", c)
		}
		report("spec.scaling.dependency", hint, "%q is not a dependency of the service", on)
		return false
	}
	d := s.Dependencies[i]
	if d.Type != "queue" && d.Type != "kafka" {
		report("spec.scaling.dependency", hint, "%q is a %s: only a queue's or a kafka's backlog can drive the replicas", on, d.Type)
		return false
	}
	if d.Type == "queue" {
		for _, f := range []struct{ name, v string }{{"consumerGroup", s.Scaling.ConsumerGroup}, {"topic", s.Scaling.Topic}} {
			if f.v != "" {
				report("spec.scaling."+f.name, "remove it", "applies to a kafka dependency only (%s is a queue)", on)
			}
		}
	}
	provider := DependencyProvider(p, env)
	trigger, ok := scalers[provider][d.Type]
	if !ok {
		why := noScaler[provider][d.Type]
		if why == "" {
			return false // a type with no form there (a queue in the cluster): refused as such already
		}
		report("spec.scaling.dependency", "scale on CPU with replicas.max instead (remove spec.scaling)",
			"KEDA cannot read the backlog of a %s on %s: %s", d.Type, provider, why)
		return false
	}
	if trigger == "azure-servicebus" && p.Cloud.Subscription == "" {
		report("spec.scaling.dependency", "add `subscription: <your Azure subscription ID>` to spec.cloud in "+platformFile,
			"KEDA needs the platform's spec.cloud.subscription to name the Service Bus namespace of %q: %s", on, needsSubscription)
		return false
	}
	return true
}
