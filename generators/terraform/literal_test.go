package terraform_test

import (
	"fmt"
	"path"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/function"
	"github.com/zclconf/go-cty/cty/function/stdlib"

	"github.com/gantry-dev/gantry/blueprints"
	"github.com/gantry-dev/gantry/generators"
	"github.com/gantry-dev/gantry/generators/terraform"
)

// hostile are values validation refuses today (so the generator must not rely on it): each would change
// an expression if it entered one as text.
var hostile = []string{
	`x}-${var.evil}`, `x}-${var.evil`, `a"b`, `%{if true}x%{endif}`, `back\slash`, "line\nbreak", `$${var.evil}`, `x$`, `x%`,
}

// resolved builds the resolved structs directly (validation would refuse these values): every
// blueprint value the Terraform reads is v, and the service has one dependency of each type, named dep.
func resolved(cloud, v, dep string) (*blueprints.ResolvedPlatform, *blueprints.ResolvedService) {
	p := &blueprints.ResolvedPlatform{Name: v, Spec: blueprints.PlatformSpec{
		Cloud:        blueprints.Cloud{Provider: cloud, Region: v, Project: v},
		Environments: []string{"dev", v},
	}}
	s := &blueprints.ResolvedService{File: "svc.yaml", Source: "svc.yaml", Name: v, Team: v,
		Environments: []blueprints.ResolvedEnv{{Name: "dev"}, {Name: v, Production: true}}}
	s.Base.Namespace = v
	for i, typ := range []string{"postgres", "mysql", "redis", "bucket", "queue", "kafka"} {
		s.Base.Dependencies = append(s.Base.Dependencies, blueprints.Dependency{Name: fmt.Sprintf("%s%d", dep, i), Type: typ, Size: "small"})
	}
	p.Services = []*blueprints.ResolvedService{s}
	return p, s
}

// generateService is the target's Generate, with a panic (a bad expression) reported as an error.
func generateService(p *blueprints.ResolvedPlatform, s *blueprints.ResolvedService) (files []generators.File, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("panic: %v", r)
		}
	}()
	return terraform.New().Generate(p, s)
}

// TestBlueprintValuesStayLiterals: a blueprint value (service, team, namespace, platform, region,
// project, environment) never enters a Terraform expression as text. Every file parses; every
// reference is to a variable, local, data source or resource the module declares and every function
// is one the generator calls (so nothing like var.evil or a %{if} directive was injected); and the
// locals and the environment validation evaluate to exactly the value.
func TestBlueprintValuesStayLiterals(t *testing.T) {
	for _, cloud := range []string{"aws", "gcp", "azure"} {
		for _, v := range hostile {
			t.Run(cloud+"/"+v, func(t *testing.T) {
				p, s := resolved(cloud, v, "dep")
				files, err := generateService(p, s)
				if err != nil {
					t.Fatal(err)
				}
				mod := map[string]*hclsyntax.Body{}
				for _, f := range files {
					if path.Ext(f.Path) != ".tf" {
						continue
					}
					file, diags := hclsyntax.ParseConfig(f.Data, f.Path, hcl.InitialPos)
					if diags.HasErrors() {
						t.Fatalf("%s does not parse: %s\n%s", path.Base(f.Path), diags.Error(), f.Data)
					}
					mod[path.Base(f.Path)] = file.Body.(*hclsyntax.Body)
				}
				checkReferences(t, mod)
				checkValues(t, cloud, v, mod)
			})
		}
	}
}

// A dependency name is also a block label and a reference step: one that is no identifier is refused
// instead of being written into a reference.
func TestDependencyNameNotIdentifier(t *testing.T) {
	for _, cloud := range []string{"aws", "gcp", "azure"} {
		for _, v := range hostile {
			p, s := resolved(cloud, "svc", v)
			if files, err := generateService(p, s); err == nil {
				t.Errorf("%s: dependency %q: no error, %d files", cloud, v, len(files))
			} else if !strings.Contains(err.Error(), fmt.Sprintf("%q", v+"0")) {
				t.Errorf("%s: dependency %q: the error does not name it: %v", cloud, v, err)
			}
		}
	}
}

// functions are those the generated expressions call.
var functions = map[string]bool{"base64decode": true, "contains": true, "jsonencode": true, "length": true,
	"merge": true, "sha1": true, "substr": true, "tostring": true}

