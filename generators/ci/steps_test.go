package ci

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/gantry-dev/gantry/blueprints"
	"github.com/gantry-dev/gantry/blueprints/catalog"
)

// stepRun is the script of the runtime's step of that name.
func stepRun(t *testing.T, runtime, name string) string {
	t.Helper()
	for _, st := range Steps(runtime) {
		if st.Name == name {
			return st.Run
		}
	}
	t.Fatalf("%s has no step %q", runtime, name)
	return ""
}

// writeFiles writes files (path -> content; an executable when the content starts with #!) under dir.
func writeFiles(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for p, data := range files {
		full := filepath.Join(dir, p)
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		mode := os.FileMode(0o644)
		if strings.HasPrefix(data, "#!") {
			mode = 0o755
		}
		if err := os.WriteFile(full, []byte(data), mode); err != nil {
			t.Fatal(err)
		}
	}
}

// runStep runs a step's script as CI does (sh -e, in the source folder) with PATH set to path, and
// returns its output and whether it succeeded.
func runStep(t *testing.T, dir, path, script string) (string, bool) {
	t.Helper()
	cmd := exec.Command("/bin/sh", "-e", "-c", script)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "PATH="+path, "LOG="+filepath.Join(dir, "calls.log"))
	out, err := cmd.CombinedOutput()
	return string(out), err == nil
}

// stub is a tool that appends its name and arguments to $LOG and exits with status.
func stub(name, status string) string {
	return "#!/bin/sh\necho \"" + name + " $*\" >> \"$LOG\"\nexit " + status + "\n"
}

func calls(t *testing.T, dir string) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(dir, "calls.log"))
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	return string(data)
}

// TestJavaStepsDetectBuildTool runs the Java steps on fixture folders: the Gradle or Maven step picks
// the wrapper, then the tool on PATH, else fails asking for the wrapper; the javac step then does
// nothing. Without a build file the javac step builds (TestRunScaffolds runs it on the skeletons).
func TestJavaStepsDetectBuildTool(t *testing.T) {
	tool := stepRun(t, "java", "Build and unit tests (Gradle or Maven)")
	javac := stepRun(t, "java", "Build and unit tests (javac)")
	sysPath := os.Getenv("PATH")
	cases := []struct {
		name     string
		files    map[string]string
		onPath   []string // stubs on PATH (only these: the system's gradle and mvn are hidden)
		ok       bool
		calls    string // the stub calls, in order
		stderrOf string // part of the failure message
	}{
		{"gradle wrapper", map[string]string{"gradlew": stub("gradlew", "0"), "build.gradle.kts": "", "pom.xml": ""}, []string{"gradle", "mvn"}, true, "gradlew --no-daemon build\n", ""},
		{"gradle wrapper without its executable bit", map[string]string{"gradlew": "echo \"gradlew $*\" >> \"$LOG\"\n", "settings.gradle": ""}, nil, true, "gradlew --no-daemon build\n", ""},
		{"gradle wrapper fails", map[string]string{"gradlew": stub("gradlew", "1"), "build.gradle": ""}, nil, false, "gradlew --no-daemon build\n", ""},
		{"gradle on PATH", map[string]string{"build.gradle": ""}, []string{"gradle", "mvn"}, true, "gradle --no-daemon build\n", ""},
		{"gradle kts on PATH", map[string]string{"build.gradle.kts": ""}, []string{"gradle"}, true, "gradle --no-daemon build\n", ""},
		{"gradle missing", map[string]string{"build.gradle": "", "pom.xml": ""}, []string{"mvn"}, false, "", "run gradle wrapper"},
		{"maven wrapper", map[string]string{"pom.xml": "", "mvnw": stub("mvnw", "0")}, []string{"mvn"}, true, "mvnw -B verify\n", ""},
		{"maven on PATH", map[string]string{"pom.xml": ""}, []string{"mvn", "gradle"}, true, "mvn -B verify\n", ""},
		{"maven fails", map[string]string{"pom.xml": ""}, []string{"mvn"}, false, "mvn -B verify\n", ""},
		{"maven missing", map[string]string{"pom.xml": ""}, nil, false, "", "run mvn wrapper:wrapper"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir, bin := t.TempDir(), t.TempDir()
			writeFiles(t, dir, c.files)
			if err := os.Symlink("/bin/sh", filepath.Join(bin, "sh")); err != nil { // the wrappers run through sh
				t.Fatal(err)
			}
			for _, name := range c.onPath {
				status := "0"
				if !c.ok && c.calls == name+" -B verify\n" {
					status = "1"
				}
				writeFiles(t, bin, map[string]string{name: stub(name, status)})
			}
			out, ok := runStep(t, dir, bin, tool)
			if ok != c.ok {
				t.Errorf("succeeded %v, want %v:\n%s", ok, c.ok, out)
			}
			if got := calls(t, dir); got != c.calls {
				t.Errorf("calls %q, want %q", got, c.calls)
			}
			if c.stderrOf != "" && !strings.Contains(out, c.stderrOf) {
				t.Errorf("output %q does not say %q", out, c.stderrOf)
			}
			// The javac step leaves a Gradle or Maven build alone: no javac, no build/ folder.
			out, ok = runStep(t, dir, bin, javac)
			if !ok || !strings.Contains(out, "built with Gradle or Maven") {
				t.Errorf("javac step on a Gradle or Maven build: %v\n%s", ok, out)
			}
			if _, err := os.Stat(filepath.Join(dir, "build")); err == nil {
				t.Error("the javac step built a Gradle or Maven project")
			}
		})
	}

	t.Run("no build file", func(t *testing.T) {
		dir := t.TempDir()
		out, ok := runStep(t, dir, t.TempDir(), tool)
		if !ok || !strings.Contains(out, "built with javac") {
			t.Errorf("the Gradle or Maven step on a plain javac project: %v\n%s", ok, out)
		}
		if _, err := exec.LookPath("javac"); err != nil {
			t.Skip("no javac")
		}
		writeFiles(t, dir, map[string]string{
			"src/main/java/Main.java":     "public class Main { static int two() { return 2; } }\n",
			"src/test/java/MainTest.java": "public class MainTest { public static void main(String[] a) { if (Main.two() != 2) System.exit(1); System.out.println(\"ran MainTest\"); } }\n",
		})
		if out, ok := runStep(t, dir, sysPath, javac); !ok || !strings.Contains(out, "ran MainTest") {
			t.Errorf("javac step: %v\n%s", ok, out)
		}
		writeFiles(t, dir, map[string]string{
			"src/test/java/MainTest.java": "public class MainTest { public static void main(String[] a) { System.exit(1); } }\n",
		})
		if out, ok := runStep(t, dir, sysPath, javac); ok {
			t.Errorf("javac step passed a failing test:\n%s", out)
		}
	})
}

