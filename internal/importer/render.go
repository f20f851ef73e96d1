package importer

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/gantry-dev/gantry/blueprints"
)

// render writes a service's blueprint as YAML text (keys in the order of the reference, maps sorted),
// with the report's entries for it as comments at the top. A service with blockers is written commented
// out, line by line, after the list of what to complete.
func render(s *svc) []byte {
	out := renderHead(s)
	var b blueprint
	b.service(s)
	b.health(s.health)
	if len(s.deps) > 0 {
		b.w(1, "dependencies:")
		for _, d := range s.deps {
			b.w(2, "- {name: %s, type: %s}", q(d.Name), d.Type)
		}
	}
	for _, d := range s.cloudDeps {
		b.w(1, "# TODO(import): dependencies: [{name: %s, type: %s}]  # needs the platform's spec.cloud.provider", q(d.Name), d.Type)
	}
	b.list(s, "calls", s.calls)
	b.list(s, "callers", s.callers)
	b.sizing(s)
	b.env(s)
	if len(s.secrets) > 0 {
		b.list(s, "secrets", s.secrets)
	}
	if s.pending() {
		for _, l := range strings.SplitAfter(b.String(), "\n") {
			if l != "" {
				out += "# " + l
			}
		}
		return []byte(out)
	}
	return []byte(out + b.String())
}

// renderHead is the comment above a blueprint: where it came from, what blocks it, the report.
func renderHead(s *svc) string {
	var head strings.Builder
	fmt.Fprintf(&head, "# Imported by `gantry import %s` from %s.\n", s.importedBy, s.pos)
	if s.pending() {
		head.WriteString("# TODO(import): this blueprint is commented out until you complete it; then uncomment it and run\n# `gantry validate`:\n")
		for _, b := range s.blockers {
			head.WriteString(comment("  - "+b, "#   "))
		}
	}
	if len(s.entries) > 0 {
		head.WriteString("# Import report (what was not mapped, or changed; each also printed by the import):\n")
		for _, e := range s.entries {
			head.WriteString(comment(fmt.Sprintf("  %s: %s: %s", e.Pos, e.Kind, e.Message), "#   "))
		}
	}
	return head.String()
}

// blueprint is a blueprint's YAML as it is written, line by line.
type blueprint struct{ strings.Builder }

func (b *blueprint) w(indent int, format string, args ...any) {
	b.WriteString(strings.Repeat("  ", indent))
	fmt.Fprintf(b, format, args...)
	b.WriteByte('\n')
}

// service writes the header fields and what runs: runtime or image, type, source, build, ports.
func (b *blueprint) service(s *svc) {
	b.w(0, "apiVersion: gantry.dev/v1")
	b.w(0, "kind: Service")
	b.w(0, "metadata:")
	b.w(1, "name: %s", q(s.name))
	b.w(1, "team: %s", q(s.team))
	b.w(0, "spec:")
	switch {
	case s.prebuilt != "":
		b.w(1, "prebuilt: %s", q(s.prebuilt))
	case s.runtime != "":
		b.w(1, "runtime: %s", q(s.runtime))
	default:
		b.w(1, "runtime: TODO  # go | node | python | java | rust | dotnet | static")
	}
	b.w(1, "type: %s", s.typ)
	if s.source != "" {
		b.w(1, "source: %s", q(s.source))
	}
	if s.build.Context != "" || s.build.Dockerfile != "" {
		b.w(1, "build:")
		if s.build.Context != "" {
			b.w(2, "context: %s", q(s.build.Context))
		}
		if s.build.Dockerfile != "" {
			b.w(2, "dockerfile: %s", q(s.build.Dockerfile))
		}
	}
	if s.typ != "web" {
		return
	}
	if s.port > 0 {
		b.w(1, "port: %d", s.port)
	} else {
		b.w(1, "port: TODO  # the port the container listens on, 1024 or above")
	}
	if s.svcPort > 0 && s.svcPort != s.port {
		b.w(1, "servicePort: %d", s.svcPort)
	}
	if s.protocol != "" {
		b.w(1, "protocol: %s", s.protocol)
	}
}

func (b *blueprint) health(h blueprints.Health) {
	if h == (blueprints.Health{}) {
		return
	}
	b.w(1, "health:")
	for _, kv := range []struct{ k, v string }{{"liveness", h.Liveness}, {"readiness", h.Readiness}, {"startup", h.Startup}} {
		if kv.v != "" {
			b.w(2, "%s: %s", kv.k, q(kv.v))
		}
	}
	if h.TCP {
		b.w(2, "tcp: true")
	}
	if h.InitialDelaySeconds > 0 {
		b.w(2, "initialDelaySeconds: %d", h.InitialDelaySeconds)
	}
}

// list writes calls, callers or secrets; a call or caller import could not keep is a TODO comment.
func (b *blueprint) list(s *svc, key string, items []string) {
	var on, off []string
	for _, it := range items {
		if why, ok := s.callTODO[it]; ok && key != "secrets" {
			off = append(off, fmt.Sprintf("# TODO(import): %s: [%s]  # %s", key, q(it), oneLine(why)))
		} else {
			on = append(on, q(it))
		}
	}
	if len(on) > 0 {
		b.w(1, "%s: [%s]", key, strings.Join(on, ", "))
	}
	for _, o := range off {
		b.w(1, "%s", o)
	}
}

func (b *blueprint) sizing(s *svc) {
	if s.replicas > 0 {
		b.w(1, "replicas: {min: %d}", s.replicas)
	}
	if s.cpu != "" || s.mem != "" {
		var parts []string
		if s.cpu != "" {
			parts = append(parts, "cpu: "+q(s.cpu))
		}
		if s.mem != "" {
			parts = append(parts, "memory: "+q(s.mem))
		}
		b.w(1, "resources: {%s}", strings.Join(parts, ", "))
	}
}

// env writes the env in key order, a value import could not keep as a TODO comment in its place.
func (b *blueprint) env(s *svc) {
	if len(s.env) == 0 && len(s.envTODO) == 0 {
		return
	}
	b.w(1, "env:")
	keys := slices.Sorted(func(yield func(string) bool) {
		for k := range s.env {
			if !yield(k) {
				return
			}
		}
		for k := range s.envTODO {
			if !yield(k) {
				return
			}
		}
	})
	for _, k := range slices.Compact(keys) {
		if v, ok := s.env[k]; ok {
			b.w(2, "%s: %s", q(k), q(v))
		} else {
			b.w(2, "# TODO(import): %s: %s", q(k), oneLine(s.envTODO[k]))
		}
	}
}

// comment makes text (one line or several) YAML comment lines.
// oneLine keeps a text that quotes the input on one comment line: line breaks as escapes.
func oneLine(s string) string {
	return strings.NewReplacer("\r\n", `\r\n`, "\n", `\n`, "\r", `\r`, "\u0085", `\u0085`, "\u2028", `\u2028`, "\u2029", `\u2029`).Replace(s)
}

func comment(text, prefix string) string {
	var b strings.Builder
	for _, l := range strings.Split(text, "\n") {
		b.WriteString(strings.TrimRight(prefix+l, " ") + "\n")
	}
	return b.String()
}

var plainRE = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[A-Za-z_/][A-Za-z0-9_./-]*$`) })

// q is a YAML scalar: plain where that reads as the same string, else double-quoted (Go's escapes are
// YAML's).
func q(s string) string {
	switch strings.ToLower(s) {
	case "true", "false", "yes", "no", "on", "off", "y", "n", "null", "~":
		return strconv.Quote(s)
	}
	if plainRE().MatchString(s) {
		return s
	}
	return strconv.Quote(s)
}
