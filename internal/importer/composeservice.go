package importer

import (
	"fmt"
	"math"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// The fields of a Compose service that the import reads, each with Compose's syntaxes and checks
// (see readCompose).

// composeServiceKeys are the keys of a service in the Compose specification.
var composeServiceKeys = []string{"annotations", "attach", "blkio_config", "build", "cap_add", "cap_drop", "cgroup",
	"cgroup_parent", "command", "configs", "container_name", "cpu_count", "cpu_percent", "cpu_period", "cpu_quota",
	"cpu_rt_period", "cpu_rt_runtime", "cpu_shares", "cpus", "cpuset", "credential_spec", "depends_on", "deploy",
	"develop", "device_cgroup_rules", "devices", "dns", "dns_opt", "dns_search", "domainname", "entrypoint",
	"env_file", "environment", "expose", "extends", "external_links", "extra_hosts", "gpus", "group_add",
	"healthcheck", "hostname", "image", "init", "ipc", "isolation", "label_file", "labels", "links", "logging",
	"mac_address", "mem_limit", "mem_reservation", "mem_swappiness", "memswap_limit", "models", "network_mode",
	"networks", "oom_kill_disable", "oom_score_adj", "pid", "pids_limit", "platform", "ports", "post_start",
	"pre_start", "pre_stop", "privileged", "profiles", "provider", "pull_policy", "pull_refresh_after", "read_only",
	"restart", "runtime", "scale", "secrets", "security_opt", "shm_size", "stdin_open", "stop_grace_period",
	"stop_signal", "storage_opt", "sysctls", "tmpfs", "tty", "ulimits", "umask", "use_api_socket", "user",
	"userns_mode", "uts", "volumes", "volumes_from", "working_dir"}

var composeBuildKeys = []string{"additional_contexts", "args", "cache_from", "cache_to", "context", "dockerfile",
	"dockerfile_inline", "entitlements", "extra_hosts", "isolation", "labels", "network", "no_cache",
	"no_cache_filter", "platforms", "privileged", "provenance", "pull", "sbom", "secrets", "shm_size", "ssh",
	"tags", "target", "ulimits"}

// knownKeys reports the keys of n that are not in known (x- extensions aside).
func (r *composeReader) knownKeys(n *composeNode, path string, known ...string) {
	for _, k := range n.keys {
		if key := k.value.(string); !strings.HasPrefix(key, "x-") && !slices.Contains(known, key) {
			hint := ""
			if s := closest(key, known); s != "" {
				hint = fmt.Sprintf(" (did you mean %s?)", s)
			}
			r.fail(k, joinPath(path, key), "not a Compose key%s", hint)
		}
	}
}

// closest is the known key within two edits of key, if one is.
func closest(key string, known []string) string {
	best, bestD := "", 3
	for _, k := range known {
		if d := editDistance(key, k); d < bestD {
			best, bestD = k, d
		}
	}
	return best
}

func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur := make([]int, len(b)+1)
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev = cur
	}
	return prev[len(b)]
}

