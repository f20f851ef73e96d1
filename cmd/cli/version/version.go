// Package version implements `gantry version`.
package version

import (
	"fmt"
	"runtime"
	"runtime/debug"

	"github.com/spf13/cobra"

	"github.com/gantry-dev/gantry/cmd/cli/cmdutil"
)

// Version is set at build time with -ldflags "-X github.com/gantry-dev/gantry/cmd/cli/version.Version=v1.2.3";
// otherwise the module version from the build information is used.
var Version = ""

// Options are the inputs of `gantry version`.
type Options struct {
	IO cmdutil.IOStreams
}

// NewCmdVersion builds the command; runF replaces the run function in tests.
func NewCmdVersion(io cmdutil.IOStreams, runF func(*Options) error) *cobra.Command {
	opts := &Options{IO: io}
	return &cobra.Command{
		Use:     "version",
		Short:   "Print Gantry's version",
		Example: "  gantry version",
		Args:    cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			if runF != nil {
				return runF(opts)
			}
			return Run(opts)
		},
	}
}

// String returns the version, e.g. "v1.2.3" or "(devel)".
func String() string {
	if Version != "" {
		return Version
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" {
		return bi.Main.Version
	}
	return "(devel)"
}

// Run prints the version.
func Run(opts *Options) error {
	_, err := fmt.Fprintf(opts.IO.Out, "gantry %s %s/%s %s\n", String(), runtime.GOOS, runtime.GOARCH, runtime.Version())
	return err
}
