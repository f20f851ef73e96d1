package ci_test

import (
	"os"
	"testing"

	"github.com/gantry-dev/gantry/generators"
	"github.com/gantry-dev/gantry/generators/ci"
	"github.com/gantry-dev/gantry/generators/gentest"
)

func generate(t testing.TB) []generators.File {
	t.Helper()
	files, err := generators.Run(gentest.LoadExamples(t), []generators.Generator{ci.New()})
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatal("no pipelines generated for the examples")
	}
	return files
}

func TestGolden(t *testing.T) {
	files := generate(t)
	for _, f := range files {
		if !f.Kind.InRepo() {
			t.Errorf("%s must go under the repository root", f.Path)
		}
	}
	gentest.Golden(t, "testdata/golden", files)
}

func writeFile(p string, data []byte) error { return os.WriteFile(p, data, 0o644) }
