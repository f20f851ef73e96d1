// Package importer turns a Compose file or Score files into Gantry blueprints: services, ports, health
// checks, env (credentials become secret names, never values), replicas, resources, dependencies from
// well-known images or Score resource types, and the calls between services, with every field it could
// not map listed in a report at its file:line. It renders every file in memory and validates the
// blueprints with the same Load `gantry validate` runs before anything is written; Write refuses to
// overwrite a file.
package importer

import (
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing/fstest"
	"unicode"

	"k8s.io/apimachinery/pkg/util/validation"

	"github.com/gantry-dev/gantry/blueprints"
	"github.com/gantry-dev/gantry/blueprints/catalog"
	"github.com/gantry-dev/gantry/internal/paths"
	"github.com/gantry-dev/gantry/templates"
)

// Options are an import's inputs besides the files.
type Options struct {
	// Dir is the folder the blueprints are written to (blueprints.DefaultDir when empty); a platform
	// file is written there when none is found in it or a folder above it (up to the repository root).
	Dir string
	// Team owns every imported service; empty: the Compose project's (or the first Score file's
	// folder's) name, made a DNS label.
	Team string
}

// File is one file to write, Path relative to Options.Dir (slash separated).
type File struct {
	Path string
	Data []byte
}

// Kind says what a report entry asks of the user.
type Kind string

// Kinds of report entry.
const (
	KindTODO     Kind = "todo"     // the blueprint is written commented out, or a value needs a decision
	KindWarning  Kind = "warning"  // a value was not copied (a credential) or changed meaning
	KindUnmapped Kind = "unmapped" // a field Gantry has no equivalent for; left out of the blueprint
	KindNote     Kind = "note"     // a mapping worth knowing (a default chosen, a value rewritten)
)

// Entry is one line of the report.
type Entry struct {
	Pos     blueprints.Pos // where the field is in the imported file
	Service string         // the service it belongs to; empty for the file
	Kind    Kind
	Message string
}

func (e Entry) String() string {
	var b strings.Builder
	b.WriteString(e.Pos.File)
	if e.Pos.Line > 0 {
		fmt.Fprintf(&b, ":%d", e.Pos.Line)
	}
	b.WriteString(": ")
	b.WriteString(string(e.Kind))
	b.WriteString(": ")
	if e.Service != "" {
		b.WriteString(e.Service + ": ")
	}
	b.WriteString(e.Message)
	return blueprints.Sanitize(b.String())
}

// Result is what an import would write and what it could not map.
type Result struct {
	Dir    string  // Options.Dir
	Files  []File  // sorted by path
	Report []Entry // sorted by file, line, service
}

// ExistsError is Write's refusal: these files exist, and an import never overwrites.
type ExistsError struct{ Paths []string }

func (e *ExistsError) Error() string {
	return fmt.Sprintf("import never overwrites a file; these exist: %s (choose another --dir or move them away)", strings.Join(e.Paths, ", "))
}

// svc is one imported service before it is rendered.
type svc struct {
	name       string
	pos        blueprints.Pos
	team       string
	runtime    string
	prebuilt   string
	source     string
	build      blueprints.Build
	typ        string
	port       int
	svcPort    int
	protocol   string
	health     blueprints.Health
	replicas   int
	cpu, mem   string
	env        map[string]string
	envAt      map[string]blueprints.Pos // where each env key was written
	envTODO    map[string]string         // env written as a comment: key -> why
	secrets    []string
	deps       []blueprints.Dependency
	cloudDeps  []blueprints.Dependency // written as a comment: no in-cluster form, and no cloud
	calls      []string
	callers    []string
	blockers   []string // why the blueprint is written commented out
	entries    []Entry
	callTODO   map[string]string // call or caller written as a comment: name -> why
	importedBy string            // "compose" or "score"
}

func (s *svc) add(pos blueprints.Pos, k Kind, format string, args ...any) {
	s.entries = append(s.entries, Entry{Pos: pos, Service: s.name, Kind: k, Message: fmt.Sprintf(format, args...)})
}

func (s *svc) addDep(name, typ string) {
	if !slices.ContainsFunc(s.deps, func(d blueprints.Dependency) bool { return d.Name == name }) {
		s.deps = append(s.deps, blueprints.Dependency{Name: name, Type: typ})
	}
}

