package blueprints_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/gantry-dev/gantry/blueprints"
	"github.com/gantry-dev/gantry/generators/gentest"
)

// benchService is a full-featured web service that needs no other service, so that loading it alone is
// valid and the benchmark measures the path a clean `gantry validate` takes.
const benchService = `apiVersion: gantry.dev/v1
kind: Service
metadata:
  name: payments
  team: billing
  description: Takes card payments and records them in the ledger.
spec:
  runtime: go
  type: web
  port: 8080
  metricsPort: 9090
  health: {liveness: /livez, readiness: /readyz, startup: /startupz}
  replicas: {min: 2, max: 10, cpu: 70}
  resources: {cpu: 250m, memory: 256Mi, ephemeralStorage: 1Gi}
  env: {LOG_LEVEL: info}
  secrets: [STRIPE_API_KEY]
  dependencies:
    - {name: db, type: postgres}
    - {name: cache, type: redis, size: small}
  ingress: {host: pay.example.com, paths: [/], public: true}
  egress: ["api.stripe.com:443"]
  environments:
    dev: {ingress: {host: pay.dev.example.com}, env: {LOG_LEVEL: debug}}
    staging: {ingress: {host: pay.staging.example.com}}
    prod: {replicas: {min: 3, max: 20}, resources: {cpu: 500m, memory: 512Mi}}
`

func BenchmarkParseValidateOne(b *testing.B) {
	platform, err := os.ReadFile(filepath.Join("examples", "acme", "platform.yaml"))
	if err != nil {
		b.Fatal(err)
	}
	dir := b.TempDir()
	for name, data := range map[string][]byte{"platform.yaml": platform, "payments.yaml": []byte(benchService)} {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			b.Fatal(err)
		}
	}
	opts := blueprints.LoadOptions{Paths: []string{dir}}
	// A benchmark of the error path would measure something else; make sure the input stays valid.
	if _, diags := blueprints.Load(opts); diags.HasErrors(false) {
		b.Fatalf("benchmark blueprint is invalid:\n%v", &blueprints.ValidationError{Diagnostics: diags})
	}
	b.ReportAllocs()
	for b.Loop() {
		blueprints.Load(opts)
	}
}

func BenchmarkParseOne(b *testing.B) {
	data := []byte(benchService)
	if _, diags := blueprints.Parse("payments.yaml", data); len(diags) != 0 {
		b.Fatalf("benchmark blueprint does not parse cleanly: %v", diags)
	}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		blueprints.Parse("payments.yaml", data)
	}
}

func BenchmarkLoadExamples(b *testing.B) {
	opts := blueprints.LoadOptions{Paths: []string{"examples"}}
	if _, diags := blueprints.Load(opts); diags.HasErrors(false) {
		b.Fatalf("examples are invalid:\n%v", &blueprints.ValidationError{Diagnostics: diags})
	}
	b.ReportAllocs()
	for b.Loop() {
		blueprints.Load(opts)
	}
}

// BenchmarkLoadPlatform loads the synthetic platform of 1,000 services the command benchmarks use: what
// every generate, generate --check and validate of a large platform pays before anything else.
func BenchmarkLoadPlatform(b *testing.B) {
	dir := b.TempDir()
	gentest.WriteSynthetic(b, dir, 1000)
	opts := blueprints.LoadOptions{Paths: []string{dir}}
	if _, diags := blueprints.Load(opts); len(diags) > 0 {
		b.Fatalf("synthetic blueprints do not validate:\n%v", diags)
	}
	b.ReportAllocs()
	for b.Loop() {
		blueprints.Load(opts)
	}
}
