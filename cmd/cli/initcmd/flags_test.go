package initcmd

import (
	"reflect"
	"testing"

	"github.com/gantry-dev/gantry/blueprints"
	"github.com/gantry-dev/gantry/cmd/cli/cmdutil"
	"github.com/gantry-dev/gantry/cmd/cli/cmdutil/cmdtest"
)

// TestFlags: the command line becomes these Options (IO aside), through the runF seam.
func TestFlags(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want Options
	}{
		// The team defaults to the service's name.
		{[]string{"pay"}, Options{Name: "pay", ServiceFlags: cmdutil.ServiceFlags{Team: "pay", Runtime: "go", Type: "web", Port: 8080}, Dir: blueprints.DefaultDir}},
		{[]string{"notifier", "--runtime", "python", "--type", "worker", "--team", "comms", "--port", "9000", "--dir", "bp"},
			Options{Name: "notifier", ServiceFlags: cmdutil.ServiceFlags{Team: "comms", Runtime: "python", Type: "worker", Port: 9000}, Dir: "bp"}},
		// A port is not checked for a service that serves none.
		{[]string{"nightly", "--type=cron", "--port=1"}, Options{Name: "nightly", ServiceFlags: cmdutil.ServiceFlags{Team: "nightly", Runtime: "go", Type: "cron", Port: 1}, Dir: blueprints.DefaultDir}},
	} {
		got, err := cmdtest.Parse(t, NewCmdInit, tc.args...)
		if err != nil {
			t.Errorf("init %q: %v", tc.args, err)
			continue
		}
		got.IO = tc.want.IO
		if !reflect.DeepEqual(*got, tc.want) {
			t.Errorf("init %q:\n got %+v\nwant %+v", tc.args, *got, tc.want)
		}
	}
}

// TestFlagErrors: a wrong command line is refused before anything is written; the command's own
// checks are usage errors (exit 2).
func TestFlagErrors(t *testing.T) {
	for _, tc := range []struct {
		args      []string
		flagError bool // a cmdutil.FlagError made by the command, not by the flag parser
	}{
		{nil, true},                  // no name
		{[]string{"a", "b"}, true},   // two names
		{[]string{"Pay"}, true},      // not a DNS label
		{[]string{"platform"}, true}, // would be platform.yaml
		{[]string{"pay", "--team", "A_B"}, true},
		{[]string{"pay", "--runtime", "cobol"}, true},
		{[]string{"pay", "--type", "daemon"}, true},
		{[]string{"pay", "--port", "80"}, true}, // below 1024: containers run as non-root
		{[]string{"pay", "--port", "65536"}, true},
		{[]string{"pay", "--port", "http"}, false},
		{[]string{"pay", "--runtim", "go"}, false},
	} {
		got, err := cmdtest.Parse(t, NewCmdInit, tc.args...)
		if err == nil || got != nil {
			t.Errorf("init %q: err %v, ran %v; want an error and no run", tc.args, err, got != nil)
			continue
		}
		if cmdtest.IsFlagError(err) != tc.flagError {
			t.Errorf("init %q: %v (a FlagError: %v, want %v)", tc.args, err, cmdtest.IsFlagError(err), tc.flagError)
		}
	}
}
