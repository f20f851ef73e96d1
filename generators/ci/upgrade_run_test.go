package ci_test

// The upgrade jobs (ci.Upgrade), run for real on the examples' output as an older release left it,
// with the tools of pipeline_run_test.go: `go list -m gantry@latest` answers this checkout's release,
// whose `go install` is this checkout's gantry, and the push goes to a local bare repository.

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/gantry-dev/gantry/generators"
	"github.com/gantry-dev/gantry/generators/ci"
	"github.com/gantry-dev/gantry/internal/checkers"
)

// pipeOlderRelease makes the output folder out of repo look as the release before customizations
// wrote it (as generators/output's TestUpgradeFromOlderRelease does): the record names v0.0.9, and the
// overlays do not include the custom components. It returns how many files it changed.
func pipeOlderRelease(t *testing.T, repo, out string) int {
	t.Helper()
	record := filepath.Join(repo, out, generators.StateDir, "manifest.json")
	data, err := os.ReadFile(record)
	if err != nil {
		t.Fatal(err)
	}
	var m generators.Manifest
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatal(err)
	}
	m.Gantry = "v0.0.9"
	old := 0
	for p, e := range m.Files {
		if !strings.HasSuffix(p, "/kustomization.yaml") || !strings.Contains(p, "/overlays/") || strings.Contains(p, "/custom/") || strings.Contains(p, "/image/") {
			continue
		}
		f := filepath.Join(repo, out, filepath.FromSlash(p))
		body, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		before := strings.Replace(string(body), "- ../../custom\n- custom\n", "", 1)
		if before == string(body) {
			continue
		}
		if err := os.WriteFile(f, []byte(before), 0o644); err != nil {
			t.Fatal(err)
		}
		h := sha256.Sum256([]byte(before))
		e.SHA256 = hex.EncodeToString(h[:])
		m.Files[p] = e
		old++
	}
	if old == 0 {
		t.Fatalf("%s: no overlay to make older", out)
	}
	if data, err = json.MarshalIndent(m, "", "  "); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(record, append(data, '\n'), 0o644); err != nil {
		t.Fatal(err)
	}
	return old
}

// pipeCheckUpgraded: origin's upgrade branch for out holds output that this release generates, recorded
// as this release's (`gantry generate --recorded --check` is clean on it).
func pipeCheckUpgraded(t *testing.T, repo, origin, out, log string) {
	t.Helper()
	name, _ := ci.UpgradeFile("github", out)
	branch := "gantry/upgrade/" + name
	record := pipeGit(t, origin, "show", branch+":"+out+"/"+generators.StateDir+"/manifest.json")
	if !strings.Contains(record, `"gantry": "`+generators.Release+`"`) {
		t.Fatalf("%s: the record does not name %s:\n%.400s\n%s", branch, generators.Release, record, log)
	}
	pipeGit(t, repo, "checkout", "-q", "-f", branch)
	cmd := []string{"generate", "--recorded", "--output", out, "--repo", ".", "--check"}
	if got, ok := checkers.Run(t, repo, filepath.Join(pipeToolsBin(t), "gantry"), cmd...); !ok {
		t.Errorf("gantry %v on %s:\n%s", cmd, branch, got)
	}
}

