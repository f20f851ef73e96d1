// Package gitops generates the objects that let Argo CD or Flux deploy Gantry's output from a GitOps
// repository: per environment, an app-of-apps folder with one Application (or Kustomization) per service
// and per namespace, and, for Argo CD, an AppProject per team that limits what the team's services may
// deploy where.
package gitops

import (
	"fmt"
	"maps"
	"path"
	"slices"
	"strings"

	"github.com/gantry-dev/gantry/blueprints"
	"github.com/gantry-dev/gantry/generators"
	"github.com/gantry-dev/gantry/generators/render"
)

// Namespaces the engines run in.
const (
	ArgoNamespace = "argocd"
	FluxNamespace = "flux-system"
)

// Generator is the gitops target.
type Generator struct{}

// New returns the gitops target.
func New() *Generator { return &Generator{} }

// Name implements generators.Generator.
func (*Generator) Name() string { return "gitops" }

// Produces implements generators.Generator: the platform's gitops folder.
func (*Generator) Produces(p string) bool { return layout(p) }

var layout = generators.Layout(`^` + generators.LabelRE + `/gitops/(` + generators.LabelRE + `/)?` + generators.NameRE + `\.yaml$`)

// dir is the app-of-apps folder of one environment: point the engine's root object at it.
func dir(p *blueprints.ResolvedPlatform, env string) string {
	return path.Join(generators.Root(p), "gitops", env)
}

// repoPath is where a folder of Gantry's output is in the GitOps repository.
func repoPath(p *blueprints.ResolvedPlatform, rel string) string {
	return path.Join(p.Spec.GitOps.Path, rel)
}

func overlayPath(p *blueprints.ResolvedPlatform, s *blueprints.ResolvedService, env string) string {
	return repoPath(p, path.Join(generators.ServiceDir(p, s), "kubernetes", "overlays", env))
}

func labels(p *blueprints.ResolvedPlatform) map[string]string {
	return map[string]string{"app.kubernetes.io/part-of": p.Name, "app.kubernetes.io/managed-by": "gantry"}
}

// Generate implements generators.Generator: the service's Application or Kustomization per environment.
func (*Generator) Generate(p *blueprints.ResolvedPlatform, s *blueprints.ResolvedService) ([]generators.File, error) {
	var files []generators.File
	for _, e := range s.Environments {
		var obj any
		switch p.Spec.GitOps.Engine {
		case "argocd":
			// One Argo CD may serve every environment: the name carries the environment.
			obj = application(p, p.Name+"-"+s.Name+"-"+e.Name, projectName(p, s.Team), e.Spec.Namespace, e.Name, overlayPath(p, s, e.Name), !e.Production, true)
		case "flux":
			// Flux runs in each environment's cluster.
			obj = fluxKustomization(p, p.Name+"-"+s.Name, overlayPath(p, s, e.Name), dependsOn(p, s), true)
		default:
			return nil, nil
		}
		data, err := document(s.Source, obj)
		if err != nil {
			return nil, err
		}
		files = append(files, generators.File{Path: path.Join(dir(p, e.Name), s.Name+".yaml"), Data: data, Env: e.Name})
	}
	return files, nil
}

// projectName names a team's AppProject; the platform prefix keeps two platforms' teams apart in one
// Argo CD.
func projectName(p *blueprints.ResolvedPlatform, team string) string {
	return p.Name + "-" + team
}

// nsObjectName names the object that deploys a namespace folder.
func nsObjectName(p *blueprints.ResolvedPlatform, ns string) string {
	return fmt.Sprintf("%s-namespace-%s", p.Name, ns)
}

// dependsOn makes Flux apply a service after its own namespace and the namespaces of the services it
// calls. Namespaces depend on nothing, so there can be no cycle, even when services call each other.
func dependsOn(p *blueprints.ResolvedPlatform, s *blueprints.ResolvedService) []string {
	set := map[string]bool{s.Base.Namespace: true}
	for _, c := range s.Base.Calls {
		for _, o := range p.Services {
			if n, ns, _ := strings.Cut(c, "."); o.Name == n && (ns == "" || ns == o.Base.Namespace) {
				set[o.Base.Namespace] = true
			}
		}
	}
	var out []string
	for _, ns := range slices.Sorted(maps.Keys(set)) {
		out = append(out, nsObjectName(p, ns))
	}
	return out
}

