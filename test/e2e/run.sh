#!/usr/bin/env bash
# End-to-end test on kind (make e2e): create a cluster, build and load the images, install with
# `kubectl apply -k manifests/` (in-cluster TLS bootstrap; two Ready replicas, the PDB), label a namespace,
# crash a scratch-image Deployment, run the CLI as a kubectl plugin, then inside the copy: a busybox applet,
# no probes, `rerun` reproducing the crash's exit code, the PVC replaced; an unannotated pod and an
# unlabelled namespace stay untouched; delete a webhook pod while annotated pods are created and count the
# refusals; clean up. test/node/journey.test.ts runs the same install on the project's real node, without
# Docker (the image from scripts/build-webhook-image.sh).
#
# Needs docker (with a running engine), kind and kubectl. Where one is missing it prints why and exits 0
# (skipped), unless E2E_REQUIRED=1. Environment:
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
export DOCKER KIND NODE

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
"$DOCKER" info >/dev/null 2>&1 || skip "no Docker engine is reachable (docker info failed)"
[[ -x "$NODE" ]] || { echo "e2e: FAILED: $NODE not found: run npm ci first" >&2; exit 1; }

VERSION="$(sed -n 's/^  "version": "\(.*\)",$/\1/p' package.json)"
IMAGE="${IMAGE:-ghcr.io/debugdead/debugdead-webhook:$VERSION}"
CLUSTER="${KIND_CLUSTER:-debugdead-e2e}"
NS=debugdead-e2e
NS_OFF=debugdead-e2e-off
CRASH_IMAGE=debugdead-e2e/crash:1
WORK="$(mktemp -d)"
export KUBECONFIG="$WORK/kubeconfig"
CREATED_CLUSTER=0
STEP=start

log() { printf '\n==> %s\n' "$*"; STEP="$*"; }
fail() { echo "e2e: FAILED at '$STEP': $*" >&2; exit 1; }
k() { "$KUBECTL" "$@"; }

# Polls "$@" every 2 s until it succeeds, for at most $1 seconds.
wait_for() {
  local seconds="$1" what="$2"
  shift 2
  local deadline=$((SECONDS + seconds))
  until "$@" >/dev/null 2>&1; do
    ((SECONDS < deadline)) || fail "timed out after ${seconds}s waiting for $what"
    sleep 2
  done
}

diagnostics() {
  echo "---- diagnostics ----" >&2
  k get pods -A -o wide >&2 || true
  k -n debugdead-system describe pods >&2 || true
  k -n debugdead-system logs -l app.kubernetes.io/name=debugdead --all-containers --tail=100 >&2 || true
  k -n "$NS" describe pods >&2 || true
  k get events -A --sort-by=.lastTimestamp >&2 | tail -50 || true
}

finish() {
  local status=$?
  set +e
  if [[ $status -ne 0 ]]; then diagnostics; fi
  if [[ "$CREATED_CLUSTER" == 1 && "${KEEP_CLUSTER:-0}" != 1 ]]; then
    "$KIND" delete cluster --name "$CLUSTER" >/dev/null 2>&1
  elif [[ -f "$KUBECONFIG" ]]; then
    k delete namespace "$NS" "$NS_OFF" --ignore-not-found --wait=false >/dev/null 2>&1
    k delete -k manifests/ --ignore-not-found --wait=false >/dev/null 2>&1
  fi
  rm -rf "$WORK"
  if [[ $status -eq 0 ]]; then echo "e2e: PASSED"; fi
  exit "$status"
}
trap finish EXIT

log "build ($IMAGE, crash image, dist/)"
npm run build >/dev/null
"$DOCKER" build -t "$IMAGE" .
"$DOCKER" build -t "$CRASH_IMAGE" test/e2e/crash

log "kind cluster $CLUSTER"
if ! "$KIND" get clusters 2>/dev/null | grep -qx "$CLUSTER"; then CREATED_CLUSTER=1; fi
bash test/e2e/kind.sh up "$CLUSTER" "$IMAGE"
"$KIND" get kubeconfig --name "$CLUSTER" >"$KUBECONFIG"
"$KIND" load docker-image "$CRASH_IMAGE" --name "$CLUSTER"
TOOLS_IMAGE="$(bash test/e2e/kind.sh tools-image)"

