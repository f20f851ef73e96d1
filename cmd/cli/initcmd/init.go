// Package initcmd implements `gantry init`.
package initcmd

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"
	"k8s.io/apimachinery/pkg/util/validation"

	"github.com/gantry-dev/gantry/blueprints"
	"github.com/gantry-dev/gantry/cmd/cli/cmdutil"
	"github.com/gantry-dev/gantry/templates"
)

// Options are the inputs of `gantry init`.
type Options struct {
	IO   cmdutil.IOStreams
	Name string
	cmdutil.ServiceFlags
	Dir string
}

// NewCmdInit builds the command; runF replaces the run function in tests.
func NewCmdInit(io cmdutil.IOStreams, runF func(*Options) error) *cobra.Command {
	opts := &Options{IO: io}
	cmd := &cobra.Command{
		Use:   "init NAME",
		Short: "Write a commented starter blueprint that validates as written",
		Long: `Init writes <dir>/<NAME>.yaml, a commented starter blueprint, and a platform file (platform.yaml)
when none is found in the folder or above it. It never overwrites a file.`,
		Example: `  # A Go web service on port 8080, in blueprints/
  gantry init payments

  # A Python worker owned by the comms team
  gantry init notifier --runtime python --type worker --team comms`,
		Args: cmdutil.ServiceName("init"),
		RunE: func(_ *cobra.Command, args []string) error {
			opts.Name = args[0]
			opts.Named(opts.Name)
			if err := opts.check(); err != nil {
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
	f.StringVar(&opts.Dir, "dir", blueprints.DefaultDir, "folder to write the blueprint in")
	return cmd
}

// check renders the starter blueprint (and a platform file) and runs gantry validate's Load on it in
// memory: a flag is refused exactly when the blueprint it writes would fail validation.
func (o *Options) check() error {
	file, err := cmdutil.BlueprintFile(o.Name)
	if err != nil {
		return err
	}
	svc, err := o.render()
	if err != nil {
		return err
	}
	platform, err := templates.Render("platform.yaml.tmpl", templates.PlatformData{Name: "platform", CI: "github"})
	if err != nil {
		return err
	}
	_, err = cmdutil.LoadRendered(map[string][]byte{"blueprints/" + file: svc, "blueprints/platform.yaml": platform}, "blueprints")
	return err
}

func (o *Options) render() ([]byte, error) {
	return templates.Render("service.yaml.tmpl", templates.ServiceData{
		Name: o.Name, Team: o.Team, Runtime: o.Runtime, Type: o.Type, Port: o.Port,
	})
}

// Run writes the starter files.
func Run(opts *Options) error {
	svc, err := opts.render()
	if err != nil {
		return err
	}
	if err := os.MkdirAll(opts.Dir, 0o755); err != nil {
		return fmt.Errorf("creating %s: %w", opts.Dir, err)
	}
	target := filepath.Join(opts.Dir, opts.Name+".yaml")
	if err := writeNew(target, svc); err != nil {
		return err
	}
	fmt.Fprintf(opts.IO.Out, "wrote %s\n", filepath.ToSlash(target))
	if !blueprints.PlatformAbove(opts.Dir) {
		name := filepath.Base(mustAbs(filepath.Dir(mustAbs(opts.Dir))))
		if errs := validation.IsDNS1123Label(name); len(errs) > 0 {
			name = "platform"
		}
		p, err := templates.Render("platform.yaml.tmpl", templates.PlatformData{Name: name, CI: "github"})
		if err != nil {
			return err
		}
		ptarget := filepath.Join(opts.Dir, "platform.yaml")
		if err := writeNew(ptarget, p); err != nil {
			return err
		}
		fmt.Fprintf(opts.IO.Out, "wrote %s\n", filepath.ToSlash(ptarget))
	}
	fmt.Fprintf(opts.IO.Out, "next: edit it, then run `gantry validate %s`\n", filepath.ToSlash(opts.Dir))
	return nil
}

// writeNew creates a file that must not exist yet; O_EXCL makes the check and the creation one step.
func writeNew(path string, data []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if errors.Is(err, fs.ErrExist) {
		return cmdutil.Invalidf("%s already exists; init never overwrites (choose another name or --dir)", filepath.ToSlash(path))
	}
	if err != nil {
		return fmt.Errorf("creating %s: %w", path, err)
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		os.Remove(path)
		return fmt.Errorf("writing %s: %w", path, err)
	}
	return f.Close()
}

func mustAbs(p string) string {
	if abs, err := filepath.Abs(p); err == nil {
		return abs
	}
	return p
}
