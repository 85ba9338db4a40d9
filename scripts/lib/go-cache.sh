# shellcheck shell=bash
# Sourced by scripts/build-{apiserver,node,registry}.sh: the one copy of how the project's Go programs are
# found, keyed, built once, cached and linked.
#
# A build is cached at
#   ${DEBUGDEAD_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/debugdead}/<kind>/<key>/
# where <key> hashes the Go version, the files the caller names (sources, go.mod, go.sum, its own script)
# and this library. Concurrent builds of one key are serialized with flock. Each use marks its key as used;
# keys of a kind unused for a week are dropped (never the two most recently used), so that checkouts of
# different commits (git worktrees, CI next to a developer) do not delete each other's binaries. A rebuild after a key change mostly relinks: the Go build cache ($GOCACHE) still holds the
# compiled packages.
#
# The caller sets `tool` (its name in messages) and `optional` (true for --optional) before sourcing.
# shellcheck disable=SC2154 # tool and optional: set by the caller

# Without what a build needs: say so; with --optional outside CI succeed (the tests then skip and say why),
# otherwise fail.
go_cache_unavailable() {
  echo "$tool: $1" >&2
  if [[ "$optional" == true && "${CI:-}" != "true" ]]; then
    echo "$tool: skipping the build; the tests that need it will skip and say why" >&2
    exit 0
  fi
  exit 1
}

# Go on PATH (or where the official tarball installs it), on the Go installed here (go.mod says 1.26.0)
# rather than a fetched toolchain, statically linked.
go_cache_require_go() {
  if ! command -v go >/dev/null 2>&1 && [[ -x /usr/local/go/bin/go ]]; then export PATH="$PATH:/usr/local/go/bin"; fi
  command -v go >/dev/null 2>&1 || go_cache_unavailable "'go' is not on PATH; $1 need Go >= 1.26"
  export GOTOOLCHAIN="${GOTOOLCHAIN:-local}"
  export CGO_ENABLED=0
  go_version="$(go env GOVERSION) $(go env GOOS)/$(go env GOARCH)"
}

# go_cache_key FILE…: 16 hex digits over the Go version, each file (named relative to the repository) and
# this library.
go_cache_key() {
  {
    printf '%s\n' "$go_version"
    local f
    for f in "$@" "${BASH_SOURCE[0]}"; do
      printf '== %s\n' "${f#"$repo"/}"
      cat -- "$f"
    done
  } | sha256sum | cut -c1-16
}

# go_cache_kube_ldflags GO_MOD: the -X flags that make a Kubernetes binary report the version of
# k8s.io/kubernetes in GO_MOD (as its own release build does), after -s -w.
go_cache_kube_ldflags() {
  local kube_version minor x="-s -w" pkg
  kube_version="$(awk '$1 == "k8s.io/kubernetes" && $2 ~ /^v/ { print $2; exit }' "$1")"
  minor="$(cut -d. -f2 <<<"$kube_version")"
  for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    x+=" -X $pkg.gitVersion=$kube_version -X $pkg.gitMajor=1 -X $pkg.gitMinor=$minor -X $pkg.gitTreeState=clean"
  done
  printf '%s' "$x"
}

# go_cache_build KIND KEY BUILD_FN BINARY…: sets out_dir to the cache directory of KEY; unless every
# BINARY is there, runs BUILD_FN TMP_DIR (which writes every BINARY into TMP_DIR), moves them in and drops
# the keys of KIND unused for a week. Holds a lock on the key meanwhile (released when the calling script exits).
go_cache_build() {
  local kind="$1" key="$2" build_fn="$3" cache_root b tmp start old
  shift 3
  cache_root="${DEBUGDEAD_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/debugdead}/$kind"
  out_dir="$cache_root/$key"
  mkdir -p "$out_dir"
  if command -v flock >/dev/null 2>&1; then
    exec 9>"$out_dir/.lock"
    flock 9
  fi
  touch "$out_dir"
  local missing=false
  for b in "$@"; do [[ -x "$out_dir/$b" ]] || missing=true; done
  [[ "$missing" == true ]] || return 0
  tmp="$out_dir/.tmp.$$"
  rm -rf "$tmp"
  mkdir -p "$tmp"
  start=$SECONDS
  "$build_fn" "$tmp"
  for b in "$@"; do mv -f "$tmp/$b" "$out_dir/$b"; done
  rm -rf "$tmp"
  echo "$tool: built in $((SECONDS - start))s" >&2
  touch "$out_dir"
  while IFS= read -r old; do
    [[ "$old" == "$out_dir" ]] || rm -rf -- "$old"
  done < <(find "$cache_root" -mindepth 1 -maxdepth 1 -type d -mtime +7 -printf '%T@ %p\n' | sort -rn | cut -d' ' -f2- |
    grep -vxF -f <(find "$cache_root" -mindepth 1 -maxdepth 1 -type d -printf '%T@ %p\n' | sort -rn | head -n 2 | cut -d' ' -f2-))
}
