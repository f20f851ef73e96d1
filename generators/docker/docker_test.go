package docker_test

import (
	"flag"
	"testing"

	"github.com/gantry-dev/gantry/generators"
	"github.com/gantry-dev/gantry/generators/docker"
	"github.com/gantry-dev/gantry/generators/gentest"
)

var update = flag.Bool("update", false, "rewrite golden files")

func TestGolden(t *testing.T) {
	files, err := generators.Run(gentest.LoadExamples(t), []generators.Generator{docker.New()})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		if f.Kind != generators.RepoDefault {
			t.Errorf("%s must go to the repository root and never replace the user's own", f.Path)
		}
	}
	gentest.Golden(t, "testdata/golden", files, *update)
}