func (s *svc) hasDep(name string) (blueprints.Dependency, bool) {
	i := slices.IndexFunc(s.deps, func(d blueprints.Dependency) bool { return d.Name == name })
	if i < 0 {
		return blueprints.Dependency{}, false
	}
	return s.deps[i], true
}

func (s *svc) addSecret(name string) {
	if !slices.Contains(s.secrets, name) {
		s.secrets = append(s.secrets, name)
	}
}

func (s *svc) pending() bool { return len(s.blockers) > 0 }

// link records caller -> callee in both blueprints; an edge to or from a service written commented out
// is written as a comment too, so every active blueprint validates.
func link(caller, callee *svc, pos blueprints.Pos) {
	if caller == callee || slices.Contains(caller.calls, callee.name) {
		return
	}
	if callee.typ != "web" {
		caller.add(pos, KindTODO, "calls %s, which has no port (written as a %s): not in calls; give %s a port and add the call", callee.name, callee.typ, callee.name)
		return
	}
	caller.calls = append(caller.calls, callee.name)
	callee.callers = append(callee.callers, caller.name)
}

// finish comments out the edges that touch a pending service, once every service's blockers are known.
func finish(all []*svc) {
	byName := map[string]*svc{}
	for _, s := range all {
		byName[s.name] = s
	}
	for _, s := range all {
		for _, c := range s.calls {
			if byName[c] != nil && byName[c].pending() {
				s.commentCall(c, c+" is written commented out until it is completed")
			}
		}
		for _, c := range s.callers {
			if byName[c] != nil && byName[c].pending() {
				s.commentCall(c, c+" is written commented out until it is completed")
			}
		}
		s.keepValid()
		for k, v := range s.env {
			for _, m := range servicePlaceholderRE().FindAllStringSubmatch(v, -1) {
				if byName[m[1]] != nil && byName[m[1]].pending() {
					s.envTODO[k] = v
					delete(s.env, k)
				}
			}
		}
	}
}

// keepValid leaves out what the validator would refuse in the blueprint, each reported where the
// input wrote it, with the validator's own rules: what import writes always validates.
func (s *svc) keepValid() {
	// A bucket or queue has no in-cluster form, and the platform import writes has no cloud: the
	// dependency, and the env that reads it, are written as comments to restore once it has one.
	s.deps = slices.DeleteFunc(s.deps, func(d blueprints.Dependency) bool {
		if _, ok := catalog.LocalImage(d.Type); ok {
			return false
		}
		s.cloudDeps = append(s.cloudDeps, d)
		s.add(s.pos, KindUnmapped, "dependency %s (%s) needs a cloud (it has no in-cluster form) and the platform import writes has none: written as a comment, with the env that reads it; restore them once the platform sets spec.cloud.provider", d.Name, d.Type)
		for _, k := range slices.Sorted(maps.Keys(s.env)) {
			if strings.Contains(s.env[k], "@{dependency."+d.Name+".") {
				s.envTODO[k] = "reads dependency " + d.Name + " (" + d.Type + "), which needs a cloud: " + s.env[k]
				delete(s.env, k)
			}
		}
		return true
	})
	for _, k := range slices.Sorted(maps.Keys(s.env)) {
		if !blueprints.EnvName(k) && !blueprints.ReservedEnv(k) {
			delete(s.env, k)
			s.add(s.envAt[k], KindUnmapped, "%q is not an environment variable name Gantry accepts (letters, digits and '_', not starting with a digit); not copied", k)
		}
	}
	s.secrets = slices.DeleteFunc(s.secrets, func(n string) bool {
		if blueprints.SecretName(n) {
			return false
		}
		s.add(s.envAt[n], KindUnmapped, "%q is not a secret name Gantry accepts (letters, digits, '_', '-', '.'); not listed", n)
		for k, v := range s.env {
			if strings.Contains(v, "@{secret."+n) {
				delete(s.env, k)
			}
		}
		return true
	})
	for _, r := range []struct {
		field string
		v     *string
	}{{"cpu", &s.cpu}, {"memory", &s.mem}} {
		if *r.v != "" {
			if msg := blueprints.ResourceProblem(r.field, *r.v); msg != "" {
				s.add(s.pos, KindUnmapped, "resources %s: %s; left to Gantry's default", r.field, msg)
				*r.v = ""
			}
		}
	}
	// The validator's credential rules on the values as written (placeholders translated): a value
	// refused there is a secret's, whatever the input's form.
	for _, k := range slices.Sorted(maps.Keys(s.env)) {
		_, bad := blueprints.CredentialProblem(k, s.env[k])
		switch {
		case bad && blueprints.SecretName(k):
			s.env[k] = "@{secret." + k + "}"
			s.addSecret(k)
			s.add(s.envAt[k], KindWarning, "env %s looks like a credential: the value is not copied; put it in the secret store as %s", k, k)
		case bad:
			delete(s.env, k)
			s.add(s.envAt[k], KindWarning, "env %s looks like a credential: the value is not copied, and the name cannot be a secret's", k)
		}
	}
	// A variable named like one Gantry sets from a dependency's settings (DB_HOST for db) carries
	// the same setting: Gantry's is the one the app gets.
	for _, d := range s.deps {
		for _, k := range blueprints.DependencyEnv(d) {
			if _, ok := s.env[k]; ok {
				delete(s.env, k)
				s.add(s.envAt[k], KindUnmapped, "%s %s is set by Gantry from dependency %s's settings; not copied", s.envWord(), k, d.Name)
			}
		}
	}
}

