/**
 * Time to a shell, on the real node (test/node/cluster.sh): `kubectl debug POD --copy-to=X --container=C --
 * sleep 3600` against `kubectl debugdead POD --local`, same crashed pod, same node, interleaved round by round.
 *
 * A watch on the namespace, opened by this process before each command, timestamps what the cluster does;
 * so each run is split into:
 *   created  command start → the copy exists (the CLI's own time: start-up, GET the source, POST the copy),
 *   running  command start → the copy's container runs (created → running is the cluster's time: schedule,
 *            sandbox, for debugdead the tools init container, then the container; for debugdead, "tools" is
 *            when the tools init container is first seen terminated, which splits that time in two),
 *   exit     command start → the command returns (kubectl debug returns once it has created the copy;
 *            debugdead returns once it has seen the copy running and printed the report).
 * Target: debugdead's running ≤ 1.3× kubectl debug's running (medians).
 *
 * Needs what the node tests need (root, containerd, the built binaries: see README "The real node"); skips with
 * the reason otherwise. ROUNDS (default 5) runs of each.
 */
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import https from 'node:https';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { createNamespace, waitFor, type ApiServer } from '../test/helpers/apiserver.js';
import { CLI_MAIN } from '../test/helpers/cli-process.js';
import { nodeUnavailableReason, startNodeCluster, type NodeCluster } from '../test/helpers/node.js';
import { IMAGES } from '../test/node/images.js';
import { DEFAULT_TOOLS_NAME } from '../src/mutation/config.js';

const ROUNDS = Number(process.env.ROUNDS ?? 5);
const NAMESPACE = 'bench';
const SOURCE = 'app';
const KUBECTL = process.env.KUBECTL ?? 'kubectl';

interface PodEvent {
  type: string;
  object: {
    metadata: { name: string };
    status?: {
      containerStatuses?: { name: string; state?: { running?: object } }[];
      initContainerStatuses?: { name: string; state?: { terminated?: object } }[];
    };
  };
}

/** Local times (performance.now()) at which pods of the namespace were first seen created, and running. */
class PodTimes {
  readonly created = new Map<string, number>();
  readonly running = new Map<string, number>();
  readonly toolsDone = new Map<string, number>();
  private request: ReturnType<typeof https.get> | undefined;

  constructor(private readonly server: ApiServer) {}

  start(resourceVersion: string): void {
    const url = new URL(
      `/api/v1/namespaces/${NAMESPACE}/pods?watch=true&resourceVersion=${resourceVersion}`,
      this.server.url,
    );
    this.request = https.get(
      url,
      { ca: this.server.caPem, headers: { Authorization: `Bearer ${this.server.adminToken}` } },
      (response) => {
        // stop() destroys the request: the aborted response is expected then.
        response.on('error', () => undefined);
        const lines = createInterface({ input: response });
        lines.on('error', () => undefined);
        lines.on('line', (line) => {
          const now = performance.now();
          const event = JSON.parse(line) as PodEvent;
          const name = event.object.metadata.name;
          if (event.type === 'ADDED' && !this.created.has(name)) this.created.set(name, now);
          const running = (event.object.status?.containerStatuses ?? []).some(
            (status) => status.name === SOURCE && status.state?.running !== undefined,
          );
          if (running && !this.running.has(name)) this.running.set(name, now);
          const toolsDone = (event.object.status?.initContainerStatuses ?? []).some(
            (status) => status.name === DEFAULT_TOOLS_NAME && status.state?.terminated !== undefined,
          );
          if (toolsDone && !this.toolsDone.has(name)) this.toolsDone.set(name, now);
        });
      },
    );
    this.request.on('error', () => undefined);
  }

  stop(): void {
    this.request?.destroy();
  }
}

function run(command: string, args: readonly string[]): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, KUBECONFIG: '' } });
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    child.on('error', reject);
    child.on('close', (code) => {
      resolve({ code, output });
    });
  });
}

interface Sample {
  created: number;
  /** NaN without a tools init container. */
  tools: number;
  running: number;
  exit: number;
}

