#!/usr/bin/env bash
# Builds what the real one-node cluster of test/node needs besides the control plane, or reuses the
# cached build:
#   kubelet, kube-scheduler  k8s.io/kubernetes, from test/apiserver's go.mod (its `tool` directives), so
#                            the node runs exactly the Kubernetes version and modules of the API server;
#   pause                    the pod sandbox process (test/node/pause/main.go);
#   crash                    the crashing app of the test images (test/e2e/crash/main.go).
#
# Cached like scripts/build-apiserver.sh, under the same root:
#   ${DEBUGDEAD_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/debugdead}/node/<key>/
# where <key> hashes go.mod, go.sum, the two small programs, this script and the Go version; linked to
# test/node/bin/ (git-ignored), where test/node/cluster.sh and the images script look for them. Prints the
# cache directory on stdout; progress goes to stderr.
#
# A cold build compiles the kubelet and the scheduler: about 4 minutes on 2 cores when the API server's
# build has already filled the Go build cache, longer from nothing. A warm rerun only hashes and links.
#
# --optional (used by `npm test`): when this machine cannot run the node (no Go, not root, no containerd),
# say so and succeed, so the node tests skip with their printed reason; with CI=true it is a failure.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
module="$repo/test/apiserver"
script="$repo/scripts/build-node.sh"
pause_src="$repo/test/node/pause/main.go"
crash_src="$repo/test/e2e/crash/main.go"

optional=false
if [[ "${1:-}" == "--optional" ]]; then optional=true; fi

unavailable() {
  echo "build-node: $1" >&2
  if [[ "$optional" == true && "${CI:-}" != "true" ]]; then
    echo "build-node: skipping the build; the node tests will skip and say why" >&2
    exit 0
  fi
  exit 1
}

if ! command -v go >/dev/null 2>&1 && [[ -x /usr/local/go/bin/go ]]; then export PATH="$PATH:/usr/local/go/bin"; fi
command -v go >/dev/null 2>&1 || unavailable "'go' is not on PATH; the node tests need Go >= 1.26"
[[ "$(id -u)" == 0 ]] || unavailable "the node needs root (mount namespace, bridge, cgroups); not building it"
command -v containerd >/dev/null 2>&1 || unavailable "no containerd (apt-get install containerd runc containernetworking-plugins)"

export GOTOOLCHAIN="${GOTOOLCHAIN:-local}"
export CGO_ENABLED=0

go_version="$(go env GOVERSION) $(go env GOOS)/$(go env GOARCH)"
key="$(
  {
    printf '%s\n' "$go_version"
    for f in "$module/go.mod" "$module/go.sum" "$pause_src" "$crash_src" "$script"; do
      printf '== %s\n' "${f#"$repo"/}"
      cat -- "$f"
    done
  } | sha256sum | cut -c1-16
)"

cache_root="${DEBUGDEAD_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/debugdead}/node"
out_dir="$cache_root/$key"
link_dir="$repo/test/node/bin"
binaries=(kubelet kube-scheduler pause crash)

mkdir -p "$out_dir" "$link_dir"

built() {
  local b
  for b in "${binaries[@]}"; do [[ -x "$out_dir/$b" ]] || return 1; done
}

build() {
  if built; then return 0; fi
  local kube_version minor x="" tmp start=$SECONDS
  kube_version="$(awk '$1 == "k8s.io/kubernetes" && $2 ~ /^v/ { print $2; exit }' "$module/go.mod")"
  minor="$(cut -d. -f2 <<<"$kube_version")"
  for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    x+=" -X $pkg.gitVersion=$kube_version -X $pkg.gitMajor=1 -X $pkg.gitMinor=$minor -X $pkg.gitTreeState=clean"
  done
  tmp="$out_dir/.tmp.$$"
  rm -rf "$tmp"
  mkdir -p "$tmp"
  echo "build-node: building kubelet and kube-scheduler $kube_version with $go_version into $out_dir" >&2
  (
    cd "$module"
    # go.sum is committed: -mod=readonly fails instead of silently resolving other versions.
    GOFLAGS="${GOFLAGS:-} -mod=readonly -buildvcs=false" \
      go build -trimpath -ldflags="-s -w$x" -o "$tmp/" k8s.io/kubernetes/cmd/kubelet k8s.io/kubernetes/cmd/kube-scheduler
  )
  # The two small programs import only the standard library: built as files, outside any module.
  (
    cd "$tmp"
    GOFLAGS="-buildvcs=false" go build -trimpath -ldflags="-s -w" -o "$tmp/pause" "$pause_src"
    GOFLAGS="-buildvcs=false" go build -trimpath -ldflags="-s -w" -o "$tmp/crash" "$crash_src"
  )
  local b
  for b in "${binaries[@]}"; do mv -f "$tmp/$b" "$out_dir/$b"; done
  rmdir "$tmp"
  echo "build-node: built in $((SECONDS - start))s" >&2
  # Keep the two most recent builds, drop older ones.
  local old
  while IFS= read -r old; do
    [[ "$old" == "$out_dir" ]] || rm -rf -- "$old"
  done < <(find "$cache_root" -mindepth 1 -maxdepth 1 -type d -printf '%T@ %p\n' | sort -rn | tail -n +3 | cut -d' ' -f2-)
}

# Serialize concurrent builds of the same key.
if command -v flock >/dev/null 2>&1; then
  exec 9>"$out_dir/.lock"
  flock 9
fi
build

for b in "${binaries[@]}"; do ln -sfn "$out_dir/$b" "$link_dir/$b"; done
echo "build-node: $link_dir -> $out_dir ($("$out_dir/kubelet" --version))" >&2
echo "$out_dir"
