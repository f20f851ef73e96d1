// Package kubernetes generates a service's Kubernetes manifests: a kustomize base and one overlay per
// environment, hardened by default (Pod Security restricted, default-deny NetworkPolicies, a
// ServiceAccount per workload, mesh mTLS and caller identities), and the shared namespace files.
package kubernetes

import (
	"fmt"
	"maps"
	"path"
	"reflect"
	"slices"
	"strings"

	"github.com/gantry-dev/gantry/blueprints"
	"github.com/gantry-dev/gantry/generators"
	"github.com/gantry-dev/gantry/generators/render"
)

// Generator is the kubernetes target.
type Generator struct{}

// New returns the kubernetes target.
func New() *Generator { return &Generator{} }

// Name implements generators.Generator.
func (*Generator) Name() string { return "kubernetes" }

// Produces implements generators.Generator: a service's base and overlays, and the namespaces' folders.
func (*Generator) Produces(p string) bool { return layout(p) }

var layout = generators.Layout(`^` + generators.LabelRE + `/(` + generators.LabelRE + `/` + generators.LabelRE +
	`/kubernetes/(base|` + CustomComponent + `|overlays/` + generators.LabelRE + `(/(` + imageComponent + `|` + CustomComponent + `))?)|namespaces/` + generators.LabelRE + `)/` + generators.NameRE + `\.yaml$`)

// object is one manifest file: its name in the folder and the objects in it.
type object struct {
	file string
	objs []any
}

// Generate implements generators.Generator.
func (*Generator) Generate(p *blueprints.ResolvedPlatform, svc *blueprints.ResolvedService) ([]generators.File, error) {
	dir := path.Join(generators.ServiceDir(p, svc), "kubernetes")
	src := svc.Source
	m := newModel(p, svc, "", svc.Base)
	base := m.baseObjects()
	var files []generators.File
	add := func(name string, objs ...any) error {
		data, err := document(src, objs...)
		if err != nil {
			return fmt.Errorf("rendering %s: %w", name, err)
		}
		f := generators.File{Path: path.Join(dir, name), Data: data}
		if env, ok := strings.CutPrefix(name, "overlays/"); ok {
			f.Env, _, _ = strings.Cut(env, "/")
		}
		files = append(files, f)
		return nil
	}
	baseObjs := map[string][]any{}
	var resources []string
	for _, o := range base {
		if err := add("base/"+o.file, o.objs...); err != nil {
			return nil, err
		}
		baseObjs[o.file] = o.objs
		resources = append(resources, o.file)
	}
	if err := add("base/kustomization.yaml", baseKustomization(resources)); err != nil {
		return nil, err
	}
	for _, env := range svc.Environments {
		em := newModel(p, svc, env.Name, env.Spec)
		ov := overlay{}
		// Objects whose content depends on the environment's values become patches where they differ.
		for _, o := range em.baseObjects() {
			if o.file == m.workloadFile() || o.file == "serviceaccount.yaml" {
				continue // the workload gets a small patch below; the ServiceAccount never differs
			}
			// Comparing the objects, not their rendering: most are the same in every environment.
			if !reflect.DeepEqual(o.objs, baseObjs[o.file]) {
				name := "patch-" + o.file
				if err := add(path.Join("overlays", env.Name, name), o.objs...); err != nil {
					return nil, err
				}
				ov.patches = append(ov.patches, name)
			}
		}
		for _, o := range em.envObjects() {
			if err := add(path.Join("overlays", env.Name, o.file), o.objs...); err != nil {
				return nil, err
			}
			ov.resources = append(ov.resources, o.file)
		}
		if err := add(path.Join("overlays", env.Name, "patch-workload.yaml"), em.workloadPatch()); err != nil {
			return nil, err
		}
		ov.patches = append(ov.patches, "patch-workload.yaml")
		slices.Sort(ov.patches)
		if err := add(path.Join("overlays", env.Name, "kustomization.yaml"), em.overlayKustomization(ov)); err != nil {
			return nil, err
		}
		if svc.Base.Prebuilt != "" {
			continue // the base runs the pinned image: nothing for CI to pin
		}
		pin, err := render.YAML(em.imagePin(svc.Base.Image))
		if err != nil {
			return nil, err
		}
		pin = append([]byte("# "+generators.Origin(src)+". Written once: CI pins the image it built here (kustomize edit set image), and gantry never overwrites it.\n"), pin...)
		files = append(files, generators.File{Path: path.Join(dir, "overlays", env.Name, imageComponent, "kustomization.yaml"),
			Data: pin, Env: env.Name, Kind: generators.Seeded})
	}
	custom, err := customFiles(dir, p, svc)
	return append(files, custom...), err
}

// GeneratePlatform implements generators.PlatformGenerator: one folder per namespace, shared by the
// services in it.
func (*Generator) GeneratePlatform(p *blueprints.ResolvedPlatform) ([]generators.File, error) {
	namespaces := map[string]string{} // namespace -> a blueprint that uses it, for the header
	for _, s := range p.Services {
		if _, ok := namespaces[s.Base.Namespace]; !ok {
			namespaces[s.Base.Namespace] = s.Source
		}
	}
	var files []generators.File
	for _, ns := range slices.Sorted(maps.Keys(namespaces)) {
		src := "the services of namespace " + ns
		if p.Source != "" {
			src += " (platform " + p.Source + ")"
		}
		dir := path.Join(generators.Root(p), "namespaces", ns)
		objs := namespaceObjects(p, ns)
		var resources []string
		for _, o := range objs {
			data, err := document(src, o.objs...)
			if err != nil {
				return nil, err
			}
			files = append(files, generators.File{Path: path.Join(dir, o.file), Data: data})
			resources = append(resources, o.file)
		}
		data, err := document(src, kustomization{APIVersion: kustomizeAPI, Kind: "Kustomization", Resources: resources})
		if err != nil {
			return nil, err
		}
		files = append(files, generators.File{Path: path.Join(dir, "kustomization.yaml"), Data: data})
	}
	return files, nil
}
