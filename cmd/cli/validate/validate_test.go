package validate

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/gantry-dev/gantry/blueprints"
	"github.com/gantry-dev/gantry/cmd/cli/cmdutil"
)

func TestRunDirectly(t *testing.T) {
	var out, errOut bytes.Buffer
	opts := &Options{IO: cmdutil.IOStreams{Out: &out, ErrOut: &errOut}, Paths: []string{"../testdata/invalid/stock.yaml"}, Format: "text"}
	err := Run(opts)
	if !errors.Is(err, cmdutil.ErrSilent) {
		t.Fatalf("Run = %v, want ErrSilent after printing the problems", err)
	}
	if out.Len() != 0 {
		t.Errorf("results on stdout for invalid input: %q", out.String())
	}
	want := "../testdata/invalid/stock.yaml:10:16: spec.metricsPort: collides with spec.port (8080)"
	if !strings.Contains(errOut.String(), want) {
		t.Errorf("stderr lacks %q:\n%s", want, errOut.String())
	}
}

func TestGithubAnnotationEscapes(t *testing.T) {
	d := blueprints.Diagnostic{Pos: blueprints.Pos{File: "a,b:c.yaml", Line: 3, Col: 5}, Path: "spec.env.X",
		Message: "100% bad\nsecond line", Hint: "fix it"}
	got := githubAnnotation(d)
	want := "::error file=a%2Cb%3Ac.yaml,line=3,col=5,title=gantry validate::spec.env.X: 100%25 bad%0Asecond line (fix it)"
	if got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}