// service reads one service; nil when it is not a mapping.
func (r *composeReader) service(n *composeNode, path string) *composeService {
	if n.kind != yaml.MappingNode {
		r.fail(n, path, "a service must be a mapping")
		return nil
	}
	r.knownKeys(n, path, composeServiceKeys...)
	s := &composeService{node: n, DependsOn: map[string]bool{}}
	if k := n.keyNode("extends"); k != nil {
		r.fail(k, path+".extends", "not supported by Gantry's Compose reader: write the service out in full (or use a YAML anchor and <<)")
	}
	s.Image, _ = r.optString(n, "image", path)
	if b := n.get("build"); b != nil {
		s.Build = r.build(b, path+".build")
	}
	if p := n.get("ports"); p != nil {
		s.Ports = r.ports(p, path+".ports")
	}
	if e := n.get("expose"); e != nil {
		s.Expose = r.expose(e, path+".expose")
	}
	if h := n.get("healthcheck"); h != nil {
		s.HealthCheck = r.healthcheck(h, path+".healthcheck")
	}
	if e := n.get("environment"); e != nil {
		s.Environment = r.listOrDict(e, path+".environment")
	}
	if d := n.get("depends_on"); d != nil {
		r.dependsOn(d, path+".depends_on", s.DependsOn)
	}
	if l := n.get("links"); l != nil {
		s.Links = uniqueByKey(r.strings(l, path+".links"))
		for _, link := range s.Links {
			if parts := strings.Split(link, ":"); len(parts) == 2 {
				link = parts[0]
			}
			if _, ok := s.DependsOn[link]; !ok {
				s.DependsOn[link] = true
			}
		}
	}
	for _, ns := range []string{"network_mode", "ipc", "pid", "uts", "cgroup"} {
		if v := n.get(ns); v != nil && ns == "pid" && v.kind == yaml.ScalarNode && v.value == nil {
			continue // pid may be null
		}
		if v, _ := r.optString(n, ns, path); strings.HasPrefix(v, "service:") {
			if _, ok := s.DependsOn[v[len("service:"):]]; !ok {
				s.DependsOn[v[len("service:"):]] = true
			}
			if ns == "network_mode" {
				s.networkService = v[len("service:"):]
			}
		}
	}
	if v := n.get("volumes_from"); v != nil {
		for _, vol := range r.strings(v, path+".volumes_from") {
			if !strings.HasPrefix(vol, "container:") {
				name, _, _ := strings.Cut(vol, ":")
				if _, ok := s.DependsOn[name]; !ok {
					s.DependsOn[name] = true
				}
			}
		}
	}
	if d := n.get("deploy"); d != nil {
		s.Deploy = r.deploy(d, path+".deploy")
	}
	if sec := n.get("secrets"); sec != nil {
		s.Secrets = r.serviceSecrets(sec, path+".secrets")
	}
	if p := n.get("profiles"); p != nil {
		s.profiles = uniqueByKey(r.strings(p, path+".profiles"))
	}
	if v := n.get("scale"); v != nil {
		if i, ok := r.integer(v, path+".scale"); ok {
			s.scale = &i
		}
	}
	if c, ok := r.optString(n, "container_name", path); ok {
		s.containerName = c
		if !containerNameOK(c) {
			r.fail(n.get("container_name"), path+".container_name", "%q is not a container name (a letter or digit, then letters, digits, '_', '.' or '-')", c)
		}
	}
	if v := n.get("cpus"); v != nil {
		s.cpus, _ = r.float32(v, path+".cpus")
	}
	if v := n.get("mem_limit"); v != nil {
		s.memLimit, _ = r.bytes(v, path+".mem_limit", true)
	}
	if v := n.get("pids_limit"); v != nil {
		if f, ok := v.value.(float64); ok { // a number, truncated
			s.pidsLimit = int64(f)
		} else {
			s.pidsLimit, _ = r.int64(v, path+".pids_limit")
		}
	}
	if p := n.get("provider"); p != nil {
		s.provider = true
		if p.kind != yaml.MappingNode {
			r.fail(p, path+".provider", "must be a mapping")
		}
	}
	return s
}

func (r *composeReader) build(n *composeNode, path string) *composeBuild {
	if s, ok := n.str(); ok {
		return &composeBuild{Context: r.context(s), Dockerfile: "Dockerfile"}
	}
	if n.kind != yaml.MappingNode {
		r.fail(n, path, "must be the build context (a string) or a mapping")
		return nil
	}
	r.knownKeys(n, path, composeBuildKeys...)
	b := &composeBuild{Context: "."}
	if c := n.get("context"); c != nil {
		if s, ok := r.string(c, path+".context"); ok {
			b.Context = r.context(s)
		}
	}
	b.Dockerfile, _ = r.optString(n, "dockerfile", path)
	b.DockerfileInline, _ = r.optString(n, "dockerfile_inline", path)
	if !n.has("dockerfile") && !n.has("dockerfile_inline") {
		b.Dockerfile = "Dockerfile"
	}
	b.Target, _ = r.optString(n, "target", path)
	if a := n.get("args"); a != nil {
		for name, v := range r.listOrDict(a, path+".args") {
			if v != nil { // an argument without a value is dropped
				b.Args = append(b.Args, name)
			}
		}
		slices.Sort(b.Args)
	}
	return b
}

