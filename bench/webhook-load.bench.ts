/**
 * Benchmark (b): load on the real webhook over HTTPS, compared with a bare node:https server that only
 * parses the body and answers `allowed`.
 *
 * Three kinds of process, so that none steals the other's event loop: this orchestrator, the server under
 * test (the production build `dist/webhook/main.js`, or the bare server), and the load generator
 * (autocannon). Each server gets a 2 s warm-up, then 10 s at 16 connections POSTing the heapster review.
 * Peak RSS is the server's VmHWM from /proc; server CPU per request from /proc/PID/stat (less sensitive to
 * other load on the machine than req/s), and the main thread's part of it from /proc/PID/task/PID/stat: a
 * server whose main thread is busy all the time can only go faster by doing less there. Run with
 * `npm run bench` (which builds first) or
 * `node --import tsx bench/webhook-load.bench.ts [--rounds N] [--node-flags "FLAGS"] [--also LABEL=PATH/main.js]`:
 * --rounds alternates the servers N times and reports medians, --node-flags overrides the Node flags taken
 * from the `start` script, --also measures another build of the webhook beside this one (before/after).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import https from 'node:https';
import { createRequire } from 'node:module';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { writeLocalhostCertificates } from '../test/helpers/webhook-process.js';

const root = path.resolve(import.meta.dirname, '..');
const self = path.join(import.meta.dirname, 'webhook-load.bench.ts');
const REVIEW = path.join(root, 'examples', 'admission-review.json');
const WEBHOOK = path.join(root, 'dist', 'webhook', 'main.js');
const CONNECTIONS = 16;
const DURATION_S = 10;
const WARMUP_S = 2;
const TARGETS = { ratio: 0.6, p99Ms: 10, rssMiB: 120 } as const;

interface LoadFigures {
  requestsPerSecond: number;
  total: number;
  p50: number;
  p99: number;
  errors: number;
  non2xx: number;
  timeouts: number;
}

interface AutocannonResult {
  requests: { average: number };
  latency: { p50: number; p99: number };
  errors: number;
  timeouts: number;
  non2xx: number;
  '2xx': number;
  duration: number;
}
type Autocannon = (options: Record<string, unknown>) => Promise<AutocannonResult>;

/** Role "load": drive one URL and print the figures as one JSON line. */
async function runLoad(url: string, seconds: number, bodyPath: string): Promise<void> {
  const require = createRequire(import.meta.url);
  const autocannon = require('autocannon') as Autocannon;
  const result = await autocannon({
    url,
    method: 'POST',
    connections: CONNECTIONS,
    duration: seconds,
    headers: { 'content-type': 'application/json' },
    body: readFileSync(bodyPath),
  });
  const figures: LoadFigures = {
    requestsPerSecond: result['2xx'] / result.duration,
    total: result['2xx'],
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors,
    non2xx: result.non2xx,
    timeouts: result.timeouts,
  };
  process.stdout.write(`${JSON.stringify(figures)}\n`);
}

/** Role "bare": the baseline, node:https parsing the body and answering allowed with the uid. */
function runBare(certPath: string, keyPath: string, port: number): void {
  const server = https.createServer(
    { cert: readFileSync(certPath), key: readFileSync(keyPath), minVersion: 'TLSv1.2' },
    (req, res) => {
      if (req.method !== 'POST') {
        res.end('ok\n'); // the readiness probe of this benchmark
        return;
      }
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const review = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { request?: { uid?: string } };
        const body = JSON.stringify({
          apiVersion: 'admission.k8s.io/v1',
          kind: 'AdmissionReview',
          response: { uid: review.request?.uid ?? '', allowed: true },
        });
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
        res.end(body);
      });
    },
  );
  server.keepAliveTimeout = 65_000;
  server.listen(port, '127.0.0.1');
  process.on('SIGTERM', () => {
    server.close();
    server.closeAllConnections();
  });
}

async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  server.close();
  await once(server, 'close');
  return port;
}

