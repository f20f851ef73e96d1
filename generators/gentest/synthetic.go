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
	var werr error
	write := func(name, content string) {
		if werr == nil {
			werr = os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644)
		}
	}
	write("platform.yaml", `apiVersion: gantry.dev/v1
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
`)
	typ := func(i int) string {
		if i%5 != 4 {
			return "web"
		}
		return []string{"worker", "cron", "job"}[(i/5)%3]
	}
	// webs lists the web services in order; calls and callers are derived from it.
	var webs []int
	for i := range n {
		if typ(i) == "web" {
			webs = append(webs, i)
		}
	}
	callees := map[int][]int{}
	callers := map[int][]int{}
	for k, i := range webs {
		for _, d := range []int{1, 2} {
			if k+d < len(webs) {
				j := webs[k+d]
				callees[i] = append(callees[i], j)
				callers[j] = append(callers[j], i)
			}
		}
	}
	name := func(i int) string { return fmt.Sprintf("svc-%04d", i) }
	list := func(ids []int) string {
		var names []string
		for _, j := range ids {
			names = append(names, name(j))
		}
		return "[" + strings.Join(names, ", ") + "]"
	}
	for i := range n {
		var b strings.Builder
		fmt.Fprintf(&b, "apiVersion: gantry.dev/v1\nkind: Service\nmetadata: {name: %s, team: team-%02d}\nspec:\n", name(i), i/10)
		rt := runtimes[i%len(runtimes)]
		if msg, _ := blueprints.RuntimeTypeProblem(rt, typ(i)); msg != "" {
			rt = "go" // a static site is a web service
		}
		fmt.Fprintf(&b, "  runtime: %s\n  type: %s\n", rt, typ(i))
		switch typ(i) {
		case "web":
			fmt.Fprintf(&b, "  port: 8080\n  metricsPort: 9090\n  replicas: {min: 2, max: %d}\n", 3+i%5)
			if i%3 == 0 {
				fmt.Fprintf(&b, "  ingress: {host: %s.example.com, public: true}\n", name(i))
			}
			if len(callers[i]) > 0 {
				fmt.Fprintf(&b, "  callers: %s\n", list(callers[i]))
			}
		case "cron":
			b.WriteString("  schedule: \"*/10 * * * *\"\n")
		}
		if len(callees[i]) > 0 {
			fmt.Fprintf(&b, "  calls: %s\n", list(callees[i]))
		}
		fmt.Fprintf(&b, "  env: {LOG_LEVEL: info, FEATURE_%d: \"on\"}\n  secrets: [API_KEY_%d]\n", i, i)
		b.WriteString("  dependencies:\n")
		for k := range 1 + i%3 {
			fmt.Fprintf(&b, "    - {name: dep%d, type: %s}\n", k, depTypes[(i+k)%len(depTypes)])
		}
		b.WriteString("  egress: [\"api.example.com:443\"]\n  environments:\n    prod: {replicas: {min: 3}}\n")
		if typ(i) != "web" && typ(i) != "worker" {
			// replicas do not apply to cron and job services
			s := strings.Replace(b.String(), "  environments:\n    prod: {replicas: {min: 3}}\n", "", 1)
			b.Reset()
			b.WriteString(s)
		}
		write(name(i)+".yaml", b.String())
	}
	return werr
}
