package blueprints

import (
	"bytes"
	"encoding/json"
	"fmt"
	"github.com/gantry-dev/gantry/blueprints/catalog"
	"maps"
	"reflect"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// schemaID is the $id of the blueprint JSON Schema.
const schemaID = "https://gantry.dev/schema/v1/gantry.schema.json"

// blueprintKinds are the document roots, in the order they are documented.
var blueprintKinds = []reflect.Type{reflect.TypeFor[Platform](), reflect.TypeFor[Service]()}

// partialUses are the struct fields whose struct type is used without its `required` fields:
// platform defaults are a partial service spec. The types.go tags cannot say this, as the
// required tags of ServiceSpec are meant for a Service's spec.
var partialUses = map[string]bool{"PlatformSpec.Defaults": true}

// schemaField is a document field: a struct field with fields of inline embedded structs flattened.
type schemaField struct {
	reflect.StructField
	Owner    reflect.Type // struct that declares the field
	Name     string       // JSON name
	Required bool
	Inline   reflect.Type // embedded struct the field was flattened from, nil if declared directly
}

// Partial reports whether the field's struct type is used with every field optional.
func (f schemaField) Partial() bool { return partialUses[f.Owner.Name()+"."+f.StructField.Name] }

// schemaFields lists the JSON fields of struct type t in declaration order.
func schemaFields(t reflect.Type) []schemaField {
	var out []schemaField
	for sf := range t.Fields() {
		name, opts, _ := strings.Cut(sf.Tag.Get("json"), ",")
		if name == "-" && opts == "" || !sf.IsExported() && !sf.Anonymous {
			continue
		}
		// Like encoding/json (and the `,inline` of YAML libraries), an unnamed embedded struct
		// contributes its fields to the parent.
		if sf.Anonymous && name == "" && sf.Type.Kind() == reflect.Struct {
			for _, f := range schemaFields(sf.Type) {
				if f.Inline == nil {
					f.Inline = sf.Type
				}
				out = append(out, f)
			}
			continue
		}
		if name == "" {
			name = sf.Name
		}
		out = append(out, schemaField{StructField: sf, Owner: t, Name: name, Required: sf.Tag.Get("required") == "true"})
	}
	return out
}

// requiredConstraints is the schema of what struct type t requires: its required fields, and for a
// field tagged requiredOr:"other", one of the two (spec.runtime, or spec.prebuilt instead).
func requiredConstraints(t reflect.Type) map[string]any {
	out := map[string]any{}
	if req := requiredNames(t); len(req) > 0 {
		out["required"] = req
	}
	for _, f := range schemaFields(t) {
		if other, ok := f.Tag.Lookup("requiredOr"); ok {
			out["anyOf"] = []any{map[string]any{"required": []string{f.Name}}, map[string]any{"required": []string{other}}}
		}
	}
	return out
}

// requiredNames lists the JSON names of the required fields of struct type t.
func requiredNames(t reflect.Type) []string {
	var names []string
	for _, f := range schemaFields(t) {
		if f.Required {
			names = append(names, f.Name)
		}
	}
	return names
}

// JSONSchema returns the JSON Schema (draft 2020-12) of blueprint files, generated from the
// struct tags of the blueprint types. Editors use it for completion and to flag typos.
func JSONSchema() []byte {
	g := &schemaGen{defs: map[string]any{}, partial: map[reflect.Type]bool{}}
	for _, k := range blueprintKinds {
		g.collectPartial(k, map[reflect.Type]bool{})
	}
	var oneOf []any
	for _, k := range blueprintKinds {
		oneOf = append(oneOf, g.typeSchema(k, ""))
	}
	doc := map[string]any{
		"$schema":     "https://json-schema.org/draft/2020-12/schema",
		"$id":         schemaID,
		"title":       "Gantry blueprint",
		"description": "A Gantry blueprint file (apiVersion " + APIVersion + "): a " + KindPlatform + " or a " + KindService + ".",
		"oneOf":       oneOf,
		"$defs":       g.defs,
	}
	return marshalJSON(doc)
}

// marshalJSON encodes v with sorted keys, 2-space indentation and a trailing newline, leaving
// <, > and & readable.
func marshalJSON(v any) []byte {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		panic(err) // only maps, slices and scalars: cannot fail
	}
	return buf.Bytes()
}

type schemaGen struct {
	defs    map[string]any        // $defs, by Go type name
	partial map[reflect.Type]bool // struct types with a partial use: their defs carry no `required`
}

