package cli_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestMessagesAreSanitized: whatever gantry prints about bad input, in every format, shows no credential
// and no huge value (blueprints.Sanitize): a token in gitops.repoURL, in a command-line argument or a
// flag value, and a 200,000-character service name.
func TestMessagesAreSanitized(t *testing.T) {
	const token = "ghp_0123456789abcdefghijABCDEFGHIJ012345"
	longName := strings.Repeat("a", 200000)
	setup := func(t *testing.T) string {
		dir := t.TempDir()
		os.Mkdir(filepath.Join(dir, ".git"), 0o755)
		writeFile(t, filepath.Join(dir, "blueprints", "platform.yaml"), "apiVersion: gantry.dev/v1\nkind: Platform\nmetadata: {name: acme}\n"+
			"spec:\n  gitops: {engine: argocd, repoURL: \"https://x-access-token:"+token+"@github.com/acme/gitops.git\"}\n")
		writeFile(t, filepath.Join(dir, "blueprints", "api.yaml"), strings.Replace(okService, "name: api", "name: "+longName, 1))
		return dir
	}
	for _, args := range [][]string{
		{"validate"},
		{"validate", "--format", "json"},
		{"validate", "--format", "github"},
		{"generate"},
		{"validate", "blueprints/" + token + ".yaml"},
		{token},
		{"generate", "--env", token},
	} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			r := run(t, setup(t), args...)
			if r.code == 0 {
				t.Fatal("exit 0 on bad input")
			}
			for _, out := range []string{r.out, r.errOut} {
				if strings.Contains(out, token) || strings.Contains(out, token[:20]) {
					t.Errorf("the token is printed:\n%.2000s", out)
				}
				for _, line := range strings.Split(out, "\n") {
					if len(line) > 2000 {
						t.Errorf("a line of %d characters: %.300s", len(line), line)
					}
				}
			}
		})
	}
}
