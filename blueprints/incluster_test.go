package blueprints

import (
	"reflect"
	"testing"
)

// inClusterPlatform is an AWS platform with dev, staging and prod whose spec.inCluster is list.
func inClusterPlatform(list string) string {
	return rulePlatform("  cloud: {provider: aws, region: eu-west-1}", "  environments: [dev, staging, prod]", "  inCluster: "+list)
}

func TestRuleInCluster(t *testing.T) {
	deps := "  dependencies: [{name: db, type: postgres}, {name: files, type: bucket}]"
	runRuleCases(t, []ruleCase{
		{name: "datastores without a cloud run in the cluster",
			files: ruleWeb("  dependencies: [{name: db, type: postgres}, {name: cache, type: redis}, {name: events, type: kafka}, {name: rel, type: mysql}]")},
		{
			name:  "a bucket without a cloud",
			files: ruleWeb(deps),
			want:  []string{`svc.yaml:10:66: spec.dependencies[1].type: a bucket has no in-cluster form (it is a cloud API that apps reach through the cloud's SDK, and no one container speaks S3, Cloud Storage and Blob Storage alike), and environments dev, staging, prod take dependencies from the cluster (set the platform's spec.cloud.provider (aws, gcp or azure) and list in spec.inCluster only the environments that may run without it)`},
		},
		{
			name:  "a bucket in an in-cluster environment",
			files: map[string]string{"platform.yaml": inClusterPlatform("[dev]"), "svc.yaml": ruleService("api", TypeWeb, deps)},
			want:  []string{`svc.yaml:10:66: spec.dependencies[1].type: a bucket has no in-cluster form (it is a cloud API that apps reach through the cloud's SDK, and no one container speaks S3, Cloud Storage and Blob Storage alike), and environment dev takes dependencies from the cluster (remove dev from the platform's spec.inCluster, so the cloud provides it there)`},
		},
		{name: "a bucket from the cloud", files: map[string]string{"platform.yaml": inClusterPlatform("[]"), "svc.yaml": ruleService("api", TypeWeb, deps)}},
		{
			name:  "inCluster names no environment",
			files: map[string]string{"platform.yaml": inClusterPlatform("[dev, stagin, dev]")},
			want: []string{
				`platform.yaml:8:20: spec.inCluster[1]: "stagin" is not an environment of the platform (did you mean "staging"?)`,
				`platform.yaml:8:28: spec.inCluster[2]: duplicate environment "dev" (list each environment once)`,
			},
		},
		{
			name:  "inCluster without a cloud",
			files: map[string]string{"platform.yaml": rulePlatform("  inCluster: [dev]")},
			want:  []string{`platform.yaml:6:15: warning: spec.inCluster[0]: without a cloud every environment runs its dependencies in the cluster: listing "dev" changes nothing (remove spec.inCluster, or set spec.cloud.provider for the other environments)`},
		},
		{
			name:  "a StatefulSet name too long",
			files: map[string]string{"svc.yaml": ruleService("a-service-name-of-exactly-forty-chars-xy", TypeWeb, "  dependencies: [{name: a-long-database-nm, type: postgres}]")},
			want:  []string{`svc.yaml:10:25: spec.dependencies[0].name: in the cluster it runs as StatefulSet "a-service-name-of-exactly-forty-chars-xy-a-long-database-nm", longer than 52 characters (its pods' revision label adds 11 to the name and holds 63) (shorten the dependency's name to at most 11 characters)`},
		},
		{
			name: "two services' dependencies with one name",
			files: map[string]string{
				"a.yaml":  ruleService("a", TypeWeb, "  dependencies: [{name: b-c, type: postgres}]"),
				"ab.yaml": ruleService("a-b", TypeWeb, "  dependencies: [{name: c, type: redis}]"),
			},
			want: []string{`ab.yaml:10:25: spec.dependencies[0].name: in the cluster it runs as "a-b-c", as a's dependency b-c does in the same namespace (a.yaml) (rename one of the two dependencies)`},
		},
		{
			name:  "production in the cluster",
			files: map[string]string{"platform.yaml": inClusterPlatform("[prod]")},
			want:  []string{`platform.yaml:8:15: warning: spec.inCluster[0]: "prod" is production: its databases would be single-replica StatefulSets in the cluster, without the cloud's backups, failover or encryption at rest (let the cloud serve production: remove it from spec.inCluster)`},
		},
		{
			name:  "a queue without a cloud",
			files: ruleWeb("  dependencies: [{name: jobs, type: queue}]"),
			want:  []string{`svc.yaml:10:37: spec.dependencies[0].type: a queue has no in-cluster form (it is a cloud API that apps reach through the cloud's SDK, and no one container speaks SQS, Pub/Sub and Service Bus alike), and environments dev, staging, prod take dependencies from the cluster (set the platform's spec.cloud.provider (aws, gcp or azure) and list in spec.inCluster only the environments that may run without it)`},
		},
		{
			name: "a dependency named like another service",
			files: map[string]string{
				"svc.yaml": ruleService("api", TypeWeb, "  dependencies: [{name: db, type: postgres}]"),
				"db.yaml":  ruleService("api-db", TypeWeb),
			},
			want: []string{`svc.yaml:10:25: spec.dependencies[0].name: in the cluster it runs as "api-db", the name of service api-db in the same namespace (db.yaml) (rename the dependency)`},
		},
	})
}

// TestInClusterURL: the same placeholder resolves to the plain-TCP form where the cluster provides the
// dependency (its container serves no TLS) and to the cloud's TLS form elsewhere.
func TestInClusterURL(t *testing.T) {
	res, diags := ruleLoad(t, map[string]string{"platform.yaml": inClusterPlatform("[dev]"),
		"svc.yaml": ruleService("api", TypeWeb, "  dependencies: [{name: db, type: postgres}, {name: cache, type: redis}]",
			"  env:", `    DATABASE_URL: "@{dependency.db.url}"`, `    REDIS_URL: "@{dependency.cache.url}"`)})
	for _, d := range diags {
		t.Errorf("unexpected: %s", d)
	}
	want := map[string][2]string{
		"dev":     {"postgresql://$(DB_USER):$(GANTRY_SECRET_DB_PASSWORD)@$(DB_HOST):$(DB_PORT)/$(DB_NAME)?sslmode=disable", "redis://:$(GANTRY_SECRET_CACHE_PASSWORD)@$(CACHE_HOST):$(CACHE_PORT)"},
		"staging": {"postgresql://$(DB_USER):$(GANTRY_SECRET_DB_PASSWORD)@$(DB_HOST):$(DB_PORT)/$(DB_NAME)?sslmode=require", "rediss://:$(GANTRY_SECRET_CACHE_PASSWORD)@$(CACHE_HOST):$(CACHE_PORT)"},
	}
	want["prod"] = want["staging"]
	for _, e := range res.Platforms[0].Services[0].Environments {
		got := [2]string{e.Spec.Values["DATABASE_URL"].String(), e.Spec.Values["REDIS_URL"].String()}
		if !reflect.DeepEqual(got, want[e.Name]) {
			t.Errorf("%s: got %q, want %q", e.Name, got, want[e.Name])
		}
	}
	p := res.Platforms[0].Spec
	if got := ClusterEnvironments(p); !reflect.DeepEqual(got, []string{"dev"}) {
		t.Errorf("ClusterEnvironments = %v", got)
	}
	if got := CloudEnvironments(p); !reflect.DeepEqual(got, []string{"staging", "prod"}) {
		t.Errorf("CloudEnvironments = %v", got)
	}
}
