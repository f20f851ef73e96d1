package blueprints

import (
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestCappedListsAtMostMaxPerFile(t *testing.T) {
	var ds Diagnostics
	for i := range MaxPerFile + 7 {
		ds = append(ds, Diagnostic{Pos: Pos{File: "a.yaml", Line: i + 1, Col: 1}, Message: "bad"})
	}
	ds = append(ds, Diagnostic{Pos: Pos{File: "b.yaml", Line: 1, Col: 1}, Message: "bad"})
	got := ds.Sorted().Capped()
	if len(got) != MaxPerFile+2 {
		t.Fatalf("got %d diagnostics, want %d", len(got), MaxPerFile+2)
	}
	if want := "a.yaml: 7 more problems in this file not shown (fix the ones above and run again)"; got[MaxPerFile].String() != want {
		t.Errorf("summary line %q, want %q", got[MaxPerFile].String(), want)
	}
	if got[MaxPerFile+1].Pos.File != "b.yaml" {
		t.Errorf("the next file's problems were dropped: %v", got[MaxPerFile+1])
	}
	if fmt.Sprint(ds[:3].Capped()) != fmt.Sprint(ds[:3]) {
		t.Error("a short list changed")
	}
}

// TestSanitize: what every diagnostic goes through before it is printed in any format.
func TestSanitize(t *testing.T) {
	long := strings.Repeat("b", 300)
	for _, tc := range []struct{ in, want string }{
		{`"https://user:ghp_0123456789abcdefghijABCDEFGHIJ012345@github.com/acme/x.git" is not a URL`, `"https://[redacted]@github.com/acme/x.git" is not a URL`},
		{`"https://:pw@db" and "https://ghp_0123456789abcdefghijABCDEFGHIJ012345@github.com/x"`, `"https://[redacted]@db" and "https://[redacted]@github.com/x"`},
		{`"https://api.example.com/v1?user=app&password=hunter2&x=1"`, `"https://api.example.com/v1?user=app&password=[redacted]&x=1"`},
		{`header "Bearer 3f9a1c2e7b"`, `header "Bearer [redacted]"`},
		{`token AKIAIOSFODNN7EXAMPLE here`, `token AKIA… here`},
		{`"` + long + `" is too long`, `"` + strings.Repeat("b", 99) + `…" is too long`},
		// Left alone: ports, plain user names, paths and ordinary words.
		{`"https://api.example.com:8443/v1/@me" and ssh://git@github.com/acme/x.git`, `"https://api.example.com:8443/v1/@me" and ssh://git@github.com/acme/x.git`},
		{`"services/payments-v2/api" is not a clean path (write "services/payments-v2/api")`, `"services/payments-v2/api" is not a clean path (write "services/payments-v2/api")`},
		{`open /tmp/TestErrorCatalogue2964339027/001/deploy: permission denied`, `open /tmp/TestErrorCatalogue2964339027/001/deploy: permission denied`},
		{`"Zx9qL2mN8vB4kR7tY1wE5uI3oP6aS0dF" is not a name`, `"Zx9q…" is not a name`},
	} {
		got := Sanitize(tc.in)
		if got != tc.want {
			t.Errorf("Sanitize(%.80q)\n got %q\nwant %q", tc.in, got, tc.want)
		}
		if again := Sanitize(got); again != got {
			t.Errorf("Sanitize is not idempotent: %q, then %q", got, again)
		}
	}
	if n := utf8.RuneCountInString(Sanitize(strings.Repeat("word ", 100000))); n != maxText+1 {
		t.Errorf("a long text is %d characters after Sanitize, want %d", n, maxText+1)
	}
}

// TestLoadSanitizes: Load returns its diagnostics sanitized, so the JSON and annotation formats, which
// print Message and Hint rather than String, show no credential and no huge value either.
func TestLoadSanitizes(t *testing.T) {
	_, diags := ruleLoad(t, map[string]string{
		"platform.yaml": rulePlatform(`  gitops: {engine: argocd, repoURL: "https://x-access-token:ghp_0123456789abcdefghijABCDEFGHIJ012345@github.com/acme/x.git"}`),
		"svc.yaml":      strings.Replace(ruleService("api", TypeWorker), "name: api", "name: "+strings.Repeat("a", 200000), 1),
	})
	if len(diags) != 2 {
		t.Fatalf("want 2 diagnostics, got %d", len(diags))
	}
	for _, d := range diags {
		if strings.Contains(d.Message, "ghp_0123") || len(d.Message) > 300 {
			t.Errorf("%s: message not sanitized: %.300q", d.Pos, d.Message)
		}
	}
}
