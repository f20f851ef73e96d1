package blueprints

import (
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strings"
	"unicode/utf8"
)

// Bounds of spec.configFiles: a ConfigMap holds at most 1 MiB, with the rest of its object.
const (
	MaxConfigFiles    = 16
	MaxConfigFile     = 256 << 10
	MaxConfigFilesAll = 768 << 10
)

// configFilePaths checks where spec.configFiles mount: clean absolute files, each once, none where a
// writable path is mounted, none in a system folder.
func (c *check) configFilePaths(s *ServiceSpec) {
	l := c.list("spec.configFiles", len(s.ConfigFiles), MaxConfigFiles, "config files", c.ferr)
	if l == nil {
		return
	}
	for i, cf := range s.ConfigFiles {
		at := fmt.Sprintf("spec.configFiles[%d].path", i)
		if cf.Path == "" {
			continue
		}
		if msg := mountPathProblem(cf.Path); msg != "" {
			c.ferr(at, "an absolute file path such as /etc/app/config.yaml", "%s", msg)
			continue
		}
		for _, w := range s.WritablePaths {
			if w.Path == cf.Path {
				c.ferr(at, "mount the file below the writable folder, or elsewhere", "%s is a writable path: a folder, not a file", cf.Path)
			}
		}
		l.once(at, i, cf.Path, "config file path", cf.Path, "the first is spec.configFiles[%d]")
	}
}

// mountPathProblem says why a file cannot be mounted at p, or "".
func mountPathProblem(p string) string {
	switch {
	case !strings.HasPrefix(p, "/"):
		return "" // the field's pattern says so
	case path.Clean(p) != p:
		return fmt.Sprintf("%q is not a clean path (no '..', '.', '//' or trailing '/')", p)
	case p == "/":
		return "/ is a folder"
	}
	return systemDirProblem(p)
}

// configFiles reads a service's spec.configFiles once, each relative to the folder of the file that
// names it (the service's blueprint, or the platform file for a default), and sets their content on its
// base and every environment. A file may not leave the repository (outside one: that folder) nor go
// through a symbolic link: a blueprint must not copy the CI runner's files into committed output.
func (l *loader) configFiles(r *resolver, m *member) {
	total := 0
	for i, cf := range m.res.Base.ConfigFiles {
		pos, p := m.pos(r, fmt.Sprintf("spec.configFiles[%d].from", i))
		if cf.From == "" {
			continue
		}
		data, msg, hint := l.readConfigFile(pos.File, cf.From)
		if msg != "" {
			l.add(Diagnostic{Pos: pos, Path: p, Message: m.forService(pos, msg), Hint: hint})
			continue
		}
		if total += len(data); total > MaxConfigFilesAll {
			l.add(Diagnostic{Pos: pos, Path: p, Message: m.forService(pos, fmt.Sprintf("the config files hold more than %d KiB in all, more than a ConfigMap can", MaxConfigFilesAll>>10)),
				Hint: "mount fewer or smaller files; bake large data into the image"})
			return
		}
		m.res.Base.ConfigFiles[i].Data = data
		for e := range m.res.Environments {
			if cfs := m.res.Environments[e].Spec.ConfigFiles; i < len(cfs) {
				cfs[i].Data = data
			}
		}
	}
}

