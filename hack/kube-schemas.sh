#!/usr/bin/env bash
# Generates kubeconform's "standalone-strict" JSON schemas for one Kubernetes release from the
# OpenAPI document that ships in the k8s.io/kubernetes module on the Go module proxy, into
#
#   ${XDG_CACHE_HOME:-$HOME/.cache}/gantry-tools/kube-schemas/v1.NN.N-standalone-strict/
#
# and prints that directory. A release already there is not generated again.
#
# Usage: hack/kube-schemas.sh [--check] VERSION
#   VERSION  1.NN (uses the patch pinned below), or 1.NN.N / v1.NN.N (exactly that release).
#            A minor missing from the table resolves to its newest patch on the proxy (with a warning).
#   --check  print the pinned patch and the proxy's newest patch for every pinned minor, and exit.
#
# Use it with kubeconform as
#   kubeconform -strict -kubernetes-version 1.NN.N \
#     -schema-location "$(dirname "$(hack/kube-schemas.sh 1.NN)")/{{ .NormalizedKubernetesVersion }}-standalone{{ .StrictSuffix }}/{{ .ResourceKind }}{{ .KindSuffix }}.json"
set -euo pipefail

# Pinned patch release per minor; keep 1.35 in step with KUBE_VERSION in hack/install-tools.sh.
pinned() {
	case "$1" in
	1.34) echo v1.34.4 ;;
	1.35) echo v1.35.4 ;;
	1.36) echo v1.36.3 ;;
	*) return 1 ;;
	esac
}
PINNED_MINORS="1.34 1.35 1.36"

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
tools_dir="$here/../tools"
cache="${XDG_CACHE_HOME:-$HOME/.cache}/gantry-tools/kube-schemas"

log() { printf 'kube-schemas: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }
usage() { sed -n '2,17p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; }

command -v go >/dev/null || die "go is not on PATH"
user_goflags="${GOFLAGS:-}"
export GOWORK=off GOFLAGS="$user_goflags -mod=mod"
scratch="$(mktemp -d "${TMPDIR:-/tmp}/kube-schemas.XXXXXX")"
trap 'rm -rf "$scratch"' EXIT

# newest_patch 1.NN: the newest v1.NN.x of k8s.io/kubernetes the proxy serves.
newest_patch() { (cd "$scratch" && go list -m -f '{{.Version}}' "k8s.io/kubernetes@v$1"); }

case "${1:-}" in
-h | --help) usage; exit 0 ;;
--check)
	for m in $PINNED_MINORS; do
		printf '%s pinned=%s newest=%s\n' "$m" "$(pinned "$m")" "$(newest_patch "$m")"
	done
	exit 0
	;;
"") usage >&2; exit 2 ;;
esac
[ $# -eq 1 ] || { usage >&2; exit 2; }

arg="${1#v}"
if [[ "$arg" =~ ^1\.[0-9]+$ ]]; then
	if ! version="$(pinned "$arg")"; then
		version="$(newest_patch "$arg")" || die "k8s.io/kubernetes has no v$arg.x on the proxy"
		log "warning: $arg is not pinned in $0; using the proxy's newest patch $version"
	fi
elif [[ "$arg" =~ ^1\.[0-9]+\.[0-9]+$ ]]; then
	version="v$arg"
else
	die "VERSION must look like 1.35 or 1.35.4, not '$1'"
fi

dest="$cache/$version-standalone-strict"
if [ -f "$dest/deployment-apps-v1.json" ]; then
	echo "$dest"
	exit 0
fi

mkdir -p "$cache"
exec 9>"$cache/.lock-$version"
flock 9
if [ ! -f "$dest/deployment-apps-v1.json" ]; then
	start=$SECONDS
	log "downloading k8s.io/kubernetes@$version (module zip only, no build)"
	json="$(cd "$scratch" && go mod download -json "k8s.io/kubernetes@$version")" || die "go mod download k8s.io/kubernetes@$version failed: $json"
	dir="$(printf '%s\n' "$json" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",\{0,1\}$/\1/p')"
	swagger="$dir/api/openapi-spec/swagger.json"
	[ -f "$swagger" ] || die "no api/openapi-spec/swagger.json in k8s.io/kubernetes@$version ($dir)"

	log "building the converter (tools/kubeschemas)"
	(cd "$tools_dir" && GOFLAGS="$user_goflags -mod=readonly" go build -o "$scratch/kubeschemas" ./kubeschemas)

	tmp="$(mktemp -d "$cache/.tmp-$version.XXXXXX")"
	"$scratch/kubeschemas" -q -in "$swagger" -out "$tmp"
	[ -f "$tmp/deployment-apps-v1.json" ] || die "converter wrote no deployment-apps-v1.json"
	chmod 755 "$tmp"
	rm -rf "$dest"
	mv "$tmp" "$dest"
	log "wrote $(find "$dest" -name '*.json' | wc -l) schemas for $version in $((SECONDS - start))s"
fi
echo "$dest"
