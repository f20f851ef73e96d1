package blueprints

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/gantry-dev/gantry/blueprints/catalog"
)

// Connections: an env value may reference what the blueprint declares, as @{kind.name.field}, resolved
// when the blueprints are loaded. The syntax is Gantry's own: a shell, GitHub (${{ }}), the kubelet
// ($(VAR)), Terraform (${ } and %{ }) and Spring (${ }) give '@{' no meaning, so a placeholder never
// collides with theirs. '@{@}' is a literal '@' (so '@{@}{' is a literal '@{'); an '@' before a
// placeholder needs no escape: user@@{dependency.db.host} is "user@" and the host.
//
//	@{service.NAME.host|port|address|url}   a service in spec.calls, at its Service's port
//	@{dependency.NAME.FIELD}                a dependency's setting (host, port, address, name, user,
//	                                        password, url, bucket, queue, brokers: as its type has)
//	@{secret.NAME}, @{secret.NAME.path}     a name in spec.secrets: its value from the secret
//	                                        store, or the file it is mounted as
//	@{self.name|namespace|environment|port} the service itself
//
// Services and the service itself resolve to text. A dependency's setting and a secret are known only
// in the running pod: they resolve to references (EnvPart.Var, EnvPart.Secret) that each target turns
// into its own form (the kubelet's $(VAR) expansion over the injected variables, for Kubernetes).

// PlaceholderKinds are the kinds of reference, in the order the docs list them.
var PlaceholderKinds = []string{"service", "dependency", "secret", "self"}

var (
	serviceFields = []string{"host", "port", "address", "url"}
	selfFields    = []string{"name", "namespace", "environment", "port"}
	placeholderRE = lazyRegexp(`^[a-z]+(\.[A-Za-z0-9_.-]+)?$`)
)

// EnvValue is an env value with its placeholders resolved, in order. A value without placeholders is
// one text part.
type EnvValue []EnvPart

// EnvPart is one piece of an env value: literal text, a dependency's setting (the variable that carries
// it: DB_HOST), or a secret (its key in the service's Secret: DB_PASSWORD, STRIPE_API_KEY).
type EnvPart struct {
	Text   string
	Var    string
	Secret string
}

// Literal reports whether v is text only (no reference the pod resolves), and the text.
func (v EnvValue) Literal() (string, bool) {
	var b strings.Builder
	for _, p := range v {
		if p.Var != "" || p.Secret != "" {
			return "", false
		}
		b.WriteString(p.Text)
	}
	return b.String(), true
}

// String is v as `gantry validate --print` shows it: the value the Kubernetes output holds (Kubelet),
// except a value that is one secret, which the output reads from the Secret: $(secret:KEY).
func (v EnvValue) String() string {
	if len(v) == 1 && v[0].Secret != "" {
		return "$(secret:" + v[0].Secret + ")"
	}
	return v.Kubelet()
}

// Kubelet is v as a container env value: literal text as KubeletLiteral keeps it; a composed value
// with its text's every $ doubled, a dependency setting as $(VAR) and a secret as the $(GANTRY_SECRET_KEY)
// variable that holds it (defined before it), which the kubelet expands.
func (v EnvValue) Kubelet() string {
	if text, ok := v.Literal(); ok {
		return KubeletLiteral(text)
	}
	return v.Format(func(text string) string { return strings.ReplaceAll(text, "$", "$$") },
		func(name string) string { return "$(" + name + ")" },
		func(key string) string { return "$(" + SecretEnvVar(key) + ")" })
}

// KubeletLiteral keeps a value literal through the kubelet, which expands $(NAME) and turns $$ into $:
// where either could happen every $ is doubled, which the kubelet turns back into exactly the value.
func KubeletLiteral(v string) string {
	if strings.Contains(v, "$(") || strings.Contains(v, "$$") {
		return strings.ReplaceAll(v, "$", "$$")
	}
	return v
}

