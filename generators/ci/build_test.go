package ci_test

import (
	"maps"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/gantry-dev/gantry/blueprints"
	"github.com/gantry-dev/gantry/generators"
	"github.com/gantry-dev/gantry/generators/ci"
	"github.com/gantry-dev/gantry/generators/gentest"
)

// buildSystems are the test blueprints of spec.build and spec.prebuilt, one folder per CI system.
var buildSystems = []string{"github", "gitlab"}

func generateBuild(t *testing.T, system string) map[string]generators.File {
	t.Helper()
	files, err := generators.Run(gentest.LoadExamples(t, filepath.Join("testdata", "build", system)), []generators.Generator{ci.New()})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]generators.File{}
	for _, f := range files {
		out[f.Path] = f
	}
	return out
}

// withBuild adds the pipelines of the test blueprints (testdata/build) of files' CI system to files,
// under a folder of their own, for the checkers (actionlint, shellcheck, the GitLab schema).
func withBuild(t *testing.T, files []generators.File) []generators.File {
	t.Helper()
	out := slices.Clone(files)
	for _, system := range buildSystems {
		for _, f := range generateBuild(t, system) {
			if f.Path == ".gitlab-ci.yml" {
				continue // the same root file as the examples'
			}
			if slices.ContainsFunc(files, func(e generators.File) bool { return path.Dir(e.Path) == path.Dir(f.Path) }) {
				out = append(out, renamed(f, "build-"))
			}
		}
	}
	return out
}

// TestBuildGolden: the pipelines of the test blueprints (testdata/build), for review.
func TestBuildGolden(t *testing.T) {
	for _, system := range buildSystems {
		t.Run(system, func(t *testing.T) {
			gentest.Golden(t, filepath.Join("testdata", "build-golden", system), slices.Collect(maps.Values(generateBuild(t, system))))
		})
	}
}

// ghWorkflow is the part of a GitHub workflow the tests below read.
type ghWorkflow struct {
	On   map[string]any    `yaml:"on"`
	Env  map[string]string `yaml:"env"`
	Jobs map[string]struct {
		Needs []string          `yaml:"needs"`
		Env   map[string]string `yaml:"env"`
		Steps []ghStep          `yaml:"steps"`
	} `yaml:"jobs"`
}

type ghStep struct {
	Name             string            `yaml:"name"`
	Uses             string            `yaml:"uses"`
	Run              string            `yaml:"run"`
	WorkingDirectory string            `yaml:"working-directory"`
	Env              map[string]string `yaml:"env"`
	With             map[string]string `yaml:"with"`
}

func parseWorkflow(t *testing.T, f generators.File) ghWorkflow {
	t.Helper()
	var wf ghWorkflow
	if err := yaml.Unmarshal(f.Data, &wf); err != nil {
		t.Fatalf("%s: %v", f.Path, err)
	}
	return wf
}

func stepNamed(t *testing.T, steps []ghStep, name string) ghStep {
	t.Helper()
	for _, st := range steps {
		if st.Name == name {
			return st
		}
	}
	t.Fatalf("no step %q", name)
	return ghStep{}
}

