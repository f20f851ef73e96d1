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
)

//go:embed *.tmpl
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
}

// Render executes the named template with data.
func Render(name string, data any) ([]byte, error) {
	once.Do(func() {
		// Parsing is deferred to the first use so start-up pays nothing for commands that render nothing.
		parsed = template.Must(template.New("").Option("missingkey=error").Funcs(funcs).ParseFS(files, "*.tmpl"))
	})
	var b bytes.Buffer
	if err := parsed.ExecuteTemplate(&b, name, data); err != nil {
		return nil, fmt.Errorf("rendering %s: %w", name, err)
	}
	return b.Bytes(), nil
}
