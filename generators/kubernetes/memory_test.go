package kubernetes_test

import (
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/gantry-dev/gantry/blueprints"
	"github.com/gantry-dev/gantry/generators"
	"github.com/gantry-dev/gantry/generators/kubernetes"
)

// generateInMemory loads blueprints (file name -> content) from memory, as gantry validate would, and
// renders the Kubernetes target; any diagnostic (warnings too, unless allowWarnings) fails the test.
func generateInMemory(t *testing.T, blueprintFiles map[string]string, allowWarnings bool) []generators.File {
	t.Helper()
	fsys := fstest.MapFS{}
	for name, data := range blueprintFiles {
		fsys[name] = &fstest.MapFile{Data: []byte(data)}
	}
	res, diags := blueprints.Load(blueprints.LoadOptions{FS: fsys})
	if errs, warns := diags.Count(); errs != 0 || (warns != 0 && !allowWarnings) {
		t.Fatalf("want no diagnostics, got:\n%v", diags)
	}
	files, err := generators.Run(res, []generators.Generator{kubernetes.New()})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

// fileData is the content of the one generated file whose path ends in suffix.
func fileData(t *testing.T, files []generators.File, suffix string) []byte {
	t.Helper()
	i := slices.IndexFunc(files, func(f generators.File) bool { return strings.HasSuffix(f.Path, suffix) })
	if i < 0 {
		t.Fatalf("no file %s", suffix)
	}
	return files[i].Data
}
