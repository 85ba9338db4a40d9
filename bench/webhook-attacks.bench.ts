/**
 * Benchmark (c): the attacks of issue 14 against the built webhook, each on a fresh process started as
 * `npm start` starts it (the start script's Node flags), with figures from /proc: resident memory now
 * (VmRSS) and at its peak (VmHWM).
 *
 * - idle: RSS after start;
 * - load: 16 connections POSTing the heapster review for 10 s (autocannon, in its own process);
 * - the 10,000-container pod with `debug.dead/container: "*"`, 1 and 4 in parallel;
 * - a 3 MiB pod with 1,000,000 empty tolerations, 4 and 16 in parallel, with the slowest /healthz meanwhile
 *   (target: under the Deployment's liveness probe timeout, 2 s; printed with the load average);
 * - two ~6 MiB bodies of `{}` (tolerations) in parallel, straight to the port;
 * - 2,000 TLS connections that never send a request: how many are still open after 20 s;
 * - SIGTERM under keep-alive load (16 connections): requests answered, refused, lost.
 *
 * `node --import tsx bench/webhook-attacks.bench.ts [--entry PATH/main.js] [--only NAME,...] [--args "FLAGS"]
 * [--node-flags "FLAGS"]`: --entry measures another build (a "before"), --only runs some of idle, load,
 * containers, tolerations, braces, idle-connections, sigterm; --args adds webhook flags, --node-flags
 * replaces the start script's Node flags.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import https from 'node:https';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { load } from 'js-yaml';
import {
  startWebhookProcess,
  writeLocalhostCertificates,
  type WebhookProcess,
} from '../test/helpers/webhook-process.js';

const root = path.resolve(import.meta.dirname, '..');
const LOAD = path.join(import.meta.dirname, 'webhook-load.bench.ts');
const REVIEW_PATH = path.join(root, 'examples', 'admission-review.json');
const REVIEW = JSON.parse(readFileSync(REVIEW_PATH, 'utf8')) as {
  request: { object: { metadata: { annotations: Record<string, string> }; spec: Record<string, unknown> } };
};

/** The webhook container's liveness probe timeout (manifests/base/deployment.yaml), in milliseconds. */
function probeTimeoutMs(): number {
  const deployment = load(readFileSync(path.join(root, 'manifests', 'base', 'deployment.yaml'), 'utf8')) as {
    spec: { template: { spec: { containers: { name: string; livenessProbe: { timeoutSeconds: number } }[] } } };
  };
  const webhook = deployment.spec.template.spec.containers.find((container) => container.name === 'webhook');
  return (webhook?.livenessProbe.timeoutSeconds ?? 1) * 1000;
}

function startFlags(): string[] {
  const manifest = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { scripts: { start: string } };
  return /node((?:\s+--\S+)*)\s+dist\/webhook\/main\.js/.exec(manifest.scripts.start)?.[1]?.trim().split(/\s+/) ?? [];
}

function status(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  const text = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? Number.NaN) / 1024;
}

function mib(value: number): string {
  return `${value.toFixed(0)} MiB`;
}

function reviewWith(change: (spec: Record<string, unknown>, annotations: Record<string, string>) => void): Buffer {
  const review = structuredClone(REVIEW);
  change(review.request.object.spec, review.request.object.metadata.annotations);
  return Buffer.from(JSON.stringify(review));
}

interface Posted {
  status: number | string;
  ms: number;
  bytes: number;
}

function post(port: number, ca: string, body: Buffer): Promise<Posted> {
  const started = performance.now();
  return new Promise((resolve) => {
    const req = https.request(
      {
        host: '127.0.0.1',
        port,
        path: '/mutate',
        method: 'POST',
        ca,
        servername: 'localhost',
        agent: false,
        headers: { 'Content-Type': 'application/json', 'Content-Length': body.length },
      },
      (res) => {
        let bytes = 0;
        res.on('data', (chunk: Buffer) => (bytes += chunk.length));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, ms: performance.now() - started, bytes }));
        res.on('error', (error) => resolve({ status: error.message, ms: performance.now() - started, bytes }));
      },
    );
    req.setTimeout(60_000, () => req.destroy(new Error('timed out')));
    req.on('error', (error: NodeJS.ErrnoException) =>
      resolve({ status: error.code ?? error.message, ms: performance.now() - started, bytes: 0 }),
    );
    req.end(body);
  });
}

async function healthz(webhook: WebhookProcess, ca: string): Promise<number> {
  const started = performance.now();
  await webhook.get('/healthz', ca).catch(() => undefined);
  return performance.now() - started;
}

