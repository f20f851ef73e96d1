package golden

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// recorder keeps what a golden check reports instead of failing the test that runs it.
type recorder struct {
	testing.TB
	errors []string
}

func (r *recorder) Helper() {}
func (r *recorder) Errorf(format string, args ...any) {
	r.errors = append(r.errors, fmt.Sprintf(format, args...))
}
func (r *recorder) Error(args ...any)   { r.errors = append(r.errors, fmt.Sprint(args...)) }
func (r *recorder) Logf(string, ...any) {}

func TestCheckPrintsTheDiff(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.golden")
	if err := os.WriteFile(path, []byte("1\n2\n3\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	r := &recorder{TB: t}
	Check(r, path, []byte("1\n2\n3\n"))
	if len(r.errors) != 0 {
		t.Fatalf("equal contents reported: %q", r.errors)
	}
	Check(r, path, []byte("1\ntwo\n3\n"))
	if len(r.errors) != 1 || !strings.Contains(r.errors[0], "@@ -1,3 +1,3 @@\n 1\n-2\n+two\n 3\n") {
		t.Errorf("a mismatch reports %q, want the unified diff", r.errors)
	}
}

func TestCheckDir(t *testing.T) {
	dir := t.TempDir()
	for name, data := range map[string]string{"a.yaml": "a: 1\n", "sub/b.yaml": "b: 1\n", "gone.yaml": "x\n"} {
		os.MkdirAll(filepath.Dir(filepath.Join(dir, name)), 0o755)
		if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	r := &recorder{TB: t}
	CheckDir(r, dir, map[string][]byte{"a.yaml": []byte("a: 1\n"), "sub/b.yaml": []byte("b: 2\n"), "new.yaml": []byte("n\n")})
	got := strings.Join(r.errors, "\n")
	for _, want := range []string{"missing from the golden tree: new.yaml", "no longer generated: gone.yaml", "differs: sub/b.yaml", "-b: 1\n+b: 2\n"} {
		if !strings.Contains(got, want) {
			t.Errorf("CheckDir reports:\n%s\nwant it to contain %q", got, want)
		}
	}
	if strings.Contains(got, ": a.yaml") {
		t.Errorf("an equal file is reported: %s", got)
	}
}

func TestDiffIsCut(t *testing.T) {
	var want, got strings.Builder
	for i := range 1000 {
		fmt.Fprintf(&want, "%d\n", i)
		fmt.Fprintf(&got, "x%d\n", i)
	}
	d := Diff("f", []byte(want.String()), []byte(got.String()))
	if n := strings.Count(d, "\n"); n != maxDiffLines+1 || !strings.HasSuffix(d, "more lines\n") {
		t.Errorf("a 2000-line diff prints %d lines, ending %q", n, d[len(d)-30:])
	}
}
