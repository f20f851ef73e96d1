package newcmd

import (
	"reflect"
	"testing"

	"github.com/gantry-dev/gantry/cmd/cli/cmdutil"
	"github.com/gantry-dev/gantry/cmd/cli/cmdutil/cmdtest"
)

// TestFlags: the command line becomes these Options (IO aside), through the runF seam. The refusals
// are in TestRefusals, through the root command and its exit codes.
func TestFlags(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want Options
	}{
		// The team and the folder default to the service's name.
		{[]string{"payments"}, Options{Name: "payments", ServiceFlags: cmdutil.ServiceFlags{Team: "payments", Runtime: "go", Type: "web", Port: 8080}, CI: "github", Dir: "payments"}},
		{[]string{"notifier", "--runtime", "python", "--type", "worker", "--team", "comms", "--ci", "gitlab", "--port", "9000", "--dir", "svc/n"},
			Options{Name: "notifier", ServiceFlags: cmdutil.ServiceFlags{Team: "comms", Runtime: "python", Type: "worker", Port: 9000}, CI: "gitlab", Dir: "svc/n"}},
		{[]string{"site", "--runtime=static", "--ci=none", "--no-generate", "--no-git", "--dir", "."},
			Options{Name: "site", ServiceFlags: cmdutil.ServiceFlags{Team: "site", Runtime: "static", Type: "web", Port: 8080}, CI: "none", Dir: ".", NoGenerate: true, NoGit: true}},
	} {
		got, err := cmdtest.Parse(t, NewCmdNew, tc.args...)
		if err != nil {
			t.Errorf("new %q: %v", tc.args, err)
			continue
		}
		got.IO = tc.want.IO
		if !reflect.DeepEqual(*got, tc.want) {
			t.Errorf("new %q:\n got %+v\nwant %+v", tc.args, *got, tc.want)
		}
	}
	// The parser's own refusals never reach the command.
	for _, args := range [][]string{{"api", "--port", "http"}, {"api", "--no-git=perhaps"}, {"api", "--template", "x"}} {
		if got, err := cmdtest.Parse(t, NewCmdNew, args...); err == nil || got != nil {
			t.Errorf("new %q: err %v, ran %v; want an error and no run", args, err, got != nil)
		}
	}
}
