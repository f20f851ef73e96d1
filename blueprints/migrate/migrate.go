// Package migrate brings blueprint files written for an older blueprint API version to the current
// one (blueprints.APIVersion). gantry.dev/v1 is the first version, so there is nothing to migrate yet:
// a later version adds one step here, from its predecessor, and Migrate runs the steps in order.
package migrate

import (
	"bytes"
	"fmt"

	"go.yaml.in/yaml/v3"

	"github.com/gantry-dev/gantry/blueprints"
)

// Result is one file's migration: its new content (the same bytes when nothing changed) and the
// changes, one line each.
type Result struct {
	Data    []byte
	Changes []string
}

// Migrate migrates the blueprint in data (named name, for the messages) to blueprints.APIVersion.
func Migrate(name string, data []byte) (Result, error) {
	var head struct {
		APIVersion string `yaml:"apiVersion"`
	}
	if err := yaml.NewDecoder(bytes.NewReader(data)).Decode(&head); err != nil {
		return Result{}, fmt.Errorf("%s: %w", name, err)
	}
	if head.APIVersion != blueprints.APIVersion {
		return Result{}, fmt.Errorf("%s: apiVersion %q is not one gantry knows: it migrates blueprints to %s", name, head.APIVersion, blueprints.APIVersion)
	}
	return Result{Data: data}, nil
}
