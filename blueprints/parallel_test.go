package blueprints

import (
	"fmt"
	"reflect"
	"runtime"
	"strings"
	"testing"
	"testing/fstest"
)

// parallelFS is a platform of many files, with problems in several of them and two whose outcome
// depends on the order files are taken in: two platform files in one folder (the second is reported)
// and one service name in two files (the later file is reported).
func parallelFS() fstest.MapFS {
	fsys := fstest.MapFS{}
	add := func(name, content string) { fsys[name] = &fstest.MapFile{Data: []byte(content)} }
	svc := func(name, spec string) string {
		return fmt.Sprintf("apiVersion: gantry.dev/v1\nkind: Service\nmetadata: {name: %s, team: core}\nspec:\n  runtime: go\n  type: web\n  port: 8080\n%s", name, spec)
	}
	add("a/platform.yaml", "apiVersion: gantry.dev/v1\nkind: Platform\nmetadata: {name: alpha}\nspec: {environments: [dev, prod]}\n")
	const n = 150
	for i := range n {
		var spec strings.Builder
		var calls []string
		if i+1 < n {
			calls = append(calls, fmt.Sprintf("svc-%03d", i+1))
		}
		if i%31 == 9 {
			calls = append(calls, "nowhere") // found by the checks across services
		}
		if calls != nil {
			fmt.Fprintf(&spec, "  calls: [%s]\n", strings.Join(calls, ", "))
		}
		if i > 0 {
			fmt.Fprintf(&spec, "  callers: [svc-%03d]\n", i-1)
		}
		switch {
		case i%17 == 5:
			spec.WriteString("  replica: 2\n") // unknown field, found by Parse
		case i%23 == 7:
			spec.WriteString("  env: {DB_PASSWORD: hunter2}\n") // found while resolving
		case i%29 == 11:
			spec.WriteString("  port: 8081\n") // a duplicate field
		}
		add(fmt.Sprintf("a/svc-%03d.yaml", i), svc(fmt.Sprintf("svc-%03d", i), spec.String()))
	}
	// The first of the two is slow to resolve, so that a worker that took the second after it would
	// likely finish the second first.
	var heavy strings.Builder
	heavy.WriteString("  env:\n")
	for i := range MaxEnvVars {
		fmt.Fprintf(&heavy, "    VAR_%d: value-%d\n", i, i)
	}
	add("a/dup1.yaml", svc("svc-dup", heavy.String()))
	add("a/dup2.yaml", svc("svc-dup", ""))
	add("b/gantry.yaml", "apiVersion: gantry.dev/v1\nkind: Platform\nmetadata: {name: beta}\nspec: {environments: [dev, prod]}\n")
	add("b/platform.yaml", "apiVersion: gantry.dev/v1\nkind: Platform\nmetadata: {name: gamma}\n")
	for i := range 40 {
		add(fmt.Sprintf("b/x-%03d.yaml", i), svc(fmt.Sprintf("x-%03d", i), ""))
	}
	add("c/broken.yaml", "apiVersion: gantry.dev/v1\nkind: Service\nmetadata: {name: x\n")
	add("c/latin1.yaml", "apiVersion: gantry.dev/v1\nkind: Service\nmetadata: {name: caf\xe9}\n")
	add("c/kind.yaml", "apiVersion: gantry.dev/v1\nkind: Servise\n")
	add("c/big.yaml", "apiVersion: gantry.dev/v1\n"+strings.Repeat("# padding\n", MaxFileSize/10))
	return fsys
}

// TestLoadParallelSameResult loads the same files with one processor and with several: the files
// are parsed (parseAhead) and their services resolved (resolveServices) in parallel, and the result
// and diagnostics must not depend on it.
func TestLoadParallelSameResult(t *testing.T) {
	opts := LoadOptions{FS: parallelFS(), Paths: []string{"a", "b", "c"}}
	load := func(procs int) (*Resolved, Diagnostics) {
		defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
		res, diags := Load(opts)
		res.Reach.exists = nil // a func: never equal
		return res, diags
	}
	want, wantDiags := load(1)
	files := map[string]bool{}
	for _, d := range wantDiags {
		files[d.Pos.File] = true
	}
	if len(files) < 10 {
		t.Fatalf("problems in %d files, want many: %v", len(files), wantDiags)
	}
	for _, s := range []string{
		"b/platform.yaml: a second platform file in the same folder (the other is b/gantry.yaml)",
		`a/dup2.yaml:3:18: metadata.name: service "svc-dup" is defined twice (also at a/dup1.yaml:3:18)`,
		`spec.calls[1]: no service "nowhere" among the blueprints`,
	} {
		if !strings.Contains(fmt.Sprint(wantDiags), s) {
			t.Errorf("no diagnostic %q in\n%v", s, wantDiags)
		}
	}
	for _, procs := range []int{2, 3, 8} {
		for range 3 {
			got, diags := load(procs)
			if !reflect.DeepEqual(diags, wantDiags) {
				t.Fatalf("GOMAXPROCS %d: diagnostics differ from GOMAXPROCS 1:\n%v\nwant\n%v", procs, diags, wantDiags)
			}
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("GOMAXPROCS %d: result differs from GOMAXPROCS 1", procs)
			}
		}
	}
}
