// Package generate implements `gantry generate`.
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

	"github.com/gantry-dev/gantry/blueprints"
	"github.com/gantry-dev/gantry/cmd/cli/cmdutil"
	"github.com/gantry-dev/gantry/generators"
	"github.com/gantry-dev/gantry/generators/gitops"
	"github.com/gantry-dev/gantry/generators/kubernetes"
	"github.com/gantry-dev/gantry/generators/terraform"
)

// Targets are every generator, in one place (no init-time registration).
func Targets() []generators.Generator {
	return []generators.Generator{kubernetes.New(), terraform.New(), gitops.New()}
}

// Options are the inputs of `gantry generate`.
type Options struct {
	IO       cmdutil.IOStreams
	Paths    []string
	Platform string
	Output   string
	Check    bool
	Diff     bool
	Force    bool
	Quiet    bool
	JSON     bool
	Only     []string
	Env      string
}

// DefaultOutput is where the files go without -o.
const DefaultOutput = "deploy"

// NewCmdGenerate builds the command; runF replaces the run function in tests.
func NewCmdGenerate(io cmdutil.IOStreams, runF func(*Options) error) *cobra.Command {
	opts := &Options{IO: io}
	var names []string
	for _, t := range Targets() {
		names = append(names, t.Name())
	}
	cmd := &cobra.Command{
		Use:   "generate [FILE|DIR ...]",
		Short: "Generate every file the services need, or check that the committed ones are current",
		Long: `Generate validates the blueprints, renders every file in memory, and only then writes them under the
output folder, each atomically. The layout is <output>/<platform>/<team>/<service>/kubernetes/{base,overlays/<env>},
<output>/<platform>/namespaces/<namespace> and <output>/<platform>/gitops/<env>.

Gantry records what it wrote in <output>/.gantry/manifest.json. It removes the files it wrote that are no
longer generated, and never overwrites or removes a file it did not write or that was edited by hand
since (--force does). With --check nothing is written: the command exits 1 and lists what is missing,
changed or stale; --diff shows the differences.`,
		Example: `  # Generate the examples' output into deploy/
  gantry generate blueprints/examples -o deploy

  # In CI: fail when the committed output is not what the blueprints generate, and show why
  gantry generate --check --diff blueprints/ -o deploy

  # Only the production overlays of the Kubernetes target
  gantry generate --only kubernetes --env prod blueprints/ -o deploy`,
		RunE: func(_ *cobra.Command, args []string) error {
			opts.Paths = args
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
	f.StringVarP(&opts.Output, "output", "o", DefaultOutput, "folder to write into")
	f.StringVar(&opts.Platform, "platform", "", "platform file to use instead of the nearest gantry.yaml or platform.yaml")
	f.BoolVar(&opts.Check, "check", false, "write nothing; exit 1 when the output folder differs from what would be generated")
	f.BoolVar(&opts.Diff, "diff", false, "with --check: print a unified diff of every difference")
	f.BoolVar(&opts.Force, "force", false, "replace or remove files even if gantry did not write them or they were edited by hand")
	f.BoolVar(&opts.Quiet, "quiet", false, "print nothing on success")
	f.BoolVar(&opts.JSON, "json", false, "print the summary as JSON")
	f.StringSliceVar(&opts.Only, "only", nil, "generate only these targets: "+strings.Join(names, ", "))
	f.StringVar(&opts.Env, "env", "", "generate only this environment's files (and those shared by every environment)")
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
	if opts.Env != "" && !hasEnv(res, opts.Env) {
		return cmdutil.FlagErrorf("--env: no environment %q in the platforms loaded", opts.Env)
	}
	files, err := generators.Run(res, Targets())
	if err != nil {
		return err
	}
	scope := generators.Scope{Targets: opts.Only, Env: opts.Env}
	files = scope.Filter(files)
	if opts.Check {
		return check(opts, files, scope)
	}
	sum, err := generators.Write(opts.Output, files, generators.WriteOptions{Scope: scope, Force: opts.Force})
	var conflict *generators.ConflictError
	if errors.As(err, &conflict) {
		return fmt.Errorf("%w: %v", cmdutil.ErrInvalid, err)
	}
	if err != nil {
		return err
	}
	return report(opts, sum)
}

func hasEnv(res *blueprints.Resolved, env string) bool {
	for _, p := range res.Platforms {
		if slices.Contains(p.Spec.Environments, env) {
			return true
		}
	}
	return false
}

func report(opts *Options, sum generators.Summary) error {
	switch {
	case opts.Quiet:
		return nil
	case opts.JSON:
		enc := json.NewEncoder(opts.IO.Out)
		enc.SetIndent("", "  ")
		return enc.Encode(sum)
	}
	_, err := fmt.Fprintf(opts.IO.Out, "%s in %s\n", sum, opts.Output)
	return err
}

func check(opts *Options, files []generators.File, scope generators.Scope) error {
	drift, err := generators.Check(opts.Output, files, scope)
	if err != nil {
		return err
	}
	if drift.Empty() {
		if !opts.Quiet {
			fmt.Fprintf(opts.IO.Out, "%d files up to date in %s\n", len(files), opts.Output)
		}
		return nil
	}
	for _, p := range drift.Missing {
		fmt.Fprintf(opts.IO.ErrOut, "missing: %s\n", p)
	}
	for _, p := range drift.Changed {
		fmt.Fprintf(opts.IO.ErrOut, "changed: %s\n", p)
	}
	for _, p := range drift.Stale {
		fmt.Fprintf(opts.IO.ErrOut, "stale:   %s (no longer generated)\n", p)
	}
	if opts.Diff {
		for _, f := range drift.Files {
			old, _ := os.ReadFile(filepath.Join(opts.Output, filepath.FromSlash(f.Path)))
			fmt.Fprint(opts.IO.Out, generators.UnifiedDiff("a/"+f.Path, "b/"+f.Path, old, f.Data))
		}
		for _, p := range drift.Stale {
			old, _ := os.ReadFile(filepath.Join(opts.Output, filepath.FromSlash(p)))
			fmt.Fprint(opts.IO.Out, generators.UnifiedDiff("a/"+p, "/dev/null", old, nil))
		}
	}
	return fmt.Errorf("%w: %s is out of date: %d missing, %d changed, %d stale; run `gantry generate` and commit the result",
		cmdutil.ErrInvalid, opts.Output, len(drift.Missing), len(drift.Changed), len(drift.Stale))
}
