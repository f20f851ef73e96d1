package blueprints

import (
	"strings"
	"testing"
)

const testDigest = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

// prebuiltService is a web service named api that runs image instead of a runtime; its lines are
// ruleService's with line 7 `  prebuilt: IMAGE` (value at column 13), then spec from line 10.
func prebuiltService(image string, spec ...string) map[string]string {
	s := strings.Replace(ruleService("api", TypeWeb, spec...), "  runtime: go\n", "  prebuilt: "+image+"\n", 1)
	return map[string]string{"svc.yaml": s}
}

func TestRuleBuild(t *testing.T) {
	runRuleCases(t, []ruleCase{
		{name: "prebuilt pinned by digest", files: prebuiltService("docker.io/library/nginx:1.27.3@" + testDigest)},
		{name: "prebuilt without tag", files: prebuiltService("ghcr.io/acme/legacy-php@" + testDigest)},
		{name: "prebuilt with a registry port", files: prebuiltService("registry.local:5000/acme/app:v1@" + testDigest)},
		{
			name:  "prebuilt by tag only",
			files: prebuiltService("docker.io/library/nginx:1.27.3"),
			want:  []string{`svc.yaml:7:13: spec.prebuilt: "docker.io/library/nginx:1.27.3" is not an image pinned by digest (pin it by digest: repository[:tag]@sha256:<64 hex>, e.g. docker.io/library/nginx:1.27.3@sha256:...; ` + "`docker buildx imagetools inspect IMAGE`" + ` prints the digest)`},
		},
		{
			name:  "prebuilt with a short digest",
			files: prebuiltService("nginx@sha256:abc"),
			want:  []string{`svc.yaml:7:13: spec.prebuilt: "nginx@sha256:abc" is not an image pinned by digest (pin it by digest: repository[:tag]@sha256:<64 hex>, e.g. docker.io/library/nginx:1.27.3@sha256:...; ` + "`docker buildx imagetools inspect IMAGE`" + ` prints the digest)`},
		},
		{
			name:  "prebuilt and runtime",
			files: prebuiltService("nginx@"+testDigest, "  runtime: go"),
			want: []string{
				"svc.yaml:7:13: spec.prebuilt: prebuilt and runtime exclude each other (a prebuilt image is not built: remove runtime, or remove prebuilt to build from source)",
			},
		},
		{
			name:  "prebuilt with build",
			files: prebuiltService("nginx@"+testDigest, "  build: {test: make test}"),
			want:  []string{"svc.yaml:10:10: spec.build: does not apply with prebuilt (Gantry builds nothing for a prebuilt image: remove build)"},
		},
		{
			name:  "prebuilt with image",
			files: prebuiltService("nginx@"+testDigest, "  image: ghcr.io/acme/api"),
			want:  []string{"svc.yaml:10:10: spec.image: does not apply with prebuilt (the prebuilt image is the image: remove image)"},
		},
		{name: "build overrides", files: ruleWeb("  build: {context: ., dockerfile: services/api/docker/Dockerfile, command: ./gradlew assemble, lint: make lint, test: 'make test && echo \"$HOME\"'}")},
		{name: "build context that is the source folder", files: ruleWeb("  build: {context: services/api/}")},
		{
			name:  "build context without a Dockerfile",
			files: ruleWeb("  build: {context: .}"),
			want:  []string{"svc.yaml:10:20: spec.build.context: a build context other than the source folder (services/api) needs its own Dockerfile: the one Gantry writes copies from the source folder (name the Dockerfile that builds from this context in build.dockerfile)"},
		},
		{
			name: "platform default build command with a GitHub expression",
			files: map[string]string{
				"platform.yaml": rulePlatform("  defaults: {build: {test: 'echo ${{ github.token }}'}}"),
				"svc.yaml":      ruleService("api", TypeWeb),
			},
			want: []string{"platform.yaml:6:28: spec.defaults.build.test: contains ${{, which GitHub Actions would evaluate as an expression (write the command as you would type it in a shell; pass CI values through environment variables)"},
		},
		{
			name:  "build command with a GitHub expression",
			files: ruleWeb("  build: {test: 'echo ${{ secrets.TOKEN }}'}"),
			want:  []string{"svc.yaml:10:17: spec.build.test: contains ${{, which GitHub Actions would evaluate as an expression (write the command as you would type it in a shell; pass CI values through environment variables)"},
		},
		{
			name:  "build command with a placeholder",
			files: ruleWeb("  build: {test: 'make test ADDR=@{service.x.address}'}"),
			want:  []string{"svc.yaml:10:17: spec.build.test: holds a placeholder (@{...}), which only env values resolve; a literal @{ is @{@}{ (write the command as you would type it in a shell; pass CI values through environment variables)"},
		},
		{
			name:  "build command with a control character",
			files: ruleWeb(`  build: {lint: "make\rlint"}`),
			want:  []string{"svc.yaml:10:17: spec.build.lint: contains a control character (write the command as you would type it in a shell; pass CI values through environment variables)"},
		},
		{
			name:  "build context outside the repository",
			files: ruleWeb("  build: {context: ../other}"),
			want:  []string{`svc.yaml:10:20: spec.build.context: "../other" leaves the repository (a path relative to the repository root, e.g. services/payments)`},
		},
	})
}
