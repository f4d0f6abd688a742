#!/usr/bin/env bash
# Builds govcloud's Pulumi engine from Go modules into a cache outside the repository and prints the
# bin directory to put first on PATH:
#
#   PATH="$(bash tools/engine.sh):$PATH"          (or: make engine)
#
# What is built (all pinned by tools/go.mod + go.sum and tools/openstack/go.mod + go.sum):
#   pulumi                          github.com/pulumi/pulumi/pkg/v3/cmd/pulumi (the CLI and engine)
#   pulumi-language-python          tools/cmd/pulumi-language-python (govcloud's own language host)
#   pulumi-language-python-exec     copied from github.com/pulumi/pulumi/sdk/v3 (python/cmd)
#   pulumi-resource-pulumi-python   copied from github.com/pulumi/pulumi/sdk/v3 (python/dist), for
#                                   pulumi.dynamic providers
#   pulumi-resource-random          tools/cmd/pulumi-resource-random (govcloud's own, RandomPassword)
#   pulumi-resource-openstack       tools/openstack (Terraform bridge + terraform-provider-openstack)
# and, next to bin/, plugins/resource-{random,openstack}-v<version>/ (hard links to the same two
# providers in the layout of $PULUMI_HOME/plugins).
#
# The output directory is ${GOVCLOUD_CACHE:-$HOME/.cache/govcloud}/engine-<hash>/bin, where <hash>
# covers this script, `go version` and the engine's own files only (tools/go.mod, tools/go.sum,
# tools/cmd/pulumi-*, tools/openstack/): other builds that share tools/ (e.g. a Kubernetes control
# plane in a module of its own) do not invalidate it.
# When it exists nothing is built. `tools/engine.sh --check` only prints that directory and exits 1
# when it is not built (what the tests use: they never start a build). A build goes to a temporary directory that is renamed into place
# at the end, so an interrupted build leaves nothing behind that looks finished.
set -euo pipefail

# Versions the engine must see: those of the Python SDKs in the project's virtualenv
# (pulumi_random, pulumi_openstack). The CLI's version is the pulumi/pkg/v3 version of tools/go.mod.
RANDOM_VERSION=4.21.4
OPENSTACK_VERSION=5.5.3

tools=${GOVCLOUD_TOOLS_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)}
[ -f "$tools/go.mod" ] && [ -f "$tools/openstack/go.mod" ] || {
  echo "engine: no tools module at $tools (set GOVCLOUD_TOOLS_DIR)" >&2
  exit 2
}
cache=${GOVCLOUD_CACHE:-$HOME/.cache/govcloud}

hash=$(
  {
    cat "${BASH_SOURCE[0]}"
    go version
    (cd "$tools" && find go.mod go.sum cmd/pulumi-language-python cmd/pulumi-resource-random openstack \
      -type f \( -name go.mod -o -name go.sum -o -name '*.go' -o -name '*.txt' \) | LC_ALL=C sort \
      | xargs sha256sum)
  } | sha256sum | cut -c1-16
)
final=$cache/engine-$hash
if [ -x "$final/bin/pulumi" ]; then
  echo "$final/bin"
  exit 0
fi
if [ "${1:-}" = --check ]; then
  echo "$final/bin"
  echo "engine: not built (run: make engine)" >&2
  exit 1
fi

mkdir -p "$cache"
# One build per hash at a time; a second caller waits and then finds the finished directory.
exec 9>"$cache/.engine-$hash.lock"
if command -v flock >/dev/null; then flock 9; fi
if [ -x "$final/bin/pulumi" ]; then
  echo "$final/bin"
  exit 0
fi

tmp=$(mktemp -d "$cache/.engine-$hash.tmp.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/bin"

export CGO_ENABLED=0
export GOFLAGS="-mod=readonly -trimpath -buildvcs=false"
log() { echo "engine: $*" >&2; }
now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

cli_version=$(cd "$tools" && go list -m -f '{{.Version}}' github.com/pulumi/pulumi/pkg/v3)
vpkg=github.com/pulumi/pulumi/sdk/v3/go/common/version.Version

# 1. Fetch exactly the modules the builds need (timed apart from compiling).
t0=$(now)
(cd "$tools" && go list -deps github.com/pulumi/pulumi/pkg/v3/cmd/pulumi ./cmd/... >/dev/null)
(cd "$tools/openstack" && go list -deps . >/dev/null)
(cd "$tools" && go mod download github.com/pulumi/pulumi/sdk/v3)
log "modules ready in $(elapsed "$t0")s"

# 2. Compile.
t1=$(now)
build() { # dir output ldflags package
  local t
  t=$(now)
  (cd "$1" && go build -ldflags "-s -w $3" -o "$tmp/bin/$2" "$4")
  log "built $2 in $(elapsed "$t")s"
}
build "$tools" pulumi "-X $vpkg=$cli_version" github.com/pulumi/pulumi/pkg/v3/cmd/pulumi
build "$tools" pulumi-language-python "-X $vpkg=$cli_version" ./cmd/pulumi-language-python
build "$tools" pulumi-resource-random "-X main.version=$RANDOM_VERSION" ./cmd/pulumi-resource-random
build "$tools/openstack" pulumi-resource-openstack "-X main.version=$OPENSTACK_VERSION" .

sdk_dir=$(cd "$tools" && go list -m -f '{{.Dir}}' github.com/pulumi/pulumi/sdk/v3)
install -m 0755 "$sdk_dir/python/cmd/pulumi-language-python-exec" "$tmp/bin/"
install -m 0755 "$sdk_dir/python/dist/pulumi-resource-pulumi-python" "$tmp/bin/"
log "compiled in $(elapsed "$t1")s"

# The providers again, in the layout of a plugin cache ($PULUMI_HOME/plugins), for running with
# PULUMI_IGNORE_AMBIENT_PLUGINS=true and $PULUMI_HOME/plugins -> this directory (no "using ... from
# $PATH" warnings; exact version match). Hard links: no extra space.
for p in "random $RANDOM_VERSION" "openstack $OPENSTACK_VERSION"; do
  set -- $p
  mkdir -p "$tmp/plugins/resource-$1-v$2"
  ln "$tmp/bin/pulumi-resource-$1" "$tmp/plugins/resource-$1-v$2/pulumi-resource-$1"
done

{
  echo "pulumi $cli_version"
  echo "pulumi-resource-random $RANDOM_VERSION"
  echo "pulumi-resource-openstack $OPENSTACK_VERSION"
  go version
} >"$tmp/BUILDINFO"

chmod 0755 "$tmp"
if ! mv -T "$tmp" "$final" 2>/dev/null; then
  [ -x "$final/bin/pulumi" ] || { log "could not move the build to $final"; exit 1; }
fi
trap - EXIT
echo "$final/bin"
