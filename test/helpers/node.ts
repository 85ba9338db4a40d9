/**
 * A real one-node cluster for the node tests: test/node/cluster.sh (the API server harness of
 * test/helpers/apiserver.ts plus kube-scheduler, a kubelet, containerd and the test images), with the built
 * webhook registered from manifests/ as in the integration tests (test/helpers/real-cluster.ts).
 *
 * ```ts
 * const reason = nodeUnavailableReason();
 * describe('on a real node', { skip: reason }, () => {
 *   let node: NodeCluster;
 *   before(async () => { node = await startNodeCluster(); }, { timeout: NODE_START_TIMEOUT_MS });
 *   after(() => node?.stop());
 * });
 * ```
 *
 * Only one node runs on a machine at a time (cluster.sh holds a lock; a second caller waits), so all node
 * tests live in one file, which starts the node once.
 *
 * Skipping: `nodeUnavailableReason()` says why the node cannot run here (not root, no containerd, binaries
 * not built, ...). With `CI=true` it returns undefined even then: the tests run and fail with the reason.
 */
import { accessSync, constants as fsConstants, existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { apiServerBinaryPath, START_TIMEOUT_MS } from './apiserver.js';
import { startRealCluster, type RealCluster } from './real-cluster.js';
import { REPO_ROOT } from './webhook-process.js';

export const NODE_CLUSTER_SCRIPT = path.join(REPO_ROOT, 'test', 'node', 'cluster.sh');
/** Where scripts/build-node.sh links kubelet, kube-scheduler and the two small programs of the images. */
export const NODE_BIN_DIR = path.join(REPO_ROOT, 'test', 'node', 'bin');

/** Bound for `startNodeCluster`: the API server's, the node's own start (seconds), and a wait for the lock. */
export const NODE_START_TIMEOUT_MS = START_TIMEOUT_MS + 60_000;

const TOOLS = ['containerd', 'runc', 'ctr', 'unshare', 'setpriv', 'ip', 'jq', 'curl', 'kubectl'];
const NODE_BINARIES = ['kubelet', 'kube-scheduler', 'pause', 'crash'];

/** What the node harness reports about itself in its ready line (test/node/cluster.sh). */
export interface NodeInfo {
  readonly name: string;
  readonly ip: string;
  readonly podCidr: string;
  readonly bridge: string;
  /** The `kubernetes` Service's ClusterIP:port, on the bridge, where pods reach the API server. */
  readonly apiService: string;
  readonly images: readonly string[];
  readonly logDir: string;
  readonly timings: Readonly<Record<string, number>>;
}

export interface NodeCluster extends RealCluster {
  readonly node: NodeInfo;
  /** Milliseconds from spawning the harness to its ready line. */
  readonly startupMs: number;
}

function onPath(tool: string): boolean {
  return (process.env.PATH ?? '').split(path.delimiter).some((dir) => {
    try {
      accessSync(path.join(dir, tool), fsConstants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

/** Why the node cannot run here, or undefined when it can. */
function nodeMissingReason(): string | undefined {
  if (process.platform !== 'linux') return 'the node runs on Linux only';
  if (process.getuid?.() !== 0) return 'the node needs root (a mount namespace, a bridge, cgroups)';
  if (!existsSync('/sys/fs/cgroup/memory/memory.limit_in_bytes'))
    return 'the node harness needs cgroup v1 hierarchies (/sys/fs/cgroup/memory)';
  const missingTools = TOOLS.filter((tool) => !onPath(tool));
  if (missingTools.length > 0)
    return `missing on PATH: ${missingTools.join(', ')} (apt-get install containerd runc containernetworking-plugins jq curl)`;
  if (!existsSync('/usr/lib/cni/bridge')) return 'no CNI plugins (apt-get install containernetworking-plugins)';
  if (!existsSync('/bin/busybox')) return 'no static busybox for the tools image (apt-get install busybox-static)';
  try {
    accessSync(apiServerBinaryPath(), fsConstants.X_OK);
  } catch {
    return `no API server binary at ${apiServerBinaryPath()}: run bash scripts/build-apiserver.sh`;
  }
  const missingBinaries = NODE_BINARIES.filter((name) => !existsSync(path.join(NODE_BIN_DIR, name)));
  if (missingBinaries.length > 0)
    return `not built: ${missingBinaries.join(', ')} in ${NODE_BIN_DIR}; run bash scripts/build-node.sh (needs Go)`;
  return undefined;
}

/** Why the node tests skip here, or undefined when they run. Never a reason to skip in CI. */
export function nodeUnavailableReason(): string | undefined {
  const missing = nodeMissingReason();
  if (missing === undefined || process.env.CI === 'true') return undefined;
  return missing;
}

function isNodeInfo(value: unknown): value is NodeInfo {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return typeof v.name === 'string' && typeof v.ip === 'string' && Array.isArray(v.images);
}

/** Starts the node and registers the webhook; resolves once the node is Ready and the webhook is called. */
export async function startNodeCluster(
  options: {
    apiserverArgs?: readonly string[];
    /** More docker-archive tarballs for the node's containerd (the webhook's image, for the shipped install). */
    imageArchives?: readonly string[];
  } = {},
): Promise<NodeCluster> {
  const missing = nodeMissingReason();
  if (missing !== undefined) {
    throw new Error(process.env.CI === 'true' ? `${missing} (CI=true: a missing node is a failure)` : missing);
  }
  const started = performance.now();
  const cluster = await startRealCluster({
    binary: NODE_CLUSTER_SCRIPT,
    startTimeoutMs: NODE_START_TIMEOUT_MS,
    harnessArgs: (options.imageArchives ?? []).map((file) => `--image-archive=${file}`),
    ...(options.apiserverArgs === undefined ? {} : { apiserverArgs: options.apiserverArgs }),
  });
  const node = cluster.server.readyLine.node;
  if (!isNodeInfo(node)) {
    await cluster.stop();
    throw new Error(`the node harness's ready line has no node: ${JSON.stringify(cluster.server.readyLine)}`);
  }
  return Object.assign(cluster, { node, startupMs: Math.round(performance.now() - started) });
}

/** The names test/node/cluster.sh gives what it makes on the machine. */
const BRIDGE = 'debugdead0';
const CGROUP_ROOT = 'debugdead-node';
const STATE_PREFIX = 'debugdead-node-';
/** The file that marks a state directory as the harness's. */
const STATE_MARKER = '.debugdead-node-state';
/** The pods' forwarder to the API server, which the harness runs. */
const API_FORWARDER = path.join(REPO_ROOT, 'test', 'node', 'api-forward.ts');

/**
 * What a node left on this machine: its bridge, its cgroups, state directories, processes started from them,
 * mounts of them. Empty when no node runs and every node cleaned up.
 */
export function nodeLeftovers(): string[] {
  const found: string[] = [];
  if (existsSync(`/sys/class/net/${BRIDGE}`)) found.push(`the bridge ${BRIDGE}`);
  for (const hierarchy of safeList('/sys/fs/cgroup')) {
    if (existsSync(path.join('/sys/fs/cgroup', hierarchy, CGROUP_ROOT)))
      found.push(`the cgroup /sys/fs/cgroup/${hierarchy}/${CGROUP_ROOT}`);
  }
  const tmp = process.env.TMPDIR ?? '/tmp';
  for (const entry of safeList(tmp)) {
    if (entry.startsWith(STATE_PREFIX) && existsSync(path.join(tmp, entry, STATE_MARKER)))
      found.push(`the state directory ${path.join(tmp, entry)}`);
  }
  for (const pid of safeList('/proc').filter((entry) => /^\d+$/.test(entry))) {
    let commandLine: string;
    try {
      commandLine = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
    } catch {
      continue; // gone meanwhile
    }
    if (
      commandLine.includes(`/${STATE_PREFIX}`) ||
      commandLine.includes(NODE_CLUSTER_SCRIPT) ||
      commandLine.includes(API_FORWARDER)
    )
      found.push(`process ${pid}: ${commandLine.slice(0, 120)}`);
  }
  for (const line of readFileSync('/proc/self/mountinfo', 'utf8').split('\n')) {
    if (line.includes(`/${STATE_PREFIX}`)) found.push(`a mount: ${line}`);
  }
  return found;
}

function safeList(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}
