#!/usr/bin/env bash
# A real one-node Kubernetes cluster on this machine, for the node tests (test/node/): the project's
# control plane (debugdead-apiserver: etcd, kube-apiserver, kube-controller-manager), kube-scheduler, and a
# kubelet on containerd + runc + the CNI bridge plugin (Debian packages), with the test images imported.
#
#   test/node/cluster.sh [--image-archive=FILE...] [debugdead-apiserver flags...]     (as root)
#
# It prints one JSON line on stdout when the node is Ready and schedulable: the API server harness's ready
# line (test/apiserver/README.md: url, kubeconfig, caPem, adminToken, users, ...) with "pid" set to this
# script's pid and a "node" object (name, ip, images, logs, timings). Everything else goes to stderr.
# It stops on SIGTERM/SIGINT/SIGHUP, when any component exits (with --exit-on-stdin-close: when stdin
# closes, as the API server harness does), and then removes everything it made: processes by PID,
# containers by their cgroups, mounts, the bridge, the cgroups, the state directory.
#
# No machine-wide change:
#   - containerd and the kubelet run in a private mount namespace (this script re-executes itself in one):
#     their mounts stay there, and /run, /var/lib (containerd's hard-coded /run/containerd, the pods'
#     /run/netns, libcni's /var/lib/cni) and /var/log (the kubelet hard-codes /var/log/containers) are
#     private tmpfs or directories of the state dir there;
#   - the kubelet would write vm.overcommit_memory, kernel.panic and kernel.panic_on_oops; with
#     protectKernelDefaults it only reads them, and in the namespace it reads read-only files holding the
#     values it expects, bound over those /proc/sys entries. No sysctl is written;
#   - the pods' network is a bridge this script creates (debugdead0, 10.213.0.1/24) and deletes; the
#     bridge plugin runs without isGateway (which would turn on ip_forward) and without masquerading;
#   - pods reach the API server at the `kubernetes` Service's ClusterIP, a /32 address of that bridge
#     where a forwarder (test/node/api-forward.ts) passes connections to 127.0.0.1 (no kube-proxy, no
#     iptables rule); the API server reaches Service-backed webhooks at their pod IPs
#     (--enable-aggregator-routing);
#   - the pods' cgroups live under debugdead-node/ in every cgroup v1 hierarchy (kubelet cgroupRoot), made
#     and removed here.
# Only one node can run on a machine (the bridge, the kubelet's port 10250, the cgroup root): a lock file
# serialises callers (they wait up to DEBUGDEAD_NODE_LOCK_WAIT seconds, default 900).
#
# Traps of this machine, from the measured recipe (see README "The real node"): cgroup v1 needs
# failCgroupV1: false; CAP_SYS_RESOURCE is missing from the bounding set, so runc cannot lower
# oom_score_adj (restrict_oom_score_adj); nothing schedules without the node-lifecycle controller (it
# removes the not-ready taint); CrashLoopBackOff is visible only with a short syncFrequency.
#
# Environment: DEBUGDEAD_APISERVER_BIN (default test/apiserver/bin/debugdead-apiserver),
# DEBUGDEAD_NODE_BIN_DIR (default test/node/bin, from scripts/build-node.sh), TMPDIR.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
readonly NODE_NAME=debugdead-node
readonly BRIDGE=debugdead0
readonly NODE_IP=10.213.0.1
readonly POD_CIDR=10.213.0.0/24
readonly CGROUP_ROOT=debugdead-node
readonly PAUSE_IMAGE=debugdead.test/pause:1
readonly KUBELET_PORT=10250
readonly STATE_MARKER=.debugdead-node-state

log() { printf 'debugdead-node: %s\n' "$*" >&2; }
die() {
  log "$*"
  exit 1
}
now_ms() { date +%s%3N; }