// collectPartial records the struct types reachable from t that some field uses partially.
func (g *schemaGen) collectPartial(t reflect.Type, seen map[reflect.Type]bool) {
	t = elemStruct(t)
	if t == nil || seen[t] {
		return
	}
	seen[t] = true
	for _, f := range schemaFields(t) {
		if f.Partial() {
			g.partial[elemStruct(f.Type)] = true
		}
		g.collectPartial(f.Type, seen)
	}
}

// elemStruct returns the struct type under slices and maps of t, or nil.
func elemStruct(t reflect.Type) reflect.Type {
	for t.Kind() == reflect.Slice || t.Kind() == reflect.Map {
		t = t.Elem()
	}
	if t.Kind() != reflect.Struct {
		return nil
	}
	return t
}

// fieldSchema is the schema of one property.
func (g *schemaGen) fieldSchema(f schemaField) map[string]any {
	s := g.typeSchema(f.Type, f.Tag)
	// A struct type that has a partial use carries its required fields at its other uses (only
	// direct struct fields: no such type is used in a slice or map).
	if st := elemStruct(f.Type); st == f.Type && g.partial[st] && !f.Partial() {
		if req := requiredConstraints(st); len(req) > 0 {
			s = map[string]any{"allOf": []any{s, req}}
		}
	}
	s["description"] = f.Tag.Get("desc")
	if ex, ok := f.Tag.Lookup("example"); ok {
		s["examples"] = []any{parseExample(f.Type, ex)}
	}
	return s
}

// parseExample decodes an example tag (YAML flow syntax) into a value of type t.
func parseExample(t reflect.Type, ex string) any {
	// A string example is verbatim: YAML would read `*/5 * * * *` as an alias and 1.35 as a number.
	if t.Kind() == reflect.String {
		return ex
	}
	v := reflect.New(t)
	if err := yaml.Unmarshal([]byte(ex), v.Interface()); err != nil {
		panic(fmt.Sprintf("blueprints: bad example tag %q for %s: %v", ex, t, err))
	}
	return v.Elem().Interface()
}

// typeSchema is the schema of a value of type t; the value constraints of tag (enum, min, max,
// pattern) apply to scalars, including the elements of slices and maps.
func (g *schemaGen) typeSchema(t reflect.Type, tag reflect.StructTag) map[string]any {
	switch t.Kind() {
	case reflect.String:
		s := map[string]any{"type": "string"}
		if vals, ok := enumValues(tag); ok {
			if len(vals) == 1 {
				s["const"] = vals[0]
			} else {
				s["enum"] = vals
			}
		}
		if p, ok := tag.Lookup("pattern"); ok {
			s["pattern"] = p
		}
		return s
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		s := map[string]any{"type": "integer"}
		for key, kw := range map[string]string{"min": "minimum", "max": "maximum"} {
			if v, ok := tag.Lookup(key); ok {
				s[kw] = tagInt(v)
			}
		}
		return s
	case reflect.Float64:
		s := map[string]any{"type": "number"}
		for key, kw := range map[string]string{"min": "minimum", "max": "maximum"} {
			if v, ok := tag.Lookup(key); ok {
				s[kw] = json.Number(v)
			}
		}
		return s
	case reflect.Bool:
		return map[string]any{"type": "boolean"}
	case reflect.Slice:
		return map[string]any{"type": "array", "items": g.typeSchema(t.Elem(), tag)}
	case reflect.Map:
		if t.Key().Kind() != reflect.String {
			panic("blueprints: map key of " + t.String() + " is not a string")
		}
		return map[string]any{"type": "object", "additionalProperties": g.typeSchema(t.Elem(), tag)}
	case reflect.Struct:
		g.define(t)
		return map[string]any{"$ref": "#/$defs/" + t.Name()}
	}
	panic("blueprints: unsupported kind " + t.Kind().String() + " in the blueprint types")
}

// define adds the $defs entry of struct type t.
func (g *schemaGen) define(t reflect.Type) {
	if _, ok := g.defs[t.Name()]; ok {
		return
	}
	def := map[string]any{"type": "object", "additionalProperties": false}
	g.defs[t.Name()] = def // before the fields, for recursive types
	props := map[string]any{}
	for _, f := range schemaFields(t) {
		props[f.Name] = g.fieldSchema(f)
	}
	def["properties"] = props
	if !g.partial[t] {
		maps.Copy(def, requiredConstraints(t))
	}
}

