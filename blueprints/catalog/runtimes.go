package catalog

import "slices"

// Image is a container image by name and version (tag); templates/ci/pins.yaml pins each by digest.
type Image struct{ Name, Version string }

// KV is a GitHub setup action's input; InSource makes Value a path under the service's source folder
// (action inputs are relative to the repository root, not to the job's working directory).
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

// Runtime is one row of the runtime catalogue: how a service of the runtime is built, linted, tested
// and scaffolded. The Dockerfile's build stage and CI's jobs use the same Build image, so the version
// lives here once; gantry new's skeleton is templates/scaffold/<Name>.
type Runtime struct {
	Name      string
	Build     Image  // the Dockerfile's build stage, and the image GitLab's jobs run in
	Final     Image  // the Dockerfile's final stage (distroless, non-root)
	Setup     string // the GitHub action that installs the toolchain ("" when the runner has it)
	SetupWith []KV
	Steps     []Step // lint and test, in order; none for a runtime with nothing to lint or test
	// Types limits the service types the runtime makes (nil: every type), and Makes says what it makes
	// then, for the message that refuses another type.
	Types []string
	Makes string
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

// GoVersion is the Go toolchain of the Go runtime's image: Gantry's own tools run in it in CI too.
const GoVersion = "1.26"

var runtimes = []Runtime{
	{Name: "go", Build: Image{"docker.io/library/golang", GoVersion}, Final: Image{"gcr.io/distroless/static-debian12", "nonroot"},
		Setup:     "actions/setup-go",
		SetupWith: []KV{{Key: "go-version-file", Value: "go.mod", InSource: true}, {Key: "cache", Value: "false"}},
		Steps: []Step{
			{Name: "Vet", Run: "go vet ./..."},
			{Name: "Unit tests", Run: "go test -race ./..."},
			{Name: "Vulnerabilities (govulncheck)", Run: `go run "$GOVULNCHECK" ./...`, Network: true},
		}},
	{Name: "node", Build: Image{"docker.io/library/node", "22"}, Final: Image{"gcr.io/distroless/nodejs22-debian12", "nonroot"},
		Setup: "actions/setup-node", SetupWith: []KV{{Key: "node-version", Value: "22"}},
		Steps: []Step{
			{Name: "Install", Run: "npm ci --ignore-scripts"},
			{Name: "Lint", Run: "npm run lint --if-present"},
			{Name: "Unit tests", Run: "npm test"},
			{Name: "Dependency audit", Run: "npm audit --omit=dev --audit-level=high", Network: true},
		}},
	{Name: "python", Build: Image{"docker.io/library/python", "3.12"}, Final: Image{"gcr.io/distroless/python3-debian12", "nonroot"},
		Setup: "actions/setup-python", SetupWith: []KV{{Key: "python-version", Value: "3.12"}},
		Steps: []Step{
			{Name: "Install", Run: "if [ -f requirements.txt ]; then python -m pip install --no-cache-dir -r requirements.txt; fi"},
			{Name: "Compile", Run: "python -m compileall -q ."},
			{Name: "Unit tests", Run: "python -m unittest discover -v"},
		}},
	{Name: "java", Build: Image{"docker.io/library/eclipse-temurin", "21"}, Final: Image{"gcr.io/distroless/java21-debian12", "nonroot"},
		Setup:     "actions/setup-java",
		SetupWith: []KV{{Key: "distribution", Value: "temurin"}, {Key: "java-version", Value: "21"}},
		Steps:     []Step{{Name: "Build and unit tests", Run: javaBuild}}},
	{Name: "rust", Build: Image{"docker.io/library/rust", "1.98-slim-trixie"}, Final: Image{"gcr.io/distroless/base-debian12", "nonroot"},
		Steps: []Step{
			{Name: "Toolchain", Run: "rustup toolchain install 1.98 --profile minimal --component clippy,rustfmt && rustup default 1.98", Network: true},
			{Name: "Format", Run: "cargo fmt --check"},
			{Name: "Lint", Run: "cargo clippy --locked --all-targets -- -D warnings"},
			{Name: "Unit tests", Run: "cargo test --locked"},
		}},
	{Name: "dotnet", Build: Image{"mcr.microsoft.com/dotnet/sdk", "9.0"}, Final: Image{"mcr.microsoft.com/dotnet/aspnet", "9.0-noble-chiseled"},
		Setup: "actions/setup-dotnet", SetupWith: []KV{{Key: "dotnet-version", Value: "9.0.x"}},
		Steps: []Step{
			{Name: "Restore", Run: "dotnet restore", Network: true},
			{Name: "Build", Run: "dotnet build --no-restore -c Release -warnaserror"},
			// gantry new's skeleton keeps its xunit project in tests/, outside the app's project.
			{Name: "Unit tests", Run: "if [ -d tests ]; then dotnet test tests -c Release; else dotnet test --no-build -c Release; fi"},
			{Name: "Vulnerable packages", Network: true, Run: `dotnet list package --vulnerable --include-transitive | tee "${TMPDIR:-/tmp}/vulnerable.txt"; ! grep -q -i 'has the following vulnerable packages' "${TMPDIR:-/tmp}/vulnerable.txt"`},
		}},
	// static: a file server Gantry builds in Go; nothing of the user's to lint or test (secret scan,
	// SAST and the image scan still run).
	{Name: "static", Build: Image{"docker.io/library/golang", GoVersion}, Final: Image{"gcr.io/distroless/static-debian12", "nonroot"},
		Types: []string{"web"}, Makes: "a site served over HTTP"},
}

// Runtimes returns the runtime catalogue, in the order the docs list the runtimes.
func Runtimes() []Runtime { return slices.Clone(runtimes) }

// RuntimeNames lists the runtimes: the allowed values of spec.runtime.
func RuntimeNames() []string {
	var out []string
	for _, r := range runtimes {
		out = append(out, r.Name)
	}
	return out
}

// LookupRuntime returns the row of a runtime.
func LookupRuntime(name string) (Runtime, bool) {
	i := slices.IndexFunc(runtimes, func(r Runtime) bool { return r.Name == name })
	if i < 0 {
		return Runtime{}, false
	}
	return runtimes[i], true
}
