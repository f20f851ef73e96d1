package blueprints

import (
	"fmt"

	"github.com/gantry-dev/gantry/blueprints/catalog"
	"reflect"
	"slices"
	"strconv"
	"strings"
)

// The rules below are the ones `gantry init` and `gantry new` apply to their flags before they write a
// blueprint: validation applies the same functions to the blueprint, so a flag is refused exactly when
// the blueprint it would write is.

// MaxTeamName is the longest team name: a team is the services' namespace unless spec.namespace is
// set, and a namespace is a DNS label.
const MaxTeamName = 63

// reservedServiceNames and reservedTeamNames are names the output layout uses for its own files:
// <env>/<service>.yaml sits beside namespaces.yaml and kustomization.yaml, Argo CD's projects/<team>.yaml
// beside <platform>.yaml and kustomization.yaml, and <platform>/<team>/ beside namespaces/ and gitops/.
// With Argo CD the platform's own name is reserved for teams too (its AppProject).
var (
	reservedServiceNames = []string{"kustomization", "namespaces"}
	reservedTeamNames    = []string{"kustomization", "namespaces", "gitops"}
)

// ServiceNameProblem says what is wrong with a service name (metadata.name) and how to fix it, or "".
func ServiceNameProblem(name string) (msg, hint string) {
	if msg := dnsLabelProblem(name, MaxServiceName); msg != "" {
		return msg, hintLabel(name)
	}
	return reservedProblem(name, reservedServiceNames)
}

// TeamProblem says what is wrong with a team name (metadata.team) and how to fix it, or "". A platform
// with Argo CD reserves its own name too (teamProblem).
func TeamProblem(team string) (msg, hint string) {
	return teamProblem(team, nil)
}

func teamProblem(team string, alsoReserved []string) (msg, hint string) {
	if msg := dnsLabelProblem(team, MaxTeamName); msg != "" {
		return msg, hintLabel(team)
	}
	return reservedProblem(team, append(slices.Clone(reservedTeamNames), alsoReserved...))
}

func reservedProblem(value string, names []string) (msg, hint string) {
	if !slices.Contains(names, value) {
		return "", ""
	}
	return fmt.Sprintf("%q is reserved: the generated output has a file or folder of that name", value),
		"choose another name; reserved here: " + strings.Join(names, ", ")
}

// RuntimeTypeProblem says why a service cannot have this runtime and type together and how to fix it,
// or "": the runtime catalogue's Types (a static runtime is a file server: it serves a port, so it is a
// web service). An unknown runtime or type is not its concern (the allowed values are).
func RuntimeTypeProblem(runtime, typ string) (msg, hint string) {
	rt, ok := catalog.LookupRuntime(runtime)
	if !ok || rt.Types == nil || !slices.Contains(Types, typ) || slices.Contains(rt.Types, typ) {
		return "", ""
	}
	var others []string
	for _, r := range catalog.Runtimes() {
		if r.Types == nil || slices.Contains(r.Types, typ) {
			others = append(others, r.Name)
		}
	}
	return fmt.Sprintf("runtime %s makes %s, not a %s service", runtime, rt.Makes, typ),
		fmt.Sprintf("use type %s, or a runtime that runs a %s service: %s", strings.Join(rt.Types, " or "), typ, strings.Join(others, ", "))
}

// PortRange is the range of a service's port (spec.port's min and max tags).
func PortRange() (lo, hi int) {
	f, _ := reflect.TypeFor[ServiceSpec]().FieldByName("Port")
	lo, _ = strconv.Atoi(f.Tag.Get("min"))
	hi, _ = strconv.Atoi(f.Tag.Get("max"))
	return lo, hi
}
