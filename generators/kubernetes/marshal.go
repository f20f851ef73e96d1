package kubernetes

import (
	"bytes"
	"encoding/json"
	"fmt"

	"sigs.k8s.io/yaml"

	"github.com/gantry-dev/gantry/generators"
)

// header starts every file: what made it, from which blueprint, and how to change it.
func header(source string) string {
	return fmt.Sprintf("# %s from %s. Do not edit: change the blueprint and run `gantry generate`.\n",
		generators.Marker, source)
}

// document renders objects as one YAML file: the header, then each object with sorted keys, without the
// nulls and empty status that typed Kubernetes structs carry.
func document(source string, objs ...any) ([]byte, error) {
	var b bytes.Buffer
	b.WriteString(header(source))
	for i, o := range objs {
		if i > 0 {
			b.WriteString("---\n")
		}
		out, err := toYAML(o)
		if err != nil {
			return nil, err
		}
		b.Write(out)
	}
	return b.Bytes(), nil
}

func toYAML(o any) ([]byte, error) {
	raw, err := json.Marshal(o)
	if err != nil {
		return nil, err
	}
	var generic any
	if err := json.Unmarshal(raw, &generic); err != nil {
		return nil, err
	}
	generic = prune(generic)
	if m, ok := generic.(map[string]any); ok {
		if st, ok := m["status"].(map[string]any); ok && len(st) == 0 {
			delete(m, "status")
		}
	}
	return yaml.Marshal(generic)
}

// prune drops null values: creationTimestamp: null and the like. Empty objects stay: some mean
// something (an Istio allow-nothing policy is `spec: {}`).
func prune(v any) any {
	switch t := v.(type) {
	case map[string]any:
		for k, val := range t {
			if val == nil {
				delete(t, k)
				continue
			}
			t[k] = prune(val)
		}
	case []any:
		for i := range t {
			t[i] = prune(t[i])
		}
	}
	return v
}