// GeneratePlatform implements generators.PlatformGenerator: per environment, the namespaces' objects and
// the folder's kustomization; for Argo CD, the projects.
func (*Generator) GeneratePlatform(p *blueprints.ResolvedPlatform) ([]generators.File, error) {
	engine := p.Spec.GitOps.Engine
	if engine != "argocd" && engine != "flux" {
		return nil, nil
	}
	src := "the blueprints of platform " + p.Name
	if p.Source != "" {
		src = p.Source
	}
	namespaces := map[string]bool{}
	teams := map[string][]string{} // team -> its namespaces
	for _, s := range p.Services {
		namespaces[s.Base.Namespace] = true
		if !slices.Contains(teams[s.Team], s.Base.Namespace) {
			teams[s.Team] = append(teams[s.Team], s.Base.Namespace)
		}
	}
	var files []generators.File
	add := func(rel, env string, objs ...any) error {
		data, err := document(src, objs...)
		if err != nil {
			return err
		}
		files = append(files, generators.File{Path: path.Join(generators.Root(p), "gitops", rel), Data: data, Env: env})
		return nil
	}
	if engine == "argocd" {
		var projects []string
		if err := add("projects/"+p.Name+".yaml", "", namespaceProject(p, slices.Sorted(maps.Keys(namespaces)))); err != nil {
			return nil, err
		}
		projects = append(projects, p.Name+".yaml")
		for _, team := range slices.Sorted(maps.Keys(teams)) {
			nss := teams[team]
			slices.Sort(nss)
			// Each file is named after the AppProject it holds: a team named like the platform would
			// otherwise write the namespaces' project's file.
			file := projectName(p, team) + ".yaml"
			if err := add("projects/"+file, "", teamProject(p, team, nss)); err != nil {
				return nil, err
			}
			projects = append(projects, file)
		}
		if err := add("projects/kustomization.yaml", "", kustomization(projects)); err != nil {
			return nil, err
		}
	}
	for i, env := range p.Spec.Environments {
		production := i == len(p.Spec.Environments)-1
		var objs []any
		var resources []string
		if engine == "argocd" {
			resources = append(resources, "../projects")
		} else {
			if err := add(env+"/source.yaml", env, gitRepository(p)); err != nil {
				return nil, err
			}
			resources = append(resources, "source.yaml")
		}
		for _, ns := range slices.Sorted(maps.Keys(namespaces)) {
			nsPath := repoPath(p, path.Join(generators.Root(p), "namespaces", ns))
			if engine == "argocd" {
				objs = append(objs, application(p, nsObjectName(p, ns)+"-"+env, p.Name, ns, env, nsPath, !production, false))
			} else {
				// Namespaces are not pruned: removing one would delete everything in it.
				objs = append(objs, fluxKustomization(p, nsObjectName(p, ns), nsPath, nil, false))
			}
		}
		if len(objs) > 0 {
			if err := add(env+"/namespaces.yaml", env, objs...); err != nil {
				return nil, err
			}
			resources = append(resources, "namespaces.yaml")
		}
		for _, s := range p.Services {
			resources = append(resources, s.Name+".yaml")
		}
		if err := add(env+"/kustomization.yaml", env, kustomization(resources)); err != nil {
			return nil, err
		}
	}
	return files, nil
}

type kustomizationFile struct {
	APIVersion string   `json:"apiVersion"`
	Kind       string   `json:"kind"`
	Resources  []string `json:"resources"`
}

func kustomization(resources []string) kustomizationFile {
	return kustomizationFile{APIVersion: "kustomize.config.k8s.io/v1beta1", Kind: "Kustomization", Resources: resources}
}

// document renders objects as one YAML file under the generated-by header.
func document(source string, objs ...any) ([]byte, error) {
	return render.Document(generators.Header(source), objs...)
}
