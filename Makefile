# Gantry's tasks. `make help` lists them.
GO        ?= go
TOOL      := $(GO) tool -modfile=tools/go.mod
BIN       := bin/gantry
FUZZTIME  ?= 60s
# Go minimizes every input that finds new coverage, for up to 60 s each by default, and counts no
# execs meanwhile (golang/go#48820): a 60 s run of FuzzGenerate explored one input. 0 turns it off;
# FUZZMINIMIZE=60s minimizes a crasher before it is written.
FUZZMINIMIZE ?= 0
# Packages whose tests keep golden files: those whose test binary links internal/golden, which
# registers the one -update flag (a test binary without it would refuse the flag).
GOLDEN_PKGS = $(sort $(patsubst %.test,%,$(filter %.test,$(shell $(GO) list -test -f '{{range .Deps}}{{if eq . "github.com/gantry-dev/gantry/internal/golden"}}{{$$.ImportPath}} {{end}}{{end}}' ./...))))

.DEFAULT_GOAL := help

.PHONY: help
help: ## list the targets
	@awk 'BEGIN {FS = ":.*## "} /^[a-z-]+:.*## / {printf "  %-17s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

.PHONY: build
build: ## build bin/gantry
	$(GO) build -o $(BIN) ./cmd/gantry

.PHONY: examples
examples: ## validate the example blueprints and generate their output (Dockerfiles included) into out/examples
	$(GO) run ./cmd/gantry validate blueprints/examples
	$(GO) run ./cmd/gantry generate blueprints/examples -o out/examples --repo out/examples

.PHONY: test
test: lint tools ## run every test, the linters, the golden-file checks and the real checkers (what CI runs)
	$(GO) test -count=1 -timeout 30m ./...

.PHONY: tools
tools: ## install the pinned checkers into ~/.cache/gantry-tools (cold: about 32 minutes on 2 idle cores; then under a second)
	bash hack/install-tools.sh >/dev/null

.PHONY: provider-schemas
provider-schemas: ## build the Terraform providers into a local mirror (cold: about 80 minutes) and refresh their committed schemas
	bash hack/provider-schemas.sh >/dev/null

.PHONY: golden
golden: ## rewrite the golden files and the committed schema and docs (review the diff)
	$(GO) test $(GOLDEN_PKGS) -run 'Golden|Schema|Catalogue|Hostile' -update

.PHONY: lint
lint: ## gofmt, go vet and staticcheck
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	$(TOOL) staticcheck ./...
	cd tools && $(GO) vet ./... && $(GO) tool staticcheck ./...

.PHONY: fuzz
fuzz: ## run each fuzzer for FUZZTIME (default 60s), without minimizing (FUZZMINIMIZE=60s to minimize)
	$(GO) test ./blueprints -run '^$$' -fuzz '^FuzzParse$$' -fuzztime $(FUZZTIME) -fuzzminimizetime $(FUZZMINIMIZE)
	$(GO) test ./blueprints -run '^$$' -fuzz '^FuzzLoad$$' -fuzztime $(FUZZTIME) -fuzzminimizetime $(FUZZMINIMIZE)
	$(GO) test ./blueprints -run '^$$' -fuzz '^FuzzPlaceholders$$' -fuzztime $(FUZZTIME) -fuzzminimizetime $(FUZZMINIMIZE)
	$(GO) test ./generators/render -run '^$$' -fuzz '^FuzzStringsRoundTrip$$' -fuzztime $(FUZZTIME) -fuzzminimizetime $(FUZZMINIMIZE)
	$(GO) test ./generators/render -run '^$$' -fuzz '^FuzzDecodeTree$$' -fuzztime $(FUZZTIME) -fuzzminimizetime $(FUZZMINIMIZE)
	$(GO) test ./generators/render -run '^$$' -fuzz '^FuzzEmitter$$' -fuzztime $(FUZZTIME) -fuzzminimizetime $(FUZZMINIMIZE)
	$(GO) test ./generators/render -run '^$$' -fuzz '^FuzzQuote$$' -fuzztime $(FUZZTIME) -fuzzminimizetime $(FUZZMINIMIZE)
	$(GO) test ./cmd/cli -run '^$$' -fuzz '^FuzzGenerate$$' -fuzztime $(FUZZTIME) -fuzzminimizetime $(FUZZMINIMIZE)
	$(GO) test ./generators -run '^$$' -fuzz '^FuzzWritePath$$' -fuzztime $(FUZZTIME) -fuzzminimizetime $(FUZZMINIMIZE)
	$(GO) test ./generators -run '^$$' -fuzz '^FuzzRecord$$' -fuzztime $(FUZZTIME) -fuzzminimizetime $(FUZZMINIMIZE)
	$(GO) test ./generators -run '^$$' -fuzz '^FuzzCacheFile$$' -fuzztime $(FUZZTIME) -fuzzminimizetime $(FUZZMINIMIZE)
	$(GO) test ./generators -run '^$$' -fuzz '^FuzzDecodeManifest$$' -fuzztime $(FUZZTIME) -fuzzminimizetime $(FUZZMINIMIZE)
	$(GO) test ./generators/terraform -run '^$$' -fuzz '^FuzzFormatTokens$$' -fuzztime $(FUZZTIME) -fuzzminimizetime $(FUZZMINIMIZE)
	$(GO) test ./generators/ci -run '^$$' -fuzz '^FuzzCIPaths$$' -fuzztime $(FUZZTIME) -fuzzminimizetime $(FUZZMINIMIZE)
	$(GO) test ./internal/importer -run '^$$' -fuzz '^FuzzImportCompose$$' -fuzztime $(FUZZTIME) -fuzzminimizetime $(FUZZMINIMIZE)
	$(GO) test ./internal/importer -run '^$$' -fuzz '^FuzzImportScore$$' -fuzztime $(FUZZTIME) -fuzzminimizetime $(FUZZMINIMIZE)
	$(GO) test ./internal/importer -run '^$$' -fuzz '^FuzzComposeReader$$' -fuzztime $(FUZZTIME) -fuzzminimizetime $(FUZZMINIMIZE)

.PHONY: bench
bench: ## time whole processes against helm and cp -r (bench/bench.sh; results in bench/README.md)
	bash bench/bench.sh

.PHONY: gobench
gobench: ## run the Go benchmarks
	$(GO) test ./... -run '^$$' -bench . -benchmem

.PHONY: clean
clean: ## remove build output
	rm -rf bin