// Format writes v with each kind of part in a target's form: text, a dependency setting's variable, a
// secret's key.
func (v EnvValue) Format(text, variable, secret func(string) string) string {
	var b strings.Builder
	for _, p := range v {
		switch {
		case p.Var != "":
			b.WriteString(variable(p.Var))
		case p.Secret != "":
			b.WriteString(secret(p.Secret))
		default:
			b.WriteString(text(p.Text))
		}
	}
	return b.String()
}

// segment is a piece of a raw env value: text, or a placeholder (placeholder, with what is between
// its braces in ref) at byte offset off.
type segment struct {
	text        string
	placeholder bool
	ref         string
	off         int
}

// splitPlaceholders cuts a raw value into text and placeholders. It fails on an unterminated '@{' (at
// its offset); '@{@}' is a literal '@'.
func splitPlaceholders(v string) ([]segment, int, bool) {
	var out []segment
	var text strings.Builder
	for i := 0; i < len(v); {
		switch {
		case strings.HasPrefix(v[i:], "@{@}"):
			text.WriteByte('@')
			i += 4
		case strings.HasPrefix(v[i:], "@{"):
			end := strings.IndexByte(v[i:], '}')
			if end < 0 {
				return nil, i, false
			}
			if text.Len() > 0 {
				out = append(out, segment{text: text.String()})
				text.Reset()
			}
			out = append(out, segment{placeholder: true, ref: strings.TrimSpace(v[i+2 : i+end]), off: i})
			i += end + 1
		default:
			text.WriteByte(v[i])
			i++
		}
	}
	if text.Len() > 0 {
		out = append(out, segment{text: text.String()})
	}
	return out, 0, true
}

// HasPlaceholder reports whether a raw env value holds a placeholder (not only a literal '@{@}').
func HasPlaceholder(v string) bool {
	segs, _, ok := splitPlaceholders(v)
	return !ok || slices.ContainsFunc(segs, func(s segment) bool { return s.placeholder })
}

// fromStore reports whether a raw value reads a secret from the store: a secret's value, a dependency's
// password or its URL (which holds the password). Such a value may sit under a name that names a
// credential; a name, a host or a port may not.
func fromStore(v string) bool {
	segs, _, ok := splitPlaceholders(v)
	return ok && slices.ContainsFunc(segs, func(s segment) bool {
		kind, rest, _ := strings.Cut(s.ref, ".")
		switch kind {
		case "secret":
			return !strings.HasSuffix(rest, ".path")
		case "dependency":
			return strings.HasSuffix(rest, ".password") || strings.HasSuffix(rest, ".url")
		}
		return false
	})
}

// literalText is a raw value with each placeholder as a space: what the credential checks read
// (Password=@{secret.X}; is a reference, not a credential, and the space ends a value there).
func literalText(v string) string {
	segs, _, ok := splitPlaceholders(v)
	if !ok {
		return v
	}
	var b strings.Builder
	for _, s := range segs {
		if s.placeholder {
			b.WriteByte(' ')
		}
		b.WriteString(s.text)
	}
	return b.String()
}

// SecretEnvVar is the variable that carries a secret's value where a composed value needs it (the
// kubelet expands only variables): the reserved GANTRY_ prefix keeps it clear of the blueprint's names.
func SecretEnvVar(key string) string { return "GANTRY_SECRET_" + key }

// connector resolves the placeholders of one service's env values in one environment ("" for the base).
type connector struct {
	g    *graph
	m    *member
	lay  layered
	env  string
	spec *ServiceSpec
}

// connections resolves the env values of a's base and of each environment into ServiceSpec.Values,
// reporting every bad placeholder where it was written (once: the diagnostics are deduplicated).
func (g *graph) connections(a *member) {
	(&connector{g: g, m: a, lay: a.base, spec: &a.res.Base}).resolve()
	for i := range a.res.Environments {
		e := &a.res.Environments[i]
		(&connector{g: g, m: a, lay: a.envs[i], env: e.Name, spec: &e.Spec}).resolve()
	}
}