// context is a build context as Compose resolves it: a URL, a Git reference or a service's image as
// given, a path with its ~ expanded (relative ones are relative to the file's folder).
func (r *composeReader) context(s string) string {
	if strings.Contains(s, "://") || strings.HasPrefix(s, "service:") {
		return s
	}
	for _, prefix := range []string{"github.com/", "git@"} {
		if strings.HasPrefix(s, prefix) {
			return s
		}
	}
	if strings.HasPrefix(s, "~") {
		if home, err := os.UserHomeDir(); err == nil {
			return filepath.Join(home, s[1:])
		}
	}
	return s
}

// ports reads the short syntax ([[ip:]published[-range]:]target[-range][/protocol], a number) and
// the long one, with Compose's de-duplication (a later equal entry replaces an earlier one in its
// place, before and after the short syntax is expanded).
func (r *composeReader) ports(n *composeNode, path string) []composePort {
	if n.kind != yaml.SequenceNode {
		r.fail(n, path, "must be a list")
		return nil
	}
	type entry struct {
		node *composeNode
		key  string
		port composePort
		long bool
	}
	var first uniqueList[entry]
	for i, it := range n.items {
		ipath := fmt.Sprintf("%s[%d]", path, i)
		e := entry{node: it}
		switch v := it.value; {
		case it.kind == yaml.MappingNode:
			key, ok := r.longPortKey(it, ipath)
			if !ok {
				continue
			}
			e.key, e.long = key, true
		case it.kind != yaml.ScalarNode:
			r.fail(it, ipath, "a port is a number, a string or a mapping")
			continue
		default:
			switch v := v.(type) {
			case string:
				e.key = v
			case int:
				e.key = strconv.Itoa(v)
			case float64:
				r.fail(it, ipath, "a port number must be an integer (%v)", v)
				continue
			default:
				r.fail(it, ipath, "a port is a number, a string or a mapping")
				continue
			}
		}
		first.add(e.key, e)
	}
	var second uniqueList[entry]
	for _, e := range first.list {
		if e.long {
			e.port = r.longPort(e.node, e.node.path)
			second.add(e.key, e)
			continue
		}
		expanded, err := parsePortSpec(e.key)
		if err != nil {
			r.fail(e.node, e.node.path, "%v", err)
			continue
		}
		for _, p := range expanded {
			if p.Target == 0 {
				r.fail(e.node, e.node.path, "port %q has no target (container) port", e.key)
				continue
			}
			host := any("0.0.0.0")
			if p.hostIP != "" {
				host = p.hostIP
			}
			var published any
			if p.published != "" {
				published = p.published
			}
			key := fmt.Sprintf("%s:%s:%d/%s", host, published, p.Target, p.Protocol)
			second.add(key, entry{node: e.node, key: key, port: p.composePort})
		}
	}
	out := make([]composePort, len(second.list))
	for i, e := range second.list {
		out[i] = e.port
	}
	return out
}

// uniqueList keeps one entry per key, as Compose does: the last one, in the place of the first.
type uniqueList[T any] struct {
	list []T
	at   map[string]int
}

func (u *uniqueList[T]) add(key string, e T) {
	if i, ok := u.at[key]; ok {
		u.list[i] = e
		return
	}
	if u.at == nil {
		u.at = map[string]int{}
	}
	u.at[key] = len(u.list)
	u.list = append(u.list, e)
}

// longPortKey is Compose's identity of a long-syntax port (its values as written, typed).
func (r *composeReader) longPortKey(n *composeNode, path string) (string, bool) {
	r.knownKeys(n, path, "name", "mode", "host_ip", "target", "published", "protocol", "app_protocol")
	t := n.get("target")
	if t == nil {
		r.fail(n, path, "a port needs its target (container) port")
		return "", false
	}
	target := t.value
	if s, ok := target.(string); ok {
		i, err := strconv.Atoi(s)
		if err != nil {
			r.fail(t, path+".target", "not a port number: %q", s)
			return "", false
		}
		target = i
	}
	host := any("0.0.0.0")
	if h := n.get("host_ip"); h != nil {
		host = h.value
	}
	var published, protocol any = nil, "tcp"
	if p := n.get("published"); p != nil {
		published = p.value
	}
	if p := n.get("protocol"); p != nil {
		protocol = p.value
	}
	return fmt.Sprintf("%s:%s:%d/%s", host, published, target, protocol), true
}

