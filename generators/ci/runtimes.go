package ci

import (
	"bytes"
	"fmt"
	"path"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/gantry-dev/gantry/blueprints"
	"github.com/gantry-dev/gantry/blueprints/catalog"
)

// Step is one named shell step of a runtime's lint and test (the runtime catalogue's).
type Step = catalog.Step

// Steps are the lint and test steps CI runs for a runtime, in order (none for static).
func Steps(runtime string) []Step {
	rt, _ := catalog.LookupRuntime(runtime)
	return slices.Clone(rt.Steps)
}

// role is what a step of the runtime catalogue does, in the order a test job runs them: a blueprint's
// spec.build.lint replaces the lint steps, spec.build.test the test steps; setup (install, restore,
// toolchain, a build the tests need) and scan (dependency advisories) steps always run.
type role int

const (
	roleSetup role = iota
	roleLint
	roleTest
	roleScan
)

// stepRoles classifies the catalogue's steps by name (TestEveryStepHasARole fails on a step added to
// the catalogue without one). A step missing here is kept, as setup is.
var stepRoles = map[string]map[string]role{
	"go":     {"Vet": roleLint, "Unit tests": roleTest, "Vulnerabilities (govulncheck)": roleScan},
	"node":   {"Install": roleSetup, "Lint": roleLint, "Unit tests": roleTest, "Dependency audit": roleScan},
	"python": {"Install": roleSetup, "Compile": roleLint, "Unit tests": roleTest},
	// Java's steps build and test in one: a test command replaces both.
	"java": {"Build and unit tests (Gradle or Maven)": roleTest, "Build and unit tests (javac)": roleTest},
	"rust": {"Toolchain": roleSetup, "Format": roleLint, "Lint": roleLint, "Unit tests": roleTest},
	// dotnet's Build (-warnaserror) stays: the default test step runs with --no-build.
	"dotnet": {"Restore": roleSetup, "Build": roleSetup, "Unit tests": roleTest, "Vulnerable packages": roleScan},
}

// Environment variables that carry a blueprint's commands to the shell: the pipeline runs
// `bash -e -c "$VAR"`, so a command is data to GitHub, GitLab and the YAML, and code only to the shell
// that runs it, exactly as written.
const (
	envBuild = "GANTRY_BUILD_COMMAND"
	envLint  = "GANTRY_LINT_COMMAND"
	envTest  = "GANTRY_TEST_COMMAND"
)

// The names of the steps that run a blueprint's lint and test commands.
const (
	lintStep = "Lint (spec.build.lint)"
	testStep = "Unit tests (spec.build.test)"
)

// runCommand is the step script of a command carried by the variable env.
func runCommand(env string) string { return `bash -e -c "$` + env + `"` }

// Command is a blueprint command on its way to the pipeline: the variable that carries it and its value
// encoded by the YAML encoder as one double-quoted scalar.
type Command struct {
	Env, YAML string
}

func command(env, value string) (Command, error) {
	// Validation refuses it too; GitHub would evaluate it even in an env: value.
	if strings.Contains(value, "${{") {
		return Command{}, fmt.Errorf("a build command contains ${{, which GitHub Actions would evaluate")
	}
	enc, err := yamlScalar(value)
	return Command{Env: env, YAML: enc}, err
}

// yamlScalar encodes s as a double-quoted YAML scalar on one line (the YAML encoder does the
// escaping; it does not fold long lines), so it can sit after a key at any indentation.
func yamlScalar(s string) (string, error) {
	out, err := yaml.Marshal(&yaml.Node{Kind: yaml.ScalarNode, Style: yaml.DoubleQuotedStyle, Tag: "!!str", Value: s})
	if err != nil {
		return "", err
	}
	enc := strings.TrimSuffix(string(out), "\n")
	var back string
	if strings.Contains(enc, "\n") || yaml.Unmarshal(out, &back) != nil || back != s {
		return "", fmt.Errorf("a command does not encode as one YAML line")
	}
	return enc, nil
}

// SetupInput is one input of a GitHub setup action: a value (the catalogue's, a path under the source
// folder), or an expression of Gantry's own text (Expr).
type SetupInput struct {
	Key, Value, Expr string
}

// Detect is a step that reads the project before its toolchain is installed, and gives the setup
// action an input: its output versions feeds Key.
type Detect struct {
	Name, ID, Run, Key string
	Default            string // the catalogue's value of Key, which the step keeps
}

// dotnetSDKs lists the .NET SDKs to install: the catalogue's (DEFAULT) and one per target framework
// (netX.Y, with or without a platform suffix) of the project files under the source folder, so a
// project on another .NET than the catalogue's builds, and its tests find their runtime. A global.json
// adds its own SDK through the action's global-json-file. It writes a multi-line versions output.
const dotnetSDKs = `versions="$(
  {
    echo "$DEFAULT"
    find . \( -name '*.csproj' -o -name '*.fsproj' -o -name '*.vbproj' -o -name 'Directory.Build.props' \) -type f -print0 |
      xargs -0 -r sed -n 's:.*<TargetFrameworks\{0,1\}>\([^<]*\)</TargetFrameworks\{0,1\}>.*:\1:p' |
      tr ';' '\n' | sed -n 's/^[[:space:]]*net\([1-9][0-9]*\.[0-9][0-9]*\)\(-[A-Za-z0-9.]*\)\{0,1\}[[:space:]]*$/\1.x/p'
  } | sort -u
)"
echo "$versions"
{
  echo "versions<<EOF"
  echo "$versions"
  echo "EOF"
} >> "$GITHUB_OUTPUT"
`

