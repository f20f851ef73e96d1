// Package generate implements `gantry generate`: flags and printing over output.Generate.
package generate

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/gantry-dev/gantry/cmd/cli/cmdutil"
	"github.com/gantry-dev/gantry/generators"
	"github.com/gantry-dev/gantry/generators/output"
	"github.com/gantry-dev/gantry/generators/targets"
	"github.com/gantry-dev/gantry/internal/paths"
)

// Options are the inputs of `gantry generate`.
type Options struct {
	output.Options
	IO    cmdutil.IOStreams
	Diff  bool
	Quiet bool
	JSON  bool
	// NoCache renders and reads everything, without the cache of earlier runs on this machine.
	NoCache bool
}

// NewCmdGenerate builds the command; runF replaces the run function in tests.
func NewCmdGenerate(io cmdutil.IOStreams, runF func(*Options) error) *cobra.Command {
	opts := &Options{IO: io}
	names := targets.Names()
	cmd := &cobra.Command{
		Use:   "generate [FILE|DIR ...]",
		Short: "Generate every file the services need, or check that the committed ones are current",
		Long: `Generate validates the blueprints, renders every file in memory, and only then writes them under the
output folder, each atomically. The layout is <output>/<platform>/<team>/<service>/kubernetes/{base,overlays/<env>},
<output>/<platform>/namespaces/<namespace> and <output>/<platform>/gitops/<env>.

Gantry records what it wrote in <output>/.gantry/manifest.json. It removes the files it wrote that the
blueprints it loaded no longer produce, and never overwrites or removes a file it did not write or that
was edited by hand since (--force does). With --check nothing is written: the command exits 1 and lists
what is missing, changed or stale; --diff shows the differences.`,
		Example: `  # Generate the examples' output into deploy/
  gantry generate blueprints/examples -o deploy

  # In CI: fail when the committed output is not what the blueprints generate, and show why
  gantry generate --check --diff blueprints/ -o deploy

  # Regenerate everything the record of deploy/ names, every platform generated into it (an upgrade)
  gantry generate --recorded -o deploy

  # Only the production overlays of the Kubernetes target
  gantry generate --only kubernetes --env prod blueprints/ -o deploy`,
		RunE: func(_ *cobra.Command, args []string) error {
			opts.Paths = args
			if opts.Recorded && len(args) > 0 {
				return cmdutil.FlagErrorf("--recorded loads the blueprints the output's record names: name no blueprints with it")
			}
			if opts.Output == "" {
				return cmdutil.FlagErrorf("-o must name a folder")
			}
			for _, o := range opts.Only {
				if !slices.Contains(names, o) {
					return cmdutil.FlagErrorf("--only: unknown target %q (targets: %s)", o, strings.Join(names, ", "))
				}
			}
			if opts.Diff && !opts.Check {
				return cmdutil.FlagErrorf("--diff goes with --check")
			}
			if opts.Quiet && opts.JSON {
				return cmdutil.FlagErrorf("--quiet and --json exclude each other")
			}
			if runF != nil {
				return runF(opts)
			}
			return Run(opts)
		},
	}
	f := cmd.Flags()
	f.StringVarP(&opts.Output, "output", "o", output.DefaultOutput, "folder to write into")
	f.StringVar(&opts.Repo, "repo", "", "repository root for the files that live beside the sources (Dockerfiles); default: the git repository of the blueprints, else the output folder")
	f.StringVar(&opts.Platform, "platform", "", "platform file to use instead of the nearest gantry.yaml or platform.yaml")
	f.BoolVar(&opts.Check, "check", false, "write nothing; exit 1 when the output folder differs from what would be generated")
	f.BoolVar(&opts.Diff, "diff", false, "with --check: print a unified diff of every difference")
	f.BoolVar(&opts.Force, "force", false, "replace or remove files even if gantry did not write them or they were edited by hand")
	f.BoolVar(&opts.Quiet, "quiet", false, "print nothing on success")
	f.BoolVar(&opts.JSON, "json", false, "print the summary as JSON")
	f.StringSliceVar(&opts.Only, "only", nil, "generate only these targets: "+strings.Join(names, ", "))
	f.BoolVar(&opts.NoCache, "no-cache", false, "render and read every file, without the cache of earlier runs on this machine (in the user's cache folder)")
	f.BoolVar(&opts.Options.Recorded, "recorded", false, "regenerate the blueprints the output folder's record names (every platform generated into it), instead of naming them")
	f.StringVar(&opts.Env, "env", "", "generate only this environment's files (and those shared by every environment)")
	return cmd
}

