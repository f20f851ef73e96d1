#!/usr/bin/env bash
# Installs the pinned checker binaries that Gantry's tests run against the manifests it
# generates, into a cache outside the repo keyed by tool and version:
#
#   ${XDG_CACHE_HOME:-$HOME/.cache}/gantry-tools/<tool>-<version>/<binary>
#
# Everything is built from the Go module proxy (or, for etcd, installed from Debian), so it
# needs no other network access. A tool that is already cached is not rebuilt.
#
# Usage: hack/install-tools.sh [--only NAME]...   NAME: trivy | kube-apiserver | kubectl | etcd | kube-schemas | crds | terraform | tflint
#
# stdout carries only `name=path` lines, one per tool, for a test helper to read (kube-schemas:
# hack/kube-schemas.sh's folder for KUBE_VERSION; crds: one `crds/<project>=folder` line per
# project of hack/crds.sh); progress and timings go to stderr.
set -euo pipefail

# Pinned versions. KUBE_VERSION must be the 1.35 entry of hack/kube-schemas.sh's table.
TRIVY_VERSION=v0.74.0
KUBE_VERSION=v1.35.4
# Debian bookworm's etcd-server; used if the exact version is no longer served, with a warning.
ETCD_DEB_VERSION=3.4.23-4+b4
# Newest served by the module proxy (v1.16.5+, v1.17.0 and tflint v0.64.1+ answer 403); see tools/README.md.
TERRAFORM_VERSION=v1.16.4
TFLINT_VERSION=v0.64.0

ALL_TOOLS=(trivy kube-apiserver kubectl etcd kube-schemas crds terraform tflint)

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cache="${XDG_CACHE_HOME:-$HOME/.cache}/gantry-tools"

log() { printf 'install-tools: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

only=()
while [ $# -gt 0 ]; do
	case "$1" in
	--only) [ $# -ge 2 ] || die "--only needs a NAME"; only+=("$2"); shift 2 ;;
	--only=*) only+=("${1#--only=}"); shift ;;
	-h | --help) sed -n '2,14p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) die "unknown argument: $1 (see --help)" ;;
	esac
done
[ ${#only[@]} -gt 0 ] || only=("${ALL_TOOLS[@]}")
for t in "${only[@]}"; do
	case " ${ALL_TOOLS[*]} " in *" $t "*) ;; *) die "unknown tool: $t (one of: ${ALL_TOOLS[*]})" ;; esac
done

command -v go >/dev/null || die "go is not on PATH"
mkdir -p "$cache"

# Builds run in a scratch module dir; no go.work from a parent dir, no vendoring.
export GOWORK=off GOFLAGS="${GOFLAGS:-} -mod=mod"
# Keep other work on the machine responsive while a multi-minute build runs.
nice_cmd=(nice -n 10)

# moddir MODULE VERSION: downloads the module zip (no build) and prints its read-only Dir.
moddir() {
	local json dir
	json="$(cd "$scratch_root" && go mod download -json "$1@$2")" || die "go mod download $1@$2 failed: $json"
	dir="$(printf '%s\n' "$json" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",\{0,1\}$/\1/p')"
	if [ -z "$dir" ] || [ ! -d "$dir" ]; then die "no Dir for $1@$2 in: $json"; fi
	printf '%s\n' "$dir"
}

# writable_copy SRC: copies a module dir into a fresh scratch dir and prints its path.
writable_copy() {
	local dst
	if [ -z "$1" ] || [ ! -f "$1/go.mod" ]; then die "not a module dir: '$1'"; fi
	dst="$(mktemp -d "$scratch_root/src.XXXXXX")"
	cp -R "$1/." "$dst/"
	chmod -R u+w "$dst"
	printf '%s\n' "$dst"
}

# with_lock NAME CMD...: serialises concurrent installs of the same tool (e.g. parallel go test packages).
with_lock() {
	local name="$1"; shift
	(
		flock 9
		"$@"
	) 9>"$cache/.lock-$name"
}

