#!/usr/bin/env bash
# Builds what the real one-node cluster of test/node needs besides the control plane, or reuses the
# cached build:
#   kubelet, kube-scheduler  k8s.io/kubernetes, from test/apiserver's go.mod (its `tool` directives), so
#                            the node runs exactly the Kubernetes version and modules of the API server;
#   pause                    the pod sandbox process (test/node/pause/main.go);
#   crash                    the crashing app of the test images (test/e2e/crash/main.go).
#
# Cached by scripts/lib/go-cache.sh, like the API server, under the same root:
#   ${DEBUGDEAD_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/debugdead}/node/<key>/
# where <key> hashes go.mod, go.sum, the two small programs, this script, the library and the Go version; linked to
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
pause_src="$repo/test/node/pause/main.go"
crash_src="$repo/test/e2e/crash/main.go"
tool=build-node
optional=false
if [[ "${1:-}" == "--optional" ]]; then optional=true; fi
# shellcheck source=scripts/lib/go-cache.sh
. "$repo/scripts/lib/go-cache.sh"

go_cache_require_go "the node tests"
[[ "$(id -u)" == 0 ]] || go_cache_unavailable "the node needs root (mount namespace, bridge, cgroups); not building it"
command -v containerd >/dev/null 2>&1 || go_cache_unavailable "no containerd (apt-get install containerd runc containernetworking-plugins)"

binaries=(kubelet kube-scheduler pause crash)

build() {
  local tmp="$1" ldflags
  ldflags="$(go_cache_kube_ldflags "$module/go.mod")"
  echo "$tool: building kubelet and kube-scheduler with $go_version into $out_dir" >&2
  # go.sum is committed: -mod=readonly fails instead of silently resolving other versions.
  (cd "$module" && GOFLAGS="${GOFLAGS:-} -mod=readonly -buildvcs=false" \
    go build -trimpath -ldflags="$ldflags" -o "$tmp/" k8s.io/kubernetes/cmd/kubelet k8s.io/kubernetes/cmd/kube-scheduler)
  # The two small programs import only the standard library: built as files, outside any module.
  (
    cd "$tmp"
    GOFLAGS="-buildvcs=false" go build -trimpath -ldflags="-s -w" -o "$tmp/pause" "$pause_src"
    GOFLAGS="-buildvcs=false" go build -trimpath -ldflags="-s -w" -o "$tmp/crash" "$crash_src"
  )
}

go_cache_build node "$(go_cache_key "$module/go.mod" "$module/go.sum" "$pause_src" "$crash_src" "${BASH_SOURCE[0]}")" build "${binaries[@]}"

link_dir="$repo/test/node/bin"
mkdir -p "$link_dir"
for b in "${binaries[@]}"; do ln -sfn "$out_dir/$b" "$link_dir/$b"; done
echo "$tool: $link_dir -> $out_dir ($("$out_dir/kubelet" --version))" >&2
echo "$out_dir"