async function waitReady(port: number, ca: string, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode} before it was ready`);
    const ok = await new Promise<boolean>((resolve) => {
      const request = https.get({ host: '127.0.0.1', port, path: '/healthz', ca, servername: 'localhost' }, (res) => {
        res.resume();
        resolve(res.statusCode === 200);
      });
      request.on('error', () => {
        resolve(false);
      });
      request.setTimeout(1000, () => request.destroy());
    });
    if (ok) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error('server not ready within 15 s');
}

/**
 * CPU seconds (user + system) used so far by a process (all its threads: GC helpers, libuv workers), or by
 * its main thread alone (the thread whose id is the pid); /proc counts in clock ticks of 1/100 s.
 */
function cpuSeconds(pid: number, thread: 'all' | 'main' = 'all'): number {
  const file = thread === 'all' ? `/proc/${pid}/stat` : `/proc/${pid}/task/${pid}/stat`;
  const fields = readFileSync(file, 'utf8').split(') ')[1]?.split(' ') ?? [];
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

function peakRssMiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = Number(/^VmHWM:\s+(\d+) kB/m.exec(status)?.[1] ?? Number.NaN);
  return kib / 1024;
}

async function load(url: string, seconds: number): Promise<LoadFigures> {
  const child = spawn(process.execPath, ['--import', 'tsx', self, 'load', url, String(seconds), REVIEW], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let output = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  const [code] = (await once(child, 'exit')) as [number | null];
  if (code !== 0) throw new Error(`load generator exited with ${code ?? 'a signal'}`);
  return JSON.parse(output.trim().split('\n').at(-1) ?? '{}') as LoadFigures;
}

interface Measured extends LoadFigures {
  rssMiB: number;
  cpuUsPerRequest: number;
  /** The main thread's share: the event loop, where a saturated server spends its time. */
  mainThreadUsPerRequest: number;
}

async function measure(
  name: string,
  command: string[],
  port: number,
  ca: string,
  logFile: string,
  env: Record<string, string> = {},
): Promise<Measured> {
  const log = openSync(logFile, 'w');
  const child = spawn(process.execPath, command, {
    stdio: ['ignore', log, log],
    cwd: root,
    env: { ...process.env, ...env },
  });
  closeSync(log);
  try {
    await waitReady(port, ca, child);
    const url = `https://localhost:${port}/mutate`;
    await load(url, WARMUP_S);
    const pid = child.pid ?? 0;
    const cpuBefore = cpuSeconds(pid);
    const mainBefore = cpuSeconds(pid, 'main');
    const figures = await load(url, DURATION_S);
    const perRequest = (seconds: number): number => (seconds * 1e6) / Math.max(1, figures.total);
    const cpuUsPerRequest = perRequest(cpuSeconds(pid) - cpuBefore);
    const mainThreadUsPerRequest = perRequest(cpuSeconds(pid, 'main') - mainBefore);
    const rssMiB = peakRssMiB(pid);
    console.log(
      `${name.padEnd(8)} ${figures.requestsPerSecond.toFixed(0).padStart(7)} req/s  p50 ${figures.p50} ms  p99 ${figures.p99} ms  ` +
        `errors ${figures.errors + figures.timeouts}  non-2xx ${figures.non2xx}  peak RSS ${rssMiB.toFixed(1)} MiB  ` +
        `server CPU ${cpuUsPerRequest.toFixed(0)} µs/request (main thread ${mainThreadUsPerRequest.toFixed(0)})`,
    );
    return { ...figures, rssMiB, cpuUsPerRequest, mainThreadUsPerRequest };
  } catch (error) {
    console.error(`${name} server log:\n${readFileSync(logFile, 'utf8')}`);
    throw error;
  } finally {
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    if (child.exitCode === null) await once(child, 'exit');
    clearTimeout(timer);
  }
}

/**
 * The production launch as the `start` script writes it (`[VAR=value ...] node [flags] dist/webhook/main.js`):
 * its environment assignments and Node flags, so that the benchmark runs the webhook as `npm start` does.
 */
function startScriptLaunch(): { env: Record<string, string>; nodeFlags: string[] } {
  const manifest = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as {
    scripts?: { start?: string };
  };
  const match = /((?:\b[A-Z_][A-Z0-9_]*=\S+\s+)*)node((?:\s+--\S+)*)\s+dist\/webhook\/main\.js/.exec(
    manifest.scripts?.start ?? '',
  );
  const words = (text: string | undefined): string[] => (text ?? '').split(/\s+/).filter((word) => word !== '');
  const env = Object.fromEntries(
    words(match?.[1]).map((assignment) => assignment.split(/=(.*)/s, 2) as [string, string]),
  );
  return { env, nodeFlags: words(match?.[2]) };
}

interface Options {
  rounds: number;
  /** Node flags for the webhook process (default: those of the start script). */
  nodeFlags: string[];
  /** Environment assignments of the start script, applied to the webhook process. */
  env: Record<string, string>;
  /** Other builds of the webhook to measure beside this one (label=path/to/main.js), e.g. a "before". */
  also: { label: string; entry: string }[];
}

function parseOptions(args: readonly string[]): Options {
  const launch = startScriptLaunch();
  const options: Options = { rounds: 1, nodeFlags: launch.nodeFlags, env: launch.env, also: [] };
  for (let index = 0; index < args.length; index += 1) {
    const [flag, value = args[index + 1] ?? ''] = (args[index] ?? '').split(/=(.*)/s, 2);
    if (!(args[index] ?? '').includes('=')) index += 1;
    if (flag === '--rounds') options.rounds = Math.max(1, Number.parseInt(value, 10) || 1);
    else if (flag === '--node-flags') options.nodeFlags = value.split(/\s+/).filter((item) => item !== '');
    else if (flag === '--also') {
      const [label = '', entry = ''] = value.split(/=(.*)/s, 2);
      options.also.push({ label, entry: path.resolve(entry) });
    } else throw new Error(`unknown option ${String(flag)}; use --rounds N, --node-flags "FLAGS", --also LABEL=PATH`);
  }
  return options;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[middle] ?? 0) : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
}

