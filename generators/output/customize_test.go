package output_test

import (
	"errors"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/kyaml/filesys"

	"github.com/gantry-dev/gantry/generators"
	"github.com/gantry-dev/gantry/generators/gentest"
	"github.com/gantry-dev/gantry/generators/output"
	"github.com/gantry-dev/gantry/internal/checkers"
)

// acme copies acme's blueprints into a temporary folder and returns the options that generate them
// into out/ and repo/ beside it.
func acme(t *testing.T) output.Options {
	t.Helper()
	dir := t.TempDir()
	src, _ := filepath.Glob("../../blueprints/examples/acme/*.yaml")
	for _, f := range src {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		write(t, filepath.Join(dir, "blueprints", filepath.Base(f)), string(data))
	}
	return output.Options{Paths: []string{filepath.Join(dir, "blueprints")}, Output: filepath.Join(dir, "out"), Repo: filepath.Join(dir, "repo")}
}

func write(t *testing.T, p, data string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
}

func mustGenerate(t *testing.T, opts output.Options) *output.Result {
	t.Helper()
	res, err := output.Generate(opts)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// The done-when test: payments customized in every target (a toleration and an annotation by
// patch, an extra resource, a Terraform resource and override, an extra CI job on GitHub and, with
// acme's platform on GitLab, on GitLab) keeps every customization through a blueprint change; the
// customized pipelines pass actionlint with shellcheck, or GitLab's schema and gitlab-ci-local, which
// runs the user's job; --check is clean; a patch that drops runAsNonRoot is refused with its file.
func TestCustomizationsSurviveRegeneration(t *testing.T) {
	// With the cache of earlier runs too: a customized service is rendered every time (its components
	// differ from their seeds), so its patches are checked every time.
	for _, c := range []struct {
		system string
		cache  bool
	}{{"github", false}, {"github", true}, {"gitlab", true}} {
		name := c.system // the test's name is in its temporary folder, which GitLab's paths must allow
		if c.cache {
			name += "-cache"
		}
		t.Run(name, func(t *testing.T) {
			dir, settle := "", func() {}
			if c.cache {
				dir, settle = fastCache(t)
			}
			customizationsSurvive(t, c.system, dir, settle)
		})
	}
}

func customizationsSurvive(t *testing.T, system, cache string, settle func()) {
	opts := acme(t)
	opts.Cache = cache
	// The output where acme's pipelines look for it (spec.gitops.path), so that the user's CI job can run.
	opts.Output = filepath.Join(opts.Repo, "deploy")
	platform := filepath.Join(opts.Paths[0], "platform.yaml")
	pdata, _ := os.ReadFile(platform)
	write(t, platform, strings.Replace(string(pdata), "ci: github", "ci: "+system, 1))
	mustGenerate(t, opts)
	settle()
	mustGenerate(t, opts)
	settle()
	mine := map[string]string{}
	for p, data := range gentest.Customizations {
		mine[filepath.Join(opts.Output, p)] = data
	}
	ciFile, ciData := gentest.CICustomization(t, system)
	mine[filepath.Join(opts.Repo, filepath.FromSlash(ciFile))] = ciData
	for p, data := range mine {
		write(t, p, data)
	}
	bp := filepath.Join(opts.Paths[0], "payments.yaml")
	data, _ := os.ReadFile(bp)
	write(t, bp, strings.Replace(string(data), "memory: 256Mi", "memory: 384Mi", 1))
	settle()

	res := mustGenerate(t, opts)
	if len(res.Summary.Written) == 0 {
		t.Fatal("the blueprint change wrote nothing")
	}
	for p, want := range mine {
		if got, _ := os.ReadFile(p); string(got) != want {
			t.Errorf("%s was changed:\n%s", p, got)
		}
	}
	yours := map[string]bool{}
	for _, p := range res.Summary.Yours {
		yours[p] = true
	}
	for _, p := range append(slices.Collect(maps.Keys(gentest.Customizations)), ciFile) {
		if !yours[p] {
			t.Errorf("%s is not listed as yours: %v", p, res.Summary.Yours)
		}
	}
	check := opts
	check.Check = true
	settle()
	if res := mustGenerate(t, check); res.Drifted() || slices.ContainsFunc(res.Roots, func(r output.Root) bool { return r.Drift.Outdated() }) {
		t.Errorf("--check after regenerating: %+v", res.Roots)
	}
	checkPipelines(t, system, opts.Repo)
	// The customized overlay, built as the cluster's GitOps controller builds it.
	overlay := filepath.Join(opts.Output, "acme/billing/payments/kubernetes/overlays/prod")
	m, err := krusty.MakeKustomizer(krusty.MakeDefaultOptions()).Run(filesys.MakeFsOnDisk(), overlay)
	if err != nil {
		t.Fatal(err)
	}
	built, _ := m.AsYaml()
	for _, want := range []string{"example.com/owner: billing", "key: dedicated", "name: payments-runbook", "memory: 512Mi", "runAsNonRoot: true"} {
		if !strings.Contains(string(built), want) {
			t.Errorf("the prod overlay lost %q", want)
		}
	}

	// A patch that drops runAsNonRoot is refused, naming its file; nothing is written.
	custom := filepath.Join(opts.Output, "acme/billing/payments/kubernetes/custom")
	write(t, filepath.Join(custom, "kustomization.yaml"), gentest.Customizations["acme/billing/payments/kubernetes/custom/kustomization.yaml"]+
		"  - path: root.yaml\n    target: {kind: Deployment, name: payments}\n")
	write(t, filepath.Join(custom, "root.yaml"), "- op: remove\n  path: /spec/template/spec/securityContext/runAsNonRoot\n")
	write(t, bp, string(data))
	settle()
	_, err = output.Generate(opts)
	var refused *output.CustomizationError
	if !errors.As(err, &refused) || !strings.Contains(err.Error(), filepath.Join(custom, "root.yaml")+": removes the pod's runAsNonRoot") {
		t.Fatalf("dropping runAsNonRoot: %v", err)
	}
	if deploy, _ := os.ReadFile(filepath.Join(opts.Output, "acme/billing/payments/kubernetes/base/deployment.yaml")); !strings.Contains(string(deploy), "384Mi") {
		t.Error("the refused run wrote the blueprint's change")
	}
	if _, err := output.Generate(check); !errors.As(err, &refused) {
		t.Errorf("--check with the patch: %v", err)
	}
}

// checkPipelines runs the checkers the generated pipelines pass (generators/ci's tests) on the
// repository's pipelines, the user's own file among them. GitHub: actionlint with shellcheck, which
// also checks that the generated workflow's call fits the user's workflow. GitLab: every file against
// GitLab's schema, and gitlab-ci-local reading the pipeline and running the user's job (it extends
// the service's hidden jobs), as on the default branch.
func checkPipelines(t *testing.T, system, repo string) {
	t.Helper()
	switch system {
	case "github":
		actionlint := checkers.GoTool(t, "actionlint")
		shellcheck := checkers.Installed(t, "shellcheck")["shellcheck"]
		// actionlint checks a call of a local workflow only in a project a .git folder marks.
		if err := os.Mkdir(filepath.Join(repo, ".git"), 0o755); err != nil {
			t.Fatal(err)
		}
		wfs, _ := filepath.Glob(filepath.Join(repo, ".github", "workflows", "*.yaml"))
		if len(wfs) < 2 {
			t.Fatalf("workflows %v", wfs)
		}
		if out, ok := checkers.Run(t, repo, actionlint, append([]string{"-shellcheck", shellcheck, "-no-color"}, wfs...)...); !ok || strings.TrimSpace(out) != "" {
			t.Errorf("actionlint:\n%s", out)
		}
	case "gitlab":
		tools := checkers.Installed(t, "gitlab-ci-schema", "gitlab-ci-local")
		files, _ := filepath.Glob(filepath.Join(repo, ".gitlab", "ci", "*.yml"))
		more, _ := filepath.Glob(filepath.Join(repo, ".gitlab", "ci", "custom", "*.yml"))
		for _, f := range append(append(files, more...), filepath.Join(repo, ".gitlab-ci.yml")) {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			if errs := checkers.ValidateGitLabCI(t, tools["gitlab-ci-schema"], data); len(errs) > 0 {
				t.Errorf("%s:\n  %s", f, strings.Join(errs, "\n  "))
			}
		}
		// A repository whose origin/main is empty: to the rules' changes:, everything changed.
		for _, args := range [][]string{{"init", "-q"}, {"commit", "-q", "--allow-empty", "-m", "empty"},
			{"update-ref", "refs/remotes/origin/main", "HEAD"}, {"add", "-A"}, {"commit", "-q", "-m", "generated"}} {
			if out, ok := checkers.Run(t, repo, "git", append([]string{"-c", "user.name=test", "-c", "user.email=test@example.com", "-c", "init.defaultBranch=main"}, args...)...); !ok {
				t.Fatalf("git %v: %s", args, out)
			}
		}
		out, ok := checkers.Run(t, repo, tools["gitlab-ci-local"], "--home", t.TempDir(), "--variable", "CI_PIPELINE_SOURCE=push",
			"--variable", "CI_COMMIT_BRANCH=main", "--variable", "CI_DEFAULT_BRANCH=main", "--force-shell-executor", "payments:overlays")
		if !ok || !strings.Contains(out, "PASS  payments:overlays") {
			t.Errorf("gitlab-ci-local payments:overlays (%v):\n%s", ok, out)
		}
	}
}

// An output written by an older release: the upgrade names why files change, --check says so as its
// own case first, and the state is clean after regenerating.
func TestUpgradeFromOlderRelease(t *testing.T) {
	opts := acme(t)
	mustGenerate(t, opts)
	// What the release before customizations wrote: overlays without the custom components.
	old := gentest.OlderRelease(t, opts.Output)

	check := opts
	check.Check = true
	res := mustGenerate(t, check)
	if !res.Roots[0].Drift.Outdated() || generators.Outdated(res.Roots[0].Drift.Gantry) != "generated by v0.0.9, this is "+generators.Release+": regenerate with `gantry generate` and commit the result" {
		t.Errorf("--check on an older release's output: %+v", res.Roots[0].Drift)
	}
	res = mustGenerate(t, opts)
	want := "customization: each overlay includes your kustomize components (kubernetes/custom, overlays/<env>/custom): " + itoa(old) + " files"
	if !slices.Equal(res.Summary.Upgrade, []string{want}) {
		t.Errorf("upgrade summary %q, want %q", res.Summary.Upgrade, want)
	}
	if res := mustGenerate(t, check); res.Drifted() || res.Roots[0].Drift.Outdated() {
		t.Errorf("after regenerating: %+v", res.Roots[0].Drift)
	}
}

func itoa(n int) string { return strconv.Itoa(n) }