log "install: kubectl apply -k manifests/"
k apply -k manifests/
k -n debugdead-system wait --for=condition=complete job/debugdead-tls-bootstrap --timeout=180s
k -n debugdead-system rollout status deployment/debugdead-webhook --timeout=180s
ca_bundle="$(k get mutatingwebhookconfiguration debugdead -o jsonpath='{.webhooks[0].clientConfig.caBundle}')"
[[ -n "$ca_bundle" ]] || fail "the bootstrap left the caBundle empty"
k -n debugdead-system get secret debugdead-webhook-tls >/dev/null
[[ "$(k -n debugdead-system get deployment debugdead-webhook -o jsonpath='{.status.readyReplicas}')" == 2 ]] ||
  fail "the webhook does not have 2 Ready replicas"

log "the PDB allows one disruption of two"
pdb_allowed() {
  [[ "$(k -n debugdead-system get pdb debugdead-webhook -o jsonpath='{.status.currentHealthy}/{.status.disruptionsAllowed}')" == 2/1 ]]
}
wait_for 60 "the PDB to count 2 healthy replicas and allow 1 disruption" pdb_allowed

log "opt a namespace in"
k create namespace "$NS"
k label namespace "$NS" debug.dead/enable=true
k create namespace "$NS_OFF"
wait_for 60 "the default ServiceAccount in $NS" k -n "$NS" get serviceaccount default

log "crash a scratch-image Deployment"
k -n "$NS" apply -f test/e2e/crash-app.yaml
crash_reason() {
  k -n "$NS" get pods -l app=crash -o jsonpath='{.items[0].status.containerStatuses[0].state.waiting.reason}'
}
deadline=$((SECONDS + 240))
until [[ "$(crash_reason 2>/dev/null)" == CrashLoopBackOff ]]; do
  ((SECONDS < deadline)) || fail "the crash pod never reached CrashLoopBackOff"
  sleep 3
done
POD="$(k -n "$NS" get pods -l app=crash -o jsonpath='{.items[0].metadata.name}')"
crash_code="$(k -n "$NS" get pod "$POD" -o jsonpath='{.status.containerStatuses[0].lastState.terminated.exitCode}')"
[[ "$crash_code" == 3 ]] || fail "the crash pod's last exit code is '$crash_code', expected 3"

log "kubectl debugdead $POD (the CLI as a kubectl plugin)"
mkdir -p "$WORK/bin"
printf '#!/bin/sh\nexec "%s" "%s/dist/cli/main.js" "$@"\n' "$NODE" "$ROOT" >"$WORK/bin/kubectl-debugdead"
chmod +x "$WORK/bin/kubectl-debugdead"
cli_output="$(PATH="$WORK/bin:$PATH" timeout 300 "$KUBECTL" debugdead "$POD" -n "$NS" </dev/null)" ||
  fail "kubectl debugdead exited $?"
echo "$cli_output"
grep -q 'kubectl exec' <<<"$cli_output" || fail "the CLI did not print the kubectl exec command"
COPY="$(k -n "$NS" get pods -l "debug.dead/copy-of=$POD" -o jsonpath='{.items[0].metadata.name}')"
[[ -n "$COPY" ]] || fail "no pod labelled debug.dead/copy-of=$POD"
k -n "$NS" wait --for=jsonpath='{.status.phase}'=Running "pod/$COPY" --timeout=120s
field() { k -n "$NS" get pod "$COPY" -o jsonpath="{$1}"; }
[[ -n "$(field '.metadata.annotations.debug\.dead/mutated')" ]] || fail "the copy carries no debug.dead/mutated marker"
[[ "$(field '.spec.initContainers[0].image')" == "$TOOLS_IMAGE" ]] || fail "the tools init container does not run $TOOLS_IMAGE"
[[ -z "$(field '.metadata.ownerReferences')" ]] || fail "the copy has an owner"

log "inside the copy: a busybox applet, no probes"
[[ "$(k -n "$NS" exec "$COPY" -c app -- /debug-dead/busybox uname -s)" == Linux ]] || fail "busybox uname failed"
k -n "$NS" exec "$COPY" -c app -- /debug-dead/sh -c '. /debug-dead/.profile && command -v wget && ls /debug-dead/rerun' ||
  fail "the tools are not on PATH through /debug-dead/.profile"