// envWord is what the input format calls an environment variable, for messages.
func (s *svc) envWord() string {
	if s.importedBy == "score" {
		return "variable"
	}
	return "env"
}

var servicePlaceholderRE = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`@\{service\.([a-z0-9-]+)\.`) })

func (s *svc) commentCall(name, why string) {
	if s.callTODO == nil {
		s.callTODO = map[string]string{}
	}
	s.callTODO[name] = why
}

// assemble renders every service, adds a platform file when none is found above dir, validates the
// whole in memory and returns the result.
func assemble(all []*svc, fileEntries []Entry, opts Options, platformName string) (*Result, error) {
	finish(all)
	dir := cmp.Or(opts.Dir, blueprints.DefaultDir)
	res := &Result{Dir: dir, Report: fileEntries}
	names := map[string]bool{}
	for _, s := range all {
		if names[s.name] {
			return nil, fmt.Errorf("two services are named %s", s.name)
		}
		names[s.name] = true
		if slices.Contains(blueprints.PlatformFileNames, s.name+".yaml") {
			return nil, fmt.Errorf("service %s would be written as %s.yaml, a platform file's name: rename it", s.name, s.name)
		}
		slices.SortStableFunc(s.entries, func(a, b Entry) int { return cmp.Compare(a.Pos.Line, b.Pos.Line) })
		res.Files = append(res.Files, File{Path: s.name + ".yaml", Data: printable(render(s))})
		res.Report = append(res.Report, s.entries...)
	}
	platform, err := templates.Render("platform.yaml.tmpl", templates.PlatformData{Name: dnsLabel(platformName, "platform"), CI: "github"})
	if err != nil {
		return nil, err
	}
	if !blueprints.PlatformAbove(dir) {
		res.Files = append(res.Files, File{Path: "platform.yaml", Data: platform})
	}
	slices.SortFunc(res.Files, func(a, b File) int { return cmp.Compare(a.Path, b.Path) })
	slices.SortStableFunc(res.Report, func(a, b Entry) int {
		return cmp.Or(cmp.Compare(a.Pos.File, b.Pos.File), cmp.Compare(a.Pos.Line, b.Pos.Line), cmp.Compare(a.Service, b.Service))
	})
	if err := validate(res.Files, platform); err != nil {
		return nil, err
	}
	return res, nil
}

// validate runs gantry validate's Load on the files in memory (with the platform file written, or a
// default one in its place): what import writes must validate as written.
func validate(files []File, platform []byte) error {
	fsys := fstest.MapFS{"b/platform.yaml": {Data: platform}}
	for _, f := range files {
		fsys["b/"+f.Path] = &fstest.MapFile{Data: f.Data}
	}
	_, diags := blueprints.Load(blueprints.LoadOptions{FS: fsys, Paths: []string{"b"}, Root: "."})
	if !diags.HasErrors(false) {
		return nil
	}
	if !slices.ContainsFunc(files, func(f File) bool { return blueprints.IsBlueprint(f.Data) && f.Path != "platform.yaml" }) {
		return nil // every service is written commented out: nothing to validate
	}
	var lines []string
	for _, d := range diags {
		if d.Severity == blueprints.SeverityError {
			lines = append(lines, d.String())
		}
	}
	return fmt.Errorf("the blueprints import would write do not validate (a bug; please report it with the input):\n%s", strings.Join(lines, "\n"))
}