// TestNodeTestStep: a project without a test script passes; a test script runs, and its failure fails.
func TestNodeTestStep(t *testing.T) {
	if _, err := exec.LookPath("npm"); err != nil {
		t.Skip("no npm")
	}
	run := stepRun(t, "node", "Unit tests")
	for _, c := range []struct {
		name, pkg string
		ok        bool
		says      string
	}{
		{"no scripts", `{"name":"demo","version":"1.0.0"}`, true, ""},
		{"lint only", `{"name":"demo","version":"1.0.0","scripts":{"lint":"exit 1"}}`, true, ""},
		{"passing test", `{"name":"demo","version":"1.0.0","scripts":{"test":"echo ran-the-tests"}}`, true, "ran-the-tests"},
		{"failing test", `{"name":"demo","version":"1.0.0","scripts":{"test":"echo ran-the-tests && exit 3"}}`, false, "ran-the-tests"},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			writeFiles(t, dir, map[string]string{"package.json": c.pkg})
			out, ok := runStep(t, dir, os.Getenv("PATH"), run)
			if ok != c.ok || !strings.Contains(out, c.says) {
				t.Errorf("succeeded %v, want %v (saying %q):\n%s", ok, c.ok, c.says, out)
			}
		})
	}
}

// TestPythonTestStep: unittest's exit status 5 (no tests ran, Python 3.12) passes, every other failure
// fails; with a stub python for each status, then with a real Python 3.12 or later when there is one.
func TestPythonTestStep(t *testing.T) {
	run := stepRun(t, "python", "Unit tests")
	for status, ok := range map[string]bool{"0": true, "5": true, "1": false, "2": false, "4": false} {
		t.Run("status "+status, func(t *testing.T) {
			dir, bin := t.TempDir(), t.TempDir()
			writeFiles(t, bin, map[string]string{"python": stub("python", status)})
			out, got := runStep(t, dir, bin, run)
			if got != ok {
				t.Errorf("exit %s: succeeded %v, want %v\n%s", status, got, ok, out)
			}
			if c := calls(t, dir); c != "python -m unittest discover -v\n" {
				t.Errorf("ran %q", c)
			}
		})
	}

	python := python312(t)
	if python == "" {
		t.Skip("no Python 3.12 or later: only the stubs ran")
	}
	bin := t.TempDir()
	if err := os.Symlink(python, filepath.Join(bin, "python")); err != nil {
		t.Fatal(err)
	}
	path := bin + string(os.PathListSeparator) + os.Getenv("PATH")
	for _, c := range []struct {
		name  string
		files map[string]string
		ok    bool
	}{
		{"no tests", map[string]string{"main.py": "print('hello')\n"}, true},
		{"passing test", map[string]string{"test_main.py": "import unittest\n\nclass T(unittest.TestCase):\n    def test_ok(self):\n        self.assertEqual(1, 1)\n"}, true},
		{"failing test", map[string]string{"test_main.py": "import unittest\n\nclass T(unittest.TestCase):\n    def test_fails(self):\n        self.assertEqual(1, 2)\n"}, false},
		{"test that does not import", map[string]string{"test_main.py": "import no_such_module\n"}, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			writeFiles(t, dir, c.files)
			out, ok := runStep(t, dir, path, run)
			if ok != c.ok {
				t.Errorf("succeeded %v, want %v:\n%s", ok, c.ok, out)
			}
		})
	}
}