for probe in livenessProbe readinessProbe startupProbe; do
  [[ -z "$(field ".spec.containers[?(@.name==\"app\")].$probe")" ]] || fail "the copy kept its $probe"
done

log "rerun reproduces the crash"
set +e
rerun_output="$(k -n "$NS" exec "$COPY" -c app -- /debug-dead/rerun 2>&1)"
rerun_code=$?
set -e
echo "$rerun_output"
[[ "$rerun_code" == "$crash_code" ]] || fail "rerun exited $rerun_code, the crash exited $crash_code"
grep -q 'cannot load config' <<<"$rerun_output" || fail "rerun did not run the original command"

log "the PVC was replaced"
[[ -z "$(field '.spec.volumes[?(@.name=="data")].persistentVolumeClaim')" ]] || fail "the copy still mounts the PVC"
[[ -n "$(field '.spec.volumes[?(@.name=="data")].emptyDir')" ]] || fail "the data volume is not an emptyDir"

log "unannotated pods and unlabelled namespaces are untouched"
plain_pod() {
  cat <<YAML
apiVersion: v1
kind: Pod
metadata:
  name: $1
  annotations: {$2}
spec:
  containers:
    - name: app
      image: $CRASH_IMAGE
      imagePullPolicy: Never
YAML
}
plain_pod plain '' | k -n "$NS" create -f -
plain_pod annotated-off '"debug.dead/enable": "true"' | k -n "$NS_OFF" create -f -
for target in "$NS/plain" "$NS_OFF/annotated-off"; do
  marker="$(k -n "${target%%/*}" get pod "${target##*/}" -o jsonpath='{.metadata.annotations.debug\.dead/mutated}{.spec.initContainers}')"
  [[ -z "$marker" ]] || fail "$target was mutated"
done

log "delete a webhook pod while annotated pods are created"
# failurePolicy: Fail refuses a pod the webhook cannot answer; the second replica and the preStop drain
# (endpoints drop the deleted pod before it stops listening) should leave nothing to refuse.
victim="$(k -n debugdead-system get pods -l app.kubernetes.io/component=webhook -o jsonpath='{.items[0].metadata.name}')"
mutated=0 unmutated=0 refused=0
started=$SECONDS
for ((i = 0; SECONDS - started < 20; i++)); do
  if ((i == 10)); then k -n debugdead-system delete pod "$victim" --wait=false >/dev/null; fi
  if marker="$(plain_pod "failover-$i" '"debug.dead/enable": "true"' |
    k -n "$NS" create --dry-run=server -f - -o jsonpath='{.metadata.annotations.debug\.dead/mutated}' 2>"$WORK/refused")"; then
    if [[ -n "$marker" ]]; then mutated=$((mutated + 1)); else unmutated=$((unmutated + 1)); fi
  else
    refused=$((refused + 1))
    cat "$WORK/refused" >&2
  fi
done
echo "annotated pods while $victim was deleted: $mutated mutated, $unmutated admitted unmutated, $refused refused"
((unmutated == 0)) || fail "$unmutated annotated pods were admitted without the mutation (failurePolicy: Fail)"
((refused == 0)) || fail "$refused annotated pods were refused while the second replica was up"
k -n debugdead-system rollout status deployment/debugdead-webhook --timeout=180s

log "clean up"
PATH="$WORK/bin:$PATH" "$KUBECTL" debugdead clean --all -n "$NS" </dev/null
started=$SECONDS
k -n "$NS" wait --for=delete "pod/$COPY" --timeout=60s
echo "the copy was gone after $((SECONDS - started))s (the keep-alive exits on SIGTERM)"
((SECONDS - started < 25)) || fail "deleting the copy waited for the grace period"
[[ -n "$(k -n "$NS" get pod "$POD" -o name)" ]] || fail "clean deleted the source pod"
k delete namespace "$NS" "$NS_OFF" --wait=true --timeout=120s
k delete -k manifests/ --ignore-not-found --wait=true --timeout=120s