# --- once, before the namespace: checks, the lock --------------------------------------------------------
if [[ "${DEBUGDEAD_NODE_IN_NAMESPACE:-}" != "$$" ]]; then
  [[ "$(id -u)" == 0 ]] || die "needs root (a mount namespace, a bridge, cgroups)"
  for tool in containerd runc ctr unshare setpriv ip jq curl; do
    command -v "$tool" >/dev/null 2>&1 || die "'$tool' is missing (apt-get install containerd runc containernetworking-plugins jq curl)"
  done
  [[ -x /usr/lib/cni/bridge && -x /usr/lib/cni/host-local ]] || die "no CNI plugins in /usr/lib/cni (apt-get install containernetworking-plugins)"
  [[ "$(stat -fc %T /sys/fs/cgroup)" == tmpfs ]] || die "the node harness needs cgroup v1 (a private namespace cannot delegate the v2 controllers)"
  # fd 9 holds the lock for as long as this script runs; no child inherits it.
  exec 9>"${TMPDIR:-/tmp}/debugdead-node.lock"
  if ! flock -n 9; then
    log "another node is running on this machine; waiting for it (lock ${TMPDIR:-/tmp}/debugdead-node.lock)"
    flock -w "${DEBUGDEAD_NODE_LOCK_WAIT:-900}" 9 || die "the other node did not stop in time"
  fi
  # Same pid, new mount namespace whose mounts never propagate back to the machine.
  DEBUGDEAD_NODE_IN_NAMESPACE=$$ exec unshare --mount --propagation private -- "$0" "$@"
fi

started=$(now_ms)
apiserver_bin="${DEBUGDEAD_APISERVER_BIN:-$repo/test/apiserver/bin/debugdead-apiserver}"
bin="${DEBUGDEAD_NODE_BIN_DIR:-$here/bin}"
[[ -x "$apiserver_bin" ]] || die "$apiserver_bin is missing; run bash scripts/build-apiserver.sh"
for b in kubelet kube-scheduler pause crash; do
  [[ -x "$bin/$b" ]] || die "$bin/$b is missing; run bash scripts/build-node.sh"
done
# Removes the cgroup directory DIR and those below it (deepest first), trying for up to 5 s while the last
# processes leave them; fails if it is still there.
remove_cgroup() {
  local round
  for ((round = 0; round < 50; round++)); do
    find "$1" -depth -type d -exec rmdir {} + 2>/dev/null
    [[ -d "$1" ]] || return 0
    sleep 0.1
  done
  return 1
}

# Holding the lock, anything of a node here is a leftover of a harness that was killed (SIGKILL leaves the
# containers, their shims and the bridge): remove it, by PID and by name, before starting.
clean_stale() {
  local pid procs round c d found=false
  for ((round = 0; round < 50; round++)); do
    procs="$(cat /sys/fs/cgroup/pids/"$CGROUP_ROOT"/cgroup.procs /sys/fs/cgroup/pids/"$CGROUP_ROOT"/*/cgroup.procs \
      /sys/fs/cgroup/pids/"$CGROUP_ROOT"/*/*/cgroup.procs /sys/fs/cgroup/pids/"$CGROUP_ROOT"/*/*/*/cgroup.procs \
      /sys/fs/cgroup/pids/"$CGROUP_ROOT"/*/*/*/*/cgroup.procs 2>/dev/null || true)"
    [[ -n "$procs" ]] || break
    found=true
    for pid in $procs; do kill -KILL "$pid" 2>/dev/null || true; done
    sleep 0.1
  done
  for d in /proc/[0-9]*; do
    [[ "$(cat "$d/comm" 2>/dev/null)" == containerd-shim* ]] || continue
    grep -qa -- "/debugdead-node-" "$d/cmdline" 2>/dev/null || continue
    found=true
    kill -KILL "${d#/proc/}" 2>/dev/null || true
  done
  if ip link show "$BRIDGE" >/dev/null 2>&1; then
    found=true
    ip link del "$BRIDGE" || die "cannot delete the leftover bridge $BRIDGE"
  fi
  for c in /sys/fs/cgroup/*/"$CGROUP_ROOT"; do
    [[ -d "$c" ]] || continue
    found=true
    remove_cgroup "$c" || die "cannot remove the leftover cgroup $c"
  done
  for d in "${TMPDIR:-/tmp}"/debugdead-node-*/; do
    [[ -f "$d/$STATE_MARKER" ]] || continue
    found=true
    rm -rf --one-file-system "$d" 2>/dev/null || log "could not remove the leftover state ${d%/}"
  done
  [[ "$found" == false ]] || log "removed what a killed node harness had left"
}
clean_stale