func stepNames(steps []ghStep) []string {
	var out []string
	for _, st := range steps {
		out = append(out, cmpOr(st.Name, st.Uses))
	}
	return out
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

func usesOf(steps []ghStep, prefix string) string {
	for _, st := range steps {
		if strings.HasPrefix(st.Uses, prefix) {
			return st.Uses
		}
	}
	return ""
}

// TestPrebuiltPipelines: a prebuilt service's pipeline has no build, lint, test, SBOM, signing or
// promotion, scans the pinned image by digest with the scanner the built images' pipelines pin, and
// checks the manifests (and the Terraform of its dependency).
func TestPrebuiltPipelines(t *testing.T) {
	const digest = "@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
	t.Run("github", func(t *testing.T) {
		files := generateBuild(t, "github")
		wf := parseWorkflow(t, files[".github/workflows/vendor.yaml"])
		built := parseWorkflow(t, files[".github/workflows/builder.yaml"])
		if got := slices.Sorted(maps.Keys(wf.Jobs)); !slices.Equal(got, []string{"checks", "custom", "image-scan", "manifests"}) {
			t.Errorf("jobs %v, want checks, custom (the user's), image-scan and manifests", got)
		}
		if got := wf.Env["PREBUILT_IMAGE"]; got != "docker.io/library/nginx"+digest {
			t.Errorf("PREBUILT_IMAGE %q: not the image by digest", got)
		}
		for _, k := range []string{"IMAGE", "CONTEXT", "DOCKERFILE"} {
			if _, ok := wf.Env[k]; ok {
				t.Errorf("env %s for an image Gantry does not build", k)
			}
		}
		if _, ok := wf.On["workflow_dispatch"]; ok {
			t.Error("a manual promotion: there is nothing to promote")
		}
		scan := wf.Jobs["image-scan"].Steps
		if len(scan) != 1 || scan[0].With["image-ref"] != "${{ env.PREBUILT_IMAGE }}" || scan[0].With["exit-code"] != "1" {
			t.Errorf("image-scan steps %+v", scan)
		}
		if pinned := usesOf(built.Jobs["image"].Steps, "aquasecurity/trivy-action@"); pinned == "" || scan[0].Uses != pinned {
			t.Errorf("image-scan uses %q, the built images' scan %q", scan[0].Uses, pinned)
		}
		if !slices.Contains(stepNames(wf.Jobs["manifests"].Steps), "terraform fmt and validate") {
			t.Errorf("no Terraform check for the dependency: %v", stepNames(wf.Jobs["manifests"].Steps))
		}
	})
	t.Run("gitlab", func(t *testing.T) {
		files := generateBuild(t, "gitlab")
		js := jobs(t, files[".gitlab/ci/vendor.yml"])
		var names []string
		for name := range js {
			if !strings.HasPrefix(name, ".") {
				names = append(names, name)
			}
		}
		slices.Sort(names)
		if want := []string{"vendor:iac-scan", "vendor:image-scan", "vendor:manifests", "vendor:validate"}; !slices.Equal(names, want) {
			t.Errorf("jobs %v, want %v", names, want)
		}
		scan := js["vendor:image-scan"]
		if got := scan.Variables["PREBUILT_IMAGE"]; got != "quay.io/acme/vendor@sha256:fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210" {
			t.Errorf("PREBUILT_IMAGE %q", got)
		}
		if len(scan.Script) != 1 || !strings.HasPrefix(scan.Script[0], "trivy image ") || !strings.HasSuffix(scan.Script[0], ` "$PREBUILT_IMAGE"`) {
			t.Errorf("image-scan script %q", scan.Script)
		}
		builtScan := jobs(t, files[".gitlab/ci/builder.yml"])["builder:image-scan"]
		if builtScan.Image == nil || !equalYAML(scan.Image, builtScan.Image) {
			t.Errorf("image-scan image %v, the built images' %v", scan.Image, builtScan.Image)
		}
		if _, ok := js[".vendor"].Variables["IMAGE"]; ok {
			t.Error("IMAGE for an image Gantry does not build")
		}
	})
}

func equalYAML(a, b any) bool {
	x, err1 := yaml.Marshal(a)
	y, err2 := yaml.Marshal(b)
	return err1 == nil && err2 == nil && string(x) == string(y)
}

// TestBuildOverridesUsed: spec.build's context and Dockerfile reach the image build, its commands the
// steps that replace the runtime's lint and test steps, and its build command a step (GitHub) or job
// (GitLab) before the image build, with the runtime's toolchain.
func TestBuildOverridesUsed(t *testing.T) {
	t.Run("github", func(t *testing.T) {
		files := generateBuild(t, "github")
		wf := parseWorkflow(t, files[".github/workflows/builder.yaml"])
		svc := readBlueprint(t, "testdata/build/github/builder.yaml")
		if wf.Env["CONTEXT"] != "." || wf.Env["DOCKERFILE"] != "services/builder/docker/Dockerfile" {
			t.Errorf("CONTEXT %q, DOCKERFILE %q", wf.Env["CONTEXT"], wf.Env["DOCKERFILE"])
		}
		img := wf.Jobs["image"]
		for _, st := range img.Steps {
			if strings.HasPrefix(st.Uses, "docker/build-push-action@") &&
				(st.With["context"] != "${{ env.CONTEXT }}" || st.With["file"] != "${{ env.DOCKERFILE }}") {
				t.Errorf("%s: context %q, file %q", st.Name, st.With["context"], st.With["file"])
			}
		}
		b := stepNamed(t, img.Steps, "Build (spec.build.command)")
		if b.Env["GANTRY_BUILD_COMMAND"] != svc.Spec.Build.Command || b.Run != `bash -e -c "$GANTRY_BUILD_COMMAND"` || b.WorkingDirectory != "${{ env.SOURCE }}" {
			t.Errorf("build step %+v", b)
		}
		names := stepNames(img.Steps)
		if i, j := slices.IndexFunc(img.Steps, func(s ghStep) bool { return strings.HasPrefix(s.Uses, "actions/setup-java@") }), slices.Index(names, b.Name); i < 0 || i > j {
			t.Errorf("no setup-java before the build command: %v", names)
		}
		test := wf.Jobs["test"]
		if test.Env["GANTRY_LINT_COMMAND"] != svc.Spec.Build.Lint || test.Env["GANTRY_TEST_COMMAND"] != svc.Spec.Build.Test {
			t.Errorf("test job env %v", test.Env)
		}
		want := []string{"Lint (spec.build.lint)", "Unit tests (spec.build.test)", "Dependency scan (osv-scanner)"}
		if got := stepNames(test.Steps); !slices.Equal(got[len(got)-3:], want) || slices.ContainsFunc(got, func(n string) bool { return strings.Contains(n, "Gradle") || strings.Contains(n, "javac") }) {
			t.Errorf("test steps %v: the runtime's test steps must give way to spec.build.test", got)
		}
	})
	t.Run("gitlab", func(t *testing.T) {
		files := generateBuild(t, "gitlab")
		js := jobs(t, files[".gitlab/ci/builder.yml"])
		svc := readBlueprint(t, "testdata/build/gitlab/builder.yaml")
		v := js[".builder"].Variables
		if v["CONTEXT"] != "services/builder" || v["DOCKERFILE_DIR"] != "services/builder" || v["DOCKERFILE_NAME"] != "Dockerfile.site" {
			t.Errorf("variables %v", v)
		}
		if s := strings.Join(js["builder:image"].Script, "\n"); !strings.Contains(s, `--local "context=$CONTEXT" --local "dockerfile=$DOCKERFILE_DIR" --opt "filename=$DOCKERFILE_NAME"`) {
			t.Errorf("image script %s", s)
		}
		raw := rawJobs(t, files[".gitlab/ci/builder.yml"])
		for job, env := range map[string]string{"builder:build": "GANTRY_BUILD_COMMAND", "builder:test": "GANTRY_TEST_COMMAND"} {
			want := map[string]string{"builder:build": svc.Spec.Build.Command, "builder:test": svc.Spec.Build.Test}[job]
			checkGitLabVariable(t, raw[job], env, want)
			if !slices.Contains(js[job].Script, `bash -e -c "$`+env+`"`) {
				t.Errorf("%s does not run $%s: %q", job, env, js[job].Script)
			}
		}
		var needs struct{ Needs []string }
		imgJob, buildJob := raw["builder:image"], raw["builder:build"]
		if err := imgJob.Decode(&needs); err != nil || !slices.Contains(needs.Needs, "builder:build") || !slices.Contains(needs.Needs, "builder:test") {
			t.Errorf("builder:image needs %v (%v)", needs.Needs, err)
		}
		var art struct{ Artifacts struct{ Paths []string } }
		if err := buildJob.Decode(&art); err != nil || !slices.Equal(art.Artifacts.Paths, []string{"services/builder/"}) {
			t.Errorf("builder:build artifacts %v (%v)", art.Artifacts.Paths, err)
		}
	})
}

func readBlueprint(t *testing.T, p string) blueprints.Service {
	t.Helper()
	data, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	var s blueprints.Service
	if err := yaml.Unmarshal(data, &s); err != nil {
		t.Fatal(err)
	}
	return s
}

func rawJobs(t *testing.T, f generators.File) map[string]yaml.Node {
	t.Helper()
	raw := map[string]yaml.Node{}
	if err := yaml.Unmarshal(f.Data, &raw); err != nil {
		t.Fatal(err)
	}
	return raw
}

// checkGitLabVariable: the job's variable is {value: want, expand: false}, so GitLab expands nothing in it.
func checkGitLabVariable(t *testing.T, job yaml.Node, name, want string) {
	t.Helper()
	var j struct {
		Variables map[string]yaml.Node
	}
	if err := job.Decode(&j); err != nil {
		t.Fatal(err)
	}
	n, ok := j.Variables[name]
	var v struct {
		Value  string
		Expand *bool
	}
	if !ok || n.Kind != yaml.MappingNode || n.Decode(&v) != nil {
		t.Fatalf("variable %s: %v", name, n)
	}
	if v.Value != want || v.Expand == nil || *v.Expand {
		t.Errorf("variable %s = {value: %q, expand: %v}, want {value: %q, expand: false}", name, v.Value, v.Expand, want)
	}
}

// hostileCommands are commands a blueprint may give (no ${{, no control characters but new line and
// tab) that would break YAML, a GitHub expression, GitLab's variable expansion or a naive shell quoting
// if they were pasted into the pipeline: each prints something, so running it proves it ran as written.
var hostileCommands = []string{
	`printf '%s|' "a'b" 'c"d' "$(echo substituted)" '$(not substituted)' ` + "`echo ticks`" + `; echo`,
	"echo first\necho 'second: line' # a comment\n\nprintf '%s\\n' \"after a blank line\"",
	`echo key: value`,
	`echo "#" not a comment; echo '# quoted'`,
	`echo - [x] {a: b} \&anchor "*alias" !tag % @ \| \> , ---`,
	`echo "$GANTRY_MARKER" "${GANTRY_MARKER:-unset}" $CI_JOB_TOKEN_UNSET end`,
	"\techo '  leading and trailing blanks  '   ",
	`echo 'back\slash \n \" \\' "back\\slash"`,
	`echo a"; echo "not injected`,
	`echo "unicode é ☃ \u2028"; echo ' ${ not an expression }'`,
	"echo ends with new lines\n\n",
}

// TestHostileCommandsRunAsWritten loads a blueprint with each hostile command as its build, lint and
// test command (validation accepts them), generates both pipelines, and checks that the YAML decodes
// to exactly the command, that GitLab's variable has expand: false, and, running the pipeline's own
// step script with the decoded variable as the CI system does, that the output is the command's own
// output when bash runs it directly.
func TestHostileCommandsRunAsWritten(t *testing.T) {
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Skip("no bash")
	}
	for i, cmd := range hostileCommands {
		want := runShell(t, bash, []string{"-e", "-c", cmd}, nil)
		for _, system := range buildSystems {
			dir := t.TempDir()
			platform, err := os.ReadFile(filepath.Join("testdata", "build", system, "platform.yaml"))
			if err != nil {
				t.Fatal(err)
			}
			svc := map[string]any{
				"apiVersion": "gantry.dev/v1", "kind": "Service",
				"metadata": map[string]any{"name": "payments", "team": "billing"},
				"spec": map[string]any{"runtime": "go", "type": "worker",
					"build": map[string]any{"command": cmd, "lint": cmd, "test": cmd}},
			}
			data, err := yaml.Marshal(svc)
			if err != nil {
				t.Fatal(err)
			}
			mustWrite(t, filepath.Join(dir, "platform.yaml"), platform)
			mustWrite(t, filepath.Join(dir, "payments.yaml"), data)
			res, diags := blueprints.Load(blueprints.LoadOptions{Paths: []string{dir}, Root: dir})
			if diags.HasErrors(false) {
				t.Fatalf("command %d does not validate:\n%v", i, diags)
			}
			files, err := generators.Run(res, []generators.Generator{ci.New()})
			if err != nil {
				t.Fatal(err)
			}
			for _, f := range files {
				if f.Path == ".gitlab-ci.yml" || f.Kind.Yours() || strings.Contains(f.Path, ".gantry-upgrade.") {
					continue
				}
				// Each command sits in the file as one double-quoted scalar, written by the YAML encoder.
				if strings.Count(string(f.Data), "GANTRY_") < 3 {
					t.Fatalf("%s: the commands are missing", f.Path)
				}
				switch system {
				case "github":
					wf := parseWorkflow(t, f)
					for _, c := range []struct{ job, step, env string }{
						{"image", "Build (spec.build.command)", "GANTRY_BUILD_COMMAND"},
						{"test", "Lint (spec.build.lint)", "GANTRY_LINT_COMMAND"},
						{"test", "Unit tests (spec.build.test)", "GANTRY_TEST_COMMAND"},
					} {
						j := wf.Jobs[c.job]
						st := stepNamed(t, j.Steps, c.step)
						env := map[string]string{}
						maps.Copy(env, j.Env)
						maps.Copy(env, st.Env)
						if env[c.env] != cmd {
							t.Errorf("command %d: %s %s: %s decodes to %q, want %q", i, system, c.job, c.env, env[c.env], cmd)
						}
						// GitHub runs a run: step as `bash -e {0}` with the script in a file.
						script := filepath.Join(t.TempDir(), "step.sh")
						mustWrite(t, script, []byte(st.Run))
						if got := runShell(t, bash, []string{"-e", script}, map[string]string{c.env: env[c.env]}); got != want {
							t.Errorf("command %d: %s %s ran\n%q\nwant\n%q", i, system, c.step, got, want)
						}
					}
				case "gitlab":
					raw := rawJobs(t, f)
					js := jobs(t, f)
					for _, c := range []struct{ job, env string }{
						{"payments:build", "GANTRY_BUILD_COMMAND"},
						{"payments:test", "GANTRY_LINT_COMMAND"},
						{"payments:test", "GANTRY_TEST_COMMAND"},
					} {
						job, env := c.job, c.env
						checkGitLabVariable(t, raw[job], env, cmd)
						// The runner runs the script lines in one shell; the line that runs the command
						// runs here alone (the test's folder stands for the source folder).
						var lines []string
						for _, l := range js[job].Script {
							if strings.Contains(l, `"$`+env+`"`) {
								lines = append(lines, l)
							}
						}
						if len(lines) != 1 {
							t.Fatalf("%s: %q", job, js[job].Script)
						}
						if got := runShell(t, "/bin/sh", []string{"-e", "-c", lines[0]}, map[string]string{env: js[job].Variables[env]}); got != want {
							t.Errorf("command %d: %s %s ran\n%q\nwant\n%q", i, system, job, got, want)
						}
					}
				}
			}
		}
	}
}

// runShell runs a shell with args and the extra environment, in a scratch folder, and returns its
// output; it fails the test when the shell fails.
func runShell(t *testing.T, sh string, args []string, env map[string]string) string {
	t.Helper()
	c := exec.Command(sh, args...)
	c.Dir = t.TempDir()
	c.Env = append(os.Environ(), "GANTRY_MARKER=marker-value", "CI_JOB_TOKEN_UNSET=")
	for k, v := range env {
		c.Env = append(c.Env, k+"="+v)
	}
	out, err := c.CombinedOutput()
	if err != nil {
		t.Fatalf("%s %q: %v\n%s", sh, args, err, out)
	}
	return string(out)
}

func mustWrite(t *testing.T, p string, data []byte) {
	t.Helper()
	if err := writeFile(p, data); err != nil {
		t.Fatal(err)
	}
}
