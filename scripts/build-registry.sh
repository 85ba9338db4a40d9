#!/usr/bin/env bash
# Builds test/registry (a real OCI registry, go-containerregistry's in-memory pkg/registry behind a
# bearer-token / basic / anonymous front, that pushes the tests' images) or reuses the cached build.
#
# The binary is cached at
#   ${DEBUGDEAD_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/debugdead}/registry/<key>/debugdead-registry
# where <key> hashes go.mod, go.sum, the Go sources, this script and the Go version, and is linked to
# test/registry/bin/debugdead-registry (git-ignored), where test/helpers/registry.ts looks for it.
# Prints the cached path on stdout; progress goes to stderr.
#
# A cold build downloads a few modules (Go module proxy) and compiles them: about a minute on 2 cores.
# A warm rerun only hashes and links.
#
# Environment: DEBUGDEAD_CACHE (cache root), GOFLAGS/GOPROXY/GOMODCACHE/GOCACHE as usual for go.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
src="$repo/test/registry"
script="$repo/scripts/build-registry.sh"

# --optional (used by `npm test`): without Go, say so and succeed, so the registry tests skip with
# their printed reason; in CI (CI=true) a missing Go is still a failure.
optional=false
if [[ "${1:-}" == "--optional" ]]; then optional=true; fi

if ! command -v go >/dev/null 2>&1 && [[ -x /usr/local/go/bin/go ]]; then export PATH="$PATH:/usr/local/go/bin"; fi
if ! command -v go >/dev/null 2>&1; then
  echo "build-registry: 'go' is not on PATH; the real-registry tests need Go >= 1.26" >&2
  if [[ "$optional" == true && "${CI:-}" != "true" ]]; then
    echo "build-registry: skipping the build; the registry tests will skip and say why" >&2
    exit 0
  fi
  exit 1
fi

export GOTOOLCHAIN="${GOTOOLCHAIN:-local}"
export CGO_ENABLED=0

go_version="$(go env GOVERSION) $(go env GOOS)/$(go env GOARCH)"
key="$(
  {
    printf '%s\n' "$go_version"
    cd "$src"
    for f in go.mod go.sum $(LC_ALL=C ls -- *.go); do
      printf '== %s\n' "$f"
      cat -- "$f"
    done
    printf '== build script\n'
    cat -- "$script"
  } | sha256sum | cut -c1-16
)"

cache_root="${DEBUGDEAD_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/debugdead}/registry"
out_dir="$cache_root/$key"
out="$out_dir/debugdead-registry"
link="$src/bin/debugdead-registry"

mkdir -p "$out_dir" "$src/bin"

build() {
  if [[ -x "$out" ]]; then
    return 0
  fi
  echo "build-registry: building test/registry with $go_version into $out" >&2
  local start=$SECONDS
  (
    cd "$src"
    # go.sum is committed: -mod=readonly fails instead of silently resolving other versions.
    GOFLAGS="${GOFLAGS:-} -mod=readonly -buildvcs=false" go build -trimpath -ldflags="-s -w" -o "$out.tmp.$$" .
  )
  mv -f "$out.tmp.$$" "$out"
  echo "build-registry: built in $((SECONDS - start))s" >&2
  # Keep the two most recent builds, drop older ones.
  local old
  while IFS= read -r old; do
    [[ "$old" == "$out_dir" ]] || rm -rf -- "$old"
  done < <(find "$cache_root" -mindepth 1 -maxdepth 1 -type d -printf '%T@ %p\n' | sort -rn | tail -n +3 | cut -d' ' -f2-)
}

# Serialize concurrent builds of the same key (two shells, or CI and a developer).
if command -v flock >/dev/null 2>&1; then
  exec 9>"$out_dir/.lock"
  flock 9
fi
build

ln -sfn "$out" "$link"
echo "build-registry: $link -> $out" >&2
echo "$out"
