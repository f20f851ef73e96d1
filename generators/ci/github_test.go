package ci_test

import (
	"fmt"
	"maps"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/gantry-dev/gantry/generators"
	"github.com/gantry-dev/gantry/generators/ci"
	"github.com/gantry-dev/gantry/internal/checkers"
)

// workflows writes the GitHub workflows of the examples, the build test blueprints and the apps, with a
// user's own workflow for payments (gentest.CICustomization), into a temporary repository and returns
// its root and the files.
func workflows(t *testing.T) (string, []generators.File) {
	t.Helper()
	var wfs []generators.File
	for _, f := range withCustomizations(t, withApps(t, withBuild(t, generate(t)))) {
		if strings.HasPrefix(f.Path, ".github/workflows/") {
			wfs = append(wfs, f)
		}
	}
	if len(wfs) == 0 {
		t.Fatal("no GitHub workflow among the examples")
	}
	root := t.TempDir()
	if _, err := generators.Write(root, wfs, generators.WriteOptions{}); err != nil {
		t.Fatal(err)
	}
	// actionlint reads a called local workflow (uses: ./.github/workflows/...) from the project a .git
	// folder marks, and without one checks no call at all, silently.
	if err := os.Mkdir(filepath.Join(root, ".git"), 0o755); err != nil {
		t.Fatal(err)
	}
	return root, wfs
}

// TestActionlint runs actionlint, with shellcheck on every run: script, on every workflow: zero findings.
func TestActionlint(t *testing.T) {
	actionlint := checkers.GoTool(t, "actionlint")
	shellcheck := checkers.Installed(t, "shellcheck")["shellcheck"]
	root, wfs := workflows(t)
	args := []string{"-shellcheck", shellcheck, "-no-color"}
	for _, f := range wfs {
		args = append(args, filepath.Join(root, filepath.FromSlash(f.Path)))
	}
	if out, ok := checkers.Run(t, root, actionlint, args...); !ok || strings.TrimSpace(out) != "" {
		t.Errorf("actionlint:\n%s", out)
	}
}

// TestActionlintCatchesMistakes proves the check above can fail: an untrusted expression in a script
// and an unknown job key are reported.
func TestActionlintCatchesMistakes(t *testing.T) {
	actionlint := checkers.GoTool(t, "actionlint")
	shellcheck := checkers.Installed(t, "shellcheck")["shellcheck"]
	root := t.TempDir()
	bad := []byte(`name: bad
on: pull_request
permissions:
  contents: read
jobs:
  x:
    runs-on: ubuntu-24.04
    step: []
    steps:
      - run: echo "${{ github.event.pull_request.title }}" $UNQUOTED
`)
	p := filepath.Join(root, "bad.yaml")
	if err := writeFile(p, bad); err != nil {
		t.Fatal(err)
	}
	out, ok := checkers.Run(t, root, actionlint, "-shellcheck", shellcheck, "-no-color", p)
	for _, want := range []string{"potentially untrusted", "unexpected key \"step\"", "SC2086"} {
		if ok || !strings.Contains(out, want) {
			t.Errorf("actionlint did not report %q:\n%s", want, out)
		}
	}
}

// TestActionlintChecksYourWorkflow proves that actionlint checks the service's own workflow and its
// call: a required input the generated workflow does not pass, and an untrusted expression in a script
// of the user's job, are each reported.
func TestActionlintChecksYourWorkflow(t *testing.T) {
	actionlint := checkers.GoTool(t, "actionlint")
	shellcheck := checkers.Installed(t, "shellcheck")["shellcheck"]
	root, _ := workflows(t)
	custom := filepath.Join(root, filepath.FromSlash(ci.CustomFile("github", "payments")))
	broken := `name: payments (yours)
on:
  workflow_call:
    inputs:
      target: {type: string, required: true}
permissions:
  contents: read
jobs:
  smoke:
    runs-on: ubuntu-24.04
    steps:
      - run: echo "${{ github.event.pull_request.title }}"
`
	if err := writeFile(custom, []byte(broken)); err != nil {
		t.Fatal(err)
	}
	out, ok := checkers.Run(t, root, actionlint, "-shellcheck", shellcheck, "-no-color",
		filepath.Join(root, ".github", "workflows", "payments.yaml"), custom)
	for _, want := range []string{`payments.yaml:`, `input "target" is required`, `payments.custom.yaml:`, "potentially untrusted"} {
		if ok || !strings.Contains(out, want) {
			t.Errorf("actionlint did not report %q:\n%s", want, out)
		}
	}
}

var (
	pinnedUses = regexp.MustCompile(`^[A-Za-z0-9_.-]+/[A-Za-z0-9_./-]+@[0-9a-f]{40}$`)
	pinnedRef  = regexp.MustCompile(`^docker://[a-z0-9./-]+:[A-Za-z0-9._-]+@sha256:[0-9a-f]{64}$`)
)