func tagInt(s string) int {
	n, err := strconv.Atoi(s)
	if err != nil {
		panic("blueprints: bad integer tag " + strconv.Quote(s))
	}
	return n
}

// ReferenceMarkdown returns the Markdown reference of every blueprint field (docs/blueprint.md),
// generated from the same struct tags as JSONSchema.
func ReferenceMarkdown() []byte {
	d := &docGen{where: map[reflect.Type]*docTable{}}
	for _, k := range blueprintKinds {
		d.table(k.Name(), k.Name(), "", k)
	}
	var b strings.Builder
	b.WriteString("<!-- Code generated by `go test ./blueprints -run Golden -update`; DO NOT EDIT. -->\n\n")
	b.WriteString("# Blueprint reference\n\n")
	fmt.Fprintf(&b, "Gantry reads two kinds of YAML blueprint file, both with `apiVersion: %s`: one `%s` per repository "+
		"and one `%s` per service. Unknown fields are errors. This page and the JSON Schema "+
		"(`blueprints/schema/gantry.schema.json`, `%s`) are generated from the struct tags of `blueprints/types.go`.\n",
		APIVersion, KindPlatform, KindService, schemaID)
	for _, t := range d.tables {
		if t.kind == t.title {
			fmt.Fprintf(&b, "\n## %s\n\n", t.title)
		} else {
			fmt.Fprintf(&b, "\n### %s\n\n", t.title)
		}
		b.WriteString("| Field | Type | Allowed | Description | Example |\n|---|---|---|---|---|\n")
		for _, r := range t.rows {
			b.WriteString(d.row(r))
		}
	}
	b.WriteString(connectionsMarkdown())
	return []byte(b.String())
}

// A docTable documents one struct at one path.
type docTable struct {
	kind, title, anchor string
	typ                 reflect.Type
	rows                []docRow
}

type docRow struct {
	path string
	f    schemaField
}

type docGen struct {
	tables []*docTable
	where  map[reflect.Type]*docTable // table that documents each struct type (or holds it inline)
}

// table documents struct type t at path (prefix of the field paths, "" at the root), then the
// struct types its fields use that have no table yet.
func (d *docGen) table(kind, title, path string, t reflect.Type) {
	tb := &docTable{kind: kind, title: title, anchor: markdownAnchor(title), typ: t}
	d.tables = append(d.tables, tb)
	d.where[t] = tb
	fields := schemaFields(t)
	for _, f := range fields {
		tb.rows = append(tb.rows, docRow{path: path + f.Name, f: f})
		if f.Inline != nil && d.where[f.Inline] == nil {
			d.where[f.Inline] = tb
		}
	}
	for _, f := range fields {
		st := elemStruct(f.Type)
		if st == nil || f.Partial() || d.where[st] != nil {
			continue
		}
		sub := path + f.Name
		for ft := f.Type; ft != st; ft = ft.Elem() {
			if ft.Kind() == reflect.Slice {
				sub += "[]"
			} else {
				sub += ".<name>"
			}
		}
		d.table(kind, kind+" `"+sub+"`", sub+".", st)
	}
}

func (d *docGen) row(r docRow) string {
	f := r.f
	desc := markdownText(f.Tag.Get("desc"))
	if f.Required {
		desc = "**Required.** " + desc
	}
	if st := elemStruct(f.Type); st != nil {
		if tb := d.where[st]; tb != nil && tb.typ != st {
			// The struct is documented as inline fields of another table: name those fields.
			var names []string
			for _, sf := range schemaFields(st) {
				names = append(names, markdownCode(sf.Name))
			}
			desc += fmt.Sprintf(" Each value may set %s, as in [%s](#%s).", strings.Join(names, ", "), tb.title, tb.anchor)
		}
		if f.Partial() {
			desc += " Every field is optional here."
		}
	}
	var allowed []string
	if enum, ok := enumValues(f.Tag); ok {
		var vals []string
		for _, v := range enum {
			vals = append(vals, markdownCode(v))
		}
		allowed = append(allowed, strings.Join(vals, ", "))
	}
	minV, hasMin := f.Tag.Lookup("min")
	maxV, hasMax := f.Tag.Lookup("max")
	switch {
	case hasMin && hasMax:
		allowed = append(allowed, minV+" to "+maxV)
	case hasMin:
		allowed = append(allowed, "at least "+minV)
	case hasMax:
		allowed = append(allowed, "at most "+maxV)
	}
	if p, ok := f.Tag.Lookup("pattern"); ok {
		allowed = append(allowed, "matches "+markdownCode(p))
	}
	example := ""
	if ex, ok := f.Tag.Lookup("example"); ok {
		example = markdownCode(ex)
	}
	return fmt.Sprintf("| %s | %s | %s | %s | %s |\n",
		markdownCode(r.path), d.typeName(f.Type), strings.Join(allowed, "; "), desc, example)
}

