#!/usr/bin/env bash
# End-to-end test on kind (make e2e): build the webhook's image with Docker from the Dockerfile and the
# journey's images from test/e2e/crash/Dockerfile, create a kind cluster, load them, then run
# test/e2e/journey.sh against it: the steps the project's real node runs through the in-cluster Service
# (test/node/journey.test.ts, "the shipped install" and "the journey through the in-cluster Service"), case by
# case with the same assertions. See journey.sh for the steps.
#
# Needs docker (with a running engine), kind, kubectl and script (util-linux). Where one is missing it prints
# why and exits 0 (skipped), unless E2E_REQUIRED=1. Environment:
#   IMAGE         webhook image to build and load (default ghcr.io/debugdead/debugdead-webhook:<version>)
#   KIND_CLUSTER  cluster name (default debugdead-e2e); an existing cluster is reused and kept
#   KEEP_CLUSTER  1 keeps a cluster this script created
#   DOCKER, KIND, KUBECTL, NODE   the tools (defaults: docker, kind, kubectl, node_modules/.bin/node)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
DOCKER="${DOCKER:-docker}"
KIND="${KIND:-kind}"
KUBECTL="${KUBECTL:-kubectl}"
NODE="${NODE:-$ROOT/node_modules/.bin/node}"
export DOCKER KIND KUBECTL NODE

skip() {
  if [[ "${E2E_REQUIRED:-0}" == 1 ]]; then
    echo "e2e: FAILED: $* (E2E_REQUIRED=1)" >&2
    exit 1
  fi
  echo "e2e: SKIPPED: $*"
  exit 0
}

command -v "$DOCKER" >/dev/null 2>&1 || skip "docker is not installed"
command -v "$KIND" >/dev/null 2>&1 || skip "kind is not installed (https://kind.sigs.k8s.io)"
command -v "$KUBECTL" >/dev/null 2>&1 || skip "kubectl is not installed"
command -v script >/dev/null 2>&1 || skip "script (util-linux) is not installed: the --exec --rm case needs a terminal"
"$DOCKER" info >/dev/null 2>&1 || skip "no Docker engine is reachable (docker info failed)"
[[ -x "$NODE" ]] || { echo "e2e: FAILED: $NODE not found: run npm ci first" >&2; exit 1; }

VERSION="$(sed -n 's/^  "version": "\(.*\)",$/\1/p' package.json)"
IMAGE="${IMAGE:-ghcr.io/debugdead/debugdead-webhook:$VERSION}"
CLUSTER="${KIND_CLUSTER:-debugdead-e2e}"
# The images of the journey's workloads, under the names test/node/images.ts gives them on the node.
JOURNEY_IMAGES=(debugdead.test/crash:1 debugdead.test/distroless:1 debugdead.test/shell-app:1)
WORK="$(mktemp -d)"
export KUBECONFIG="$WORK/kubeconfig"
CREATED_CLUSTER=0

finish() {
  local status=$?
  set +e
  if [[ "$CREATED_CLUSTER" == 1 && "${KEEP_CLUSTER:-0}" != 1 ]]; then
    "$KIND" delete cluster --name "$CLUSTER" >/dev/null 2>&1
  fi
  rm -rf "$WORK"
  if [[ $status -eq 0 ]]; then echo "e2e: PASSED"; else echo "e2e: FAILED" >&2; fi
  exit "$status"
}
trap finish EXIT

printf '\n==> %s\n' "build ($IMAGE, the journey's images, dist/)"
npm run build >/dev/null
"$DOCKER" build -t "$IMAGE" .
"$DOCKER" build -t "${JOURNEY_IMAGES[0]}" test/e2e/crash
"$DOCKER" build --target distroless -t "${JOURNEY_IMAGES[1]}" test/e2e/crash
"$DOCKER" build --target shell-app -t "${JOURNEY_IMAGES[2]}" test/e2e/crash

printf '\n==> %s\n' "kind cluster $CLUSTER"
if ! "$KIND" get clusters 2>/dev/null | grep -qx "$CLUSTER"; then CREATED_CLUSTER=1; fi
bash test/e2e/kind.sh up "$CLUSTER" "$IMAGE"
"$KIND" get kubeconfig --name "$CLUSTER" >"$KUBECONFIG"
for image in "${JOURNEY_IMAGES[@]}"; do
  "$KIND" load docker-image "$image" --name "$CLUSTER"
done

bash test/e2e/journey.sh
