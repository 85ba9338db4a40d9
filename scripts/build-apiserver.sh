#!/usr/bin/env bash
# Builds test/apiserver (etcd + kube-apiserver + kube-controller-manager in one binary) for the
# integration tests, or reuses the cached build.
#
# Cached by scripts/lib/go-cache.sh under ${DEBUGDEAD_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/debugdead}/apiserver/<key>/
# (<key> hashes go.mod, go.sum, the Go sources, this script, the library and the Go version) and linked to
# test/apiserver/bin/debugdead-apiserver (git-ignored), where test/helpers/apiserver.ts looks for it.
# Prints the cached path on stdout; progress goes to stderr.
#
# A cold build downloads the modules (Go module proxy) and compiles Kubernetes: expect tens of
# minutes on 2 cores. A warm rerun only hashes and links.
#
# --optional (used by `npm test`): without Go, say so and succeed, so the integration tests skip with their
# printed reason; in CI (CI=true) a missing Go is still a failure.
# Environment: DEBUGDEAD_CACHE (cache root), GOFLAGS/GOPROXY/GOMODCACHE/GOCACHE as usual for go.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
src="$repo/test/apiserver"
tool=build-apiserver
optional=false
if [[ "${1:-}" == "--optional" ]]; then optional=true; fi
# shellcheck source=scripts/lib/go-cache.sh
. "$repo/scripts/lib/go-cache.sh"

go_cache_require_go "the real-API-server integration tests"

build() {
  local ldflags
  ldflags="$(go_cache_kube_ldflags "$src/go.mod")"
  echo "$tool: building Kubernetes with $go_version into $out_dir (a cold build takes a long while)" >&2
  # go.sum is committed: -mod=readonly fails instead of silently resolving other versions.
  (cd "$src" && GOFLAGS="${GOFLAGS:-} -mod=readonly -buildvcs=false" go build -trimpath -ldflags="$ldflags" -o "$1/debugdead-apiserver" .)
}

mapfile -t sources < <(cd "$src" && LC_ALL=C ls -- *.go)
go_cache_build apiserver "$(go_cache_key "$src/go.mod" "$src/go.sum" "${sources[@]/#/$src/}" "${BASH_SOURCE[0]}")" build debugdead-apiserver

mkdir -p "$src/bin"
ln -sfn "$out_dir/debugdead-apiserver" "$src/bin/debugdead-apiserver"
echo "$tool: $src/bin/debugdead-apiserver -> $out_dir/debugdead-apiserver ($("$out_dir/debugdead-apiserver" version))" >&2
echo "$out_dir/debugdead-apiserver"
