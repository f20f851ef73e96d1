// Package cli is Gantry's command line: the root command, its subcommands, and the one place where errors
// become exit codes.
package cli

import (
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/gantry-dev/gantry/blueprints"
	"github.com/gantry-dev/gantry/cmd/cli/cmdutil"
	"github.com/gantry-dev/gantry/cmd/cli/generate"
	"github.com/gantry-dev/gantry/cmd/cli/graph"
	"github.com/gantry-dev/gantry/cmd/cli/importcmd"
	"github.com/gantry-dev/gantry/cmd/cli/initcmd"
	"github.com/gantry-dev/gantry/cmd/cli/migrate"
	"github.com/gantry-dev/gantry/cmd/cli/newcmd"
	"github.com/gantry-dev/gantry/cmd/cli/schema"
	"github.com/gantry-dev/gantry/cmd/cli/validate"
	"github.com/gantry-dev/gantry/cmd/cli/version"
	"github.com/gantry-dev/gantry/generators"
)

// Main runs gantry with the process's arguments and streams and returns the exit code.
func Main() int {
	return Run(os.Args[1:], cmdutil.IOStreams{In: os.Stdin, Out: os.Stdout, ErrOut: os.Stderr})
}

// Run runs gantry with the given arguments and streams and returns the exit code.
func Run(args []string, io cmdutil.IOStreams) int {
	root := NewRootCmd(io)
	root.SetArgs(args)
	cmd, err := root.ExecuteC()
	if err == nil {
		return cmdutil.ExitOK
	}
	code := ExitCode(err)
	switch {
	case errors.Is(err, cmdutil.ErrSilent):
	case code == cmdutil.ExitUsage:
		fmt.Fprintf(io.ErrOut, "gantry: %s\nRun '%s --help' for usage.\n", sanitize(err), cmd.CommandPath())
	default:
		fmt.Fprintf(io.ErrOut, "gantry: %s\n", sanitize(err))
	}
	return code
}

// sanitize is an error's text as gantry prints it: each line through blueprints.Sanitize, so an
// argument, a flag value or a path echoed in it shows no credential and no huge value.
func sanitize(err error) string {
	lines := strings.Split(err.Error(), "\n")
	for i, l := range lines {
		lines[i] = blueprints.Sanitize(l)
	}
	return strings.Join(lines, "\n")
}

// ExitCode maps an error to the documented exit code.
func ExitCode(err error) int {
	var flagErr *cmdutil.FlagError
	var valErr *blueprints.ValidationError
	var refused *generators.RefusedError
	switch {
	case err == nil:
		return cmdutil.ExitOK
	case errors.As(err, &flagErr), isCobraUsageError(err):
		return cmdutil.ExitUsage
	case errors.As(err, &valErr), errors.As(err, &refused), errors.Is(err, cmdutil.ErrInvalid), errors.Is(err, cmdutil.ErrSilent):
		return cmdutil.ExitInvalid
	}
	return cmdutil.ExitInternal
}

// isCobraUsageError recognises the errors cobra itself returns for a wrong command line; cobra has no
// typed errors for them.
func isCobraUsageError(err error) bool {
	msg := err.Error()
	for _, p := range []string{"unknown command", "unknown flag", "unknown shorthand flag", "accepts ", "requires at least", "requires at most", "invalid argument", "flag needs an argument", "required flag"} {
		if strings.HasPrefix(msg, p) || strings.Contains(msg, " "+p) {
			return true
		}
	}
	return false
}

// NewRootCmd builds the command tree.
func NewRootCmd(io cmdutil.IOStreams) *cobra.Command {
	root := &cobra.Command{
		Use:   "gantry",
		Short: "Turn a short service blueprint into everything it needs to run in production",
		Long: `Gantry turns a short service blueprint into hardened Kubernetes manifests, Terraform for the
service's cloud dependencies, CI pipelines and GitOps objects, as plain files a team commits.

Exit codes: 0 ok, 1 invalid input (or drift), 2 usage error, 3 internal error.`,
		Example: `  # Start a service: blueprint, runnable source, Dockerfile, pipeline and manifests
  gantry new payments --runtime go --type web --port 8080

  # In a platform repository: add a blueprint, check it, see what it resolves to
  gantry init payments --runtime go --type web --port 8080
  gantry validate blueprints/
  gantry validate --print blueprints/payments.yaml`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetIn(io.In)
	root.SetOut(io.Out)
	root.SetErr(io.ErrOut)
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return &cmdutil.FlagError{Err: err} })
	root.AddCommand(
		initcmd.NewCmdInit(io, nil),
		newcmd.NewCmdNew(io, nil),
		validate.NewCmdValidate(io, nil),
		generate.NewCmdGenerate(io, nil),
		graph.NewCmdGraph(io, nil),
		importcmd.NewCmdImport(io, nil),
		migrate.NewCmdMigrate(io, nil),
		schema.NewCmdSchema(io, nil),
		version.NewCmdVersion(io, nil),
	)
	return root
}
