#!/usr/bin/env bash
# Copies the CustomResourceDefinitions Gantry's manifests use out of pinned Go modules on the
# module proxy into
#
#   ${XDG_CACHE_HOME:-$HOME/.cache}/gantry-tools/crds/<project>-<version>/
#
# and prints each such folder, one a line. A project already there (same module and files) is not copied again.
# Each folder also gets schemas/<group>/<kind>_<version>.json, the CRDs' schemas converted for
# kubeconform by tools/kubeschemas -crd; use them as
#   kubeconform -schema-location 'FOLDER/schemas/{{ .Group }}/{{ .ResourceKind }}_{{ .ResourceAPIVersion }}.json'
#
# Usage: hack/crds.sh [PROJECT]...   (default: all of them; PROJECT as in the table below)
#
# Linkerd (Server, MeshTLSAuthentication, AuthorizationPolicy) is not here: its CRDs live only in
# github.com/linkerd/linkerd2's Helm chart (charts/linkerd-crds), and the module proxy serves no
# usable version of that module (its release tags are not semver; it answers 403 for the rest).
set -euo pipefail

# project | module@version | files inside the module (for a *.gen.yaml bundle: bundle:CRD-name,...)
TABLE='
argo-cd             github.com/argoproj/argo-cd/v3@v3.6.1                     manifests/crds/application-crd.yaml manifests/crds/appproject-crd.yaml manifests/crds/applicationset-crd.yaml
flux-source         github.com/fluxcd/source-controller@v1.10.1               config/crd/bases/source.toolkit.fluxcd.io_gitrepositories.yaml
flux-kustomize      github.com/fluxcd/kustomize-controller@v1.10.1            config/crd/bases/kustomize.toolkit.fluxcd.io_kustomizations.yaml
external-secrets    github.com/external-secrets/external-secrets@v1.3.2       config/crds/bases/external-secrets.io_externalsecrets.yaml config/crds/bases/external-secrets.io_secretstores.yaml config/crds/bases/external-secrets.io_clustersecretstores.yaml config/crds/bases/generators.external-secrets.io_passwords.yaml
istio               istio.io/api@v1.31.1                                      kubernetes/customresourcedefinitions.gen.yaml:peerauthentications.security.istio.io,authorizationpolicies.security.istio.io,serviceentries.networking.istio.io
prometheus-operator github.com/prometheus-operator/prometheus-operator@v0.94.0 example/prometheus-operator-crd/monitoring.coreos.com_servicemonitors.yaml example/prometheus-operator-crd/monitoring.coreos.com_podmonitors.yaml example/prometheus-operator-crd/monitoring.coreos.com_prometheusrules.yaml
keda                github.com/kedacore/keda/v2@v2.21.0                       config/crd/bases/keda.sh_scaledobjects.yaml config/crd/bases/keda.sh_triggerauthentications.yaml
gateway-api         sigs.k8s.io/gateway-api@v1.7.0                            config/crd/standard/gateway.networking.k8s.io_gatewayclasses.yaml config/crd/standard/gateway.networking.k8s.io_gateways.yaml config/crd/standard/gateway.networking.k8s.io_httproutes.yaml
'

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cache="${XDG_CACHE_HOME:-$HOME/.cache}/gantry-tools/crds"

log() { printf 'crds: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

case "${1:-}" in -h | --help) sed -n '2,16p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;; esac
command -v go >/dev/null || die "go is not on PATH"

# Several of these modules declare `go 1.27`; `go mod download` refuses them under
# GOTOOLCHAIN=local, so let it fetch that toolchain from the module proxy (once, into GOMODCACHE).
# Only their module zips are downloaded; nothing of them is built.
user_goflags="${GOFLAGS:-}"
export GOWORK=off GOFLAGS="$user_goflags -mod=mod" GOTOOLCHAIN="${CRDS_GOTOOLCHAIN:-auto}"
scratch="$(mktemp -d "${TMPDIR:-/tmp}/crds.XXXXXX")"
trap 'rm -rf "$scratch"' EXIT

projects=()
while read -r p _; do [ -n "$p" ] && projects+=("$p"); done <<<"$TABLE"
wanted=("$@")
[ ${#wanted[@]} -gt 0 ] || wanted=("${projects[@]}")

# extract_crds BUNDLE NAMES OUTDIR: writes each named CRD of a multi-document file as
# OUTDIR/<group>_<plural>.yaml, the controller-gen file name.
extract_crds() {
	local bundle="$1" names="$2" out="$3"
	awk -v names=",$names," -v out="$out" '
		function flush() {
			if (name != "" && index(names, "," name ",")) {
				split(name, p, "."); group = substr(name, length(p[1]) + 2)
				file = out "/" group "_" p[1] ".yaml"
				printf "%s", doc > file; close(file); found = found + 1
			}
			doc = ""; name = ""
		}
		/^---/ { flush(); next }
		/^  name: / && name == "" { name = $2 }
		{ doc = doc $0 "\n" }
		END { flush(); print found + 0 }
	' "$bundle"
}

mkdir -p "$cache"
for want in "${wanted[@]}"; do
	line="$(awk -v p="$want" '$1 == p' <<<"$TABLE")"
	[ -n "$line" ] || die "unknown project: $want (one of: ${projects[*]})"
	read -r project modver files <<<"$line"
	version="${modver##*@}"
	dest="$cache/$project-$version"
	# .complete records what was copied, so editing a project's file list re-copies it.
	stamp="$modver $files"
	if [ "$(cat "$dest/.complete" 2>/dev/null)" != "$stamp" ]; then
		(
			flock 9
			[ "$(cat "$dest/.complete" 2>/dev/null)" = "$stamp" ] && exit 0
			json="$(cd "$scratch" && go mod download -json "$modver")" || die "go mod download $modver failed: $json"
			dir="$(printf '%s\n' "$json" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",\{0,1\}$/\1/p')"
			if [ -z "$dir" ] || [ ! -d "$dir" ]; then die "no Dir for $modver in: $json"; fi
			tmp="$(mktemp -d "$cache/.tmp-$project.XXXXXX")"
			for f in $files; do
				case "$f" in
				*:*)
					n="$(extract_crds "$dir/${f%%:*}" "${f#*:}" "$tmp")"
					[ "$n" -eq "$(tr ',' '\n' <<<"${f#*:}" | wc -l)" ] || die "$modver: found $n of ${f#*:} in ${f%%:*}"
					;;
				*)
					[ -f "$dir/$f" ] || die "$modver has no $f"
					cp "$dir/$f" "$tmp/"
					;;
				esac
			done
			chmod 755 "$tmp"
			chmod 644 "$tmp"/*
			if [ ! -x "$scratch/kubeschemas" ]; then
				(cd "$here/../tools" && GOTOOLCHAIN=local GOFLAGS="$user_goflags -mod=readonly" go build -o "$scratch/kubeschemas" ./kubeschemas)
			fi
			"$scratch/kubeschemas" -q -crd -out "$tmp/schemas" "$tmp"/*.yaml
			printf '%s\n' "$stamp" >"$tmp/.complete"
			rm -rf "$dest"
			mv "$tmp" "$dest"
			log "$project $version: $(cd "$dest" && echo *.yaml)"
		) 9>"$cache/.lock-$project"
	fi
	echo "$dest"
done
