package gentest

import (
	"testing"

	"github.com/gantry-dev/gantry/blueprints/catalog"
	"github.com/gantry-dev/gantry/templates"
)

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

// CICustomization is the same user's extra CI job for payments on a CI system ("github" or "gitlab"):
// their own file (ci.CustomFile, under the repository root) in place of its seed, and its content.
// On GitHub, a reusable workflow the generated one calls, with a job that checks out the repository
// (the pinned checkout) and runs a script; on GitLab, a file the generated one includes, with a job in
// a generated stage that extends the service's hidden jobs (its variables, its rules). Each checks
// that every overlay of payments includes the team's kustomize component, on acme's layout.
func CICustomization(t testing.TB, system string) (path, data string) {
	t.Helper()
	switch system {
	case "github":
		checkout, err := templates.Action("actions/checkout")
		if err != nil {
			t.Fatal(err)
		}
		return ".github/workflows/payments.custom.yaml", `# The billing team's own jobs for payments.
name: payments (yours)

on:
  workflow_call:

permissions:
  contents: read

jobs:
  overlays:
    name: Every overlay includes the team's components
    runs-on: ubuntu-24.04
    timeout-minutes: 5
    env:
      OVERLAYS: deploy/acme/billing/payments/kubernetes/overlays
    steps:
      - uses: ` + checkout + `
        with:
          persist-credentials: false
      - name: Every overlay includes custom
        run: |
          for k in "$OVERLAYS"/*/kustomization.yaml; do
            grep -qx -- '- custom' "$k" || { echo "::error file=$k::does not include the custom component"; exit 1; }
          done
`
	case "gitlab":
		image, err := templates.Pin("docker.io/library/golang", catalog.GoVersion)
		if err != nil {
			t.Fatal(err)
		}
		return ".gitlab/ci/custom/payments.yml", `# The billing team's own jobs for payments.
payments:overlays:
  extends: [.payments, .payments:changed]
  stage: verify
  image: "` + image + `"
  script:
    - for k in "$SERVICE_OUTPUT"/kubernetes/overlays/*/kustomization.yaml; do grep -qx -- '- custom' "$k" || exit 1; done
`
	}
	t.Fatalf("no CI customization for %q", system)
	return "", ""
}
