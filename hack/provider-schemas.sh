#!/usr/bin/env bash
# Builds the pinned Terraform providers (AWS, Google, AzureRM; Kubernetes and Random, which the
# generated modules also require) from the Go module proxy, installs
# them into a local filesystem mirror so `terraform init` works offline, and writes their
# schemas, cut down to the types listed in generators/terraform/testdata/schemas/types.txt, to
# generators/terraform/testdata/schemas/<provider>.json.
#
#   ${XDG_CACHE_HOME:-$HOME/.cache}/gantry-tools/terraform-mirror/registry.terraform.io/hashicorp/<name>/<version>/<os>_<arch>/terraform-provider-<name>_v<version>
#   ${XDG_CACHE_HOME:-$HOME/.cache}/gantry-tools/terraform-mirror.tfrc   (CLI config: that mirror only)
#   ${XDG_CACHE_HOME:-$HOME/.cache}/gantry-tools/terraform-schemas/      (full schemas, validate stamps)
#
# Usage: hack/provider-schemas.sh [--only NAME]... [--build-only] [--out DIR]
#        NAME: aws | google | azurerm | kubernetes | random
#
#   --build-only  build and install the providers, write no schemas
#   --out DIR     write <provider>.json to DIR instead of generators/terraform/testdata/schemas
#
# stdout carries only `name=path` lines: terraform-mirror=DIR, terraform-cli-config=FILE and,
# per provider, provider/<name>=BINARY and schema/<name>=FILE; progress goes to stderr.
#
# Every step is cached: a provider binary is built once per pinned module version (a cold AWS
# build takes about an hour on 2 cores; an interrupted build resumes from Go's build cache), the
# full schema is read once per provider and terraform version, and the offline `terraform
# validate` check runs once. Re-running after editing types.txt only re-filters (seconds).
# Point a test at the mirror with TF_CLI_CONFIG_FILE=<terraform-cli-config>.
set -euo pipefail
shopt -s inherit_errexit

# Pinned providers. The proxy refuses the providers' release tags (v6.x.y, v7.x.y... are not valid
# versions of these v0/v1 module paths and answer 403), so each pin is the pseudo-version the
# proxy serves for the main branch; VERSION is the release it contains (the newest section of
# the module's CHANGELOG.md that has a date) and is the version the mirror offers it as.
PROVIDERS=(aws google azurerm kubernetes random)
declare -A MODULE PSEUDO COMMIT VERSION RELEASE
MODULE[aws]=github.com/hashicorp/terraform-provider-aws
PSEUDO[aws]=v1.60.1-0.20260602190131-5f2286d6d836
COMMIT[aws]=5f2286d6d836c1969afcf1b5b8f48194644295c6
VERSION[aws]=6.47.0
RELEASE[aws]="main of 2026-06-02: v6.47.0 (2026-05-27) plus later commits; CHANGELOG.md heads 6.48.0 (Unreleased)"

MODULE[google]=github.com/hashicorp/terraform-provider-google
PSEUDO[google]=v1.20.1-0.20260828184646-f3721fb45fa3
COMMIT[google]=f3721fb45fa3fa1120d65865a22d4e75f15b8225
VERSION[google]=8.0.0
RELEASE[google]="main of 2026-08-28: v8.0.0 (2026-08-26) plus later commits; CHANGELOG.md heads 8.0.0"

MODULE[azurerm]=github.com/hashicorp/terraform-provider-azurerm
PSEUDO[azurerm]=v1.44.1-0.20260824201233-fae580791926
COMMIT[azurerm]=fae5807919263b08b33a636135760023d24566fb
VERSION[azurerm]=5.2.0
RELEASE[azurerm]="main of 2026-08-24: v5.2.0 (2026-08-20) plus later commits; CHANGELOG.md heads 5.2.0"

MODULE[kubernetes]=github.com/hashicorp/terraform-provider-kubernetes
PSEUDO[kubernetes]=v1.13.4-0.20260821094251-3a33fb6cc605
COMMIT[kubernetes]=3a33fb6cc6055853584af1731b1369164c35ffc7
VERSION[kubernetes]=3.2.1
RELEASE[kubernetes]="main of 2026-08-21: v3.2.1 (2026-06-30) plus later commits; CHANGELOG.md heads 3.2.1"

