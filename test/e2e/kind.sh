#!/usr/bin/env bash
# kind helpers for the Makefile (kind-up, kind-down) and test/e2e/run.sh.
#   kind.sh up NAME IMAGE   create the cluster NAME (if missing), load IMAGE (built if missing) and the
#                           tools image (read from the built code: dist/mutation/config.js)
#   kind.sh down NAME       delete the cluster
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
DOCKER="${DOCKER:-docker}"
KIND="${KIND:-kind}"
NODE="${NODE:-$ROOT/node_modules/.bin/node}"

die() {
  echo "kind.sh: $*" >&2
  exit 1
}

require_tools() {
  command -v "$DOCKER" >/dev/null 2>&1 || die "docker is not installed"
  "$DOCKER" info >/dev/null 2>&1 || die "no Docker engine is reachable (docker info failed)"
  command -v "$KIND" >/dev/null 2>&1 || die "kind is not installed: https://kind.sigs.k8s.io/docs/user/quick-start/"
}

# The tools image the webhook injects by default: pinned once, in src/mutation/config.ts.
tools_image() {
  if [[ ! -f "$ROOT/dist/mutation/config.js" ]]; then
    (cd "$ROOT" && npm run build >/dev/null)
  fi
  (cd "$ROOT" && "$NODE" --input-type=module \
    -e "const m = await import('./dist/mutation/config.js'); console.log(m.DEFAULT_TOOLS_IMAGE);")
}

# Loads a local image into the cluster's nodes.
load_image() {
  "$KIND" load docker-image "$2" --name "$1"
}

# kind load fails on some Docker setups for pulled multi-platform images (containerd image store); a
# public image can still be pulled by the nodes themselves, so for those this only warns.
load_public_image() {
  load_image "$1" "$2" || echo "kind.sh: warning: could not load $2 into kind; the nodes will pull it" >&2
}

cluster_exists() {
  "$KIND" get clusters 2>/dev/null | grep -qx "$1"
}

up() {
  local cluster="$1" image="$2" tools
  require_tools
  if cluster_exists "$cluster"; then
    echo "kind.sh: cluster $cluster exists"
  else
    "$KIND" create cluster --name "$cluster" --wait 120s
  fi
  if ! "$DOCKER" image inspect "$image" >/dev/null 2>&1; then
    "$DOCKER" build -t "$image" "$ROOT"
  fi
  load_image "$cluster" "$image"
  tools="$(tools_image)"
  [[ -n "$tools" ]] || die "could not read DEFAULT_TOOLS_IMAGE from dist/mutation/config.js"
  "$DOCKER" image inspect "$tools" >/dev/null 2>&1 || "$DOCKER" pull "$tools"
  load_public_image "$cluster" "$tools"
}

down() {
  local cluster="$1"
  command -v "$KIND" >/dev/null 2>&1 || die "kind is not installed"
  if cluster_exists "$cluster"; then
    "$KIND" delete cluster --name "$cluster"
  else
    echo "kind.sh: no cluster $cluster"
  fi
}

case "${1:-}" in
  up)
    [[ $# -eq 3 ]] || die "usage: kind.sh up NAME IMAGE"
    up "$2" "$3"
    ;;
  down)
    [[ $# -eq 2 ]] || die "usage: kind.sh down NAME"
    down "$2"
    ;;
  tools-image)
    tools_image
    ;;
  *)
    die "usage: kind.sh up NAME IMAGE | down NAME | tools-image"
    ;;
esac
