#!/usr/bin/env bash
# Build the Kubernetes control plane (kube-apiserver, kube-controller-manager,
# kube-scheduler as one multiplexed binary), etcd and kwok from the Go module
# proxy, pinned by go.mod/go.sum next to this script.
#
# Output: ${GOVCLOUD_CACHE:-$HOME/.cache/govcloud}/k8s-<hash>/bin/
#   kube                      multiplexer: kube <component> [flags]
#   kube-apiserver, kube-controller-manager, kube-scheduler -> kube (symlinks)
#   etcd, kwok
# and ../share/kwok-stages.yaml (kwok's default "fast" node/pod stages).
# <hash> covers go.mod, go.sum, this script, the module's own Go sources and
# the Go version. If the directory exists nothing is done. The bin dir path is
# printed on stdout (last line); progress goes to stderr.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$here"

cache="${GOVCLOUD_CACHE:-$HOME/.cache/govcloud}"
gover="$(go env GOVERSION)"
hash="$(
  {
    cat go.mod go.sum "$here/$(basename "${BASH_SOURCE[0]}")"
    find cmd -name '*.go' -type f | LC_ALL=C sort | xargs cat
    echo "$gover $(go env GOOS)/$(go env GOARCH)"
  } | sha256sum | cut -c1-16
)"
out="$cache/k8s-$hash"

if [[ -x "$out/bin/kube" ]]; then
  echo "$out/bin"
  exit 0
fi

mkdir -p "$cache"
# Serialise concurrent builds of the same hash (flock is in util-linux).
exec 9>"$cache/.k8s-$hash.lock"
if command -v flock >/dev/null; then flock 9; fi
if [[ -x "$out/bin/kube" ]]; then
  echo "$out/bin"
  exit 0
fi

tmp="$(mktemp -d "$cache/.k8s-$hash.tmp.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT

# Versions come from go.mod so there is one place to change them.
kver="$(go list -m -f '{{.Version}}' k8s.io/kubernetes)"          # v1.37.2
kdate="$(go list -m -f '{{.Time.UTC.Format "2006-01-02T15:04:05Z"}}' k8s.io/kubernetes)" # release time: reproducible
etcdver="$(go list -m -f '{{.Version}}' go.etcd.io/etcd/server/v3)" # v3.7.3
[[ "$kver" =~ ^v([0-9]+)\.([0-9]+)\. ]] || { echo "bad k8s version $kver" >&2; exit 1; }
kmajor="${BASH_REMATCH[1]}"
kminor="${BASH_REMATCH[2]}"

ld="-s -w"
for pkg in k8s.io/client-go/pkg/version k8s.io/component-base/version; do
  ld+=" -X $pkg.gitVersion=$kver -X $pkg.gitMajor=$kmajor -X $pkg.gitMinor=$kminor"
  ld+=" -X $pkg.gitTreeState=clean -X $pkg.buildDate=$kdate"
done
ld+=" -X go.etcd.io/etcd/api/v3/version.GitSHA=$etcdver"

echo "building k8s $kver + etcd $etcdver + kwok into $out (go $gover)" >&2
export CGO_ENABLED=0
# -mod=readonly: never rewrite go.mod/go.sum during a build.
${NICE:-nice -n 10} go build -mod=readonly -trimpath -ldflags "$ld" -o "$tmp/bin/" \
  ./cmd/kube go.etcd.io/etcd/server/v3 sigs.k8s.io/kwok/cmd/kwok
mv "$tmp/bin/server" "$tmp/bin/etcd" # go names the binary of go.etcd.io/etcd/server/v3 "server"
for c in kube-apiserver kube-controller-manager kube-scheduler; do
  ln -s kube "$tmp/bin/$c"
done
"$tmp/bin/kube" kube-apiserver --version >&2

# kwok refuses to start without Stage objects ("no stages found"); kwokctl feeds
# it the "fast" set from the module's kustomize/stage (node-initialize,
# node-heartbeat-with-lease, pod-ready, pod-complete, pod-delete). Ship them as
# one multi-document file for `kwok --config share/kwok-stages.yaml`.
kwokdir="$(go list -m -f '{{.Dir}}' sigs.k8s.io/kwok)"
mkdir -p "$tmp/share"
for f in node/fast/node-initialize.yaml node/heartbeat-with-lease/node-heartbeat-with-lease.yaml \
         pod/fast/pod-ready.yaml pod/fast/pod-complete.yaml pod/fast/pod-delete.yaml; do
  echo "---"
  cat "$kwokdir/kustomize/stage/$f"
done > "$tmp/share/kwok-stages.yaml"

chmod 755 "$tmp"
# Atomic publish: rename(2) of the finished directory.
mv -T "$tmp" "$out"
trap - EXIT
echo "$out/bin"