# Its go.mod says module github.com/terraform-providers/terraform-provider-random; built as the main
# module, that does not matter.
MODULE[random]=github.com/hashicorp/terraform-provider-random
PSEUDO[random]=v1.3.2-0.20260824155315-e1092b0cfc07
COMMIT[random]=e1092b0cfc07fdc20ebb363d8fae366ca69b806f
VERSION[random]=3.9.0
RELEASE[random]="main of 2026-08-24: v3.9.0 (2026-05-12) plus later commits; CHANGELOG.md heads 3.9.0"

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/.." && pwd)"
cache="${XDG_CACHE_HOME:-$HOME/.cache}/gantry-tools"
mirror="$cache/terraform-mirror"
cliconfig="$cache/terraform-mirror.tfrc"
schemas="$cache/terraform-schemas"
types_rel=generators/terraform/testdata/schemas/types.txt
out_dir="$repo/generators/terraform/testdata/schemas"

log() { printf 'provider-schemas: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

only=()
build_only=false
while [ $# -gt 0 ]; do
	case "$1" in
	--only) [ $# -ge 2 ] || die "--only needs a NAME"; only+=("$2"); shift 2 ;;
	--only=*) only+=("${1#--only=}"); shift ;;
	--build-only) build_only=true; shift ;;
	--out) [ $# -ge 2 ] || die "--out needs a DIR"; out_dir="$2"; shift 2 ;;
	--out=*) out_dir="${1#--out=}"; shift ;;
	-h | --help) sed -n '2,25p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) die "unknown argument: $1 (see --help)" ;;
	esac
