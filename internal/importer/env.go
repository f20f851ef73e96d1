package importer

import (
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"

	"github.com/gantry-dev/gantry/blueprints"
)

// credentials returns the keys of env whose values gantry validate would refuse as credentials: the
// validator's own rules (blueprints.CredentialProblem), so import and validate never disagree.
func credentials(env map[string]string) map[string]bool {
	out := map[string]bool{}
	for k, v := range env {
		if _, ok := blueprints.CredentialProblem(k, literal(v)); ok {
			out[k] = true
		}
	}
	return out
}

func mapsKeys[V any](m map[string]V) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

// literal escapes Gantry's placeholder syntax in a value copied as it is: "@{" is written "@{@}{".
func literal(v string) string { return strings.ReplaceAll(v, "@{", "@{@}{") }

// peers is what an env value may name on the Compose network: dependency containers (name -> Gantry
// type) and the other imported services.
type peers struct {
	deps map[string]string
	apps map[string]*svc
}

var hostPortRE = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^([A-Za-z0-9][A-Za-z0-9_.-]*):([0-9]{1,5})$`) })

// envFamily: a variable's prefix, the part before its last word (DATABASE_HOST -> DATABASE).
func envFamily(k string) (prefix, word string) {
	i := strings.LastIndex(k, "_")
	if i <= 0 {
		return "", k
	}
	return k[:i], k[i+1:]
}

// familyFields: the last word of a variable in a dependency's family, and the field it reads.
var familyFields = map[string]string{
	"HOST": "host", "HOSTNAME": "host", "SERVER": "host", "PORT": "port", "USER": "user", "USERNAME": "user",
	"PASSWORD": "password", "PASS": "password", "PWD": "password", "DB": "name", "NAME": "name",
	"DATABASE": "name", "URL": "url", "URI": "url", "DSN": "url", "ADDR": "address", "ADDRESS": "address",
	"BROKERS": "brokers", "BOOTSTRAP_SERVERS": "brokers", "SERVERS": "brokers", "BUCKET": "bucket",
}

// mapEnv turns a Compose service's environment into blueprint env, secrets, dependencies and calls.
// Values that name a dependency container or another service become placeholders; credentials
// become secret names (never values); the rest are copied with '@{' escaped.
func mapEnv(s *svc, env map[string]string, pos func(string) blueprints.Pos, p peers) {
	creds := credentials(env)
	family := map[string]string{} // prefix -> dependency
	keys := slices.Sorted(mapsKeys(env))
	// First pass: the values that name a dependency host give their family.
	for _, k := range keys {
		if d, _ := depOf(env[k], p); d != "" {
			if prefix, _ := envFamily(k); prefix != "" {
				family[prefix] = d
			}
		}
	}
	for _, k := range keys {
		v := env[k]
		at := pos(k)
		s.envAt[k] = at
		if blueprints.ReservedEnv(k) {
			s.add(at, KindUnmapped, "env %s: Gantry sets it itself (PORT is spec.port; OTEL_* and GANTRY_* are Gantry's); not copied", k)
			continue
		}
		if d, field := depOf(v, p); d != "" {
			s.addDep(d, p.deps[d])
			if field == "" {
				s.envTODO[k] = "names dependency " + d + " in a form Gantry has no placeholder for; write it with @{dependency." + d + ".FIELD}"
				s.add(at, KindTODO, "env %s names dependency %s (%s) in a form with no placeholder: written as a comment", k, d, p.deps[d])
				continue
			}
			s.env[k] = "@{dependency." + d + "." + field + "}"
			if field == "url" {
				s.add(at, KindNote, "env %s: now @{dependency.%s.url}, Gantry's URL for %s (its own user, password and database name); the literal value is not copied", k, d, d)
			}
			continue
		}
		if name, field, rest := appOf(v, s, p); name != "" {
			link(s, p.apps[name], at)
			s.env[k] = "@{service." + name + "." + field + "}" + literal(rest)
			continue
		}
		if prefix, word := envFamily(k); family[prefix] != "" {
			d := family[prefix]
			if f := familyFields[word]; f != "" && slices.Contains(depFields[p.deps[d]], f) {
				if strings.HasPrefix(v, "/run/secrets/") {
					s.envTODO[k] = "the path of a Compose secret holding " + d + "'s " + f + "; Gantry mounts " + d + "'s credentials as files under $CONFIDENTIAL_DIR, or use @{dependency." + d + "." + f + "} for the value"
					s.add(at, KindTODO, "env %s is a file path for dependency %s's %s: written as a comment (read the value from @{dependency.%s.%s})", k, d, f, d, f)
					continue
				}
				s.env[k] = "@{dependency." + d + "." + f + "}"
				if f == "password" || f == "user" || f == "name" {
					s.add(at, KindNote, "env %s: now @{dependency.%s.%s}; the literal value is not copied", k, d, f)
				}
				continue
			}
		}
		if secret, ok := strings.CutPrefix(v, "/run/secrets/"); ok && slices.Contains(s.secrets, secret) {
			s.env[k] = "@{secret." + secret + ".path}"
			continue
		}
		if creds[k] {
			s.addSecret(k)
			s.env[k] = "@{secret." + k + "}"
			s.add(at, KindWarning, "env %s looks like a credential: the value is not copied; put it in the secret store as %s (env %s reads it with @{secret.%s})", k, k, k, k)
			continue
		}
		s.env[k] = literal(v)
	}
}

// depOf returns the dependency container a value names and the placeholder field that replaces the
// whole value ("" when it names one in a form there is none for).
func depOf(v string, p peers) (dep, field string) {
	v = strings.TrimSpace(v)
	if t := p.deps[v]; t != "" {
		switch t {
		case "kafka":
			return v, "brokers"
		case "bucket", "queue":
			return v, ""
		}
		return v, "host"
	}
	if m := hostPortRE().FindStringSubmatch(v); m != nil && p.deps[m[1]] != "" {
		switch p.deps[m[1]] {
		case "kafka":
			return m[1], "brokers"
		case "bucket", "queue":
			return m[1], ""
		}
		return m[1], "address"
	}
	if brokers := strings.Split(v, ","); len(brokers) > 1 {
		var d string
		for _, b := range brokers {
			m := hostPortRE().FindStringSubmatch(strings.TrimSpace(b))
			if m == nil || p.deps[m[1]] != "kafka" || (d != "" && d != m[1]) {
				return "", ""
			}
			d = m[1]
		}
		return d, "brokers"
	}
	u, err := url.Parse(strings.TrimPrefix(v, "jdbc:"))
	if err != nil || u.Host == "" || p.deps[u.Hostname()] == "" {
		return "", ""
	}
	d := u.Hostname()
	if slices.Contains(urlSchemes[p.deps[d]], u.Scheme) && !strings.HasPrefix(v, "jdbc:") {
		return d, "url"
	}
	if p.deps[d] == "kafka" && u.Path == "" {
		return d, "brokers"
	}
	return d, ""
}

// appOf returns the service a value names (not s itself), the placeholder field for its host part,
// and what follows it (a URL's path).
func appOf(v string, s *svc, p peers) (name, field, rest string) {
	v = strings.TrimSpace(v)
	ok := func(n string) bool { return n != s.name && p.apps[n] != nil }
	if ok(v) {
		return v, "host", ""
	}
	if m := hostPortRE().FindStringSubmatch(v); m != nil && ok(m[1]) {
		return m[1], "address", ""
	}
	u, err := url.Parse(v)
	if err != nil || u.User != nil || !ok(u.Hostname()) || u.RawQuery != "" || u.Fragment != "" {
		return "", "", ""
	}
	switch u.Scheme {
	case "http", "grpc", "tcp":
		return u.Hostname(), "url", u.EscapedPath()
	}
	return "", "", ""
}
