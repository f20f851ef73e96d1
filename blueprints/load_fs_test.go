package blueprints_test

import (
	"testing"
	"testing/fstest"

	"github.com/gantry-dev/gantry/blueprints"
)

// TestLoadFromMemory: Load reads any fs.FS: the platform found above the blueprints, the repository
// root by its .git marker (sources relative to it), diagnostics naming the files as given.
func TestLoadFromMemory(t *testing.T) {
	fsys := fstest.MapFS{
		"repo/.git/HEAD":                   {Data: []byte("ref: refs/heads/main\n")},
		"repo/blueprints/platform.yaml":    {Data: []byte("apiVersion: gantry.dev/v1\nkind: Platform\nmetadata: {name: acme}\nspec: {environments: [dev, prod]}\n")},
		"repo/blueprints/team/api.yaml":    {Data: []byte("apiVersion: gantry.dev/v1\nkind: Service\nmetadata: {name: api, team: core}\nspec: {runtime: go, type: web, port: 8080}\n")},
		"repo/blueprints/team/broken.yaml": {Data: []byte("apiVersion: gantry.dev/v1\nkind: Service\nmetadata: {name: bad, team: core}\nspec: {runtime: go, type: web, port: 80}\n")},
		"repo/blueprints/notes.yaml":       {Data: []byte("just: yaml\n")},
	}
	res, diags := blueprints.Load(blueprints.LoadOptions{FS: fsys, Paths: []string{"repo/blueprints"}})
	if errs, _ := diags.Count(); errs != 1 || diags[0].Pos.File != "repo/blueprints/team/broken.yaml" || diags[0].Path != "spec.port" {
		t.Fatalf("diagnostics: %v", diags)
	}
	if len(res.Platforms) != 1 || res.Platforms[0].Name != "acme" || res.Platforms[0].Source != "blueprints/platform.yaml" {
		t.Fatalf("platforms: %+v", res.Platforms)
	}
	var sources []string
	for _, s := range res.Platforms[0].Services {
		sources = append(sources, s.Source)
	}
	if len(sources) != 2 || sources[0] != "blueprints/team/api.yaml" {
		t.Errorf("sources: %v", sources)
	}
	if !res.Reach.Complete || !res.Reach.Owns("blueprints/team/gone.yaml") || res.Reach.Owns("elsewhere/x.yaml") {
		t.Errorf("reach: %+v", res.Reach)
	}
	// One file named: the platform is still found above it.
	res, diags = blueprints.Load(blueprints.LoadOptions{FS: fsys, Paths: []string{"repo/blueprints/team/api.yaml"}})
	if diags.HasErrors(false) || res.Platforms[0].Name != "acme" || res.Reach.Complete {
		t.Errorf("one file: %v %+v", diags, res.Reach)
	}
}
