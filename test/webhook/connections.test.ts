/**
 * Connections against the built webhook process (dist/webhook/main.js) on 127.0.0.1, with raw TCP and TLS
 * clients (issue 14.1): a connection that never starts TLS or never sends headers is closed after
 * --header-timeout, connections over --max-connections are closed at accept and logged, and SIGTERM ends
 * idle and half-open connections at once instead of waiting for them.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { after, before, describe, it } from 'node:test';
import { startWebhookProcess, WEBHOOK_MAIN, type WebhookProcess } from '../helpers/webhook-process.js';
import { eventually, field } from './helpers.js';

let certsDir: string;
const webhooks: WebhookProcess[] = [];

before(async () => {
  assert.ok(existsSync(WEBHOOK_MAIN), `${WEBHOOK_MAIN} is missing: run npm run build first`);
  certsDir = await mkdtemp(path.join(tmpdir(), 'debugdead-conn-'));
});

after(async () => {
  for (const { child } of webhooks) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  await rm(certsDir, { recursive: true, force: true });
});

async function start(args: string[]): Promise<WebhookProcess> {
  const webhook = await startWebhookProcess(['--certs-dir', certsDir, ...args]);
  webhooks.push(webhook);
  return webhook;
}

function caPem(): string {
  return readFileSync(path.join(certsDir, 'ca.crt'), 'utf8');
}

/** A TCP connection that never sends a byte; resolves once connected. */
async function rawConnection(port: number): Promise<{ socket: net.Socket; closed: Promise<number> }> {
  const socket = net.connect({ host: '127.0.0.1', port });
  socket.on('error', () => undefined);
  const opened = performance.now();
  const closed = new Promise<number>((resolve) => socket.once('close', () => resolve(performance.now() - opened)));
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  return { socket, closed };
}

/** A TLS connection that completes the handshake and then says nothing; resolves once secure. */
async function silentTls(port: number): Promise<{ socket: tls.TLSSocket; closed: Promise<number> }> {
  const socket = tls.connect({ host: '127.0.0.1', port, ca: caPem(), servername: 'localhost' });
  socket.on('error', () => undefined);
  const opened = performance.now();
  const closed = new Promise<number>((resolve) => socket.once('close', () => resolve(performance.now() - opened)));
  await new Promise<void>((resolve, reject) => {
    socket.once('secureConnect', resolve);
    socket.once('error', reject);
  });
  return { socket, closed };
}

/** Resolves to the value, or to 'still open' after `ms`. */
function within<T>(promise: Promise<T>, ms: number): Promise<T | 'still open'> {
  return Promise.race([promise, new Promise<'still open'>((resolve) => setTimeout(() => resolve('still open'), ms))]);
}

async function exitWithin(webhook: WebhookProcess, ms: number): Promise<number | null | 'still running'> {
  const exited = await within(webhook.exited, ms);
  return exited === 'still open' ? 'still running' : exited[0];
}

void describe('connections of the built webhook (issue 14.1)', { timeout: 120_000 }, () => {
  void it('closes a TCP connection that never starts TLS, and a TLS one that never sends headers, after --header-timeout', async () => {
    const webhook = await start(['--header-timeout', '1s']);
    const raw = await rawConnection(webhook.port);
    const silent = await silentTls(webhook.port);
    const [rawMs, silentMs] = await Promise.all([within(raw.closed, 8000), within(silent.closed, 8000)]);
    assert.notEqual(rawMs, 'still open', 'a connection that never started TLS is still open after 8 s');
    assert.notEqual(silentMs, 'still open', 'a TLS connection that never sent headers is still open after 8 s');
    assert.ok(typeof rawMs === 'number' && rawMs >= 900, `closed after ${String(rawMs)} ms, before the timeout`);
    // A client that does speak is not affected.
    assert.equal((await webhook.get('/healthz', caPem())).status, 200);
    assert.equal(await webhook.stop(), 0);
  });

  void it('closes connections over --max-connections at accept, logs it once, and serves again below the cap', async () => {
    const webhook = await start(['--max-connections', '3']);
    const held = await Promise.all([0, 1, 2].map(() => rawConnection(webhook.port)));
    const refused = await Promise.all([0, 1].map(() => rawConnection(webhook.port)));
    for (const { closed } of refused) assert.notEqual(await within(closed, 5000), 'still open', 'over the cap');
    await eventually(
      () => webhook.records.some((record) => field(record, 'msg').startsWith('connection refused')),
      5000,
      'the log line about the cap',
    );
    const lines = webhook.records.filter((record) => field(record, 'msg').startsWith('connection refused'));
    assert.equal(lines.length, 1, 'one line per interval, not one per connection');
    const [line] = lines;
    assert.equal(line?.level, 40);
    assert.equal(line.maxConnections, 3);
    assert.match(field(line, 'msg'), /raise --max-connections/);
    for (const { socket } of held) assert.equal(socket.destroyed, false, 'connections under the cap are kept');

    held[0]?.socket.destroy();
    await eventually(
      async () => {
        try {
          return (await webhook.get('/healthz', caPem())).status === 200;
        } catch {
          return false;
        }
      },
      5000,
      'a new connection to be served below the cap',
    );
    for (const { socket } of held) socket.destroy();
    let metrics = '';
    await eventually(
      async () => {
        metrics = (await webhook.get('/metrics', caPem()).catch(() => ({ body: '' }))).body;
        return metrics !== '';
      },
      5000,
      'the metrics',
    );
    assert.match(metrics, /^debugdead_connections_refused_total ([2-9]|\d{2,})$/m);
    assert.equal(await webhook.stop(), 0);
  });

  void it('on SIGTERM ends idle TLS and half-open (pre-TLS) connections at once and exits 0', async () => {
    const webhook = await start([]);
    const raw = await Promise.all([0, 1].map(() => rawConnection(webhook.port)));
    const silent = await Promise.all([0, 1].map(() => silentTls(webhook.port)));
    const sent = performance.now();
    webhook.child.kill('SIGTERM');
    const code = await exitWithin(webhook, 3000);
    assert.equal(code, 0, `exit ${String(code)} within 3 s of SIGTERM (the default --shutdown-timeout is 5 s)`);
    assert.ok(performance.now() - sent < 3000);
    for (const { closed } of [...raw, ...silent]) assert.notEqual(await within(closed, 1000), 'still open');
    assert.equal(webhook.records.find((record) => record.msg === 'stopped')?.forced, false);
  });
});
