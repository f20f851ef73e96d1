package docker_test

import (
	"testing"

	"github.com/gantry-dev/gantry/generators"
	"github.com/gantry-dev/gantry/generators/docker"
	"github.com/gantry-dev/gantry/generators/gentest"
)

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
	gentest.Golden(t, "testdata/golden", files)
}