# finish NAME BIN DEST [ARG...]: verifies a freshly built binary (`BIN ARG...`, default --version),
# then moves it into its cache dir atomically.
finish() {
	local name="$1" bin="$2" dest="$3" tmp
	shift 3
	[ $# -gt 0 ] || set -- --version
	"$bin" "$@" >&2 || die "$name: built binary does not run: $bin $*"
	tmp="$(mktemp -d "$cache/.tmp-$name.XXXXXX")"
	mv "$bin" "$tmp/$name"
	rm -rf "$dest"
	mv "$tmp" "$dest"
}

install_trivy() {
	local dest="$cache/trivy-$TRIVY_VERSION" mod src start
	[ -x "$dest/trivy" ] && return 0
	start=$SECONDS
	log "building trivy $TRIVY_VERSION (about 6 min, 3.5 GiB of memory)"
	mod="$(moddir github.com/aquasecurity/trivy "$TRIVY_VERSION")"
	src="$(writable_copy "$mod")"
	# Same flags as trivy's magefile; its misconfiguration checks are embedded in the binary,
	# so `trivy config --skip-check-update` works offline.
	(cd "$src" && CGO_ENABLED=0 GOEXPERIMENT=jsonv2 "${nice_cmd[@]}" go build -trimpath \
		-ldflags "-s -w -X=github.com/aquasecurity/trivy/pkg/version/app.ver=${TRIVY_VERSION#v}" \
		-o "$src/trivy.bin" ./cmd/trivy) >&2
	finish trivy "$src/trivy.bin" "$dest"
	log "trivy $TRIVY_VERSION built in $((SECONDS - start))s"
}

# install_kube NAME: builds ./cmd/NAME (kube-apiserver, kubectl) of k8s.io/kubernetes@KUBE_VERSION.
install_kube() {
	local name="$1" dest="$cache/$1-$KUBE_VERSION" src start staging_ver minor edits=() mod
	[ -x "$dest/$name" ] && return 0
	start=$SECONDS
	log "building $name $KUBE_VERSION (about 4 min, 2 GiB of memory)"
	mod="$(moddir k8s.io/kubernetes "$KUBE_VERSION")"
	src="$(writable_copy "$mod")"
	# The module zip leaves out ./staging (each staging dir is its own module), so swap the
	# `k8s.io/foo => ./staging/src/k8s.io/foo` replaces for the published v0.NN.N releases.
	staging_ver="v0.${KUBE_VERSION#v1.}"
	while read -r m; do
		edits+=("-dropreplace=$m" "-require=$m@$staging_ver")
	done < <(sed -n 's#^[[:space:]]*\(replace[[:space:]]\{1,\}\)\{0,1\}\(k8s\.io/[^[:space:]]*\)[[:space:]]*=>[[:space:]]*\./staging/.*#\2#p' "$src/go.mod")
	[ ${#edits[@]} -gt 0 ] || die "$name: found no ./staging replaces in k8s.io/kubernetes@$KUBE_VERSION go.mod"
	(cd "$src" && go mod edit "${edits[@]}")
	minor="${KUBE_VERSION#v1.}"; minor="${minor%%.*}"
	local pkg=k8s.io/component-base/version
	(cd "$src" && CGO_ENABLED=0 "${nice_cmd[@]}" go build -trimpath \
		-ldflags "-s -w -X $pkg.gitVersion=$KUBE_VERSION -X $pkg.gitMajor=1 -X $pkg.gitMinor=$minor -X $pkg.gitTreeState=clean" \
		-o "$src/$name.bin" "./cmd/$name") >&2
	# kubectl has no --version flag.
	local check=(--version)
	[ "$name" = kubectl ] && check=(version --client)
	finish "$name" "$src/$name.bin" "$dest" "${check[@]}"
	log "$name $KUBE_VERSION built in $((SECONDS - start))s"
}

# install_terraform: builds the terraform CLI from the github.com/hashicorp/terraform module zip.
# `go install github.com/hashicorp/terraform@VERSION` is refused (its go.mod has replace directives),
# and the zip leaves out the nested modules those replaces point at (./internal/legacy and the
# remote-state backends azurerm, consul, cos, gcs, kubernetes, oci, oss, pg, s3, each its own
# go.mod). Only internal/backend/init imports them, so this build swaps those nine backends for a
# stand-in that keeps the name known (so `terraform validate` accepts `backend "s3" {}`, as it
# checks only that the type exists) and fails with a clear error if a backend is configured
# (`terraform init` without -backend=false). local, remote, http, inmem and cloud are the real ones.
install_terraform() {
	local dest="$cache/terraform-$TERRAFORM_VERSION" mod src start init_go edits=() m
	local dropped="azure consul cos gcs kubernetes oci oss pg s3"
	[ -x "$dest/terraform" ] && return 0
	start=$SECONDS
	log "building terraform $TERRAFORM_VERSION (about 4 min, 1.3 GiB of memory)"
	mod="$(moddir github.com/hashicorp/terraform "$TERRAFORM_VERSION")"
	src="$(writable_copy "$mod")"
	init_go="$src/internal/backend/init/init.go"
	for m in $dropped; do
		grep -q "\"github.com/hashicorp/terraform/internal/backend/remote-state/$m\"" "$init_go" ||
			die "terraform: $init_go no longer imports remote-state/$m; recheck the patch"
		edits+=("-dropreplace=github.com/hashicorp/terraform/internal/backend/remote-state/$m"
			"-droprequire=github.com/hashicorp/terraform/internal/backend/remote-state/$m")
	done
	edits+=(-dropreplace=github.com/hashicorp/terraform/internal/legacy -droprequire=github.com/hashicorp/terraform/internal/legacy)
	# Drop the import lines; point each map entry (the azure backend is named "azurerm") at the stand-in.
	sed -i -E \
		-e '/"github\.com\/hashicorp\/terraform\/internal\/backend\/remote-state\/(azure|consul|cos|gcs|kubernetes|oci|oss|pg|s3)"$/d' \
		-e 's/^([[:space:]]*)"(azurerm|consul|cos|gcs|kubernetes|oci|oss|pg|s3)":[[:space:]]*func\(\) backend\.Backend \{ return backend[A-Za-z0-9]+\.New\(\) \},$/\1"\2": unavailableBackend("\2"),/' \
		"$init_go"
	[ "$(grep -c 'unavailableBackend("' "$init_go")" -eq 9 ] || die "terraform: could not patch the backend table in $init_go"
	cat >"$src/internal/backend/init/gantry_unavailable.go" <<'EOF'
package init

// Added by Gantry's hack/install-tools.sh: this build leaves out the remote-state backends whose
// modules are not in the terraform module zip.

import (
	"fmt"

	"github.com/hashicorp/terraform/internal/backend"
	backendInmem "github.com/hashicorp/terraform/internal/backend/remote-state/inmem"
	"github.com/hashicorp/terraform/internal/tfdiags"
	"github.com/zclconf/go-cty/cty"
)

type unavailable struct {
	backend.Backend
	name string
}

func unavailableBackend(name string) backend.InitFn {
	return func() backend.Backend { return unavailable{Backend: backendInmem.New(), name: name} }
}

func (b unavailable) diags() tfdiags.Diagnostics {
	var diags tfdiags.Diagnostics
	return diags.Append(tfdiags.Sourceless(tfdiags.Error, "Backend not included in this build",
		fmt.Sprintf("This terraform was built from the Go module proxy without the %q backend (its module is not in the module zip). Use terraform init -backend=false.", b.name)))
}

func (b unavailable) PrepareConfig(v cty.Value) (cty.Value, tfdiags.Diagnostics) { return v, b.diags() }
func (b unavailable) Configure(cty.Value) tfdiags.Diagnostics { return b.diags() }
EOF
	(cd "$src" && go mod edit "${edits[@]}")
	(cd "$src" && CGO_ENABLED=0 "${nice_cmd[@]}" go build -trimpath \
		-ldflags "-s -w -X github.com/hashicorp/terraform/version.dev=no" \
		-o "$src/terraform.bin" .) >&2
	CHECKPOINT_DISABLE=1 finish terraform "$src/terraform.bin" "$dest" version
	log "terraform $TERRAFORM_VERSION built in $((SECONDS - start))s"
}

# install_tflint: builds tflint from its module zip (no replaces; its go.mod pins the bundled
# terraform ruleset, tflint-ruleset-terraform). A .tflint.hcl whose `plugin "terraform"` block
# has no `source` uses that bundled ruleset, so no `tflint --init` and no download is needed.
install_tflint() {
	local dest="$cache/tflint-$TFLINT_VERSION" mod src start
	[ -x "$dest/tflint" ] && return 0
	start=$SECONDS
	log "building tflint $TFLINT_VERSION (about 3 min, 1 GiB of memory)"
	mod="$(moddir github.com/terraform-linters/tflint "$TFLINT_VERSION")"
	src="$(writable_copy "$mod")"
	(cd "$src" && CGO_ENABLED=0 "${nice_cmd[@]}" go build -trimpath -ldflags "-s -w" -o "$src/tflint.bin" .) >&2
	finish tflint "$src/tflint.bin" "$dest" --version
	log "tflint $TFLINT_VERSION built in $((SECONDS - start))s"
}

etcd_path=""
install_etcd() {
	local sudo=() start
	etcd_path="$(command -v etcd || true)"
	[ -n "$etcd_path" ] && return 0
	start=$SECONDS
	[ "$(id -u)" -eq 0 ] || { command -v sudo >/dev/null && sudo=(sudo -n); } || die "etcd is missing and installing it needs root (apt-get install etcd-server)"
	command -v apt-get >/dev/null || die "etcd is missing and there is no apt-get to install Debian's etcd-server"
	log "installing Debian's etcd-server $ETCD_DEB_VERSION"
	if ! apt-cache policy etcd-server 2>/dev/null | grep -q 'Candidate: [0-9]'; then
		"${sudo[@]}" apt-get update -qq >&2 || log "warning: apt-get update failed"
	fi
	# On a host that runs systemd the package also enables a system etcd service on
	# 127.0.0.1:2379/2380; tests start their own etcd on other ports with their own data dir.
	if ! "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "etcd-server=$ETCD_DEB_VERSION" >&2; then
		log "warning: etcd-server=$ETCD_DEB_VERSION is not available; installing the candidate $(apt-cache policy etcd-server | sed -n 's/.*Candidate: //p')"
		"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends etcd-server >&2
	fi
	etcd_path="$(command -v etcd)" || die "etcd-server installed but no etcd on PATH"
	"$etcd_path" --version >&2
	log "etcd installed in $((SECONDS - start))s"
}

kube_schemas_path=""
install_kube_schemas() {
	local minor="${KUBE_VERSION#v1.}"
	kube_schemas_path="$("$here/kube-schemas.sh" "1.${minor%%.*}")"
}

scratch_root="$(mktemp -d "${TMPDIR:-/tmp}/gantry-tools.XXXXXX")"
trap 'chmod -R u+w "$scratch_root" 2>/dev/null; rm -rf "$scratch_root"' EXIT

for t in "${only[@]}"; do
	case "$t" in
	trivy) with_lock trivy install_trivy; echo "trivy=$cache/trivy-$TRIVY_VERSION/trivy" ;;
	kube-apiserver | kubectl) with_lock "$t" install_kube "$t"; echo "$t=$cache/$t-$KUBE_VERSION/$t" ;;
	etcd) install_etcd; echo "etcd=$etcd_path" ;;
	kube-schemas) install_kube_schemas; echo "kube-schemas=$kube_schemas_path" ;;
	crds) "$here/crds.sh" | while read -r d; do p="${d##*/}"; echo "crds/${p%-v*}=$d"; done ;;
	terraform) with_lock terraform install_terraform; echo "terraform=$cache/terraform-$TERRAFORM_VERSION/terraform" ;;
	tflint) with_lock tflint install_tflint; echo "tflint=$cache/tflint-$TFLINT_VERSION/tflint" ;;
	esac
done
