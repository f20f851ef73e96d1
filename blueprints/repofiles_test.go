package blueprints

import (
	"strings"
	"testing"
)

func TestRuleRepoFilesAcrossPlatforms(t *testing.T) {
	platform := func(name, ci string) string {
		return strings.Replace(rulePlatform("  ci: "+ci), "name: acme", "name: "+name, 1)
	}
	runRuleCases(t, []ruleCase{
		{name: "one service name in two GitHub platforms", files: map[string]string{
			"a/platform.yaml": platform("one", "github"), "a/api.yaml": ruleService("api", TypeWeb),
			"b/platform.yaml": platform("two", "github"), "b/api.yaml": strings.Replace(ruleService("api", TypeWeb), "team: core", "team: other", 1)},
			want: []string{
				`b/api.yaml:4:9: metadata.name: .github/workflows/api.yaml would be written for platform two and for platform one (a/api.yaml) (a repository's pipelines are named after their services: rename one of the two, or set spec.ci: none on one of the platforms)`,
				`b/api.yaml:4:9: metadata.name: the Dockerfile in services/api would be written for platform two and for platform one (a/api.yaml) (give each service a source folder of its own (spec.source))`,
			}},
		{name: "without CI only the source folder clashes", files: map[string]string{
			"a/platform.yaml": platform("one", "none"), "a/api.yaml": ruleService("api", TypeWeb),
			"b/platform.yaml": platform("two", "none"), "b/api.yaml": strings.Replace(ruleService("api", TypeWeb, "  source: services/API"), "team: core", "team: other", 1)},
			want: []string{
				`b/api.yaml:4:9: metadata.name: the Dockerfile in services/API would be written for platform two and for platform one (a/api.yaml) (give each service a source folder of its own (spec.source))`,
			}},
		{name: "two GitLab platforms share the root file", files: map[string]string{
			"a/platform.yaml": platform("one", "gitlab"), "a/api.yaml": ruleService("api", TypeWeb),
			"b/platform.yaml": platform("two", "gitlab"), "b/web.yaml": ruleService("web", TypeWeb)}},
	})
}
