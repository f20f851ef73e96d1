// Package cmdutil holds what every command shares: the IO streams and the errors that map to exit codes.
package cmdutil

import (
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/spf13/cobra"
	"k8s.io/apimachinery/pkg/util/validation"

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

// CheckService checks the service settings that init and new take as flags, as usage errors.
func CheckService(name, team, runtime, typ string, port int) error {
	for _, v := range []struct{ flag, value string }{{"NAME", name}, {"--team", team}} {
		if errs := validation.IsDNS1123Label(v.value); len(errs) > 0 || len(v.value) > blueprints.MaxServiceName {
			return FlagErrorf("%s %q must be a DNS label of at most %d characters: lower-case letters, digits and '-'",
				v.flag, v.value, blueprints.MaxServiceName)
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
	if typ == blueprints.TypeWeb && (port < 1024 || port > 65535) {
		return FlagErrorf("--port must be from 1024 to 65535 (containers run as non-root)")
	}
	return nil
}