// readConfigFile reads from, relative to the folder of the blueprint shown as file: its text, or why
// it cannot be used and a hint.
func (l *loader) readConfigFile(file, from string) (data, msg, hint string) {
	key, ok := l.keys[file]
	if !ok {
		key = l.fs.key(file)
	}
	dir := path.Dir(key)
	limit := l.root
	if limit == "" {
		limit = l.repoRoot(dir)
	}
	if limit == "" {
		limit = dir
	}
	target := path.Join(dir, from)
	if strings.HasPrefix(from, "/") || !within(target, limit) && limit != "." || limit == "." && (target == ".." || strings.HasPrefix(target, "../")) {
		return "", fmt.Sprintf("%s is outside the repository", from), "name a file of the repository, relative to the folder of the file that names it"
	}
	// Every folder from the repository's root down, and the file, must be what they seem.
	rel := strings.TrimPrefix(strings.TrimPrefix(target, limit), "/")
	if limit == "." {
		rel = target
	}
	at := limit
	for _, part := range strings.Split(rel, "/") {
		if strings.HasPrefix(part, ".") {
			return "", fmt.Sprintf("%s goes through the hidden %s", from, part), "hidden files and folders (.git, .env, .ssh) hold what no pod should: name a visible file"
		}
		at = path.Join(at, part)
		st, err := fs.Lstat(l.fs.fsys, at)
		switch {
		case err != nil:
			return "", fmt.Sprintf("%s: %s", from, ioMessage(err)), "the path is relative to the folder of the file that names it"
		case st.Mode()&fs.ModeSymlink != 0:
			return "", fmt.Sprintf("%s goes through the symbolic link %s", from, l.fs.display(at)), "name the file it points to, inside the repository"
		}
	}
	st, err := fs.Stat(l.fs.fsys, target)
	switch {
	case err != nil:
		return "", fmt.Sprintf("%s: %s", from, ioMessage(err)), ""
	case !st.Mode().IsRegular():
		return "", fmt.Sprintf("%s is not a regular file", from), ""
	case st.Size() > MaxConfigFile:
		return "", fmt.Sprintf("%s is %d bytes, more than %d KiB", from, st.Size(), MaxConfigFile>>10), "bake large data into the image"
	}
	b, err := fs.ReadFile(l.fs.fsys, target)
	if err != nil {
		return "", fmt.Sprintf("%s: %s", from, ioMessage(err)), ""
	}
	if !utf8.Valid(b) || strings.ContainsRune(string(b), 0) {
		return "", fmt.Sprintf("%s is not UTF-8 text", from), "bake binary files into the image"
	}
	if line, what := configCredential(string(b)); what != "" {
		return "", fmt.Sprintf("%s:%d looks like %s: config files are committed in the output, never secret", from, line, what),
			"keep the credential in the secret store (spec.secrets) and have the app read it from CONFIDENTIAL_DIR or an env variable"
	}
	return string(b), "", ""
}

// Setting forms a line of a config file may hold: key = value or key: value (also quoted, as in JSON,
// several on a line), <key>value</key>, and a directive's `key value` (redis.conf, nginx).
var (
	configPairRE      = lazyRegexp(`["']?([A-Za-z_][A-Za-z0-9_.-]*)["']?\s*[:=]\s*("([^"]*)"|'([^']*)'|([^\s,;}\]]+))`)
	configElementRE   = lazyRegexp(`<([A-Za-z_][A-Za-z0-9_.-]*)>([^<]*)</`)
	configDirectiveRE = lazyRegexp(`^([A-Za-z_][A-Za-z0-9_.-]*)\s+(\S+);?$`)
)

// configCredentialNames are settings that hold a password under a name no env rule knows.
var configCredentialNames = []string{"requirepass", "masterauth", "pwd", "passwd", "pass", "password", "secret", "auth_pass"}

// settingRef reports whether a setting's value refers to something else rather than being one: an
// environment variable, a template, an empty value.
func settingRef(v string) bool {
	return v == "" || strings.HasPrefix(v, "$") || strings.HasPrefix(v, "{{") || strings.HasPrefix(v, "%(") || strings.HasPrefix(v, "<")
}

// credentialSetting says what a setting's value looks like when it is a credential (the rules env
// values follow, credentials.go, and configCredentialNames), or "".
func credentialSetting(name, value string) string {
	if settingRef(value) {
		return ""
	}
	switch kind, what, _ := credential(name, value); kind {
	case credentialValue:
		return what
	case credentialShaped, credentialName:
		return "a credential under " + name
	}
	if slices.Contains(configCredentialNames, strings.ToLower(name)) {
		return "a credential under " + name
	}
	return ""
}

// configCredential finds the first line of a config file that holds a credential: a credential's
// shape anywhere, or a literal under a credential's name in any of the forms configPairRE,
// configElementRE and configDirectiveRE read. It returns the line (1-based) and what it looks like.
func configCredential(text string) (int, string) {
	for i, line := range strings.Split(text, "\n") {
		s := strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(line), "export "))
		if kind, what, _ := credential("", s); kind == credentialValue {
			return i + 1, what
		}
		var pairs [][2]string
		for _, m := range configPairRE().FindAllStringSubmatch(s, -1) {
			pairs = append(pairs, [2]string{m[1], m[3] + m[4] + m[5]})
		}
		for _, m := range configElementRE().FindAllStringSubmatch(s, -1) {
			pairs = append(pairs, [2]string{m[1], strings.TrimSpace(m[2])})
		}
		if m := configDirectiveRE().FindStringSubmatch(s); m != nil {
			pairs = append(pairs, [2]string{m[1], strings.Trim(m[2], `"'`)})
		}
		for _, p := range pairs {
			if what := credentialSetting(p[0], p[1]); what != "" {
				return i + 1, what
			}
		}
	}
	return 0, ""
}
