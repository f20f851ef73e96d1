package blueprints

import (
	"reflect"
	"strings"
	"testing"
)

// TestEnumLists: the exported lists are the enum tags the schema and validation use.
func TestEnumLists(t *testing.T) {
	spec := reflect.TypeFor[ServiceSpec]()
	for field, list := range map[string][]string{"Runtime": Runtimes, "Type": Types} {
		f, _ := spec.FieldByName(field)
		if got, _ := enumValues(f.Tag); strings.Join(got, ",") != strings.Join(list, ",") {
			t.Errorf("ServiceSpec.%s enum %q, the list %v", field, got, list)
		}
	}
}
