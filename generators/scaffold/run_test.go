package scaffold_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/gantry-dev/gantry/blueprints"
	"github.com/gantry-dev/gantry/cmd/cli/cmdutil"
	"github.com/gantry-dev/gantry/cmd/cli/newcmd"
	"github.com/gantry-dev/gantry/generators/ci"
	"github.com/gantry-dev/gantry/generators/scaffold"
	"github.com/gantry-dev/gantry/internal/checkers"
)

// gracePeriod is the pods' terminationGracePeriodSeconds: a service must exit within it after SIGTERM.
const gracePeriod = 30 * time.Second

// runID is the numeric user the containers run as; as root, the tests run the service as it too, so
// that the tree it runs from is read-only to it, as the root filesystem is in the pod.
const runID = 65532

// runtimeSpec is how a runtime's skeleton is built the way its Dockerfile builds it, and started the way
// its Dockerfile's ENTRYPOINT starts it.
type runtimeSpec struct {
	tools []string                                     // on PATH, or the runtime is skipped
	check func() string                                // why the toolchain here cannot build it ("": it can)
	build func(t *testing.T, src, out string)          // build into out, outside the source tree
	start func(t *testing.T, src, out string) []string // the command line, run in src
}

var specs = map[string]runtimeSpec{
	"go": {
		tools: []string{"go"},
		build: func(t *testing.T, src, out string) {
			sh(t, src, nil, `CGO_ENABLED=0 go build -trimpath -o "$OUT/app" .`, "OUT="+out)
		},
		start: func(_ *testing.T, _, out string) []string { return []string{filepath.Join(out, "app")} },
	},
	"node": {
		tools: []string{"node", "npm"},
		start: func(t *testing.T, _, _ string) []string { return []string{lookFor(t, "node", "node"), "server.js"} },
	},
	"python": {
		tools: []string{"python", "python3"}, // CI's steps say python, the image's entry point python3
		check: func() string { // the skeleton uses logging.getLevelNamesMapping (3.11)
			if err := exec.Command("python", "-c", "import sys; sys.exit(sys.version_info < (3, 11))").Run(); err != nil {
				return "python is older than 3.11, the skeleton's minimum (CI uses 3.12)"
			}
			return ""
		},
		start: func(t *testing.T, _, _ string) []string { return []string{lookFor(t, "python", "python3"), "main.py"} },
	},
	"java": {
		tools: []string{"javac", "jar", "java"},
		build: func(t *testing.T, src, out string) {
			sh(t, src, nil, `javac -d "$OUT/classes" $(find src/main/java -name '*.java') && jar --create --file "$OUT/app.jar" --main-class Main -C "$OUT/classes" .`, "OUT="+out)
		},
		start: func(t *testing.T, _, out string) []string {
			return []string{lookFor(t, "java", "java"), "-XX:MaxRAMPercentage=75", "-jar", filepath.Join(out, "app.jar")}
		},
	},
	"rust": {
		tools: []string{"cargo"},
		// The skeleton needs Rust 1.82 (unsafe extern blocks; Cargo.lock version 4): Debian bookworm's
		// cargo is 1.63, so a machine with only that skips it.
		check: func() string {
			out, err := exec.Command("cargo", "--version").Output()
			var major, minor int
			if _, scanErr := fmt.Sscanf(string(out), "cargo %d.%d", &major, &minor); err != nil || scanErr != nil {
				return fmt.Sprintf("cargo --version: %v %v", err, scanErr)
			}
			if major == 1 && minor < 82 {
				return fmt.Sprintf("cargo %d.%d is older than 1.82, the skeleton's minimum (CI uses 1.98)", major, minor)
			}
			return ""
		},
		build: func(t *testing.T, src, out string) {
			sh(t, src, nil, `cargo build --release --locked --target-dir "$OUT/target" && cp "$OUT/target/release/$NAME" "$OUT/app"`, "OUT="+out, "NAME="+filepath.Base(src))
		},
		start: func(_ *testing.T, _, out string) []string { return []string{filepath.Join(out, "app")} },
	},
	"dotnet": {
		tools: []string{"dotnet"},
		build: func(t *testing.T, src, out string) {
			sh(t, src, nil, `dotnet publish "$NAME.csproj" -c Release -o "$OUT/app"`, "OUT="+out, "NAME="+filepath.Base(src))
		},
		start: func(t *testing.T, src, out string) []string {
			return []string{lookFor(t, "dotnet", "dotnet"), filepath.Join(out, "app", filepath.Base(src)+".dll")}
		},
	},
	"static": {
		tools: []string{"go"},
		// The Dockerfile compiles its file server from the Go program it carries; so does the test.
		build: func(t *testing.T, src, out string) {
			df, err := os.ReadFile(filepath.Join(src, "Dockerfile"))
			if err != nil {
				t.Fatal(err)
			}
			_, rest, ok := bytes.Cut(df, []byte("<<'GO' /src/main.go\n"))
			prog, _, ok2 := bytes.Cut(rest, []byte("\nGO\n"))
			if !ok || !ok2 {
				t.Fatal("the static Dockerfile carries no Go program")
			}
			dir := filepath.Join(out, "server")
			os.MkdirAll(dir, 0o755)
			if err := os.WriteFile(filepath.Join(dir, "main.go"), append(prog, '\n'), 0o644); err != nil {
				t.Fatal(err)
			}
			sh(t, dir, nil, `go mod init static >/dev/null 2>&1 && go vet . && CGO_ENABLED=0 go build -trimpath -o "$OUT/app" .`, "OUT="+out)
		},
		start: func(_ *testing.T, _, out string) []string { return []string{filepath.Join(out, "app")} },
	},
}

