package blueprints

import "testing"

// policyPlatform is a platform with dev, staging and prod whose spec.policies are the lines given
// (from line 8, indented under policies).
func policyPlatform(lines ...string) string {
	return rulePlatform(append([]string{"  environments: [dev, staging, prod]", "  policies:"}, lines...)...)
}

func TestRulePolicyDefinitions(t *testing.T) {
	runRuleCases(t, []ruleCase{
		{name: "a valid policy", files: map[string]string{"svc.yaml": ruleService("api", TypeWeb, "  image: ghcr.io/acme/api"), "platform.yaml": policyPlatform(
			"    - {name: ok, teams: [core], environments: [prod], denyPublicIngress: true, maxCPU: 500m, maxMemory: 1Gi, maxReplicas: 4,",
			"       allowedEgress: ['*.stripe.com:443', 'api.example.com', '10.1.0.0/16:5432'], allowedDependencies: [postgres], allowedRegistries: [ghcr.io/acme]}")}},
		{name: "names", files: map[string]string{"platform.yaml": policyPlatform(
			"    - {name: Bad_Name, denyEgress: true}", "    - {name: twice, denyEgress: true}", "    - {name: twice, denyEgress: true}", "    - {denyEgress: true}")},
			want: []string{
				`platform.yaml:8:14: spec.policies[0].name: "Bad_Name" is not a DNS label: lower-case letters, digits and '-', starting and ending with a letter or digit (for example "bad-name")`,
				`platform.yaml:10:14: spec.policies[2].name: duplicate policy "twice" (give each policy its own name)`,
				"platform.yaml:11:7: spec.policies[3].name: required field is missing (add `name: data-stays-internal`)",
			}},
		{name: "no rule", files: map[string]string{"platform.yaml": policyPlatform("    - {name: nothing, teams: [core]}")},
			want: []string{
				`platform.yaml:8:7: spec.policies[0]: policy "nothing" states no rule (add one of: denyPublicIngress, denyEgress, allowedEgress, allowedDependencies, allowedRegistries, maxCPU, maxMemory, maxReplicas, requireSLOs)`,
				`platform.yaml:8:31: warning: spec.policies[0].teams[0]: no service of the platform belongs to team "core": policy "nothing" applies to nothing there (no service has it yet; check the spelling)`,
			}},
		{name: "selectors", files: map[string]string{"platform.yaml": policyPlatform("    - {name: sel, teams: [Core], environments: [prd, qa], denyEgress: true}")},
			want: []string{
				`platform.yaml:8:27: spec.policies[0].teams[0]: "Core" is not a DNS label: lower-case letters, digits and '-', starting and ending with a letter or digit (for example "core")`,
				`platform.yaml:8:49: spec.policies[0].environments[0]: "prd" is not an environment of the platform (did you mean "prod"?)`,
				`platform.yaml:8:54: spec.policies[0].environments[1]: "qa" is not an environment of the platform (the platform's environments are: dev, staging, prod)`,
			}},
		{name: "ceilings no service can meet", files: map[string]string{"platform.yaml": policyPlatform("    - {name: zero, maxCPU: '0', maxMemory: -1Gi}")},
			want: []string{
				`platform.yaml:8:28: spec.policies[0].maxCPU: 0 is not a ceiling any service can meet (a positive quantity such as 2, 500m, 4Gi)`,
				`platform.yaml:8:44: spec.policies[0].maxMemory: -1Gi is not a ceiling any service can meet (a positive quantity such as 2, 500m, 4Gi)`,
			}},
		{name: "values", files: map[string]string{"platform.yaml": policyPlatform(
			"    - {name: vals, maxCPU: lots, maxMemory: 1Gb, maxReplicas: 0, severity: fatal, allowedDependencies: [postgress],",
			"       allowedEgress: ['*.:443', 'metadata.google.internal:80', 'not a host'], allowedRegistries: [GHCR.io/]}")},
			want: []string{
				`platform.yaml:8:28: spec.policies[0].maxCPU: "lots" is not a quantity (a Kubernetes quantity such as 2, 500m, 4Gi)`,
				`platform.yaml:8:45: spec.policies[0].maxMemory: "1Gb" is not a quantity (a Kubernetes quantity such as 2, 500m, 4Gi)`,
				`platform.yaml:8:63: spec.policies[0].maxReplicas: must be at least 1, got 0`,
				`platform.yaml:8:76: spec.policies[0].severity: "fatal" is not allowed (one of: error, warning)`,
				`platform.yaml:8:105: spec.policies[0].allowedDependencies[0]: "postgress" is not allowed (did you mean "postgres"?)`,
				`platform.yaml:9:24: spec.policies[0].allowedEgress[0]: "*.:443" is not a host name, a range or host:port (host:port, *.domain:port, a host without a port (any port), or a range as in spec.egress)`,
				`platform.yaml:9:34: spec.policies[0].allowedEgress[1]: "metadata.google.internal:80" is the cloud metadata service (remove it: spec.egress refuses it anyway)`,
				`platform.yaml:9:65: spec.policies[0].allowedEgress[2]: "not a host" is not a host name, a range or host:port (host:port, *.domain:port, a host without a port (any port), or a range as in spec.egress)`,
				`platform.yaml:9:100: spec.policies[0].allowedRegistries[0]: "GHCR.io/" is not a registry (lower-case host[:port][/path] without a trailing '/', e.g. ghcr.io/acme)`,
			}},
		{name: "egress both ways", files: map[string]string{"platform.yaml": policyPlatform("    - {name: both, denyEgress: true, allowedEgress: [api.example.com:443]}")},
			want: []string{
				`platform.yaml:8:32: spec.policies[0].denyEgress: denyEgress and allowedEgress contradict each other (keep one of them)`,
			}},
	})
}

