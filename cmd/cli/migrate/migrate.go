// Package migrate implements `gantry migrate`: blueprints of an older API version rewritten to the
// current one, over the library in blueprints/migrate.
package migrate

import (
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/gantry-dev/gantry/blueprints"
	"github.com/gantry-dev/gantry/blueprints/migrate"
	"github.com/gantry-dev/gantry/cmd/cli/cmdutil"
)

// Options are the inputs of `gantry migrate`.
type Options struct {
	IO    cmdutil.IOStreams
	Files []string
}

// NewCmdMigrate builds the command; runF replaces the run function in tests.
func NewCmdMigrate(io cmdutil.IOStreams, runF func(*Options) error) *cobra.Command {
	opts := &Options{IO: io}
	return &cobra.Command{
		Use:     "migrate FILE...",
		Short:   "Rewrite blueprints of an older API version to " + blueprints.APIVersion,
		Example: "  gantry migrate blueprints/*.yaml",
		Args:    cobra.MinimumNArgs(1),
		RunE: func(_ *cobra.Command, args []string) error {
			opts.Files = args
			if runF != nil {
				return runF(opts)
			}
			return Run(opts)
		},
	}
}

// Run migrates each file in place, writing only those that change.
func Run(opts *Options) error {
	for _, f := range opts.Files {
		data, err := os.ReadFile(f)
		if err != nil {
			return err
		}
		res, err := migrate.Migrate(f, data)
		if err != nil {
			return cmdutil.Invalidf("%v", err)
		}
		if len(res.Changes) == 0 {
			fmt.Fprintf(opts.IO.Out, "%s: already %s\n", f, blueprints.APIVersion)
			continue
		}
		if err := os.WriteFile(f, res.Data, 0o644); err != nil {
			return err
		}
		for _, c := range res.Changes {
			fmt.Fprintf(opts.IO.Out, "%s: %s\n", f, c)
		}
	}
	return nil
}
