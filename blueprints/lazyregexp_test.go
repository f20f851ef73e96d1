package blueprints

import (
	"regexp"
	"testing"
)

// TestLazyRegexps compiles every pattern the package compiles on first use (lazyRegexp, the
// credential patterns, relPathChars), so that a broken one fails here rather than on the first
// blueprint that reaches it.
func TestLazyRegexps(t *testing.T) {
	if len(lazyPatterns) < 30 {
		t.Fatalf("%d lazy patterns registered, want the package's 30 or more", len(lazyPatterns))
	}
	for _, p := range lazyPatterns {
		if _, err := regexp.Compile(p); err != nil {
			t.Errorf("%q: %v", p, err)
		}
	}
	if n := len(credentialPatterns()); n < 10 {
		t.Errorf("%d credential patterns", n)
	}
	if !relPathChars().MatchString("services/api") {
		t.Error("relPathChars refuses services/api")
	}
}

// TestSimpleKey keeps simpleKey the pattern it stands for.
func TestSimpleKey(t *testing.T) {
	re := regexp.MustCompile(`^[A-Za-z0-9_-]+$`)
	for _, s := range []string{"", "a", "Z9", "LOG_LEVEL", "my-key", "a.b", "a b", "é", "a\n", "\n", "[0]", `"x"`, "ключ", "a\x00"} {
		if got, want := simpleKey(s), re.MatchString(s); got != want {
			t.Errorf("simpleKey(%q) = %v, want %v", s, got, want)
		}
	}
}
