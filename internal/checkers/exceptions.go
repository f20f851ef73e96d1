package checkers

import (
	"os"
	"path/filepath"
	"slices"
	"testing"

	"sigs.k8s.io/yaml"
)

// Exception is a rule of a checker that Gantry's output deliberately does not follow, with the reason.
// They all live in one file, exceptions.yaml beside this one, so a reviewer sees every one at once.
type Exception struct {
	Checker string `json:"checker"`         // kubeconform, kube-score, trivy, apiserver
	Rule    string `json:"rule"`            // the checker's id for the rule, or a kind for skipped kinds
	Reason  string `json:"reason"`          // why, in a sentence a user can check
	Where   string `json:"where,omitempty"` // optional: which output it applies to
}

// Exceptions reads exceptions.yaml and returns the rules excepted for one checker.
func Exceptions(t testing.TB, checker string) []string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(Root, "internal", "checkers", "exceptions.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var all []Exception
	if err := yaml.UnmarshalStrict(data, &all); err != nil {
		t.Fatalf("exceptions.yaml: %v", err)
	}
	var rules []string
	for _, e := range all {
		if e.Reason == "" {
			t.Fatalf("exceptions.yaml: %s %s has no reason", e.Checker, e.Rule)
		}
		if e.Checker == checker {
			rules = append(rules, e.Rule)
		}
	}
	slices.Sort(rules)
	return rules
}
