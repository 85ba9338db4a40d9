#!/usr/bin/env bash
# shellcheck disable=SC2016 # what is typed into the copies' shells (and node -e) expands there, not here
# The steps the project's real node runs through the in-cluster Service (test/node/journey.test.ts, "the
# shipped install" and "the journey through the in-cluster Service"), each step named as the node's test,
# against the cluster of $KUBECONFIG: test/e2e/run.sh runs it on kind (make e2e). The cluster must have the
# webhook's image (manifests/), the tools image and the journey's images (test/node/images.ts names) and no
# debugdead install yet; the script installs, runs the steps, and uninstalls.
#
#   install   kubectl apply -k manifests/: the bootstrap Job makes the Secret and patches the caBundle (its
#             first pod), the clientConfig is the Service, two Ready replicas, the PDB allows one disruption;
#             an annotated pod in a labelled namespace is mutated, runs, and rerun reproduces its crash
#   journey   the journey's workloads (test/node/workloads.ts, printed by test/e2e/workloads.ts), and its
#             cases with its assertions: a crash-looping scratch-image Deployment in a restricted namespace
#             (the copy runs, is never Ready, is never adopted); a shell with the command the CLI prints
#             (busybox on PATH through .profile, the image's files, rerun with the original argv and exit
#             code); a distroless image with runAsNonRoot and a read-only root; a crashing init container; a
#             PVC (an empty directory in the copy); a quota requiring limits with a LimitRange; --exec --rm on
#             a pseudo-terminal; deleting a copy; a 15s TTL ending DeadlineExceeded; clean --all; every pod
#             above logged as mutated by a webhook pod
#   then      unannotated pods and unlabelled namespaces stay untouched; the PDB refuses a second eviction;
#             a webhook pod deleted while annotated pods are created (counting refusals); uninstall
# Not here: the picker (it needs typing on a terminal as it draws; the node's test does it) and --local (it
# bypasses the webhook; the node tests it once, through neither webhook).
#
# Needs kubectl, script (util-linux), node_modules (npm ci). Environment: KUBECTL, NODE as in run.sh.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
KUBECTL="${KUBECTL:-kubectl}"
NODE="${NODE:-$ROOT/node_modules/.bin/node}"
[[ -n "${KUBECONFIG:-}" ]] || { echo "journey.sh: set KUBECONFIG to the cluster to test" >&2; exit 2; }
SYSTEM=debugdead-system
WEBHOOK_SELECTOR=app.kubernetes.io/name=debugdead,app.kubernetes.io/component=webhook
# The journey's namespaces are PREFIX + their key in test/node/workloads.ts.
PREFIX=debugdead-e2e-
NS=debugdead-e2e
NS_OFF=debugdead-e2e-off
# The scratch image of the journey's workloads (test/node/images.ts), for the pods made here.
CRASH_IMAGE=debugdead.test/crash:1
# What the crash binary does (test/e2e/crash/main.go; test/node/images.ts crashMessage).
CRASH_EXIT_CODE=3
crash_message() { echo "crash: cannot load config [$*]: no such file or directory"; }
TOOLS=/debug-dead
WORK="$(mktemp -d)"
STEP=start
# Every copy the journey made ("namespace/name"), for the last case.
COPIES=()

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

# The journey's namespaces here (test/e2e/workloads.ts leaves out `local`).
JOURNEY_NAMESPACES=("${PREFIX}journey" "${PREFIX}nonroot" "${PREFIX}init" "${PREFIX}volumes" "${PREFIX}quota")

diagnostics() {
  local ns
  echo "---- diagnostics ----" >&2
  k get pods -A -o wide >&2 || true
  k -n "$SYSTEM" describe pods >&2 || true
  k -n "$SYSTEM" logs -l app.kubernetes.io/name=debugdead --all-containers --tail=100 >&2 || true
  for ns in "$NS" "${JOURNEY_NAMESPACES[@]}"; do k -n "$ns" describe pods >&2 || true; done
  k get events -A --sort-by=.lastTimestamp >&2 | tail -50 || true
}

finish() {
  local status=$?
  set +e
  if [[ $status -ne 0 ]]; then
    diagnostics
    k delete namespace "$NS" "$NS_OFF" "${JOURNEY_NAMESPACES[@]}" --ignore-not-found --wait=false >/dev/null 2>&1
    k delete -k manifests/ --ignore-not-found --wait=false >/dev/null 2>&1
  fi
  rm -rf "$WORK"
  exit "$status"
}
trap finish EXIT

