// Package importcmd implements `gantry import compose` and `gantry import score`.
package importcmd

import (
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/gantry-dev/gantry/blueprints"
	"github.com/gantry-dev/gantry/cmd/cli/cmdutil"
	"github.com/gantry-dev/gantry/internal/importer"
)

// Options are the inputs of `gantry import`.
type Options struct {
	IO     cmdutil.IOStreams
	Format string // compose | score
	Files  []string
	Dir    string
	Team   string
}

// NewCmdImport builds the command and its two subcommands; runF replaces the run function in tests.
func NewCmdImport(io cmdutil.IOStreams, runF func(*Options) error) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "import",
		Short: "Write blueprints from a Compose file or Score files",
		Long: `Import writes one blueprint per service (and a platform file when none is found), validated as
written, and prints a report of every field it could not map, at its file:line. Credentials are never
copied: they become secret names. It never overwrites a file.`,
		Example: `  # One blueprint per Compose service, in blueprints/
  gantry import compose compose.yaml --team shop

  # Score workloads, into another folder
  gantry import score api.score.yaml worker.score.yaml --dir blueprints/shop`,
		// Without a Run, cobra would print the help for an unknown subcommand and exit 0.
		Args: cobra.ArbitraryArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) > 0 {
				return cmdutil.FlagErrorf("unknown format %q for gantry import: compose or score", args[0])
			}
			return cmd.Help()
		},
	}
	for _, format := range []string{"compose", "score"} {
		opts := &Options{IO: io, Format: format}
		use, args := "compose FILE", cobra.ExactArgs(1)
		if format == "score" {
			use, args = "score FILE...", cobra.MinimumNArgs(1)
		}
		sub := &cobra.Command{
			Use:   use,
			Short: "Write blueprints from " + map[string]string{"compose": "a Compose file", "score": "Score workload files"}[format],
			Args:  args,
			Example: map[string]string{"compose": "  gantry import compose compose.yaml --team shop",
				"score": "  gantry import score api.score.yaml worker.score.yaml"}[format],
			RunE: func(_ *cobra.Command, a []string) error {
				opts.Files = a
				if runF != nil {
					return runF(opts)
				}
				return Run(opts)
			},
		}
		sub.Flags().StringVar(&opts.Dir, "dir", blueprints.DefaultDir, "folder to write the blueprints in")
		sub.Flags().StringVar(&opts.Team, "team", "", "owning team of every service (default: the Compose project's or the folder's name)")
		cmd.AddCommand(sub)
	}
	return cmd
}

// Run imports, prints the report, and writes the files (none when any exists).
func Run(opts *Options) error {
	io := importer.Options{Dir: opts.Dir, Team: opts.Team}
	var res *importer.Result
	var err error
	if opts.Format == "compose" {
		res, err = importer.Compose(opts.Files[0], io)
	} else {
		res, err = importer.Score(opts.Files, io)
	}
	if err != nil {
		return cmdutil.Invalidf("%s", err)
	}
	written, err := importer.Write(res)
	var exists *importer.ExistsError
	if errors.As(err, &exists) {
		return cmdutil.FlagErrorf("%s", exists.Error())
	}
	if err != nil {
		return err
	}
	for _, e := range res.Report {
		fmt.Fprintln(opts.IO.ErrOut, e)
	}
	for _, w := range written {
		fmt.Fprintf(opts.IO.Out, "wrote %s\n", w)
	}
	fmt.Fprintf(opts.IO.Out, "next: complete the TODOs above, then run `gantry validate %s`\n", opts.Dir)
	return nil
}