function tally(results: Posted[]): string {
  const counts = new Map<string, number>();
  for (const result of results) counts.set(String(result.status), (counts.get(String(result.status)) ?? 0) + 1);
  const slowest = Math.max(...results.map((result) => result.ms));
  const largest = Math.max(...results.map((result) => result.bytes));
  return `answers ${[...counts].map(([code, n]) => `${n}x ${code}`).join(', ')}; slowest ${(slowest / 1000).toFixed(2)} s; largest answer ${(largest / 1024).toFixed(0)} KiB`;
}

/** Sends `count` copies of `body` at once while probing /healthz every 100 ms. */
async function burst(webhook: WebhookProcess, ca: string, body: Buffer, count: number): Promise<string> {
  const probing = { on: true };
  let slowestProbe = 0;
  const probes = (async () => {
    while (probing.on) {
      slowestProbe = Math.max(slowestProbe, await healthz(webhook, ca));
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  })();
  const results = await Promise.all(Array.from({ length: count }, () => post(webhook.port, ca, body)));
  probing.on = false;
  await probes;
  const alive = webhook.child.exitCode === null;
  const target = probeTimeoutMs();
  const probe = `slowest /healthz ${(slowestProbe / 1000).toFixed(2)} s (target < ${target / 1000} s: ${slowestProbe < target ? 'ok' : 'MISSED'}; load average ${loadavg()[0]?.toFixed(1) ?? '?'})`;
  return `${tally(results)}; ${probe}; peak RSS ${mib(status(webhook.child.pid ?? 0, 'VmHWM'))}; ${alive ? 'alive' : `CRASHED (${String(webhook.child.exitCode)})`}`;
}

const scenarios: Record<string, (webhook: WebhookProcess, ca: string) => Promise<string>> = {
  idle: async (webhook) => {
    await new Promise((resolve) => setTimeout(resolve, 2000));
    return `RSS ${mib(status(webhook.child.pid ?? 0, 'VmRSS'))}`;
  },
  load: async (webhook) => {
    const pid = webhook.child.pid ?? 0;
    const mainCpu = (): number => {
      const fields = readFileSync(`/proc/${pid}/task/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
      return (Number(fields[11]) + Number(fields[12])) / 100;
    };
    const cpuBefore = mainCpu();
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', LOAD, 'load', `https://localhost:${webhook.port}/mutate`, '10', REVIEW_PATH],
      { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, NODE_TLS_REJECT_UNAUTHORIZED: '0' } },
    );
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    await once(child, 'exit');
    const figures = JSON.parse(output.trim().split('\n').at(-1) ?? '{}') as {
      requestsPerSecond: number;
      total: number;
    };
    const mainUs = ((mainCpu() - cpuBefore) * 1e6) / Math.max(1, figures.total);
    return `${figures.requestsPerSecond.toFixed(0)} req/s, main thread ${mainUs.toFixed(0)} µs/request; peak RSS ${mib(status(pid, 'VmHWM'))}`;
  },
  containers: async (webhook, ca) => {
    const body = reviewWith((spec, annotations) => {
      spec.containers = Array.from({ length: 10_000 }, (_, index) => ({ name: `c${index}`, image: 'busybox' }));
      annotations['debug.dead/container'] = '*';
    });
    const one = await burst(webhook, ca, body, 1);
    const four = await burst(webhook, ca, body, 4);
    return `request ${(body.length / 1024).toFixed(0)} KiB\n    1 at a time: ${one}\n    4 in parallel: ${four}`;
  },
  tolerations: async (webhook, ca) => {
    const body = reviewWith((spec) => {
      spec.tolerations = Array.from({ length: 1_000_000 }, () => ({}));
    });
    const four = await burst(webhook, ca, body, 4);
    const sixteen = await burst(webhook, ca, body, 16);
    return `request ${(body.length / 1024 / 1024).toFixed(1)} MiB\n    4 in parallel: ${four}\n    16 in parallel: ${sixteen}`;
  },
  braces: async (webhook, ca) => {
    const count = Math.floor((6 * 1024 * 1024 - 64 * 1024) / 3);
    const body = reviewWith((spec) => {
      spec.tolerations = Array.from({ length: count }, () => ({}));
    });
    return `request ${(body.length / 1024 / 1024).toFixed(2)} MiB, 2 in parallel: ${await burst(webhook, ca, body, 2)}`;
  },
  'idle-connections': async (webhook, ca) => {
    const sockets: tls.TLSSocket[] = [];
    let open = 0;
    for (let index = 0; index < 2000; index += 1) {
      const socket = tls.connect({ host: '127.0.0.1', port: webhook.port, ca, servername: 'localhost' });
      socket.on('error', () => undefined);
      socket.once('secureConnect', () => (open += 1));
      sockets.push(socket);
      if (index % 100 === 99) await new Promise((resolve) => setTimeout(resolve, 50));
    }
    await new Promise((resolve) => setTimeout(resolve, 3000));
    const heldAt3s = sockets.filter((socket) => !socket.destroyed && !socket.closed).length;
    const rssAt3s = status(webhook.child.pid ?? 0, 'VmRSS');
    await new Promise((resolve) => setTimeout(resolve, 17_000));
    const heldAt20s = sockets.filter((socket) => !socket.destroyed && !socket.closed).length;
    const refusedLogged = webhook.records.some((record) => String(record.msg).startsWith('connection refused'));
    for (const socket of sockets) socket.destroy();
    return `2,000 opened (${open} finished TLS); open after 3 s: ${heldAt3s} (RSS ${mib(rssAt3s)}); open after 20 s: ${heldAt20s}; cap logged: ${refusedLogged ? 'yes' : 'no'}; /healthz ${((await healthz(webhook, ca)) / 1000).toFixed(2)} s`;
  },
  sigterm: async (webhook, ca) => {
    const agent = new https.Agent({ keepAlive: true, maxSockets: 16, ca });
    const body = readFileSync(REVIEW_PATH);
    const counts = { answered: 0, refused: 0, lost: 0 };
    const one = (): Promise<'answered' | 'refused' | 'lost'> =>
      new Promise((resolve) => {
        const req = https.request(
          {
            host: '127.0.0.1',
            port: webhook.port,
            path: '/mutate',
            method: 'POST',
            agent,
            servername: 'localhost',
            headers: { 'Content-Type': 'application/json', 'Content-Length': body.length },
          },
          (res) => {
            res.resume();
            res.on('end', () => resolve(res.statusCode === 200 ? 'answered' : 'lost'));
          },
        );
        req.on('error', (error: NodeJS.ErrnoException) => resolve(error.code === 'ECONNREFUSED' ? 'refused' : 'lost'));
        req.end(body);
      });
    const worker = async (): Promise<void> => {
      for (;;) {
        const outcome = await one();
        counts[outcome] += 1;
        if (outcome !== 'answered') return;
      }
    };
    const workers = Array.from({ length: 16 }, () => worker());
    await new Promise((resolve) => setTimeout(resolve, 3000));
    webhook.child.kill('SIGTERM');
    await Promise.all(workers);
    agent.destroy();
    const [code] = await webhook.exited;
    return `answered ${counts.answered}, refused after close ${counts.refused}, lost ${counts.lost}; exit ${String(code)}`;
  },
};

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const entryIndex = args.indexOf('--entry');
  const entry = entryIndex === -1 ? undefined : path.resolve(args[entryIndex + 1] ?? '');
  const onlyIndex = args.indexOf('--only');
  const only = onlyIndex === -1 ? Object.keys(scenarios) : (args[onlyIndex + 1] ?? '').split(',');
  const argsIndex = args.indexOf('--args');
  const extra = argsIndex === -1 ? [] : (args[argsIndex + 1] ?? '').split(/\s+/).filter((word) => word !== '');
  const flagsIndex = args.indexOf('--node-flags');
  const flags =
    flagsIndex === -1 ? startFlags() : (args[flagsIndex + 1] ?? '').split(/\s+/).filter((word) => word !== '');
  const dir = await mkdtemp(path.join(tmpdir(), 'debugdead-attacks-'));
  try {
    const { paths, ca } = await writeLocalhostCertificates(dir);
    console.log(
      `webhook: node ${flags.join(' ')} ${path.relative(root, entry ?? 'dist/webhook/main.js')} ${extra.join(' ')}`,
    );
    for (const name of only) {
      const scenario = scenarios[name];
      if (scenario === undefined) throw new Error(`unknown scenario ${name}`);
      const webhook = await startWebhookProcess(
        ['--tls-cert', paths['tls.crt'], '--tls-key', paths['tls.key'], ...extra],
        {
          nodeFlags: flags,
          ...(entry === undefined ? {} : { entry }),
        },
      );
      try {
        console.log(`${name}: ${await scenario(webhook, ca)}`);
      } finally {
        if (webhook.child.exitCode === null) {
          webhook.child.kill('SIGKILL');
          await webhook.exited;
        }
      }
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
