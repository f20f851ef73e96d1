// Package checkers finds the pinned third-party checkers the tests run on generated output
// (kubeconform, kube-score, kustomize, trivy, kube-apiserver, etcd, the Kubernetes and CRD schemas).
// They are installed by the repository's own files: tools/go.mod for Go tools, hack/install-tools.sh for
// the rest, cached outside the repository by tool and version.
package checkers

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
)

// Root is the repository root, found from this file's location.
var Root = func() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Clean(filepath.Join(filepath.Dir(file), "..", ".."))
}()

var (
	installMu   sync.Mutex
	installed   = map[string]string{} // what hack/install-tools.sh printed, by key
	installDone = map[string]bool{}   // the tool names installed so far
)

// Installed returns the keys of hack/install-tools.sh for the named tools (trivy, kube-apiserver,
// etcd, crds, shellcheck...; a tool may print several keys: crds one crds/<project> per project),
// installing what is missing on first use: only the tools a test names, so `go test ./pkg` does not
// build every checker. It fails the test when the install fails: the checks are part of the suite,
// not optional extras.
func Installed(t testing.TB, names ...string) map[string]string {
	t.Helper()
	if len(names) == 0 {
		t.Fatal("checkers.Installed: name the tools the test needs")
	}
	installMu.Lock()
	defer installMu.Unlock()
	var args []string
	for _, n := range names {
		if !installDone[n] {
			args = append(args, "--only", n)
		}
	}
	if len(args) > 0 {
		cmd := exec.Command("bash", append([]string{filepath.Join(Root, "hack", "install-tools.sh")}, args...)...)
		cmd.Dir = Root
		var out, errOut bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &errOut
		if err := cmd.Run(); err != nil {
			t.Fatalf("hack/install-tools.sh %s: %v\n%s", strings.Join(args, " "), err, errOut.String())
		}
		sc := bufio.NewScanner(&out)
		for sc.Scan() {
			if k, v, ok := strings.Cut(sc.Text(), "="); ok {
				installed[k] = v
			}
		}
		for _, n := range names {
			installDone[n] = true
		}
	}
	tools := map[string]string{}
	for k, v := range installed {
		for _, n := range names {
			if k == n || strings.HasPrefix(k, n+"/") || strings.HasPrefix(k, n+"-") {
				tools[k] = v
			}
		}
	}
	return tools
}

var (
	goToolMu    sync.Mutex
	goToolPaths = map[string]string{}
)

// GoTool returns the path of a tool pinned in tools/go.mod, building it on first use.
func GoTool(t testing.TB, name string) string {
	t.Helper()
	goToolMu.Lock()
	defer goToolMu.Unlock()
	if p, ok := goToolPaths[name]; ok {
		return p
	}
	cmd := exec.Command("go", "tool", "-n", "-modfile="+filepath.Join(Root, "tools", "go.mod"), name)
	cmd.Dir = Root
	out, err := cmd.Output()
	if err != nil {
		var stderr string
		if ee, ok := err.(*exec.ExitError); ok {
			stderr = string(ee.Stderr)
		}
		t.Fatalf("go tool -n %s: %v\n%s", name, err, stderr)
	}
	p := strings.TrimSpace(string(out))
	goToolPaths[name] = p
	return p
}

// SchemaDir returns kubeconform's schema folder for a Kubernetes minor version such as "1.35", and
// the full version it was made from, running hack/kube-schemas.sh (cached).
func SchemaDir(t testing.TB, minor string) (dir, version string) {
	t.Helper()
	cmd := exec.Command("bash", filepath.Join(Root, "hack", "kube-schemas.sh"), minor)
	cmd.Dir = Root
	var errOut bytes.Buffer
	cmd.Stderr = &errOut
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("hack/kube-schemas.sh %s: %v\n%s", minor, err, errOut.String())
	}
	dir = strings.TrimSpace(string(out))
	base := filepath.Base(dir) // v1.35.4-standalone-strict
	version = strings.TrimPrefix(strings.TrimSuffix(base, "-standalone-strict"), "v")
	return filepath.Dir(dir), version
}

// Result is one run of a checker: its two output streams and its exit status.
type Result struct {
	Stdout, Stderr string
	Code           int
}

// Exec runs a checker whose report is on stdout (JSON, say) and returns both streams apart and its
// exit status; it fails the test when the checker cannot be started at all.
func Exec(t testing.TB, dir, name string, args ...string) Result {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "NO_COLOR=1")
	stdout, stderr := outputFile(t), outputFile(t)
	cmd.Stdout, cmd.Stderr = stdout, stderr
	err := cmd.Run()
	res := Result{Stdout: readOutput(t, stdout), Stderr: readOutput(t, stderr)}
	if err != nil {
		ee, ok := err.(*exec.ExitError)
		if !ok {
			t.Fatalf("running %s: %v", name, err)
		}
		res.Code = ee.ExitCode()
	}
	return res
}

// Run runs a checker and returns its combined output and whether it exited 0.
func Run(t testing.TB, dir, name string, args ...string) (string, bool) {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "NO_COLOR=1")
	f := outputFile(t)
	cmd.Stdout, cmd.Stderr = f, f
	err := cmd.Run()
	out := readOutput(t, f)
	if err != nil {
		if _, ok := err.(*exec.ExitError); !ok {
			t.Fatalf("running %s: %v", name, err)
		}
		return out, false
	}
	return out, true
}

// outputFile takes a checker's output in place of a pipe: a Node tool (gitlab-ci-local, mermaid's
// CLI) exits before a pipe drains, which cut gitlab-ci-local's job list at 64 KiB.
func outputFile(t testing.TB) *os.File {
	t.Helper()
	f, err := os.CreateTemp(t.TempDir(), "output-*")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

func readOutput(t testing.TB, f *os.File) string {
	t.Helper()
	b, err := os.ReadFile(f.Name())
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TerraformProviders are the providers the generated modules require; hack/provider-schemas.sh builds
// each into the local filesystem mirror.
var TerraformProviders = []string{"aws", "azurerm", "google", "kubernetes", "random"}

// TerraformMirror returns the local provider mirror written by hack/provider-schemas.sh. Building it
// takes over an hour on two cores, so the suite never starts that build: when the mirror (or one of
// its providers) is missing the test is skipped with the command that builds it, unless
// GANTRY_REQUIRE_TF_MIRROR=1, which turns the skip into a failure (for machines that keep the mirror).
func TerraformMirror(t testing.TB) string {
	t.Helper()
	base := os.Getenv("XDG_CACHE_HOME")
	if base == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			t.Fatal(err)
		}
		base = filepath.Join(home, ".cache")
	}
	mirror := filepath.Join(base, "gantry-tools", "terraform-mirror")
	var missing []string
	for _, p := range TerraformProviders {
		if _, err := os.Stat(filepath.Join(mirror, "registry.terraform.io", "hashicorp", p)); err != nil {
			missing = append(missing, p)
		}
	}
	if len(missing) == 0 {
		return mirror
	}
	msg := fmt.Sprintf("no Terraform provider mirror for %s in %s: run `make provider-schemas` (about 80 minutes cold on 2 cores) to build it",
		strings.Join(missing, ", "), mirror)
	if os.Getenv("GANTRY_REQUIRE_TF_MIRROR") == "1" {
		t.Fatal(msg)
	}
	t.Skip(msg)
	panic("unreachable: t.Skip stops the test")
}
