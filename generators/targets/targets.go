// Package targets is the registry of Gantry's targets: every generator, listed in one place (no
// init-time registration), and what the commands and the writer ask of the list.
package targets

import (
	"slices"

	"github.com/gantry-dev/gantry/generators"
	"github.com/gantry-dev/gantry/generators/ci"
	"github.com/gantry-dev/gantry/generators/docker"
	"github.com/gantry-dev/gantry/generators/gitops"
	"github.com/gantry-dev/gantry/generators/kubernetes"
	"github.com/gantry-dev/gantry/generators/terraform"
)

// All returns every target, in the order their files are rendered.
func All() []generators.Generator {
	return []generators.Generator{kubernetes.New(), terraform.New(), gitops.New(), docker.New(), ci.New()}
}

// Names lists the targets' names, in All's order.
func Names() []string {
	var names []string
	for _, t := range All() {
		names = append(names, t.Name())
	}
	return names
}

// Select returns the targets named (all of them when names is empty), in All's order.
func Select(names []string) []generators.Generator {
	return slices.DeleteFunc(All(), func(g generators.Generator) bool {
		return len(names) > 0 && !slices.Contains(names, g.Name())
	})
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
