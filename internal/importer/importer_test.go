package importer

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gantry-dev/gantry/blueprints"
	"github.com/gantry-dev/gantry/generators/output"
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

// TestSamplesValidateAndGenerate writes each sample's import into a folder and runs gantry generate's
// library on it (every target, in memory): the written blueprints load with zero errors and render.
func TestSamplesValidateAndGenerate(t *testing.T) {
	for _, s := range samples {
		t.Run(s.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "blueprints")
			res := importSample(t, s.name, s.score, s.files, dir)
			if _, err := Write(res); err != nil {
				t.Fatal(err)
			}
			active := 0
			for _, f := range res.Files {
				if f.Path != "platform.yaml" && blueprints.IsBlueprint(f.Data) {
					active++
				}
			}
			_, diags := blueprints.Load(blueprints.LoadOptions{Paths: []string{dir}, Root: filepath.Dir(dir)})
			if diags.HasErrors(false) {
				t.Fatalf("the import does not validate:\n%v", diags)
			}
			if active == 0 {
				t.Logf("every service is written commented out (unpinned images): nothing to generate")
				return
			}
			if _, err := output.Generate(output.Options{Paths: []string{dir}, Output: t.TempDir(), Repo: t.TempDir(), Check: true}); err != nil {
				t.Errorf("generate: %v", err)
			}
		})
	}
}

// TestWriteRefuses: an existing file stops the whole write, and names every file in the way.
func TestWriteRefuses(t *testing.T) {
	dir := t.TempDir()
	res := &Result{Dir: dir, Files: []File{{Path: "a.yaml", Data: []byte("a")}, {Path: "b.yaml", Data: []byte("b")}}}
	if err := os.WriteFile(filepath.Join(dir, "b.yaml"), []byte("mine"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := Write(res)
	var exists *ExistsError
	if !errors.As(err, &exists) || len(exists.Paths) != 1 || !strings.HasSuffix(exists.Paths[0], "b.yaml") {
		t.Fatalf("Write = %v, want an ExistsError naming b.yaml", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "a.yaml")); err == nil {
		t.Error("a.yaml was written although b.yaml exists")
	}
	if data, _ := os.ReadFile(filepath.Join(dir, "b.yaml")); string(data) != "mine" {
		t.Error("b.yaml was overwritten")
	}
}

// TestComposeCases: one Compose snippet in, the report line (or error) out.
func TestComposeCases(t *testing.T) {
	digest := "@sha256:" + strings.Repeat("ab", 32)
	cases := []struct{ name, compose, want, wantErr string }{
		{"unpinned image", "services:\n  web:\n    image: nginx:1.27\n    ports: [\"8080:8080\"]\n", "compose.yaml:3: todo: web: image nginx:1.27 is not pinned by digest", ""},
		{"credential", "services:\n  web:\n    image: x/y:1" + digest + "\n    environment:\n      GITHUB_TOKEN: ghp_0123456789abcdefghijklmnopqrstuvwxyzAB\n", "compose.yaml:5: warning: web: env GITHUB_TOKEN looks like a credential: the value is not copied", ""},
		{"unmapped key", "services:\n  web:\n    image: x/y:1" + digest + "\n    privileged: true\n", "compose.yaml:4: unmapped: web: privileged: Gantry has no equivalent", ""},
		{"udp port", "services:\n  web:\n    image: x/y:1" + digest + "\n    ports: [\"5353:5353/udp\"]\n", "compose.yaml:4: unmapped: web: port 5353/udp: Gantry serves TCP only", ""},
		{"low port", "services:\n  web:\n    image: x/y:1" + digest + "\n    expose: [\"80\"]\n", "", ""},
		{"unused dependency", "services:\n  db:\n    image: postgres:17\n", "compose.yaml:2: todo: db: image postgres:17 is a postgres, but no service uses it", ""},
		{"bad name", "services:\n  Web_1:\n    image: x/y:1" + digest + "\n", "", "is not a Gantry service name"},
		{"no runtime", "services:\n  web:\n    build: ./nowhere\n", "compose.yaml:3: todo: web: runtime unknown", ""},
		{"invalid compose", "services:\n  web:\n    ports: 12\n", "", "compose.yaml"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "compose.yaml")
			if err := os.WriteFile(path, []byte(c.compose), 0o644); err != nil {
				t.Fatal(err)
			}
			res, err := Compose(path, Options{Dir: filepath.Join(dir, "blueprints"), Team: "t"})
			if c.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), c.wantErr) {
					t.Fatalf("err = %v, want %q", err, c.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var lines []string
			for _, e := range res.Report {
				lines = append(lines, strings.TrimPrefix(e.String(), filepath.ToSlash(dir)+"/"))
			}
			all := strings.Join(lines, "\n")
			if c.want != "" && !strings.Contains(all, c.want) {
				t.Errorf("report:\n%s\nwant a line containing %q", all, c.want)
			}
			if c.name == "low port" && !strings.Contains(string(res.Files[1].Data), "cannot bind a port below 1024") {
				t.Errorf("a port below 1024 is not a blocker:\n%s", res.Files[1].Data)
			}
		})
	}
}
