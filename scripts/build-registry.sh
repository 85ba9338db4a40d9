#!/usr/bin/env bash
# Builds test/registry (a real OCI registry, go-containerregistry's in-memory pkg/registry behind a
# bearer-token / basic / anonymous front, that pushes the tests' images) or reuses the cached build.
#
# Cached by scripts/lib/go-cache.sh under ${DEBUGDEAD_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/debugdead}/registry/<key>/
# (<key> hashes go.mod, go.sum, the Go sources, this script, the library and the Go version) and linked to
# test/registry/bin/debugdead-registry (git-ignored), where test/helpers/registry.ts looks for it.
# Prints the cached path on stdout; progress goes to stderr.
#
# A cold build downloads a few modules (Go module proxy) and compiles them: about a minute on 2 cores.
# A warm rerun only hashes and links.
#
# --optional (used by `npm test`): without Go, say so and succeed, so the registry tests skip with their
# printed reason; in CI (CI=true) a missing Go is still a failure.
# Environment: DEBUGDEAD_CACHE (cache root), GOFLAGS/GOPROXY/GOMODCACHE/GOCACHE as usual for go.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
src="$repo/test/registry"
tool=build-registry
optional=false
if [[ "${1:-}" == "--optional" ]]; then optional=true; fi
# shellcheck source=scripts/lib/go-cache.sh
. "$repo/scripts/lib/go-cache.sh"

go_cache_require_go "the real-registry tests"

build() {
  echo "$tool: building test/registry with $go_version into $out_dir" >&2
  # go.sum is committed: -mod=readonly fails instead of silently resolving other versions.
  (cd "$src" && GOFLAGS="${GOFLAGS:-} -mod=readonly -buildvcs=false" go build -trimpath -ldflags="-s -w" -o "$1/debugdead-registry" .)
}

mapfile -t sources < <(cd "$src" && LC_ALL=C ls -- *.go)
go_cache_build registry "$(go_cache_key "$src/go.mod" "$src/go.sum" "${sources[@]/#/$src/}" "${BASH_SOURCE[0]}")" build debugdead-registry

mkdir -p "$src/bin"
ln -sfn "$out_dir/debugdead-registry" "$src/bin/debugdead-registry"
echo "$tool: $src/bin/debugdead-registry -> $out_dir/debugdead-registry" >&2
echo "$out_dir/debugdead-registry"
