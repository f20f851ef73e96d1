package ci_test

import (
	"flag"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/gantry-dev/gantry/blueprints"
	"github.com/gantry-dev/gantry/generators"
	"github.com/gantry-dev/gantry/generators/ci"
	"github.com/gantry-dev/gantry/generators/gentest"
	"github.com/gantry-dev/gantry/internal/checkers"
)

var samples = flag.Int("samples", 100, "random blueprints in the property test (half GitHub, half GitLab)")

// TestPropertyPipelines generates random blueprints (every runtime and type, random dependencies and
// hostile env values) for GitHub and for GitLab, and checks every pipeline: actionlint with shellcheck
// finds nothing in any workflow, every GitLab file passes GitLab's schema, and each pipeline reads back
// the service's name, source folder and image, and runs its runtime's lint and test steps.
func TestPropertyPipelines(t *testing.T) {
	actionlint := checkers.GoTool(t, "actionlint")
	tools := checkers.Installed(t, "shellcheck", "gitlab-ci-schema")
	r := rand.New(rand.NewPCG(13, uint64(*samples)))
	for _, system := range []string{"github", "gitlab"} {
		t.Run(system, func(t *testing.T) {
			res, _, files := gentest.GenerateRandom(t, max(*samples/2, 1), r, gentest.RandomOptions{Name: "prop", Cloud: "aws", CI: system, Mesh: "none"}, ci.New())
			byPath := map[string][]byte{}
			for _, f := range files {
				byPath[f.Path] = f.Data
			}
			var workflows []string
			out := t.TempDir()
			for _, p := range res.Platforms {
				for _, s := range p.Services {
					name := filepath.Join(".github", "workflows", s.Name+".yaml")
					if system == "gitlab" {
						name = ".gitlab/ci/" + s.Name + ".yml"
					}
					data, ok := byPath[filepath.ToSlash(name)]
					if !ok {
						t.Errorf("%s: no pipeline %s", s.Name, name)
						continue
					}
					checkReadBack(t, system, s, data)
					workflows = append(workflows, filepath.Join(out, name))
				}
			}
			if _, err := generators.Write(out, files, generators.WriteOptions{}); err != nil {
				t.Fatal(err)
			}
			if system == "github" {
				args := append([]string{"-shellcheck", tools["shellcheck"], "-no-color"}, workflows...)
				if msg, ok := checkers.Run(t, out, actionlint, args...); !ok || strings.TrimSpace(msg) != "" {
					t.Errorf("actionlint:\n%s", msg)
				}
				return
			}
			for _, f := range files {
				if errs := checkers.ValidateGitLabCI(t, tools["gitlab-ci-schema"], f.Data); len(errs) > 0 {
					t.Errorf("%s:\n  %s", f.Path, strings.Join(errs, "\n  "))
				}
			}
		})
	}
}

// checkReadBack parses a pipeline and compares the service's values and steps with the blueprint.
func checkReadBack(t *testing.T, system string, s *blueprints.ResolvedService, data []byte) {
	t.Helper()
	var doc map[string]any
	if err := yaml.Unmarshal(data, &doc); err != nil {
		t.Fatalf("%s: %v", s.Name, err)
	}
	vars, _ := doc["env"].(map[string]any)
	if system == "gitlab" {
		for _, v := range doc {
			if job, ok := v.(map[string]any); ok && vars == nil {
				if v, ok := job["variables"].(map[string]any); ok && v["SERVICE"] != nil {
					vars = v
				}
			}
		}
	}
	want := map[string]string{"SERVICE": s.Name, "SOURCE": s.Base.Source, "IMAGE": s.Base.Image}
	for k, v := range want {
		if got, _ := vars[k].(string); got != v {
			t.Errorf("%s: %s = %q, want %q", s.Name, k, got, v)
		}
	}
	// Every step's script comes back, parsed, as written in the runtime table.
	var scripts []string
	collect(doc, &scripts)
	text := strings.Join(scripts, "\n")
	for _, step := range ci.Steps(s.Base.Runtime) {
		if !strings.Contains(text, strings.TrimSpace(step.Run)) {
			t.Errorf("%s: the %s step %q is missing", s.Name, s.Base.Runtime, step.Name)
		}
	}
	if s.Base.Runtime == "static" && slices.ContainsFunc(ci.Steps("go"), func(st ci.Step) bool { return strings.Contains(text, st.Run) }) {
		t.Errorf("%s: a static site runs Go's steps", s.Name)
	}
}

// collect appends every string in a parsed YAML value.
func collect(v any, out *[]string) {
	switch v := v.(type) {
	case string:
		*out = append(*out, v)
	case []any:
		for _, e := range v {
			collect(e, out)
		}
	case map[string]any:
		for _, e := range v {
			collect(e, out)
		}
	}
}
