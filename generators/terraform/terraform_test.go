package terraform_test

import (
	"encoding/json"
	"fmt"
	"github.com/gantry-dev/gantry/blueprints"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2/hclparse"
	"github.com/hashicorp/hcl/v2/hclwrite"
	"github.com/zclconf/go-cty/cty"

	"github.com/gantry-dev/gantry/generators"
	"github.com/gantry-dev/gantry/generators/gentest"
	"github.com/gantry-dev/gantry/generators/terraform"
	"github.com/gantry-dev/gantry/internal/checkers"
)

// generate is the Terraform of what the checkers verify: the examples and the apps (gentest.LoadChecked).
func generate(t testing.TB) []generators.File {
	t.Helper()
	return run(t, gentest.LoadChecked(t))
}

func run(t testing.TB, res *blueprints.Resolved) []generators.File {
	t.Helper()
	files, err := generators.Run(res, []generators.Generator{terraform.New()})
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatal("no Terraform generated for the examples")
	}
	return files
}

func TestGolden(t *testing.T) {
	gentest.Golden(t, "testdata/golden", run(t, gentest.LoadExamples(t)))
}

// modules writes the examples' Terraform and returns the module folders.
func modules(t *testing.T) (string, []string) {
	t.Helper()
	out := t.TempDir()
	files := generate(t)
	if _, err := generators.Write(out, files, generators.WriteOptions{}); err != nil {
		t.Fatal(err)
	}
	// A user's own resource and override beside payments' module pass the same checks.
	for p, data := range gentest.Customizations {
		if strings.Contains(p, "/terraform/") {
			if err := os.WriteFile(filepath.Join(out, filepath.FromSlash(p)), []byte(data), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	var dirs []string
	for _, f := range files {
		if path.Base(f.Path) == "versions.tf" {
			dirs = append(dirs, filepath.Join(out, filepath.FromSlash(path.Dir(f.Path))))
		}
	}
	if len(dirs) == 0 {
		t.Fatal("no Terraform module among the examples' output")
	}
	slices.Sort(dirs)
	return out, dirs
}

// TestParses: every Terraform file is valid HCL (or tfvars).
func TestParses(t *testing.T) {
	p := hclparse.NewParser()
	for _, f := range generate(t) {
		if strings.HasSuffix(f.Path, ".yaml") {
			continue // the module's .trivyignore.yaml (TestTrivyIgnoreFile)
		}
		if _, diags := p.ParseHCL(f.Data, f.Path); diags.HasErrors() {
			t.Errorf("%s: %s", f.Path, diags.Error())
		}
	}
}

// TestTerraformFmt: `terraform fmt -check` finds nothing to change in any module.
func TestTerraformFmt(t *testing.T) {
	tf := checkers.Installed(t, "terraform")["terraform"]
	out, _ := modules(t)
	if msg, ok := checkers.Run(t, out, tf, "fmt", "-check", "-recursive", "-diff", "."); !ok {
		t.Errorf("terraform fmt -check:\n%s", msg)
	}
}

// TestTFLint runs tflint's bundled terraform ruleset (all rules) on every module: zero findings.
func TestTFLint(t *testing.T) {
	tflint := checkers.Installed(t, "tflint")["tflint"]
	config := filepath.Join(checkers.Root, "tools", "tflint.hcl")
	_, dirs := modules(t)
	for _, d := range dirs {
		if msg, ok := checkers.Run(t, d, tflint, "--config", config, "--chdir", d); !ok || strings.TrimSpace(msg) != "" {
			t.Errorf("tflint %s:\n%s", d, msg)
		}
	}
}

// trivyConfig scans dir with trivy's embedded Terraform checks and returns every failed check not
// excepted in internal/checkers/exceptions.yaml, one line each, and the number of checks it ran on
// each module folder (relative to dir). It fails the test when trivy does not run to the end.
func trivyConfig(t *testing.T, dir string) (problems []string, scanned map[string]int) {
	t.Helper()
	trivy := checkers.Installed(t, "trivy")["trivy"]
	ignored := checkers.Exceptions(t, "trivy")
	res := checkers.Exec(t, dir, trivy, "config", "--skip-check-update", "--quiet", "--format", "json",
		"--cache-dir", filepath.Join(t.TempDir(), "cache"), "--exit-code", "0", ".")
	if res.Code != 0 {
		t.Fatalf("trivy config exited %d:\n%s%s", res.Code, res.Stdout, res.Stderr)
	}
	var rep struct {
		Results []struct {
			Target            string
			MisconfSummary    *struct{ Successes, Failures int }
			Misconfigurations []struct{ ID, AVDID, Title, Severity, Status, Message string }
		}
	}
	if err := json.Unmarshal([]byte(res.Stdout), &rep); err != nil {
		t.Fatalf("trivy output: %v\n%s%s", err, res.Stdout, res.Stderr)
	}
	scanned = map[string]int{}
	for _, r := range rep.Results {
		if r.MisconfSummary != nil {
			scanned[r.Target] += r.MisconfSummary.Successes + r.MisconfSummary.Failures
		}
		for _, m := range r.Misconfigurations {
			if m.Status == "FAIL" && !slices.Contains(ignored, m.ID) && !slices.Contains(ignored, m.AVDID) {
				problems = append(problems, fmt.Sprintf("%s: %s %s (%s): %s", r.Target, m.ID, m.Severity, m.Title, m.Message))
			}
		}
	}
	return problems, scanned
}

// TestTrivyConfig scans every module with trivy's embedded Terraform checks: zero findings of any
// severity outside internal/checkers/exceptions.yaml, and checks run on every module.
func TestTrivyConfig(t *testing.T) {
	out, dirs := modules(t)
	problems, scanned := trivyConfig(t, out)
	for _, p := range problems {
		t.Error(p)
	}
	for _, d := range dirs {
		rel, _ := filepath.Rel(out, d)
		if scanned[filepath.ToSlash(rel)] == 0 {
			t.Errorf("trivy ran no check on %s", rel)
		}
	}
}

// TestTrivyCatchesMistakes proves the check above can fail: SSH open to the internet is reported.
func TestTrivyCatchesMistakes(t *testing.T) {
	dir := t.TempDir()
	bad := `resource "aws_security_group" "bad" {
  name        = "bad"
  description = "Lets anyone in"
  ingress {
    description = "SSH"
    from_port   = 22
    to_port     = 22
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }
}
`
	if err := os.MkdirAll(filepath.Join(dir, "bad"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "bad", "main.tf"), []byte(bad), 0o644); err != nil {
		t.Fatal(err)
	}
	problems, scanned := trivyConfig(t, dir)
	if got := strings.Join(problems, "\n"); !strings.Contains(got, "bad/main.tf: AWS-0107 ") {
		t.Errorf("trivy did not report the open ingress (AWS-0107); it reported:\n%s", got)
	}
	if scanned["bad"] == 0 {
		t.Errorf("trivy ran no check on the module: %v", scanned)
	}
}

// TestTerraformValidate runs the real `terraform init -backend=false` and `terraform validate` on every
// generated module, with the providers from the local filesystem mirror that hack/provider-schemas.sh
// builds from the Go module proxy (never the registry: the CLI config allows the mirror only). A cold
// provider build takes well over an hour on two cores, so `make test` does not start one: without the
// mirror this test is skipped and says how to build it; TestProviderSchemas still checks every block
// against the committed schemas. With GANTRY_REQUIRE_TF_MIRROR=1 a missing mirror fails instead.
func TestTerraformValidate(t *testing.T) {
	if testing.Short() {
		t.Skip("-short")
	}
	tf := checkers.Installed(t, "terraform")["terraform"]
	mirror := checkers.TerraformMirror(t) // skips the test when there is none
	cache := filepath.Join(filepath.Dir(mirror), "terraform-plugin-cache")
	if err := os.MkdirAll(cache, 0o755); err != nil {
		t.Fatal(err)
	}
	// Providers are linked from the plugin cache into each module instead of copied (the AWS provider
	// alone is 800 MB); the mirror is the only installation source.
	cfg := filepath.Join(t.TempDir(), "terraform.tfrc")
	body := hclwrite.NewEmptyFile()
	root := body.Body()
	root.SetAttributeValue("disable_checkpoint", cty.True)
	root.SetAttributeValue("plugin_cache_dir", cty.StringVal(cache))
	fm := root.AppendNewBlock("provider_installation", nil).Body().AppendNewBlock("filesystem_mirror", nil).Body()
	fm.SetAttributeValue("path", cty.StringVal(mirror))
	fm.SetAttributeValue("include", cty.ListVal([]cty.Value{cty.StringVal("registry.terraform.io/hashicorp/*")}))
	if err := os.WriteFile(cfg, body.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	env := append(os.Environ(), "TF_CLI_CONFIG_FILE="+cfg, "CHECKPOINT_DISABLE=1", "TF_IN_AUTOMATION=1",
		"TF_DATA_DIR=", "TF_INPUT=0")
	_, dirs := modules(t)
	for _, d := range dirs {
		name, _ := filepath.Rel(filepath.Dir(filepath.Dir(filepath.Dir(d))), d)
		t.Run(filepath.ToSlash(name), func(t *testing.T) {
			run := func(args ...string) string {
				cmd := exec.Command(tf, args...)
				cmd.Dir, cmd.Env = d, env
				out, err := cmd.CombinedOutput()
				if err != nil {
					t.Fatalf("terraform %s in %s: %v\n%s", strings.Join(args, " "), d, err, out)
				}
				return string(out)
			}
			run("init", "-backend=false", "-input=false", "-no-color")
			raw := run("validate", "-json", "-no-color")
			var res struct {
				Valid        bool `json:"valid"`
				WarningCount int  `json:"warning_count"`
				Diagnostics  []struct {
					Severity, Summary, Detail string
					Range                     *struct{ Filename string }
				} `json:"diagnostics"`
			}
			if err := json.Unmarshal([]byte(raw), &res); err != nil {
				t.Fatalf("terraform validate -json: %v\n%s", err, raw)
			}
			// Warnings count too: a deprecated argument today is an error in the next major version.
			for _, dg := range res.Diagnostics {
				file := ""
				if dg.Range != nil {
					file = dg.Range.Filename + ": "
				}
				t.Errorf("%s%s: %s: %s", file, dg.Severity, dg.Summary, dg.Detail)
			}
			if !res.Valid && len(res.Diagnostics) == 0 {
				t.Errorf("terraform validate: not valid\n%s", raw)
			}
		})
	}
}
