// Package cmdtest runs a command's flag parsing alone, through the runF seam every NewCmdX takes, so
// a test sees the Options the command line became without running the command.
package cmdtest

import (
	"bytes"
	"errors"
	"testing"

	"github.com/spf13/cobra"

	"github.com/gantry-dev/gantry/cmd/cli/cmdutil"
)

// Parse builds the command with newCmd, runs it with args and returns the Options it would have run
// with (nil when it stopped before running) and its error. Nothing is printed.
func Parse[O any](t testing.TB, newCmd func(cmdutil.IOStreams, func(*O) error) *cobra.Command, args ...string) (*O, error) {
	t.Helper()
	var got *O
	var out, errOut bytes.Buffer
	cmd := newCmd(cmdutil.IOStreams{In: &bytes.Buffer{}, Out: &out, ErrOut: &errOut}, func(o *O) error {
		got = o
		return nil
	})
	cmd.SetArgs(args)
	cmd.SetOut(&out)
	cmd.SetErr(&errOut)
	cmd.SilenceUsage, cmd.SilenceErrors = true, true
	err := cmd.Execute()
	if err == nil && got == nil {
		t.Fatalf("%s %q: no error, yet the command did not run", cmd.Name(), args)
	}
	return got, err
}

// IsFlagError reports whether err is a usage error (exit 2) made by the command itself.
func IsFlagError(err error) bool {
	var fe *cmdutil.FlagError
	return errors.As(err, &fe)
}
