// Package newcmd implements `gantry new`: a new folder with a service's blueprint, a runnable source
// skeleton, and everything `gantry generate` makes for it.
package newcmd

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/gantry-dev/gantry/blueprints"
	"github.com/gantry-dev/gantry/cmd/cli/cmdutil"
	"github.com/gantry-dev/gantry/cmd/cli/generate"
	"github.com/gantry-dev/gantry/cmd/cli/initcmd"
	"github.com/gantry-dev/gantry/generators/scaffold"
)

// Options are the inputs of `gantry new`.
type Options struct {
	IO         cmdutil.IOStreams
	Name       string
	Team       string
	Runtime    string
	Type       string
	Port       int
	CI         string
	Dir        string
	NoGenerate bool
	NoGit      bool
}

var ciSystems = []string{"github", "gitlab", "none"}

// NewCmdNew builds the command; runF replaces the run function in tests.
func NewCmdNew(io cmdutil.IOStreams, runF func(*Options) error) *cobra.Command {
	opts := &Options{IO: io}
	cmd := &cobra.Command{
		Use:   "new NAME",
		Short: "Create a service: blueprint, runnable source skeleton, Dockerfile, CI and manifests",
		Long: `New creates the folder NAME (or --dir), a repository of its own, with:

  blueprints/NAME.yaml, blueprints/platform.yaml   the blueprint and the platform settings
  services/NAME/                                   a source skeleton for the runtime, with unit tests,
                                                   a Dockerfile and a .dockerignore
  README.md, .gitignore
  deploy/, and the CI pipeline                     what gantry generate makes (unless --no-generate)

The skeleton builds with the runtime's own tools and keeps the manifests' conventions: it listens on
PORT, serves the probes and Prometheus metrics on METRICS_PORT, logs JSON, writes only to /tmp, reads
secrets from files, and exits 0 on SIGTERM. New refuses a folder that exists and is not empty, and
writes nothing unless it can write everything. It runs git init in the folder when git is installed.`,
		Example: `  # A Go web service on port 8080
  gantry new payments

  # A Python worker owned by the comms team, with GitLab CI
  gantry new notifier --runtime python --type worker --team comms --ci gitlab`,
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) != 1 {
				return cmdutil.FlagErrorf("new takes the service name, e.g. gantry new payments")
			}
			return nil
		},
		RunE: func(_ *cobra.Command, args []string) error {
			opts.Name = args[0]
			if opts.Team == "" {
				opts.Team = opts.Name
			}
			if opts.Dir == "" {
				opts.Dir = opts.Name
			}
			if err := initcmd.CheckService(opts.Name, opts.Team, opts.Runtime, opts.Type, opts.Port); err != nil {
				return err
			}
			if opts.Runtime == "static" && opts.Type != blueprints.TypeWeb {
				return cmdutil.FlagErrorf("--runtime static makes a site served over HTTP: it is --type web")
			}
			if !slices.Contains(ciSystems, opts.CI) {
				return cmdutil.FlagErrorf("--ci must be one of %s", strings.Join(ciSystems, ", "))
			}
			if runF != nil {
				return runF(opts)
			}
			return Run(opts)
		},
	}
	f := cmd.Flags()
	f.StringVar(&opts.Team, "team", "", "owning team, also the namespace (default: the service name)")
	f.StringVar(&opts.Runtime, "runtime", "go", "runtime: "+strings.Join(scaffold.Runtimes, ", "))
	f.StringVar(&opts.Type, "type", "web", "type: web, worker, cron, job")
	f.IntVar(&opts.Port, "port", 8080, "port of a web service")
	f.StringVar(&opts.CI, "ci", "github", "CI system: "+strings.Join(ciSystems, ", "))
	f.StringVar(&opts.Dir, "dir", "", "folder to create (default: the service name)")
	f.BoolVar(&opts.NoGenerate, "no-generate", false, "write the blueprint, skeleton and Dockerfile only, not the manifests and CI")
	f.BoolVar(&opts.NoGit, "no-git", false, "do not run git init in the new folder")
	return cmd
}

