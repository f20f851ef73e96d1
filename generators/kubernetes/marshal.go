package kubernetes

import (
	"bytes"

	"github.com/gantry-dev/gantry/generators"
	"github.com/gantry-dev/gantry/generators/render"
)

// header starts every file: what made it, from which blueprint, and how to change it.
func header(source string) string { return generators.Header(source) }

// document renders objects as one YAML file: the header, then each object with sorted keys, without the
// nulls and empty status that typed Kubernetes structs carry.
func document(source string, objs ...any) ([]byte, error) {
	var b bytes.Buffer
	b.WriteString(header(source))
	for i, o := range objs {
		if i > 0 {
			b.WriteString("---\n")
		}
		out, err := render.YAML(o)
		if err != nil {
			return nil, err
		}
		b.Write(out)
	}
	return b.Bytes(), nil
}
