package generate

import (
	"reflect"
	"testing"

	"github.com/gantry-dev/gantry/cmd/cli/cmdutil/cmdtest"
	"github.com/gantry-dev/gantry/generators/output"
)

// TestFlags: the command line becomes these Options (IO aside), through the runF seam.
func TestFlags(t *testing.T) {
	def := output.DefaultOutput
	for _, tc := range []struct {
		args []string
		want Options
	}{
		{nil, Options{Options: output.Options{Paths: []string{}, Output: def}}},
		{[]string{"blueprints/examples", "-o", "deploy"}, Options{Options: output.Options{Paths: []string{"blueprints/examples"}, Output: "deploy"}}},
		{[]string{"--output=out", "--repo", "..", "--platform", "p.yaml", "a.yaml", "b.yaml"},
			Options{Options: output.Options{Paths: []string{"a.yaml", "b.yaml"}, Output: "out", Repo: "..", Platform: "p.yaml"}}},
		{[]string{"--check", "--diff"}, Options{Options: output.Options{Paths: []string{}, Output: def, Check: true}, Diff: true}},
		{[]string{"--force", "--quiet"}, Options{Options: output.Options{Paths: []string{}, Output: def, Force: true}, Quiet: true}},
		{[]string{"--json"}, Options{Options: output.Options{Paths: []string{}, Output: def}, JSON: true}},
		{[]string{"--recorded", "-o", "deploy"}, Options{Options: output.Options{Paths: []string{}, Output: "deploy", Recorded: true}}},
		// --only takes a list, as one flag or several.
		{[]string{"--only", "kubernetes,ci", "--only", "docker", "--env", "prod"},
			Options{Options: output.Options{Paths: []string{}, Output: def, Only: []string{"kubernetes", "ci", "docker"}, Env: "prod"}}},
	} {
		got, err := cmdtest.Parse(t, NewCmdGenerate, tc.args...)
		if err != nil {
			t.Errorf("generate %q: %v", tc.args, err)
			continue
		}
		got.IO = tc.want.IO
		if !reflect.DeepEqual(*got, tc.want) {
			t.Errorf("generate %q:\n got %+v\nwant %+v", tc.args, *got, tc.want)
		}
	}
}

// TestFlagErrors: a wrong command line is refused before anything is generated; the command's own
// checks are usage errors (exit 2).
func TestFlagErrors(t *testing.T) {
	for _, tc := range []struct {
		args      []string
		flagError bool // a cmdutil.FlagError made by the command, not by the flag parser
	}{
		{[]string{"-o", ""}, true},
		{[]string{"--only", "helm"}, true},
		{[]string{"--only", "kubernetes,Kubernetes"}, true},
		{[]string{"--diff"}, true}, // --diff goes with --check
		{[]string{"--quiet", "--json"}, true},
		{[]string{"--recorded", "blueprints"}, true}, // --recorded loads what the record names
		{[]string{"-o"}, false},
		{[]string{"--check=sometimes"}, false},
		{[]string{"--dry-run"}, false},
	} {
		got, err := cmdtest.Parse(t, NewCmdGenerate, tc.args...)
		if err == nil || got != nil {
			t.Errorf("generate %q: err %v, ran %v; want an error and no run", tc.args, err, got != nil)
			continue
		}
		if cmdtest.IsFlagError(err) != tc.flagError {
			t.Errorf("generate %q: %v (a FlagError: %v, want %v)", tc.args, err, cmdtest.IsFlagError(err), tc.flagError)
		}
	}
}