state="$(mktemp -d "${TMPDIR:-/tmp}/debugdead-node-XXXXXX")"
chmod 755 "$state"
: >"$state/$STATE_MARKER" # what marks a state directory as this harness's (see clean_stale)
mkdir -p "$state"/{logs,sys,varlog,cni/net.d,cni/ipam,cni/cache,containerd,kubelet/root,kubelet/pki,kubelet/pod-logs}
# --exit-on-stdin-close is this script's to honour: it stops the node first, then the control plane.
# --image-archive=FILE (repeatable) imports one more docker-archive (the webhook's, for the shipped install).
apiserver_args=()
exit_on_stdin_close=false
extra_archives=()
for arg in "$@"; do
  if [[ "$arg" == --exit-on-stdin-close || "$arg" == --exit-on-stdin-close=true ]]; then
    exit_on_stdin_close=true
  elif [[ "$arg" == --image-archive=* ]]; then
    extra_archives+=("${arg#--image-archive=}")
    [[ -f "${extra_archives[-1]}" ]] || die "no image archive ${extra_archives[-1]}"
  else
    apiserver_args+=("$arg")
  fi
done

pids=()              # every long-running process started here, stopped in reverse order
declare -A names=()  # pid -> component
made_cgroups=()
bridge_made=false
apiserver_pid=""
stdin_watch_pid=""

# --- teardown ---------------------------------------------------------------------------------------------
stop_pid() { # PID TIMEOUT_SECONDS: SIGTERM, wait, SIGKILL
  local pid=$1 limit=$2 i
  kill -0 "$pid" 2>/dev/null || return 0
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < limit * 10; i++)); do
    kill -0 "$pid" 2>/dev/null || return 0
    sleep 0.1
  done
  log "${names[$pid]:-$pid} (pid $pid) ignored SIGTERM for ${limit}s; killing it"
  kill -KILL "$pid" 2>/dev/null || true
}