func (c *connector) resolve() {
	if len(c.spec.Env) == 0 {
		return
	}
	c.spec.Values = make(map[string]EnvValue, len(c.spec.Env))
	for _, k := range slices.Sorted(maps.Keys(c.spec.Env)) {
		c.spec.Values[k] = c.value(k, c.spec.Env[k])
	}
}

// value resolves one env value; a placeholder that cannot be resolved is reported and left out.
func (c *connector) value(key, raw string) EnvValue {
	path := joinPath("spec.env", key)
	segs, off, ok := splitPlaceholders(raw)
	if !ok {
		c.report(path, off, "an unterminated @{", "close it with }, e.g. @{service.api.address}; for a literal @{ write @{@}{")
		return EnvValue{{Text: raw}}
	}
	var out EnvValue
	add := func(p EnvPart) {
		if p.Text != "" && len(out) > 0 && out[len(out)-1].Var == "" && out[len(out)-1].Secret == "" {
			out[len(out)-1].Text += p.Text
			return
		}
		if p != (EnvPart{}) {
			out = append(out, p)
		}
	}
	for _, s := range segs {
		if !s.placeholder {
			add(EnvPart{Text: s.text})
			continue
		}
		for _, p := range c.ref(path, s) {
			add(p)
		}
	}
	if len(out) == 0 {
		out = EnvValue{{}}
	}
	if n := len(out.String()); n > MaxEnvValue && len(raw) <= MaxEnvValue { // a long raw value is reported as such
		c.report(path, 0, fmt.Sprintf("resolved, the value is %d bytes, longer than %d", n, MaxEnvValue), "keep large configuration in a file")
	}
	if text, lit := out.Literal(); lit && !HasPlaceholder(raw) {
		c.looksLikeAddress(path, key, text)
	}
	return out
}

// ref resolves one placeholder into its parts; nil when it cannot be resolved (reported).
func (c *connector) ref(path string, s segment) []EnvPart {
	if strings.Contains(s.ref, "@{") {
		c.report(path, s.off, fmt.Sprintf("@{%s}: placeholders do not nest", truncate(s.ref, 60)), "write each placeholder on its own, e.g. @{service.api.host}:@{service.api.port}")
		return nil
	}
	if !placeholderRE().MatchString(s.ref) {
		c.report(path, s.off, fmt.Sprintf("@{%s} is not a placeholder", truncate(s.ref, 60)),
			"write @{kind.name.field}: @{service.api.address}, @{dependency.db.host}, @{secret.API_KEY} or @{self.namespace}; @{@} is a literal @")
		return nil
	}
	kind, rest, _ := strings.Cut(s.ref, ".")
	one := func(p EnvPart, ok bool) []EnvPart {
		if !ok {
			return nil
		}
		return []EnvPart{p}
	}
	switch kind {
	case "service":
		return one(c.service(path, s, rest))
	case "dependency":
		return c.dependency(path, s, rest)
	case "secret":
		return one(c.secret(path, s, rest))
	case "self":
		return one(c.self(path, s, rest))
	}
	hint := "one of " + strings.Join(PlaceholderKinds, ", ")
	if m := closest(kind, PlaceholderKinds); m != "" {
		hint = fmt.Sprintf("did you mean %q?", m)
	}
	c.report(path, s.off, fmt.Sprintf("@{%s}: unknown kind %q", s.ref, kind), hint)
	return nil
}

