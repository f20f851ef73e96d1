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
	"github.com/gantry-dev/gantry/generators/ci"
	"github.com/gantry-dev/gantry/generators/docker"
	"github.com/gantry-dev/gantry/generators/gitops"
	"github.com/gantry-dev/gantry/generators/kubernetes"
	"github.com/gantry-dev/gantry/generators/terraform"
)

// Targets are every generator, in one place (no init-time registration).
func Targets() []generators.Generator {
	return []generators.Generator{kubernetes.New(), terraform.New(), gitops.New(), docker.New(), ci.New()}
}

// Options are the inputs of `gantry generate`.
type Options struct {
	IO       cmdutil.IOStreams
	Paths    []string
	Platform string
	Output   string
	Repo     string
	Root     string // LoadOptions.Root: no flag, gantry new sets it
	Check    bool
	Diff     bool
	Force    bool
	Quiet    bool
	JSON     bool
	Only     []string
	Env      string
}

// layout reports whether target could have written path: the one place the writer learns each
// target's layout.
func layout(target, path string) bool {
	for _, t := range Targets() {
		if t.Name() == target {
			return t.Produces(path)
		}
	}
	return false
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
	f.StringVar(&opts.Repo, "repo", "", "repository root for the files that live beside the sources (Dockerfiles); default: the git repository of the blueprints, else the output folder")
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
	res, diags := blueprints.Load(blueprints.LoadOptions{Paths: opts.Paths, PlatformFile: opts.Platform, Root: opts.Root})
	if diags.HasErrors(false) {
		return &blueprints.ValidationError{Diagnostics: diags}
	}
	for _, d := range diags {
		fmt.Fprintln(opts.IO.ErrOut, d.String())
	}
	if envs := envNames(res); opts.Env != "" && !slices.Contains(envs, opts.Env) {
		return cmdutil.FlagErrorf("--env: no environment %q in the platforms loaded (environments: %s)", opts.Env, strings.Join(envs, ", "))
	}
	files, err := generators.Run(res, Targets())
	if err != nil {
		return err
	}
	scope := generators.Scope{Targets: opts.Only, Env: opts.Env, Reach: &res.Reach, Layout: layout}
	files = scope.Filter(files)
	roots := splitRoots(opts, files)
	if opts.Check {
		return check(opts, roots, scope)
	}
	// Every root is prepared (checked and locked) before any is written: a conflict in one writes nothing.
	var plans []*generators.Plan
	defer func() {
		for _, p := range plans {
			p.Close()
		}
	}()
	for _, r := range roots {
		plan, err := generators.Prepare(r.dir, r.files, generators.WriteOptions{Scope: scope, Force: opts.Force})
		var conflict *generators.ConflictError
		if errors.As(err, &conflict) {
			return cmdutil.Invalidf("%s: %v", r.dir, err)
		}
		if err != nil {
			return err
		}
		plans = append(plans, plan)
	}
	var sum generators.Summary
	for _, p := range plans {
		s, err := p.Apply()
		sum = sum.Add(s)
		if err != nil {
			return err
		}
	}
	plans = nil
	return report(opts, sum, roots)
}

// root is a folder files are written under, with its files.
type root struct {
	dir   string
	files []generators.File
}

// splitRoots sorts the files into the output folder and the repository root (one root when they are
// the same folder, so one manifest records everything).
func splitRoots(opts *Options, files []generators.File) []root {
	repo := opts.Repo
	if repo == "" {
		repo = repoRoot(opts.Paths, opts.Output)
	}
	out, rep := root{dir: opts.Output}, root{dir: repo}
	for _, f := range files {
		if f.Kind.InRepo() {
			rep.files = append(rep.files, f)
		} else {
			out.files = append(out.files, f)
		}
	}
	a, errA := filepath.Abs(out.dir)
	b, errB := filepath.Abs(rep.dir)
	if errA == nil && errB == nil && a == b {
		return []root{{dir: out.dir, files: files}}
	}
	// A root with nothing to write and no record of earlier writes (--only kubernetes) is left alone:
	// no empty record appears there.
	var roots []root
	for _, r := range []root{out, rep} {
		if len(r.files) > 0 || hasRecord(r.dir) {
			roots = append(roots, r)
		}
	}
	if len(roots) == 0 {
		roots = []root{out} // nothing at all to write: the summary still names -o
	}
	return roots
}

