// Package targets is the registry of Gantry's targets: every generator, listed in one place (no
// init-time registration), and what the commands and the writer ask of the list.
package targets

import (
	"slices"
	"sync"

	"github.com/gantry-dev/gantry/generators"
	"github.com/gantry-dev/gantry/generators/ci"
	"github.com/gantry-dev/gantry/generators/compose"
	"github.com/gantry-dev/gantry/generators/docker"
	"github.com/gantry-dev/gantry/generators/docs"
	"github.com/gantry-dev/gantry/generators/gitops"
	"github.com/gantry-dev/gantry/generators/kubernetes"
	"github.com/gantry-dev/gantry/generators/terraform"
)

// All returns every target, in the order their files are rendered.
func All() []generators.Generator {
	return []generators.Generator{kubernetes.New(), terraform.New(), gitops.New(), docker.New(), ci.New(), docs.New(), compose.New()}
}

// optIn are the targets a run renders only when --only names them: the Compose file is for a
// developer's machine, not part of what a service needs to run in production, so a plain
// `gantry generate` (and every golden of the other targets) leaves it out.
var optIn = []string{compose.New().Name()}

// Defaults lists the targets a run renders when --only names none, in All's order.
func Defaults() []string {
	return slices.DeleteFunc(Names(), func(n string) bool { return slices.Contains(optIn, n) })
}

// InScope is the writer's scope for --only: the targets named, or Defaults when none is, so that a
// plain run neither writes nor removes what an opt-in target wrote.
func InScope(names []string) []string {
	if len(names) == 0 {
		return Defaults()
	}
	return names
}

// Names lists the targets' names, in All's order.
func Names() []string {
	var names []string
	for _, t := range All() {
		names = append(names, t.Name())
	}
	return names
}

// Select returns the targets named (Defaults when names is empty), in All's order.
func Select(names []string) []generators.Generator {
	names = InScope(names)
	return slices.DeleteFunc(All(), func(g generators.Generator) bool { return !slices.Contains(names, g.Name()) })
}

// Layout reports whether target could have written path: what the writer honours in a record.
func Layout(target, path string) bool {
	for _, t := range All() {
		if t.Name() == target {
			return t.Produces(path)
		}
	}
	return false
}

// InRepo reports whether every file of target goes under the repository root (generators.InRepoTarget).
// A record's every entry asks: the answers are made once.
func InRepo(target string) bool { return inRepo()[target] }

var inRepo = sync.OnceValue(func() map[string]bool {
	m := map[string]bool{}
	for _, t := range All() {
		r, ok := t.(generators.InRepoTarget)
		m[t.Name()] = ok && r.InRepo()
	}
	return m
})

// Yours reports whether a file no target generates, in a folder a target writes, is a customization
// of the user's own (generators.Customizable): the writer lists it and never touches it.
func Yours(path string) bool {
	for _, t := range customizable() {
		if t.Yours(path) {
			return true
		}
	}
	return false
}

var customizable = sync.OnceValue(func() []generators.Customizable {
	var out []generators.Customizable
	for _, t := range All() {
		if c, ok := t.(generators.Customizable); ok {
			out = append(out, c)
		}
	}
	return out
})
