package ci_test

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/gantry-dev/gantry/blueprints"
	"github.com/gantry-dev/gantry/generators"
	"github.com/gantry-dev/gantry/generators/ci"
	"github.com/gantry-dev/gantry/generators/gentest"
)

// withApps adds the pipelines of the real apps (blueprints/testdata/apps) to files, so that the
// checkers that read files verify them too. Each app is its own repository: its workflows are renamed
// app-<app>-<name> where they would share a path with another's.
func withApps(t *testing.T, files []generators.File) []generators.File {
	t.Helper()
	out := files
	for _, dir := range gentest.AppsDirs {
		res, diags := blueprints.Load(blueprints.LoadOptions{Paths: []string{dir}})
		if errs, _ := diags.Count(); errs > 0 {
			t.Fatalf("%s does not validate:\n%v", dir, diags)
		}
		appFiles, err := generators.Run(res, []generators.Generator{ci.New()})
		if err != nil {
			t.Fatalf("%s: %v", dir, err)
		}
		n := 0
		for _, f := range appFiles {
			if !strings.HasPrefix(f.Path, ".github/workflows/") && !strings.HasPrefix(f.Path, ".gitlab/ci/") {
				continue
			}
			out = append(out, renamed(f, "app-"+filepath.Base(dir)+"-"))
			n++
		}
		if n == 0 {
			t.Fatalf("%s: no pipeline generated", dir)
		}
	}
	return out
}
