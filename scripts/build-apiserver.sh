#!/usr/bin/env bash
# Builds test/apiserver (etcd + kube-apiserver + kube-controller-manager in one binary) for the
# integration tests, or reuses the cached build.
#
# The binary is cached at
#   ${DEBUGDEAD_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/debugdead}/apiserver/<key>/debugdead-apiserver
# where <key> hashes go.mod, go.sum, the Go sources, this script and the Go version, and is linked to
# test/apiserver/bin/debugdead-apiserver (git-ignored), where test/helpers/apiserver.ts looks for it.
# Prints the cached path on stdout; progress goes to stderr.
#
# A cold build downloads the modules (Go module proxy) and compiles Kubernetes: expect tens of
# minutes on 2 cores. A warm rerun only hashes and links: seconds.
#
# Environment: DEBUGDEAD_CACHE (cache root), GOFLAGS/GOPROXY/GOMODCACHE/GOCACHE as usual for go.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
src="$repo/test/apiserver"
script="$repo/scripts/build-apiserver.sh"

# --optional (used by `npm test`): without Go, say so and succeed, so the integration tests skip with
# their printed reason; in CI (CI=true) a missing Go is still a failure.
optional=false
if [[ "${1:-}" == "--optional" ]]; then optional=true; fi

if ! command -v go >/dev/null 2>&1; then
  echo "build-apiserver: 'go' is not on PATH; the real-API-server integration tests need Go >= 1.26" >&2
  if [[ "$optional" == true && "${CI:-}" != "true" ]]; then
    echo "build-apiserver: skipping the build; the integration tests will skip and say why" >&2
    exit 0
  fi
  exit 1
fi

# Stay on the Go installed here (go.mod says 1.26.0) rather than fetching another toolchain.
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

cache_root="${DEBUGDEAD_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/debugdead}/apiserver"
out_dir="$cache_root/$key"
out="$out_dir/debugdead-apiserver"
link="$src/bin/debugdead-apiserver"

mkdir -p "$out_dir" "$src/bin"

build() {
  if [[ -x "$out" ]]; then
    return 0
  fi
  local kube_version minor
  kube_version="$(awk '$1 == "k8s.io/kubernetes" && $2 ~ /^v/ { print $2; exit }' "$src/go.mod")"
  minor="$(cut -d. -f2 <<<"$kube_version")"
  local x=""
  for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    x+=" -X $pkg.gitVersion=$kube_version -X $pkg.gitMajor=1 -X $pkg.gitMinor=$minor -X $pkg.gitTreeState=clean"
  done
  echo "build-apiserver: building Kubernetes $kube_version with $go_version into $out (a cold build takes a long while)" >&2
  local start=$SECONDS
  (
    cd "$src"
    # go.sum is committed: -mod=readonly fails instead of silently resolving other versions.
    GOFLAGS="${GOFLAGS:-} -mod=readonly -buildvcs=false" \
      go build -trimpath -ldflags="-s -w$x" -o "$out.tmp.$$" .
  )
  mv -f "$out.tmp.$$" "$out"
  echo "build-apiserver: built in $((SECONDS - start))s" >&2
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
echo "build-apiserver: $link -> $out ($("$out" version))" >&2
echo "$out"
