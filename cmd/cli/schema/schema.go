// Package schema implements `gantry schema`.
package schema

import (
	"github.com/spf13/cobra"

	"github.com/gantry-dev/gantry/blueprints"
	"github.com/gantry-dev/gantry/cmd/cli/cmdutil"
)

// Options are the inputs of `gantry schema`.
type Options struct {
	IO cmdutil.IOStreams
}

// NewCmdSchema builds the command; runF replaces the run function in tests.
func NewCmdSchema(io cmdutil.IOStreams, runF func(*Options) error) *cobra.Command {
	opts := &Options{IO: io}
	return &cobra.Command{
		Use:   "schema",
		Short: "Print the JSON Schema of blueprints, for editors and other tools",
		Long: `Schema prints the JSON Schema (draft 2020-12) of both blueprint kinds, Platform and Service,
generated from the same Go types the validator uses. Editors that speak the YAML language server
autocomplete and check blueprints with it: add this first line to a blueprint,
  # yaml-language-server: $schema=<path to the schema file>`,
		Example: `  # Save the schema beside the blueprints for the editor
  gantry schema > blueprints/gantry.schema.json`,
		Args: cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			if runF != nil {
				return runF(opts)
			}
			return Run(opts)
		},
	}
}

// Run prints the schema.
func Run(opts *Options) error {
	_, err := opts.IO.Out.Write(blueprints.JSONSchema())
	return err
}