func (r *composeReader) longPort(n *composeNode, path string) composePort {
	p := composePort{Protocol: "tcp"}
	t := n.get("target")
	if i, ok := r.integer(t, path+".target"); ok {
		if i < 0 || i > math.MaxUint32 {
			r.fail(t, path+".target", "not a port number: %d", i)
		}
		p.Target = uint32(i)
	}
	if pub := n.get("published"); pub != nil {
		switch pub.value.(type) {
		case string, int:
		default:
			r.fail(pub, path+".published", "must be a string or an integer")
		}
	}
	if h, ok := r.optString(n, "host_ip", path); ok && net.ParseIP(h) == nil {
		r.fail(n.get("host_ip"), path+".host_ip", "invalid IP address %q", h)
	}
	if proto, ok := r.optString(n, "protocol", path); ok {
		p.Protocol = proto
	}
	r.optString(n, "mode", path)
	r.optString(n, "name", path)
	r.optString(n, "app_protocol", path)
	return p
}

type portSpec struct {
	composePort
	hostIP, published string
	text              string // port/protocol
}

// parsePortSpec reads the short syntax of a port, as Docker does: a range is one entry per port,
// in the order of their text ("1000/tcp" before "998/tcp").
func parsePortSpec(raw string) ([]portSpec, error) {
	parts := strings.Split(raw, ":")
	n := len(parts)
	ip, host, container := "", "", parts[n-1]
	switch {
	case n == 2:
		host = parts[0]
	case n == 3:
		ip, host = parts[0], parts[1]
	case n > 3:
		ip, host = strings.Join(parts[:n-2], ":"), parts[n-2]
	}
	proto := "tcp"
	if c, pr, ok := strings.Cut(container, "/"); ok {
		container = c
		if p, _, _ := strings.Cut(pr, "/"); p != "" {
			proto = p
		}
	}
	if strings.HasPrefix(ip, "[") && strings.HasSuffix(ip, "]") {
		ip = ip[1 : len(ip)-1]
	} else if strings.ContainsAny(ip, ":[]") {
		return nil, fmt.Errorf("invalid IP address %q (an IPv6 address goes in brackets)", ip)
	}
	if ip != "" && net.ParseIP(ip) == nil {
		return nil, fmt.Errorf("invalid IP address %q", ip)
	}
	if container == "" {
		return nil, fmt.Errorf("no port in %q", raw)
	}
	start, end, err := portRange(container)
	if err != nil {
		return nil, fmt.Errorf("invalid container port %q", container)
	}
	var hStart, hEnd uint64
	if host != "" {
		if hStart, hEnd, err = portRange(host); err != nil {
			return nil, fmt.Errorf("invalid host port %q", host)
		}
		if end-start != hEnd-hStart && end != start {
			return nil, fmt.Errorf("the ranges of container and host ports differ: %s and %s", container, host)
		}
	}
	proto = strings.ToLower(proto)
	if proto != "tcp" && proto != "udp" && proto != "sctp" {
		return nil, fmt.Errorf("invalid protocol %q (tcp, udp or sctp)", proto)
	}
	var out []portSpec
	for i := uint64(0); i <= end-start; i++ {
		p := portSpec{composePort: composePort{Target: uint32(start + i), Protocol: proto}, hostIP: ip,
			text: strconv.FormatUint(start+i, 10) + "/" + proto}
		if host != "" {
			p.published = strconv.FormatUint(hStart+i, 10)
			if start == end && hStart != hEnd {
				p.published = fmt.Sprintf("%d-%d", hStart, hEnd)
			}
		}
		out = append(out, p)
	}
	// Docker's map of "port/protocol" keys, sorted as text
	slices.SortStableFunc(out, func(a, b portSpec) int { return strings.Compare(a.text, b.text) })
	return out, nil
}