// Run writes the scaffold into a staging folder beside the target, generates into it, and renames it
// into place: the target is either complete or untouched.
func Run(opts *Options) error {
	dir := filepath.Clean(opts.Dir)
	abs, err := filepath.Abs(dir)
	if err != nil {
		return err
	}
	if err := checkEmpty(dir); err != nil {
		return err
	}
	files, err := scaffold.Files(scaffold.Options{Name: opts.Name, Team: opts.Team, Runtime: opts.Runtime,
		Type: opts.Type, Port: opts.Port, CI: opts.CI})
	if err != nil {
		return err
	}
	parent := filepath.Dir(abs) // of the absolute path: `--dir .` stages beside the working folder
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return fmt.Errorf("creating %s: %w", parent, err)
	}
	stage, err := os.MkdirTemp(parent, ".gantry-new-*")
	if err != nil {
		return fmt.Errorf("creating a staging folder in %s: %w", parent, err)
	}
	defer os.RemoveAll(stage) // gone after the rename; cleans up after a failure
	if err := os.Chmod(stage, 0o755); err != nil {
		return err
	}
	// Plain writes, not generators.Write: these files are the user's from now on, and must not be in
	// Gantry's record of what it generated (which it removes when no longer generated).
	for _, f := range files {
		p := filepath.Join(stage, filepath.FromSlash(f.Path))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(p, f.Data, 0o644); err != nil {
			return err
		}
	}
	if err := generateInto(opts, stage); err != nil {
		return err
	}
	if err := moveInto(stage, dir); err != nil {
		return err
	}
	printTree(opts, dir)
	if !opts.NoGit {
		gitInit(opts, dir)
	}
	return nil
}

// moveInto puts the staged scaffold in place: a new folder is one rename. An existing empty folder
// (checked before) is kept, since it may be someone's working folder, and the staged entries are moved
// into it one by one; on a failure the ones moved are taken out again.
func moveInto(stage, dir string) error {
	if _, err := os.Stat(dir); errors.Is(err, fs.ErrNotExist) {
		if err := os.Rename(stage, dir); err != nil {
			return fmt.Errorf("moving the scaffold into %s: %w", dir, err)
		}
		return nil
	}
	entries, err := os.ReadDir(stage)
	if err != nil {
		return err
	}
	var moved []string
	for _, e := range entries {
		to := filepath.Join(dir, e.Name())
		if err := os.Rename(filepath.Join(stage, e.Name()), to); err != nil {
			for _, m := range moved {
				os.RemoveAll(m)
			}
			return fmt.Errorf("moving the scaffold into %s: %w", dir, err)
		}
		moved = append(moved, to)
	}
	return nil
}

// generateInto runs gantry generate on the staged blueprints, with the staging folder as the
// repository root, so the output names paths as a later `gantry generate` in the new repository will.
func generateInto(opts *Options, stage string) error {
	g := &generate.Options{
		IO:     cmdutil.IOStreams{Out: opts.IO.ErrOut, ErrOut: opts.IO.ErrOut},
		Paths:  []string{filepath.Join(stage, blueprints.DefaultDir)},
		Output: filepath.Join(stage, generate.DefaultOutput), Repo: stage, Root: stage, Quiet: true,
	}
	if opts.NoGenerate {
		g.Only = []string{"docker"}
	}
	err := generate.Run(g)
	var valErr *blueprints.ValidationError
	if errors.As(err, &valErr) {
		// The scaffold's own blueprint is invalid: a bug in Gantry, not in the user's input.
		return fmt.Errorf("the scaffold's blueprint does not validate (a bug; please report it):\n%v", err)
	}
	if err != nil {
		return err
	}
	if opts.NoGenerate {
		// Only the Dockerfile was wanted: no output folder (its record would list nothing).
		return os.RemoveAll(g.Output)
	}
	return nil
}

// checkEmpty refuses a target that exists and is not an empty folder.
func checkEmpty(dir string) error {
	st, err := os.Stat(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	if !st.IsDir() {
		return cmdutil.Invalidf("%s exists and is not a folder; choose another name or --dir", dir)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	if len(entries) > 0 {
		return cmdutil.Invalidf("%s exists and is not empty; new never writes into a folder with files (choose another --dir)", dir)
	}
	return nil
}

// printTree lists the top of the new folder, and what to do next.
func printTree(opts *Options, dir string) {
	out := opts.IO.Out
	fmt.Fprintf(out, "created %s/\n", filepath.ToSlash(dir))
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() {
			name += "/"
		}
		fmt.Fprintf(out, "  %s\n", name)
	}
	fmt.Fprintf(out, "next: cd %s and read README.md; the source is in %s/\n", filepath.ToSlash(dir), scaffold.Source(opts.Name))
}

// gitInit makes the folder a repository: Gantry finds the repository root by its .git. Without git the
// scaffold is complete all the same; the user is told what to run.
func gitInit(opts *Options, dir string) {
	git, err := exec.LookPath("git")
	if err != nil {
		fmt.Fprintf(opts.IO.ErrOut, "gantry: git is not installed: run `git init` in %s before `gantry generate` (Gantry finds the repository root by its .git)\n", filepath.ToSlash(dir))
		return
	}
	cmd := exec.Command(git, "init", "--quiet", dir)
	if out, err := cmd.CombinedOutput(); err != nil {
		fmt.Fprintf(opts.IO.ErrOut, "gantry: git init %s failed (the scaffold is complete; run it yourself): %v\n%s", filepath.ToSlash(dir), err, out)
	}
}
