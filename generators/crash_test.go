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
	if _, err := Write(root, crashVersion(2), WriteOptions{}); err != nil {
		t.Fatal(err)
	}
	os.Exit(3) // the point was never reached
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
	for at, max := range points {
		for n := 1; n <= max; n++ {
			t.Run(fmt.Sprintf("%s#%d", at, n), func(t *testing.T) {
				root := t.TempDir()
				if _, err := Write(root, crashVersion(1), WriteOptions{}); err != nil {
					t.Fatal(err)
				}
				cmd := exec.Command(os.Args[0], "-test.run=^TestCrashHelper$")
				cmd.Env = append(os.Environ(), "GANTRY_CRASH_ROOT="+root, "GANTRY_CRASH_AT="+at, "GANTRY_CRASH_N="+strconv.Itoa(n))
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
				m, _, err := readManifest(root, safeDirs{})
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
	if kills < 15 {
		t.Errorf("only %d kill points were reached", kills)
	}
}