// portRange reads "80" or "8000-8010" (what follows a second '-' is ignored, as in Docker).
func portRange(s string) (uint64, uint64, error) {
	lo, hi, isRange := strings.Cut(s, "-")
	start, err := strconv.ParseUint(lo, 10, 16)
	if err != nil || !isRange {
		return start, start, err
	}
	hi, _, _ = strings.Cut(hi, "-")
	end, err := strconv.ParseUint(hi, 10, 16)
	if err != nil {
		return 0, 0, err
	}
	if end < start {
		return 0, 0, fmt.Errorf("invalid range %s", s)
	}
	return start, end, nil
}

func (r *composeReader) expose(n *composeNode, path string) []string {
	if n.kind != yaml.SequenceNode {
		r.fail(n, path, "must be a list")
		return nil
	}
	var out uniqueList[string]
	for i, it := range n.items {
		s, ok := it.str()
		if i, isInt := it.value.(int); isInt && it.kind == yaml.ScalarNode {
			s, ok = strconv.Itoa(i), true
		}
		if !ok {
			r.fail(it, fmt.Sprintf("%s[%d]", path, i), "a port is a string or an integer")
			continue
		}
		out.add(s, s)
	}
	return out.list
}

func (r *composeReader) healthcheck(n *composeNode, path string) *composeHealthConfig {
	if n.kind != yaml.MappingNode {
		r.fail(n, path, "must be a mapping")
		return nil
	}
	r.knownKeys(n, path, "disable", "interval", "retries", "test", "timeout", "start_period", "start_interval")
	h := &composeHealthConfig{}
	if t := n.get("test"); t != nil {
		if s, ok := t.str(); ok {
			h.Test = []string{"CMD-SHELL", s}
		} else {
			h.Test = r.strings(t, path+".test")
		}
	}
	if d := n.get("disable"); d != nil {
		h.Disable, _ = r.boolean(d, path+".disable")
	}
	for _, k := range []struct {
		name string
		to   **time.Duration
	}{{"interval", &h.Interval}, {"timeout", &h.Timeout}, {"start_period", &h.StartPeriod}, {"start_interval", &h.StartInterval}} {
		v := n.get(k.name)
		if v == nil {
			continue
		}
		s, ok := r.string(v, path+"."+k.name)
		if !ok {
			continue
		}
		d, err := parseComposeDuration(s)
		if err != nil {
			r.fail(v, path+"."+k.name, "%v", err)
			continue
		}
		*k.to = &d
	}
	if v := n.get("retries"); v != nil {
		var u uint64
		switch x := v.value.(type) {
		case float64:
			if x < 0 {
				r.fail(v, path+".retries", "must not be negative")
			}
			u = uint64(x)
		default:
			i, ok := r.integer(v, path+".retries")
			if ok && i < 0 {
				r.fail(v, path+".retries", "must not be negative")
			}
			u = uint64(i)
		}
		h.Retries = &u
	}
	return h
}

// parseComposeDuration reads a duration as Compose does: Go's syntax (1m30s, 1.5h, 250ms) with
// days (d) and weeks (w) too.
func parseComposeDuration(s string) (time.Duration, error) {
	orig := s
	bad := fmt.Errorf("invalid duration %q (a number and a unit: 30s, 1m30s, 2h, 1d)", orig)
	neg := false
	if s != "" && (s[0] == '-' || s[0] == '+') {
		neg, s = s[0] == '-', s[1:]
	}
	if s == "0" {
		return 0, nil
	}
	if s == "" {
		return 0, bad
	}
	units := map[string]float64{"ns": 1, "us": 1e3, "µs": 1e3, "μs": 1e3, "ms": 1e6, "s": 1e9, "m": 60e9, "h": 3600e9, "d": 86400e9, "w": 7 * 86400e9}
	var total int64
	for s != "" {
		i := 0
		for i < len(s) && (s[i] == '.' || '0' <= s[i] && s[i] <= '9') {
			i++
		}
		num := s[:i]
		if num == "" || num == "." || strings.Count(num, ".") > 1 {
			return 0, bad
		}
		s = s[i:]
		j := 0
		for j < len(s) && s[j] != '.' && (s[j] < '0' || s[j] > '9') {
			j++
		}
		unit, ok := units[s[:j]]
		if !ok {
			return 0, bad
		}
		s = s[j:]
		whole, frac, _ := strings.Cut(num, ".")
		w := int64(0)
		if whole != "" {
			var err error
			if w, err = strconv.ParseInt(whole, 10, 64); err != nil {
				return 0, bad
			}
		}
		if w > math.MaxInt64/int64(unit) {
			return 0, bad
		}
		v := w * int64(unit)
		if frac != "" {
			f, _ := strconv.ParseFloat("0."+frac, 64)
			v += int64(f * unit)
		}
		total += v
		if total < 0 {
			return 0, bad
		}
	}
	if neg {
		total = -total
	}
	return time.Duration(total), nil
}