// Write writes the result's files under its Dir: every file is checked first, and none is written when
// any exists; each is written to a temporary file, then linked into place (which fails rather than
// replace a file created meanwhile).
func Write(res *Result) ([]string, error) {
	var exist []string
	for _, f := range res.Files {
		p := filepath.Join(res.Dir, filepath.FromSlash(f.Path))
		if _, err := os.Lstat(p); err == nil {
			exist = append(exist, filepath.ToSlash(p))
		} else if !errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("checking %s: %w", p, err)
		}
	}
	if len(exist) > 0 {
		return nil, &ExistsError{Paths: exist}
	}
	if err := os.MkdirAll(res.Dir, 0o755); err != nil {
		return nil, fmt.Errorf("creating %s: %w", res.Dir, err)
	}
	var written []string
	for _, f := range res.Files {
		p := filepath.Join(res.Dir, filepath.FromSlash(f.Path))
		if err := writeNew(p, f.Data); err != nil {
			return written, err
		}
		written = append(written, filepath.ToSlash(p))
	}
	return written, nil
}

func writeNew(path string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".import-*")
	if err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err := tmp.Chmod(0o644); err != nil {
		tmp.Close()
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err := os.Link(tmp.Name(), path); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return &ExistsError{Paths: []string{filepath.ToSlash(path)}}
		}
		return fmt.Errorf("writing %s: %w", path, err)
	}
	return nil
}

var nonLabel = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`[^a-z0-9-]+`) })

// dnsLabel makes s a DNS-1123 label (lower case, '-' for the rest), or def when nothing is left.
func dnsLabel(s, def string) string {
	s = strings.Trim(nonLabel().ReplaceAllString(strings.ToLower(s), "-"), "-")
	if len(s) > 40 {
		s = strings.TrimRight(s[:40], "-")
	}
	if s == "" || len(validation.IsDNS1123Label(s)) > 0 {
		return def
	}
	return s
}

// runtimeMarkers guess a runtime from the files of a build context, in this order.
var runtimeMarkers = []struct{ glob, runtime string }{
	{"go.mod", "go"},
	{"package.json", "node"},
	{"pom.xml", "java"},
	{"build.gradle", "java"},
	{"build.gradle.kts", "java"},
	{"requirements.txt", "python"},
	{"pyproject.toml", "python"},
	{"Cargo.toml", "rust"},
	{"*.csproj", "dotnet"},
}

// guessRuntime returns the runtime the files in dir show, or "" with what it found.
func guessRuntime(dir string) (string, string) {
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		return "", "the build context " + filepath.ToSlash(dir) + " is not here to look at"
	}
	for _, m := range runtimeMarkers {
		if found, _ := filepath.Glob(filepath.Join(dir, m.glob)); len(found) > 0 {
			return m.runtime, ""
		}
	}
	return "", "no go.mod, package.json, pom.xml, build.gradle, requirements.txt, pyproject.toml, Cargo.toml or *.csproj in " + filepath.ToSlash(dir)
}

// repoRoot is the nearest folder with .git at or above dir, else dir (absolute): where blueprint paths
// (source, build) are relative to.
func repoRoot(dir string) string {
	if r := paths.RepoRoot(dir); r != "" {
		return r
	}
	if abs, err := filepath.Abs(dir); err == nil {
		return abs
	}
	return dir
}

// printable writes every character YAML does not allow in a file (control characters, which only the
// comments can hold: values are quoted with escapes) as a Go escape, so a report line that quotes the
// input cannot make the blueprint unreadable.
func printable(data []byte) []byte {
	if !bytes.ContainsFunc(data, func(r rune) bool { return !unicode.IsPrint(r) && r != '\n' && r != '\t' }) {
		return data
	}
	var b bytes.Buffer
	for _, r := range string(data) {
		if !unicode.IsPrint(r) && r != '\n' && r != '\t' {
			q := strconv.QuoteRune(r)
			b.WriteString(q[1 : len(q)-1])
			continue
		}
		b.WriteRune(r)
	}
	return b.Bytes()
}
