package ci_test

// The generated pipelines, run for real on the generated output (issue #15 §7).
//
// What runs: every step of the GitHub workflow's `checks` and `manifests` jobs, of every job of the
// service's own workflow that its `custom` job calls (ci.CustomFile), and the pin-and-push script of
// its `promote` and `promote-manual` jobs, as GitHub runs a run: step (bash -eo pipefail, the
// workflow's, the job's and the step's env:, the runner's GITHUB_* variables, working-directory); the
// GitLab pipeline's `<service>:validate`, `:manifests`, `:iac-scan`, `:terraform` and `:promote:<first
// environment>` jobs through gitlab-ci-local with its shell executor, which reads the service's own file
// that the pipeline includes. Both on a fresh `gantry new` service and on the shipped examples
// (blueprints/examples/*: acme and azure on GitHub, gcp on GitLab).
//
// The pipelines install their tools from the network in real CI; here each is mapped to the binary the
// test suite already pins and caches, put first on PATH (newPipeTools):
//
//	go install "$KUSTOMIZE" / "$KUBECONFORM" / "$KUBE_SCORE"   a `go` shim: each MODULE@VERSION must be the
//	                                      one tools/go.mod pins (then the cached binary is already on PATH);
//	                                      any other `go install` fails; other go commands run the real go
//	go install gantry@<release>           the gantry of this checkout, the one under test (the test binary,
//	                                      run as gantry: pipeAsGantry), when the release is the record's and
//	                                      this checkout's (generators.Release); `go list -m gantry@latest`
//	                                      (the upgrade job) answers that release
//	kustomize, kube-score                 tools/go.mod's (checkers.GoTool)
//	kubeconform                           tools/go.mod's, behind a wrapper that points `-schema-location
//	                                      default` at hack/kube-schemas.sh's local schemas and the datreeio
//	                                      CRDs-catalog URL at hack/crds.sh's, and `-kubernetes-version x.y.0`
//	                                      at the cached x.y.z; the CRDs the catalog has and hack/crds.sh
//	                                      cannot get (exceptions.yaml, checker kubeconform) are skipped
//	hashicorp/setup-terraform, docker.io/hashicorp/terraform    hack/install-tools.sh's terraform; `terraform
//	                                      init` reads the providers from the local mirror (TF_CLI_CONFIG_FILE)
//	aquasecurity/trivy-action (scan-type config), docker.io/aquasec/trivy    hack/install-tools.sh's trivy,
//	                                      TRIVY_SKIP_CHECK_UPDATE=true (its embedded checks, no download)
//	actions/checkout                      the scratch repository is the checkout
//	actions/setup-go                      the Go on PATH
//	git push (promotion)                  a local bare repository (git's url.<bare>.insteadOf the remote URL;
//	                                      it accepts GitLab's merge request push options and ignores them)
//	gh (promotion)                        a stub that records its arguments
//
// What does not run is listed in pipeSkipped, each with its reason; a step of a job run here that is
// neither run, mapped nor listed there fails the test.

import (
	"bytes"
	"cmp"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/gantry-dev/gantry/blueprints"
	"github.com/gantry-dev/gantry/cmd/cli"
	"github.com/gantry-dev/gantry/cmd/cli/cmdutil"
	"github.com/gantry-dev/gantry/cmd/cli/newcmd"
	"github.com/gantry-dev/gantry/generators"
	"github.com/gantry-dev/gantry/generators/gentest"
	"github.com/gantry-dev/gantry/generators/output"
	"github.com/gantry-dev/gantry/internal/checkers"
)

// pipeAsGantry, set to 1, makes the test binary run as the gantry command: the pipelines' `gantry`
// is the gantry of this checkout, the one under test (see pipeTools).
const pipeAsGantry = "GANTRY_PIPELINE_TEST_AS_GANTRY"

func init() {
	if os.Getenv(pipeAsGantry) == "1" {
		os.Exit(cli.Main())
	}
}

// pipeSkipped is every job and step of the generated pipelines that the test does not run, with why: by
// system, job (a GitLab job's name after "<service>:"; "promote:later" is every promotion after the
// first) and step (a GitHub step's `uses:` action or name; "*" is the whole job). A job or step of a
// pipeline run here that is neither run, mapped (see the top of the file) nor listed here fails the test.
var pipeSkipped = []struct{ system, job, step, why string }{
	{"github", "secret-scan", "*", "gitleaks runs as a container image (docker run)"},
	{"github", "sast", "*", "semgrep runs in its container image and fetches its rules (p/default) from the network"},
	{"github", "test", "*", "TestSkeletons (generators/scaffold) runs the runtime's lint and test steps on the skeletons; osv-scanner and govulncheck query the network"},
	{"github", "image", "*", "builds, scans and pushes an image: a container engine and the registry"},
	{"github", "sign", "*", "cosign and the attestations: the registry and Sigstore"},
	{"github", "manifests", "terraform fmt and validate", "only without the local provider mirror (`make provider-schemas`): `terraform init` would download the providers"},
	{"gitlab", "secret-scan", "*", "gitleaks' container image"},
	{"gitlab", "sast", "*", "as github sast"},
	{"gitlab", "dependency-scan", "*", "osv-scanner queries the network"},
	{"gitlab", "test", "*", "as github test"},
	{"gitlab", "image", "*", "buildkit: a container engine"},
	{"gitlab", "image-scan", "*", "scans the image the image job builds (and trivy's vulnerability database is a download)"},
	{"gitlab", "sbom", "*", "syft on the image the image job builds"},
	{"gitlab", "push", "*", "crane pushes to the registry"},
	{"gitlab", "sign", "*", "cosign: the registry and Sigstore"},
	{"gitlab", "terraform", "*", "only without the local provider mirror (`make provider-schemas`): `terraform init` would download the providers"},
	{"gitlab", "promote:later", "*", "manual jobs with the first promotion's script (which runs), pinning the previous environment's digest that a real push job hands on"},
}

