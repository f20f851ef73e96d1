package importer

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gantry-dev/gantry/internal/golden"
)

// samples are the public Compose and Score files under testdata (README.md there gives each origin),
// imported as a user would.
var samples = []struct {
	name  string
	score bool
	files []string
}{
	{"compose/go-redis", false, []string{"compose.yaml"}},
	{"compose/nginx-golang-postgres", false, []string{"compose.yaml"}},
	{"compose/react-express-mysql", false, []string{"compose.yaml"}},
	{"compose/pinned", false, []string{"compose.yaml"}},
	{"score/score-full", true, []string{"score.yaml"}},
	{"score/resource-provisioning", true, []string{"score.yaml", "score2.yaml"}},
	{"score/service-port", true, []string{"scoreA.yaml", "scoreB.yaml"}},
	{"score/kafka-topic", true, []string{"score.yaml"}},
	{"score/pinned", true, []string{"api.yaml", "worker.yaml"}},
}

func importSample(t *testing.T, name string, score bool, files []string, dir string) *Result {
	t.Helper()
	var paths []string
	for _, f := range files {
		paths = append(paths, filepath.Join("testdata", name, f))
	}
	var res *Result
	var err error
	if score {
		res, err = Score(paths, Options{Dir: dir, Team: "shop"})
	} else {
		res, err = Compose(paths[0], Options{Dir: dir, Team: "shop"})
	}
	if err != nil {
		t.Fatalf("import %s: %v", name, err)
	}
	return res
}

// TestSamples imports every sample and compares the blueprints and the report with the goldens
// (testdata/golden/<sample>/; `make golden` rewrites them).
func TestSamples(t *testing.T) {
	for _, s := range samples {
		t.Run(s.name, func(t *testing.T) {
			res := importSample(t, s.name, s.score, s.files, t.TempDir())
			got := map[string][]byte{}
			for _, f := range res.Files {
				got[f.Path] = f.Data
			}
			var rep strings.Builder
			for _, e := range res.Report {
				fmt.Fprintln(&rep, e)
			}
			got["report.txt"] = []byte(rep.String())
			golden.CheckDir(t, filepath.Join("testdata", "golden", s.name), got)
		})
	}
}

var _ = os.Stat
