package importer

import (
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/gantry-dev/gantry/blueprints"
)

// Gantry's reader of Compose files: what `gantry import compose` needs of a file, read as the
// Compose specification's reference loader (compose-go v2) reads it with an empty environment (no
// shell variables, no .env file) and without resolving env_file: aliases and merge keys (<<)
// resolved, every string value interpolated, the short syntaxes (ports, build, healthcheck.test,
// secrets, depends_on) expanded, services with profiles left out (no profile is active), and the
// references the import follows checked. The fields the import reads are checked for type and
// syntax; a service key it does not read must be one Compose knows, its value is not checked (the
// import reports it as not copied). What the reader does not support (extends, include, several
// YAML documents) is an error at its place, never a silent misread.

// composeProject is what the import reads of a Compose file.
type composeProject struct {
	Name     string
	Services map[string]*composeService // the enabled services (those without profiles)
	Warnings []Entry                    // variables that were not set
}

type composeService struct {
	Image       string
	Build       *composeBuild
	Ports       []composePort
	Expose      []string
	HealthCheck *composeHealthConfig
	Environment map[string]*string // nil: a variable named without a value
	DependsOn   map[string]bool    // depends_on, links, network_mode: service:..., volumes_from: name -> required
	Links       []string
	Deploy      *composeDeployConfig
	Secrets     []composeSecret

	node     *composeNode
	profiles []string
	scale    *int
	// compared with deploy by Compose
	cpus                float32
	memLimit, pidsLimit int64
	containerName       string
	networkService      string // network_mode: service:<name>
	provider            bool
}

type composeBuild struct {
	Context, Dockerfile, DockerfileInline, Target string
	Args                                          []string // the names of the arguments that have a value
}

type composePort struct {
	Target   uint32
	Protocol string
}

type composeHealthConfig struct {
	Test                                          []string
	Disable                                       bool
	Interval, Timeout, StartPeriod, StartInterval *time.Duration
	Retries                                       *uint64
}

type composeDeployConfig struct {
	Replicas *int
	Limits   *composeLimits
}

type composeLimits struct {
	NanoCPUs    float32
	MemoryBytes int64
	Pids        int64
}

type composeSecret struct{ Source, Target string }

// composeNode is a YAML node with its aliases and merge keys resolved and, once read, its strings
// interpolated. Nodes reached through aliases are shared.
type composeNode struct {
	kind      yaml.Kind
	value     any    // a scalar's: string, int, int64, uint64, float64, bool, time.Time or nil
	text      string // a scalar's text in the file
	line, col int
	keys      []*composeNode // a mapping's keys (string scalars)
	items     []*composeNode // a mapping's values (beside keys) or a sequence's items
	path      string         // where the reader first met it, for messages
}

func (n *composeNode) get(key string) *composeNode {
	if n == nil || n.kind != yaml.MappingNode {
		return nil
	}
	for i, k := range n.keys {
		if k.value == key {
			return n.items[i]
		}
	}
	return nil
}

func (n *composeNode) keyNode(key string) *composeNode {
	if n != nil {
		for _, k := range n.keys {
			if k.value == key {
				return k
			}
		}
	}
	return nil
}

func (n *composeNode) has(key string) bool { return n.keyNode(key) != nil }

func (n *composeNode) str() (string, bool) {
	if n == nil || n.kind != yaml.ScalarNode {
		return "", false
	}
	s, ok := n.value.(string)
	return s, ok
}

// composeProblem is one thing the reader refuses, at its place.
type composeProblem struct {
	line, col int
	path, msg string
}

// composeReader reads one file; its problems are all reported together.
type composeReader struct {
	file      string
	name      string // the project's, which COMPOSE_PROJECT_NAME holds
	converted map[*yaml.Node]*composeNode
	busy      map[*yaml.Node]bool
	strs      []*composeNode // string scalars, interpolated once the project's name is known
	problems  []composeProblem
}

func (r *composeReader) fail(n *composeNode, path, format string, args ...any) {
	p := composeProblem{path: path, msg: fmt.Sprintf(format, args...)}
	if n != nil {
		p.line, p.col = n.line, n.col
	}
	r.problems = append(r.problems, p)
}