// detects are the runtimes whose setup action needs to read the project first.
var detects = map[string]Detect{
	"dotnet": {Name: ".NET SDKs of the project (target frameworks)", ID: "sdks", Run: dotnetSDKs, Key: "dotnet-version"},
}

// Toolchain is how a job installs the runtime: GitHub's setup action, GitLab's job image.
type Toolchain struct {
	Runtime   string
	Build     catalog.Image // GitLab's job image: the Dockerfile's build stage
	Setup     string
	SetupWith []SetupInput
	Detect    *Detect
}

// TestJob is the lint, test and dependency scan job.
type TestJob struct {
	Toolchain
	Steps    []Step
	Commands []Command // the blueprint's lint and test commands, for the job's environment
}

// BuildJob runs the blueprint's build command before the image build.
type BuildJob struct {
	Toolchain
	Command Command
}

// Commands is the job's command, for the templates' list of variables.
func (b *BuildJob) Commands() []Command { return []Command{b.Command} }

// toolchainOf is the toolchain of a runtime for a service whose source is in source. Action inputs are
// relative to the repository root, not to the job's working directory.
func toolchainOf(rt catalog.Runtime, source string) Toolchain {
	tc := Toolchain{Runtime: rt.Name, Build: rt.Build, Setup: rt.Setup}
	d, detect := detects[rt.Name]
	for _, kv := range rt.SetupWith {
		in := SetupInput{Key: kv.Key, Value: kv.Value}
		switch {
		case detect && kv.Key == d.Key:
			d.Default = kv.Value
			in.Expr = "${{ steps." + d.ID + ".outputs.versions }}"
			tc.Detect = &d
		case kv.IfPresent:
			// The file is the user's, optional: an empty input, which the action ignores, without it.
			in.Expr = "${{ hashFiles(format('{0}/" + kv.Value + "', env.SOURCE)) != '' && format('{0}/" + kv.Value + "', env.SOURCE) || '' }}"
		case kv.InSource:
			in.Value = path.Join(source, kv.Value)
		}
		tc.SetupWith = append(tc.SetupWith, in)
	}
	return tc
}

// testJob is the test job of a runtime with the blueprint's overrides, nil when there is nothing to
// lint or test (static, without commands).
func testJob(runtime, source string, b blueprints.Build) (*TestJob, error) {
	rt, ok := catalog.LookupRuntime(runtime)
	if !ok {
		return nil, nil
	}
	steps := slices.Clone(rt.Steps)
	var cmds []Command
	for _, o := range []struct {
		role      role
		name, env string
		value     string
	}{
		{roleLint, lintStep, envLint, b.Lint},
		{roleTest, testStep, envTest, b.Test},
	} {
		if o.value == "" {
			continue
		}
		c, err := command(o.env, o.value)
		if err != nil {
			return nil, err
		}
		cmds = append(cmds, c)
		steps = replaceRole(rt.Name, steps, o.role, Step{Name: o.name, Run: runCommand(o.env)})
	}
	if len(steps) == 0 {
		return nil, nil
	}
	return &TestJob{Toolchain: toolchainOf(rt, source), Steps: steps, Commands: cmds}, nil
}

// replaceRole puts st where the steps of role r were (removing them), or, when there were none, before
// the first step of a later role.
func replaceRole(runtime string, steps []Step, r role, st Step) []Step {
	roleOf := func(s Step) role {
		switch s.Name {
		case lintStep:
			return roleLint
		case testStep:
			return roleTest
		}
		return stepRoles[runtime][s.Name] // roleSetup when missing
	}
	at := slices.IndexFunc(steps, func(s Step) bool { return roleOf(s) >= r })
	if at < 0 {
		at = len(steps)
	}
	steps = slices.DeleteFunc(steps, func(s Step) bool { return roleOf(s) == r })
	return slices.Insert(steps, min(at, len(steps)), st)
}

// buildJob is the blueprint's build command with the runtime's toolchain, nil without one.
func buildJob(runtime, source string, b blueprints.Build) (*BuildJob, error) {
	rt, ok := catalog.LookupRuntime(runtime)
	if !ok || b.Command == "" {
		return nil, nil
	}
	c, err := command(envBuild, b.Command)
	if err != nil {
		return nil, err
	}
	return &BuildJob{Toolchain: toolchainOf(rt, source), Command: c}, nil
}

// wellFormed parses a rendered pipeline: a template mistake is an error here, never a broken file.
func wellFormed(data []byte) error {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		return fmt.Errorf("generated YAML does not parse: %w", err)
	}
	if len(doc.Content) != 1 || doc.Content[0].Kind != yaml.MappingNode {
		return fmt.Errorf("generated YAML is not one mapping")
	}
	return nil
}
