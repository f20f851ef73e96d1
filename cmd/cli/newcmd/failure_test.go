package newcmd

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/gantry-dev/gantry/cmd/cli/cmdutil"
)

// TestFailureLeavesNothing: a failure after everything is staged leaves no staging folder, no folder
// it made on the way (--dir a/b/c), and an existing empty target empty.
func TestFailureLeavesNothing(t *testing.T) {
	afterStage = func() error { return errors.New("injected") }
	defer func() { afterStage = nil }()
	for _, tc := range []struct {
		name string
		dir  string // under the base folder
		make bool   // the target exists, empty
	}{
		{"new nested folder", "a/b/c", false},
		{"existing empty folder", "empty", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			base := t.TempDir()
			dir := filepath.Join(base, filepath.FromSlash(tc.dir))
			if tc.make {
				os.Mkdir(dir, 0o755)
			}
			var out, errOut bytes.Buffer
			err := Run(&Options{IO: cmdutil.IOStreams{Out: &out, ErrOut: &errOut}, Name: "api",
				ServiceFlags: cmdutil.ServiceFlags{Team: "api", Runtime: "go", Type: "web", Port: 8080}, CI: "github", Dir: dir, NoGit: true})
			if err == nil || err.Error() != "injected" {
				t.Fatalf("err = %v", err)
			}
			entries, _ := os.ReadDir(base)
			switch {
			case tc.make && (len(entries) != 1 || entries[0].Name() != "empty"):
				t.Errorf("base holds %v", entries)
			case !tc.make && len(entries) != 0:
				t.Errorf("left behind: %v", entries)
			}
			if tc.make {
				if inside, _ := os.ReadDir(dir); len(inside) != 0 {
					t.Errorf("the empty target now holds %v", inside)
				}
			}
		})
	}
}

// TestRenameNoReplace: moving into an existing folder never replaces a file that appeared there.
func TestRenameNoReplace(t *testing.T) {
	dir := t.TempDir()
	from, to := filepath.Join(dir, "from"), filepath.Join(dir, "to")
	os.WriteFile(from, []byte("new"), 0o644)
	os.WriteFile(to, []byte("mine"), 0o644)
	if err := renameNoReplace(from, to); err == nil {
		t.Fatal("renamed over an existing file")
	}
	if data, _ := os.ReadFile(to); string(data) != "mine" {
		t.Errorf("the file was replaced: %q", data)
	}
}
