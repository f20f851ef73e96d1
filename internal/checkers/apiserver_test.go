package checkers

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestAPIServer(t *testing.T) {
	s := StartAPIServer(t)
	if s2 := StartAPIServer(t); s2 != s {
		t.Fatal("a second StartAPIServer started another server")
	}
	s.InstallCRDs(t)
	out, err := s.Kubectl(t, "get", "crd", "serviceentries.networking.istio.io", "-o", "name")
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	// An invalid object must come back as an error, not pass silently.
	bad := []byte("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: Not_Valid\n  namespace: default\n")
	out, err = s.KubectlInput(t, bad, "apply", "--server-side", "--dry-run=server", "-f", "-")
	if err == nil || !strings.Contains(out, "Invalid value") {
		t.Errorf("dry run of an invalid name: err %v, output:\n%s", err, out)
	}
}

// helperEnv makes the test binary act as a test process that starts a supervised command, see
// TestSupervisorOutlivesBinary.
const helperEnv = "GANTRY_SUPERVISOR_HELPER_DIR"

func TestSupervisorHelper(t *testing.T) {
	dir := os.Getenv(helperEnv)
	if dir == "" {
		return // only run as TestSupervisorOutlivesBinary's child
	}
	if _, err := startSupervised("sleeper", dir, dir, "sh", "-c", `echo $$ >"$0/pid"; exec sleep 1000`, dir); err != nil {
		t.Fatal(err)
	}
	waitFor(t, func() bool { _, err := os.Stat(filepath.Join(dir, "pid")); return err == nil })
	panic("the test binary dies without stopping what it started")
}

// TestSupervisorOutlivesBinary: when a test binary panics, the supervisor still stops the command and
// removes its folder.
func TestSupervisorOutlivesBinary(t *testing.T) {
	dir := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^TestSupervisorHelper$")
	cmd.Env = append(os.Environ(), helperEnv+"="+dir)
	if out, err := cmd.CombinedOutput(); err == nil || !strings.Contains(string(out), "dies without stopping") {
		t.Fatalf("helper did not panic: %v\n%s", err, out)
	}
	// The folder is removed after the command is killed, so its absence proves both.
	waitFor(t, func() bool { _, err := os.Stat(dir); return errors.Is(err, os.ErrNotExist) })
}

func TestSupervisorStop(t *testing.T) {
	dir := t.TempDir()
	p, err := startSupervised("sleeper", dir, "", "sh", "-c", `echo $$ >"$0/pid"; exec sleep 1000`, dir)
	if err != nil {
		t.Fatal(err)
	}
	var pid int
	waitFor(t, func() bool {
		data, err := os.ReadFile(filepath.Join(dir, "pid"))
		pid, _ = strconv.Atoi(strings.TrimSpace(string(data)))
		return err == nil && pid > 0
	})
	if err := p.stop(); err != nil {
		t.Fatal(err)
	}
	if proc, err := os.FindProcess(pid); err == nil && proc.Signal(syscall.Signal(0)) == nil {
		t.Errorf("the supervised process %d still runs after stop", pid)
	}
}

func TestSupervisorReportsExit(t *testing.T) {
	dir := t.TempDir()
	p, err := startSupervised("failer", dir, "", "sh", "-c", "echo boom >&2; exit 3")
	if err != nil {
		t.Fatal(err)
	}
	select {
	case <-p.done:
	case <-time.After(10 * time.Second):
		t.Fatal("the supervisor did not exit with its command")
	}
	var ee *exec.ExitError
	if !errors.As(p.err, &ee) || ee.ExitCode() != 3 {
		t.Errorf("exit status: %v, want 3", p.err)
	}
	if tail := p.tail(5); !strings.Contains(tail, "boom") {
		t.Errorf("log tail lacks the command's output: %s", tail)
	}
	if err := p.stop(); err != nil {
		t.Error(err)
	}
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(15 * time.Second); !cond(); time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("condition not met within 15s")
		}
	}
}