func (r *composeReader) err() error {
	if len(r.problems) == 0 {
		return nil
	}
	slices.SortFunc(r.problems, func(a, b composeProblem) int {
		return cmp.Or(cmp.Compare(a.line, b.line), cmp.Compare(a.col, b.col), cmp.Compare(a.path, b.path), cmp.Compare(a.msg, b.msg))
	})
	r.problems = slices.Compact(r.problems)
	lines := make([]string, len(r.problems))
	for i, p := range r.problems {
		pos := blueprints.Pos{File: r.file, Line: p.line, Col: p.col}.String()
		if p.path != "" {
			lines[i] = fmt.Sprintf("%s: %s: %s", pos, p.path, p.msg)
		} else {
			lines[i] = fmt.Sprintf("%s: %s", pos, p.msg)
		}
	}
	return errors.New(strings.Join(lines, "\n"))
}

// readCompose reads a Compose file (shown as file in messages); defaultName is the project's name
// when the file does not set one.
func readCompose(file string, data []byte, defaultName string) (*composeProject, error) {
	r := &composeReader{file: file, converted: map[*yaml.Node]*composeNode{}, busy: map[*yaml.Node]bool{}}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("%s: empty compose file", file)
		}
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	var next yaml.Node
	if err := dec.Decode(&next); err == nil {
		return nil, fmt.Errorf("%s:%d:%d: a second YAML document: Gantry's Compose reader takes one (merge the documents into one)", file, next.Line, next.Column)
	} else if !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	top := r.convert(&doc, "")
	if top == nil || top.kind != yaml.MappingNode {
		return nil, fmt.Errorf("%s: the top level must be a mapping", file)
	}
	if err := r.err(); err != nil {
		return nil, err
	}
	name := r.projectName(top, defaultName)
	r.name = name
	project := &composeProject{Name: name, Services: map[string]*composeService{}}
	// Every string is interpolated, as Compose does, so that an error anywhere is reported.
	for _, n := range r.strs {
		in := interpolation{lookup: func(v string) (string, bool) {
			if v == "COMPOSE_PROJECT_NAME" {
				return name, true
			}
			return "", false
		}}
		s, err := in.substitute(n.value.(string))
		if err != nil {
			r.fail(n, n.path, "%v", err)
		}
		n.value = s
		for _, v := range in.unset {
			project.Warnings = append(project.Warnings, Entry{Pos: blueprints.Pos{File: file, Line: n.line, Col: n.col}, Kind: KindWarning,
				Message: fmt.Sprintf("variable %s is not set (the import reads the file without an environment or .env file): replaced by an empty string", v)})
		}
	}
	if err := r.err(); err != nil {
		return nil, err
	}
	r.topLevel(top)
	all := map[string]*composeService{}
	services := top.get("services")
	if services != nil {
		for i, k := range services.keys {
			sname := k.value.(string)
			path := "services." + sname
			if !composeName(sname) {
				r.fail(k, path, "a service name is letters, digits, '.', '_' and '-'")
				continue
			}
			if s := r.service(services.items[i], path); s != nil {
				all[sname] = s
			}
		}
	}
	if err := r.err(); err != nil {
		return nil, err
	}
	for n, s := range all {
		if len(s.profiles) == 0 {
			project.Services[n] = s
		}
	}
	r.consistency(top, project.Services, all)
	if err := r.err(); err != nil {
		return nil, err
	}
	return project, nil
}

// convert resolves n's aliases and merge keys; nil for a node tagged !reset (Compose drops it).
func (r *composeReader) convert(n *yaml.Node, path string) *composeNode {
	if n.Kind == yaml.DocumentNode {
		if len(n.Content) == 0 {
			return nil
		}
		return r.convert(n.Content[0], path)
	}
	if n.Kind == yaml.AliasNode {
		if n.Alias == nil {
			return nil
		}
		n = n.Alias
	}
	if n.Tag == "!reset" {
		return nil
	}
	if c, ok := r.converted[n]; ok {
		return c
	}
	out := &composeNode{kind: n.Kind, line: n.Line, col: n.Column, path: path}
	if r.busy[n] {
		r.fail(out, path, "an alias refers to the node that contains it")
		return nil
	}
	r.busy[n] = true
	defer delete(r.busy, n)
	switch n.Kind {
	case yaml.MappingNode:
		r.mapping(n, out, path)
	case yaml.SequenceNode:
		for i, it := range n.Content {
			if c := r.convert(it, fmt.Sprintf("%s[%d]", path, i)); c != nil {
				out.items = append(out.items, c)
			}
		}
	case yaml.ScalarNode:
		out.value, out.text = r.scalar(n, out, path), n.Value
	default:
		return nil
	}
	r.converted[n] = out
	return out
}