// nameField splits NAME.FIELD (NAME may hold dots: name.namespace) and checks FIELD against fields.
func (c *connector) nameField(path string, s segment, rest string, fields []string) (name, field string, ok bool) {
	i := strings.LastIndexByte(rest, '.')
	switch {
	case rest == "" || i == 0 || strings.HasPrefix(rest, ".") || strings.Contains(rest, ".."):
		c.report(path, s.off, fmt.Sprintf("@{%s} names no service", s.ref), "write @{service.NAME.FIELD}, NAME as in spec.calls, e.g. @{service.api.address}")
		return "", "", false
	case i < 0:
		c.report(path, s.off, fmt.Sprintf("@{%s} names no field", s.ref), "add one of: "+strings.Join(fields, ", "))
		return "", "", false
	}
	name, field = rest[:i], rest[i+1:]
	if !slices.Contains(fields, field) {
		hint := "one of: " + strings.Join(fields, ", ")
		if m := closest(field, fields); m != "" {
			hint = fmt.Sprintf("did you mean %q? (%s)", m, hint)
		}
		c.report(path, s.off, fmt.Sprintf("@{%s}: no field %q", s.ref, field), hint)
		return "", "", false
	}
	return name, field, true
}

func (c *connector) service(path string, s segment, rest string) (EnvPart, bool) {
	ref, field, ok := c.nameField(path, s, rest, serviceFields)
	if !ok {
		return EnvPart{}, false
	}
	t := c.g.find(ref)
	called := slices.ContainsFunc(c.m.res.Base.Calls, func(call string) bool {
		return call == ref || (t != nil && c.g.find(call) == t)
	})
	switch {
	case t == nil && called && !c.g.complete:
		// Among the blueprints not named: the call is reported (and a run that writes refused) as
		// unresolved; --print shows the placeholder as written.
		return EnvPart{Text: "@{" + s.ref + "}"}, true
	case t == nil:
		name, _ := splitRef(ref)
		hint := "add its blueprint, or fix the name"
		if m := closest(name, c.g.names); m != "" {
			hint = fmt.Sprintf("did you mean %q?", m)
		}
		c.report(path, s.off, fmt.Sprintf("@{%s}: no service %q among the blueprints", s.ref, ref), hint)
		return EnvPart{}, false
	case t == c.m:
		c.report(path, s.off, fmt.Sprintf("@{%s} is the service itself", s.ref), "use @{self.port}, or localhost")
		return EnvPart{}, false
	case !called:
		c.report(path, s.off, fmt.Sprintf("@{%s}: %s is not in spec.calls, so the network rules would block the connection", s.ref, ref),
			fmt.Sprintf("add %q to spec.calls (and %q to %s's spec.callers)", t.res.Name, c.m.res.Name, t.res.Name))
		return EnvPart{}, false
	case t.typ != TypeWeb:
		return EnvPart{}, false // reported at spec.calls: a service that serves no port
	}
	b := t.res.Base
	host := ServiceHost(t.res.Name, b.Namespace)
	port := strconv.Itoa(b.ServicePort)
	switch field {
	case "host":
		return EnvPart{Text: host}, true
	case "port":
		return EnvPart{Text: port}, true
	case "address":
		return EnvPart{Text: host + ":" + port}, true
	}
	return EnvPart{Text: b.Protocol + "://" + host + ":" + port}, true
}

// ServiceHost is the DNS name a service is reached at in the cluster. The cluster domain is left to the
// pods' resolver search list, so the name works whatever the cluster's domain is.
func ServiceHost(name, namespace string) string { return name + "." + namespace + ".svc" }

// dependencyFields are the placeholder fields of a dependency type: its settings, lower-cased, plus
// address (host and port), password (credentials) and url (where the catalogue has a form).
func dependencyFields(kind catalog.Dependency) []string {
	var out []string
	for _, s := range kind.Settings {
		out = append(out, strings.ToLower(s))
	}
	if slices.Contains(kind.Settings, "HOST") && slices.Contains(kind.Settings, "PORT") {
		out = append(out, "address")
	}
	if kind.Credentials {
		out = append(out, "password")
	}
	if kind.URL != "" {
		out = append(out, "url")
	}
	return out
}