// lookFor finds a tool of runtime rt that the service user can run: as root, a tool under /root (pyenv,
// rustup) is out of reach of user 65532, so the system's copy is preferred. Without one, rt is skipped
// unless GANTRY_REQUIRE_RUNTIMES names it.
func lookFor(t *testing.T, rt, name string) string {
	t.Helper()
	candidates := []string{}
	if p, err := exec.LookPath(name); err == nil {
		candidates = append(candidates, p)
	}
	candidates = append(candidates, "/usr/bin/"+name, "/usr/local/bin/"+name)
	for _, c := range candidates {
		if os.Geteuid() != 0 || reachable(c) {
			return c
		}
	}
	skipOrRequire(t, rt, fmt.Sprintf("no %s that user %d can run", name, runID))
	return ""
}

// reachable reports whether every folder above p is searchable by others and p is executable by them.
func reachable(p string) bool {
	real, err := filepath.EvalSymlinks(p)
	if err != nil {
		return false
	}
	st, err := os.Stat(real)
	if err != nil || st.Mode().Perm()&0o001 == 0 {
		return false
	}
	for d := filepath.Dir(real); ; d = filepath.Dir(d) {
		st, err := os.Stat(d)
		if err != nil || st.Mode().Perm()&0o001 == 0 {
			return false
		}
		if filepath.Dir(d) == d {
			return true
		}
	}
}

// sh runs a shell script as CI does (sh -e), in dir, failing the test with its output.
func sh(t *testing.T, dir string, env []string, script string, extra ...string) {
	t.Helper()
	cmd := exec.Command("sh", "-e", "-c", script)
	cmd.Dir = dir
	cmd.Env = append(append(os.Environ(), env...), extra...)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("in %s: %s\n%v\n%s", dir, script, err, out)
	}
}

// newScaffold runs `gantry new` into a fresh folder that user 65532 can reach, and returns the folder.
func newScaffold(t *testing.T, o newcmd.Options) string {
	t.Helper()
	base, err := os.MkdirTemp("", "gantry-new-*")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		filepath.WalkDir(base, func(p string, d fs.DirEntry, err error) error {
			if err == nil && d.IsDir() {
				os.Chmod(p, 0o755) // undo the read-only run, so the folder can be removed
			}
			return nil
		})
		os.RemoveAll(base)
	})
	if err := os.Chmod(base, 0o755); err != nil {
		t.Fatal(err)
	}
	var out, errOut bytes.Buffer
	o.IO = cmdutil.IOStreams{Out: &out, ErrOut: &errOut}
	o.Dir = filepath.Join(base, o.Name)
	o.NoGit = true
	if o.Team == "" {
		o.Team = "demo"
	}
	if o.CI == "" {
		o.CI = "github"
	}
	if err := newcmd.Run(&o); err != nil {
		t.Fatalf("gantry new: %v\n%s", err, errOut.String())
	}
	return o.Dir
}