func (r *composeReader) mapping(n *yaml.Node, out *composeNode, path string) {
	seen := map[string]int{}
	var merges []*yaml.Node
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		kn := &composeNode{kind: yaml.ScalarNode, line: k.Line, col: k.Column, path: path}
		if k.Kind == yaml.AliasNode && k.Alias != nil {
			k = k.Alias
		}
		key, ok := keyString(k)
		if !ok {
			r.fail(kn, path, "a key must be a string (%s)", strings.TrimPrefix(k.ShortTag(), "!!"))
			continue
		}
		if line, dup := seen[key]; dup {
			r.fail(kn, path, "key %q is already defined at line %d", key, line)
			continue
		}
		seen[key] = kn.line
		if k.ShortTag() == "!!merge" {
			merges = append(merges, v)
			continue
		}
		kn.value = key
		c := r.convert(v, joinPath(path, key))
		if c == nil {
			continue
		}
		out.keys = append(out.keys, kn)
		out.items = append(out.items, c)
	}
	// Merge keys: the mapping's own keys win, then the merged mappings in their order.
	for _, m := range merges {
		sources := []*yaml.Node{m}
		if d := deref(m); d != nil && d.Kind == yaml.SequenceNode {
			sources = d.Content
		}
		for _, src := range sources {
			d := deref(src)
			if d == nil || d.Kind != yaml.MappingNode {
				r.fail(&composeNode{line: src.Line, col: src.Column}, path, "a merge key (<<) takes a mapping or a list of mappings")
				continue
			}
			c := r.convert(src, path)
			if c == nil {
				continue
			}
			for j, k := range c.keys {
				if !out.has(k.value.(string)) {
					out.keys = append(out.keys, k)
					out.items = append(out.items, c.items[j])
				}
			}
		}
	}
}

// keyString is a mapping key as a YAML decoder reads it, if it is a string: a plain or quoted string,
// a merge key (<<), !!binary, or a scalar under a tag of the file's own (!name), which YAML leaves a
// string.
func keyString(k *yaml.Node) (string, bool) {
	if k.Kind != yaml.ScalarNode {
		return "", false
	}
	switch tag := k.ShortTag(); {
	case tag == "!!str" || tag == "!!merge":
		return k.Value, true
	case tag == "!!binary":
		var s string
		err := k.Decode(&s)
		return s, err == nil
	case strings.HasPrefix(tag, "!!"):
		return "", false
	}
	return k.Value, true
}

func deref(n *yaml.Node) *yaml.Node {
	if n != nil && n.Kind == yaml.AliasNode {
		return n.Alias
	}
	return n
}

// scalar is a scalar's value as a YAML decoder gives it; strings are kept for interpolation.
func (r *composeReader) scalar(n *yaml.Node, out *composeNode, path string) any {
	switch n.ShortTag() {
	case "!!int", "!!float", "!!bool", "!!null", "!!binary":
		var v any
		if err := n.Decode(&v); err != nil {
			r.fail(out, path, "%v", err)
			return nil
		}
		if s, ok := v.(string); ok { // !!binary
			r.strs = append(r.strs, out)
			return s
		}
		return v
	case "!!timestamp":
		var t time.Time
		if err := n.Decode(&t); err == nil {
			return t
		}
	}
	r.strs = append(r.strs, out)
	return n.Value
}

