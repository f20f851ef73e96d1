package terraform_test

import (
	"encoding/json"
	"flag"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2/hclparse"

	"github.com/gantry-dev/gantry/generators"
	"github.com/gantry-dev/gantry/generators/gentest"
	"github.com/gantry-dev/gantry/generators/terraform"
	"github.com/gantry-dev/gantry/internal/checkers"
)

var update = flag.Bool("update", false, "rewrite golden files")

func generate(t testing.TB) []generators.File {
	t.Helper()
	files, err := generators.Run(gentest.LoadExamples(t), []generators.Generator{terraform.New()})
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatal("no Terraform generated for the examples")
	}
	return files
}

func TestGolden(t *testing.T) {
	gentest.Golden(t, "testdata/golden", generate(t), *update)
}

// modules writes the examples' Terraform and returns the module folders.
func modules(t *testing.T) (string, []string) {
	t.Helper()
	out := t.TempDir()
	files := generate(t)
	if _, err := generators.Write(out, files, generators.WriteOptions{}); err != nil {
		t.Fatal(err)
	}
	var dirs []string
	for _, f := range files {
		if path.Base(f.Path) == "versions.tf" {
			dirs = append(dirs, filepath.Join(out, filepath.FromSlash(path.Dir(f.Path))))
		}
	}
	slices.Sort(dirs)
	return out, dirs
}

// TestParses: every file is valid HCL (or tfvars).
func TestParses(t *testing.T) {
	p := hclparse.NewParser()
	for _, f := range generate(t) {
		if _, diags := p.ParseHCL(f.Data, f.Path); diags.HasErrors() {
			t.Errorf("%s: %s", f.Path, diags.Error())
		}
	}
}

// TestTerraformFmt: `terraform fmt -check` finds nothing to change in any module.
func TestTerraformFmt(t *testing.T) {
	tf := checkers.Installed(t)["terraform"]
	out, _ := modules(t)
	if msg, ok := checkers.Run(t, out, tf, "fmt", "-check", "-recursive", "-diff", "."); !ok {
		t.Errorf("terraform fmt -check:\n%s", msg)
	}
}

// TestTFLint runs tflint's bundled terraform ruleset (all rules) on every module: zero findings.
func TestTFLint(t *testing.T) {
	tflint := checkers.Installed(t)["tflint"]
	config := filepath.Join(checkers.Root, "tools", "tflint.hcl")
	_, dirs := modules(t)
	for _, d := range dirs {
		if msg, ok := checkers.Run(t, d, tflint, "--config", config, "--chdir", d); !ok || strings.TrimSpace(msg) != "" {
			t.Errorf("tflint %s:\n%s", d, msg)
		}
	}
}

// TestTrivyConfig scans every module with trivy's embedded Terraform checks: zero findings of any
// severity outside internal/checkers/exceptions.yaml.
func TestTrivyConfig(t *testing.T) {
	trivy := checkers.Installed(t)["trivy"]
	ignored := checkers.Exceptions(t, "trivy")
	out, _ := modules(t)
	raw, ok := checkers.Run(t, out, trivy, "config", "--skip-check-update", "--quiet", "--format", "json",
		"--cache-dir", filepath.Join(t.TempDir(), "cache"), "--exit-code", "0", ".")
	if !ok {
		t.Fatalf("trivy config failed:\n%s", raw)
	}
	var rep struct {
		Results []struct {
			Target            string
			Misconfigurations []struct{ ID, AVDID, Title, Severity, Status, Message string }
		}
	}
	if err := json.Unmarshal([]byte(raw[strings.Index(raw, "{"):]), &rep); err != nil {
		t.Fatalf("trivy output: %v\n%s", err, raw)
	}
	scanned := 0
	for _, r := range rep.Results {
		scanned++
		for _, m := range r.Misconfigurations {
			if m.Status == "FAIL" && !slices.Contains(ignored, m.ID) && !slices.Contains(ignored, m.AVDID) {
				t.Errorf("%s: %s %s (%s): %s", r.Target, m.ID, m.Severity, m.Title, m.Message)
			}
		}
	}
	if scanned == 0 {
		t.Error("trivy scanned nothing")
	}
}