// TestSkeletons builds each runtime's skeleton for each type with the runtime's own tools, runs the CI
// pipeline's lint and test steps on it (all but the ones that need the network), then runs it as the
// pod does: as a non-root user, from a read-only tree, with the manifests' environment. A web service
// must become ready, serve its probes and metrics, turn unready on SIGTERM and exit 0 within the grace
// period; a worker must serve metrics and its liveness probe and exit 0 on SIGTERM; a cron job or job
// must exit 0 by itself.
func TestSkeletons(t *testing.T) {
	checkers.Installed(t, "runtimes") // Java, Python and Node from Debian where they are missing
	for _, rt := range blueprints.Runtimes {
		t.Run(rt, func(t *testing.T) {
			spec := specs[rt]
			for _, tool := range spec.tools {
				if _, err := exec.LookPath(tool); err != nil {
					skipOrRequire(t, rt, fmt.Sprintf("%s is not installed: the %s skeleton is not built here", tool, rt))
				}
			}
			if spec.check != nil {
				if why := spec.check(); why != "" {
					skipOrRequire(t, rt, why)
				}
			}
			for _, typ := range types(rt) {
				t.Run(typ, func(t *testing.T) {
					t.Parallel() // a run is mostly waiting: for readiness, the drain, the exit
					if testing.Short() && typ != "web" {
						t.Skip("-short: web only")
					}
					dir := newScaffold(t, newcmd.Options{Name: "demo-" + typ, ServiceFlags: cmdutil.ServiceFlags{Runtime: rt, Type: typ, Port: 8080}})
					src := filepath.Join(dir, scaffold.Source("demo-"+typ))
					for _, step := range ci.Steps(rt) {
						if !step.Network {
							sh(t, src, nil, step.Run)
						}
					}
					out := filepath.Join(filepath.Dir(dir), "out")
					if err := os.MkdirAll(out, 0o755); err != nil {
						t.Fatal(err)
					}
					if spec.build != nil {
						spec.build(t, src, out)
					}
					runService(t, typ, src, spec.start(t, src, out))
				})
			}
		})
	}
}

// skipOrRequire skips a runtime the machine cannot build, unless GANTRY_REQUIRE_RUNTIMES names it
// (a machine that must check it: GANTRY_REQUIRE_RUNTIMES=dotnet,rust).
func skipOrRequire(t *testing.T, rt, why string) {
	t.Helper()
	if slices.Contains(strings.Split(os.Getenv("GANTRY_REQUIRE_RUNTIMES"), ","), rt) {
		t.Fatalf("%s, and GANTRY_REQUIRE_RUNTIMES requires it", why)
	}
	t.Skipf("%s (GANTRY_REQUIRE_RUNTIMES=%s makes this a failure)", why, rt)
}

// runService starts the service and checks its behaviour for its type.
func runService(t *testing.T, typ, src string, argv []string) {
	t.Helper()
	before := snapshot(t, src)
	readOnly(t, src)
	tmp, err := os.MkdirTemp("", "gantry-tmp-*") // the pod's /tmp
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(tmp)
	secrets := filepath.Join(tmp, "secrets")
	os.MkdirAll(secrets, 0o755)
	os.WriteFile(filepath.Join(secrets, "API_KEY"), []byte("not-a-real-key\n"), 0o444)
	port, metrics := freePort(t), freePort(t)
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Dir = src
	cmd.Env = []string{
		"PATH=/usr/local/bin:/usr/bin:/bin", "HOME=" + tmp, "TMPDIR=" + tmp,
		"SERVICE_NAME=demo", "CONFIDENTIAL_DIR=" + secrets, "LOG_LEVEL=info",
		"PORT=" + port, "METRICS_PORT=" + metrics,
		"DRAIN_SECONDS=2", "WORK_INTERVAL_SECONDS=1", "LIVENESS_STALE_SECONDS=3", "SITE_DIR=" + filepath.Join(src, "public"),
		"PYTHONDONTWRITEBYTECODE=1", "PYTHONUNBUFFERED=1", "NODE_ENV=production", "DOTNET_EnableDiagnostics=0",
	}
	if os.Geteuid() == 0 {
		if err := os.Chown(tmp, runID, runID); err != nil {
			t.Fatal(err)
		}
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: runID, Gid: runID}}
	}
	var stdout, stderr syncBuffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	defer cmd.Process.Kill()
	fail := func(format string, args ...any) {
		t.Helper()
		t.Fatalf("%s\nstdout:\n%s\nstderr:\n%s", fmt.Sprintf(format, args...), stdout.String(), stderr.String())
	}
	base := "http://127.0.0.1:" + port
	switch typ {
	case "web":
		waitFor(t, done, fail, base+"/startupz")
		waitFor(t, done, fail, base+"/readyz")
		for _, u := range []string{base + "/livez", base + "/"} {
			if code := status(u); code != http.StatusOK {
				fail("GET %s = %d, want 200", u, code)
			}
		}
	case "worker":
		waitFor(t, done, fail, "http://127.0.0.1:"+metrics+"/metrics")
		// The worker works: its round counter moves (WORK_INTERVAL_SECONDS=1).
		rounds := regexp.MustCompile(`(?m)^work_rounds_total ([1-9][0-9]*)$`)
		for deadline := time.Now().Add(5 * time.Second); !rounds.MatchString(get(t, "http://127.0.0.1:"+metrics+"/metrics")); {
			if time.Now().After(deadline) {
				fail("work_rounds_total stayed 0 for 5s")
			}
			time.Sleep(200 * time.Millisecond)
		}
		// Its liveness probe (the blueprint's health.liveness, on the metrics port) passes, and keeps
		// passing past LIVENESS_STALE_SECONDS=3: the work loop's heartbeat keeps it fresh.
		for deadline := time.Now().Add(3500 * time.Millisecond); time.Now().Before(deadline); {
			if code := status("http://127.0.0.1:" + metrics + "/livez"); code != http.StatusOK {
				fail("GET /livez on the metrics port = %d, want 200", code)
			}
			time.Sleep(250 * time.Millisecond)
		}
	}
	if typ == "web" || typ == "worker" {
		body := get(t, "http://127.0.0.1:"+metrics+"/metrics")
		if !strings.Contains(body, "# TYPE ") {
			fail("metrics are not in Prometheus's text format:\n%s", body)
		}
		if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
			t.Fatal(err)
		}
	}
	if typ == "web" {
		// Readiness turns false while the service drains (DRAIN_SECONDS=2), before it exits.
		unready := false
		for deadline := time.Now().Add(1500 * time.Millisecond); time.Now().Before(deadline) && !unready; {
			unready = status(base+"/readyz") == http.StatusServiceUnavailable
			time.Sleep(50 * time.Millisecond)
		}
		if !unready {
			fail("/readyz did not turn 503 after SIGTERM")
		}
	}
	select {
	case err := <-done:
		if err != nil {
			fail("exit: %v, want 0", err)
		}
	case <-time.After(gracePeriod):
		fail("still running %s after SIGTERM (the grace period)", gracePeriod)
	}
	checkLogs(t, stdout.String())
	if after := snapshot(t, src); after != before {
		t.Errorf("the service changed its source tree (the root filesystem is read-only in the pod)")
	}
}

