// Package newcmd implements `gantry new`: a new folder with a service's blueprint, a runnable source
// skeleton, and everything `gantry generate` makes for it.
package newcmd

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing/fstest"

	"github.com/spf13/cobra"
	"golang.org/x/sys/unix"

	"github.com/gantry-dev/gantry/blueprints"
	"github.com/gantry-dev/gantry/cmd/cli/cmdutil"

	"github.com/gantry-dev/gantry/generators"
	"github.com/gantry-dev/gantry/generators/docker"
	"github.com/gantry-dev/gantry/generators/output"
	"github.com/gantry-dev/gantry/generators/scaffold"
	"github.com/gantry-dev/gantry/generators/targets"
)

// Options are the inputs of `gantry new`.
type Options struct {
	IO   cmdutil.IOStreams
	Name string
	cmdutil.ServiceFlags
	CI         string
	Dir        string
	NoGenerate bool
	NoGit      bool
}

var ciSystems = []string{"github", "gitlab", "none"}

// afterStage is a test hook: an error stands for a failure between staging and moving into place.
var afterStage func() error

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
secrets from files, and exits 0 on SIGTERM. New refuses a folder that exists and is not empty, and a
path through a symbolic link (the folder or one above it that the path names), and writes nothing
unless it can write everything. It runs git init in the folder when git is installed.`,
		Example: `  # A Go web service on port 8080
  gantry new payments

  # A Python worker owned by the comms team, with GitLab CI
  gantry new notifier --runtime python --type worker --team comms --ci gitlab`,
		Args: cmdutil.ServiceName("new"),
		RunE: func(_ *cobra.Command, args []string) error {
			opts.Name = args[0]
			opts.Named(opts.Name)
			if opts.Dir == "" {
				opts.Dir = opts.Name
			}
			if _, err := validate(opts); err != nil {
				return err
			}
			if runF != nil {
				return runF(opts)
			}
			return Run(opts)
		},
	}
	f := cmd.Flags()
	opts.ServiceFlags.Register(f)
	f.StringVar(&opts.CI, "ci", "github", "CI system: "+strings.Join(ciSystems, ", "))
	f.StringVar(&opts.Dir, "dir", "", "folder to create (default: the service name)")
	f.BoolVar(&opts.NoGenerate, "no-generate", false, "write the blueprint, skeleton and Dockerfile only, not the manifests and CI")
	f.BoolVar(&opts.NoGit, "no-git", false, "do not run git init in the new folder")
	return cmd
}

// Run writes the scaffold into a staging folder, generates into it, and moves it into place: the
// target is either complete or untouched.
func Run(opts *Options) error {
	dir := filepath.Clean(opts.Dir)
	abs, err := filepath.Abs(dir)
	if err != nil {
		return err
	}
	if err := noLinks(dir); err != nil {
		return err
	}
	exists, err := checkEmpty(dir)
	if err != nil {
		return err
	}
	files, err := scaffold.Files(scaffoldOptions(opts))
	if err != nil {
		return err
	}
	// The staging folder is inside an existing target (the same file system, even on a mount point),
	// else beside the new one, whose missing parents are made and, on a failure, removed again.
	stageIn, made := abs, ""
	if !exists {
		stageIn = filepath.Dir(abs)
		if made, err = mkdirAllTracked(stageIn); err != nil {
			return err
		}
		// The folders just made are checked again: one replaced by a link since would be written through.
		if err := noLinks(filepath.Dir(dir)); err != nil {
			removeMade(made)
			return err
		}
	}
	stage, err := os.MkdirTemp(stageIn, ".gantry-new-*")
	if err != nil {
		removeMade(made)
		return fmt.Errorf("creating a staging folder in %s: %w", stageIn, err)
	}
	if err := place(opts, stage, files, dir, exists, made); err != nil {
		return err
	}
	printTree(opts, dir)
	if opts.NoGit {
		fmt.Fprintf(opts.IO.ErrOut, "gantry: run `git init` in %s before `gantry generate` there: Gantry finds the repository root by its .git\n", filepath.ToSlash(dir))
	} else {
		gitInit(opts, dir)
	}
	return nil
}

// stageAll writes the scaffold, the Dockerfile and the generated output into the staging folder.
func stageAll(opts *Options, stage string, files []generators.File) error {
	if err := os.Chmod(stage, 0o755); err != nil {
		return err
	}
	// Plain writes, not generators.Write: these files are the user's from now on, and must not be in
	// Gantry's record of what it generated (which it replaces, and removes when no longer generated).
	// The Dockerfile is one of them: written once, then the user's to edit.
	if err := writePlain(stage, files); err != nil {
		return err
	}
	// The blueprints are loaded from memory, as validate loaded them: nothing written is read back.
	res, fsys, err := loadScaffold(files)
	if err != nil {
		return err
	}
	dockerfiles, err := generators.Run(res, []generators.Generator{docker.New()})
	if err != nil {
		return err
	}
	if err := writePlain(stage, dockerfiles); err != nil {
		return err
	}
	if opts.NoGenerate {
		return nil
	}
	// The rest through gantry generate, with the staging folder as the repository root, so the output
	// names paths as a later `gantry generate` in the new repository will.
	only := slices.DeleteFunc(targets.Defaults(), func(n string) bool { return n == docker.New().Name() })
	_, err = output.Generate(output.Options{FS: fsys, Paths: []string{blueprints.DefaultDir}, Root: ".",
		Output: filepath.Join(stage, output.DefaultOutput), Repo: stage, Only: only})
	return err
}

// validate renders the blueprints the scaffold would hold and runs gantry validate's Load on them in
// memory: a flag is refused exactly when the blueprint it writes would fail validation.
func validate(opts *Options) (*blueprints.Resolved, error) {
	file, err := cmdutil.BlueprintFile(opts.Name)
	if err != nil {
		return nil, err
	}
	bps, err := scaffold.Blueprints(scaffoldOptions(opts), file)
	if err != nil {
		return nil, err
	}
	rendered := map[string][]byte{}
	for _, f := range bps {
		rendered[f.Path] = f.Data
	}
	return cmdutil.LoadRendered(rendered, blueprints.DefaultDir)
}

// loadScaffold loads the blueprints among the scaffold's files, in memory, and returns the file
// system they are in for the generators.
func loadScaffold(files []generators.File) (*blueprints.Resolved, fs.FS, error) {
	rendered := map[string][]byte{}
	fsys := fstest.MapFS{}
	for _, f := range files {
		if strings.HasPrefix(f.Path, blueprints.DefaultDir+"/") {
			rendered[f.Path] = f.Data
			fsys[f.Path] = &fstest.MapFile{Data: f.Data, Mode: 0o644}
		}
	}
	res, err := cmdutil.LoadRendered(rendered, blueprints.DefaultDir)
	return res, fsys, err
}

func scaffoldOptions(opts *Options) scaffold.Options {
	return scaffold.Options{Name: opts.Name, Team: opts.Team, Runtime: opts.Runtime,
		Type: opts.Type, Port: opts.Port, CI: opts.CI, NoGenerate: opts.NoGenerate}
}

func writePlain(root string, files []generators.File) error {
	for _, f := range files {
		p := filepath.Join(root, filepath.FromSlash(f.Path))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(p, f.Data, 0o644); err != nil {
			return err
		}
	}
	return nil
}

// mkdirAllTracked makes dir and its missing parents and returns the topmost folder it made ("" when
// dir existed), for removeMade.
func mkdirAllTracked(dir string) (string, error) {
	top := ""
	for d := dir; ; d = filepath.Dir(d) {
		if _, err := os.Stat(d); err == nil || filepath.Dir(d) == d {
			break
		}
		top = d
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("creating %s: %w", dir, err)
	}
	return top, nil
}

func removeMade(top string) {
	if top != "" {
		os.RemoveAll(top)
	}
}

// place stages the scaffold and moves it into dir. Until it has succeeded, a failure or Ctrl-C removes
// the staging folder, the folders made on the way and whatever was already moved into dir.
func place(opts *Options, stage string, files []generators.File, dir string, exists bool, made string) error {
	var (
		mu    sync.Mutex
		moved []string // in dir, by moveInto
		done  bool
	)
	cleanup := func() {
		mu.Lock()
		defer mu.Unlock()
		if done {
			return
		}
		for _, m := range moved {
			os.RemoveAll(m)
		}
		os.RemoveAll(stage)
		removeMade(made)
	}
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	defer func() { signal.Stop(sigs); close(sigs) }()
	go func() {
		if _, ok := <-sigs; ok {
			cleanup()
			os.Exit(130)
		}
	}()
	err := stageAll(opts, stage, files)
	if err == nil && afterStage != nil {
		err = afterStage()
	}
	if err == nil {
		err = moveInto(stage, dir, exists, func(p string) { mu.Lock(); moved = append(moved, p); mu.Unlock() })
	}
	if err != nil {
		cleanup()
		return err
	}
	mu.Lock()
	done = true
	mu.Unlock()
	os.Remove(stage) // the emptied staging folder inside an existing target
	return nil
}

// moveInto puts the staged scaffold in place. A new folder is one rename (which fails rather than
// replace a folder that has files). An existing empty folder is kept, since it may be someone's working
// folder, and the staged entries are moved into it one by one, never over a file that appeared since
// the check; each one moved is reported, for place to take out again on a failure.
func moveInto(stage, dir string, exists bool, movedOne func(string)) error {
	if !exists {
		if err := os.Rename(stage, dir); err != nil {
			return fmt.Errorf("moving the scaffold into %s: %w", dir, err)
		}
		return nil
	}
	entries, err := os.ReadDir(stage)
	if err != nil {
		return err
	}
	for _, e := range entries {
		to := filepath.Join(dir, e.Name())
		if err := renameNoReplace(filepath.Join(stage, e.Name()), to); err != nil {
			return fmt.Errorf("moving the scaffold into %s: %w", dir, err)
		}
		movedOne(to)
	}
	return nil
}

// renameNoReplace renames, failing when the target exists (RENAME_NOREPLACE: one step, no window).
func renameNoReplace(from, to string) error {
	err := unix.Renameat2(unix.AT_FDCWD, from, unix.AT_FDCWD, to, unix.RENAME_NOREPLACE)
	if errors.Is(err, unix.ENOSYS) || errors.Is(err, unix.EINVAL) {
		// A file system without the flag: check, then rename (a short window).
		if _, statErr := os.Lstat(to); statErr == nil {
			return fmt.Errorf("%s appeared while gantry new ran: %w", to, fs.ErrExist)
		}
		return os.Rename(from, to)
	}
	if errors.Is(err, unix.EEXIST) {
		return fmt.Errorf("%s appeared while gantry new ran: %w", to, fs.ErrExist)
	}
	return err
}

// noLinks refuses a folder whose path, as given, goes through a symbolic link: the target itself or
// any folder above it that the path names (a link to an empty folder elsewhere would be filled, a link
// as a parent would get folders made behind it). The working folder, which the path does not name, is
// not checked. The message names the folder the link leads to, for --dir when that is what was meant.
func noLinks(dir string) error {
	dir = filepath.Clean(dir)
	var named []string // dir and the folders above it that it names, outermost first
	for p := dir; p != "." && p != filepath.Dir(p); p = filepath.Dir(p) {
		named = append([]string{p}, named...)
	}
	for _, p := range named {
		st, err := os.Lstat(p)
		if errors.Is(err, fs.ErrNotExist) {
			return nil // neither it nor anything below it exists yet
		}
		if err != nil {
			return err
		}
		if st.Mode()&fs.ModeSymlink == 0 {
			continue
		}
		to, _ := os.Readlink(p)
		hint := "choose another --dir"
		if real, err := filepath.EvalSymlinks(p); err == nil {
			rest, _ := filepath.Rel(p, dir)
			hint = "to create it where the link leads, give that folder: --dir " + filepath.ToSlash(filepath.Join(real, rest))
		}
		return cmdutil.Invalidf("%s is a symbolic link (to %s); new never writes through a link (%s)", filepath.ToSlash(p), filepath.ToSlash(to), hint)
	}
	return nil
}

// checkEmpty refuses a target that exists and is not an empty folder, and reports whether it exists.
func checkEmpty(dir string) (exists bool, err error) {
	st, err := os.Stat(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	if !st.IsDir() {
		return true, cmdutil.Invalidf("%s exists and is not a folder; choose another name or --dir", filepath.ToSlash(dir))
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return true, err
	}
	if len(entries) > 0 {
		return true, cmdutil.Invalidf("%s exists and is not empty; new never writes into a folder with files (choose another --dir, or empty it)", filepath.ToSlash(dir))
	}
	return true, nil
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