func hasRecord(dir string) bool {
	_, err := os.Stat(filepath.Join(dir, generators.StateDir, "manifest.json"))
	return err == nil
}

// repoRoot is the git repository that holds the first blueprint path; outside one, the output folder.
func repoRoot(paths []string, output string) string {
	start := "."
	if len(paths) > 0 {
		start = paths[0]
	}
	if st, err := os.Stat(start); err == nil && !st.IsDir() {
		start = filepath.Dir(start)
	}
	if r := blueprints.RepoRoot(start); r != "" {
		return r
	}
	return output
}

// envNames lists the environments of the platforms loaded, sorted, once each.
func envNames(res *blueprints.Resolved) []string {
	var envs []string
	for _, p := range res.Platforms {
		envs = append(envs, p.Spec.Environments...)
	}
	slices.Sort(envs)
	return slices.Compact(envs)
}

// describe names the folders written under: the output folder, and the repository root when it is
// another one.
func describe(roots []root) string {
	var where []string
	for _, r := range roots {
		d := blueprints.DisplayPath(r.dir)
		if d == "." && len(roots) > 1 {
			d = "the repository root"
		}
		where = append(where, d)
	}
	return strings.Join(where, " and ")
}

func report(opts *Options, sum generators.Summary, roots []root) error {
	switch {
	case opts.Quiet:
		return nil
	case opts.JSON:
		enc := json.NewEncoder(opts.IO.Out)
		enc.SetIndent("", "  ")
		return enc.Encode(sum)
	}
	_, err := fmt.Fprintf(opts.IO.Out, "%s in %s\n", sum, describe(roots))
	return err
}

func check(opts *Options, roots []root, scope generators.Scope) error {
	var missing, changed, stale, leftover []string
	var diff strings.Builder
	n := 0
	for _, r := range roots {
		d, err := generators.Check(r.dir, r.files, scope)
		if err != nil {
			return err
		}
		n += len(r.files)
		// Paths as the user can open them: under the output folder or the repository root, relative to
		// the working folder when they are below it.
		in := func(p string) string { return blueprints.DisplayPath(filepath.Join(r.dir, p)) }
		for _, p := range d.Missing {
			missing = append(missing, in(p))
		}
		for _, p := range d.Changed {
			changed = append(changed, in(p))
		}
		for _, p := range d.Stale {
			stale = append(stale, in(p))
		}
		for _, p := range d.Leftover {
			leftover = append(leftover, in(p))
		}
		if opts.Diff {
			for _, f := range d.Files {
				diff.WriteString(generators.UnifiedDiff("a/"+in(f.Path), "b/"+in(f.Path), d.Old[f.Path], f.Data))
			}
			for _, p := range d.Stale {
				diff.WriteString(generators.UnifiedDiff("a/"+in(p), "/dev/null", d.Old[p], nil))
			}
		}
	}
	where := describe(roots)
	if len(missing)+len(changed)+len(stale)+len(leftover) == 0 {
		if !opts.Quiet {
			fmt.Fprintf(opts.IO.Out, "%d files up to date in %s\n", n, where)
		}
		return nil
	}
	for _, p := range missing {
		fmt.Fprintf(opts.IO.ErrOut, "missing: %s\n", p)
	}
	for _, p := range changed {
		fmt.Fprintf(opts.IO.ErrOut, "changed: %s\n", p)
	}
	for _, p := range stale {
		fmt.Fprintf(opts.IO.ErrOut, "stale:   %s (no longer generated)\n", p)
	}
	for _, p := range leftover {
		fmt.Fprintf(opts.IO.ErrOut, "leftover: %s (a temporary file of an interrupted run)\n", p)
	}
	fmt.Fprint(opts.IO.Out, diff.String())
	msg := fmt.Sprintf("out of date in %s: %d missing, %d changed, %d stale", where, len(missing), len(changed), len(stale))
	if len(leftover) > 0 {
		msg += fmt.Sprintf(", %d leftover", len(leftover))
	}
	return cmdutil.Invalidf("%s; run `gantry generate` and commit the result", msg)
}
