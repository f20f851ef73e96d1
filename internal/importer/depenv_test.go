package importer

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestComposeVariableSetFromDependency: Gantry sets DB_HOST, DB_PORT... itself for a dependency named
// db; a Compose service that sets DB_HOST=db (the usual wiring) must import, the variable reported and
// left out, not fail. The Score importer has the same case in TestScoreCases.
func TestComposeVariableSetFromDependency(t *testing.T) {
	digest := "@sha256:" + strings.Repeat("ab", 32)
	compose := "services:\n" + // 1
		"  web:\n" + // 2
		"    image: x/y:1" + digest + "\n" + // 3
		"    ports: [\"8080:8080\"]\n" + // 4
		"    depends_on: [db]\n" + // 5
		"    environment:\n" + // 6
		"      DB_HOST: db\n" + // 7
		"  db:\n" + // 8
		"    image: postgres:17" + digest + "\n" // 9
	dir := t.TempDir()
	path := filepath.Join(dir, "compose.yaml")
	if err := os.WriteFile(path, []byte(compose), 0o644); err != nil {
		t.Fatal(err)
	}
	res, err := Compose(path, Options{Dir: filepath.Join(dir, "blueprints"), Team: "t"})
	if err != nil {
		t.Fatal(err)
	}
	var report strings.Builder
	for _, e := range res.Report {
		report.WriteString(strings.TrimPrefix(e.String(), filepath.ToSlash(dir)+"/") + "\n")
	}
	if !strings.Contains(report.String(), "compose.yaml:7: unmapped: web: env DB_HOST") {
		t.Errorf("report:\n%s\nwant a line for env DB_HOST at compose.yaml:7", report.String())
	}
	for _, f := range res.Files {
		if f.Path == "web.yaml" && strings.Contains(string(f.Data), "DB_HOST: ") {
			t.Errorf("web.yaml sets DB_HOST:\n%s", f.Data)
		}
	}
}