func (c *connector) dependency(path string, s segment, rest string) []EnvPart {
	name, field, _ := strings.Cut(rest, ".")
	i := slices.IndexFunc(c.spec.Dependencies, func(d Dependency) bool { return d.Name == name })
	if i < 0 {
		var names []string
		for _, d := range c.spec.Dependencies {
			names = append(names, d.Name)
		}
		hint := "declare it under spec.dependencies"
		if m := closest(name, names); m != "" {
			hint = fmt.Sprintf("did you mean %q?", m)
		}
		c.report(path, s.off, fmt.Sprintf("@{%s}: no dependency %q", s.ref, name), hint)
		return nil
	}
	d := c.spec.Dependencies[i]
	kind, ok := catalog.Lookup(d.Type)
	if !ok {
		return nil // its type is reported
	}
	fields := dependencyFields(kind)
	if !slices.Contains(fields, field) {
		hint := fmt.Sprintf("a %s dependency has: %s", d.Type, strings.Join(fields, ", "))
		if m := closest(field, fields); m != "" && field != "" {
			hint = fmt.Sprintf("did you mean %q? (%s)", m, hint)
		}
		c.report(path, s.off, fmt.Sprintf("@{%s}: no field %q", s.ref, field), hint)
		return nil
	}
	url := kind.URL
	if DependencyProvider(c.g.platform, c.env) == ProviderCluster && kind.LocalURL != "" {
		url = kind.LocalURL
	}
	return dependencyParts(d, field, url)
}

// dependencyParts is a dependency's field over the variables that carry its settings: address is
// HOST:PORT, password the secret key of its credentials, url the catalogue's form with its {fields}.
func dependencyParts(d Dependency, field, url string) []EnvPart {
	prefix := EnvPrefix(d)
	switch field {
	case "address":
		return []EnvPart{{Var: prefix + "HOST"}, {Text: ":"}, {Var: prefix + "PORT"}}
	case "password":
		return []EnvPart{{Secret: prefix + "PASSWORD"}}
	case "url":
		var out []EnvPart
		for url != "" {
			i := strings.IndexByte(url, '{')
			if i < 0 {
				out = append(out, EnvPart{Text: url})
				break
			}
			j := strings.IndexByte(url, '}')
			if i > 0 {
				out = append(out, EnvPart{Text: url[:i]})
			}
			out = append(out, dependencyParts(d, url[i+1:j], "")...)
			url = url[j+1:]
		}
		return out
	}
	return []EnvPart{{Var: prefix + strings.ToUpper(field)}}
}

// ConfidentialDir is where a service's secrets are mounted as files, one per name: the Kubernetes
// target mounts them there and @{secret.NAME.path} names the file.
const ConfidentialDir = "/var/run/secrets/gantry"

func (c *connector) secret(path string, s segment, rest string) (EnvPart, bool) {
	// A secret name may hold dots (tls.key): the whole is the name unless it ends in .path.
	name, hasField := rest, false
	if n, ok := strings.CutSuffix(rest, ".path"); ok && !slices.Contains(c.spec.Secrets, rest) {
		name, hasField = n, true
	}
	if i := strings.LastIndexByte(name, '.'); !slices.Contains(c.spec.Secrets, name) && i > 0 && slices.Contains(c.spec.Secrets, name[:i]) {
		c.report(path, s.off, fmt.Sprintf("@{%s}: no field %q", s.ref, name[i+1:]), "@{secret.NAME} is the value, @{secret.NAME.path} the file it is mounted as")
		return EnvPart{}, false
	}
	if !slices.Contains(c.spec.Secrets, name) {
		hint := fmt.Sprintf("list it under spec.secrets: [%s]", name)
		if m := closest(name, c.spec.Secrets); m != "" {
			hint = fmt.Sprintf("did you mean %q?", m)
		}
		c.report(path, s.off, fmt.Sprintf("@{%s}: %q is not among the service's secrets", s.ref, name), hint)
		return EnvPart{}, false
	}
	if hasField {
		return EnvPart{Text: ConfidentialDir + "/" + name}, true
	}
	return EnvPart{Secret: name}, true
}