// listOrDict reads NAME=VALUE pairs as Compose does; a name without a value is nil, unless it is a
// variable Compose sets (COMPOSE_PROJECT_NAME).
func (r *composeReader) listOrDict(n *composeNode, path string) map[string]*string {
	out := map[string]*string{}
	switch n.kind {
	case yaml.SequenceNode:
		var items []string
		for i, it := range n.items {
			s, ok := it.str()
			if !ok {
				r.fail(it, fmt.Sprintf("%s[%d]", path, i), "must be a string NAME=VALUE")
				continue
			}
			if k, _, _ := strings.Cut(s, "="); k != "" && strings.ContainsAny(k[len(k)-1:], " \t\n\v\f\r") {
				r.fail(it, fmt.Sprintf("%s[%d]", path, i), "variable %q is declared with a trailing space", strings.TrimRight(k, " \t\n\v\f\r"))
				continue
			}
			items = append(items, s)
		}
		for _, s := range uniqueByKey(items) {
			k, v, ok := strings.Cut(s, "=")
			if ok {
				out[k] = &v
			} else {
				out[k] = nil
			}
		}
	case yaml.MappingNode:
		for i, k := range n.keys {
			name, v := k.value.(string), n.items[i]
			if name == "" {
				r.fail(k, path, "a variable needs a name")
				continue
			}
			if v.kind != yaml.ScalarNode {
				r.fail(v, joinPath(path, name), "must be a string, a number, a boolean or null")
				continue
			}
			switch x := v.value.(type) {
			case nil:
				out[name] = nil
			case string:
				out[name] = &x
			case int, int64, uint64, float64, bool, time.Time:
				s := fmt.Sprint(x) // as Compose prints them: 1.0 is "1", a date "2001-12-14 00:00:00 +0000 UTC"
				out[name] = &s
			default:
				r.fail(v, joinPath(path, name), "must be a string, a number, a boolean or null")
			}
		}
	default:
		r.fail(n, path, "must be a list of NAME=VALUE or a mapping")
	}
	if v, ok := out["COMPOSE_PROJECT_NAME"]; ok && v == nil {
		out["COMPOSE_PROJECT_NAME"] = &r.name
	}
	return out
}

// uniqueByKey keeps one NAME[=VALUE] per name: the last one, in the place of the first.
func uniqueByKey(items []string) []string {
	var out uniqueList[string]
	for _, s := range items {
		k, _, _ := strings.Cut(s, "=")
		out.add(k, s)
	}
	return out.list
}

