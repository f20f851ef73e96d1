// Package validate implements `gantry validate`.
package validate

import (
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/spf13/cobra"
	"sigs.k8s.io/yaml"

	"github.com/gantry-dev/gantry/blueprints"
	"github.com/gantry-dev/gantry/cmd/cli/cmdutil"
)

// Options are the inputs of `gantry validate`.
type Options struct {
	IO       cmdutil.IOStreams
	Paths    []string
	Platform string
	Format   string
	Strict   bool
	Print    bool
	Env      string
}

// Formats of the diagnostics.
var formats = []string{"text", "json", "github"}

// NewCmdValidate builds the command; runF replaces the run function in tests.
func NewCmdValidate(io cmdutil.IOStreams, runF func(*Options) error) *cobra.Command {
	opts := &Options{IO: io}
	cmd := &cobra.Command{
		Use:   "validate [FILE|DIR ...]",
		Short: "Check blueprints and report every problem at once",
		Long: `Validate parses the blueprints strictly and reports every problem at once, as
file:line:col: field: message (hint), sorted by file and line. Folders are searched recursively for
blueprints (YAML files with apiVersion gantry.dev/v1); with no argument, blueprints/ or the current folder.

Checks across files (unique names; when A calls B, B lists A among its callers) are errors when folders are
given, and warnings for a reference to a service outside the set when only some files are named.

Exit codes: 0 valid (warnings allowed unless --strict), 1 invalid, 2 usage error.`,
		Example: `  # Validate every blueprint under blueprints/
  gantry validate

  # Validate the examples and annotate a GitHub pull request with any problem
  gantry validate --format github blueprints/examples

  # Show what payments resolves to in production, after platform defaults and overrides
  gantry validate --print --env prod blueprints/examples/acme/payments.yaml`,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Paths = args
			if !slices.Contains(formats, opts.Format) {
				return cmdutil.FlagErrorf("--format must be one of %s, not %q", strings.Join(formats, ", "), opts.Format)
			}
			if opts.Env != "" && !opts.Print {
				return cmdutil.FlagErrorf("--env goes with --print")
			}
			if runF != nil {
				return runF(opts)
			}
			return Run(opts)
		},
	}
	f := cmd.Flags()
	f.StringVar(&opts.Platform, "platform", "", "platform file to use instead of the nearest gantry.yaml or platform.yaml")
	f.StringVar(&opts.Format, "format", "text", "diagnostics format: text, json or github (workflow annotations)")
	f.BoolVar(&opts.Strict, "strict", false, "fail on warnings too")
	f.BoolVar(&opts.Print, "print", false, "print every service fully resolved, per environment, as YAML")
	f.StringVar(&opts.Env, "env", "", "with --print: only this environment")
	return cmd
}

// Run validates and reports.
func Run(opts *Options) error {
	res, diags := blueprints.Load(blueprints.LoadOptions{Paths: opts.Paths, PlatformFile: opts.Platform})
	failed := diags.HasErrors(opts.Strict)
	if err := report(opts, diags); err != nil {
		return err
	}
	if failed {
		return cmdutil.ErrSilent
	}
	if opts.Print {
		return printResolved(opts.IO.Out, res, opts.Env)
	}
	if opts.Format == "text" {
		services := 0
		for _, p := range res.Platforms {
			services += len(p.Services)
		}
		_, warns := diags.Count()
		fmt.Fprintf(opts.IO.Out, "%s valid (%s, %s)\n", plural(services, "service"), plural(len(res.Platforms), "platform"), plural(warns, "warning"))
	}
	return nil
}

func plural(n int, word string) string {
	if n == 1 {
		return fmt.Sprintf("1 %s", word)
	}
	return fmt.Sprintf("%d %ss", n, word)
}

func report(opts *Options, diags blueprints.Diagnostics) error {
	switch opts.Format {
	case "json":
		return writeJSON(opts.IO.Out, diags)
	case "github":
		for _, d := range diags {
			fmt.Fprintln(opts.IO.Out, githubAnnotation(d))
		}
		return nil
	}
	if len(diags) == 0 {
		return nil
	}
	errs, warns := diags.Count()
	if errs > 0 || opts.Strict {
		fmt.Fprintln(opts.IO.ErrOut, "validation failed:")
	}
	for _, d := range diags {
		fmt.Fprintln(opts.IO.ErrOut, d.String())
	}
	fmt.Fprintf(opts.IO.ErrOut, "%s, %s\n", plural(errs, "error"), plural(warns, "warning"))
	return nil
}

