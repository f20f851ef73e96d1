package version

import (
	"bytes"
	"runtime"
	"strings"
	"testing"

	"github.com/gantry-dev/gantry/cmd/cli/cmdutil"
	"github.com/gantry-dev/gantry/cmd/cli/cmdutil/cmdtest"
)

// TestArgs: version takes no argument and no flag of its own.
func TestArgs(t *testing.T) {
	if _, err := cmdtest.Parse(t, NewCmdVersion); err != nil {
		t.Errorf("version: %v", err)
	}
	for _, args := range [][]string{{"extra"}, {"--short"}} {
		if got, err := cmdtest.Parse(t, NewCmdVersion, args...); err == nil || got != nil {
			t.Errorf("version %q: err %v, ran %v; want an error and no run", args, err, got != nil)
		}
	}
}

func TestRunPrintsTheBuildVersion(t *testing.T) {
	defer func(v string) { Version = v }(Version)
	Version = "v9.8.7"
	var out bytes.Buffer
	if err := Run(&Options{IO: cmdutil.IOStreams{Out: &out}}); err != nil {
		t.Fatal(err)
	}
	if want := "gantry v9.8.7 " + runtime.GOOS + "/" + runtime.GOARCH + " "; !strings.HasPrefix(out.String(), want) {
		t.Errorf("version printed %q, want it to start with %q", out.String(), want)
	}
}