done
[ ${#only[@]} -gt 0 ] || only=("${PROVIDERS[@]}")
for p in "${only[@]}"; do
	[ -n "${MODULE[$p]:-}" ] || die "unknown provider: $p (one of: ${PROVIDERS[*]})"
done

command -v go >/dev/null || die "go is not on PATH"
mkdir -p "$cache" "$mirror" "$schemas"
user_goflags="${GOFLAGS:-}"
# Builds run in a scratch copy of each module: no go.work, go.sum may be completed. A pin whose
# go.mod asks for a newer Go fetches that toolchain from the proxy (GOTOOLCHAIN=auto).
export GOWORK=off GOFLAGS="$user_goflags -mod=mod" GOTOOLCHAIN="${PROVIDER_GOTOOLCHAIN:-auto}"
platform="$(go env GOOS)_$(go env GOARCH)"
nice_cmd=(nice -n 10)
timed=()
[ -x /usr/bin/time ] && timed=(/usr/bin/time -f '%e s wall, %U s user, peak RSS of one process %M KiB')

scratch_root="$(mktemp -d "${TMPDIR:-/tmp}/provider-schemas.XXXXXX")"
trap 'chmod -R u+w "$scratch_root" 2>/dev/null; rm -rf "$scratch_root"' EXIT

# The CLI config: providers come from the mirror only, never from the registry.
write_cliconfig() {
	local tmp
	tmp="$(mktemp "$cache/.tmp-tfrc.XXXXXX")"
	cat >"$tmp" <<EOF
# Written by hack/provider-schemas.sh: install providers from the local mirror only.
disable_checkpoint = true
provider_installation {
  filesystem_mirror {
    path    = "$mirror"
    include = ["registry.terraform.io/hashicorp/*"]
  }
}
EOF
	mv "$tmp" "$cliconfig"
}

# tf ARGS...: the pinned terraform, offline, against the mirror.
tf() {
	env -u TF_PLUGIN_CACHE_DIR -u TF_DATA_DIR CHECKPOINT_DISABLE=1 TF_IN_AUTOMATION=1 TF_INPUT=0 \
		TF_CLI_CONFIG_FILE="$cliconfig" "$terraform" "$@"
}

provider_bin() { printf '%s\n' "$mirror/registry.terraform.io/hashicorp/$1/${VERSION[$1]}/$platform/terraform-provider-$1_v${VERSION[$1]}"; }
stamp_file() { printf '%s\n' "$mirror/.gantry-stamps/$1-${VERSION[$1]}"; }

# build NAME: builds the provider from its module zip into the mirror, unless it is there already.
build() {
	local name="$1" bin dest mod json src start stamp="${MODULE[$1]}@${PSEUDO[$1]}"
	bin="$(provider_bin "$name")"
	dest="$(dirname "$bin")"
	if [ -x "$bin" ] && [ "$(cat "$(stamp_file "$name")" 2>/dev/null)" = "$stamp" ]; then
		return 0
	fi
	start=$SECONDS
	log "building terraform-provider-$name ${VERSION[$name]} ($stamp); a cold build takes 10-70 min, see tools/README.md"
	json="$(cd "$scratch_root" && go mod download -json "${MODULE[$name]}@${PSEUDO[$name]}")" ||
		die "go mod download ${MODULE[$name]}@${PSEUDO[$name]} failed: $json"
	mod="$(printf '%s\n' "$json" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",\{0,1\}$/\1/p')"
	if [ -z "$mod" ] || [ ! -f "$mod/go.mod" ]; then die "no Dir for ${MODULE[$name]}@${PSEUDO[$name]} in: $json"; fi
	src="$(mktemp -d "$scratch_root/src-$name.XXXXXX")"
	cp -R "$mod/." "$src/"
	chmod -R u+w "$src"
	# The same flags as the providers' release builds (goreleaser): static, stripped, trimmed.
	# -trimpath also keeps the build cache independent of the scratch dir, so an interrupted
	# build resumes where it stopped.
	(cd "$src" && CGO_ENABLED=0 "${timed[@]}" "${nice_cmd[@]}" go build -trimpath \
		-ldflags "-s -w -X ${MODULE[$name]}/version.ProviderVersion=${VERSION[$name]}" \
		-o "$src/provider.bin" .) >&2
	mkdir -p "$dest" "$(dirname "$(stamp_file "$name")")"
	mv "$src/provider.bin" "$bin.tmp"
	mv "$bin.tmp" "$bin"
	printf '%s\n' "$stamp" >"$(stamp_file "$name")"
	log "terraform-provider-$name ${VERSION[$name]} built in $((SECONDS - start))s"
}

# tinymodule DIR NAME [BODY]: writes DIR/main.tf requiring exactly the pinned provider.
tinymodule() {
	mkdir -p "$1"
	cat >"$1/main.tf" <<EOF
terraform {
  required_providers {
    $2 = {
      source  = "hashicorp/$2"
      version = "= ${VERSION[$2]}"
    }
  }
}
EOF
	if [ -n "${3:-}" ]; then printf '\n%s\n' "$3" >>"$1/main.tf"; fi
}

# One resource per provider for the offline validate check, and an argument it must reject.
declare -A PROBE
PROBE[aws]='provider "aws" {
  region = "eu-west-1"
}

resource "aws_sqs_queue" "probe" {
  name                    = "gantry-probe"
  sqs_managed_sse_enabled = true
}'
PROBE[google]='provider "google" {
  project = "gantry-probe"
  region  = "europe-west1"
}

resource "google_pubsub_topic" "probe" {
  name = "gantry-probe"
}'
PROBE[azurerm]='provider "azurerm" {
  features {}
}

resource "azurerm_resource_group" "probe" {
  name     = "gantry-probe"
  location = "westeurope"
}'
PROBE[kubernetes]='provider "kubernetes" {}

resource "kubernetes_config_map_v1" "probe" {
  metadata {
    name = "gantry-probe"
  }
  data = {
    a = "b"
  }
}'
PROBE[random]='resource "random_password" "probe" {
  length = 32
}'

