package ci_test

import (
	"encoding/json"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/gantry-dev/gantry/blueprints"
	"github.com/gantry-dev/gantry/generators"
	"github.com/gantry-dev/gantry/generators/ci"
	"github.com/gantry-dev/gantry/generators/gitops"
)

// FuzzCIPaths puts fuzzed path-like values (a service's spec.source, the platform's gitops.path) into
// blueprints, loads them as gantry validate does, and renders the GitHub and GitLab pipelines and the
// GitOps objects. A value the validation accepts must be data wherever it lands: it can hold nothing a
// CI system evaluates ($, braces, backticks, quotes, line breaks), and every file renders and parses.
// (TestBlueprintStringsNeverEvaluated checks every field's payloads in every output; this explores.)
func FuzzCIPaths(f *testing.F) {
	for _, seed := range [][2]string{{"services/api", "deploy"}, {"services/${{ github.event.pull_request.title }}", "deploy"},
		{"services/api", "deploy/${{ secrets.REGISTRY_TOKEN }}"}, {"$CI_JOB_TOKEN", "${CI_JOB_TOKEN}"}, {"a/$(id)", "`id`"},
		{"a\nb: c", "d\n- e"}, {"../x", "/abs"}, {"services/api/", "./deploy"}} {
		f.Add(seed[0], seed[1], true)
		f.Add(seed[0], seed[1], false)
	}
	f.Fuzz(func(t *testing.T, source, path string, gitlab bool) {
		q := func(s string) string { b, _ := json.Marshal(s); return string(b) } // JSON strings are YAML
		system := "github"
		if gitlab {
			system = "gitlab"
		}
		fsys := fstest.MapFS{
			".git/HEAD": {Data: []byte("ref: main\n")},
			"blueprints/platform.yaml": {Data: []byte("apiVersion: gantry.dev/v1\nkind: Platform\nmetadata: {name: acme}\nspec:\n  ci: " + system +
				"\n  gitops: {engine: flux, repoURL: \"https://github.com/acme/gitops.git\", path: " + q(path) + "}\n")},
			"blueprints/api.yaml": {Data: []byte("apiVersion: gantry.dev/v1\nkind: Service\nmetadata: {name: api, team: core}\nspec: {runtime: go, type: web, port: 8080, source: " + q(source) + "}\n")},
		}
		res, diags := blueprints.Load(blueprints.LoadOptions{FS: fsys, Paths: []string{"blueprints"}})
		if diags.HasErrors(false) {
			return
		}
		for _, v := range []string{source, path} {
			if strings.ContainsAny(v, "$`{}\n\r\\ \"'") {
				t.Fatalf("validation accepted %q", v)
			}
		}
		// The generators check that every file parses as one YAML mapping (a value breaking out of its
		// scalar would fail that) and refuse blueprint paths a CI file would evaluate.
		if _, err := generators.Run(res, []generators.Generator{ci.New(), gitops.New()}); err != nil {
			t.Fatalf("generate: %v", err)
		}
	})
}
