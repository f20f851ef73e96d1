package ci

import (
	"bytes"
	"fmt"
	"slices"

	"go.yaml.in/yaml/v3"
)

// Runtime is how a runtime is set up, linted and tested in CI. The commands are the runtime's own
// tools, run in the service's source folder, and match what the Dockerfile of templates/dockerfiles
// builds (the same entry points, the same versions).
type Runtime struct {
	Name      string
	Setup     string // the GitHub action that installs the toolchain ("" when the runner has it)
	SetupWith []KV
	Image     [2]string // GitLab: the pinned image (name, version) the jobs run in
	Steps     []Step
}

// KV is an action input; InSource makes Value a path under the service's source folder (action inputs
// are relative to the repository root, not to the job's working directory).
type KV struct {
	Key, Value string
	InSource   bool
}

// Step is one named shell step: Gantry's own text, never a blueprint value. Network marks a step that
// downloads a toolchain or tool, or asks an advisory database; `gantry new`'s tests run every other
// step on each skeleton, offline.
type Step struct {
	Name, Run string
	Network   bool
}

// Steps are the lint and test steps CI runs for a runtime, in order (none for static).
func Steps(runtime string) []Step {
	if r, ok := runtimes[runtime]; ok {
		return slices.Clone(r.Steps)
	}
	return nil
}

// javaBuild compiles src/main/java, then the tests under src/test/java, and runs every class whose
// name ends in Test with assertions on: the JDK alone, as the Dockerfile builds with javac.
const javaBuild = `mkdir -p build
find src/main/java -name '*.java' > build/main.txt
javac -Xlint:all -d build/classes @build/main.txt
if [ -d src/test/java ]; then
  find src/test/java -name '*.java' > build/test.txt
  javac -Xlint:all -d build/test-classes -cp build/classes @build/test.txt
  (cd build/test-classes && find . -name '*Test.class' | sed 's|^\./||; s|\.class$||; s|/|.|g') > build/tests.txt
  while read -r test; do
    java -ea -cp build/classes:build/test-classes "$test"
  done < build/tests.txt
fi
`

var runtimes = map[string]*Runtime{
	"go": {
		Name: "go", Setup: "actions/setup-go",
		SetupWith: []KV{{Key: "go-version-file", Value: "go.mod", InSource: true}, {Key: "cache", Value: "false"}},
		Image:     [2]string{"docker.io/library/golang", "1.26"},
		Steps: []Step{
			{Name: "Vet", Run: "go vet ./..."},
			{Name: "Unit tests", Run: "go test -race ./..."},
			{Name: "Vulnerabilities (govulncheck)", Run: `go run "$GOVULNCHECK" ./...`, Network: true},
		},
	},
	"node": {
		Name: "node", Setup: "actions/setup-node",
		SetupWith: []KV{{Key: "node-version", Value: "22"}},
		Image:     [2]string{"docker.io/library/node", "22"},
		Steps: []Step{
			{Name: "Install", Run: "npm ci --ignore-scripts"},
			{Name: "Lint", Run: "npm run lint --if-present"},
			{Name: "Unit tests", Run: "npm test"},
			{Name: "Dependency audit", Run: "npm audit --omit=dev --audit-level=high", Network: true},
		},
	},
	"python": {
		Name: "python", Setup: "actions/setup-python",
		SetupWith: []KV{{Key: "python-version", Value: "3.12"}},
		Image:     [2]string{"docker.io/library/python", "3.12"},
		Steps: []Step{
			{Name: "Install", Run: "if [ -f requirements.txt ]; then python -m pip install --no-cache-dir -r requirements.txt; fi"},
			{Name: "Compile", Run: "python -m compileall -q ."},
			{Name: "Unit tests", Run: "python -m unittest discover -v"},
		},
	},
	"java": {
		Name: "java", Setup: "actions/setup-java",
		SetupWith: []KV{{Key: "distribution", Value: "temurin"}, {Key: "java-version", Value: "21"}},
		Image:     [2]string{"docker.io/library/eclipse-temurin", "21"},
		Steps:     []Step{{Name: "Build and unit tests", Run: javaBuild}},
	},
	"rust": {
		Name:  "rust",
		Image: [2]string{"docker.io/library/rust", "1.98-slim-trixie"},
		Steps: []Step{
			{Name: "Toolchain", Run: "rustup toolchain install 1.98 --profile minimal --component clippy,rustfmt && rustup default 1.98", Network: true},
			{Name: "Format", Run: "cargo fmt --check"},
			{Name: "Lint", Run: "cargo clippy --locked --all-targets -- -D warnings"},
			{Name: "Unit tests", Run: "cargo test --locked"},
		},
	},
	"dotnet": {
		Name: "dotnet", Setup: "actions/setup-dotnet",
		SetupWith: []KV{{Key: "dotnet-version", Value: "9.0.x"}},
		Image:     [2]string{"mcr.microsoft.com/dotnet/sdk", "9.0"},
		Steps: []Step{
			{Name: "Restore", Run: "dotnet restore", Network: true},
			{Name: "Build", Run: "dotnet build --no-restore -c Release -warnaserror"},
			// gantry new's skeleton keeps its xunit project in tests/, outside the app's project.
			{Name: "Unit tests", Run: "if [ -d tests ]; then dotnet test tests -c Release; else dotnet test --no-build -c Release; fi"},
			{Name: "Vulnerable packages", Network: true, Run: `dotnet list package --vulnerable --include-transitive | tee "${TMPDIR:-/tmp}/vulnerable.txt"; ! grep -q -i 'has the following vulnerable packages' "${TMPDIR:-/tmp}/vulnerable.txt"`},
		},
	},
	// static: nothing to build or test; secret scan, SAST and the image scan still run.
}

// wellFormed parses a rendered pipeline: a template mistake is an error here, never a broken file.
func wellFormed(data []byte) error {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		return fmt.Errorf("generated YAML does not parse: %w", err)
	}
	if len(doc.Content) != 1 || doc.Content[0].Kind != yaml.MappingNode {
		return fmt.Errorf("generated YAML is not one mapping")
	}
	return nil
}