// Run generates (or checks) and reports.
func Run(opts *Options) error {
	if dir, err := os.UserCacheDir(); err == nil && !opts.NoCache && opts.Cache == "" {
		opts.Cache = filepath.Join(dir, "gantry")
	}
	res, err := output.Generate(opts.Options)
	if res != nil {
		for _, d := range res.Warnings {
			fmt.Fprintln(opts.IO.ErrOut, d.String())
		}
		for _, f := range res.Customized {
			fmt.Fprintln(opts.IO.ErrOut, "warning: "+f.String())
		}
	}
	var envErr *output.EnvError
	var conflict *generators.ConflictError
	var partial *output.PartialError
	var custom *output.CustomizationError
	var record *output.RecordError
	var newer *output.NewerError
	switch {
	case errors.As(err, &newer):
		return cmdutil.Invalidf("%v", err)
	case errors.As(err, &envErr):
		return cmdutil.FlagErrorf("--env: %v", err)
	case errors.As(err, &record):
		return cmdutil.Invalidf("--recorded: %v", err)
	case errors.As(err, &conflict), errors.As(err, &partial), errors.As(err, &custom):
		return cmdutil.Invalidf("%v", err)
	case err != nil:
		return err
	case opts.Check:
		return check(opts, res)
	case opts.Quiet:
		return nil
	case opts.JSON:
		enc := json.NewEncoder(opts.IO.Out)
		enc.SetIndent("", "  ")
		return enc.Encode(res.Summary)
	}
	_, err = fmt.Fprintf(opts.IO.Out, "%s in %s\n", res.Summary, res.Where(paths.Display))
	for _, note := range res.Summary.Upgrade {
		fmt.Fprintf(opts.IO.Out, "  upgrade to %s: %s\n", generators.Release, note)
	}
	return err
}

func check(opts *Options, res *output.Result) error {
	where := res.Where(paths.Display)
	for _, root := range res.Roots {
		// The output folder's record pins the release; the repository root's is shared by every
		// output folder, each upgraded on its own.
		if root.Dir == opts.Output && root.Drift.Outdated() {
			return cmdutil.Invalidf("%s: %s", paths.Display(root.Dir), generators.Outdated(root.Drift.Gantry))
		}
	}
	if !res.Drifted() {
		if !opts.Quiet {
			fmt.Fprintf(opts.IO.Out, "%d files up to date in %s\n", res.Files(), where)
		}
		return nil
	}
	found := res.Drift(paths.Display)
	why := []string{"", "", " (no longer generated)", " (a temporary file of an interrupted run)"}
	var counts []string
	for i, kind := range output.DriftKinds {
		for _, p := range found[i] {
			fmt.Fprintf(opts.IO.ErrOut, "%-8s %s%s\n", kind+":", p, why[i])
		}
		if len(found[i]) > 0 || i < 3 {
			counts = append(counts, fmt.Sprintf("%d %s", len(found[i]), kind))
		}
	}
	if opts.Diff {
		fmt.Fprint(opts.IO.Out, res.Diff(paths.Display))
	}
	return cmdutil.Invalidf("out of date in %s: %s; run `gantry generate` and commit the result", where, strings.Join(counts, ", "))
}
