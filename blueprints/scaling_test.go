package blueprints

import "testing"

// scaledWorker is a worker named api in svc.yaml (spec lines from line 10) on a platform whose spec
// lines (from line 6) are given.
func scaledWorker(platform []string, spec ...string) map[string]string {
	return map[string]string{"platform.yaml": rulePlatform(platform...), "svc.yaml": ruleService("api", TypeWorker, spec...)}
}

var (
	onAWS   = []string{"  cloud: {provider: aws, region: eu-west-1}"}
	onAzure = []string{"  cloud: {provider: azure, region: westeurope, subscription: 3f2b8c1e-5d4a-4e7b-9c6f-1a2b3c4d5e6f}"}
	queues  = []string{"  dependencies:", "    - {name: outbox, type: queue}", "    - {name: events, type: kafka}", "    - {name: db, type: postgres}"}
	scaleTo = func(scaling string, more ...string) []string {
		return append(append(append([]string{}, queues...), "  replicas: {max: 10}", "  scaling: "+scaling), more...)
	}
)

const hintScaleCPU = "scale on CPU with replicas.max instead (remove spec.scaling)"

func TestRuleScaling(t *testing.T) {
	runRuleCases(t, []ruleCase{
		{name: "queue on aws, to zero", files: scaledWorker(onAWS, scaleTo("{dependency: outbox, toZero: true}")...)},
		{name: "kafka on aws", files: scaledWorker(onAWS, scaleTo("{dependency: events, consumerGroup: receipts, topic: orders}")...)},
		{name: "queue on gcp", files: scaledWorker([]string{"  cloud: {provider: gcp, region: europe-west1, project: acme-prod}"}, scaleTo("{dependency: outbox}")...)},
		{
			name:  "kafka in the cluster, queue's scaling refused as a queue",
			files: scaledWorker([]string{"  cloud: {provider: none}"}, "  dependencies: [{name: events, type: kafka}]", "  replicas: {max: 4}", "  scaling: {dependency: events}"),
		},
		{
			name:  "web service",
			files: map[string]string{"svc.yaml": ruleService("api", TypeWeb, "  replicas: {max: 10}", "  scaling: {dependency: outbox}")},
			want:  []string{"svc.yaml:11:12: spec.scaling: does not apply to a web service (only a worker scales on a backlog; a web service scales on CPU with replicas.max)"},
		},
		{
			name:  "dependency missing",
			files: scaledWorker(onAWS, scaleTo("{target: 5}")...),
			want:  []string{"svc.yaml:15:12: spec.scaling.dependency: required when scaling is set: the dependency whose backlog drives the replicas (the service's queue and kafka dependencies: outbox, events)"},
		},
		{
			name:  "dependency unknown",
			files: scaledWorker(onAWS, scaleTo("{dependency: outbx}")...),
			want:  []string{`svc.yaml:15:25: spec.scaling.dependency: "outbx" is not a dependency of the service (did you mean "outbox"?)`},
		},
		{
			name:  "dependency unknown, none to scale on",
			files: scaledWorker(onAWS, "  scaling: {dependency: outbox}"),
			want:  []string{`svc.yaml:10:25: spec.scaling.dependency: "outbox" is not a dependency of the service (add a queue or kafka dependency to spec.dependencies; a worker without one scales on CPU with replicas.max)`},
		},
		{
			name:  "dependency a database",
			files: scaledWorker(onAWS, scaleTo("{dependency: db}")...),
			want:  []string{`svc.yaml:15:25: spec.scaling.dependency: "db" is a postgres: only a queue's or a kafka's backlog can drive the replicas (the service's queue and kafka dependencies: outbox, events)`},
		},
		{
			name:  "consumer group and topic on a queue",
			files: scaledWorker(onAWS, scaleTo("{dependency: outbox, consumerGroup: receipts, topic: orders}")...),
			want: []string{
				"svc.yaml:15:48: spec.scaling.consumerGroup: applies to a kafka dependency only (outbox is a queue) (remove it)",
				"svc.yaml:15:65: spec.scaling.topic: applies to a kafka dependency only (outbox is a queue) (remove it)",
			},
		},
		{name: "queue on azure, subscription known", files: scaledWorker(onAzure, scaleTo("{dependency: outbox, toZero: true}")...)},
		{
			name:  "queue on azure, subscription unknown",
			files: scaledWorker([]string{"  cloud: {provider: azure, region: westeurope}"}, scaleTo("{dependency: outbox}")...),
			want: []string{`svc.yaml:15:25: spec.scaling.dependency: KEDA needs the platform's spec.cloud.subscription to name the Service Bus namespace of "outbox": ` +
				needsSubscription + " (add `subscription: <your Azure subscription ID>` to spec.cloud in platform.yaml)"},
		},
		{
			name:  "kafka on azure",
			files: scaledWorker(onAzure, scaleTo("{dependency: events}")...),
			want:  []string{"svc.yaml:15:25: spec.scaling.dependency: KEDA cannot read the backlog of a kafka on azure: " + noScaler["azure"]["kafka"] + " (" + hintScaleCPU + ")"},
		},
		{
			name:  "kafka on gcp",
			files: scaledWorker([]string{"  cloud: {provider: gcp, region: europe-west1, project: acme-prod}"}, scaleTo("{dependency: events}")...),
			want:  []string{"svc.yaml:15:25: spec.scaling.dependency: KEDA cannot read the backlog of a kafka on gcp: " + noScaler["gcp"]["kafka"] + " (" + hintScaleCPU + ")"},
		},
		{
			name:  "nothing to scale",
			files: scaledWorker(onAWS, append(queues, "  replicas: {min: 3, max: 3}", "  scaling: {dependency: outbox}")...),
			want:  []string{"svc.yaml:14:27: spec.replicas.max: nothing for KEDA to scale in dev, staging, prod: replicas.max is not above the minimum (raise replicas.max above replicas.min, or set scaling.toZero to stop outside production)"},
		},
		{
			name:  "nothing to scale in production only, max unset",
			files: scaledWorker(onAWS, append(queues, "  replicas: {min: 1}", "  scaling: {dependency: outbox, toZero: true}")...),
			want: []string{
				"svc.yaml:14:19: warning: spec.replicas.min: raised from 1 to 2 in prod: production runs at least 2 replicas for availability (PodDisruptionBudget, rolling updates) (set replicas.min: 2 in environments.prod to say so)",
				"svc.yaml:15:12: spec.scaling: nothing for KEDA to scale in prod: replicas.max is not above the minimum (raise replicas.max above replicas.min, or set scaling.toZero to stop outside production)",
			},
		},
		{
			name:  "to zero in production",
			files: scaledWorker(onAWS, scaleTo("{dependency: outbox}", "  environments:", "    prod:", "      scaling: {toZero: true}")...),
			want:  []string{"svc.yaml:18:25: spec.environments.prod.scaling.toZero: prod is production, which keeps replicas.min running: it does not scale to zero (remove it: a worker scales to zero outside production only)"},
		},
		{
			name:  "target out of range",
			files: scaledWorker(onAWS, scaleTo("{dependency: outbox, target: 100001}")...),
			want:  []string{"svc.yaml:15:41: spec.scaling.target: must be at most 100000, got 100001"},
		},
		{
			name:  "topic not a topic name",
			files: scaledWorker(onAWS, scaleTo("{dependency: events, topic: \"a b\"}")...),
			want:  []string{`svc.yaml:15:40: spec.scaling.topic: "a b" has the wrong form (for example "receipts")`},
		},
	})
}
