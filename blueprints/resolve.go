package blueprints

import (
	"reflect"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Resolved is every loaded blueprint, grouped by platform and fully resolved: what the generators read.
type Resolved struct {
	Platforms []*ResolvedPlatform
	Reach     Reach // what the run speaks for, when it writes
	// Unresolved are the calls and callers that name a service none of the named files defines (only
	// some files were named): generating from them would leave those edges out of the network rules.
	Unresolved []string
}

// ResolvedPlatform is a platform with its built-in defaults filled in, and its services sorted by name.
type ResolvedPlatform struct {
	Name     string
	File     string // "" for the built-in platform
	Source   string // File relative to the repository root: what generated files name, whatever the working folder
	Spec     PlatformSpec
	Services []*ResolvedService
}

// Production returns the name of the production environment (the last one).
func (p *ResolvedPlatform) Production() string {
	return p.Spec.Environments[len(p.Spec.Environments)-1]
}

// ResolvedService is a service merged with its platform's defaults: Base without any environment's
// overrides (a kustomize base), and one entry per platform environment, in promotion order.
type ResolvedService struct {
	File         string // as named on the command line or found: for messages
	Source       string // relative to the repository root: for generated files, whatever the working folder
	Name         string
	Team         string
	Description  string
	Base         ServiceSpec
	Environments []ResolvedEnv
}

// ResolvedEnv is a service's spec in one environment.
type ResolvedEnv struct {
	Name       string
	Production bool
	Spec       ServiceSpec
}

// origin is where a YAML node was written.
type origin struct {
	file string
	path string
}

// resolver merges blueprint layers at the YAML-node level, so that every resolved value still knows the
// file, line and field it came from and errors point at the line to change.
type resolver struct {
	origins map[*yaml.Node]origin
	parent  *resolver // a worker's (resolveServices): where the nodes it did not make were indexed
}

// origin is where n was written, and whether it is known.
func (r *resolver) origin(n *yaml.Node) (origin, bool) {
	for ; r != nil; r = r.parent {
		if o, ok := r.origins[n]; ok {
			return o, true
		}
	}
	return origin{}, false
}

func (r *resolver) index(f *File) {
	for path, n := range f.nodes {
		path = strings.TrimPrefix(path, "key:") // a map key is reported under its entry's path
		// A node reached by several paths (an alias) takes the shortest, then the first in order, so
		// the choice does not depend on map iteration.
		if o, ok := r.origin(n); !ok || len(path) < len(o.path) || (len(path) == len(o.path) && path < o.path) {
			r.origins[n] = origin{file: f.Path, path: path}
		}
	}
}

// layered is one resolution of a service: the decoded spec and the node behind each resolved path.
type layered struct {
	spec  ServiceSpec
	nodes map[string]*yaml.Node
	own   map[string]*yaml.Node // the service file's own nodes: where a defaulted value is reported
}

// layer merges the nodes in order (later wins; maps merge, lists and scalars replace) and decodes them.
func (r *resolver) layer(file string, nodes ...*yaml.Node) layered {
	var merged *yaml.Node
	for _, n := range nodes {
		merged = r.merge(merged, n)
	}
	var l layered
	var ignored Diagnostics
	d := newDecoder(file, &ignored, merged)
	d.quiet = true // the same nodes were checked when their file was parsed
	if merged != nil {
		d.decode(merged, reflect.ValueOf(&l.spec).Elem(), "spec", "")
	}
	l.nodes = d.nodes
	return l
}

func deref(n *yaml.Node) *yaml.Node {
	for n != nil && n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	if n != nil && isNull(n) {
		return nil // an explicit null sets nothing
	}
	return n
}

func (r *resolver) merge(base, over *yaml.Node) *yaml.Node {
	base, over = deref(base), deref(over)
	if base == nil || over == nil || base.Kind != yaml.MappingNode || over.Kind != yaml.MappingNode {
		if over == nil {
			return base
		}
		return over
	}
	out := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map", Line: over.Line, Column: over.Column}
	r.origins[out], _ = r.origin(over)
	pos := map[string]int{}
	for i := 0; i+1 < len(base.Content); i += 2 {
		pos[base.Content[i].Value] = len(out.Content)
		out.Content = append(out.Content, base.Content[i], base.Content[i+1])
	}
	for i := 0; i+1 < len(over.Content); i += 2 {
		k := over.Content[i].Value
		if j, ok := pos[k]; ok {
			out.Content[j] = over.Content[i]
			out.Content[j+1] = r.merge(out.Content[j+1], over.Content[i+1])
			continue
		}
		pos[k] = len(out.Content)
		out.Content = append(out.Content, over.Content[i], over.Content[i+1])
	}
	return out
}

// filter returns a copy of a mapping node with only the keys keep accepts: environments is not a layer of
// its own, and an environment block contributes only the fields an environment may override (the others
// were reported when the file was parsed).
func (r *resolver) filter(n *yaml.Node, keep func(key string) bool) *yaml.Node {
	n = deref(n)
	if n == nil || n.Kind != yaml.MappingNode {
		return n
	}
	out := *n
	out.Content = nil
	for i := 0; i+1 < len(n.Content); i += 2 {
		if keep(n.Content[i].Value) {
			out.Content = append(out.Content, n.Content[i], n.Content[i+1])
		}
	}
	r.origins[&out], _ = r.origin(n)
	return &out
}

func notEnvironments(key string) bool { return key != "environments" }

func overridable(key string) bool {
	_, ok := structInfoOf(reflect.TypeFor[Overrides]()).byName[key]
	return ok
}

// at returns where the value at a resolved path was written: the nearest node on the path that has an
// origin, its position, and the field path as written in its own file.
//
// A value that was not written anywhere (a built-in default) is reported at the nearest enclosing field of
// the service's own file, not at whichever layer happened to be merged last.
func (r *resolver) at(l layered, fallback Pos, path string) (Pos, string) {
	for _, nodes := range []map[string]*yaml.Node{l.nodes, l.own} {
		if n, ok := nodes[path]; ok {
			if o, ok := r.origin(n); ok {
				return Pos{File: o.file, Line: n.Line, Col: n.Column}, o.path
			}
		}
	}
	for p := parentPath(path); p != ""; p = parentPath(p) {
		for _, nodes := range []map[string]*yaml.Node{l.own, l.nodes} {
			if n, ok := nodes[p]; ok {
				if o, ok := r.origin(n); ok {
					return Pos{File: o.file, Line: n.Line, Col: n.Column}, o.path + strings.TrimPrefix(path, p)
				}
			}
		}
	}
	return fallback, path
}

// atKey is at for the key of a map entry: a problem with an env variable's or environment's name is
// reported at the name.
func (r *resolver) atKey(l layered, fallback Pos, path string) (Pos, string) {
	return r.at(l, fallback, "key:"+path)
}

// written reports whether the value at a resolved path was written (and not left empty) in some file.
func (r *resolver) written(l layered, path string) bool {
	n, ok := l.nodes[path]
	if !ok || isNull(n) {
		return false
	}
	_, ok = r.origin(n)
	return ok
}

func parentPath(p string) string {
	i := strings.LastIndexAny(p, ".[")
	if i < 0 {
		return ""
	}
	return p[:i]
}

// resolvePlatform is the platform of a platform file (nil: the built-in one), normalised.
func resolvePlatform(f *File) *ResolvedPlatform {
	if f == nil || f.Platform == nil {
		return &ResolvedPlatform{Name: "default", Spec: normalisePlatform(PlatformSpec{})}
	}
	return &ResolvedPlatform{Name: f.Platform.Metadata.Name, File: f.Path, Spec: normalisePlatform(f.Platform.Spec)}
}
