package catalog

import "slices"

// Image is a container image by name and version (tag); templates/ci/pins.yaml pins each by digest.
type Image struct{ Name, Version string }

// KV is a GitHub setup action's input; InSource makes Value a path under the service's source folder
// (action inputs are relative to the repository root, not to the job's working directory). IfPresent
// (with InSource) passes that path only when the file exists in the checkout, else an empty input,
// which the action ignores (hashFiles in the workflow: the file is the user's, optional).
type KV struct {
	Key, Value string
	InSource   bool
	IfPresent  bool
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

// javaFiles are the files that make a Java source folder a Gradle or Maven build: then javaTool builds
// it and javaBuild does nothing; without them javaBuild builds it with the JDK alone, as gantry new's
// skeleton and the Dockerfile do.
const javaFiles = `[ -f gradlew ] || [ -f build.gradle ] || [ -f build.gradle.kts ] || [ -f settings.gradle ] || [ -f settings.gradle.kts ] || [ -f pom.xml ]`

// javaTool builds and tests a Gradle or Maven project with its own tool: the wrapper when the project
// has one (it downloads the distribution its properties pin, so it works in any JDK image), else a
// gradle or mvn on PATH. eclipse-temurin, GitLab's image, has neither; GitHub's ubuntu-24.04 runner has both
// (actions/runner-images lists them), of its version, not the project's. Without one the step fails,
// asking for the wrapper.
// The wrappers run through sh, so a checkout that lost their executable bit still builds.
const javaTool = `if [ -f gradlew ]; then
  sh ./gradlew --no-daemon build
elif [ -f build.gradle ] || [ -f build.gradle.kts ] || [ -f settings.gradle ] || [ -f settings.gradle.kts ]; then
  if ! command -v gradle >/dev/null 2>&1; then
    echo "a Gradle build without the Gradle wrapper, and no gradle on PATH: run gradle wrapper and commit gradlew and gradle/wrapper/" >&2
    exit 1
  fi
  gradle --no-daemon build
elif [ -f pom.xml ]; then
  if [ -f mvnw ]; then
    sh ./mvnw -B verify
  elif command -v mvn >/dev/null 2>&1; then
    mvn -B verify
  else
    echo "a Maven build without the Maven wrapper, and no mvn on PATH: run mvn wrapper:wrapper and commit mvnw and .mvn/wrapper/" >&2
    exit 1
  fi
else
  echo "no Gradle or Maven build: built with javac"
fi
`

// javaBuild compiles src/main/java, then the tests under src/test/java, and runs every class whose
// name ends in Test with assertions on: the JDK alone, as the Dockerfile builds with javac. It runs
// only when javaTool found no Gradle or Maven build.
const javaBuild = `if ` + javaFiles + `; then
  echo "built with Gradle or Maven"
else
  mkdir -p build
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
			// A project without a test script passes (npm test alone fails: Missing script).
			{Name: "Unit tests", Run: "npm run test --if-present"},
			{Name: "Dependency audit", Run: "npm audit --omit=dev --audit-level=high", Network: true},
		}},
	{Name: "python", Build: Image{"docker.io/library/python", "3.12"}, Final: Image{"gcr.io/distroless/python3-debian12", "nonroot"},
		Setup: "actions/setup-python", SetupWith: []KV{{Key: "python-version", Value: "3.12"}},
		Steps: []Step{
			{Name: "Install", Run: "if [ -f requirements.txt ]; then python -m pip install --no-cache-dir -r requirements.txt; fi"},
			{Name: "Compile", Run: "python -m compileall -q ."},
			// Exit status 5 is unittest's "no tests ran" (Python 3.12): a project without tests passes;
			// every other failure fails.
			{Name: "Unit tests", Run: `python -m unittest discover -v || [ "$?" -eq 5 ]`},
		}},
	{Name: "java", Build: Image{"docker.io/library/eclipse-temurin", "21"}, Final: Image{"gcr.io/distroless/java21-debian12", "nonroot"},
		Setup:     "actions/setup-java",
		SetupWith: []KV{{Key: "distribution", Value: "temurin"}, {Key: "java-version", Value: "21"}},
		// The Gradle or Maven step downloads (the wrapper's distribution, the dependencies), so the
		// offline skeleton test skips it; the javac step then builds the skeleton.
		Steps: []Step{
			{Name: "Build and unit tests (Gradle or Maven)", Run: javaTool, Network: true},
			{Name: "Build and unit tests (javac)", Run: javaBuild},
		}},
	{Name: "rust", Build: Image{"docker.io/library/rust", "1.98-slim-trixie"}, Final: Image{"gcr.io/distroless/base-debian12", "nonroot"},
		Steps: []Step{
			{Name: "Toolchain", Run: "rustup toolchain install 1.98 --profile minimal --component clippy,rustfmt && rustup default 1.98", Network: true},
			{Name: "Format", Run: "cargo fmt --check"},
			{Name: "Lint", Run: "cargo clippy --locked --all-targets -- -D warnings"},
			{Name: "Unit tests", Run: "cargo test --locked"},
		}},
	{Name: "dotnet", Build: Image{"mcr.microsoft.com/dotnet/sdk", "9.0"}, Final: Image{"mcr.microsoft.com/dotnet/aspnet", "9.0-noble-chiseled"},
		// GitHub: setup-dotnet installs the catalogue's SDK and, when the source folder has a global.json,
		// the SDK it names too (global-json-file adds a version; the dotnet CLI, run in the source folder,
		// picks the global.json one). GitLab's jobs run in the catalogue's SDK image whatever global.json
		// says (the image is the one the Dockerfile builds in): a project pinning a newer SDK fails there.
		Setup: "actions/setup-dotnet", SetupWith: []KV{{Key: "dotnet-version", Value: "9.0.x"}, {Key: "global-json-file", Value: "global.json", InSource: true, IfPresent: true}},
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
