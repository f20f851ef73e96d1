package ci

import (
	"bytes"
	"fmt"
	"slices"

	"go.yaml.in/yaml/v3"

	"github.com/gantry-dev/gantry/blueprints/catalog"
)

// Step is one named shell step of a runtime's lint and test (the runtime catalogue's).
type Step = catalog.Step

// Steps are the lint and test steps CI runs for a runtime, in order (none for static).
func Steps(runtime string) []Step {
	rt, _ := catalog.LookupRuntime(runtime)
	return slices.Clone(rt.Steps)
}

// runtimeOf is the catalogue row of a service's runtime, nil when there is nothing to lint or test.
func runtimeOf(name string) *catalog.Runtime {
	if rt, ok := catalog.LookupRuntime(name); ok && len(rt.Steps) > 0 {
		return &rt
	}
	return nil
}

// wellFormed parses a rendered pipeline: a template mistake is an error here, never a broken file.
func wellFormed(data []byte) error {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		return fmt.Errorf("generated YAML does not parse: %w", err)
	}
	if len(doc.Content) != 1 || doc.Content[0].Kind != yaml.MappingNode {
		return fmt.Errorf("generated YAML is not one mapping")
	}
	return nil
}