type jsonDiagnostic struct {
	File     string `json:"file"`
	Line     int    `json:"line"`
	Column   int    `json:"column"`
	Severity string `json:"severity"`
	Path     string `json:"path,omitempty"`
	Message  string `json:"message"`
	Hint     string `json:"hint,omitempty"`
}

func writeJSON(w io.Writer, diags blueprints.Diagnostics) error {
	out := make([]jsonDiagnostic, 0, len(diags))
	for _, d := range diags {
		out = append(out, jsonDiagnostic{File: d.Pos.File, Line: d.Pos.Line, Column: d.Pos.Col,
			Severity: d.Severity.String(), Path: d.Path, Message: d.Message, Hint: d.Hint})
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}

// githubAnnotation renders a workflow command that marks the line in a pull request.
func githubAnnotation(d blueprints.Diagnostic) string {
	props := []string{"file=" + escapeProperty(d.Pos.File)}
	if d.Pos.Line > 0 {
		props = append(props, fmt.Sprintf("line=%d", d.Pos.Line), fmt.Sprintf("col=%d", d.Pos.Col))
	}
	props = append(props, "title="+escapeProperty("gantry validate"))
	msg := d.Message
	if d.Path != "" {
		msg = d.Path + ": " + msg
	}
	if d.Hint != "" {
		msg += " (" + d.Hint + ")"
	}
	return fmt.Sprintf("::%s %s::%s", d.Severity, strings.Join(props, ","), escapeData(msg))
}

// escapeData and escapeProperty follow the workflow-command escaping of @actions/core.
func escapeData(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A").Replace(s)
}

func escapeProperty(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A", ":", "%3A", ",", "%2C").Replace(s)
}

// resolvedDoc is one service in one environment, as --print shows it.
type resolvedDoc struct {
	APIVersion string                 `json:"apiVersion"`
	Kind       string                 `json:"kind"`
	Metadata   resolvedMeta           `json:"metadata"`
	Spec       blueprints.ServiceSpec `json:"spec"`
}

type resolvedMeta struct {
	Name        string `json:"name"`
	Team        string `json:"team"`
	Description string `json:"description,omitempty"`
	Platform    string `json:"platform"`
	Environment string `json:"environment"`
	Production  bool   `json:"production"`
	// DependenciesFrom says who provides the dependencies in this environment: "cluster" or the cloud.
	DependenciesFrom string `json:"dependenciesFrom,omitempty"`
}

// printedSpec is a spec as the output has it: each env value with its placeholders resolved (a
// dependency's setting as the kubelet's $(VAR), a secret as $(secret:KEY)).
func printedSpec(s blueprints.ServiceSpec) blueprints.ServiceSpec {
	if s.Values == nil {
		return s
	}
	s.Env = make(map[string]string, len(s.Values))
	for k, v := range s.Values {
		s.Env[k] = v.String()
	}
	return s
}

func printResolved(w io.Writer, res *blueprints.Resolved, env string) error {
	first := true
	found := env == ""
	for _, p := range res.Platforms {
		for _, s := range p.Services {
			for _, e := range s.Environments {
				if env != "" && e.Name != env {
					continue
				}
				found = true
				doc := resolvedDoc{APIVersion: blueprints.APIVersion, Kind: blueprints.KindService,
					Metadata: resolvedMeta{Name: s.Name, Team: s.Team, Description: s.Description, Platform: p.Name,
						Environment: e.Name, Production: e.Production},
					Spec: printedSpec(e.Spec)}
				if len(e.Spec.Dependencies) > 0 {
					doc.Metadata.DependenciesFrom = blueprints.DependencyProvider(p.Spec, e.Name)
				}
				out, err := yaml.Marshal(doc)
				if err != nil {
					return fmt.Errorf("printing %s: %w", s.Name, err)
				}
				if !first {
					fmt.Fprintln(w, "---")
				}
				first = false
				fmt.Fprintf(w, "# %s in %s, resolved from %s\n%s", s.Name, e.Name, s.File, out)
			}
		}
	}
	if !found {
		return cmdutil.FlagErrorf("no environment %q in the platforms loaded", env)
	}
	return nil
}
