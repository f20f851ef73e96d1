package blueprints

import (
	"reflect"
	"strings"

	"github.com/gantry-dev/gantry/blueprints/catalog"
)

// catalogues are the value lists an enum tag may name instead of listing them (`enum:"catalog:NAME"`):
// the catalogue is then the one place a value is added, and validation, the schema and the docs follow.
var catalogues = map[string]func() []string{
	"dependencies": catalog.DependencyTypes,
	"runtimes":     catalog.RuntimeNames,
}

// enumValues returns the values an enum tag allows, and whether the tag has one.
func enumValues(tag reflect.StructTag) ([]string, bool) {
	e, ok := tag.Lookup("enum")
	if !ok {
		return nil, false
	}
	if name, isRef := strings.CutPrefix(e, "catalog:"); isRef {
		return catalogues[name](), true
	}
	return strings.Split(e, ","), true
}
