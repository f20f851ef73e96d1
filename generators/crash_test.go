package generators

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
)

// crashVersion is the tree a run writes in the crash tests: version 1 to start from, 2 for the run
// that is killed, 3 for the run after it (the blueprint changed again). Each version changes some
// files, adds some and drops some.
func crashVersion(v int) []File {
	var files []File
	for i := range 12 {
		if (v == 2 && i%5 == 0) || (v == 3 && i%4 == 1) {
			continue // no longer generated
		}
		content := "same\n"
		if i%3 != 0 {
			content = fmt.Sprintf("version %d of %d\n", v, i)
		}
		files = append(files, file(fmt.Sprintf("svc%d/f%d.yaml", i%3, i), content))
	}
	return files
}

// TestCrashHelper is the process the crash tests kill: it writes version 2 under GANTRY_CRASH_ROOT and
// sends itself SIGKILL at the GANTRY_CRASH_N-th time it reaches GANTRY_CRASH_AT.
func TestCrashHelper(t *testing.T) {
	root := os.Getenv("GANTRY_CRASH_ROOT")
	if root == "" {
		t.Skip("run by TestKillAnywhere")
	}
	at, n := os.Getenv("GANTRY_CRASH_AT"), os.Getenv("GANTRY_CRASH_N")
	want, _ := strconv.Atoi(n)
	var seen atomic.Int64
	crashPoint = func(name string) {
		if name == at && int(seen.Add(1)) == want {
			syscall.Kill(os.Getpid(), syscall.SIGKILL)
			select {} // the signal lands before the next write
		}
	}
	version := 2
	if v, err := strconv.Atoi(os.Getenv("GANTRY_CRASH_VERSION")); err == nil {
		version = v
	}
	files := crashVersion(version)
	if os.Getenv("GANTRY_CRASH_SPILL") != "" {
		// Every file's content waits in a spill, read back as each is written.
		s := &Spill{dir: root}
		s.keep(files)
		defer s.Close()
	}
	if _, err := Write(root, files, WriteOptions{}); err != nil {
		t.Fatal(err)
	}
	os.Exit(3) // the point was never reached
}

// kill runs version of the tree into root in a process that is killed at the n-th time it reaches at.
func kill(t *testing.T, root string, version int, at string, n int) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestCrashHelper$")
	cmd.Env = append(os.Environ(), "GANTRY_CRASH_ROOT="+root, "GANTRY_CRASH_AT="+at, "GANTRY_CRASH_N="+strconv.Itoa(n),
		"GANTRY_CRASH_VERSION="+strconv.Itoa(version))
	out, err := cmd.CombinedOutput()
	if ee, ok := err.(*exec.ExitError); !ok || ee.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
		t.Fatalf("the helper was not killed at %s#%d: %v\n%s", at, n, err, out)
	}
}

// TestKillTwice: a run killed after its first file landed, then the next run killed too before its
// first file's rename: the record of the second must still accept what the first left on disk, so a
// third run, with yet another input, finishes without blaming anyone (the review's double crash).
func TestKillTwice(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns processes")
	}
	for _, second := range []struct {
		at string
		n  int
	}{{"before-rename", 2}, {"after-intent", 1}, {"after-write", 1}} {
		t.Run(fmt.Sprintf("%s#%d", second.at, second.n), func(t *testing.T) {
			root := t.TempDir()
			if _, err := Write(root, crashVersion(1), WriteOptions{}); err != nil {
				t.Fatal(err)
			}
			kill(t, root, 2, "after-write", 1)
			kill(t, root, 3, second.at, second.n)
			next := crashVersion(3)
			for i := range next {
				next[i].Data = append(next[i].Data, "four\n"...)
			}
			if _, err := Write(root, next, WriteOptions{}); err != nil {
				t.Fatalf("the run after two kills: %v", err)
			}
			if d, err := Check(root, next, Scope{}); err != nil || !d.Empty() {
				t.Fatalf("not the new tree: %+v %v", d, err)
			}
		})
	}
}

