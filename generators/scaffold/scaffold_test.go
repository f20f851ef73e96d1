package scaffold_test

import (
	"bytes"
	"path/filepath"
	"testing"

	"golang.org/x/tools/txtar"

	"github.com/gantry-dev/gantry/blueprints"
	"github.com/gantry-dev/gantry/generators/scaffold"
	"github.com/gantry-dev/gantry/internal/golden"
)

func types(runtime string) []string {
	if runtime == "static" {
		return []string{"web"}
	}
	return []string{"web", "worker", "cron", "job"}
}

// TestGolden keeps every runtime's and type's scaffold (the files `gantry new` writes besides the
// generated output) in testdata/golden/<runtime>-<type>.txtar, one archive each, for review.
func TestGolden(t *testing.T) {
	for _, rt := range blueprints.Runtimes {
		for _, typ := range types(rt) {
			t.Run(rt+"-"+typ, func(t *testing.T) {
				files, err := scaffold.Files(scaffold.Options{Name: "demo", Team: "demo", Runtime: rt, Type: typ, Port: 8080, CI: "github"})
				if err != nil {
					t.Fatal(err)
				}
				var ar txtar.Archive
				for _, f := range files {
					ar.Files = append(ar.Files, txtar.File{Name: f.Path, Data: f.Data})
				}
				got := txtar.Format(&ar)
				path := filepath.Join("testdata", "golden", rt+"-"+typ+".txtar")
				golden.Check(t, path, got)
			})
		}
	}
}

// TestDeterministic: the same options give the same bytes, and every file ends with a newline.
func TestDeterministic(t *testing.T) {
	o := scaffold.Options{Name: "demo", Team: "demo", Runtime: "go", Type: "web", Port: 8080, CI: "gitlab"}
	a, err := scaffold.Files(o)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := scaffold.Files(o)
	if len(a) != len(b) {
		t.Fatal("different file counts")
	}
	for i := range a {
		if a[i].Path != b[i].Path || !bytes.Equal(a[i].Data, b[i].Data) {
			t.Errorf("%s differs between two runs", a[i].Path)
		}
		if !bytes.HasSuffix(a[i].Data, []byte("\n")) {
			t.Errorf("%s does not end with a newline", a[i].Path)
		}
	}
}

// TestMetricsPortAvoidsPort: a web service on 9090 gets its metrics on 9091 (the blueprint would not
// validate otherwise).
func TestMetricsPortAvoidsPort(t *testing.T) {
	files, err := scaffold.Files(scaffold.Options{Name: "demo", Team: "demo", Runtime: "go", Type: "web", Port: scaffold.MetricsPort, CI: "none"})
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, f := range files {
		if f.Path == "blueprints/demo.yaml" {
			found = true
			if !bytes.Contains(f.Data, []byte("metricsPort: 9091")) {
				t.Errorf("blueprint:\n%s", f.Data)
			}
		}
	}
	if !found {
		t.Error("no blueprints/demo.yaml")
	}
}