// typeName is the Markdown name of type t, linking structs to their table.
func (d *docGen) typeName(t reflect.Type) string {
	switch t.Kind() {
	case reflect.String:
		return "string"
	case reflect.Bool:
		return "boolean"
	case reflect.Float64:
		return "number"
	case reflect.Slice:
		return "list of " + d.typeName(t.Elem())
	case reflect.Map:
		return "map of string to " + d.typeName(t.Elem())
	case reflect.Struct:
		if tb := d.where[t]; tb != nil {
			return "[object](#" + tb.anchor + ")"
		}
		return "object"
	}
	return "integer" // typeSchema rejects the other kinds
}

// markdownAnchor is the id GitHub gives a heading: lower case, spaces to hyphens, other
// punctuation dropped.
func markdownAnchor(heading string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(heading) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9', r == '-', r == '_':
			b.WriteRune(r)
		case r == ' ':
			b.WriteByte('-')
		}
	}
	return b.String()
}

// markdownText escapes table pipes and the < that would start an HTML tag (<registry>).
func markdownText(s string) string {
	return strings.NewReplacer("|", `\|`, "<", `\<`).Replace(s)
}

// markdownCode is s as inline code in a table cell.
func markdownCode(s string) string {
	return "`" + strings.ReplaceAll(s, "|", `\|`) + "`"
}

// connectionsMarkdown documents the placeholders of env values, from the same lists and catalogue
// that resolve them (connections.go).
func connectionsMarkdown() string {
	var b strings.Builder
	b.WriteString("\n## Connections: placeholders in env values\n\n")
	b.WriteString("A value in `spec.env` (or an environment's `env`) may reference what the blueprint declares, " +
		"as `@{kind.name.field}`, resolved by `gantry validate` and `gantry generate` with the same `file:line:col` " +
		"diagnostics as every other field. `@{@}` is a literal `@` (so `@{@}{` is a literal `@{`); an `@` just before " +
		"a placeholder needs no escape. `gantry validate --print` shows each value resolved.\n\n")
	b.WriteString("| Placeholder | Resolves to |\n|---|---|\n")
	fmt.Fprintf(&b, "| `@{service.NAME.FIELD}` | FIELD of a service listed in `spec.calls` (NAME or NAME.NAMESPACE), at its Service port: `%s`. `host` is `NAME.NAMESPACE.svc`; `url` is `PROTOCOL://host:port`. A service not in `spec.calls` is an error: the network rules would block it. |\n",
		strings.Join(serviceFields, "`, `"))
	b.WriteString("| `@{dependency.NAME.FIELD}` | FIELD of a dependency in `spec.dependencies`, read in the pod from the variables that carry its settings (the kubelet's `$(VAR)`); `password` from the service's Secret, never the value. |\n")
	b.WriteString("| `@{secret.NAME}` | A name in `spec.secrets`, as an environment variable read from the service's Secret. Secrets are also mounted as files, which is safer: an env var is visible to every process of the container and is often logged on a crash. |\n")
	b.WriteString("| `@{secret.NAME.path}` | The file that secret is mounted as (under `$CONFIDENTIAL_DIR`), for an app that takes a key file's path. |\n")
	fmt.Fprintf(&b, "| `@{self.FIELD}` | The service itself: `%s` (`environment` is empty in the kustomize base; each overlay sets its own; `port` is the container's port, not the Service's). |\n\n",
		strings.Join(selfFields, "`, `"))
	b.WriteString("The fields of each dependency type:\n\n| Type | Fields | URL form |\n|---|---|---|\n")
	for _, k := range catalog.Dependencies() {
		url := ""
		if k.URL != "" {
			url = "`" + k.URL + "`"
		}
		fmt.Fprintf(&b, "| `%s` | `%s` | %s |\n", k.Type, strings.Join(dependencyFields(k), "`, `"), url)
	}
	return b.String()
}