// pipeMappedActions are the `uses:` actions of the GitHub jobs run here, and what stands for each.
var pipeMappedActions = map[string]string{
	"actions/checkout":          "the scratch repository is the checkout",
	"actions/setup-go":          "the Go on PATH",
	"hashicorp/setup-terraform": "hack/install-tools.sh's terraform on PATH",
	"aquasecurity/trivy-action": "hack/install-tools.sh's trivy: trivy config --exit-code EXIT-CODE SCAN-REF, with the step's env (TRIVY_*)",
}

// pipeDigest is the image digest the promotion pins (the image job that would push it is skipped).
const pipeDigest = "sha256:1111111111111111111111111111111111111111111111111111111111111111"

// pipeTools is a bin folder that maps the pipelines' tools to the cached ones (see the top of the
// file), and the environment to run a pipeline's scripts with.
type pipeTools struct {
	bin       string
	env       []string // PATH with bin first, and the mappings' variables
	terraform bool     // a local provider mirror exists: terraform init works offline
	trivy     bool     // trivy is linked into bin
}

// needTrivy installs trivy (a long build when cold) and puts it on the pipelines' PATH.
func (p *pipeTools) needTrivy(t *testing.T) {
	t.Helper()
	if !p.trivy {
		if err := os.Symlink(checkers.Installed(t, "trivy")["trivy"], filepath.Join(p.bin, "trivy")); err != nil {
			t.Fatal(err)
		}
		p.trivy = true
	}
}