// checkLogs: every line on stdout is a JSON object.
func checkLogs(t *testing.T, out string) {
	t.Helper()
	lines := 0
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		if strings.TrimSpace(sc.Text()) == "" {
			continue
		}
		lines++
		var v map[string]any
		if err := json.Unmarshal(sc.Bytes(), &v); err != nil {
			t.Errorf("log line is not a JSON object: %q", sc.Text())
		}
	}
	if lines == 0 {
		t.Error("nothing was logged on stdout")
	}
}

func waitFor(t *testing.T, done chan error, fail func(string, ...any), url string) {
	t.Helper()
	for deadline := time.Now().Add(60 * time.Second); time.Now().Before(deadline); {
		select {
		case err := <-done:
			fail("exited before %s answered: %v", url, err)
		default:
		}
		if status(url) == http.StatusOK {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	fail("%s did not answer 200 within 60s", url)
}

var client = &http.Client{Timeout: 2 * time.Second}

func status(url string) int {
	resp, err := client.Get(url)
	if err != nil {
		return 0
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}

func get(t *testing.T, url string) string {
	t.Helper()
	resp, err := client.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s = %d", url, resp.StatusCode)
	}
	return string(b)
}

var (
	portsMu sync.Mutex
	given   = map[int]bool{} // ports handed out in this process: parallel runs never share one
)

// freePort returns a port that was free a moment ago and that no other run of this process got. The
// kernel hands out ephemeral ports in turn, so it is not reused soon by the tests' own connections.
func freePort(t *testing.T) string {
	t.Helper()
	portsMu.Lock()
	defer portsMu.Unlock()
	for range 100 {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		port := ln.Addr().(*net.TCPAddr).Port
		ln.Close()
		if !given[port] {
			given[port] = true
			return strconv.Itoa(port)
		}
	}
	t.Fatal("no free port")
	return ""
}

// readOnly removes write permission from the tree: as user 65532 (under root) or as the owner, the
// service cannot write into it.
func readOnly(t *testing.T, dir string) {
	t.Helper()
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		return os.Chmod(p, info.Mode().Perm()&^0o222)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// snapshot is the tree's file names, sizes and modification times.
func snapshot(t *testing.T, dir string) string {
	t.Helper()
	var b strings.Builder
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		info, err := d.Info()
		if err == nil {
			fmt.Fprintf(&b, "%s %d %d\n", p, info.Size(), info.ModTime().UnixNano())
		}
		return nil
	})
	return b.String()
}