// python312 finds a Python of 3.12 or later (unittest's exit status 5), "" when there is none.
func python312(t *testing.T) string {
	t.Helper()
	candidates := []string{}
	for _, name := range []string{"python3", "python", "python3.14", "python3.13", "python3.12"} {
		if p, err := exec.LookPath(name); err == nil {
			candidates = append(candidates, p)
		}
	}
	if home, err := os.UserHomeDir(); err == nil {
		found, _ := filepath.Glob(filepath.Join(home, ".pyenv/versions/3.1[2-9]*/bin/python3"))
		candidates = append(candidates, found...)
	}
	for _, c := range candidates {
		out, err := exec.Command(c, "-c", "import sys; sys.exit(sys.version_info < (3, 12)); ").Output()
		if err == nil && len(out) == 0 {
			return c
		}
	}
	return ""
}

// TestDotnetSDKsFromTargetFrameworks runs the step that picks the .NET SDKs setup-dotnet installs on
// fixture projects: the catalogue's SDK always, plus one per target framework (TargetFramework or
// TargetFrameworks, in any project file or Directory.Build.props), without the .NET Framework and
// netstandard monikers, which need no SDK of their own.
func TestDotnetSDKsFromTargetFrameworks(t *testing.T) {
	tc := toolchainOf(mustRuntime(t, "dotnet"), "src")
	d := tc.Detect
	if d == nil || d.Default != "9.0.x" {
		t.Fatalf("no detection step for dotnet, or not from the catalogue's SDK: %+v", d)
	}
	in := tc.SetupWith[slices.IndexFunc(tc.SetupWith, func(in SetupInput) bool { return in.Key == "dotnet-version" })]
	if in.Expr != "${{ steps."+d.ID+".outputs.versions }}" {
		t.Errorf("dotnet-version %+v does not take the step's output", in)
	}
	proj := func(tfm string) string {
		return "<Project Sdk=\"Microsoft.NET.Sdk\">\n  <PropertyGroup>\n    " + tfm + "\n    <Nullable>enable</Nullable>\n  </PropertyGroup>\n</Project>\n"
	}
	for _, c := range []struct {
		name  string
		files map[string]string
		want  string
	}{
		{"no project", nil, "9.0.x"},
		{"the catalogue's", map[string]string{"app.csproj": proj("<TargetFramework>net9.0</TargetFramework>")}, "9.0.x"},
		{"newer", map[string]string{"app.csproj": proj("<TargetFramework>net10.0</TargetFramework>")}, "10.0.x\n9.0.x"},
		{"older, for its tests' runtime", map[string]string{"tests/t.csproj": proj("<TargetFramework>net8.0</TargetFramework>")}, "8.0.x\n9.0.x"},
		{"several, with a platform", map[string]string{"a.fsproj": proj("<TargetFrameworks>net8.0;net10.0-windows ; netstandard2.0;net48</TargetFrameworks>")}, "10.0.x\n8.0.x\n9.0.x"},
		{"Directory.Build.props", map[string]string{"Directory.Build.props": proj("<TargetFramework>net10.0</TargetFramework>"), "app.csproj": proj("")}, "10.0.x\n9.0.x"},
		{"not a project file", map[string]string{"notes.xml": proj("<TargetFramework>net11.0</TargetFramework>")}, "9.0.x"},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			writeFiles(t, dir, c.files)
			out := filepath.Join(t.TempDir(), "github_output")
			cmd := exec.Command("/bin/sh", "-e", "-c", d.Run)
			cmd.Dir = dir
			cmd.Env = append(os.Environ(), "DEFAULT="+d.Default, "GITHUB_OUTPUT="+out)
			if b, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("%v\n%s", err, b)
			}
			data, err := os.ReadFile(out)
			if err != nil {
				t.Fatal(err)
			}
			if want := "versions<<EOF\n" + c.want + "\nEOF\n"; string(data) != want {
				t.Errorf("GITHUB_OUTPUT\n%s\nwant\n%s", data, want)
			}
		})
	}
}

