package gentest

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gantry-dev/gantry/blueprints"
	"github.com/gantry-dev/gantry/blueprints/catalog"
)

// The catalogues' runtimes and dependency types, in their order.
var (
	runtimes = catalog.RuntimeNames()
	depTypes = catalog.DependencyTypes()
)

// WriteSynthetic writes a platform and n service blueprints into dir: a mix of types, runtimes,
// dependencies and calls (every call matched by the callee's callers), spread over n/10 teams. Every
// fifth service is a worker, cron or job; the others are web services, and each web service calls the
// next two web services, so the zero-trust rules are exercised on both sides.
func WriteSynthetic(tb testing.TB, dir string, n int) {
	tb.Helper()
	if err := Synthetic(dir, n); err != nil {
		tb.Fatal(err)
	}
}

// Synthetic is WriteSynthetic for programs (bench/synthetic): it returns the first write error.
func Synthetic(dir string, n int) error {
	write := func(name, content string) error {
		return os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644)
	}
	if err := write("platform.yaml", syntheticPlatform); err != nil {
		return err
	}
	callees, callers := syntheticCalls(n)
	for i := range n {
		if err := write(syntheticName(i)+".yaml", syntheticService(i, callees[i], callers[i])); err != nil {
			return err
		}
	}
	return nil
}

// syntheticPlatform is the synthetic platform's blueprint.
const syntheticPlatform = `apiVersion: gantry.dev/v1
kind: Platform
metadata: {name: synthetic}
spec:
  registry: ghcr.io/synthetic
  cloud: {provider: aws, region: eu-west-1}
  ci: github
  gitops: {engine: argocd, repoURL: "https://github.com/synthetic/gitops.git", path: deploy}
  mesh: istio
  kubernetesVersion: "1.35"
  environments: [dev, staging, prod]
`

// syntheticType is service i's type: every fifth a worker, cron or job in turn, the others web.
func syntheticType(i int) string {
	if i%5 != 4 {
		return "web"
	}
	return []string{"worker", "cron", "job"}[(i/5)%3]
}

// syntheticCalls returns, for each of the n services, the services it calls and those that call it.
func syntheticCalls(n int) (callees, callers map[int][]int) {
	// webs lists the web services in order; calls and callers are derived from it.
	var webs []int
	for i := range n {
		if syntheticType(i) == "web" {
			webs = append(webs, i)
		}
	}
	callees = map[int][]int{}
	callers = map[int][]int{}
	for k, i := range webs {
		for _, d := range []int{1, 2} {
			if k+d < len(webs) {
				j := webs[k+d]
				callees[i] = append(callees[i], j)
				callers[j] = append(callers[j], i)
			}
		}
	}
	return callees, callers
}

// syntheticName is service i's name.
func syntheticName(i int) string { return fmt.Sprintf("svc-%04d", i) }

// syntheticList is the services' names as a YAML flow sequence.
func syntheticList(ids []int) string {
	var names []string
	for _, j := range ids {
		names = append(names, syntheticName(j))
	}
	return "[" + strings.Join(names, ", ") + "]"
}

// syntheticService is service i's blueprint, given the services it calls and those that call it.
func syntheticService(i int, callees, callers []int) string {
	var b strings.Builder
	typ := syntheticType(i)
	fmt.Fprintf(&b, "apiVersion: gantry.dev/v1\nkind: Service\nmetadata: {name: %s, team: team-%02d}\nspec:\n", syntheticName(i), i/10)
	rt := runtimes[i%len(runtimes)]
	if msg, _ := blueprints.RuntimeTypeProblem(rt, typ); msg != "" {
		rt = "go" // a static site is a web service
	}
	fmt.Fprintf(&b, "  runtime: %s\n  type: %s\n", rt, typ)
	switch typ {
	case "web":
		fmt.Fprintf(&b, "  port: 8080\n  metricsPort: 9090\n  replicas: {min: 2, max: %d}\n", 3+i%5)
		if i%3 == 0 {
			fmt.Fprintf(&b, "  ingress: {host: %s.example.com, public: true}\n", syntheticName(i))
		}
		if len(callers) > 0 {
			fmt.Fprintf(&b, "  callers: %s\n", syntheticList(callers))
		}
	case "cron":
		b.WriteString("  schedule: \"*/10 * * * *\"\n")
	}
	if len(callees) > 0 {
		fmt.Fprintf(&b, "  calls: %s\n", syntheticList(callees))
	}
	fmt.Fprintf(&b, "  env: {LOG_LEVEL: info, FEATURE_%d: \"on\"}\n  secrets: [API_KEY_%d]\n", i, i)
	b.WriteString("  dependencies:\n")
	for k := range 1 + i%3 {
		fmt.Fprintf(&b, "    - {name: dep%d, type: %s}\n", k, depTypes[(i+k)%len(depTypes)])
	}
	b.WriteString("  egress: [\"api.example.com:443\"]\n  environments:\n    prod: {replicas: {min: 3}}\n")
	if typ != "web" && typ != "worker" {
		// replicas do not apply to cron and job services
		return strings.Replace(b.String(), "  environments:\n    prod: {replicas: {min: 3}}\n", "", 1)
	}
	return b.String()
}
