package gitops_test

import (
	"bytes"
	"errors"
	"io"
	"path"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/gantry-dev/gantry/blueprints"
	"github.com/gantry-dev/gantry/generators"
	"github.com/gantry-dev/gantry/generators/gentest"
	"github.com/gantry-dev/gantry/generators/gitops"
	"github.com/gantry-dev/gantry/generators/kubernetes"
)

// objectHead is what the test reads of a generated object: its kind and, for an AppProject, its
// whitelists.
type objectHead struct {
	APIVersion string `yaml:"apiVersion"`
	Kind       string `yaml:"kind"`
	Metadata   struct {
		Name string `yaml:"name"`
	} `yaml:"metadata"`
	Spec struct {
		Description                string                         `yaml:"description"`
		ClusterResourceWhitelist   []struct{ Group, Kind string } `yaml:"clusterResourceWhitelist"`
		NamespaceResourceWhitelist []struct{ Group, Kind string } `yaml:"namespaceResourceWhitelist"`
	} `yaml:"spec"`
}

// groupKind is "group/Kind" ("/Namespace" for the core group).
func (o objectHead) groupKind() string {
	group, _, found := strings.Cut(o.APIVersion, "/")
	if !found {
		group = ""
	}
	return group + "/" + o.Kind
}

func decodeHeads(t *testing.T, f generators.File) []objectHead {
	t.Helper()
	var out []objectHead
	dec := yaml.NewDecoder(bytes.NewReader(f.Data))
	for {
		var o objectHead
		if err := dec.Decode(&o); errors.Is(err, io.EOF) {
			return out
		} else if err != nil {
			t.Fatalf("%s: %v", f.Path, err)
		}
		if o.Kind != "" {
			out = append(out, o)
		}
	}
}

// TestAppProjectsAllowEveryKind: Argo CD syncs only the kinds an AppProject whitelists, so every kind
// the kubernetes target writes for a service (in-cluster dependencies' StatefulSets and Password
// generators too) is in its team's project, and every kind of a namespace folder (the admission
// policies are cluster-scoped) in the platform's namespace project.
func TestAppProjectsAllowEveryKind(t *testing.T) {
	res := gentest.LoadChecked(t)
	checked := 0
	for _, p := range append(res.Platforms, gentest.NewServicePlatform(t)) {
		// Every platform as if it used Argo CD: the Flux ones (tidewater's in-cluster dependencies),
		// the built-in one and the imports write kinds the others do not.
		argo := *p
		argo.Spec.GitOps.Engine = "argocd"
		argo.Spec.GitOps.RepoURL = "https://github.com/example/gitops.git"
		one := &blueprints.Resolved{Platforms: []*blueprints.ResolvedPlatform{&argo}}
		files, err := generators.Run(one, []generators.Generator{kubernetes.New(), gitops.New()})
		if err != nil {
			t.Fatal(err)
		}
		team, namespaced, cluster := map[string]bool{}, map[string]bool{}, map[string]bool{}
		for _, f := range files {
			for _, o := range decodeHeads(t, f) {
				if o.Kind != "AppProject" {
					continue
				}
				allowed := team
				if strings.HasPrefix(o.Spec.Description, "Namespaces of platform") {
					allowed = namespaced
					for _, gk := range o.Spec.ClusterResourceWhitelist {
						cluster[gk.Group+"/"+gk.Kind] = true
					}
				}
				for _, gk := range o.Spec.NamespaceResourceWhitelist {
					allowed[gk.Group+"/"+gk.Kind] = true
				}
			}
		}
		for _, f := range files {
			if f.Target != "kubernetes" || path.Base(f.Path) == "kustomization.yaml" {
				continue
			}
			inNamespaces := strings.Contains(f.Path, "/namespaces/")
			for _, o := range decodeHeads(t, f) {
				gk := o.groupKind()
				checked++
				switch {
				case inNamespaces && (cluster[gk] || namespaced[gk]):
				case !inNamespaces && team[gk]:
				default:
					t.Errorf("%s: %s %s is not whitelisted by its AppProject (Argo CD would refuse to sync it)", f.Path, gk, o.Metadata.Name)
				}
			}
		}
	}
	if checked == 0 {
		t.Fatal("no object checked: no platform with Argo CD?")
	}
}
