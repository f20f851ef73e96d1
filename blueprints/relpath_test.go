package blueprints

import (
	"reflect"
	"testing"
)

// TestRelPathPattern: every field that names a folder of the repository carries the one pattern, and
// the pattern refuses what GitHub, GitLab, Flux or a shell would evaluate.
func TestRelPathPattern(t *testing.T) {
	want := fieldTag(reflect.TypeFor[ServiceSpec](), "source").Get("pattern")
	if want == "" {
		t.Fatal("spec.source has no pattern tag")
	}
	if got := fieldTag(reflect.TypeFor[GitOps](), "path").Get("pattern"); got != want {
		t.Errorf("spec.gitops.path pattern %q, want spec.source's %q", got, want)
	}
	for _, ok := range []string{"services/payments", "services/payments/", ".", "deploy", "clusters/main", "a_b-c.d"} {
		if !relPathChars().MatchString(ok) {
			t.Errorf("%q is refused", ok)
		}
	}
	for _, bad := range []string{"", "services/${{ secrets.X }}", "$CI_JOB_TOKEN", "${X}", "$(id)", "`id`",
		"a b", "a\nb", `a\b`, "C:/src", "src/*", "src/?", "src/[ab]", "!src", "src/**", "%{x}", "a'b", `a"b`} {
		if relPathChars().MatchString(bad) {
			t.Errorf("%q is allowed", bad)
		}
	}
}
