// Package templates holds Gantry's embedded text templates: files where the text is clearer than code
// (commented starter blueprints, CI files, Dockerfiles). Templates render with missingkey=error, and
// every value that reaches YAML goes through the yaml helper.
package templates

import (
	"bytes"
	"embed"
	"fmt"
	"strconv"
	"sync"
	"text/template"

	"sigs.k8s.io/yaml"
)

//go:embed *.tmpl dockerfiles/*.tmpl ci/pins.yaml
var files embed.FS

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
	pinsErr  error
)

// Pin returns name:version@digest for an image in ci/pins.yaml, or an error naming what is missing.
func Pin(name, version string) (string, error) {
	pinsOnce.Do(func() {
		data, err := files.ReadFile("ci/pins.yaml")
		if err == nil {
			err = yaml.Unmarshal(data, &pins)
		}
		pinsErr = err
	})
	if pinsErr != nil {
		return "", fmt.Errorf("reading ci/pins.yaml: %w", pinsErr)
	}
	for _, p := range pins {
		if p.Kind == "image" && p.Name == name && p.Version == version {
			return p.Name + ":" + p.Version + "@" + p.Ref, nil
		}
	}
	return "", fmt.Errorf("no pinned image %s:%s in templates/ci/pins.yaml", name, version)
}

// Dockerfile renders the Dockerfile and .dockerignore of a runtime.
func Dockerfile(runtime string, data DockerfileData) (dockerfile, dockerignore []byte, err error) {
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
}

// Render executes the named template with data.
func Render(name string, data any) ([]byte, error) {
	once.Do(func() {
		// Parsing is deferred to the first use so start-up pays nothing for commands that render nothing.
		parsed = template.Must(template.New("").Option("missingkey=error").Funcs(funcs).ParseFS(files, "*.tmpl", "dockerfiles/*.tmpl"))
	})
	var b bytes.Buffer
	if err := parsed.ExecuteTemplate(&b, name, data); err != nil {
		return nil, fmt.Errorf("rendering %s: %w", name, err)
	}
	return b.Bytes(), nil
}
