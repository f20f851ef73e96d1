package gentest

// Customizations are a user's own changes to acme's payments in every target, by path under the
// output folder: a toleration and an annotation by strategic-merge patch for every environment, an
// extra resource in production, an extra Terraform resource that reads Gantry's locals and an
// override of an attribute of Gantry's. The checkers' tests and the customization tests write them
// beside the generated files.
var Customizations = map[string]string{
	"acme/billing/payments/kubernetes/custom/kustomization.yaml": `apiVersion: kustomize.config.k8s.io/v1alpha1
kind: Component
patches:
  - path: scheduling.yaml
`,
	"acme/billing/payments/kubernetes/custom/scheduling.yaml": `apiVersion: apps/v1
kind: Deployment
metadata:
  name: payments
  namespace: billing
spec:
  template:
    metadata:
      annotations:
        example.com/owner: billing
    spec:
      tolerations:
        - key: dedicated
          operator: Equal
          value: billing
          effect: NoSchedule
`,
	"acme/billing/payments/kubernetes/overlays/prod/custom/kustomization.yaml": `apiVersion: kustomize.config.k8s.io/v1alpha1
kind: Component
resources:
  - runbook.yaml
`,
	// An extra resource. (Not a LimitRange: trivy 0.74 then runs KSV-0039, which asks for spec.limits,
	// against every object of the scan, and reports each Deployment and Service in every file.)
	"acme/billing/payments/kubernetes/overlays/prod/custom/runbook.yaml": `apiVersion: v1
kind: ConfigMap
metadata:
  name: payments-runbook
  namespace: billing
  labels: {example.com/owner: billing}
data:
  oncall: "#payments-oncall"
  escalation: https://runbooks.example.com/payments
`,
	"acme/billing/payments/terraform/audit.tf": `# The team's audit log: an extra resource that reads Gantry's locals and its KMS key.
resource "aws_cloudwatch_log_group" "audit" {
  name              = "/${local.name}/audit"
  retention_in_days = 365
  kms_key_id        = aws_kms_key.this.arn
  tags              = local.tags
}
`,
	// trivy reads an override file as a resource of its own: it restates the attributes trivy checks.
	"acme/billing/payments/terraform/main_override.tf": `# A shorter recovery window than Gantry's for the service's key.
resource "aws_kms_key" "this" {
  deletion_window_in_days = 14
  enable_key_rotation     = true
}
`,
}