// pipeToolsBin is a folder with the gantry of pipeTools alone (the test binary run as gantry).
func pipeToolsBin(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	script := "#!/bin/sh\n" + pipeAsGantry + "=1 exec " + pipeQuote(self) + " \"$@\"\n"
	if err := os.WriteFile(filepath.Join(dir, "gantry"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// TestGitHubUpgradeRuns runs the GitHub upgrade workflow of the examples' deploy folder on output an
// older release wrote: it pushes a branch with the output regenerated and opens a pull request whose
// description names the reason; run again on that branch, it has nothing to do; without its token it
// says which secret to set, and fails when run by hand (a scheduled run only warns).
func TestGitHubUpgradeRuns(t *testing.T) {
	tools := newPipeTools(t)
	repo := pipeExamplesRepo(t)
	const out = "deploy"
	n := pipeOlderRelease(t, repo, out)
	origin := pipeGitRepo(t, repo)
	_, wf := ci.UpgradeFile("github", out)
	r := newPipeGHRun(t, tools, repo, wf)
	const token = "test-token"
	for _, kv := range pipePushTo(origin, "https://x-access-token:"+token+"@github.com/"+r.vars["GITHUB_REPOSITORY"]+".git") {
		k, v, _ := strings.Cut(kv, "=")
		r.vars[k] = v
	}

	// Without its token: a run by hand fails, a scheduled one warns; both name the secret.
	for _, c := range []struct {
		event, level string
		fails        bool
	}{{"workflow_dispatch", "error", true}, {"schedule", "warning", false}} {
		r.vars["GITHUB_EVENT_NAME"] = c.event
		err := r.job("upgrade", map[string]string{"inputs.version": "", "secrets.GANTRY_UPGRADE_TOKEN": ""})
		if (err != nil) != c.fails || !strings.Contains(r.log.String(), "::"+c.level+"::Set the repository secret GANTRY_UPGRADE_TOKEN") {
			t.Errorf("%s without the token: failed %v, want %v, and a %s naming the secret:\n%s", c.event, err != nil, c.fails, c.level, r.log.String())
		}
		if gh, _ := os.ReadFile(r.vars["GANTRY_GH_LOG"]); len(gh) > 0 {
			t.Errorf("%s without the token called gh: %s", c.event, gh)
		}
		r.log.Reset()
	}
	ctx := map[string]string{"inputs.version": "", "secrets.GANTRY_UPGRADE_TOKEN": token}
	if err := r.job("upgrade", ctx); err != nil {
		t.Fatal(err)
	}
	log := r.log.String()
	t.Logf("upgrade job:\n%s", log)
	gh, _ := os.ReadFile(r.vars["GANTRY_GH_LOG"])
	body := filepath.Join(r.vars["RUNNER_TEMP"], "body.md")
	if want := "gh pr create --base main --head gantry/upgrade/deploy --title Gantry " + generators.Release + " for deploy --body-file " + body; !strings.Contains(string(gh), want) {
		t.Errorf("gh was called with:\n%s\nwant %s", gh, want)
	}
	desc, _ := os.ReadFile(body)
	reason := "upgrade to " + generators.Release + ": customization: each overlay includes your kustomize components (kubernetes/custom, overlays/<env>/custom): " + strconv.Itoa(n) + " files"
	if !strings.Contains(string(desc), reason) || !strings.Contains(string(desc), "it was generated by v0.0.9") {
		t.Errorf("the pull request's description does not say why (want %q):\n%s", reason, desc)
	}
	pipeCheckUpgraded(t, repo, origin, out, log)

	// On the upgraded branch the job finds the release it would install already there.
	pipeGit(t, repo, "clean", "-q", "-fdx")
	r.log.Reset()
	if err := r.job("upgrade", ctx); err != nil || !strings.Contains(r.log.String(), "deploy is generated by "+generators.Release+", which "+generators.Release+" does not follow: nothing to do") {
		t.Errorf("upgrade of current output (%v):\n%s", err, r.log.String())
	}

	// A person's commit on the open pull request's branch: the next run leaves the branch alone.
	branch := "gantry/upgrade/deploy"
	pipeGit(t, repo, "commit", "-q", "--allow-empty", "-m", "a fix by hand")
	pipeGit(t, repo, "push", "-q", "origin", "HEAD:refs/heads/"+branch)
	tip := pipeGit(t, origin, "rev-parse", branch)
	pipeGit(t, repo, "checkout", "-q", "-f", "main")
	pipeGit(t, repo, "clean", "-q", "-fdx")
	r.log.Reset()
	if err := r.job("upgrade", ctx); err != nil || !strings.Contains(r.log.String(), "::warning::"+branch+" ends with a commit that is not the upgrade job's: left as it is") {
		t.Errorf("upgrade over a person's commit (%v):\n%s", err, r.log.String())
	}
	if now := pipeGit(t, origin, "rev-parse", branch); now != tip {
		t.Errorf("the upgrade moved %s from a person's commit %s to %s", branch, tip, now)
	}

	// Output a later release wrote: the latest release is no upgrade, nothing is done.
	pipeGit(t, repo, "checkout", "-q", "-f", branch)
	record := filepath.Join(repo, out, generators.StateDir, "manifest.json")
	data, _ := os.ReadFile(record)
	if err := os.WriteFile(record, []byte(strings.Replace(string(data), `"gantry": "`+generators.Release+`"`, `"gantry": "v9.0.0"`, 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	r.log.Reset()
	if err := r.job("upgrade", ctx); err != nil || !strings.Contains(r.log.String(), "deploy is generated by v9.0.0, which "+generators.Release+" does not follow: nothing to do") {
		t.Errorf("upgrade of a later release's output (%v):\n%s", err, r.log.String())
	}
}

// TestGitLabUpgradeRuns: a pipeline with GANTRY_UPGRADE set (a schedule's) runs the upgrade jobs and
// no service's job; the job for the gcp example's folder regenerates output an older release wrote,
// pushes a branch that asks GitLab for a merge request, and the branch is clean under --check.
func TestGitLabUpgradeRuns(t *testing.T) {
	tools := newPipeTools(t)
	repo := pipeExamplesRepo(t)
	const out = "clusters/main"
	pipeOlderRelease(t, repo, out)
	g := newPipeGL(t, tools, repo)
	schedule := []string{"CI_PIPELINE_SOURCE=schedule", "GANTRY_UPGRADE=1"}
	out1, err := g.run(schedule, "--list-json")
	if err != nil {
		t.Fatalf("gitlab-ci-local --list-json: %v\n%s", err, out1)
	}
	running := g.jobsIn(out1)
	slices.Sort(running)
	if want := []string{"clusters-main:gantry-upgrade", "deploy:gantry-upgrade"}; !slices.Equal(running, want) {
		t.Errorf("a GANTRY_UPGRADE pipeline runs %v, want %v only", running, want)
	}
	// The origin keeps the push options, which GitLab would make the merge request of.
	options := filepath.Join(t.TempDir(), "push-options")
	hook := "#!/bin/sh\ni=0\nwhile [ \"$i\" -lt \"${GIT_PUSH_OPTION_COUNT:-0}\" ]; do\n\teval \"printf '%s\\n' \\\"\\$GIT_PUSH_OPTION_$i\\\"\" >> " + pipeQuote(options) + "\n\ti=$((i+1))\ndone\n"
	if err := os.WriteFile(filepath.Join(g.origin, "hooks", "pre-receive"), []byte(hook), 0o755); err != nil {
		t.Fatal(err)
	}
	name, _ := ci.UpgradeFile("gitlab", out)
	job := name + ":gantry-upgrade"
	got, err := g.job([]string{job}, schedule...)
	t.Logf("%s:\n%s", job, got)
	if err != nil || !strings.Contains(got, "PASS  "+job) {
		t.Fatalf("%s did not pass (%v)", job, err)
	}
	opts, _ := os.ReadFile(options)
	for _, want := range []string{"merge_request.create", "merge_request.target=main", "merge_request.title=Gantry " + generators.Release + " for clusters/main",
		`merge_request.description=Regenerates ` + "`clusters/main`" + ` with Gantry ` + generators.Release + ` (it was generated by v0.0.9)`,
		`\n  upgrade to ` + generators.Release + `: customization: each overlay includes your kustomize components`} {
		if !strings.Contains(string(opts), want) {
			t.Errorf("the push asks GitLab for no merge request with %q; its options:\n%s", want, opts)
		}
	}
	pipeCheckUpgraded(t, repo, g.origin, out, got)

	// Next week, the merge request still open: the job reuses the checkout (a runner keeps its local
	// branches) and replaces its own commit on the branch.
	pipeGit(t, repo, "checkout", "-q", "-f", "main")
	got, err = g.job([]string{job}, schedule...)
	if err != nil || !strings.Contains(got, "PASS  "+job) {
		t.Fatalf("%s again, over its own open branch, did not pass (%v):\n%s", job, err, got)
	}
	pipeCheckUpgraded(t, repo, g.origin, out, got)
}
