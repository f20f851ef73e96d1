// Package graph implements `gantry graph`.
package graph

import (
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/gantry-dev/gantry/blueprints"
	"github.com/gantry-dev/gantry/cmd/cli/cmdutil"
	"github.com/gantry-dev/gantry/cmd/cli/validate"
	gengraph "github.com/gantry-dev/gantry/generators/graph"
)

// Options are the inputs of `gantry graph`.
type Options struct {
	IO       cmdutil.IOStreams
	Paths    []string
	Platform string
	Format   string
	Env      string
}

// Formats of the graph.
var formats = []string{"mermaid", "dot"}

// NewCmdGraph builds the command; runF replaces the run function in tests.
func NewCmdGraph(io cmdutil.IOStreams, runF func(*Options) error) *cobra.Command {
	opts := &Options{IO: io}
	cmd := &cobra.Command{
		Use:   "graph [FILE|DIR ...]",
		Short: "Print the platform's services, calls, dependencies, ingress and egress as a graph",
		Long: `Graph loads the blueprints as validate does (the same files, the same problems reported the same
way, the same exit codes) and prints each platform's graph: its services grouped by team, the calls
between them (labelled with the protocol and the port callers address), each service's dependencies
(labelled with their type, and with who runs them in that environment: the cloud, or the cluster), public and internal ingress (from the internet or the internal gateway,
labelled with the host and paths) and egress hosts. Mermaid (the default, which GitHub and GitLab
render in a Markdown file) or DOT for Graphviz; one graph per platform, one after the other (with
--env, the platforms that have that environment).

The calls are the edges the generated NetworkPolicies allow, and nothing else.

Exit codes: 0 ok, 1 invalid blueprints, 2 usage error.`,
		Example: `  # The platform in production, as Mermaid
  gantry graph

  # The examples' dev environment as an SVG
  gantry graph --format dot --env dev blueprints/examples/acme | dot -Tsvg -o acme-dev.svg`,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Paths = args
			if !slices.Contains(formats, opts.Format) {
				return cmdutil.FlagErrorf("--format must be one of %s, not %q", strings.Join(formats, ", "), opts.Format)
			}
			if runF != nil {
				return runF(opts)
			}
			return Run(opts)
		},
	}
	f := cmd.Flags()
	f.StringVar(&opts.Platform, "platform", "", "platform file to use instead of the nearest gantry.yaml or platform.yaml")
	f.StringVar(&opts.Format, "format", "mermaid", "graph language: mermaid or dot")
	f.StringVar(&opts.Env, "env", "", "environment to draw (default: each platform's production environment)")
	return cmd
}

// Run validates as `gantry validate` does (its report, its exit code), then prints the graphs.
func Run(opts *Options) error {
	check := &validate.Options{IO: cmdutil.IOStreams{In: opts.IO.In, Out: io.Discard, ErrOut: opts.IO.ErrOut},
		Paths: opts.Paths, Platform: opts.Platform, Format: "text"}
	if err := validate.Run(check); err != nil {
		return err
	}
	res, diags := blueprints.Load(blueprints.LoadOptions{Paths: opts.Paths, PlatformFile: opts.Platform})
	if diags.HasErrors(false) {
		return cmdutil.ErrSilent // the files changed since validate read them; it has reported
	}
	graphs, err := Graphs(res, opts.Env)
	if err != nil {
		return err
	}
	render := gengraph.Mermaid
	if opts.Format == "dot" {
		render = gengraph.DOT
	}
	if opts.Env != "" {
		for _, p := range res.Platforms {
			if !slices.Contains(p.Spec.Environments, opts.Env) {
				fmt.Fprintf(opts.IO.ErrOut, "gantry: platform %s has no environment %s (it has %s): not drawn\n", p.Name, opts.Env, strings.Join(p.Spec.Environments, ", "))
			}
		}
	}
	for i, g := range graphs {
		if i > 0 && opts.Format == "mermaid" {
			fmt.Fprintln(opts.IO.Out) // each diagram starts with its front matter
		}
		fmt.Fprint(opts.IO.Out, render(g))
	}
	return nil
}

// Graphs draws each platform in env ("" for each one's production environment), in the order the
// platforms were loaded. A platform without env is left out; none with it is a usage error, as for
// validate --print.
func Graphs(res *blueprints.Resolved, env string) ([]*gengraph.Graph, error) {
	var out []*gengraph.Graph
	for _, p := range res.Platforms {
		if env != "" && !slices.Contains(p.Spec.Environments, env) {
			continue
		}
		g, err := gengraph.Build(p, env)
		if err != nil {
			return nil, err
		}
		out = append(out, g)
	}
	if env != "" && len(out) == 0 {
		return nil, cmdutil.FlagErrorf("no environment %q in the platforms loaded", env)
	}
	return out, nil
}
