package kubernetes

import (
	"fmt"
	"path"
	"strings"

	"github.com/gantry-dev/gantry/blueprints"
	"github.com/gantry-dev/gantry/generators"
	"github.com/gantry-dev/gantry/generators/render"
)

// CustomComponent is the folder of the user's own kustomize Component: one beside the base for every
// environment of a service (kubernetes/custom) and one in each overlay (overlays/<env>/custom). Gantry
// seeds each once, empty and commented, includes it from the overlay's kustomization after its own
// components, and never replaces or removes it while the service exists (generators.Custom).
const CustomComponent = "custom"

// yoursLayout is where the user's own files go beside a seeded component: patches, resources.
var yoursLayout = generators.Layout(`^(` + generators.LabelRE + `/){3}kubernetes/(overlays/` + generators.LabelRE + `/)?` +
	CustomComponent + `/` + generators.NameRE + `$`)

// Yours implements generators.Customizable: the files in a service's custom components.
func (*Generator) Yours(p string) bool { return yoursLayout(p) }

// customFiles are the seeds of a service's components: the service-wide one and one per environment.
func customFiles(dir string, p *blueprints.ResolvedPlatform, svc *blueprints.ResolvedService) ([]generators.File, error) {
	m := newModel(p, svc, "", svc.Base)
	// A name, because kustomize refuses a kustomization that says nothing else ("is empty").
	seed, err := render.YAML(map[string]any{"apiVersion": kustomizeAlphaAPI, "kind": "Component",
		"metadata": map[string]string{"name": svc.Name + "-custom"}})
	if err != nil {
		return nil, err
	}
	files := []generators.File{{Path: path.Join(dir, CustomComponent, "kustomization.yaml"),
		Data: append([]byte(m.customHelp("every environment")), seed...), Kind: generators.Custom}}
	for _, env := range svc.Environments {
		files = append(files, generators.File{Path: path.Join(dir, "overlays", env.Name, CustomComponent, "kustomization.yaml"),
			Data: append([]byte(m.customHelp("the "+env.Name+" environment only")), seed...), Kind: generators.Custom, Env: env.Name})
	}
	return files, nil
}

// workloadKind is the kind of the service's workload object.
func (m *model) workloadKind() string {
	switch m.s.Type {
	case blueprints.TypeCron:
		return "CronJob"
	case blueprints.TypeJob:
		return "Job"
	}
	return "Deployment"
}

// customHelp is the seed's comment: what the component is for, with an example of each kind of change.
func (m *model) customHelp(scope string) string {
	pod := map[string]any{
		"metadata": map[string]any{"annotations": map[string]string{"example.com/owner": m.svc.Team}},
		"spec": map[string]any{"tolerations": []any{map[string]string{"key": "dedicated", "operator": "Equal",
			"value": m.svc.Team, "effect": "NoSchedule"}}},
	}
	apiVersion, spec, opPath := "apps/v1", map[string]any{"template": pod}, "/spec/template/spec"
	switch m.workloadKind() {
	case "CronJob":
		apiVersion, spec = "batch/v1", map[string]any{"jobTemplate": map[string]any{"spec": spec}}
		opPath = "/spec/jobTemplate/spec/template/spec"
	case "Job":
		apiVersion = "batch/v1"
	}
	smp, _ := render.YAML(map[string]any{"apiVersion": apiVersion, "kind": m.workloadKind(),
		"metadata": map[string]string{"name": m.name, "namespace": m.ns}, "spec": spec}) // plain maps: no error to meet
	var b strings.Builder
	fmt.Fprintf(&b, "# %s. Yours: a kustomize Component for %s of %s, written once;\n", generators.Origin(m.svc.Source), scope, m.name)
	b.WriteString("# gantry never overwrites or removes it while the service exists. Gantry's overlays include it last.\n" +
		"# `gantry generate` builds every overlay with it and refuses a patch that no longer applies or that\n" +
		"# removes or weakens a security setting (securityContext, probes, NetworkPolicies, the image): mark a\n" +
		"# deliberate one in its file with `# gantry:allow <setting> <reason>` to make it a warning.\n#\n" +
		"# A strategic-merge patch, in a file beside this one:\n#   patches:\n#     - path: tolerations.yaml\n# with tolerations.yaml:\n")
	for line := range strings.Lines(string(smp)) {
		b.WriteString("#   " + line)
	}
	fmt.Fprintf(&b, "#\n# A JSON 6902 patch:\n#   patches:\n#     - target: {kind: %s, name: %s}\n#       patch: |-\n"+
		"#         - {op: add, path: %s/priorityClassName, value: high}\n#\n"+
		"# An extra resource, in a file beside this one:\n#   resources:\n#     - configmap.yaml\n", m.workloadKind(), m.name, opPath)
	return b.String()
}
