package gentest

import (
	"path"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/gantry-dev/gantry/blueprints"
	"github.com/gantry-dev/gantry/generators"
	"github.com/gantry-dev/gantry/generators/scaffold"
)

// NewServicePlatform is the built-in platform (no platform file, so no cloud) with the service
// `gantry new api --runtime go` writes, given a postgres dependency whose URL it reads.
func NewServicePlatform(t testing.TB) *blueprints.ResolvedPlatform {
	t.Helper()
	scaffolded, err := scaffold.Files(scaffold.Options{Name: "api", Team: "api", Runtime: "go", Type: blueprints.TypeWeb, Port: 8080, CI: "github"})
	if err != nil {
		t.Fatal(err)
	}
	file := path.Join(blueprints.DefaultDir, "api.yaml")
	i := slices.IndexFunc(scaffolded, func(f generators.File) bool { return f.Path == file })
	if i < 0 {
		t.Fatalf("gantry new wrote no %s", file)
	}
	const env = "  env: {LOG_LEVEL: info}\n"
	bp := string(scaffolded[i].Data)
	if !strings.Contains(bp, env) {
		t.Fatalf("%s has no line %q to add to:\n%s", file, env, bp)
	}
	bp = strings.Replace(bp, env, "  env: {LOG_LEVEL: info, DATABASE_URL: \"@{dependency.db.url}\"}\n"+
		"  dependencies: [{name: db, type: postgres}]\n", 1)
	res, diags := blueprints.Load(blueprints.LoadOptions{FS: fstest.MapFS{file: {Data: []byte(bp)}},
		Paths: []string{blueprints.DefaultDir}, Root: "."})
	if diags.HasErrors(false) {
		t.Fatalf("the new service with a dependency does not validate:\n%v\n%s", diags, bp)
	}
	if len(res.Platforms) != 1 || res.Platforms[0].File != "" || len(res.Platforms[0].Services) != 1 {
		t.Fatalf("want the built-in platform with one service, got %d platforms", len(res.Platforms))
	}
	return res.Platforms[0]
}