# full_schema NAME: prints the path of the provider's full schema, reading it once.
full_schema() {
	local name="$1" raw dir
	raw="$schemas/$name-${VERSION[$name]}-${PSEUDO[$name]}-terraform-$terraform_version.json"
	if [ ! -s "$raw" ]; then
		dir="$scratch_root/schema-$name"
		tinymodule "$dir" "$name"
		log "terraform init + providers schema -json for $name ${VERSION[$name]}"
		if ! (cd "$dir" && tf init -backend=false -no-color >"$dir/init.log" 2>&1); then
			cat "$dir/init.log" >&2
			die "$name: terraform init failed against the mirror"
		fi
		(cd "$dir" && tf providers schema -json >"$raw.tmp") || die "$name: terraform could not read the provider's schema"
		mv "$raw.tmp" "$raw"
	fi
	printf '%s\n' "$raw"
}

# validate_check NAME: terraform fmt -check and validate, offline, on a module using one resource
# of the provider; and validate must reject an argument the resource does not have.
validate_check() {
	local name="$1" dir stamp out
	stamp="$schemas/$name-${VERSION[$name]}-${PSEUDO[$name]}-terraform-$terraform_version.validated"
	[ -f "$stamp" ] && return 0
	dir="$scratch_root/validate-$name"
	tinymodule "$dir" "$name" "${PROBE[$name]}"
	(cd "$dir" && tf fmt -check -diff >&2 && tf init -backend=false -no-color >"$dir/init.log" 2>&1 && tf validate -no-color >/dev/null) ||
		die "$name: terraform fmt -check, init or validate failed on its probe module: $(cat "$dir"/*.log 2>/dev/null)"
	# Same module with an unknown argument: the provider's schema has to catch it.
	sed -i 's/^\(resource .*{\)$/\1\n  gantry_no_such_argument = true/' "$dir/main.tf"
	if out="$(cd "$dir" && tf validate -no-color 2>&1)"; then
		die "$name: terraform validate accepted an unknown argument"
	fi
	case "$out" in
	*'Unsupported argument'*) ;;
	*) die "$name: terraform validate failed for another reason than the unknown argument: $out" ;;
	esac
	log "$name: terraform fmt -check and validate work offline (and reject an unknown argument)"
	touch "$stamp"
}

# prepare_schemas: the pinned terraform (hack/install-tools.sh) and the filter (tools/tfschema).
terraform=""
terraform_version=""
tfschema="$scratch_root/tfschema"
prepare_schemas() {
	terraform="$("$here/install-tools.sh" --only terraform | sed -n 's/^terraform=//p')"
	[ -x "$terraform" ] || die "hack/install-tools.sh --only terraform gave no terraform"
	terraform_version="$(tf version -json | sed -n 's/^[[:space:]]*"terraform_version": "\(.*\)",\{0,1\}$/\1/p')"
	[ -n "$terraform_version" ] || die "cannot read the version of $terraform"
	(cd "$repo/tools" && GOTOOLCHAIN=local GOFLAGS="$user_goflags -mod=readonly" go build -o "$tfschema" ./tfschema)
}

schema() {
	local name="$1" raw out
	raw="$(full_schema "$name")"
	validate_check "$name"
	out="$out_dir/$name.json"
	mkdir -p "$out_dir"
	"$tfschema" -in "$raw" -types "$repo/$types_rel" -provider "registry.terraform.io/hashicorp/$name" -out "$out" \
		-meta "generated_by=hack/provider-schemas.sh" \
		-meta "types_file=$types_rel" \
		-meta "provider_version=${VERSION[$name]}" \
		-meta "go_module=${MODULE[$name]}" \
		-meta "go_module_version=${PSEUDO[$name]}" \
		-meta "commit=${COMMIT[$name]}" \
		-meta "release=${RELEASE[$name]}" \
		-meta "terraform_version=$terraform_version"
	printf '%s\n' "$out"
}

write_cliconfig
if ! $build_only; then prepare_schemas; fi
echo "terraform-mirror=$mirror"
echo "terraform-cli-config=$cliconfig"
for p in "${only[@]}"; do
	(
		flock 9
		build "$p"
		echo "provider/$p=$(provider_bin "$p")"
		if ! $build_only; then
			out="$(schema "$p")"
			echo "schema/$p=$out"
		fi
	) 9>"$cache/.lock-terraform-provider-$p"
done
