package output

import (
	"os"
	"path/filepath"
	"strings"

	"github.com/gantry-dev/gantry/generators/kubernetes"
)

// CustomizationError lists the user's customizations that no longer apply, or that remove or weaken a
// setting Gantry guarantees without a `# gantry:allow` line: nothing is written (or, with --check,
// the check fails).
type CustomizationError struct{ Findings []kubernetes.Finding }

func (e *CustomizationError) Error() string {
	lines := make([]string, len(e.Findings))
	for i, f := range e.Findings {
		lines[i] = filepath.ToSlash(f.String())
	}
	return "your customizations break what gantry guarantees:\n  " + strings.Join(lines, "\n  ")
}

// checkCustom builds the overlays the user customized (kubernetes.CheckCustom) in every root: the
// marked findings become the result's warnings, the others a *CustomizationError.
func (r *Result) checkCustom() error {
	var refused []kubernetes.Finding
	for _, root := range r.Roots {
		for _, f := range kubernetes.CheckCustom(root.Files, os.DirFS(root.Dir)) {
			f.File = filepath.Join(root.Dir, f.File)
			if f.Allowed != "" {
				r.Customized = append(r.Customized, f)
			} else {
				refused = append(refused, f)
			}
		}
	}
	if len(refused) > 0 {
		return &CustomizationError{Findings: refused}
	}
	return nil
}