// policyCase is a platform with the policy lines given and the service api (team core, svc.yaml) with
// the spec lines given from line 10.
func policyCase(policy []string, spec ...string) map[string]string {
	return map[string]string{"platform.yaml": policyPlatform(policy...), "svc.yaml": ruleService("api", TypeWeb, spec...)}
}

func TestRulePolicyEnforced(t *testing.T) {
	public := []string{"  ingress: {host: api.example.com, public: true}"}
	runRuleCases(t, []ruleCase{
		{name: "public ingress in production only",
			files: policyCase([]string{"    - {name: internal, environments: [prod], denyPublicIngress: true, description: customer data stays inside}"}, public...),
			want: []string{
				`svc.yaml:10:44: spec.ingress.public: policy "internal" (platform.yaml:8:7): public ingress is not allowed in prod (customer data stays inside)`,
			}},
		{name: "public ingress turned off in production", files: policyCase([]string{"    - {name: internal, environments: [prod], denyPublicIngress: true}"},
			append(public, "  environments: {prod: {ingress: {host: api.example.com, public: false}}}")...)},
		{name: "another team's policy", files: policyCase([]string{"    - {name: internal, teams: [data], denyPublicIngress: true}"}, public...),
			want: []string{
				`platform.yaml:8:32: warning: spec.policies[0].teams[0]: no service of the platform belongs to team "data": policy "internal" applies to nothing there (no service has it yet; check the spelling)`,
			}},
		{name: "egress allow-list", files: policyCase([]string{"    - {name: egress, allowedEgress: ['*.stripe.com:443', 'hooks.example.com', '10.1.0.0/16:5432']}"},
			"  egress: [api.stripe.com:443, stripe.com:443, api.stripe.com:80, hooks.example.com:8443, 10.1.2.0/24:5432, 10.2.0.0/24:5432]"),
			want: []string{
				`svc.yaml:10:32: spec.egress[1]: policy "egress" (platform.yaml:8:7): egress to stripe.com:443 is not allowed (allowed: *.stripe.com:443, hooks.example.com, 10.1.0.0/16:5432) in dev, staging, prod (change the value, or ask the platform's owners about the policy)`,
				`svc.yaml:10:48: spec.egress[2]: policy "egress" (platform.yaml:8:7): egress to api.stripe.com:80 is not allowed (allowed: *.stripe.com:443, hooks.example.com, 10.1.0.0/16:5432) in dev, staging, prod (change the value, or ask the platform's owners about the policy)`,
				`svc.yaml:10:109: spec.egress[5]: policy "egress" (platform.yaml:8:7): egress to 10.2.0.0/24:5432 is not allowed (allowed: *.stripe.com:443, hooks.example.com, 10.1.0.0/16:5432) in dev, staging, prod (change the value, or ask the platform's owners about the policy)`,
			}},
		{name: "no egress", files: policyCase([]string{"    - {name: sealed, denyEgress: true, severity: warning}"}, "  egress: [api.stripe.com:443]"),
			want: []string{
				`svc.yaml:10:12: warning: spec.egress[0]: policy "sealed" (platform.yaml:8:7): egress is not allowed (to api.stripe.com:443) in dev, staging, prod (change the value, or ask the platform's owners about the policy)`,
			}},
		{name: "dependencies and registries", files: policyCase([]string{"    - {name: stack, allowedDependencies: [postgres], allowedRegistries: [ghcr.io/acme]}"},
			"  dependencies: [{name: db, type: postgres}, {name: cache, type: redis}]", "  image: ghcr.io/acme-evil/api"),
			want: []string{
				`svc.yaml:10:66: spec.dependencies[1].type: policy "stack" (platform.yaml:8:7): a redis dependency is not allowed (allowed: postgres) in dev, staging, prod (change the value, or ask the platform's owners about the policy)`,
				`svc.yaml:11:10: spec.image: policy "stack" (platform.yaml:8:7): image ghcr.io/acme-evil/api is not from an allowed registry (ghcr.io/acme) in dev, staging, prod (change the value, or ask the platform's owners about the policy)`,
			}},
		{name: "the platform's registry is the default image", files: map[string]string{
			"platform.yaml": policyPlatform("    - {name: stack, allowedRegistries: [ghcr.io/acme]}") + "  registry: docker.io/acme\n",
			"svc.yaml":      ruleService("api", TypeWeb)},
			want: []string{
				`platform.yaml:9:13: spec.registry: policy "stack" (platform.yaml:8:7): image docker.io/acme/api is not from an allowed registry (ghcr.io/acme) in dev, staging, prod [service api] (change the value, or ask the platform's owners about the policy)`,
			}},
		{name: "ceilings", files: policyCase([]string{"    - {name: small, maxCPU: 500m, maxMemory: 512Mi, maxReplicas: 4}"},
			"  resources: {cpu: '1', memory: 256Mi}", "  replicas: {min: 2, max: 4}", "  environments: {prod: {replicas: {max: 8}, resources: {memory: 1Gi}}}"),
			want: []string{
				`svc.yaml:10:20: spec.resources.cpu: policy "small" (platform.yaml:8:7): 1 is more than the ceiling of 500m in dev, staging, prod (change the value, or ask the platform's owners about the policy)`,
				`svc.yaml:12:41: spec.environments.prod.replicas.max: policy "small" (platform.yaml:8:7): 8 replicas are more than the ceiling of 4 in prod (change the value, or ask the platform's owners about the policy)`,
				`svc.yaml:12:65: spec.environments.prod.resources.memory: policy "small" (platform.yaml:8:7): 1Gi is more than the ceiling of 512Mi in prod (change the value, or ask the platform's owners about the policy)`,
			}},
		{name: "SLOs required of web services", files: map[string]string{
			"platform.yaml": policyPlatform("    - {name: slos, environments: [prod], requireSLOs: true}"),
			"svc.yaml":      ruleService("api", TypeWeb), "worker.yaml": ruleService("bg", TypeWorker),
			"ok.yaml": ruleService("ok", TypeWeb, "  metricsPort: 9090", "  slos: [{sli: availability, objective: 99.9}]"),
		},
			want: []string{
				`svc.yaml:7:3: spec.slos: policy "slos" (platform.yaml:8:7): a web service must declare its service level objectives (spec.slos, with a metricsPort) in prod (change the value, or ask the platform's owners about the policy)`,
			}},
		{name: "a platform default over the ceiling", files: map[string]string{
			"platform.yaml": policyPlatform("    - {name: small, maxMemory: 512Mi}") + "  defaults: {resources: {memory: 1Gi}}\n",
			"svc.yaml":      ruleService("api", TypeWeb)},
			want: []string{
				`platform.yaml:9:34: spec.defaults.resources.memory: policy "small" (platform.yaml:8:7): 1Gi is more than the ceiling of 512Mi in dev, staging, prod [service api] (change the value, or ask the platform's owners about the policy)`,
			}},
	})
}
