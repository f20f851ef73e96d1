// Package templates holds Gantry's embedded text templates: files where the text is clearer than code
// (commented starter blueprints, CI files, Dockerfiles). Templates render with missingkey=error, and
// every value that reaches YAML goes through the yaml helper.
package templates

import (
	"bytes"
	"embed"
	"fmt"
	"io/fs"
	"slices"
	"strconv"
	"strings"
	"sync"
	"text/template"

	"github.com/gantry-dev/gantry/blueprints/catalog"

	"sigs.k8s.io/yaml"
)

//go:embed *.tmpl dockerfiles/*.tmpl ci/*.tmpl ci/pins.yaml
var files embed.FS

// scaffold holds the source skeletons of `gantry new`: scaffold/<runtime>/ for each runtime, rendered
// with the service's data. Every file ends in .tmpl (a go.mod or .go file would be read by the Go tool),
// a leading "dot-" stands for "." (embed leaves dot files out), and NAME in a path is the service name.
//
//go:embed scaffold
var scaffold embed.FS

var (
	once   sync.Once
	parsed *template.Template
)

// funcs are the quoting helpers available in every template.
var funcs = template.FuncMap{
	// yaml renders a string as a double-quoted YAML scalar: no value can end the string or start a
	// new key, whatever it contains.
	"yaml": func(s string) string { return strconv.Quote(s) },
	// pin returns an image reference pinned by digest, from ci/pins.yaml (each pin's evidence is there).
	"pin": Pin,
	// action returns `owner/repo@<40-hex commit> # <version>` for a `uses:` of ci/pins.yaml.
	"action": Action,
	// tool returns `module/cmd@version` for a Go tool of ci/pins.yaml (go install / go run verify it
	// against the checksum database, so the version pins the bytes).
	"tool": Tool,
	// script renders Gantry's own multi-line shell (never a blueprint value) as a YAML literal block
	// indented by n spaces.
	"script": func(n int, s string) string {
		if !strings.Contains(s, "\n") {
			return strconv.Quote(s)
		}
		var b strings.Builder
		b.WriteString("|")
		for _, line := range strings.Split(strings.TrimRight(s, "\n"), "\n") {
			b.WriteString("\n")
			if line != "" {
				b.WriteString(strings.Repeat(" ", n) + line)
			}
		}
		return b.String()
	},
}

// pin is one entry of ci/pins.yaml.
type pin struct {
	Kind    string `json:"kind"`
	Name    string `json:"name"`
	Version string `json:"version"`
	Ref     string `json:"ref"`
}

var (
	pinsOnce sync.Once
	pins     []pin
	pinIndex map[string]pin
	pinsErr  error
)

func loadPins() error {
	pinsOnce.Do(func() {
		data, err := files.ReadFile("ci/pins.yaml")
		if err == nil {
			err = yaml.Unmarshal(data, &pins)
		}
		if err != nil {
			pinsErr = fmt.Errorf("reading ci/pins.yaml: %w", err)
			return
		}
		// Rendering one pipeline looks up dozens of pins: index them once, by kind and name, and by
		// kind, name and version (images have several versions).
		pinIndex = map[string]pin{}
		for _, p := range pins {
			pinIndex[p.Kind+" "+p.Name+" "+p.Version] = p
			if _, ok := pinIndex[p.Kind+" "+p.Name+" "]; !ok {
				pinIndex[p.Kind+" "+p.Name+" "] = p
			}
		}
	})
	return pinsErr
}

// findPin returns the pin of a kind and name, of the given version ("": the first listed).
func findPin(kind, name, version string) (pin, error) {
	if err := loadPins(); err != nil {
		return pin{}, err
	}
	if p, ok := pinIndex[kind+" "+name+" "+version]; ok {
		return p, nil
	}
	if version != "" {
		name += ":" + version
	}
	return pin{}, fmt.Errorf("no pinned %s %s in templates/ci/pins.yaml", kind, name)
}

// Pin returns name:version@digest for an image in ci/pins.yaml, or an error naming what is missing.
func Pin(name, version string) (string, error) {
	p, err := findPin("image", name, version)
	if err != nil {
		return "", err
	}
	return p.Name + ":" + p.Version + "@" + p.Ref, nil
}

