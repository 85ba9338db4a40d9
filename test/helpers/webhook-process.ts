/**
 * Runs the built webhook (dist/webhook/main.js, `npm run build`) as its own Node 24 process on 127.0.0.1
 * and an ephemeral port, and reads its pino log lines. For tests of the real server and for integration
 * tests against a real API server.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { once } from 'node:events';
import https from 'node:https';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import type { JsonObject } from '../../src/mutation/index.js';
import { generateCertificates, writeCertificates, type CertificateSet } from '../../src/tls/certificates.js';

export const REPO_ROOT = path.resolve(import.meta.dirname, '..', '..');
export const WEBHOOK_MAIN = path.join(REPO_ROOT, 'dist', 'webhook', 'main.js');

export type LogRecord = JsonObject;

export interface WebhookProcess {
  readonly child: ChildProcessWithoutNullStreams;
  readonly port: number;
  /** Every JSON log line so far. */
  readonly records: LogRecord[];
  stderr(): string;
  readonly exited: Promise<[number | null, NodeJS.Signals | null]>;
  /** GET over HTTPS, trusting `caPem`. */
  get(pathname: string, caPem: string): Promise<{ status: number; body: string }>;
  /** SIGTERM and wait for the exit; resolves to the exit code. */
  stop(): Promise<number | null>;
}

/** Starts the webhook with `args` (after `--host 127.0.0.1 --port 0`) and waits for its "listening" line. */
export async function startWebhookProcess(
  args: readonly string[],
  options: {
    cwd?: string;
    env?: Record<string, string>;
    timeoutMs?: number;
    /** Node flags before the entry point (the benchmarks pass the start script's). */
    nodeFlags?: readonly string[];
    /** Another build's main.js (a benchmark's "before"); default WEBHOOK_MAIN. */
    entry?: string;
  } = {},
): Promise<WebhookProcess> {
  const argv = [...(options.nodeFlags ?? []), options.entry ?? WEBHOOK_MAIN, '--host', '127.0.0.1', '--port', '0'];
  const child = spawn(process.execPath, [...argv, ...args], {
    cwd: options.cwd ?? REPO_ROOT,
    env: { PATH: process.env.PATH ?? '', ...options.env },
  });
  const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
  const records: LogRecord[] = [];
  let partial = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    const lines = (partial + chunk).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) if (line !== '') records.push(JSON.parse(line) as LogRecord);
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const deadline = Date.now() + (options.timeoutMs ?? 30_000);
  let listening: LogRecord | undefined;
  while ((listening = records.find((record) => record.msg === 'listening')) === undefined) {
    if (child.exitCode !== null) throw new Error(`the webhook exited with ${child.exitCode}: ${stderr}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`the webhook did not listen in time: ${stderr}`);
    }
    await delay(25);
  }
  const port = Number(listening.port);
  return {
    child,
    port,
    records,
    stderr: () => stderr,
    exited,
    get: (pathname, caPem) =>
      new Promise((resolve, reject) => {
        https
          .get(
            { host: '127.0.0.1', port, path: pathname, ca: caPem, servername: 'localhost', agent: false },
            (response) => {
              let body = '';
              response.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
              response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
            },
          )
          .on('error', reject);
      }),
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      const [code] = await exited;
      return code;
    },
  };
}

/**
 * A fresh CA and a certificate for localhost, 127.0.0.1 and ::1 (what a webhook started here serves), written
 * into `dir`: the files' paths, and the CA's PEM for the clients.
 */
export async function writeLocalhostCertificates(
  dir: string,
): Promise<{ paths: Record<keyof CertificateSet, string>; ca: string }> {
  const set = generateCertificates({ dnsNames: ['localhost'], ipAddresses: ['127.0.0.1', '::1'], now: new Date() });
  return { paths: await writeCertificates(dir, set), ca: set['ca.crt'] };
}