function summarise(runs: Measured[]): Measured {
  const pick = (key: keyof Measured): number => median(runs.map((run) => run[key]));
  return {
    requestsPerSecond: pick('requestsPerSecond'),
    total: pick('total'),
    p50: pick('p50'),
    p99: pick('p99'),
    errors: runs.reduce((sum, run) => sum + run.errors + run.timeouts + run.non2xx, 0),
    non2xx: 0,
    timeouts: 0,
    rssMiB: Math.max(...runs.map((run) => run.rssMiB)),
    cpuUsPerRequest: pick('cpuUsPerRequest'),
    mainThreadUsPerRequest: pick('mainThreadUsPerRequest'),
  };
}

async function orchestrate(options: Options): Promise<void> {
  const dir = await mkdtemp(path.join(tmpdir(), 'debugdead-bench-'));
  try {
    const { paths, ca } = await writeLocalhostCertificates(dir);
    console.log(
      `POST /mutate with ${path.relative(root, REVIEW)} over HTTPS, ${CONNECTIONS} connections, ${DURATION_S} s ` +
        `(after ${WARMUP_S} s warm-up), load generator in its own process, ${options.rounds} round(s); ` +
        `webhook started as: ${[
          ...Object.entries(options.env).map(([name, value]) => `${name}=${value}`),
          'node',
          ...options.nodeFlags,
          path.relative(root, WEBHOOK),
        ].join(' ')}`,
    );
    const webhookArgs = (entry: string, port: number): string[] => [
      ...options.nodeFlags,
      entry,
      '--host',
      '127.0.0.1',
      '--port',
      String(port),
      '--tls-cert',
      paths['tls.crt'],
      '--tls-key',
      paths['tls.key'],
    ];
    const entries = [
      {
        label: 'bare',
        env: {},
        args: (port: number) => ['--import', 'tsx', self, 'bare', paths['tls.crt'], paths['tls.key'], String(port)],
      },
      ...options.also.map(({ label, entry }) => ({
        label,
        env: options.env,
        args: (port: number) => webhookArgs(entry, port),
      })),
      { label: 'webhook', env: options.env, args: (port: number) => webhookArgs(WEBHOOK, port) },
    ];
    const results = new Map<string, Measured[]>(entries.map((entry) => [entry.label, []]));
    for (let round = 1; round <= options.rounds; round += 1) {
      for (const entry of entries) {
        const port = await freePort();
        const logFile = path.join(dir, `${entry.label}-${round}.log`);
        results.get(entry.label)?.push(await measure(entry.label, entry.args(port), port, ca, logFile, entry.env));
        if (entry.label === 'webhook' && round === 1) {
          const logLines = (await readFile(logFile, 'utf8'))
            .split('\n')
            .filter((line) => line.includes('"msg":"admission review"')).length;
          console.log(
            `         (webhook logged ${logLines} review lines: one per review, at info level as in production)`,
          );
        }
      }
    }
    const bare = summarise(results.get('bare') ?? []);
    const verdict = (ok: boolean): string => (ok ? 'ok' : 'MISSED');
    if (options.rounds > 1) console.log(`medians over ${options.rounds} rounds (peak RSS: the highest):`);
    for (const { label } of entries.slice(1)) {
      const figures = summarise(results.get(label) ?? []);
      const ratio = figures.requestsPerSecond / bare.requestsPerSecond;
      console.log(
        `${label}: ${figures.requestsPerSecond.toFixed(0)} req/s vs bare ${bare.requestsPerSecond.toFixed(0)} req/s, ` +
          `ratio ${ratio.toFixed(2)} (target >= ${TARGETS.ratio}: ${verdict(ratio >= TARGETS.ratio)}); ` +
          `p50 ${figures.p50} ms; p99 ${figures.p99} ms (target <= ${TARGETS.p99Ms} ms: ${verdict(figures.p99 <= TARGETS.p99Ms)}); ` +
          `errors ${figures.errors} (target 0: ${verdict(figures.errors === 0)}); ` +
          `peak RSS ${figures.rssMiB.toFixed(1)} MiB (target < ${TARGETS.rssMiB} MiB: ${verdict(figures.rssMiB < TARGETS.rssMiB)}); ` +
          `server CPU ${figures.cpuUsPerRequest.toFixed(0)} µs/request (bare ${bare.cpuUsPerRequest.toFixed(0)}), ` +
          `main thread ${figures.mainThreadUsPerRequest.toFixed(0)} (bare ${bare.mainThreadUsPerRequest.toFixed(0)})`,
      );
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const [role, ...rest] = process.argv.slice(2);
if (role === 'load') {
  const [url = '', seconds = '10', body = REVIEW] = rest;
  await runLoad(url, Number(seconds), body);
} else if (role === 'bare') {
  const [certPath = '', keyPath = '', port = '0'] = rest;
  runBare(certPath, keyPath, Number(port));
} else {
  await orchestrate(parseOptions(process.argv.slice(2)));
}
