package kubernetes

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// secretNameRules are the default rules of widely used checkers that flag an environment variable
// by its name when it has a literal value, read from their sources:
//   - kube-linter v0.8.3, check env-var-secret (enabled by default, internal/defaultchecks/default_checks.go),
//     pkg/builtinchecks/yamls/env-var-secret.yaml: template env-var with name "(?i).*secret.*" and
//     value ".+"; pkg/templates/envvar/template.go flags an env var of any container when both match
//     (pkg/matcher/string.go: an unanchored regexp.MatchString), so any name containing "secret" in
//     any case with a non-empty literal value fails the pipeline that ran kube-linter lint.
//   - Kubescape C-0012 (sensitive information in environment variables), its default
//     sensitiveKeyNames: secret, key, password, pwd, token, jwt, bearer, credential (and AWS/Azure
//     names containing key), matched as case-insensitive substrings of the name.
var secretNameRules = []struct{ checker, rule string }{
	{"kube-linter env-var-secret", `(?i).*secret.*`},
	{"kubescape C-0012", `(?i)secret|key|password|pwd|token|jwt|bearer|credential`},
}

// TestNoSecretLikeEnvNames runs those rules over every environment variable with a literal value in
// the examples' generated Kubernetes output (the golden files: bases, overlays and their patches).
// SECRETS_DIR, which Gantry set in every container, matched both; it is now CONFIDENTIAL_DIR.
func TestNoSecretLikeEnvNames(t *testing.T) {
	var rules []*regexp.Regexp
	for _, r := range secretNameRules {
		rules = append(rules, regexp.MustCompile(r.rule))
	}
	checked, files := 0, 0
	err := filepath.WalkDir(filepath.Join("testdata", "golden"), func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !(strings.HasSuffix(path, ".yaml") || strings.HasSuffix(path, ".yml")) {
			return err
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		files++
		dec := yaml.NewDecoder(bytes.NewReader(data))
		for {
			var doc any
			if err := dec.Decode(&doc); errors.Is(err, io.EOF) {
				break
			} else if err != nil {
				t.Errorf("%s: %v", path, err)
				break
			}
			for _, e := range literalEnv(doc) {
				checked++
				for i, re := range rules {
					if re.MatchString(e[0]) {
						t.Errorf("%s: env %s=%q is flagged by %s (%s)", path, e[0], e[1], secretNameRules[i].checker, secretNameRules[i].rule)
					}
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if checked == 0 {
		t.Fatalf("no environment variable found in %d golden files", files)
	}
	t.Logf("%d literal environment variables in %d files", checked, files)
}

// TestSecretNameRules shows the rules flag the name Gantry used to set and not the one it sets now.
func TestSecretNameRules(t *testing.T) {
	for _, r := range secretNameRules {
		re := regexp.MustCompile(r.rule)
		if !re.MatchString("SECRETS_DIR") {
			t.Errorf("%s does not flag SECRETS_DIR", r.checker)
		}
		if re.MatchString("CONFIDENTIAL_DIR") {
			t.Errorf("%s flags CONFIDENTIAL_DIR", r.checker)
		}
	}
}

// literalEnv returns the name and value of every item of an "env" list anywhere in v that has a
// non-empty literal value (kube-linter's value ".+"; valueFrom items have none).
func literalEnv(v any) [][2]string {
	var out [][2]string
	switch v := v.(type) {
	case map[string]any:
		for k, c := range v {
			if items, ok := c.([]any); ok && k == "env" {
				for _, it := range items {
					m, _ := it.(map[string]any)
					name, _ := m["name"].(string)
					if value := fmt.Sprint(m["value"]); name != "" && m["value"] != nil && value != "" {
						out = append(out, [2]string{name, value})
					}
				}
				continue
			}
			out = append(out, literalEnv(c)...)
		}
	case []any:
		for _, c := range v {
			out = append(out, literalEnv(c)...)
		}
	}
	return out
}
