#!/usr/bin/env bash
# Measures whole processes side by side on this machine, several runs each, and prints a Markdown table
# of medians (wall time and peak memory) with ratios:
#   - gantry generate of one service vs `helm template` of the chart `helm create` makes;
#   - gantry generate, generate --check and validate of 1,000 synthetic services vs `cp -r` of the tree;
#   - with the cache of earlier runs (the default) and without it (--no-cache): --check of an unchanged
#     tree, and generate after one blueprint changed.
# kompose is not measured: the Go module proxy refuses github.com/kubernetes/kompose (403).
# Usage: bench/bench.sh [RUNS]   (default 5)
set -euo pipefail
cd "$(dirname "$0")/.."
runs="${1:-5}"
cache="${XDG_CACHE_HOME:-$HOME/.cache}/gantry-tools"
HELM_VERSION=v3.21.4
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
# Gantry's cache of earlier runs goes under the user's cache folder: a folder of the benchmark's own.
export XDG_CACHE_HOME="$work/cache"
log() { printf 'bench: %s\n' "$*" >&2; }

log "building gantry"
go build -o "$work/gantry" ./cmd/gantry
if [ ! -x "$cache/helm-$HELM_VERSION/helm" ]; then
	log "installing helm $HELM_VERSION (a few minutes, once)"
	GOBIN="$cache/helm-$HELM_VERSION" go install "helm.sh/helm/v3/cmd/helm@$HELM_VERSION"
fi
helm="$cache/helm-$HELM_VERSION/helm"

log "preparing inputs"
(cd "$work" && "$helm" create demo >/dev/null)
mkdir -p "$work/one" "$work/many"
cp blueprints/examples/acme/platform.yaml "$work/one/"
# The service `helm create` describes: a web server on one port, exposed, autoscaled.
cat >"$work/one/demo.yaml" <<'YAML'
apiVersion: gantry.dev/v1
kind: Service
metadata: {name: demo, team: web}
spec:
  runtime: go
  type: web
  port: 8080
  replicas: {min: 2, max: 10, cpu: 80}
  ingress: {host: demo.example.com}
  dependencies:
    - {name: db, type: postgres}
YAML
go run ./bench/synthetic "$work/many" 1000
"$work/gantry" generate --quiet "$work/many" -o "$work/many-out"
# The cache trusts a file's metadata once the file has been read at least 2 s after it last changed
# (git's racy-clean rule): one check after a pause, and another pause, make the tree "unchanged since".
sleep 3
"$work/gantry" generate --check --quiet "$work/many" -o "$work/many-out"
sleep 3

# measure NAME CMD...: runs CMD $runs times, records median seconds and median peak KiB.
declare -A wall rss
measure() {
	local name="$1"; shift
	local t=() m=() i out
	for ((i = 0; i < runs; i++)); do
		/usr/bin/time -o "$work/time" -f '%e %M' "$@" >/dev/null 2>&1
		out="$(tail -n 1 "$work/time")"
		t+=("${out% *}"); m+=("${out#* }")
	done
	wall[$name]="$(printf '%s\n' "${t[@]}" | sort -n | sed -n "$(((runs + 1) / 2))p")"
	rss[$name]="$(printf '%s\n' "${m[@]}" | sort -n | sed -n "$(((runs + 1) / 2))p")"
	log "$name: ${wall[$name]} s, ${rss[$name]} KiB"
}

measure "gantry generate (1 service)" bash -c "rm -rf '$work/o1' && '$work/gantry' generate --quiet '$work/one' -o '$work/o1'"
measure "helm template (helm create chart)" "$helm" template demo "$work/demo"
measure "gantry generate (1,000 services)" bash -c "rm -rf '$work/o2' && '$work/gantry' generate --quiet '$work/many' -o '$work/o2'"
measure "gantry generate --check (1,000)" "$work/gantry" generate --check --quiet "$work/many" -o "$work/many-out"
measure "gantry generate --check --no-cache (1,000)" "$work/gantry" generate --check --no-cache --quiet "$work/many" -o "$work/many-out"
# One blueprint changed (its LOG_LEVEL, a new value each run), then generate: what a commit costs.
measure "gantry generate, one of 1,000 changed" bash -c "sed -i \"s/LOG_LEVEL: [a-z0-9]*/LOG_LEVEL: l\$RANDOM/\" '$work/many/svc-0042.yaml' && '$work/gantry' generate --quiet '$work/many' -o '$work/many-out'"
measure "same, --no-cache" bash -c "sed -i \"s/LOG_LEVEL: [a-z0-9]*/LOG_LEVEL: l\$RANDOM/\" '$work/many/svc-0042.yaml' && '$work/gantry' generate --no-cache --quiet '$work/many' -o '$work/many-out'"
measure "gantry validate (1,000)" "$work/gantry" validate "$work/many"
measure "cp -r of the 1,000-service tree" bash -c "rm -rf '$work/o3' && cp -r '$work/many-out' '$work/o3'"

# startup NAME CMD...: milliseconds per start, from 50 starts in a row, median of $runs such rounds.
declare -A start
startup() {
	local name="$1"; shift
	local r=() i j t0 t1
	for ((i = 0; i < runs; i++)); do
		t0="$(date +%s%N)"
		for ((j = 0; j < 50; j++)); do "$@" >/dev/null 2>&1; done
		t1="$(date +%s%N)"
		r+=("$(((t1 - t0) / 50000))")
	done
	start[$name]="$(printf '%s\n' "${r[@]}" | sort -n | sed -n "$(((runs + 1) / 2))p")"
	log "$name: ${start[$name]} µs a start"
}
# The Go runtime's own start: a program that does nothing, built with the same toolchain.
mkdir -p "$work/noop"
printf 'package main\n\nfunc main() {}\n' >"$work/noop/main.go"
(cd "$work/noop" && go mod init noop >/dev/null 2>&1 && go build -o "$work/noop-bin" .)
startup "empty Go program" "$work/noop-bin"
startup "gantry version" "$work/gantry" version
startup "gantry validate (1 service)" "$work/gantry" validate "$work/one"

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "-" }'; }
echo "Machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo); $runs runs each, medians."
echo
echo "| command | wall (s) | peak memory (MiB) |"
echo "| --- | --- | --- |"
for k in "gantry generate (1 service)" "helm template (helm create chart)" "gantry generate (1,000 services)" \
	"gantry generate --check (1,000)" "gantry generate --check --no-cache (1,000)" "gantry generate, one of 1,000 changed" \
	"same, --no-cache" "gantry validate (1,000)" "cp -r of the 1,000-service tree"; do
	printf '| %s | %s | %s |\n' "$k" "${wall[$k]}" "$((${rss[$k]} / 1024))"
done
echo
echo "| start-up | µs a start |"
echo "| --- | --- |"
for k in "empty Go program" "gantry version" "gantry validate (1 service)"; do
	printf '| %s | %s |\n' "$k" "${start[$k]}"
done
echo
echo "gantry/helm wall: $(ratio "${wall["gantry generate (1 service)"]}" "${wall["helm template (helm create chart)"]}");" \
	"generate(1,000)/cp -r: $(ratio "${wall["gantry generate (1,000 services)"]}" "${wall["cp -r of the 1,000-service tree"]}");" \
	"check/generate: $(ratio "${wall["gantry generate --check (1,000)"]}" "${wall["gantry generate (1,000 services)"]}")"