func joinPath(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

var composeTopLevel = []string{"version", "name", "include", "services", "models", "networks", "volumes", "secrets", "configs", "jobs"}

// projectName is the file's name, interpolated without any variable and normalised as Compose
// does, or defaultName.
func (r *composeReader) projectName(top *composeNode, defaultName string) string {
	n := top.get("name")
	if n == nil {
		return defaultName
	}
	raw, ok := n.str()
	if _, date := n.value.(time.Time); date {
		raw, ok = n.text, true // Compose reads the name as text
	}
	if !ok {
		return defaultName // reported by topLevel
	}
	in := interpolation{lookup: func(string) (string, bool) { return "", false }}
	s, err := in.substitute(raw)
	if err != nil {
		r.fail(n, "name", "%v", err)
		return defaultName
	}
	var b strings.Builder
	for _, c := range strings.ToLower(s) {
		if c == '_' || c == '-' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' {
			b.WriteRune(c)
		}
	}
	return cmp.Or(strings.TrimLeft(b.String(), "_-"), defaultName)
}

// topLevel checks the top-level keys and the declared secrets.
func (r *composeReader) topLevel(top *composeNode) {
	empty := true
	for i, k := range top.keys {
		key, v := k.value.(string), top.items[i]
		if key != "version" {
			empty = false
		}
		switch {
		case strings.HasPrefix(key, "x-"):
		case key == "include":
			r.fail(k, key, "not supported by Gantry's Compose reader: import each included file on its own")
		case key == "version" || key == "name":
			if _, ok := v.str(); !ok && !isDate(v) {
				r.fail(v, key, "must be a string")
			}
		case key == "services":
			if v.kind != yaml.MappingNode {
				r.fail(v, key, "must be a mapping")
			}
		case key == "secrets":
			r.secrets(v)
		case !slices.Contains(composeTopLevel, key):
			r.fail(k, key, "not a Compose top-level key")
		}
	}
	if empty {
		r.fail(top, "", "empty compose file")
	}
}

func (r *composeReader) secrets(n *composeNode) {
	if n.kind != yaml.MappingNode {
		r.fail(n, "secrets", "must be a mapping")
		return
	}
	for i, k := range n.keys {
		name, v := k.value.(string), n.items[i]
		path := "secrets." + name
		if !composeName(name) {
			r.fail(k, path, "a secret name is letters, digits, '.', '_' and '-'")
			continue
		}
		if v.kind == yaml.ScalarNode && v.value == nil {
			r.fail(k, path, "declare its file or environment")
			continue
		}
		if v.kind != yaml.MappingNode {
			r.fail(v, path, "must be a mapping")
			continue
		}
		r.knownKeys(v, path, "name", "environment", "file", "external", "labels", "driver", "driver_opts", "template_driver")
		external := false
		if e := v.get("external"); e != nil {
			if e.kind == yaml.MappingNode {
				external = true
			} else if b, ok := r.boolean(e, path+".external"); ok {
				external = b
			}
		}
		file, fileOK := r.optString(v, "file", path)
		env, envOK := r.optString(v, "environment", path)
		switch {
		case external:
		case fileOK && envOK:
			r.fail(k, path, "file and environment are mutually exclusive")
		case file == "" && env == "":
			r.fail(k, path, "declare its file or environment")
		}
	}
}

