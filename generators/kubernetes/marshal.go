package kubernetes

import (
	"github.com/gantry-dev/gantry/generators"
	"github.com/gantry-dev/gantry/generators/render"
)

// document renders objects as one YAML file under the generated-by header: sorted keys, without the
// nulls and empty status that typed Kubernetes structs carry.
func document(source string, objs ...any) ([]byte, error) {
	return render.Document(generators.Header(source), objs...)
}
