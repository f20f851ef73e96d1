package initcmd

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/gantry-dev/gantry/cmd/cli/cmdutil"
)

func TestRunDirectlyWritesBothFiles(t *testing.T) {
	dir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, ".git"), 0o755); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	opts := &Options{IO: cmdutil.IOStreams{Out: &out}, Name: "api", ServiceFlags: cmdutil.ServiceFlags{Team: "core", Runtime: "go", Type: "web", Port: 8080},
		Dir: filepath.Join(dir, "blueprints")}
	if err := opts.check(); err != nil {
		t.Fatal(err)
	}
	if err := Run(opts); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"api.yaml", "platform.yaml"} {
		if _, err := os.Stat(filepath.Join(opts.Dir, f)); err != nil {
			t.Errorf("%s not written: %v", f, err)
		}
	}
}