// containerNameOK is Compose's schema pattern for container_name, [a-zA-Z0-9][a-zA-Z0-9_.-]+, which
// (a JSON Schema pattern) may match anywhere in the name.
func containerNameOK(s string) bool {
	alnum := func(c byte) bool { return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' }
	for i := 0; i+1 < len(s); i++ {
		if alnum(s[i]) && (alnum(s[i+1]) || strings.IndexByte("_.-", s[i+1]) >= 0) {
			return true
		}
	}
	return false
}

// isDate: YAML reads 2001-12-14 as a date, which Compose takes for a string in a few places.
func isDate(n *composeNode) bool {
	_, ok := n.value.(time.Time)
	return ok
}

// composeName is Compose's pattern for the names of services, secrets and the like.
func composeName(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range s {
		if !(c == '.' || c == '_' || c == '-' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9') {
			return false
		}
	}
	return true
}

// consistency checks the references between services, as Compose does for the enabled ones.
func (r *composeReader) consistency(top *composeNode, enabled, all map[string]*composeService) {
	declared := top.get("secrets")
	for _, name := range slices.Sorted(mapsKeys(enabled)) {
		s := enabled[name]
		path := "services." + name
		at := top.get("services").keyNode(name)
		if s.Build == nil && s.Image == "" && !s.provider {
			r.fail(at, path, "neither an image nor a build")
		}
		if s.Build != nil && s.Build.Dockerfile != "" && s.Build.DockerfileInline != "" {
			r.fail(s.node.keyNode("build"), path+".build", "dockerfile and dockerfile_inline are mutually exclusive")
		}
		if h := s.HealthCheck; h != nil && len(h.Test) > 0 && h.Test[0] != "CMD" && h.Test[0] != "CMD-SHELL" && h.Test[0] != "NONE" {
			r.fail(s.node.get("healthcheck").get("test"), path+".healthcheck.test", "must start with CMD, CMD-SHELL or NONE")
		}
		for _, dep := range slices.Sorted(mapsKeys(s.DependsOn)) {
			if enabled[dep] != nil {
				continue
			}
			if all[dep] != nil && !s.DependsOn[dep] {
				continue // a service of a profile, not required
			}
			why := "no service of that name"
			if all[dep] != nil {
				why = fmt.Sprintf("a service of profiles %v, which the import leaves out", all[dep].profiles)
			}
			r.fail(cmp.Or(s.node.keyNode("depends_on"), s.node.keyNode("links"), at), path, "depends on %s: %s", dep, why)
		}
		if ns := s.networkService; ns != "" && enabled[ns] == nil {
			r.fail(s.node.get("network_mode"), path+".network_mode", "no enabled service %s (the import leaves out the services of profiles)", ns)
		}
		for _, sec := range s.Secrets {
			if !declared.has(sec.Source) {
				r.fail(s.node.keyNode("secrets"), path+".secrets", "secret %s is not declared under the top-level secrets", sec.Source)
			}
		}
		if s.scale != nil && *s.scale < 0 {
			r.fail(s.node.get("scale"), path+".scale", "must not be negative")
		}
		if d := s.Deploy; d != nil {
			if s.scale != nil {
				if d.Replicas != nil && *d.Replicas != *s.scale {
					r.fail(s.node.keyNode("scale"), path, "scale and deploy.replicas differ")
				}
				d.Replicas = s.scale
			}
			if d.Replicas != nil && *d.Replicas < 0 {
				r.fail(s.node.keyNode("deploy"), path+".deploy.replicas", "must not be negative")
			}
			if l := d.Limits; l != nil {
				if s.cpus != 0 && l.NanoCPUs != s.cpus {
					r.fail(s.node.keyNode("cpus"), path, "cpus and deploy.resources.limits.cpus differ")
				}
				if s.memLimit != 0 && l.MemoryBytes != s.memLimit {
					r.fail(s.node.keyNode("mem_limit"), path, "mem_limit and deploy.resources.limits.memory differ")
				}
				if s.pidsLimit != 0 && l.Pids != s.pidsLimit {
					r.fail(s.node.keyNode("pids_limit"), path, "pids_limit and deploy.resources.limits.pids differ")
				}
			}
		}
		scale := 1
		if s.scale != nil {
			scale = *s.scale
		} else if s.Deploy != nil && s.Deploy.Replicas != nil {
			scale = *s.Deploy.Replicas
		}
		if scale > 1 && s.containerName != "" {
			r.fail(s.node.keyNode("container_name"), path, "container_name and more than one replica: a container's name is unique")
		}
	}
	if cycle := dependencyCycle(enabled); cycle != nil {
		r.fail(top.get("services").keyNode(cycle[0]), "services", "dependency cycle: %s", strings.Join(cycle, " -> "))
	}
}

// dependencyCycle is a cycle of depends_on among the services (names in order, the first repeated
// last), or nil.
func dependencyCycle(services map[string]*composeService) []string {
	done := map[string]bool{}
	var path []string
	var visit func(string) []string
	visit = func(n string) []string {
		if i := slices.Index(path, n); i >= 0 {
			return append(slices.Clone(path[i:]), n)
		}
		if done[n] {
			return nil
		}
		path = append(path, n)
		for _, d := range slices.Sorted(mapsKeys(services[n].DependsOn)) {
			if services[d] == nil {
				continue
			}
			if c := visit(d); c != nil {
				return c
			}
		}
		path = path[:len(path)-1]
		done[n] = true
		return nil
	}
	for _, n := range slices.Sorted(mapsKeys(services)) {
		if c := visit(n); c != nil {
			return c
		}
	}
	return nil
}