func (r *composeReader) dependsOn(n *composeNode, path string, deps map[string]bool) {
	switch n.kind {
	case yaml.SequenceNode:
		names := r.strings(n, path)
		for i, name := range names {
			if slices.Contains(names[:i], name) {
				r.fail(n.items[i], fmt.Sprintf("%s[%d]", path, i), "%s is listed twice", name)
			}
			deps[name] = true
		}
	case yaml.MappingNode:
		for i, k := range n.keys {
			name, v := k.value.(string), n.items[i]
			p := joinPath(path, name)
			if !composeName(name) {
				r.fail(k, p, "a service name is letters, digits, '.', '_' and '-'")
				continue
			}
			if v.kind != yaml.MappingNode {
				r.fail(v, p, "must be a mapping with a condition")
				continue
			}
			r.knownKeys(v, p, "condition", "required", "restart")
			cond := v.get("condition")
			if cond == nil {
				r.fail(v, p, "condition is required (service_started, service_healthy or service_completed_successfully)")
			} else if c, ok := r.string(cond, p+".condition"); ok && c != "service_started" && c != "service_healthy" && c != "service_completed_successfully" {
				r.fail(cond, p+".condition", "%q is not service_started, service_healthy or service_completed_successfully", c)
			}
			required := true
			if q := v.get("required"); q != nil {
				required, _ = r.boolean(q, p+".required")
			}
			if q := v.get("restart"); q != nil {
				r.boolean(q, p+".restart")
			}
			deps[name] = required
		}
	default:
		r.fail(n, path, "must be a list of services or a mapping")
	}
}

func (r *composeReader) deploy(n *composeNode, path string) *composeDeployConfig {
	if n.kind == yaml.ScalarNode && n.value == nil {
		return nil
	}
	if n.kind != yaml.MappingNode {
		r.fail(n, path, "must be a mapping")
		return nil
	}
	r.knownKeys(n, path, "mode", "endpoint_mode", "replicas", "labels", "rollback_config", "update_config", "resources", "restart_policy", "placement")
	d := &composeDeployConfig{}
	if v := n.get("replicas"); v != nil {
		if i, ok := r.integer(v, path+".replicas"); ok {
			d.Replicas = &i
		}
	}
	res := n.get("resources")
	if res == nil {
		return d
	}
	if res.kind != yaml.MappingNode {
		r.fail(res, path+".resources", "must be a mapping")
		return d
	}
	r.knownKeys(res, path+".resources", "limits", "reservations")
	l := res.get("limits")
	if l == nil {
		return d
	}
	lp := path + ".resources.limits"
	if l.kind != yaml.MappingNode {
		r.fail(l, lp, "must be a mapping")
		return d
	}
	r.knownKeys(l, lp, "cpus", "memory", "pids")
	d.Limits = &composeLimits{}
	if v := l.get("cpus"); v != nil {
		d.Limits.NanoCPUs, _ = r.float32(v, lp+".cpus")
	}
	if v := l.get("memory"); v != nil {
		d.Limits.MemoryBytes, _ = r.bytes(v, lp+".memory", false)
	}
	if v := l.get("pids"); v != nil {
		d.Limits.Pids, _ = r.int64(v, lp+".pids")
	}
	return d
}

func (r *composeReader) serviceSecrets(n *composeNode, path string) []composeSecret {
	if n.kind != yaml.SequenceNode {
		r.fail(n, path, "must be a list")
		return nil
	}
	var out uniqueList[composeSecret]
	for i, it := range n.items {
		ipath := fmt.Sprintf("%s[%d]", path, i)
		var s composeSecret
		if name, ok := it.str(); ok {
			s = composeSecret{Source: name, Target: "/run/secrets/" + name}
		} else if it.kind == yaml.MappingNode {
			r.knownKeys(it, ipath, "source", "target", "uid", "gid", "mode")
			s.Source, _ = r.optString(it, "source", ipath)
			if it.get("source") == nil {
				r.fail(it, ipath, "source (the secret's name) is required")
				continue
			}
			s.Target = "/run/secrets/" + s.Source
			if t, ok := r.optString(it, "target", ipath); ok {
				s.Target = t
			}
			r.optString(it, "uid", ipath)
			r.optString(it, "gid", ipath)
		} else {
			r.fail(it, ipath, "a secret is its name or a mapping")
			continue
		}
		out.add(s.Target, s)
	}
	return out.list
}

// Typed values. Compose casts a string to the number or boolean a field takes (after interpolation,
// so that "${REPLICAS:-2}" is 2).

func (r *composeReader) string(n *composeNode, path string) (string, bool) {
	s, ok := n.str()
	if !ok {
		r.fail(n, path, "must be a string")
	}
	return s, ok
}

// optString is key's string under n, and whether it is there.
func (r *composeReader) optString(n *composeNode, key, path string) (string, bool) {
	v := n.get(key)
	if v == nil {
		return "", false
	}
	return r.string(v, joinPath(path, key))
}

