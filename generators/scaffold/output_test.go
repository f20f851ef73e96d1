package scaffold_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gantry-dev/gantry/blueprints"
	"github.com/gantry-dev/gantry/cmd/cli/cmdutil"
	"github.com/gantry-dev/gantry/cmd/cli/newcmd"
	"github.com/gantry-dev/gantry/generators/ci"
	"github.com/gantry-dev/gantry/generators/output"
	"github.com/gantry-dev/gantry/internal/checkers"
)

// TestOutputChecks runs the generator issues' checkers on what `gantry new` generates: the blueprint
// validates (new fails otherwise), every overlay of every type builds with kustomize and passes
// kubeconform -strict and kube-score, every runtime's GitHub workflow (and the service's own one it
// calls) passes actionlint with shellcheck,
// and a GitLab scaffold passes GitLab's schema.
func TestOutputChecks(t *testing.T) {
	kustomize := checkers.GoTool(t, "kustomize")
	kubeconform := checkers.GoTool(t, "kubeconform")
	kubeScore := checkers.GoTool(t, "kube-score")
	actionlint := checkers.GoTool(t, "actionlint")
	tools := checkers.Installed(t, "shellcheck", "gitlab-ci-schema", "crds")
	schemas, version := checkers.SchemaDir(t, "1.35")

	var overlays, workflows []string
	for _, rt := range blueprints.Runtimes {
		for _, typ := range types(rt) {
			if rt != "go" && typ != "web" {
				continue // the manifests depend on the type, not the runtime; the pipeline on the runtime
			}
			dir := newScaffold(t, newcmd.Options{Name: rt + "-" + typ, ServiceFlags: cmdutil.ServiceFlags{Runtime: rt, Type: typ, Port: 8080}})
			ov, _ := filepath.Glob(filepath.Join(dir, "deploy", "*", "*", "*", "kubernetes", "overlays", "*"))
			if len(ov) != 3 {
				t.Fatalf("%s: %d overlays, want 3 (dev, staging, prod)", dir, len(ov))
			}
			overlays = append(overlays, ov...)
			workflows = append(workflows, filepath.Join(dir, ".github", "workflows", rt+"-"+typ+".yaml"),
				filepath.Join(dir, filepath.FromSlash(ci.CustomFile("github", rt+"-"+typ))))
			checkNoDrift(t, dir)
			// actionlint checks a call of a local workflow only in a project a .git folder marks.
			if err := os.Mkdir(filepath.Join(dir, ".git"), 0o755); err != nil {
				t.Fatal(err)
			}
		}
	}

	built := t.TempDir()
	var files []string
	for i, ov := range overlays {
		out, ok := checkers.Run(t, ov, kustomize, "build", ".")
		if !ok {
			t.Fatalf("kustomize build %s:\n%s", ov, out)
		}
		f := filepath.Join(built, fmt.Sprintf("%02d-%s.yaml", i, filepath.Base(ov)))
		if err := os.WriteFile(f, []byte(out), 0o644); err != nil {
			t.Fatal(err)
		}
		files = append(files, f)
	}
	args := []string{"-strict", "-summary", "-output", "text", "-kubernetes-version", version, "-schema-location", schemas}
	for name, dir := range tools {
		if strings.HasPrefix(name, "crds/") {
			args = append(args, "-schema-location", filepath.Join(dir, "schemas", "{{ .Group }}", "{{ .ResourceKind }}_{{ .ResourceAPIVersion }}.json"))
		}
	}
	if skip := checkers.Exceptions(t, "kubeconform"); len(skip) > 0 {
		args = append(args, "-skip", strings.Join(skip, ","))
	}
	out, ok := checkers.Run(t, built, kubeconform, append(args, files...)...)
	for _, line := range strings.Split(out, "\n") {
		if line != "" && !strings.HasPrefix(line, "Summary:") {
			ok = false
		}
	}
	if !ok {
		t.Errorf("kubeconform:\n%s", out)
	}
	scoreArgs := []string{"score", "--output-format", "ci"}
	for _, rule := range checkers.Exceptions(t, "kube-score") {
		scoreArgs = append(scoreArgs, "--ignore-test", rule)
	}
	out, _ = checkers.Run(t, built, kubeScore, append(scoreArgs, files...)...)
	for _, line := range strings.Split(out, "\n") {
		if strings.HasPrefix(line, "[CRITICAL]") || strings.HasPrefix(line, "[WARNING]") {
			t.Errorf("kube-score: %s", line)
		}
	}

	if out, ok := checkers.Run(t, built, actionlint, append([]string{"-shellcheck", tools["shellcheck"], "-no-color"}, workflows...)...); !ok || strings.TrimSpace(out) != "" {
		t.Errorf("actionlint:\n%s", out)
	}

	dir := newScaffold(t, newcmd.Options{Name: "lab", ServiceFlags: cmdutil.ServiceFlags{Runtime: "python", Type: "worker"}, CI: "gitlab"})
	for _, p := range []string{".gitlab-ci.yml", ".gitlab/ci/lab.yml", ci.CustomFile("gitlab", "lab")} {
		data, err := os.ReadFile(filepath.Join(dir, p))
		if err != nil {
			t.Fatal(err)
		}
		if errs := checkers.ValidateGitLabCI(t, tools["gitlab-ci-schema"], data); len(errs) > 0 {
			t.Errorf("%s:\n  %s", p, strings.Join(errs, "\n  "))
		}
	}
}

// checkNoDrift: `gantry generate --check` on the new folder, as CI runs it there, finds nothing to do.
func checkNoDrift(t *testing.T, dir string) {
	t.Helper()
	res, err := output.Generate(output.Options{
		Paths: []string{filepath.Join(dir, "blueprints")}, Output: filepath.Join(dir, "deploy"),
		Repo: dir, Root: dir, Check: true,
	})
	if err != nil || res.Drifted() {
		t.Errorf("gantry generate --check in %s: %v %+v", dir, err, res)
	}
}