func newPipeTools(t *testing.T, kubeMinors ...string) *pipeTools {
	t.Helper()
	tools := checkers.Installed(t, "crds")
	p := &pipeTools{bin: t.TempDir()}
	link := func(name, target string) {
		if err := os.Symlink(target, filepath.Join(p.bin, name)); err != nil {
			t.Fatal(err)
		}
	}
	write := func(name, script string) {
		if err := os.WriteFile(filepath.Join(p.bin, name), []byte(script), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	realGo, err := exec.LookPath("go")
	if err != nil {
		t.Fatal(err)
	}

	// go: `go install` of the tools tools/go.mod pins, at that version.
	var cases []string
	for _, name := range []string{"kustomize", "kubeconform", "kube-score"} {
		cases = append(cases, pipeQuote(pipePinnedModule(t, name))+") ;;")
		if name != "kubeconform" {
			link(name, checkers.GoTool(t, name))
		}
	}
	// Gantry: only the release the output's record names (the pipelines read it there), which is this
	// checkout's; `go list -m` of its module at @latest answers that release too (the upgrade job).
	cases = append(cases, pipeQuote("github.com/gantry-dev/gantry/cmd/gantry@"+generators.Release)+") ;;")
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	write("gantry", "#!/bin/sh\n"+pipeAsGantry+"=1 exec "+pipeQuote(self)+" \"$@\"\n")
	write("go", "#!/bin/sh\n# The pipelines' `go install MODULE@VERSION` of a tool the test suite pins (the cached binary is on PATH).\n"+
		"if [ \"$*\" = 'list -m github.com/gantry-dev/gantry@latest' ]; then\n\techo 'github.com/gantry-dev/gantry "+generators.Release+"'\n\texit 0\nfi\n"+
		"if [ \"$1\" = install ]; then\n\tshift\n\tfor m in \"$@\"; do\n\t\tcase \"$m\" in\n\t\t"+strings.Join(cases, "\n\t\t")+
		"\n\t\t*) echo \"go install $m: not a tool tools/go.mod pins at that version (the test runs offline)\" >&2; exit 1 ;;\n\t\tesac\n\tdone\n\texit 0\nfi\nexec "+
		pipeQuote(realGo)+" \"$@\"\n")

	// kubeconform: local schemas for the network locations.
	var crds []string
	for name, dir := range tools {
		if strings.HasPrefix(name, "crds/") {
			crds = append(crds, filepath.Join(dir, "schemas", "{{ .Group }}", "{{ .ResourceKind }}_{{ .ResourceAPIVersion }}.json"))
		}
	}
	slices.Sort(crds)
	var schemas string
	versions := []string{}
	for _, minor := range kubeMinors {
		dir, version := checkers.SchemaDir(t, minor)
		schemas = dir // one folder holds every version
		versions = append(versions, pipeQuote(minor+".0")+") v="+pipeQuote(version)+" ;;")
	}
	var crdArgs []string
	for _, c := range crds {
		crdArgs = append(crdArgs, "-schema-location", pipeQuote(c))
	}
	skip := ""
	if s := checkers.Exceptions(t, "kubeconform"); len(s) > 0 {
		skip = " -skip " + pipeQuote(strings.Join(s, ","))
	}
	write("kubeconform", `#!/bin/sh
# kubeconform with local schemas for -schema-location default (hack/kube-schemas.sh) and the datreeio
# CRDs-catalog (hack/crds.sh), the cached patch release of -kubernetes-version x.y.0.
prev=""
for a do
	shift
	case "$prev:$a" in
	-schema-location:default) set -- "$@" `+pipeQuote(schemas)+` ;;
	-schema-location:https://raw.githubusercontent.com/datreeio/CRDs-catalog/*) set -- "$@" `+pipeQuote(crds[0])+` `+strings.Join(crdArgs[2:], " ")+` ;;
	-kubernetes-version:*)
		case "$a" in
		`+strings.Join(versions, "\n\t\t")+`
		*) echo "kubeconform wrapper: no local schemas for Kubernetes $a" >&2; exit 2 ;;
		esac
		set -- "$@" "$v" ;;
	*) set -- "$@" "$a" ;;
	esac
	prev="$a"
done
exec `+pipeQuote(checkers.GoTool(t, "kubeconform"))+skip+` "$@"
`)

	// trivy and terraform are linked when a step needs them (needTrivy, and here only with a mirror).
	write("gh", "#!/bin/sh\necho \"gh $*\" >> \"$GANTRY_GH_LOG\"\n")

	p.env = []string{
		"PATH=" + p.bin + string(os.PathListSeparator) + os.Getenv("PATH"),
		"TRIVY_SKIP_CHECK_UPDATE=true", "TRIVY_CACHE_DIR=" + t.TempDir(), "TRIVY_QUIET=true",
		"CHECKPOINT_DISABLE=1", "NO_COLOR=1",
	}
	if mirror := pipeTerraformMirror(); mirror != "" {
		rc := filepath.Join(t.TempDir(), "terraformrc")
		cfg := fmt.Sprintf("provider_installation {\n  filesystem_mirror {\n    path = %q\n  }\n}\n", mirror)
		if err := os.WriteFile(rc, []byte(cfg), 0o644); err != nil {
			t.Fatal(err)
		}
		p.env = append(p.env, "TF_CLI_CONFIG_FILE="+rc)
		p.terraform = true
		link("terraform", checkers.Installed(t, "terraform")["terraform"])
	}
	return p
}

// pipeTerraformMirror is checkers.TerraformMirror without its skip: "" when the mirror is missing.
func pipeTerraformMirror() string {
	base := os.Getenv("XDG_CACHE_HOME")
	if base == "" {
		home, _ := os.UserHomeDir()
		base = filepath.Join(home, ".cache")
	}
	mirror := filepath.Join(base, "gantry-tools", "terraform-mirror")
	for _, p := range checkers.TerraformProviders {
		if _, err := os.Stat(filepath.Join(mirror, "registry.terraform.io", "hashicorp", p)); err != nil {
			return ""
		}
	}
	return mirror
}

// pipePinnedModule is MODULE/PATH@VERSION of a tool of tools/go.mod, as the pipelines name it.
func pipePinnedModule(t *testing.T, name string) string {
	t.Helper()
	pkgs := map[string][2]string{
		"kustomize":   {"sigs.k8s.io/kustomize/kustomize/v5", "sigs.k8s.io/kustomize/kustomize/v5"},
		"kubeconform": {"github.com/yannh/kubeconform", "github.com/yannh/kubeconform/cmd/kubeconform"},
		"kube-score":  {"github.com/zegl/kube-score", "github.com/zegl/kube-score/cmd/kube-score"},
	}
	mod, ok := pkgs[name]
	if !ok {
		t.Fatalf("no module for %s", name)
	}
	data, err := os.ReadFile(filepath.Join(checkers.Root, "tools", "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^\s*` + regexp.QuoteMeta(mod[0]) + `\s+(v\S+)`).FindSubmatch(data)
	if m == nil {
		t.Fatalf("tools/go.mod does not require %s", mod[0])
	}
	return mod[1] + "@" + string(m[1])
}

func pipeQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }

// pipeSkip reports whether a job's step is listed in pipeSkipped, logging why.
func pipeSkip(t *testing.T, system, job, step string) bool {
	t.Helper()
	for _, s := range pipeSkipped {
		if s.system == system && (s.job == job || s.job == "*") && (s.step == step || s.step == "*") {
			t.Logf("skipped %s %s %q: %s", system, job, step, s.why)
			return true
		}
	}
	return false
}

// --- repositories ---

// pipeNewService runs `gantry new` (go, web) with the given CI system in a fresh folder and returns it.
func pipeNewService(t *testing.T, name, ciSystem string) string {
	t.Helper()
	var out, errOut bytes.Buffer
	o := newcmd.Options{
		IO: cmdutil.IOStreams{Out: &out, ErrOut: &errOut}, Name: name, Dir: filepath.Join(t.TempDir(), name),
		ServiceFlags: cmdutil.ServiceFlags{Runtime: "go", Type: "web", Port: 8080, Team: "demo"}, CI: ciSystem, NoGit: true,
	}
	if err := newcmd.Run(&o); err != nil {
		t.Fatalf("gantry new: %v\n%s", err, errOut.String())
	}
	return o.Dir
}

// pipeExamplesRepo lays out a repository as the examples' pipelines expect it: blueprints/examples/* and
// each platform's output at its spec.gitops.path, generated as `gantry generate` writes it.
func pipeExamplesRepo(t *testing.T) string {
	t.Helper()
	repo := t.TempDir()
	if err := os.Mkdir(filepath.Join(repo, "blueprints"), 0o755); err != nil {
		t.Fatal(err)
	}
	if out, ok := checkers.Run(t, checkers.Root, "cp", "-R", filepath.Join(checkers.Root, "blueprints", "examples"), filepath.Join(repo, "blueprints")+"/"); !ok {
		t.Fatalf("cp: %s", out)
	}
	platforms, _ := filepath.Glob(filepath.Join(repo, "blueprints", "examples", "*"))
	if len(platforms) == 0 {
		t.Fatal("no example platforms copied")
	}
	for _, dir := range platforms {
		res, diags := blueprints.Load(blueprints.LoadOptions{Paths: []string{dir}, Root: repo})
		if len(diags) > 0 || len(res.Platforms) != 1 {
			t.Fatalf("%s: %v (%d platforms)", dir, diags, len(res.Platforms))
		}
		if _, err := output.Generate(output.Options{
			Paths: []string{dir}, Output: filepath.Join(repo, res.Platforms[0].Spec.GitOps.Path), Repo: repo, Root: repo,
		}); err != nil {
			t.Fatalf("gantry generate %s: %v", dir, err)
		}
	}
	return repo
}

// pipeGitRepo makes repo a git repository with one commit on main and an origin (a local bare repository)
// that has it, and returns the origin.
func pipeGitRepo(t *testing.T, repo string) string {
	t.Helper()
	origin := t.TempDir()
	pipeGit(t, origin, "init", "-q", "--bare")
	pipeGit(t, origin, "config", "receive.advertisePushOptions", "true")
	pipeGit(t, repo, "init", "-q")
	pipeGit(t, repo, "add", "-A")
	pipeGit(t, repo, "commit", "-q", "-m", "base")
	pipeGit(t, repo, "remote", "add", "origin", origin)
	pipeGit(t, repo, "push", "-q", "origin", "HEAD:refs/heads/main")
	pipeGit(t, repo, "fetch", "-q", "origin")
	return origin
}

func pipeGit(t *testing.T, dir string, args ...string) string {
	t.Helper()
	args = append([]string{"-c", "user.name=test", "-c", "user.email=test@example.com", "-c", "init.defaultBranch=main"}, args...)
	out, ok := checkers.Run(t, dir, "git", args...)
	if !ok {
		t.Fatalf("git %v: %s", args, out)
	}
	return out
}

// pipePushTo is git's configuration, as environment variables, that sends a push to url to the local bare
// repository origin instead.
func pipePushTo(origin, url string) []string {
	return []string{"GIT_CONFIG_COUNT=1", "GIT_CONFIG_KEY_0=url." + origin + ".insteadOf", "GIT_CONFIG_VALUE_0=" + url}
}

// --- GitHub Actions ---

type pipeGHWorkflow struct {
	Env      map[string]string    `yaml:"env"`
	Jobs     map[string]pipeGHJob `yaml:"jobs"`
	Defaults struct {
		Run struct {
			Shell string `yaml:"shell"`
		} `yaml:"run"`
	} `yaml:"defaults"`
}

type pipeGHJob struct {
	Env   map[string]string `yaml:"env"`
	Steps []pipeGHStep      `yaml:"steps"`
	Uses  string            `yaml:"uses"` // a reusable workflow the job calls
}

type pipeGHStep struct {
	Name       string            `yaml:"name"`
	Uses       string            `yaml:"uses"`
	Run        string            `yaml:"run"`
	Env        map[string]string `yaml:"env"`
	With       map[string]string `yaml:"with"`
	WorkingDir string            `yaml:"working-directory"`
	Shell      string            `yaml:"shell"`
}

var pipeGHExpr = regexp.MustCompile(`\$\{\{\s*([^}]*?)\s*\}\}`)

// pipeGHRun is one run of GitHub jobs in a scratch repository: the runner's variables, and what the steps
// added with $GITHUB_ENV.
type pipeGHRun struct {
	t     *testing.T
	tools *pipeTools
	repo  string
	wf    pipeGHWorkflow
	vars  map[string]string // GITHUB_* and RUNNER_*, and test values (DIGEST) for expressions not run here
	log   bytes.Buffer
}

func newPipeGHRun(t *testing.T, tools *pipeTools, repo, workflow string) *pipeGHRun {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(repo, workflow))
	if err != nil {
		t.Fatal(err)
	}
	r := &pipeGHRun{t: t, tools: tools, repo: repo}
	if err := yaml.Unmarshal(data, &r.wf); err != nil {
		t.Fatalf("%s: %v", workflow, err)
	}
	tmp := t.TempDir()
	r.vars = map[string]string{
		"CI": "true", "GITHUB_ACTIONS": "true", "GITHUB_WORKSPACE": repo, "RUNNER_TEMP": tmp,
		"GITHUB_ENV": filepath.Join(tmp, "github_env"), "GITHUB_OUTPUT": filepath.Join(tmp, "github_output"),
		"GITHUB_REPOSITORY": "example/repo", "GITHUB_REF_NAME": "main", "GITHUB_SHA": strings.Repeat("ab", 20),
		"GITHUB_SERVER_URL": "https://github.com", "GITHUB_RUN_ID": "1", "GANTRY_GH_LOG": filepath.Join(tmp, "gh.log"),
	}
	return r
}

// job runs a job's steps in order, with ctx standing for the expressions of needs, inputs and github
// (e.g. "needs.image.outputs.digest"), and returns an error at the first step that fails.
func (r *pipeGHRun) job(name string, ctx map[string]string) error {
	t := r.t
	t.Helper()
	job, ok := r.wf.Jobs[name]
	if !ok {
		t.Fatalf("the workflow has no job %s", name)
	}
	if err := os.RemoveAll(r.vars["GITHUB_ENV"]); err != nil { // each job has its own
		t.Fatal(err)
	}
	env := map[string]string{}
	for k, v := range r.wf.Env {
		env[k] = r.expand(v, env, ctx)
	}
	for k, v := range job.Env {
		env[k] = r.expand(v, env, ctx)
	}
	for i, st := range job.Steps {
		label := st.Name
		if label == "" {
			label = st.Uses
		}
		action, _, _ := strings.Cut(st.Uses, "@")
		stepEnv := maps.Clone(env)
		for k, v := range r.readEnvFile() {
			stepEnv[k] = v
		}
		for k, v := range st.Env {
			stepEnv[k] = r.expand(v, stepEnv, ctx)
		}
		dir := r.repo
		if st.WorkingDir != "" {
			dir = filepath.Join(r.repo, r.expand(st.WorkingDir, stepEnv, ctx))
		}
		fmt.Fprintf(&r.log, "## %s / %d %s\n", name, i+1, label)
		switch {
		case st.Run != "" && strings.HasPrefix(label, "terraform ") && !r.tools.terraform && pipeSkip(t, "github", name, label):
		case st.Run != "":
			if err := r.runIn(cmp.Or(st.Shell, r.wf.Defaults.Run.Shell), dir, st.Run, stepEnv); err != nil {
				return fmt.Errorf("job %s, step %q: %w\n%s", name, label, err, r.log.String())
			}
		case action == "aquasecurity/trivy-action" && st.With["scan-type"] == "config":
			r.tools.needTrivy(t)
			ref := r.expand(st.With["scan-ref"], stepEnv, ctx)
			env := maps.Clone(stepEnv) // the action passes TRIVY_* variables through to trivy
			env["SCAN_REF"], env["EXIT_CODE"] = ref, st.With["exit-code"]
			if err := r.run(r.repo, `trivy config --exit-code "$EXIT_CODE" "$SCAN_REF"`, env); err != nil {
				return fmt.Errorf("job %s, step %q (trivy config %s): %w\n%s", name, label, ref, err, r.log.String())
			}
		case pipeMappedActions[action] != "":
			fmt.Fprintf(&r.log, "mapped: %s\n", pipeMappedActions[action])
		case pipeSkip(t, "github", name, action) || pipeSkip(t, "github", name, label):
		default:
			t.Fatalf("job %s, step %q: neither run, mapped nor listed in pipeSkipped", name, label)
		}
	}
	return nil
}

// run runs a script as a step with shell: bash does (bash --noprofile --norc -eo pipefail FILE).
func (r *pipeGHRun) run(dir, script string, env map[string]string) error {
	return r.runIn("bash", dir, script, env)
}

// runIn runs a run: script as GitHub does with the step's shell: bash --noprofile --norc -eo pipefail
// with shell: bash, and bash -e without a shell (GitHub's default on Linux, no pipefail).
func (r *pipeGHRun) runIn(shell, dir, script string, env map[string]string) error {
	f := filepath.Join(r.t.TempDir(), "step.sh")
	if err := os.WriteFile(f, []byte(script), 0o644); err != nil {
		r.t.Fatal(err)
	}
	args := []string{"-e", f}
	switch shell {
	case "bash":
		args = []string{"--noprofile", "--norc", "-eo", "pipefail", f}
	case "":
	default:
		r.t.Fatalf("a step with shell %q: the test runs bash only", shell)
	}
	cmd := exec.Command("bash", args...)
	cmd.Dir = dir
	cmd.Env = os.Environ()
	for k, v := range r.vars {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	cmd.Env = append(cmd.Env, r.tools.env...)
	cmd.Stdout, cmd.Stderr = &r.log, &r.log
	return cmd.Run()
}

// expand evaluates the ${{ }} expressions of a value: env.X from env, anything else from ctx; an
// expression neither has fails the test (so nothing is silently left unevaluated).
func (r *pipeGHRun) expand(v string, env, ctx map[string]string) string {
	return pipeGHExpr.ReplaceAllStringFunc(v, func(m string) string {
		e := pipeGHExpr.FindStringSubmatch(m)[1]
		if k, ok := strings.CutPrefix(e, "env."); ok {
			if val, ok := env[k]; ok {
				return val
			}
		}
		if val, ok := ctx[e]; ok {
			return val
		}
		r.t.Fatalf("no value for the expression %s", m)
		return ""
	})
}

func (r *pipeGHRun) readEnvFile() map[string]string {
	data, err := os.ReadFile(r.vars["GITHUB_ENV"])
	if err != nil && !os.IsNotExist(err) {
		r.t.Fatal(err)
	}
	m := map[string]string{}
	for _, line := range strings.Split(string(data), "\n") {
		if k, v, ok := strings.Cut(line, "="); ok {
			m[k] = v
		}
	}
	return m
}

// TestGitHubPipelineRuns runs the manifests job and the promotion of the GitHub workflow of a fresh
// `gantry new` service and of every GitHub example, on their generated output.
func TestGitHubPipelineRuns(t *testing.T) {
	tools := newPipeTools(t, "1.35")
	t.Run("gantry new", func(t *testing.T) {
		repo := pipeNewService(t, "demo", "github")
		pipeRunGitHub(t, tools, repo, ".github/workflows/demo.yaml")
	})
	t.Run("examples", func(t *testing.T) {
		repo := pipeExamplesRepo(t)
		// payments' own workflow is a user's (gentest.CICustomization): its job runs like the seeds'.
		mine, data := gentest.CICustomization(t, "github")
		if err := os.WriteFile(filepath.Join(repo, filepath.FromSlash(mine)), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
		wfs, _ := filepath.Glob(filepath.Join(repo, ".github", "workflows", "*.yaml"))
		wfs = slices.DeleteFunc(wfs, func(p string) bool { // called by the others; run by TestGitHubUpgradeRuns
			return strings.HasSuffix(p, ".custom.yaml") || strings.HasSuffix(p, ".gantry-upgrade.yaml")
		})
		if len(wfs) == 0 {
			t.Fatal("no GitHub workflow among the examples")
		}
		origin := pipeGitRepo(t, repo)
		for _, wf := range wfs {
			rel, _ := filepath.Rel(repo, wf)
			t.Run(filepath.Base(wf), func(t *testing.T) {
				pipeGit(t, repo, "checkout", "-q", "-f", "-B", "main", "origin/main")
				pipeGit(t, repo, "clean", "-q", "-fdx")
				pipeRunGitHubIn(t, tools, repo, origin, rel)
			})
		}
	})
}

// pipeRunGitHub runs a workflow's manifests and promotion jobs in repo, which it makes a git repository.
func pipeRunGitHub(t *testing.T, tools *pipeTools, repo, workflow string) {
	t.Helper()
	pipeRunGitHubIn(t, tools, repo, pipeGitRepo(t, repo), workflow)
}

func pipeRunGitHubIn(t *testing.T, tools *pipeTools, repo, origin, workflow string) {
	t.Helper()
	r := newPipeGHRun(t, tools, repo, workflow)
	if err := r.job("checks", nil); err != nil {
		t.Fatal(err)
	}
	t.Logf("checks job:\n%s", r.log.String())
	r.log.Reset()
	if err := r.job("manifests", nil); err != nil {
		t.Fatal(err)
	}
	t.Logf("manifests job:\n%s", r.log.String())
	// The service's own workflow, which the custom job calls: every job of it, as its own run (a called
	// workflow gets none of the caller's env:).
	called := r.wf.Jobs["custom"].Uses
	if !strings.HasPrefix(called, "./.github/workflows/") {
		t.Fatalf("the custom job calls %q, not the service's own workflow", called)
	}
	own := newPipeGHRun(t, tools, repo, strings.TrimPrefix(called, "./"))
	if len(own.wf.Jobs) == 0 {
		t.Fatalf("%s has no job", called)
	}
	for _, name := range slices.Sorted(maps.Keys(own.wf.Jobs)) {
		if err := own.job(name, nil); err != nil {
			t.Fatalf("%s: %v", called, err)
		}
	}
	t.Logf("custom job (%s):\n%s", called, own.log.String())
	for name := range r.wf.Jobs {
		if !slices.Contains([]string{"checks", "manifests", "custom", "promote", "promote-manual"}, name) && !pipeSkip(t, "github", name, "*") {
			t.Errorf("job %s: neither run nor listed in pipeSkipped", name)
		}
	}

	// The promotion pins the image by digest in the first environment's overlay and pushes a branch.
	svc, svcOut := r.wf.Env["SERVICE"], r.wf.Env["SERVICE_OUTPUT"]
	envs := strings.Fields(r.wf.Env["ENVIRONMENTS"])
	const token = "test-token"
	for _, kv := range pipePushTo(origin, "https://x-access-token:"+token+"@github.com/"+r.vars["GITHUB_REPOSITORY"]+".git") {
		k, v, _ := strings.Cut(kv, "=")
		r.vars[k] = v
	}
	ctx := map[string]string{"needs.image.outputs.digest": pipeDigest, "github.token": token}
	r.log.Reset()
	if err := r.job("promote", ctx); err != nil {
		t.Fatal(err)
	}
	pipeCheckPromoted(t, repo, origin, svc, svcOut, envs[0], r.log.String())
	gh, _ := os.ReadFile(r.vars["GANTRY_GH_LOG"])
	if !strings.Contains(string(gh), "gh pr create --base main --head gantry/promote/"+svc+"/"+envs[0]) {
		t.Errorf("the promotion opened no pull request: gh was called with:\n%s", gh)
	}

	// By hand, the next environment takes the image the first one runs.
	if _, ok := r.wf.Jobs["promote-manual"]; ok && len(envs) > 1 {
		ctx["inputs.environment"] = envs[1]
		r.log.Reset()
		if err := r.job("promote-manual", ctx); err != nil {
			t.Fatal(err)
		}
		pipeCheckPromoted(t, repo, origin, svc, svcOut, envs[1], r.log.String())
	}
}

// pipeCheckPromoted: origin has the promotion branch, whose env overlay builds with the image pinned to
// pipeDigest.
func pipeCheckPromoted(t *testing.T, repo, origin, svc, svcOut, env, log string) {
	t.Helper()
	branch := "gantry/promote/" + svc + "/" + env
	pin := pipeGit(t, origin, "show", branch+":"+svcOut+"/kubernetes/overlays/"+env+"/image/kustomization.yaml")
	if !strings.Contains(pin, pipeDigest) {
		t.Fatalf("%s: %s's image is not pinned to %s:\n%s\n%s", branch, env, pipeDigest, pin, log)
	}
	out, ok := checkers.Run(t, filepath.Join(repo, svcOut, "kubernetes", "overlays", env), checkers.GoTool(t, "kustomize"), "build", ".")
	if !ok || !strings.Contains(out, "@"+pipeDigest) {
		t.Errorf("kustomize build of the promoted %s overlay has no image @%s (%v):\n%s", env, pipeDigest, ok, out)
	}
}

// TestGitHubManifestsJobCanFail: an unknown field in one generated manifest fails the manifests job
// (kubeconform -strict), and a container with a writable root filesystem fails it too (kube-score).
func TestGitHubManifestsJobCanFail(t *testing.T) {
	tools := newPipeTools(t, "1.35")
	for _, c := range []struct{ name, old, new, says string }{
		{"unknown field", "\nspec:\n", "\nspec:\n  bogusField: 1\n", "bogusField"},
		{"writable root filesystem", "readOnlyRootFilesystem: true", "readOnlyRootFilesystem: false", "ReadOnlyRootFilesystem"},
	} {
		t.Run(c.name, func(t *testing.T) {
			repo := pipeNewService(t, "demo", "github")
			deployment := pipeFile(t, repo, "deploy/*/*/*/kubernetes/base/deployment.yaml")
			data, _ := os.ReadFile(deployment)
			if !strings.Contains(string(data), c.old) {
				t.Fatalf("%s has no %q", deployment, c.old)
			}
			if err := os.WriteFile(deployment, []byte(strings.Replace(string(data), c.old, c.new, 1)), 0o644); err != nil {
				t.Fatal(err)
			}
			r := newPipeGHRun(t, tools, repo, ".github/workflows/demo.yaml")
			err := r.job("manifests", nil)
			if err == nil {
				t.Fatalf("the manifests job passed a broken manifest:\n%s", r.log.String())
			}
			if !strings.Contains(err.Error(), "kubeconform and kube-score on every overlay") || !strings.Contains(err.Error(), c.says) {
				t.Errorf("failed, but not in the checkers' step (or without naming %q): %v", c.says, err)
			}
		})
	}
}

// pipeFile is the one file of repo that matches pattern.
func pipeFile(t *testing.T, repo, pattern string) string {
	t.Helper()
	m, _ := filepath.Glob(filepath.Join(repo, filepath.FromSlash(pattern)))
	if len(m) != 1 {
		t.Fatalf("%d files match %s in %s, want 1", len(m), pattern, repo)
	}
	return m[0]
}

// --- GitLab CI ---

// pipeGL runs a repository's GitLab jobs with gitlab-ci-local's shell executor, as a push to the
// default branch that changed every service (so every job's rules let it run).
type pipeGL struct {
	t      *testing.T
	tools  *pipeTools
	repo   string
	origin string
	gcl    string
	home   string
}

// The predefined variables the promotion's push URL is made of.
const (
	pipeGLServer  = "gitlab.example.com"
	pipeGLProject = "group/project"
	pipeGLToken   = "test-job-token"
)

func newPipeGL(t *testing.T, tools *pipeTools, repo string) *pipeGL {
	t.Helper()
	g := &pipeGL{t: t, tools: tools, repo: repo, gcl: checkers.Installed(t, "gitlab-ci-local")["gitlab-ci-local"], home: t.TempDir()}
	g.origin = pipeGitRepo(t, repo)
	pipeGit(t, repo, "remote", "set-head", "origin", "main")
	// gitlab-ci-local's state folder stays out of the commits the promotion makes.
	if err := os.WriteFile(filepath.Join(repo, ".git", "info", "exclude"), []byte(".gitlab-ci-local/\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	// A change to every blueprint, on top of origin/main: every service's `changes:` rule holds.
	blueprintFiles, _ := filepath.Glob(filepath.Join(repo, "blueprints", "*.yaml"))
	more, _ := filepath.Glob(filepath.Join(repo, "blueprints", "*", "*", "*.yaml"))
	for _, f := range append(blueprintFiles, more...) {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(f, append(data, "# a change\n"...), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	pipeGit(t, repo, "commit", "-q", "-am", "a change")
	return g
}

// jobs lists the pipeline's jobs that run (not when: never).
func (g *pipeGL) jobs() []string {
	out, err := g.run(nil, "--list-json")
	if err != nil {
		g.t.Fatalf("gitlab-ci-local --list-json: %v\n%s", err, out)
	}
	return g.jobsIn(out)
}

// jobsIn lists the jobs that run (not when: never) in the output of gitlab-ci-local --list-json.
func (g *pipeGL) jobsIn(out string) []string {
	i := strings.Index(out, "\n[")
	if i < 0 {
		g.t.Fatalf("gitlab-ci-local printed no job list:\n%s", out)
	}
	var js []struct{ Name, When string }
	if err := yaml.Unmarshal([]byte(out[i+1:]), &js); err != nil {
		g.t.Fatalf("gitlab-ci-local: %v\n%s", err, out)
	}
	var names []string
	for _, j := range js {
		if j.When != "never" {
			names = append(names, j.Name)
		}
	}
	return names
}

// job runs jobs (not the jobs they need), with more variables, and returns gitlab-ci-local's output.
func (g *pipeGL) job(names []string, vars ...string) (string, error) {
	return g.run(vars, append([]string{"--force-shell-executor"}, names...)...)
}

func (g *pipeGL) run(vars []string, args ...string) (string, error) {
	all := []string{"--home", g.home} // not the user's ~/.gitlab-ci-local variables
	for _, v := range append([]string{"CI_PIPELINE_SOURCE=push", "CI_COMMIT_BRANCH=main", "CI_DEFAULT_BRANCH=main",
		"CI_SERVER_HOST=" + pipeGLServer, "CI_PROJECT_PATH=" + pipeGLProject, "CI_JOB_TOKEN=" + pipeGLToken}, vars...) {
		all = append(all, "--variable", v)
	}
	cmd := exec.Command(g.gcl, append(all, args...)...)
	cmd.Dir = g.repo
	cmd.Env = append(append(os.Environ(), g.tools.env...),
		pipePushTo(g.origin, "https://gitlab-ci-token:"+pipeGLToken+"@"+pipeGLServer+"/"+pipeGLProject+".git")...)
	// Into a file, not a pipe: Node exits before a pipe drains, which cut the examples' job list at 64 KiB.
	f, err := os.CreateTemp(g.t.TempDir(), "gitlab-ci-local-*.out")
	if err != nil {
		return "", err
	}
	defer f.Close()
	cmd.Stdout, cmd.Stderr = f, f
	err = cmd.Run()
	out, rerr := os.ReadFile(f.Name())
	if rerr != nil {
		return "", rerr
	}
	return string(out), err
}

// TestGitLabPipelineRuns runs, for a fresh `gantry new --ci gitlab` service and for the GitLab example
// (gcp), each service's manifests, IaC scan (and terraform, with a provider mirror) and first promotion
// jobs with gitlab-ci-local.
func TestGitLabPipelineRuns(t *testing.T) {
	tools := newPipeTools(t, "1.34", "1.35")
	t.Run("gantry new", func(t *testing.T) {
		repo := pipeNewService(t, "lab", "gitlab")
		pipeRunGitLab(t, tools, repo, []string{"lab"})
	})
	t.Run("examples", func(t *testing.T) {
		repo := pipeExamplesRepo(t)
		files, _ := filepath.Glob(filepath.Join(repo, ".gitlab", "ci", "*.yml"))
		var services []string
		for _, f := range files {
			if !strings.HasSuffix(f, ".gantry-upgrade.yml") { // TestGitLabUpgradeRuns
				services = append(services, strings.TrimSuffix(filepath.Base(f), ".yml"))
			}
		}
		if len(services) == 0 {
			t.Fatal("no GitLab service among the examples")
		}
		pipeRunGitLab(t, tools, repo, services)
	})
}

func pipeRunGitLab(t *testing.T, tools *pipeTools, repo string, services []string) {
	t.Helper()
	g := newPipeGL(t, tools, repo)
	jobs := g.jobs()
	for _, svc := range services {
		t.Run(svc, func(t *testing.T) {
			svcOut, envs := pipeGLService(t, repo, svc)
			var run []string
			for _, job := range jobs {
				short, ok := strings.CutPrefix(job, svc+":")
				if !ok {
					continue
				}
				switch {
				case short == "validate" || short == "manifests" || short == "iac-scan" || short == "terraform" && tools.terraform || short == "promote:"+envs[0]:
					run = append(run, short)
				case strings.HasPrefix(short, "promote:") && pipeSkip(t, "gitlab", "promote:later", "*"):
				case !pipeSkip(t, "gitlab", short, "*"):
					t.Errorf("job %s: neither run nor listed in pipeSkipped", job)
				}
			}
			if !slices.Contains(run, "manifests") || !slices.Contains(run, "promote:"+envs[0]) {
				t.Fatalf("%s has no manifests or promote:%s job among %v", svc, envs[0], jobs)
			}
			// The checks in one gitlab-ci-local run (it parses the pipeline once), then the promotion.
			var checks []string
			for _, short := range run {
				if !strings.HasPrefix(short, "promote:") {
					checks = append(checks, svc+":"+short)
				}
			}
			tools.needTrivy(t) // the iac-scan job
			out, err := g.job(checks)
			t.Logf("%v:\n%s", checks, out)
			passed := 0
			for _, job := range checks {
				if strings.Contains(out, "PASS  "+job) {
					passed++
				} else {
					t.Errorf("%s did not pass", job)
				}
			}
			if err != nil && passed == len(checks) {
				t.Errorf("gitlab-ci-local %v: %v", checks, err)
			}
			out, err = g.job([]string{svc + ":promote:" + envs[0]}, "DIGEST="+pipeDigest)
			t.Logf("%s:promote:%s:\n%s", svc, envs[0], out)
			if err != nil || !strings.Contains(out, "PASS  "+svc+":promote:"+envs[0]) {
				t.Errorf("%s:promote:%s did not pass (%v)", svc, envs[0], err)
			}
			pipeCheckPromoted(t, repo, g.origin, svc, svcOut, envs[0], out)
			pipeGit(t, repo, "checkout", "-q", "main")
		})
	}
}

// pipeGLService reads a service's SERVICE_OUTPUT and ENVIRONMENTS from its GitLab file.
func pipeGLService(t *testing.T, repo, svc string) (string, []string) {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(repo, ".gitlab", "ci", svc+".yml"))
	if err != nil {
		t.Fatal(err)
	}
	var f map[string]yaml.Node // jobs, and the include of the service's own file
	if err := yaml.Unmarshal(data, &f); err != nil {
		t.Fatal(err)
	}
	var hidden struct {
		Variables map[string]string `yaml:"variables"`
	}
	if n := f["."+svc]; n.Kind == 0 || n.Decode(&hidden) != nil {
		t.Fatalf("%s: no hidden job .%s with variables", svc, svc)
	}
	v := hidden.Variables
	if v["SERVICE_OUTPUT"] == "" || v["ENVIRONMENTS"] == "" {
		t.Fatalf("%s: no SERVICE_OUTPUT or ENVIRONMENTS in .%s's variables", svc, svc)
	}
	return v["SERVICE_OUTPUT"], strings.Fields(v["ENVIRONMENTS"])
}

// TestGitLabManifestsJobCanFail: an unknown field in one generated manifest fails the manifests job
// run by gitlab-ci-local.
func TestGitLabManifestsJobCanFail(t *testing.T) {
	tools := newPipeTools(t, "1.35")
	repo := pipeNewService(t, "lab", "gitlab")
	g := newPipeGL(t, tools, repo)
	deployment := pipeFile(t, repo, "deploy/*/*/*/kubernetes/base/deployment.yaml")
	data, _ := os.ReadFile(deployment)
	if err := os.WriteFile(deployment, bytes.Replace(data, []byte("\nspec:\n"), []byte("\nspec:\n  bogusField: 1\n"), 1), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := g.job([]string{"lab:manifests"})
	if err == nil || !strings.Contains(out, "bogusField") || !strings.Contains(out, "FAIL  lab:manifests") {
		t.Errorf("the manifests job passed a broken manifest, or failed without naming it (%v):\n%s", err, out)
	}
}