# --- what the journey's cases share (test/node/journey.test.ts has the same helpers) ----------------------

# kubectl debugdead as a kubectl plugin, without a terminal; its output in $CLI_OUT.
debugdead() {
  CLI_OUT="$(PATH="$WORK/bin:$PATH" timeout 300 "$KUBECTL" debugdead "$@" </dev/null 2>&1)" ||
    fail "kubectl debugdead $* exited $?: $CLI_OUT"
  echo "$CLI_OUT"
}

# The one copy the CLI reported ("Running: NS/NAME, a copy of NS/SOURCE"): its name in $COPY, remembered;
# and the report prints the command that opens a shell in its container $3 (shell_in runs it).
reported_copy() {
  local ns="$1" source="$2" container="$3"
  COPY="$(sed -n "s|^Running: $ns/\(debug-[a-z0-9-]*\), a copy of $ns/$source.*|\1|p" <<<"$CLI_OUT" | head -1)"
  [[ -n "$COPY" ]] || fail "no \"Running:\" line for a copy of $ns/$source in: $CLI_OUT"
  COPIES+=("$ns/$COPY")
  local printed="kubectl exec -it -n $ns $COPY -c $container -- $TOOLS/busybox env ENV=$TOOLS/.profile $TOOLS/busybox sh"
  grep -qF "$printed" <<<"$CLI_OUT" || fail "the CLI did not print '$printed': $CLI_OUT"
}

field() { k -n "$1" get pod "$2" -o jsonpath="{$3}"; }