func (c *connector) self(path string, s segment, field string) (EnvPart, bool) {
	if !slices.Contains(selfFields, field) {
		hint := "one of: " + strings.Join(selfFields, ", ")
		if m := closest(field, selfFields); m != "" {
			hint = fmt.Sprintf("did you mean %q?", m)
		}
		c.report(path, s.off, fmt.Sprintf("@{%s}: no field %q", s.ref, field), hint)
		return EnvPart{}, false
	}
	switch field {
	case "name":
		return EnvPart{Text: c.m.res.Name}, true
	case "namespace":
		return EnvPart{Text: c.spec.Namespace}, true
	case "environment":
		return EnvPart{Text: c.env}, true // the base holds "": every environment sets its own
	}
	if c.spec.Port == 0 {
		c.report(path, s.off, fmt.Sprintf("@{%s}: a %s service serves no port", s.ref, c.spec.Type), "only a web service has a port")
		return EnvPart{}, false
	}
	return EnvPart{Text: strconv.Itoa(c.spec.Port)}, true
}

// report adds an error at the placeholder: its column when the value is written on one line as is.
func (c *connector) report(path string, off int, msg, hint string) {
	msg = escapeControls(msg) // a placeholder's text is the user's: no raw newline reaches a log
	pos, p := c.g.r.at(c.lay, Pos{File: c.m.file.Path}, path)
	if n := c.lay.nodes[path]; n != nil && pos.Line == n.Line {
		pos.Col += valueOffset(n, off)
	}
	c.g.l.add(Diagnostic{Pos: pos, Path: p, Message: c.m.forService(pos, msg), Hint: hint})
}

// escapeControls writes control characters as Go escapes.
func escapeControls(s string) string {
	if !strings.ContainsFunc(s, func(r rune) bool { return r < 0x20 || r >= 0x7f && r <= 0x9f || r == '\u2028' || r == '\u2029' }) {
		return s
	}
	q := strconv.Quote(s)
	return strings.ReplaceAll(q[1:len(q)-1], `\"`, `"`)
}

// valueOffset is the column offset of byte off of a scalar's value, where the source shows the value
// as is: plain, or quoted without escapes, on one line.
func valueOffset(n *yaml.Node, off int) int {
	if strings.ContainsAny(n.Value, "\n\t\\'\"") {
		return 0
	}
	switch n.Style {
	case 0:
		return off
	case yaml.SingleQuotedStyle, yaml.DoubleQuotedStyle:
		return off + 1
	}
	return 0
}

// addressRE finds what looks like a service address in a literal: an optional scheme, a host, and a
// port or the in-cluster .svc suffix.
var addressRE = lazyRegexp(`(?:^|[\s,;=/@])([a-z0-9]([a-z0-9-]*[a-z0-9])?)((?:\.[a-z0-9-]+)*?)(:[0-9]{1,5}\b|\.svc\b)`)

// looksLikeAddress warns about a literal value that addresses another service of the platform: it
// should be a placeholder, which follows the service's port and is checked against spec.calls.
func (c *connector) looksLikeAddress(path, key, v string) {
	for _, m := range addressRE().FindAllStringSubmatch(v, -1) {
		name := m[1]
		t := c.g.byName[name]
		if t == nil || t == c.m || t.typ != TypeWeb {
			continue
		}
		pos, p := c.g.r.at(c.lay, Pos{File: c.m.file.Path}, path)
		c.g.l.add(Diagnostic{Pos: pos, Path: p, Severity: SeverityWarning,
			Message: c.m.forService(pos, fmt.Sprintf("%s looks like the address of service %s, written as a literal", key, name)),
			Hint:    fmt.Sprintf("write @{service.%s.address} (or .host, .port, .url): it follows the service's port and is checked against spec.calls", name)})
		return
	}
}