// Action returns `name@commit # version` for the action of ci/pins.yaml (each has one entry).
func Action(name string) (string, error) {
	p, err := findPin("action", name, "")
	if err != nil {
		return "", err
	}
	return p.Name + "@" + p.Ref + " # " + p.Version, nil
}

// Tool returns `package@version` for a Go tool of ci/pins.yaml.
func Tool(name string) (string, error) {
	p, err := findPin("go-tool", name, "")
	if err != nil {
		return "", err
	}
	return p.Ref + "@" + p.Version, nil
}

// Dockerfile renders the Dockerfile and .dockerignore of a runtime.
func Dockerfile(runtime string, data DockerfileData) (dockerfile, dockerignore []byte, err error) {
	rt, ok := catalog.LookupRuntime(runtime)
	if !ok {
		return nil, nil, fmt.Errorf("no runtime %q in the catalogue", runtime)
	}
	data.Build, data.Final = rt.Build, rt.Final
	if dockerfile, err = Render(runtime+".Dockerfile.tmpl", data); err != nil {
		return nil, nil, err
	}
	if dockerignore, err = Render("dockerignore.tmpl", data); err != nil {
		return nil, nil, err
	}
	return dockerfile, dockerignore, nil
}

// DockerfileData is what the Dockerfile templates use; all of it is validated blueprint data.
type DockerfileData struct {
	Marker string // the generated-by line
	Name   string // service name, a DNS label
	Source string // the service's source folder
	Port   int    // 0 for services without a port
	// Build and Final are the runtime catalogue's images of the build stage and the final one.
	Build, Final catalog.Image
}

// ServiceData fills service.yaml.tmpl, the commented starter blueprint.
type ServiceData struct {
	Name, Team, Runtime, Type string
	Port                      int  // web only
	MetricsPort               int  // 0: the line is left as a comment
	Startup                   bool // add a startup probe path
}

// PlatformData fills platform.yaml.tmpl.
type PlatformData struct {
	Name string
	CI   string // github | gitlab | none
}

// Render executes the named template with data.
func Render(name string, data any) ([]byte, error) {
	once.Do(func() {
		// Parsing is deferred to the first use so start-up pays nothing for commands that render nothing.
		parsed = template.Must(template.New("").Option("missingkey=error").Funcs(funcs).ParseFS(files, "*.tmpl", "dockerfiles/*.tmpl", "ci/*.tmpl"))
	})
	var b bytes.Buffer
	if err := parsed.ExecuteTemplate(&b, name, data); err != nil {
		return nil, fmt.Errorf("rendering %s: %w", name, err)
	}
	return b.Bytes(), nil
}

// SkeletonFile is one file of a source skeleton, its path relative to the service's source folder.
type SkeletonFile struct {
	Path string
	Data []byte
}

// Skeleton renders the source skeleton of a runtime, sorted by path. name replaces NAME in paths; it is
// a DNS label, so it cannot add a path separator.
func Skeleton(runtime, name string, data any) ([]SkeletonFile, error) {
	root := "scaffold/" + runtime
	var out []SkeletonFile
	err := fs.WalkDir(scaffold, root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		src, err := scaffold.ReadFile(p)
		if err != nil {
			return err
		}
		t, err := template.New(p).Option("missingkey=error").Funcs(funcs).Parse(string(src))
		if err != nil {
			return err
		}
		var b bytes.Buffer
		if err := t.Execute(&b, data); err != nil {
			return fmt.Errorf("rendering %s: %w", p, err)
		}
		rel := strings.TrimSuffix(strings.TrimPrefix(p, root+"/"), ".tmpl")
		parts := strings.Split(rel, "/")
		for i, part := range parts {
			if rest, ok := strings.CutPrefix(part, "dot-"); ok {
				part = "." + rest
			}
			parts[i] = strings.ReplaceAll(part, "NAME", name)
		}
		out = append(out, SkeletonFile{Path: strings.Join(parts, "/"), Data: b.Bytes()})
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("skeleton %s: %w", runtime, err)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no skeleton for runtime %q", runtime)
	}
	slices.SortFunc(out, func(a, b SkeletonFile) int { return strings.Compare(a.Path, b.Path) })
	return out, nil
}
