package cmdutil

import (
	"errors"
	"strings"
	"testing"

	"github.com/gantry-dev/gantry/blueprints"
	"github.com/gantry-dev/gantry/templates"
)

// check is what init and new do with their flags: render the blueprint, load it in memory.
func check(t *testing.T, name, team, runtime, typ string, port int) error {
	t.Helper()
	file, err := BlueprintFile(name)
	if err != nil {
		return err
	}
	svc, err := templates.Render("service.yaml.tmpl", templates.ServiceData{Name: name, Team: team, Runtime: runtime, Type: typ, Port: port})
	if err != nil {
		t.Fatal(err)
	}
	_, err = LoadRendered(map[string][]byte{"blueprints/" + file: svc}, "blueprints")
	return err
}

// TestRenderedBlueprintRules: init's and new's flags are refused exactly when the
// blueprint they would write fails validation (the same Load, in memory), with the blueprint rule's
// message, naming the flag. The first rows are the drifts of the copies init and new once kept: a team of 41 to 63 characters was refused (the
// service name's limit), a static worker was accepted by init.
func TestRenderedBlueprintRules(t *testing.T) {
	long := func(n int) string { return strings.Repeat("a", n) }
	for _, tc := range []struct {
		name, team, runtime, typ string
		port                     int
		want                     string // "" when accepted
	}{
		{"api", long(49), "go", "web", 8080, ""},
		{"api", long(63), "go", "web", 8080, ""},
		{"api", long(64), "go", "web", 8080, `--team: "` + long(64) + `" is longer than 63 characters`},
		{"x", "x", "static", "worker", 0, "--type: runtime static makes a site served over HTTP, not a worker service"},
		{"x", "x", "static", "cron", 0, "--type: runtime static makes a site served over HTTP, not a cron service"},
		{"x", "x", "static", "job", 0, "--type: runtime static makes a site served over HTTP, not a job service"},
		{"x", "x", "static", "web", 8080, ""},
		{"x", "x", "go", "worker", 0, ""},
		{long(40), "core", "go", "web", 8080, ""},
		{long(41), "core", "go", "web", 8080, `NAME: "` + long(41) + `" is longer than 40 characters`},
		{"Payments_API", "core", "go", "web", 8080, `NAME: "Payments_API" is not a DNS label`},
		{"a/b", "core", "go", "web", 8080, `NAME: "a/b" is not a DNS label`},
		{"kustomization", "core", "go", "web", 8080, `NAME: "kustomization" is reserved`},
		{"api", "gitops", "go", "web", 8080, `--team: "gitops" is reserved`},
		{"platform", "core", "go", "web", 8080, "the platform file's name"},
		{"api", "core", "cobol", "web", 8080, `--runtime: "cobol" is not allowed`},
		{"api", "core", "go", "daemon", 8080, `--type: "daemon" is not allowed`},
		{"api", "core", "go", "web", 1023, "--port: must be at least 1024"},
		{"api", "core", "go", "web", 65536, "--port: must be at most 65535"},
		{"api", "core", "go", "worker", 80, ""}, // no port for a worker
	} {
		err := check(t, tc.name, tc.team, tc.runtime, tc.typ, tc.port)
		got := ""
		if err != nil {
			got = err.Error()
			var fe *FlagError
			if !errors.As(err, &fe) {
				t.Errorf("%+v: %v is not a usage error", tc, err)
			}
		}
		if (tc.want == "") != (got == "") || !strings.Contains(got, tc.want) {
			t.Errorf("check(%q, %q, %q, %q, %d) = %q, want %q", tc.name, tc.team, tc.runtime, tc.typ, tc.port, got, tc.want)
		}
		// The message is the first broken blueprint rule's own.
		for _, msg := range []string{first(blueprints.ServiceNameProblem(tc.name)), first(blueprints.TeamProblem(tc.team)),
			first(blueprints.RuntimeTypeProblem(tc.runtime, tc.typ))} {
			if msg != "" {
				if !strings.Contains(got, msg) {
					t.Errorf("%q does not carry the blueprint rule's message %q", got, msg)
				}
				break
			}
		}
	}
}

func first(msg, _ string) string { return msg }