# A copy as the kubelet runs it: Running, the kept-alive container up, never Ready, owned by nothing.
assert_running_copy() {
  local ns="$1" copy="$2" container="$3"
  [[ "$(field "$ns" "$copy" .status.phase)" == Running ]] || fail "$copy is not Running"
  [[ -n "$(field "$ns" "$copy" ".status.containerStatuses[?(@.name==\"$container\")].state.running")" ]] ||
    fail "$container does not run in $copy"
  [[ "$(field "$ns" "$copy" '.status.conditions[?(@.type=="Ready")].status')" == False ]] ||
    fail "$copy is Ready (its readiness gate should keep it out of Services)"
  [[ -n "$(field "$ns" "$copy" '.spec.readinessGates')" ]] || fail "$copy has no readiness gate"
  [[ -z "$(field "$ns" "$copy" '.metadata.ownerReferences')" ]] || fail "$copy has an owner"
}

# A shell in the copy, opened with the command the CLI prints (without the terminal: `sh -i` reads the
# tools' .profile through $ENV as on a terminal), fed $4. Its stdout, prompts dropped, in $SHELL_OUT; its
# stderr in $SHELL_ERR.
shell_in() {
  local ns="$1" copy="$2" container="$3" script="$4"
  local where=(-n "$ns" "$copy" -c "$container" --)
  # The copy is Running a moment before its keep-alive has written rerun and .profile: wait, as a person would.
  wait_for 30 "the keep-alive of $copy to write rerun and .profile" \
    k exec "${where[@]}" "$TOOLS/busybox" test -x "$TOOLS/rerun" -a -f "$TOOLS/.profile"
  SHELL_OUT="$(printf '%s\nexit 0\n' "$script" |
    k exec -i "${where[@]}" "$TOOLS/busybox" env "ENV=$TOOLS/.profile" "$TOOLS/busybox" sh -i 2>"$WORK/shell.err" |
    sed 's/debugdead:[^ ]*\$ //g')" || fail "kubectl exec into $copy failed: $(cat "$WORK/shell.err")"
  SHELL_ERR="$(cat "$WORK/shell.err")"
  echo "$SHELL_OUT"
}

# Fails unless $SHELL_OUT has the line $1 (a grep -x pattern), saying $2.
shell_says() { grep -qx -- "$1" <<<"$SHELL_OUT" || fail "$2: no line '$1' in: $SHELL_OUT"; }
# Fails unless the shell's stderr has the text $1 (rerun ran the original argv).
shell_err_has() { grep -qF -- "$1" <<<"$SHELL_ERR" || fail "rerun did not run the original argv: $SHELL_ERR"; }

# Whether the container $4 of the pod $1/$2 has restarted ($3: containerStatuses or initContainerStatuses).
restarted() { [[ "$(field "$1" "$2" ".status.$3[?(@.name==\"$4\")].restartCount")" =~ ^[1-9] ]]; }

# --- install ------------------------------------------------------------------------------------------

TOOLS_IMAGE="$(bash test/e2e/kind.sh tools-image)"
mkdir -p "$WORK/bin"
printf '#!/bin/sh\nexec "%s" "%s/dist/cli/main.js" "$@"\n' "$NODE" "$ROOT" >"$WORK/bin/kubectl-debugdead"
chmod +x "$WORK/bin/kubectl-debugdead"

log "the bootstrap Job creates the Secret and patches the caBundle; both replicas become Ready as shipped; the PDB allows one disruption"
k apply -k manifests/
k -n "$SYSTEM" wait --for=condition=complete job/debugdead-tls-bootstrap --timeout=180s
[[ "$(k -n "$SYSTEM" get job debugdead-tls-bootstrap -o jsonpath='{.status.failed}')" =~ ^0?$ ]] ||
  fail "the bootstrap Job needed more than one pod"
k -n "$SYSTEM" rollout status deployment/debugdead-webhook --timeout=180s
ca_bundle="$(k get mutatingwebhookconfiguration debugdead -o jsonpath='{.webhooks[0].clientConfig.caBundle}')"
[[ -n "$ca_bundle" ]] || fail "the bootstrap left the caBundle empty"
[[ "$ca_bundle" == "$(k -n "$SYSTEM" get secret debugdead-webhook-tls -o jsonpath='{.data.ca\.crt}')" ]] ||
  fail "the caBundle is not the Secret's CA"
[[ "$(k get mutatingwebhookconfiguration debugdead -o jsonpath='{.webhooks[0].clientConfig.service.name}')" == debugdead-webhook ]] ||
  fail "the webhook is not called through the Service"
[[ "$(k -n "$SYSTEM" get deployment debugdead-webhook -o jsonpath='{.status.readyReplicas}')" == 2 ]] ||
  fail "the webhook does not have 2 Ready replicas"
pdb_allowed() {
  [[ "$(k -n "$SYSTEM" get pdb debugdead-webhook -o jsonpath='{.status.currentHealthy}/{.status.desiredHealthy}/{.status.disruptionsAllowed}')" == 2/1/1 ]]
}
wait_for 60 "the PDB to count 2 healthy replicas and allow 1 disruption" pdb_allowed

log "an annotated pod in a labelled namespace is mutated by the in-cluster webhook"
k create namespace "$NS"
k label namespace "$NS" debug.dead/enable=true
k create namespace "$NS_OFF"
wait_for 60 "the default ServiceAccount in $NS" k -n "$NS" get serviceaccount default
k run orders -n "$NS" --image="$CRASH_IMAGE" --image-pull-policy=Never --annotations=debug.dead/enable=true \
  --command -- /crash --through=service
[[ -n "$(field "$NS" orders '.metadata.annotations.debug\.dead/mutated')" ]] || fail "orders was not mutated"
[[ "$(field "$NS" orders '.spec.initContainers[*].name')" == debug-dead-tools ]] || fail "no tools init container"
orders_runs() { [[ -n "$(field "$NS" orders '.status.containerStatuses[?(@.name=="orders")].state.running')" ]]; }
wait_for 120 "the mutated pod to run" orders_runs
assert_running_copy "$NS" orders orders
shell_in "$NS" orders orders '/debug-dead/rerun; echo "rerun exit=$?"'
shell_says "rerun exit=$CRASH_EXIT_CODE" "rerun returns the exit code"
shell_err_has "$(crash_message --through=service)"
COPIES+=("$NS/orders")

log "the journey's workloads (test/node/workloads.ts)"
"$NODE" --import tsx test/e2e/workloads.ts "$PREFIX" >"$WORK/workloads.json"
# A bare pod is refused until its namespace's default ServiceAccount exists: apply again until all are in.
wait_for 90 "the journey's workloads to be created" k apply -f "$WORK/workloads.json"

# --- the journey through the in-cluster Service (test/node/journey.test.ts, case by case) -----------------

log "a crash-looping Deployment in a restricted namespace: the copy runs, is never Ready and never adopted"
ns="${PREFIX}journey"
shop_crash_looping() {
  [[ "$(k -n "$ns" get pods -l 'app=shop,!debug.dead/copy-of' \
    -o jsonpath='{.items[0].status.containerStatuses[0].state.waiting.reason}')" == CrashLoopBackOff ]]
}
wait_for 240 "the shop pod in CrashLoopBackOff" shop_crash_looping
SOURCE="$(k -n "$ns" get pods -l 'app=shop,!debug.dead/copy-of' -o jsonpath='{.items[0].metadata.name}')"
source_uid="$(field "$ns" "$SOURCE" .metadata.uid)"
crash_code="$(field "$ns" "$SOURCE" '.status.containerStatuses[0].lastState.terminated.exitCode')"
[[ "$crash_code" == "$CRASH_EXIT_CODE" ]] || fail "the shop pod's last exit code is '$crash_code'"
debugdead "$SOURCE" -n "$ns"
reported_copy "$ns" "$SOURCE" app
SHOP_COPY="$COPY"
grep -qF 'Probes removed: app (livenessProbe, readinessProbe)' <<<"$CLI_OUT" || fail "no 'Probes removed' line"
assert_running_copy "$ns" "$SHOP_COPY" app
[[ "$(field "$ns" "$SHOP_COPY" '.metadata.labels.debug\.dead/copy-of')" == "$SOURCE" ]] || fail "no copy-of label"
[[ -n "$(field "$ns" "$SHOP_COPY" '.metadata.annotations.debug\.dead/mutated')" ]] || fail "not mutated"
[[ "$(field "$ns" "$SHOP_COPY" '.spec.initContainers[0].image')" == "$TOOLS_IMAGE" ]] ||
  fail "the tools init container does not run $TOOLS_IMAGE"
for probe in livenessProbe readinessProbe startupProbe; do
  [[ -z "$(field "$ns" "$SHOP_COPY" ".spec.containers[?(@.name==\"app\")].$probe")" ]] || fail "the copy kept its $probe"
done
# Two kubelet syncs and the ReplicaSet controller's resyncs later: still the same.
sleep 11
assert_running_copy "$ns" "$SHOP_COPY" app
[[ "$(field "$ns" "$SHOP_COPY" '.status.containerStatuses[?(@.name=="app")].restartCount')" == 0 ]] ||
  fail "the kept-alive container restarted"
owned="$(k -n "$ns" get pods -l app=shop -o jsonpath='{range .items[?(@.metadata.ownerReferences)]}{.metadata.uid} {end}')"
[[ "$owned" == "$source_uid " ]] || fail "the ReplicaSet owns '$owned', not just its own pod $source_uid"

log "kubectl exec: a shell with the busybox applets on PATH, the original filesystem, and rerun reproduces the crash"
shell_in "$ns" "$SHOP_COPY" app 'echo "path=$PATH"; echo "uid=$(id -u)"; ls /; /debug-dead/rerun; echo "rerun exit=$?"'
shell_says 'path=.*:/debug-dead' "the .profile appends the tools to PATH"
shell_says 'uid=65534' "the shell runs as the pod runs"
shell_says crash "the scratch image's only file is visible at /"
shell_says debug-dead "the tools are mounted"
shell_says "rerun exit=$CRASH_EXIT_CODE" "rerun returns the exit code"
shell_err_has "$(crash_message --config /etc/shop/app.yaml --listen=:8080)"

log "a distroless image with runAsNonRoot and a read-only root filesystem"
ns="${PREFIX}nonroot"
wait_for 120 "the api pod to have crashed" restarted "$ns" api containerStatuses api
debugdead api -n "$ns"
reported_copy "$ns" api api
assert_running_copy "$ns" "$COPY" api
shell_in "$ns" "$COPY" api 'echo "uid=$(id -u)"; touch /app/x 2>/dev/null && echo writable || echo read-only; ls /app; /debug-dead/rerun; echo "rerun exit=$?"'
shell_says 'uid=65532' "the image USER"
shell_says read-only "the root filesystem is read-only"
shell_says server "the image's files"
shell_says "rerun exit=$CRASH_EXIT_CODE" "rerun returns the exit code"
shell_err_has "$(crash_message --listen=:9090)"

log "a crashing init container is kept alive, and rerun reproduces it"
ns="${PREFIX}init"
wait_for 120 "the init container of web to have failed" restarted "$ns" web initContainerStatuses migrate
debugdead web -n "$ns" -c migrate
reported_copy "$ns" web migrate
[[ "$(field "$ns" "$COPY" .status.phase)" == Pending ]] || fail "the copy does not wait in its init container"
[[ -n "$(field "$ns" "$COPY" '.status.initContainerStatuses[?(@.name=="migrate")].state.running')" ]] ||
  fail "migrate does not run in $COPY"
grep -qF 'do not start while it is kept alive' <<<"$CLI_OUT" || fail "the report does not say what waits"
shell_in "$ns" "$COPY" migrate 'cat /app/config.yaml; /debug-dead/rerun; echo "rerun exit=$?"'
shell_says 'listen: ":8080"' "the image's own files"
shell_says 'migrating with 2 settings' "the original shell command ran"
shell_says 'rerun exit=4' "rerun returns the exit code"

log "a pod with a PersistentVolumeClaim: the copy starts with an empty directory"
ns="${PREFIX}volumes"
debugdead db -n "$ns"
reported_copy "$ns" db db
assert_running_copy "$ns" "$COPY" db
grep -qF 'Volumes replaced by empty directories (their data is not in the copy): data' <<<"$CLI_OUT" ||
  fail "the report does not name the replaced volume"
[[ -z "$(field "$ns" "$COPY" '.spec.volumes[?(@.name=="data")].persistentVolumeClaim')" ]] || fail "the copy still mounts the PVC"
[[ -n "$(field "$ns" "$COPY" '.spec.volumes[?(@.name=="data")].emptyDir')" ]] || fail "the data volume is not an emptyDir"
shell_in "$ns" "$COPY" db 'ls -A /data | wc -l; /debug-dead/rerun; echo "rerun exit=$?"'
shell_says 0 "an empty /data"
shell_says 'rerun exit=5' "rerun returns the exit code"

log "a namespace whose quota requires limits and whose LimitRange bounds them"
ns="${PREFIX}quota"
debugdead worker -n "$ns"
reported_copy "$ns" worker worker
QUOTA_COPY="$COPY"
assert_running_copy "$ns" "$QUOTA_COPY" worker
shell_in "$ns" "$QUOTA_COPY" worker '/debug-dead/rerun; echo "rerun exit=$?"'
shell_says "rerun exit=$CRASH_EXIT_CODE" "rerun returns the exit code"

log "--exec --rm: the shell opens on a terminal, and when it exits the copy is gone"
copies_of() { k -n "$1" get pods -l "debug.dead/copy-of=$2" -o jsonpath='{.items[*].metadata.name}'; }
before="$(copies_of "$ns" worker)"
mkfifo "$WORK/keys"
PATH="$WORK/bin:$PATH" TERM=xterm script -qfec "'$KUBECTL' debugdead worker -n '$ns' --exec --rm" /dev/null \
  <"$WORK/keys" >"$WORK/terminal" 2>&1 &
terminal=$!
exec 7>"$WORK/keys"
shell_prompt() { grep -q 'debugdead:' "$WORK/terminal" && grep -q 'are on PATH' "$WORK/terminal"; }
wait_for 90 "the shell of --exec --rm" shell_prompt
printf 'echo "in the copy: $((6 * 7))"; ls / | grep -c crash\r' >&7
sleep 1
printf 'exit\r' >&7
exec 7>&-
wait "$terminal" || fail "kubectl debugdead --exec --rm exited $?: $(cat "$WORK/terminal")"
grep -q 'in the copy: 42' "$WORK/terminal" || fail "the shell did not run what was typed: $(cat "$WORK/terminal")"
only_before() { [[ "$(copies_of "$ns" worker)" == "$before" ]]; }
wait_for 30 "the --rm copy to be gone (the quota case's copy stays)" only_before

log "deleting a copy takes about a second, not its grace period"
[[ "$(copies_of "$ns" worker)" == "$QUOTA_COPY" ]] || fail "expected only $QUOTA_COPY: $(copies_of "$ns" worker)"
started="$("$NODE" -e 'console.log(Date.now())')"
k -n "$ns" delete pod "$QUOTA_COPY" --wait=true
took="$("$NODE" -e 'console.log(((Date.now() - Number(process.argv[1])) / 1000).toFixed(2))' "$started")"
echo "kubectl delete of a running copy took $took s"
"$NODE" -e 'process.exit(Number(process.argv[1]) < 10 ? 0 : 1)' "$took" ||
  fail "deleting took $took s: the keep-alive did not stop on SIGTERM"
[[ -z "$(copies_of "$ns" worker)" ]] || fail "the copy is still there"

log "a copy with debug.dead/ttl 15s ends DeadlineExceeded on time"
ns="${PREFIX}journey"
debugdead "$SOURCE" -n "$ns" --ttl 15s
reported_copy "$ns" "$SOURCE" app
TTL_COPY="$COPY"
[[ "$(field "$ns" "$TTL_COPY" .spec.activeDeadlineSeconds)" == 15 ]] || fail "activeDeadlineSeconds is not 15"
ttl_ended() { [[ "$(field "$ns" "$TTL_COPY" .status.phase)" == Failed ]]; }
wait_for 60 "the copy to reach its deadline" ttl_ended
[[ "$(field "$ns" "$TTL_COPY" .status.reason)" == DeadlineExceeded ]] || fail "the copy failed, not DeadlineExceeded"
lived="$("$NODE" -e 'console.log(((Date.now() - Date.parse(process.argv[1])) / 1000).toFixed(1))' \
  "$(field "$ns" "$TTL_COPY" .status.startTime)")"
echo "the 15s copy ended DeadlineExceeded $lived s after it started"
"$NODE" -e 'const s = Number(process.argv[1]); process.exit(s >= 15 && s < 40 ? 0 : 1)' "$lived" ||
  fail "it ended $lived s after its start"

log "kubectl debugdead clean --all removes the copies and nothing else"
uids() { k -n "$ns" get pods "$@" -o jsonpath='{range .items[*]}{.metadata.uid}{"\n"}{end}' | sort; }
others="$(uids -l '!debug.dead/copy-of')"
(($(uids -l debug.dead/copy-of | wc -l) >= 2)) || fail "expected the copies made above in $ns"
debugdead clean --all -n "$ns"
no_copies() { [[ -z "$(uids -l debug.dead/copy-of)" ]]; }
wait_for 30 "the copies to be gone" no_copies
[[ "$(uids)" == "$others" ]] || fail "clean touched a pod that is not a copy"

log "every copy above was mutated by a webhook pod: its log names each one"
k -n "$SYSTEM" logs -l "$WEBHOOK_SELECTOR" --tail=-1 >"$WORK/webhook.log"
((${#COPIES[@]} == 7)) || fail "the pods of this run: ${COPIES[*]}"
not_logged="$("$NODE" -e '
  const [log, ...copies] = process.argv.slice(1);
  const reviews = require("node:fs").readFileSync(log, "utf8").split("\n").filter((line) => line.startsWith("{"))
    .map((line) => JSON.parse(line))
    .filter((e) => e.msg === "admission review" && e.operation === "CREATE" && e.outcome === "mutated");
  const mutated = new Set(reviews.map((e) => `${e.namespace}/${e.name}`));
  console.log(copies.filter((copy) => !mutated.has(copy)).join(" "));
' "$WORK/webhook.log" "${COPIES[@]}")"
[[ -z "$not_logged" ]] || fail "no webhook pod logged these copies as mutated: $not_logged"

# --- around the journey -----------------------------------------------------------------------------------

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

log "the PDB holds: of two replicas, one may be evicted, the second is refused"
evict() {
  printf '{"apiVersion":"policy/v1","kind":"Eviction","metadata":{"name":"%s","namespace":"%s"}}' "$1" "$SYSTEM" |
    k create --raw "/api/v1/namespaces/$SYSTEM/pods/$1/eviction" -f - 2>&1
}
read -r first second < <(k -n "$SYSTEM" get pods -l "$WEBHOOK_SELECTOR" -o jsonpath='{.items[0].metadata.name} {.items[1].metadata.name}{"\n"}')
evict "$first" >/dev/null || fail "the first eviction was refused"
if refusal="$(evict "$second")"; then fail "the second eviction was allowed"; fi
grep -q 'disruption budget' <<<"$refusal" || fail "the second eviction failed, but not for the budget: $refusal"
k -n "$SYSTEM" wait --for=delete "pod/$first" --timeout=120s
k -n "$SYSTEM" rollout status deployment/debugdead-webhook --timeout=180s

log "deleting a webhook pod while annotated pods are created: none is refused (preStop drain, second replica)"
# failurePolicy: Fail refuses a pod the webhook cannot answer; the second replica and the preStop drain
# (endpoints drop the deleted pod before it stops listening) should leave nothing to refuse.
victim="$(k -n "$SYSTEM" get pods -l app.kubernetes.io/component=webhook -o jsonpath='{.items[0].metadata.name}')"
mutated=0 unmutated=0 refused=0
started=$SECONDS
for ((i = 0; SECONDS - started < 20; i++)); do
  if ((i == 10)); then k -n "$SYSTEM" delete pod "$victim" --wait=false >/dev/null; fi
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
((mutated > 10)) || fail "only $mutated annotated pods went through: none after the deletion"
k -n "$SYSTEM" rollout status deployment/debugdead-webhook --timeout=180s

log "clean up"
k delete namespace "$NS" "$NS_OFF" "${JOURNEY_NAMESPACES[@]}" --wait=true --timeout=180s
k delete -k manifests/ --ignore-not-found --wait=true --timeout=120s