// TestLockRootMadeLater: a run that locked the folder above a root that did not exist yet takes the
// root's own lock before writing; when another run got there first, it stops and writes nothing.
func TestLockRootMadeLater(t *testing.T) {
	root := filepath.Join(t.TempDir(), "deploy")
	plan, err := Prepare(root, []File{file("a.yaml", "1\n")}, WriteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer plan.Close()
	if err := os.Mkdir(root, 0o755); err != nil { // another run starts: the root is there now
		t.Fatal(err)
	}
	holdLock(t, root)
	if _, err := plan.Apply(); err == nil || !strings.Contains(err.Error(), "another gantry generate") {
		t.Fatalf("Apply under another run's lock: %v", err)
	}
	if _, err := os.Stat(filepath.Join(root, "a.yaml")); err == nil {
		t.Error("a file was written under another run's lock")
	}
}

// TestKillAnywhere kills a run with SIGKILL at every point of a write where it could land (before and
// after the record of the pending hashes, between a temporary file and its rename, after each file,
// after each removal, while the final record is renamed), then changes the input and runs again: the
// next run must never blame a person for Gantry's own interrupted write, must end with exactly the new
// tree, and must leave no temporary file.
func TestKillAnywhere(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns a process per kill point")
	}
	v1 := map[string]string{}
	for _, f := range crashVersion(1) {
		v1[f.Path] = string(f.Data)
	}
	todo, removals := 0, len(v1)
	for _, f := range crashVersion(2) {
		if old, ok := v1[f.Path]; ok {
			removals--
			if old == string(f.Data) {
				continue
			}
		}
		todo++
	}
	points := map[string]int{"before-intent": 1, "after-intent": 1, "after-files": 1,
		"before-rename": todo + 2, // every file, the record of pending hashes and the final record
		"after-write":   todo, "after-remove": removals}
	kills := 0
	for _, spill := range []string{"", "1"} {
		for at, max := range points {
			for n := 1; n <= max; n++ {
				name := fmt.Sprintf("%s#%d", at, n)
				if spill != "" {
					name += "/spilled"
				}
				t.Run(name, func(t *testing.T) {
					root := t.TempDir()
					if _, err := Write(root, crashVersion(1), WriteOptions{}); err != nil {
						t.Fatal(err)
					}
					cmd := exec.Command(os.Args[0], "-test.run=^TestCrashHelper$")
					cmd.Env = append(os.Environ(), "GANTRY_CRASH_ROOT="+root, "GANTRY_CRASH_AT="+at, "GANTRY_CRASH_N="+strconv.Itoa(n),
						"GANTRY_CRASH_SPILL="+spill)
					out, err := cmd.CombinedOutput()
					if ee, ok := err.(*exec.ExitError); !ok || ee.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
						t.Fatalf("the helper was not killed: %v\n%s", err, out)
					}
					kills++
					sum, err := Write(root, crashVersion(3), WriteOptions{})
					if err != nil {
						t.Fatalf("the run after the kill: %v", err)
					}
					d, err := Check(root, crashVersion(3), Scope{})
					if err != nil || !d.Empty() {
						t.Fatalf("after the next run the tree is not version 3: %+v %v", d, err)
					}
					m, _, err := readManifest(root, newSafeDirs(), nil)
					if err != nil {
						t.Fatal(err)
					}
					for p, e := range m.Files {
						if e.Pending != "" {
							t.Errorf("%s: a pending hash is left in the record", p)
						}
					}
					filepath.WalkDir(root, func(p string, de os.DirEntry, err error) error {
						if err == nil && strings.HasSuffix(p, ".gantry-tmp") {
							t.Errorf("temporary file left: %s (summary %v)", p, sum)
						}
						return nil
					})
				})
			}
		}
	}
	if kills < 30 {
		t.Errorf("only %d kill points were reached", kills)
	}
}

// TestCheckWaitsForAWrite: --check while another run writes would report that run's temporary files
// and half-written tree as drift: it refuses instead, naming why.
func TestCheckWaitsForAWrite(t *testing.T) {
	root := t.TempDir()
	if _, err := Write(root, []File{file("a.yaml", "1\n")}, WriteOptions{}); err != nil {
		t.Fatal(err)
	}
	release := holdLock(t, root) // another process's generate holds the root
	if _, err := Check(root, []File{file("a.yaml", "1\n")}, Scope{}); err == nil || !strings.Contains(err.Error(), "another gantry generate") {
		t.Fatalf("Check during a write: %v", err)
	}
	release()
	if d, err := Check(root, []File{file("a.yaml", "1\n")}, Scope{}); err != nil || !d.Empty() {
		t.Fatalf("Check after the write: %+v %v", d, err)
	}
}
