// Package cmdutil holds what every command shares: the IO streams and the errors that map to exit codes.
package cmdutil

import (
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/gantry-dev/gantry/blueprints"
)

// IOStreams are a command's standard streams; tests pass buffers.
type IOStreams struct {
	In     io.Reader
	Out    io.Writer // results
	ErrOut io.Writer // diagnostics and errors
}

// Exit codes.
const (
	ExitOK       = 0
	ExitInvalid  = 1 // the input is invalid, or the output has drifted
	ExitUsage    = 2 // the command line is wrong
	ExitInternal = 3 // anything else: a bug or an I/O failure
)

// FlagError is a usage error: wrong flags or arguments.
type FlagError struct{ Err error }

func (e *FlagError) Error() string { return e.Err.Error() }
func (e *FlagError) Unwrap() error { return e.Err }

// FlagErrorf returns a usage error.
func FlagErrorf(format string, args ...any) error {
	return &FlagError{Err: fmt.Errorf(format, args...)}
}

// ErrSilent is returned when the command has already printed what went wrong (e.g. the diagnostics of
// invalid blueprints) and only the exit code is left to set.
var ErrSilent = errors.New("silent failure")

// ErrInvalid marks input problems (exit 1); Invalidf makes one.
var ErrInvalid = errors.New("invalid input")

// invalidError is an input problem whose message stands alone (no "invalid input:" prefix).
type invalidError struct{ msg string }

func (e *invalidError) Error() string        { return e.msg }
func (e *invalidError) Is(target error) bool { return target == ErrInvalid }

// Invalidf returns an input problem (exit 1): say what was wrong and what to do.
func Invalidf(format string, args ...any) error {
	return &invalidError{msg: fmt.Sprintf(format, args...)}
}

// ServiceName is the Args check of the commands that take one service name (init, new).
func ServiceName(verb string) func(*cobra.Command, []string) error {
	return func(_ *cobra.Command, args []string) error {
		if len(args) != 1 {
			return FlagErrorf("%s takes the service name, e.g. gantry %s payments", verb, verb)
		}
		return nil
	}
}

// CheckService checks the service settings that init and new take as flags, as usage errors. The rules
// are the blueprint's own (blueprints.ServiceNameProblem, TeamProblem, RuntimeTypeProblem, the allowed
// runtimes and types and the port's range), so a flag is refused exactly when the blueprint it would
// write fails gantry validate.
func CheckService(name, team, runtime, typ string, port int) error {
	for _, v := range []struct {
		flag, value string
		problem     func(string) (string, string)
	}{{"NAME", name, blueprints.ServiceNameProblem}, {"--team", team, blueprints.TeamProblem}} {
		if msg, hint := v.problem(v.value); msg != "" {
			return FlagErrorf("%s %s", v.flag, withHint(msg, hint))
		}
	}
	// The blueprint is written as <NAME>.yaml beside the platform file.
	if slices.Contains(blueprints.PlatformFileNames, name+".yaml") {
		return FlagErrorf("NAME %q would be %s.yaml, the platform file's name: choose another name", name, name)
	}
	if !slices.Contains(blueprints.Runtimes, runtime) {
		return FlagErrorf("--runtime must be one of %s", strings.Join(blueprints.Runtimes, ", "))
	}
	if !slices.Contains(blueprints.Types, typ) {
		return FlagErrorf("--type must be one of %s", strings.Join(blueprints.Types, ", "))
	}
	if msg, hint := blueprints.RuntimeTypeProblem(runtime, typ); msg != "" {
		return FlagErrorf("--type %s: %s", typ, withHint(msg, hint))
	}
	if lo, hi := blueprints.PortRange(); typ == blueprints.TypeWeb && (port < lo || port > hi) {
		return FlagErrorf("--port must be from %d to %d (containers run as non-root)", lo, hi)
	}
	return nil
}

func withHint(msg, hint string) string {
	if hint == "" {
		return msg
	}
	return msg + " (" + hint + ")"
}
