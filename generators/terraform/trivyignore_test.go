package terraform_test

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	sigsyaml "sigs.k8s.io/yaml"

	"github.com/gantry-dev/gantry/internal/checkers"
)

// TestTrivyIgnoreFile: a module's .trivyignore.yaml names exactly the cloud's checks that
// internal/checkers/exceptions.yaml excepts, and with it alone the real trivy finds nothing in the
// module: the generated pipelines' IaC scan passes it and nothing else.
func TestTrivyIgnoreFile(t *testing.T) {
	var azure []string
	for _, r := range checkers.Exceptions(t, "trivy") {
		if strings.HasPrefix(r, "AZU-") {
			azure = append(azure, r)
		}
	}
	out, dirs := modules(t)
	found := 0
	for _, d := range dirs {
		ignore := filepath.Join(d, ".trivyignore.yaml")
		data, err := readFile(ignore)
		if err != nil {
			t.Errorf("every module has an ignore file, which the pipelines pass to trivy: %v", err)
			continue
		}
		found++
		want := azure
		if !strings.Contains(d, "/contoso/") {
			want = nil // the Azure example's platform; the other clouds' modules ignore nothing
		}
		var f struct {
			Misconfigurations []struct{ ID, Statement string }
		}
		if err := sigsyaml.UnmarshalStrict(data, &f); err != nil {
			t.Fatalf("%s: %v", ignore, err)
		}
		var ids []string
		for _, m := range f.Misconfigurations {
			ids = append(ids, m.ID)
			if m.Statement == "" {
				t.Errorf("%s: %s has no reason", ignore, m.ID)
			}
		}
		if !slices.Equal(ids, want) {
			t.Errorf("%s ignores %v, want %v", ignore, ids, want)
		}
		trivy := checkers.Installed(t, "trivy")["trivy"]
		res := checkers.Exec(t, d, trivy, "config", "--skip-check-update", "--quiet", "--exit-code", "1",
			"--cache-dir", filepath.Join(t.TempDir(), "cache"), "--ignorefile", ignore, ".")
		if res.Code != 0 {
			rel, _ := filepath.Rel(out, d)
			t.Errorf("trivy config with only %s's ignore file exited %d:\n%s%s", rel, res.Code, res.Stdout, res.Stderr)
		}
	}
	if found == 0 {
		t.Error("no .trivyignore.yaml among the modules (has the layout changed?)")
	}
}

func readFile(p string) ([]byte, error) { return os.ReadFile(p) }
