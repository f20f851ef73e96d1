package graph_test

import (
	"bytes"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/gantry-dev/gantry/cmd/cli"
	"github.com/gantry-dev/gantry/cmd/cli/cmdutil"
	"github.com/gantry-dev/gantry/cmd/cli/cmdutil/cmdtest"
	"github.com/gantry-dev/gantry/cmd/cli/graph"
)

const (
	examples = "../../../blueprints/examples"
	goldens  = "../../../generators/graph/testdata" // generators/graph's goldens: <platform>/<env>.{mmd,dot}
	invalid  = "../testdata/invalid"
)

// TestFlags: the command line becomes these Options (IO aside), through the runF seam.
func TestFlags(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want graph.Options
	}{
		{nil, graph.Options{Paths: []string{}, Format: "mermaid"}},
		{[]string{"a.yaml", "dir"}, graph.Options{Paths: []string{"a.yaml", "dir"}, Format: "mermaid"}},
		{[]string{"--format", "dot", "--env", "dev", "--platform", "p.yaml", "x"},
			graph.Options{Paths: []string{"x"}, Format: "dot", Env: "dev", Platform: "p.yaml"}},
	} {
		got, err := cmdtest.Parse(t, graph.NewCmdGraph, tc.args...)
		if err != nil {
			t.Errorf("graph %q: %v", tc.args, err)
			continue
		}
		got.IO = tc.want.IO
		if !reflect.DeepEqual(*got, tc.want) {
			t.Errorf("graph %q:\n got %+v\nwant %+v", tc.args, *got, tc.want)
		}
	}
	for _, args := range [][]string{{"--format", "svg"}, {"--format", "DOT"}} {
		if got, err := cmdtest.Parse(t, graph.NewCmdGraph, args...); got != nil || !cmdtest.IsFlagError(err) {
			t.Errorf("graph %q: ran %v, err %v; want a usage error", args, got != nil, err)
		}
	}
}

type result struct {
	code        int
	out, errOut string
}

func run(args ...string) result {
	var out, errOut bytes.Buffer
	code := cli.Run(args, cmdutil.IOStreams{In: &bytes.Buffer{}, Out: &out, ErrOut: &errOut})
	return result{code, out.String(), errOut.String()}
}

func read(t *testing.T, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// TestExamples: gantry graph prints each example platform's graph, as generators/graph's goldens have
// them: production by default, one environment with --env (the platforms without it left out).
func TestExamples(t *testing.T) {
	mmd := func(p, env string) string { return read(t, filepath.Join(goldens, p, env+".mmd")) }
	dot := func(p, env string) string { return read(t, filepath.Join(goldens, p, env+".dot")) }
	for _, tc := range []struct {
		args   []string
		want   string
		errOut string
	}{
		{[]string{"graph", examples}, mmd("acme", "prod") + "\n" + mmd("contoso", "prod") + "\n" + mmd("shopfront", "prod") + "\n" + mmd("tidewater", "prod"), ""},
		{[]string{"graph", "--format", "dot", examples}, dot("acme", "prod") + dot("contoso", "prod") + dot("shopfront", "prod") + dot("tidewater", "prod"), ""},
		{[]string{"graph", "--env", "dev", examples}, mmd("acme", "dev") + "\n" + mmd("contoso", "dev") + "\n" + mmd("tidewater", "dev"),
			"gantry: platform shopfront has no environment dev (it has staging, prod): not drawn\n"},
		{[]string{"graph", "--format=dot", "--env=staging", examples + "/gcp"}, dot("shopfront", "staging"), ""},
	} {
		r := run(tc.args...)
		if r.code != 0 || r.errOut != tc.errOut {
			t.Errorf("%q: exit %d\n%s", tc.args, r.code, r.errOut)
		}
		if r.out != tc.want {
			t.Errorf("%q printed\n%s\nwant\n%s", tc.args, r.out, tc.want)
		}
	}
}

// TestInvalidLikeValidate: on invalid blueprints graph prints nothing on stdout and exactly what
// validate prints on stderr, with validate's exit code.
func TestInvalidLikeValidate(t *testing.T) {
	for _, path := range []string{invalid, invalid + "/stock.yaml", "no/such/folder"} {
		v, g := run("validate", path), run("graph", path)
		if g.code != v.code || g.errOut != v.errOut || g.out != "" || g.code == 0 {
			t.Errorf("%s: graph exit %d, stdout %q, stderr\n%s\nvalidate exit %d, stderr\n%s", path, g.code, g.out, g.errOut, v.code, v.errOut)
		}
	}
}

// TestUnknownEnv: an environment no platform has is a usage error.
func TestUnknownEnv(t *testing.T) {
	r := run("graph", "--env", "qa", examples)
	if r.code != cmdutil.ExitUsage || r.out != "" || !strings.Contains(r.errOut, `no environment "qa" in the platforms loaded`) {
		t.Errorf("exit %d, stdout %q, stderr %q", r.code, r.out, r.errOut)
	}
}

// TestEnvSomePlatforms: with --env, a platform without that environment is left out, and stderr says
// so (a silent gap would read as a platform with nothing in it).
func TestEnvSomePlatforms(t *testing.T) {
	r := run("graph", "--env", "preview", examples)
	if r.code != 0 || !strings.Contains(r.out, `title: "tidewater (preview)"`) || strings.Contains(r.out, "acme") ||
		!strings.Contains(r.errOut, "platform acme has no environment preview (it has dev, staging, prod): not drawn") {
		t.Errorf("exit %d, stdout %q, stderr %q", r.code, r.out, r.errOut)
	}
}

// TestReadme: the README's example is what gantry graph prints for it.
func TestReadme(t *testing.T) {
	readme := read(t, "../../../README.md")
	_, section, ok := strings.Cut(readme, "\n## The system picture\n")
	_, block, ok2 := strings.Cut(section, "\n```mermaid\n")
	block, _, ok3 := strings.Cut(block, "```\n")
	if !ok || !ok2 || !ok3 {
		t.Fatal("README.md has no ```mermaid block in its section The system picture")
	}
	if r := run("graph", examples+"/gcp"); r.code != 0 || r.out != block {
		t.Errorf("README.md's example is stale: gantry graph blueprints/examples/gcp prints (exit %d)\n%s", r.code, r.out)
	}
}