async function measure(
  node: NodeCluster,
  copyName: string | undefined,
  command: string,
  args: readonly string[],
): Promise<Sample> {
  const server = node.server;
  const list = await server.request<{ metadata: { resourceVersion: string } }>(
    'GET',
    `/api/v1/namespaces/${NAMESPACE}/pods`,
  );
  const times = new PodTimes(server);
  times.start(list.body.metadata.resourceVersion);
  // The watch is open before the command starts; and a random pause of up to a second, so that the command does
  // not start at the same point of the kubelet's once-a-second relist each time (the delete before it ends on one),
  // which would bias when the tools init container's exit is seen.
  await sleep(200 + Math.random() * 1000);
  const started = performance.now();
  const result = await run(command, args);
  const exited = performance.now();
  if (result.code !== 0)
    throw new Error(`${command} ${args.join(' ')} exited ${String(result.code)}:\n${result.output}`);
  const name = copyName ?? /^Running: [^/]+\/(\S+), a copy of/m.exec(result.output)?.[1] ?? assertNever(result.output);
  const running = await waitFor('the copy to run', () => times.running.get(name), {
    timeoutMs: 60_000,
    intervalMs: 20,
  });
  const created = times.created.get(name) ?? Number.NaN;
  const tools = times.toolsDone.get(name) ?? Number.NaN;
  times.stop();
  const deleted = await server.kubectl(['delete', 'pod', '-n', NAMESPACE, name, '--wait=true']);
  if (deleted.code !== 0) throw new Error(deleted.stderr);
  const sample = {
    created: created - started,
    tools: tools - started,
    running: running - started,
    exit: exited - started,
  };
  console.log(
    `  ${command === KUBECTL ? 'kubectl debug' : 'debugdead'}: ` +
      Object.entries(sample)
        .map(([key, value]) => `${key} ${value.toFixed(0)}`)
        .join(', ') +
      ' ms',
  );
  return sample;
}

function assertNever(output: string): never {
  throw new Error(`no "Running:" line in the output:\n${output}`);
}

const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
};

const reason = nodeUnavailableReason();
if (reason !== undefined) {
  console.log(`skipped: ${reason}`);
} else {
  const node = await startNodeCluster();
  try {
    await createNamespace(node.server, NAMESPACE);
    const created = await node.server.kubectl(['apply', '-n', NAMESPACE, '-f', '-'], {
      input: JSON.stringify({
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: SOURCE },
        spec: {
          containers: [
            {
              name: SOURCE,
              image: IMAGES.shellApp,
              imagePullPolicy: 'Never',
              command: ['sh', '-c', 'echo "cannot reach the database"; exit 3'],
            },
          ],
        },
      }),
    });
    if (created.code !== 0) throw new Error(created.stderr);
    await waitFor(
      'the source pod to crash',
      async () => {
        const pod = await node.server.request<{ status?: { containerStatuses?: { restartCount: number }[] } }>(
          'GET',
          `/api/v1/namespaces/${NAMESPACE}/pods/${SOURCE}`,
        );
        return (pod.body.status?.containerStatuses?.[0]?.restartCount ?? 0) > 0 ? true : undefined;
      },
      { timeoutMs: 60_000 },
    );
    const kubeconfig = node.server.kubeconfigPath;
    const kubectlDebug: Sample[] = [];
    const debugdead: Sample[] = [];
    for (let round = 0; round < ROUNDS; round += 1) {
      const copy = `kd-${round}`;
      const pair: [Sample[], () => Promise<Sample>][] = [
        [
          kubectlDebug,
          () =>
            measure(node, copy, KUBECTL, [
              '--kubeconfig',
              kubeconfig,
              'debug',
              SOURCE,
              '-n',
              NAMESPACE,
              `--copy-to=${copy}`,
              `--container=${SOURCE}`,
              '--',
              'sleep',
              '3600',
            ]),
        ],
        [
          debugdead,
          () =>
            measure(node, undefined, process.execPath, [
              CLI_MAIN,
              '--kubeconfig',
              kubeconfig,
              SOURCE,
              '-n',
              NAMESPACE,
              '--local',
            ]),
        ],
      ];
      if (round % 2 === 1) pair.reverse();
      for (const [samples, once] of pair) samples.push(await once());
    }
    const line = (name: string, samples: readonly Sample[]): string => {
      const created = median(samples.map((s) => s.created));
      const running = median(samples.map((s) => s.running));
      const exit = median(samples.map((s) => s.exit));
      const tools = median(samples.map((s) => s.tools));
      return (
        `${name.padEnd(52)} created ${created.toFixed(0).padStart(5)} ms  running ${running.toFixed(0).padStart(5)} ms ` +
        `(cluster ${(running - created).toFixed(0).padStart(5)} ms${Number.isNaN(tools) ? '' : `, tools done at ${tools.toFixed(0)} ms`})  ` +
        `exit ${exit.toFixed(0).padStart(5)} ms`
      );
    };
    const load = (await readFile('/proc/loadavg', 'utf8')).split(' ').slice(0, 3).join(' ');
    console.log(`time to a running copy on the real node, medians of ${ROUNDS} runs each (load average ${load}):`);
    console.log(line('kubectl debug POD --copy-to=X --container=C -- sleep', kubectlDebug));
    console.log(line('kubectl debugdead POD --local', debugdead));
    const ratio = median(debugdead.map((s) => s.running)) / median(kubectlDebug.map((s) => s.running));
    const returned = median(debugdead.map((s) => s.exit)) / median(kubectlDebug.map((s) => s.running));
    console.log(
      `ratio running debugdead/kubectl debug: ${ratio.toFixed(2)}× (target ≤ 1.3×: ${ratio <= 1.3 ? 'met' : 'NOT met'}); ` +
        `debugdead returns at ${returned.toFixed(2)}× kubectl debug's running`,
    );
  } finally {
    await node.stop();
  }
}
