package migrate

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/gantry-dev/gantry/cmd/cli/cmdutil"
)

func TestMigrateCurrent(t *testing.T) {
	f := filepath.Join(t.TempDir(), "svc.yaml")
	data := []byte("apiVersion: gantry.dev/v1\nkind: Service\nmetadata:\n  name: svc\n")
	if err := os.WriteFile(f, data, 0o644); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := Run(&Options{IO: cmdutil.IOStreams{Out: &out}, Files: []string{f}}); err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(f); !bytes.Equal(got, data) || out.String() != f+": already gantry.dev/v1\n" {
		t.Errorf("%q, %q", got, out.String())
	}
}
