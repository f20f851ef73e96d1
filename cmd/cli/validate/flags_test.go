package validate

import (
	"reflect"
	"testing"

	"github.com/gantry-dev/gantry/cmd/cli/cmdutil/cmdtest"
)

// TestFlags: the command line becomes these Options (IO aside), through the runF seam.
func TestFlags(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want Options
	}{
		{nil, Options{Paths: []string{}, Format: "text"}},
		{[]string{"a.yaml", "dir"}, Options{Paths: []string{"a.yaml", "dir"}, Format: "text"}},
		{[]string{"--platform", "p.yaml", "--format", "json", "--strict", "x"},
			Options{Paths: []string{"x"}, Platform: "p.yaml", Format: "json", Strict: true}},
		{[]string{"--format=github"}, Options{Paths: []string{}, Format: "github"}},
		{[]string{"--print", "--env", "prod", "x"}, Options{Paths: []string{"x"}, Format: "text", Print: true, Env: "prod"}},
		{[]string{"--print"}, Options{Paths: []string{}, Format: "text", Print: true}},
	} {
		got, err := cmdtest.Parse(t, NewCmdValidate, tc.args...)
		if err != nil {
			t.Errorf("validate %q: %v", tc.args, err)
			continue
		}
		got.IO = tc.want.IO
		if !reflect.DeepEqual(*got, tc.want) {
			t.Errorf("validate %q:\n got %+v\nwant %+v", tc.args, *got, tc.want)
		}
	}
}

// TestFlagErrors: a wrong command line is refused before anything runs; the command's own checks
// are usage errors (exit 2).
func TestFlagErrors(t *testing.T) {
	for _, tc := range []struct {
		args      []string
		flagError bool // a cmdutil.FlagError made by the command, not by the flag parser
	}{
		{[]string{"--format", "xml"}, true},
		{[]string{"--format", "JSON"}, true},
		{[]string{"--env", "prod"}, true}, // --env goes with --print
		{[]string{"--strict=maybe"}, false},
		{[]string{"--prnt"}, false},
		{[]string{"--env"}, false},
	} {
		got, err := cmdtest.Parse(t, NewCmdValidate, tc.args...)
		if err == nil || got != nil {
			t.Errorf("validate %q: err %v, ran %v; want an error and no run", tc.args, err, got != nil)
			continue
		}
		if cmdtest.IsFlagError(err) != tc.flagError {
			t.Errorf("validate %q: %v (a FlagError: %v, want %v)", tc.args, err, cmdtest.IsFlagError(err), tc.flagError)
		}
	}
}