func mustRuntime(t *testing.T, name string) catalog.Runtime {
	t.Helper()
	rt, ok := catalog.LookupRuntime(name)
	if !ok {
		t.Fatalf("no runtime %s", name)
	}
	return rt
}

// TestEveryStepHasARole: a step added to the runtime catalogue (or renamed) is classified here, so
// spec.build.lint and spec.build.test replace the right steps.
func TestEveryStepHasARole(t *testing.T) {
	for _, rt := range catalog.Runtimes() {
		for _, st := range rt.Steps {
			if _, ok := stepRoles[rt.Name][st.Name]; !ok {
				t.Errorf("%s: step %q has no role in stepRoles", rt.Name, st.Name)
			}
		}
	}
}

// TestOverrideSteps: a lint or test command replaces the runtime's steps of its kind, where they were;
// setup and scan steps stay; a runtime without a step of that kind gets it before the later kinds.
func TestOverrideSteps(t *testing.T) {
	names := func(job *TestJob) []string {
		var out []string
		for _, st := range job.Steps {
			out = append(out, st.Name)
		}
		return out
	}
	for _, c := range []struct {
		runtime string
		build   blueprints.Build
		want    []string // nil: no test job
	}{
		{"go", blueprints.Build{}, []string{"Vet", "Unit tests", "Vulnerabilities (govulncheck)"}},
		{"go", blueprints.Build{Lint: "golangci-lint run"}, []string{lintStep, "Unit tests", "Vulnerabilities (govulncheck)"}},
		{"go", blueprints.Build{Test: "make test"}, []string{"Vet", testStep, "Vulnerabilities (govulncheck)"}},
		{"node", blueprints.Build{Lint: "x", Test: "y"}, []string{"Install", lintStep, testStep, "Dependency audit"}},
		{"rust", blueprints.Build{Lint: "x"}, []string{"Toolchain", lintStep, "Unit tests"}},
		{"java", blueprints.Build{Lint: "x"}, []string{lintStep, "Build and unit tests (Gradle or Maven)", "Build and unit tests (javac)"}},
		{"java", blueprints.Build{Test: "y"}, []string{testStep}},
		{"dotnet", blueprints.Build{Lint: "x", Test: "y"}, []string{"Restore", "Build", lintStep, testStep, "Vulnerable packages"}},
		{"static", blueprints.Build{}, nil},
		{"static", blueprints.Build{Command: "make site"}, nil},
		{"static", blueprints.Build{Test: "y", Lint: "x"}, []string{lintStep, testStep}},
		{"", blueprints.Build{}, nil}, // prebuilt
	} {
		job, err := testJob(c.runtime, "src", c.build)
		if err != nil {
			t.Fatal(err)
		}
		if c.want == nil {
			if job != nil {
				t.Errorf("%s %+v: a test job %v", c.runtime, c.build, names(job))
			}
			continue
		}
		if job == nil || !slices.Equal(names(job), c.want) {
			t.Errorf("%s %+v: steps %v, want %v", c.runtime, c.build, job, c.want)
		}
	}
	if _, err := testJob("go", "src", blueprints.Build{Test: "echo ${{ secrets.X }}"}); err == nil {
		t.Error("a command with ${{ reached the pipeline")
	}
}
