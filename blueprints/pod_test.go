package blueprints

import "testing"

func TestRulePod(t *testing.T) {
	runRuleCases(t, []ruleCase{
		{name: "a valid pod", files: ruleWeb(
			"  pod: {annotations: {cluster-autoscaler.kubernetes.io/safe-to-evict: 'true', example.com/token-file: /var/run/secrets/gantry/TOKEN},",
			"        labels: {cost-center: cc-42}, nodeSelector: {kubernetes.io/arch: arm64},",
			"        tolerations: [{key: dedicated, value: web, effect: NoSchedule}, {operator: Exists}, {key: node.kubernetes.io/unreachable, operator: Exists, effect: NoExecute, tolerationSeconds: 30}]}")},
		{name: "reserved and invalid keys", files: ruleWeb(
			"  pod:",
			"    annotations: {sidecar.istio.io/inject: 'false', traffic.sidecar.istio.io/excludeOutboundPorts: '5432', config.linkerd.io/skip-outbound-ports: '5432', 'bad key!': x}",
			"    labels: {app.kubernetes.io/name: other, istio.io/dataplane-mode: none, team: 'not a value'}"),
			want: []string{
				`svc.yaml:11:19: spec.pod.annotations["sidecar.istio.io/inject"]: sidecar.istio.io/inject is reserved: the mesh's settings are the platform's: they can change or bypass the proxy that enforces mTLS and authorization (remove it)`,
				`svc.yaml:11:53: spec.pod.annotations["traffic.sidecar.istio.io/excludeOutboundPorts"]: traffic.sidecar.istio.io/excludeOutboundPorts is reserved: the mesh's settings are the platform's: they can change or bypass the proxy that enforces mTLS and authorization (remove it)`,
				`svc.yaml:11:108: spec.pod.annotations["config.linkerd.io/skip-outbound-ports"]: config.linkerd.io/skip-outbound-ports is reserved: the mesh's settings are the platform's: they can change or bypass the proxy that enforces mTLS and authorization (remove it)`,
				`svc.yaml:11:155: spec.pod.annotations["bad key!"]: "bad key!" is not a valid key (an optional DNS subdomain prefix and '/', then at most 63 letters, digits, '-', '_' and '.', starting and ending with a letter or digit (example.com/gpu, dedicated))`,
				`svc.yaml:12:14: spec.pod.labels["app.kubernetes.io/name"]: app.kubernetes.io/name is reserved: Gantry sets app.kubernetes.io/*, which its selectors, network rules and admission policies match; the rest are Kubernetes' own (remove it)`,
				`svc.yaml:12:45: spec.pod.labels["istio.io/dataplane-mode"]: istio.io/dataplane-mode is reserved: the mesh's own: it decides whether and how a pod is in the mesh (remove it)`,
				`svc.yaml:12:82: spec.pod.labels.team: "not a value" is not a label value (at most 63 letters, digits, '-', '_' and '.', starting and ending with a letter or digit, or empty)`,
			}},
		{name: "annotations that reach around the mesh, the security profile or the identity", files: ruleWeb(
			"  pod:",
			"    annotations: {proxy.istio.io/config: 'interceptionMode: NONE', k8s.v1.cni.cncf.io/networks: macvlan, iam.amazonaws.com/role: admin,",
			"                  container.seccomp.security.alpha.kubernetes.io/api: unconfined, config.linkerd.io/proxy-uid: '0', example.com/password: hunter2}",
			"    labels: {config.linkerd.io/admission-webhooks: disabled}"),
			want: []string{
				`svc.yaml:11:19: spec.pod.annotations["proxy.istio.io/config"]: proxy.istio.io/config is reserved: the mesh's settings are the platform's: they can change or bypass the proxy that enforces mTLS and authorization (remove it)`,
				`svc.yaml:11:68: spec.pod.annotations["k8s.v1.cni.cncf.io/networks"]: k8s.v1.cni.cncf.io/networks is reserved: it attaches the pod to networks outside the cluster's, where no NetworkPolicy applies (remove it)`,
				`svc.yaml:11:106: spec.pod.annotations["iam.amazonaws.com/role"]: iam.amazonaws.com/role is reserved: it grants a cloud identity; Gantry binds the workload's own (remove it)`,
				`svc.yaml:12:19: spec.pod.annotations["container.seccomp.security.alpha.kubernetes.io/api"]: container.seccomp.security.alpha.kubernetes.io/api is reserved: it changes the containers' security profile (remove it)`,
				`svc.yaml:12:83: spec.pod.annotations["config.linkerd.io/proxy-uid"]: config.linkerd.io/proxy-uid is reserved: the mesh's settings are the platform's: they can change or bypass the proxy that enforces mTLS and authorization (remove it)`,
				`svc.yaml:12:139: spec.pod.annotations["example.com/password"]: value [redacted] looks like a credential under password; annotations are not secret (keep credentials in the secret store and list them under secrets)`,
				`svc.yaml:13:14: spec.pod.labels["config.linkerd.io/admission-webhooks"]: config.linkerd.io/admission-webhooks is reserved: the mesh's own: it decides whether and how a pod is in the mesh (remove it)`,
			}},
		{name: "more arguments", files: ruleWeb("  args: [--password=hunter2, --requirepass, hunter2hunter2, '--name=@{self.name}', --level, debug]"),
			want: []string{
				`svc.yaml:10:10: spec.args[0]: argument "--pa…" looks like a credential under password; arguments are not secret (read it from a secret: list it under secrets and pass $(NAME) or the file under CONFIDENTIAL_DIR)`,
				`svc.yaml:10:45: spec.args[2]: argument [redacted] looks like a credential under requirepass; arguments are not secret (read it from a secret: list it under secrets and pass $(NAME) or the file under CONFIDENTIAL_DIR)`,
				`svc.yaml:10:61: spec.args[3]: @{...} is not resolved in spec.args (placeholders resolve in env values only: set one in env and pass $(NAME))`,
			}},
		{name: "image folders", files: ruleWeb("  writablePaths: [{path: /etc}, {path: /usr/local/bin}, {path: /lib/x}, {path: /etc/nginx/conf.d}, {path: /var/run}]"),
			want: []string{
				`svc.yaml:10:26: spec.writablePaths[0].path: an empty folder at /etc would hide the image's programs, libraries or configuration (an absolute folder such as /var/cache/app)`,
				`svc.yaml:10:40: spec.writablePaths[1].path: an empty folder at /usr/local/bin would hide the image's programs, libraries or configuration (an absolute folder such as /var/cache/app)`,
				`svc.yaml:10:64: spec.writablePaths[2].path: an empty folder at /lib/x would hide the image's programs, libraries or configuration (an absolute folder such as /var/cache/app)`,
			}},
		{name: "a credential in an annotation", files: ruleWeb(
			"  pod: {annotations: {vault.example.com/token: ghp_0123456789abcdefghijklmnopqrstuvwxyzAB}}"),
			want: []string{
				`svc.yaml:10:48: spec.pod.annotations["vault.example.com/token"]: value "ghp_…" looks like a GitHub token; annotations are not secret (keep credentials in the secret store and list them under secrets)`,
			}},
		{name: "tolerations", files: ruleWeb(
			"  pod:",
			"    tolerations: [{value: x}, {key: a, operator: Exists, value: b}, {key: a, effect: NoSchedule, tolerationSeconds: 5}, {key: 'bad key', operator: Sometimes, effect: Never}]"),
			want: []string{
				`svc.yaml:11:19: spec.pod.tolerations[0]: a toleration without a key needs operator Exists (add the taint's key, or operator: Exists to tolerate every taint)`,
				`svc.yaml:11:65: spec.pod.tolerations[1].value: operator Exists takes no value (remove it: Exists matches any value)`,
				`svc.yaml:11:117: spec.pod.tolerations[2].tolerationSeconds: applies to effect NoExecute only (add effect: NoExecute, or remove it)`,
				`svc.yaml:11:127: spec.pod.tolerations[3].key: "bad key" is not a taint key (an optional DNS subdomain prefix and '/', then at most 63 letters, digits, '-', '_' and '.', starting and ending with a letter or digit (example.com/gpu, dedicated))`,
				`svc.yaml:11:148: spec.pod.tolerations[3].operator: "Sometimes" is not allowed (one of: Equal, Exists)`,
				`svc.yaml:11:167: spec.pod.tolerations[3].effect: "Never" is not allowed (one of: NoSchedule, PreferNoSchedule, NoExecute)`,
			}},
		{name: "command and args", files: ruleWeb(
			"  command: [/app/server]",
			"  args: [--token, ghp_0123456789abcdefghijklmnopqrstuvwxyzAB, \"nul\\0here\"]"),
			want: []string{
				`svc.yaml:11:19: spec.args[1]: argument "ghp_…" looks like a GitHub token; arguments are not secret (read it from a secret: list it under secrets and pass $(NAME) or the file under CONFIDENTIAL_DIR)`,
				`svc.yaml:11:63: spec.args[2]: contains a NUL character (remove it: no process can receive a NUL in its arguments)`,
			}},
		{name: "writable paths", files: ruleWeb(
			"  writablePaths: [{path: /var/cache/app}, {path: /var/cache/app/sub}, {path: relative}, {path: /tmp/x}, {path: /},",
			"                  {path: /var/run/secrets/gantry/x}, {path: /a/../b}, {path: /data, sizeLimit: 1Ki}, {path: /srv, sizeLimit: lots}, {path: /var/run}]"),
			want: []string{
				`svc.yaml:10:50: spec.writablePaths[1].path: /var/cache/app/sub overlaps writable path /var/cache/app (keep one of the two (spec.writablePaths[0]): a folder below another is already writable)`,
				`svc.yaml:10:78: spec.writablePaths[2].path: "relative" is not an absolute path (an absolute folder such as /var/cache/app)`,
				`svc.yaml:10:96: spec.writablePaths[3].path: /tmp/x is already writable: /tmp is an emptyDir (an absolute folder such as /var/cache/app)`,
				`svc.yaml:10:112: spec.writablePaths[4].path: the root filesystem stays read-only (an absolute folder such as /var/cache/app)`,
				`svc.yaml:11:26: spec.writablePaths[5].path: /var/run/secrets/gantry/x is in /var/run/secrets, which the kernel, Kubernetes or Gantry provides (an absolute folder such as /var/cache/app)`,
				`svc.yaml:11:61: spec.writablePaths[6].path: "/a/../b" is not a clean path (no '..', '.', '//', trailing '/', ':' or control characters) (an absolute folder such as /var/cache/app)`,
				`svc.yaml:11:96: spec.writablePaths[7].sizeLimit: 1Ki is too small (at least 1Mi)`,
				`svc.yaml:11:126: spec.writablePaths[8].sizeLimit: "lots" is not a quantity (a Kubernetes quantity such as 64Mi or 1Gi)`,
			}},
		{name: "a platform default is checked once, in the platform file", files: map[string]string{
			"platform.yaml": rulePlatform("  defaults:", "    pod: {labels: {app.kubernetes.io/part-of: x}}"),
			"svc.yaml":      ruleService("api", TypeWeb), "other.yaml": ruleService("other", TypeWeb)},
			want: []string{
				`platform.yaml:7:20: spec.defaults.pod.labels["app.kubernetes.io/part-of"]: app.kubernetes.io/part-of is reserved: Gantry sets app.kubernetes.io/*, which its selectors, network rules and admission policies match; the rest are Kubernetes' own (remove it)`,
			}},
	})
}

func TestRulePlatformNamespaces(t *testing.T) {
	runRuleCases(t, []ruleCase{
		{name: "a team named like the mesh's namespace", files: map[string]string{"svc.yaml": teamService("cart", "istio-system")},
			want: []string{
				`svc.yaml:5:9: metadata.team: "istio-system" is a namespace of the platform's own components, which the generated rules name: a default-deny policy there would cut off every service (set spec.namespace to the team's own namespace)`,
			}},
		{name: "a namespace of the gateways", files: ruleWeb("  namespace: gateway"),
			want: []string{
				`svc.yaml:10:14: spec.namespace: "gateway" is a namespace of the platform's own components, which the generated rules name: a default-deny policy there would cut off every service (use the team's own namespace)`,
			}},
	})
}
