// Package cmdutil holds what every command shares: the IO streams and the errors that map to exit codes.
package cmdutil

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"slices"
	"strings"
	"testing/fstest"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

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

// ServiceFlags are the flags init and new share: the service's blueprint fields.
type ServiceFlags struct {
	Team, Runtime, Type string
	Port                int
}

// Named gives the team its default, the service's name.
func (s *ServiceFlags) Named(name string) {
	if s.Team == "" {
		s.Team = name
	}
}

// Register adds the flags to a command; the team defaults to the service's name (Named).
func (s *ServiceFlags) Register(f *pflag.FlagSet) {
	f.StringVar(&s.Team, "team", "", "owning team, also the namespace (default: the service name)")
	f.StringVar(&s.Runtime, "runtime", "go", "runtime: "+strings.Join(blueprints.Runtimes, ", "))
	f.StringVar(&s.Type, "type", "web", "type: "+strings.Join(blueprints.Types, ", "))
	f.IntVar(&s.Port, "port", 8080, "port of a web service")
}

// flagOf names the argument or flag of init and new that sets a blueprint field.
var flagOf = map[string]string{"metadata.name": "NAME", "metadata.team": "--team", "spec.runtime": "--runtime",
	"spec.type": "--type", "spec.port": "--port", "spec.ci": "--ci"}

// LoadRendered runs gantry validate's Load on the blueprints init or new rendered in memory (slash
// path -> content, the blueprints under dir) and turns its errors into usage errors that name the flag
// that set the field: a flag is refused exactly when the blueprint it would write fails gantry
// validate, by the same code. Errors in a field no flag sets are Gantry's own (its templates), and
// said so.
func LoadRendered(files map[string][]byte, dir string) (*blueprints.Resolved, error) {
	fsys := fstest.MapFS{}
	for p, data := range files {
		fsys[p] = &fstest.MapFile{Data: data, Mode: 0o644}
	}
	res, diags := blueprints.Load(blueprints.LoadOptions{FS: fsys, Paths: []string{dir}, Root: "."})
	if !diags.HasErrors(false) {
		return res, nil
	}
	var flags, said, other []string
	for _, d := range diags {
		if d.Severity != blueprints.SeverityError {
			continue
		}
		flag, ok := flagOf[d.Path]
		if !ok {
			other = append(other, d.String())
			continue
		}
		// Once a problem: the team defaults to the name, and the platform is named after the service.
		if msg := withHint(d.Message, d.Hint); !slices.Contains(said, msg) {
			said = append(said, msg)
			flags = append(flags, flag+": "+msg)
		}
	}
	if len(flags) > 0 {
		return nil, FlagErrorf("%s", strings.Join(flags, "; "))
	}
	return nil, fmt.Errorf("the blueprint gantry would write does not validate (a bug; please report it):\n%s", strings.Join(other, "\n"))
}

// BlueprintFile is the file name of a service's blueprint: NAME.yaml. It must not be a platform file's
// name, which the rules of a blueprint's contents cannot see.
func BlueprintFile(name string) (string, error) {
	if slices.Contains(blueprints.PlatformFileNames, name+".yaml") {
		return "", FlagErrorf("NAME %q would be %s.yaml, the platform file's name: choose another name", name, name)
	}
	if !fs.ValidPath(name) || strings.Contains(name, "/") {
		return "service.yaml", nil // refused by the name's rule when the blueprint is loaded
	}
	return name + ".yaml", nil
}

func withHint(msg, hint string) string {
	if hint == "" {
		return msg
	}
	return msg + " (" + hint + ")"
}