func (r *composeReader) strings(n *composeNode, path string) []string {
	if n.kind != yaml.SequenceNode {
		r.fail(n, path, "must be a list of strings")
		return nil
	}
	var out []string
	for i, it := range n.items {
		if s, ok := r.string(it, fmt.Sprintf("%s[%d]", path, i)); ok {
			out = append(out, s)
		}
	}
	return out
}

func (r *composeReader) integer(n *composeNode, path string) (int, bool) {
	if n != nil && n.kind == yaml.ScalarNode {
		switch v := n.value.(type) {
		case int:
			return v, true
		case float64:
			if v == math.Trunc(v) && math.Abs(v) < 1<<53 {
				return int(v), true
			}
		case string:
			if i, err := strconv.Atoi(v); err == nil {
				return i, true
			}
			r.fail(n, path, "not an integer: %q", v)
			return 0, false
		}
	}
	r.fail(n, path, "must be an integer")
	return 0, false
}

func (r *composeReader) int64(n *composeNode, path string) (int64, bool) {
	i, ok := r.integer(n, path)
	return int64(i), ok
}

func (r *composeReader) float32(n *composeNode, path string) (float32, bool) {
	if n.kind == yaml.ScalarNode {
		switch v := n.value.(type) {
		case int:
			return float32(v), true
		case float64:
			return float32(v), true
		case string:
			if f, err := strconv.ParseFloat(v, 64); err == nil {
				return float32(f), true
			}
			r.fail(n, path, "not a number: %q", v)
			return 0, false
		}
	}
	r.fail(n, path, "must be a number")
	return 0, false
}

func (r *composeReader) boolean(n *composeNode, path string) (bool, bool) {
	if n.kind == yaml.ScalarNode {
		switch v := n.value.(type) {
		case bool:
			return v, true
		case string:
			switch strings.ToLower(v) {
			case "true", "y", "yes", "on":
				return true, true
			case "false", "n", "no", "off":
				return false, true
			}
			r.fail(n, path, "not a boolean: %q", v)
			return false, false
		}
	}
	r.fail(n, path, "must be a boolean")
	return false, false
}

// bytes reads a size: a number of bytes, or a number and a unit (b, k, m, g, t, p, with an optional
// b or ib: 512m, 1.5GiB, all powers of 1024); numbers themselves only when number is set.
func (r *composeReader) bytes(n *composeNode, path string, number bool) (int64, bool) {
	if n.kind == yaml.ScalarNode {
		switch v := n.value.(type) {
		case int:
			if number {
				return int64(v), true
			}
		case float64, time.Time:
			if number {
				return 0, true // Compose ignores a fractional number of bytes (or a date)
			}
		case string:
			b, err := parseRAM(v)
			if err != nil {
				r.fail(n, path, "%v", err)
				return 0, false
			}
			return b, true
		}
	}
	r.fail(n, path, "must be a size such as 512m")
	return 0, false
}

func parseRAM(s string) (int64, error) {
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		return n, nil
	}
	bad := fmt.Errorf("invalid size %q (a number and a unit: 512m, 2g)", s)
	sep := strings.LastIndexAny(s, "01234567890. ")
	if sep < 0 {
		return 0, bad
	}
	num, sfx := s[:sep+1], s[sep+1:]
	if s[sep] == ' ' {
		num = s[:sep]
	}
	size, err := strconv.ParseFloat(num, 64)
	if err != nil || size < 0 {
		return 0, bad
	}
	sfx = strings.ToLower(sfx)
	mul := map[byte]float64{'k': 1 << 10, 'm': 1 << 20, 'g': 1 << 30, 't': 1 << 40, 'p': 1 << 50}
	switch {
	case sfx == "" || sfx == "b":
	case len(sfx) > 3 || mul[sfx[0]] == 0, len(sfx) == 2 && sfx[1] != 'b', len(sfx) == 3 && sfx[1:] != "ib":
		return 0, bad
	default:
		size *= mul[sfx[0]]
	}
	return int64(size), nil
}
