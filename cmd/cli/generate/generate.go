// Package generate implements `gantry generate`.
package generate

import (
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/gantry-dev/gantry/blueprints"
	"github.com/gantry-dev/gantry/cmd/cli/cmdutil"
	"github.com/gantry-dev/gantry/generators"
	"github.com/gantry-dev/gantry/generators/kubernetes"
)

// Targets are every generator, in one place (no init-time registration).
func Targets() []generators.Generator {
	return []generators.Generator{kubernetes.New()}
}

// Options are the inputs of `gantry generate`.
type Options struct {
	IO       cmdutil.IOStreams
	Paths    []string
	Platform string
	Output   string
	Check    bool
}

// DefaultOutput is where the files go without -o.
const DefaultOutput = "deploy"

// NewCmdGenerate builds the command; runF replaces the run function in tests.
func NewCmdGenerate(io cmdutil.IOStreams, runF func(*Options) error) *cobra.Command {
	opts := &Options{IO: io}
	cmd := &cobra.Command{
		Use:   "generate [FILE|DIR ...]",
		Short: "Generate every file the services need, or check that the committed ones are current",
		Long: `Generate validates the blueprints, renders every file in memory, and only then writes them under the
output folder, each atomically. The layout is <output>/<platform>/<team>/<service>/kubernetes/{base,overlays/<env>}
and <output>/<platform>/namespaces/<namespace>. A file that exists but was not written by gantry is never
overwritten.

With --check nothing is written: the command exits 1 and lists what is missing or changed.`,
		Example: `  # Generate the examples' output into deploy/
  gantry generate blueprints/examples -o deploy

  # In CI: fail when the committed output is not what the blueprints generate
  gantry generate --check blueprints/ -o deploy`,
		RunE: func(_ *cobra.Command, args []string) error {
			opts.Paths = args
			if opts.Output == "" {
				return cmdutil.FlagErrorf("-o must name a folder")
			}
			if runF != nil {
				return runF(opts)
			}
			return Run(opts)
		},
	}
	f := cmd.Flags()
	f.StringVarP(&opts.Output, "output", "o", DefaultOutput, "folder to write into")
	f.StringVar(&opts.Platform, "platform", "", "platform file to use instead of the nearest gantry.yaml or platform.yaml")
	f.BoolVar(&opts.Check, "check", false, "write nothing; exit 1 when the output folder differs from what would be generated")
	return cmd
}

// Run loads, generates and writes (or checks).
func Run(opts *Options) error {
	res, diags := blueprints.Load(blueprints.LoadOptions{Paths: opts.Paths, PlatformFile: opts.Platform})
	if diags.HasErrors(false) {
		return &blueprints.ValidationError{Diagnostics: diags}
	}
	for _, d := range diags {
		fmt.Fprintln(opts.IO.ErrOut, d.String())
	}
	files, err := generators.Run(res, Targets())
	if err != nil {
		return err
	}
	if opts.Check {
		drift, err := generators.Check(opts.Output, files)
		if err != nil {
			return err
		}
		if drift.Empty() {
			fmt.Fprintf(opts.IO.Out, "%d files up to date in %s\n", len(files), opts.Output)
			return nil
		}
		for _, p := range drift.Missing {
			fmt.Fprintf(opts.IO.ErrOut, "missing: %s\n", p)
		}
		for _, p := range drift.Changed {
			fmt.Fprintf(opts.IO.ErrOut, "changed: %s\n", p)
		}
		return fmt.Errorf("%w: %d missing, %d changed in %s; run `gantry generate` and commit the result",
			cmdutil.ErrInvalid, len(drift.Missing), len(drift.Changed), opts.Output)
	}
	sum, err := generators.Write(opts.Output, files)
	var conflict *generators.ConflictError
	if errors.As(err, &conflict) {
		return fmt.Errorf("%w: %v", cmdutil.ErrInvalid, err)
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(opts.IO.Out, "%s in %s\n", sum, opts.Output)
	return nil
}