# Every process in the pods' cgroups (the containers and their pause processes), by PID.
kill_pods() {
  local round pid found
  for ((round = 0; round < 50; round++)); do
    found=false
    while read -r pid; do
      [[ -n "$pid" ]] || continue
      found=true
      kill -KILL "$pid" 2>/dev/null || true
    done < <(cat /sys/fs/cgroup/pids/"$CGROUP_ROOT"/cgroup.procs /sys/fs/cgroup/pids/"$CGROUP_ROOT"/*/cgroup.procs \
      /sys/fs/cgroup/pids/"$CGROUP_ROOT"/*/*/cgroup.procs /sys/fs/cgroup/pids/"$CGROUP_ROOT"/*/*/*/cgroup.procs \
      /sys/fs/cgroup/pids/"$CGROUP_ROOT"/*/*/*/*/cgroup.procs 2>/dev/null | sort -u)
    [[ "$found" == true ]] || return 0
    sleep 0.1
  done
  log "processes are left in the pods' cgroups"
}

# Processes left in this mount namespace (containerd's shims), by PID; not this script or its jobs.
kill_namespace_leftovers() {
  local ns d pid
  ns="$(readlink /proc/$$/ns/mnt)"
  for d in /proc/[0-9]*; do
    pid=${d#/proc/}
    [[ "$pid" != "$$" && "$pid" != "$BASHPID" ]] || continue
    [[ "$(readlink "$d/ns/mnt" 2>/dev/null)" == "$ns" ]] || continue
    # Our own subshells and the API server harness (stopped separately) stay.
    [[ "$(cat "$d/comm" 2>/dev/null)" == containerd-shim* ]] || continue
    kill -KILL "$pid" 2>/dev/null || true
  done
}

teardown() {
  local code=$? i pid m c t0
  set +e
  trap '' TERM INT HUP
  t0=$(now_ms)
  # The kubelet first (it would restart containers), then the pods, then the rest.
  for ((i = ${#pids[@]} - 1; i >= 0; i--)); do
    pid=${pids[i]}
    [[ "$pid" == "$apiserver_pid" ]] && continue
    [[ "${names[$pid]}" == containerd ]] && kill_pods
    stop_pid "$pid" 15
  done
  [[ -n "$apiserver_pid" ]] && kill -TERM "$apiserver_pid" 2>/dev/null # it stops etcd and its components
  kill_pods
  kill_namespace_leftovers
  # Mounts of this namespace under the state dir and the private tmpfs (deepest first). They would vanish
  # with the namespace anyway; unmounting now releases the pods' network namespaces before the bridge goes.
  while read -r m; do umount -n -l "$m" 2>/dev/null; done < <(
    awk -v s="$state" '$5 == s || index($5, s "/") == 1 || index($5, "/run/netns/") == 1 { print $5 }' /proc/self/mountinfo | sort -r
  )
  if [[ "$bridge_made" == true ]]; then ip link del "$BRIDGE" 2>/dev/null || log "could not delete the bridge $BRIDGE"; fi
  for c in "${made_cgroups[@]}"; do
    remove_cgroup "$c" || log "could not remove the cgroup $c"
  done
  [[ -n "$apiserver_pid" ]] && stop_pid "$apiserver_pid" 30
  rm -rf "$state"
  [[ -n "$stdin_watch_pid" ]] && kill "$stdin_watch_pid" 2>/dev/null
  log "stopped and cleaned up in $(($(now_ms) - t0)) ms"
  exit "$code"
}
trap teardown EXIT
trap 'exit 0' TERM INT HUP
if [[ "$exit_on_stdin_close" == true ]]; then
  # The caller holds our stdin open; when it closes (the caller exited), stop. One process (the shell's own
  # read), killed with this script.
  # shellcheck disable=SC2016 # $1 is the watcher's own argument
  setpriv --pdeathsig KILL -- sh -c 'while read -r _; do :; done; kill -TERM "$1"' sh "$$" <&0 9>&- &
  stdin_watch_pid=$!
fi

# start NAME COMMAND...: in the background, logging to logs/NAME.log, killed if this script dies.
start() {
  local name=$1
  shift
  setpriv --pdeathsig KILL -- "$@" </dev/null >"$state/logs/$name.log" 2>&1 9>&- &
  pids+=($!)
  names[$!]=$name
}

# --- the control plane, in the background (it takes the longest) ----------------------------------------
token() { head -c 24 /dev/urandom | base64 | tr -d '/+='; }
printf '%s,system:node:%s,%s,"system:nodes"\n%s,system:kube-scheduler,system:kube-scheduler\n' \
  "$(token)" "$NODE_NAME" "$NODE_NAME" "$(token)" >"$state/node-tokens.csv"
# The node's identity gets the Node authorizer and NodeRestriction, as on a real cluster. The kubelet is
# reached on the bridge address: the default address types would look its host name up in DNS. No
# kube-proxy runs: with --enable-aggregator-routing the API server calls a Service-backed webhook (the
# shipped install) at an endpoint's pod IP, which the bridge reaches. The PVC protection controller removes
# the kubernetes.io/pvc-protection finalizer once no pod uses a claim: without it a namespace holding a PVC
# never finishes deleting (test/e2e/journey.sh deletes its namespaces, as on a real cluster).
"$apiserver_bin" --dir "$state" --log-dir "$state/logs" --token-file "$state/node-tokens.csv" \
  --extra-controllers node-lifecycle-controller,taint-eviction-controller,pod-garbage-collector-controller,persistentvolumeclaim-protection-controller \
  --apiserver-arg=--kubelet-preferred-address-types=InternalIP --apiserver-arg=--enable-aggregator-routing=true \
  "${apiserver_args[@]}" </dev/null >"$state/apiserver.ready" 9>&- &
apiserver_pid=$!
pids+=("$apiserver_pid")
names[$apiserver_pid]=debugdead-apiserver

# --- the node's private mounts (-n: no utab entry, which would be written on the machine's /run) ---------
# /run and /var/lib become empty private tmpfs: containerd 1.6 hard-codes /run/containerd (shim sockets),
# CRI puts the pods' network namespaces in /run/netns, libcni caches results in /var/lib/cni. Nothing the
# node runs needs the machine's own entries there (every state and root directory is in the state dir).
mount -n -t tmpfs -o mode=0755,size=64m tmpfs /run
mount -n -t tmpfs -o mode=0755,size=64m tmpfs /var/lib
mkdir -p /run/containerd /run/netns /run/lock /var/lib/cni
printf '1\n' >"$state/sys/overcommit_memory"
printf '10\n' >"$state/sys/panic"
printf '1\n' >"$state/sys/panic_on_oops"
for f in vm/overcommit_memory kernel/panic kernel/panic_on_oops; do
  mount -n --bind "$state/sys/${f#*/}" "/proc/sys/$f"
  mount -n -o remount,bind,ro "/proc/sys/$f"
done
mount -n --bind "$state/varlog" /var/log

# --- cgroups, bridge, CNI ---------------------------------------------------------------------------------
for h in /sys/fs/cgroup/*/; do
  c="${h%/}/$CGROUP_ROOT"
  [[ -e "$h/cgroup.procs" && ! -L "${h%/}" ]] || continue
  mkdir "$c"
  made_cgroups+=("$c")
done
ip link add "$BRIDGE" type bridge
bridge_made=true
ip addr add "$NODE_IP/24" dev "$BRIDGE"
ip link set "$BRIDGE" up
cat >"$state/cni/net.d/10-debugdead.conflist" <<JSON
{
  "cniVersion": "0.4.0",
  "name": "debugdead",
  "plugins": [
    {
      "type": "bridge", "bridge": "$BRIDGE", "isGateway": false, "ipMasq": false, "hairpinMode": true,
      "ipam": {
        "type": "host-local", "dataDir": "$state/cni/ipam",
        "ranges": [[{ "subnet": "$POD_CIDR", "gateway": "$NODE_IP" }]],
        "routes": [{ "dst": "0.0.0.0/0" }]
      }
    }
  ]
}
JSON

# --- containerd -------------------------------------------------------------------------------------------
ctrd="$state/containerd"
sock="$ctrd/containerd.sock"
cat >"$ctrd/config.toml" <<TOML
version = 2
root = "$ctrd/root"
state = "$ctrd/state"
[grpc]
  address = "$sock"
[ttrpc]
  address = "$sock.ttrpc"
[plugins."io.containerd.internal.v1.opt"]
  path = "$ctrd/opt"
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "$PAUSE_IMAGE"
  stream_server_address = "127.0.0.1"
  stream_server_port = "0"
  # No CAP_SYS_RESOURCE here: runc cannot set the -998 that CRI gives the sandbox. Clamp to containerd's own.
  restrict_oom_score_adj = true
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        SystemdCgroup = false
        Root = "$ctrd/runc"
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "/usr/lib/cni"
    conf_dir = "$state/cni/net.d"
    max_conf_num = 1
TOML
start containerd containerd --config "$ctrd/config.toml"
t=$(now_ms)
"$here/images.sh" "$state/images" 2>>"$state/logs/images.log" || die "building the images failed: $(cat "$state/logs/images.log")"
images_built_ms=$(($(now_ms) - t))
for ((i = 0; i < 100; i++)); do
  ctr -a "$sock" version >/dev/null 2>&1 && break
  sleep 0.1
done
ctr -a "$sock" version >/dev/null 2>&1 || die "containerd did not start: $(tail -20 "$state/logs/containerd.log")"
t=$(now_ms)
images=()
while read -r ref file; do
  ctr -a "$sock" -n k8s.io images import "$file" >/dev/null 2>>"$state/logs/images.log" ||
    die "importing $ref failed: $(tail -5 "$state/logs/images.log")"
  images+=("$ref")
done <"$state/images/images.txt"
for file in "${extra_archives[@]}"; do
  ref="$(tar -xOf "$file" manifest.json | jq -r '.[0].RepoTags[0]')"
  ctr -a "$sock" -n k8s.io images import "$file" >/dev/null 2>>"$state/logs/images.log" ||
    die "importing $file failed: $(tail -5 "$state/logs/images.log")"
  images+=("$ref")
done
images_imported_ms=$(($(now_ms) - t))

# --- wait for the control plane ---------------------------------------------------------------------------
for ((i = 0; ; i++)); do
  if [[ -s "$state/apiserver.ready" ]] && jq -e '.ready == true' "$state/apiserver.ready" >/dev/null 2>&1; then break; fi
  kill -0 "$apiserver_pid" 2>/dev/null || die "the API server harness exited before it was ready"
  sleep 0.1
done
ready="$(head -n 1 "$state/apiserver.ready")"
apiserver_ready_ms=$(($(now_ms) - started))
url="$(jq -r .url <<<"$ready")"
ca="$(jq -r .caFile <<<"$ready")"
admin_token="$(jq -r .adminToken <<<"$ready")"
node_kubeconfig="$(jq -r --arg u "system:node:$NODE_NAME" '.users[$u].kubeconfig' <<<"$ready")"
scheduler_kubeconfig="$(jq -r '.users["system:kube-scheduler"].kubeconfig' <<<"$ready")"

# --- the pods' way to the API server ---------------------------------------------------------------------
# Pods reach the API server at the `kubernetes` Service (KUBERNETES_SERVICE_HOST/PORT, from its ClusterIP).
# No kube-proxy translates that address, and kube-apiserver listens on 127.0.0.1 only: the ClusterIP becomes
# a /32 address of this harness's bridge (gone with the bridge), where a forwarder passes each connection on
# to the API server. Nothing else of the machine changes: no iptables rule, no sysctl (no route_localnet:
# the forwarder connects from the host's own loopback).
service="$(curl -sS --max-time 5 --cacert "$ca" -H "Authorization: Bearer $admin_token" "$url/api/v1/namespaces/default/services/kubernetes")"
service_ip="$(jq -r '.spec.clusterIP // empty' <<<"$service")"
service_port="$(jq -r '.spec.ports[0].port // empty' <<<"$service")"
[[ -n "$service_ip" && -n "$service_port" ]] || die "no kubernetes Service to route: $service"
ip addr add "$service_ip/32" dev "$BRIDGE"
node_js="$repo/node_modules/.bin/node"
[[ -x "$node_js" ]] || node_js="$(command -v node)" || die "no node to run the API forwarder (npm ci)"
start api-forward "$node_js" "$here/api-forward.ts" "$service_ip" "$service_port" 127.0.0.1 "${url##*:}"
for ((i = 0; i < 100; i++)); do
  grep -q '^listening' "$state/logs/api-forward.log" 2>/dev/null && break
  sleep 0.1
done
grep -q '^listening' "$state/logs/api-forward.log" || die "the API forwarder did not start: $(cat "$state/logs/api-forward.log")"

# --- scheduler and kubelet --------------------------------------------------------------------------------
start kube-scheduler "$bin/kube-scheduler" --kubeconfig="$scheduler_kubeconfig" \
  --authentication-kubeconfig="$scheduler_kubeconfig" --authorization-kubeconfig="$scheduler_kubeconfig" \
  --secure-port=0 --leader-elect=false --v=1

kdir="$state/kubelet"
printf 'nameserver 127.0.0.1\n' >"$kdir/resolv.conf" # no DNS query leaves a pod
cat >"$kdir/config.yaml" <<YAML
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
# This machine: cgroup v1 (refused by default since 1.35), no CAP_SYS_RESOURCE, sysctls only read.
failCgroupV1: false
cgroupDriver: cgroupfs
cgroupRoot: /$CGROUP_ROOT
oomScoreAdj: 0
protectKernelDefaults: true
failSwapOn: false
containerRuntimeEndpoint: unix://$sock
imageServiceEndpoint: unix://$sock
podLogsDir: $kdir/pod-logs
serializeImagePulls: false
# Served on the bridge address only; the API server has no kubelet client certificate.
address: $NODE_IP
port: $KUBELET_PORT
readOnlyPort: 0
healthzBindAddress: 127.0.0.1
healthzPort: 0
authentication:
  anonymous: {enabled: true}
  webhook: {enabled: false}
authorization: {mode: AlwaysAllow}
podCIDR: $POD_CIDR
resolvConf: $kdir/resolv.conf
clusterDomain: cluster.local
clusterDNS: [10.0.0.10] # no DNS runs; this only silences the MissingClusterDNS event
# The images were imported by hand and cannot be pulled again.
volumePluginDir: $kdir/volume-plugins # the default is under /usr/libexec
imageGCHighThresholdPercent: 100
imageGCLowThresholdPercent: 99
# 1.37 publishes CrashLoopBackOff only between syncs: a short period makes it visible.
syncFrequency: 5s
evictionHard: {memory.available: "100Mi", nodefs.available: "1%", imagefs.available: "1%", nodefs.inodesFree: "1%"}
YAML
t=$(now_ms)
start kubelet "$bin/kubelet" --config="$kdir/config.yaml" --kubeconfig="$node_kubeconfig" \
  --hostname-override="$NODE_NAME" --node-ip="$NODE_IP" --root-dir="$kdir/root" --cert-dir="$kdir/pki" --v=2

# --- wait until the node is Ready and schedulable ---------------------------------------------------------
node_state() {
  curl -sS --max-time 5 --cacert "$ca" -H "Authorization: Bearer $admin_token" "$url/api/v1/nodes/$NODE_NAME" 2>/dev/null |
    jq -r 'if (.status.conditions // [] | map(select(.type == "Ready" and .status == "True")) | length) == 1
           and ((.spec.taints // []) | length) == 0 then "ready" else "waiting" end' 2>/dev/null
}
for ((i = 0; ; i++)); do
  [[ "$(node_state)" == ready ]] && break
  for pid in "${pids[@]}"; do
    kill -0 "$pid" 2>/dev/null || die "${names[$pid]} exited while the node started: $(tail -20 "$state/logs/${names[$pid]}.log" 2>/dev/null)"
  done
  ((i < 1200)) || die "the node was not Ready and untainted within 120 s: $(grep -E '^[EF]' "$state/logs/kubelet.log" | tail -20)"
  sleep 0.1
done
node_ready_ms=$(($(now_ms) - t))

node_json="$(jq -nc --arg name "$NODE_NAME" --arg ip "$NODE_IP" --arg podCidr "$POD_CIDR" --arg bridge "$BRIDGE" \
  --arg state "$state" --arg logs "$state/logs" --arg sock "$sock" --arg apiService "$service_ip:$service_port" \
  --argjson images "$(printf '%s\n' "${images[@]}" | jq -R . | jq -sc .)" \
  --argjson apiserverReadyMs "$apiserver_ready_ms" --argjson imagesBuiltMs "$images_built_ms" \
  --argjson imagesImportedMs "$images_imported_ms" --argjson kubeletReadyMs "$node_ready_ms" \
  '{name: $name, ip: $ip, podCidr: $podCidr, bridge: $bridge, apiService: $apiService, stateDir: $state, logDir: $logs,
    containerdSocket: $sock, images: $images,
    timings: {apiserverReadyMs: $apiserverReadyMs, imagesBuiltMs: $imagesBuiltMs,
              imagesImportedMs: $imagesImportedMs, kubeletToReadyMs: $kubeletReadyMs}}')"
jq -c --argjson node "$node_json" --argjson pid $$ --argjson ms "$(($(now_ms) - started))" \
  '. + {pid: $pid, startupMs: $ms, node: $node}' <<<"$ready"
log "node $NODE_NAME Ready at $url in $(($(now_ms) - started)) ms (kubeconfig $(jq -r .kubeconfig <<<"$ready"))"

# --- run until a signal or a component exits --------------------------------------------------------------
wait -n "${pids[@]}" || true
for pid in "${pids[@]}"; do
  kill -0 "$pid" 2>/dev/null || {
    [[ "$pid" == "$apiserver_pid" ]] && exit 0 # stdin closed, or it was stopped: a normal end
    die "${names[$pid]} exited unexpectedly: $(tail -20 "$state/logs/${names[$pid]}.log" 2>/dev/null)"
  }
done
