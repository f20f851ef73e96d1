package schema

import (
	"bytes"
	"testing"

	"github.com/gantry-dev/gantry/blueprints"
	"github.com/gantry-dev/gantry/cmd/cli/cmdutil"
	"github.com/gantry-dev/gantry/cmd/cli/cmdutil/cmdtest"
)

// TestArgs: schema takes no argument and no flag of its own.
func TestArgs(t *testing.T) {
	if _, err := cmdtest.Parse(t, NewCmdSchema); err != nil {
		t.Errorf("schema: %v", err)
	}
	for _, args := range [][]string{{"extra"}, {"--format", "yaml"}} {
		if got, err := cmdtest.Parse(t, NewCmdSchema, args...); err == nil || got != nil {
			t.Errorf("schema %q: err %v, ran %v; want an error and no run", args, err, got != nil)
		}
	}
}

func TestRunPrintsTheSchema(t *testing.T) {
	var out bytes.Buffer
	if err := Run(&Options{IO: cmdutil.IOStreams{Out: &out}}); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(out.Bytes(), blueprints.JSONSchema()) {
		t.Error("schema printed something other than blueprints.JSONSchema()")
	}
}