// TestWorkflowRules checks the checklist's rules on the parsed workflows: every uses: pinned to a
// commit with its version in a comment, read-only top-level permissions, write scopes only on the jobs
// that need them, checkout without persisted credentials, concurrency set, no pull_request_target, and
// no expression at all inside run: (values reach scripts through env:).
//
// The service's own workflow (ci.CustomFile) is a reusable one: it runs inside its caller's run, under
// the caller's concurrency group (a group of its own written as the caller's is, from github.workflow,
// would name the caller's group, which the caller holds: GitHub would cancel or hold the call), so it
// has none; it is only ever called (on: workflow_call). The caller calls it by a local path, which is
// the caller's own commit: nothing to pin, and it passes contents: read only.
func TestWorkflowRules(t *testing.T) {
	allowedWrite := map[string][]string{ // job -> the write scopes it may have
		"image":          {"packages: write", "id-token: write"},
		"sign":           {"id-token: write", "attestations: write", "packages: write"},
		"promote":        {"contents: write", "pull-requests: write"},
		"promote-manual": {"contents: write", "pull-requests: write"},
	}
	for _, f := range withCustomizations(t, withBuild(t, generate(t))) {
		if !strings.HasPrefix(f.Path, ".github/workflows/") {
			continue
		}
		t.Run(f.Path, func(t *testing.T) {
			var wf struct {
				On          map[string]any    `yaml:"on"`
				Permissions map[string]string `yaml:"permissions"`
				Concurrency map[string]any    `yaml:"concurrency"`
				Jobs        map[string]struct {
					Permissions map[string]string `yaml:"permissions"`
					Uses        string            `yaml:"uses"`
					Steps       []struct {
						Uses string            `yaml:"uses"`
						Run  string            `yaml:"run"`
						With map[string]string `yaml:"with"`
					} `yaml:"steps"`
				} `yaml:"jobs"`
			}
			if err := yaml.Unmarshal(f.Data, &wf); err != nil {
				t.Fatal(err)
			}
			if len(wf.Permissions) != 1 || wf.Permissions["contents"] != "read" {
				t.Errorf("top-level permissions %v, want contents: read only", wf.Permissions)
			}
			if _, ok := wf.On["pull_request_target"]; ok {
				t.Error("pull_request_target")
			}
			called := f.Kind == generators.RepoCustom
			switch {
			case called && (len(wf.On) != 1 || wf.On["workflow_call"] != nil || !slices.Contains(slices.Collect(maps.Keys(wf.On)), "workflow_call")):
				t.Errorf("the service's own workflow is triggered by %v, want workflow_call only, without inputs", wf.On)
			case called && wf.Concurrency != nil:
				t.Errorf("a called workflow with a concurrency group of its own: %v", wf.Concurrency)
			case !called && wf.Concurrency["group"] == nil:
				t.Error("no concurrency group")
			}
			for name, job := range wf.Jobs {
				if job.Uses != "" {
					if custom := "./" + ci.CustomFile("github", strings.TrimSuffix(path.Base(f.Path), ".yaml")); job.Uses != custom {
						t.Errorf("job %s calls %q, want the service's own workflow %s only", name, job.Uses, custom)
					}
					if !maps.Equal(job.Permissions, map[string]string{"contents": "read"}) {
						t.Errorf("job %s passes permissions %v to the workflow it calls, want contents: read only", name, job.Permissions)
					}
				}
				for scope, level := range job.Permissions {
					if level == "write" && !slices.Contains(allowedWrite[name], scope+": write") {
						t.Errorf("job %s: %s: write", name, scope)
					}
				}
				for i, st := range job.Steps {
					where := fmt.Sprintf("%s step %d", name, i)
					if st.Uses != "" && !strings.HasPrefix(st.Uses, "docker://") && !pinnedUses.MatchString(st.Uses) {
						t.Errorf("%s: uses %q is not pinned to a commit", where, st.Uses)
					}
					if strings.HasPrefix(st.Uses, "docker://") && !pinnedRef.MatchString(st.Uses) {
						t.Errorf("%s: uses %q is not pinned by digest", where, st.Uses)
					}
					if strings.HasPrefix(st.Uses, "actions/checkout@") && st.With["persist-credentials"] != "false" {
						t.Errorf("%s: checkout persists credentials", where)
					}
					if strings.Contains(st.Run, "${{") {
						t.Errorf("%s: an expression inside run:\n%s", where, st.Run)
					}
				}
			}
			// Every uses: line carries the release it pins as a comment (a comment line, such as the
			// seed's example, too); a job's call of the service's own workflow is a local path.
			for _, line := range strings.Split(string(f.Data), "\n") {
				if _, ref, ok := strings.Cut(line, "uses: "); ok && !strings.HasPrefix(ref, "docker://") && !strings.HasPrefix(ref, `"./`) &&
					!regexp.MustCompile(`@[0-9a-f]{40} # (v[0-9][0-9.]*|stable)$`).MatchString(ref) {
					t.Errorf("uses without its version comment: %s", strings.TrimSpace(line))
				}
			}
		})
	}
}