// checkReferences: every traversal names something the module declares, every call a known function,
// and no directive or conditional sits inside a string template.
func checkReferences(t *testing.T, mod map[string]*hclsyntax.Body) {
	t.Helper()
	declared := map[string]bool{} // "var.x", "local.x", "data.t.n", "t.n", "ephemeral.t.n"
	for _, b := range mod {
		for _, blk := range b.Blocks {
			switch blk.Type {
			case "variable":
				declared["var."+blk.Labels[0]] = true
			case "locals":
				for name := range blk.Body.Attributes {
					declared["local."+name] = true
				}
			case "data", "ephemeral":
				declared[blk.Type+"."+blk.Labels[0]+"."+blk.Labels[1]] = true
			case "resource":
				declared[blk.Labels[0]+"."+blk.Labels[1]] = true
			}
		}
	}
	refs := 0
	for name, b := range mod {
		check := func(n hclsyntax.Node) hcl.Diagnostics {
			switch n := n.(type) {
			case *hclsyntax.ScopeTraversalExpr:
				refs++
				if !declared[traversalKey(n.Traversal)] {
					t.Errorf("%s: reference to %s, which the module does not declare", name, traversalKey(n.Traversal))
				}
			case *hclsyntax.FunctionCallExpr:
				if !functions[n.Name] {
					t.Errorf("%s: call of %s()", name, n.Name)
				}
			case *hclsyntax.TemplateExpr:
				for _, part := range n.Parts {
					switch part.(type) {
					case *hclsyntax.ConditionalExpr, *hclsyntax.ForExpr, *hclsyntax.TemplateJoinExpr:
						t.Errorf("%s: a template directive at %s", name, part.Range())
					}
				}
			}
			return nil
		}
		var walk func(b *hclsyntax.Body, typ string)
		walk = func(b *hclsyntax.Body, typ string) {
			for an, a := range b.Attributes {
				if typ == "variable" && an == "type" {
					continue // a type constraint (string, list(string)), not an expression
				}
				hclsyntax.VisitAll(a.Expr, check)
			}
			for _, blk := range b.Blocks {
				walk(blk.Body, blk.Type)
			}
		}
		walk(b, "")
	}
	if refs < 100 {
		t.Errorf("only %d references checked", refs)
	}
}

// traversalKey is the declared thing a reference reads: var.x, local.x, data.t.n, ephemeral.t.n, t.n.
func traversalKey(tr hcl.Traversal) string {
	n := 2
	switch tr.RootName() {
	case "data", "ephemeral":
		n = 3
	}
	var parts []string
	for _, step := range tr {
		if len(parts) == n {
			break
		}
		switch s := step.(type) {
		case hcl.TraverseRoot:
			parts = append(parts, s.Name)
		case hcl.TraverseAttr:
			parts = append(parts, s.Name)
		default:
			return tr.RootName() + "[...]" // an index before the name: not a declared thing
		}
	}
	return strings.Join(parts, ".")
}

// checkValues evaluates the expressions the values land in and expects them back exactly.
func checkValues(t *testing.T, cloud, v string, mod map[string]*hclsyntax.Body) {
	t.Helper()
	ctx := &hcl.EvalContext{
		Variables: map[string]cty.Value{
			"var": cty.ObjectVal(map[string]cty.Value{"environment": cty.StringVal(v), "project": cty.StringVal("proj")}),
			"data": cty.ObjectVal(map[string]cty.Value{"google_project": cty.ObjectVal(map[string]cty.Value{
				"this": cty.ObjectVal(map[string]cty.Value{"number": cty.StringVal("42")})})}),
		},
		Functions: map[string]function.Function{"contains": stdlib.ContainsFunc, "merge": stdlib.MergeFunc},
	}
	eval := func(file string, body *hclsyntax.Body, attr string) cty.Value {
		t.Helper()
		a, ok := body.Attributes[attr]
		if !ok {
			t.Fatalf("%s: no %s", file, attr)
		}
		val, diags := a.Expr.Value(ctx)
		if diags.HasErrors() {
			t.Fatalf("%s: %s: %s", file, attr, diags.Error())
		}
		return val
	}
	var locals *hclsyntax.Body
	for _, blk := range mod["main.tf"].Blocks {
		if blk.Type == "locals" {
			locals = blk.Body
		}
	}
	if locals == nil {
		t.Fatal("main.tf: no locals")
	}
	if got := eval("main.tf", locals, "name"); got.AsString() != v+"-"+v {
		t.Errorf("local.name = %q, want %q", got.AsString(), v+"-"+v)
	}
	if got := eval("main.tf", locals, "production"); !got.True() {
		t.Errorf("local.production is false in the production environment %q", v)
	}
	if cloud == "gcp" {
		want := "principal://iam.googleapis.com/projects/42/locations/global/workloadIdentityPools/proj.svc.id.goog/subject/ns/" + v + "/sa/" + v
		if got := eval("main.tf", locals, "workload"); got.AsString() != want {
			t.Errorf("local.workload = %q, want %q", got.AsString(), want)
		}
	}
	for _, blk := range mod["variables.tf"].Blocks {
		if blk.Type == "variable" && blk.Labels[0] == "environment" {
			if got := eval("variables.tf", blk.Body.Blocks[0].Body, "condition"); !got.True() {
				t.Errorf("environment %q fails the variable's validation", v)
			}
			return
		}
	}
	t.Error("variables.tf: no variable environment")
}
