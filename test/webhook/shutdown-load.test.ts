/**
 * SIGTERM under keep-alive load against the built webhook process (issue 14.2): 16 keep-alive connections
 * send reviews back to back, as the API server's pooled connections do; SIGTERM comes in the middle. Every
 * request is counted: answered, refused (a new connection after the listener closed: it never reached the
 * server), or lost (reset or hung up after it was sent). None may be lost.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import https from 'node:https';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startWebhookProcess, WEBHOOK_MAIN, type WebhookProcess } from '../helpers/webhook-process.js';
import { EXAMPLE_REVIEW_TEXT, eventually } from './helpers.js';

const CONNECTIONS = 16;
let certsDir: string;
let webhook: WebhookProcess | undefined;

before(async () => {
  assert.ok(existsSync(WEBHOOK_MAIN), `${WEBHOOK_MAIN} is missing: run npm run build first`);
  certsDir = await mkdtemp(path.join(tmpdir(), 'debugdead-drain-'));
});

after(async () => {
  if (webhook !== undefined && webhook.child.exitCode === null) webhook.child.kill('SIGKILL');
  await rm(certsDir, { recursive: true, force: true });
});

interface Counts {
  answered: number;
  /** Answers that carried `Connection: close`. */
  closing: number;
  refused: number;
  lost: string[];
}

type Outcome = { kind: 'answered'; closing: boolean } | { kind: 'refused' } | { kind: 'lost'; error: string };

function post(agent: https.Agent, port: number, body: Buffer): Promise<Outcome> {
  return new Promise((resolve) => {
    const req = https.request(
      {
        host: '127.0.0.1',
        port,
        path: '/mutate',
        method: 'POST',
        agent,
        servername: 'localhost',
        headers: { 'Content-Type': 'application/json', 'Content-Length': body.length },
      },
      (res) => {
        res.resume();
        res.on('end', () => {
          if (res.statusCode === 200) {
            resolve({ kind: 'answered', closing: res.headers.connection === 'close' });
          } else resolve({ kind: 'lost', error: `HTTP ${String(res.statusCode)}` });
        });
        res.on('error', (error) => resolve({ kind: 'lost', error: error.message }));
      },
    );
    req.setTimeout(15_000, () => req.destroy(new Error('timed out')));
    req.on('error', (error: NodeJS.ErrnoException) => {
      resolve(error.code === 'ECONNREFUSED' ? { kind: 'refused' } : { kind: 'lost', error: error.message });
    });
    req.end(body);
  });
}

void describe('SIGTERM under keep-alive load (issue 14.2)', { timeout: 120_000 }, () => {
  void it('answers every request that reached the server, with Connection: close on the last ones, and exits 0', async () => {
    webhook = await startWebhookProcess(['--certs-dir', certsDir]);
    const { port } = webhook;
    const ca = readFileSync(path.join(certsDir, 'ca.crt'), 'utf8');
    const agent = new https.Agent({ keepAlive: true, maxSockets: CONNECTIONS, ca });
    const body = Buffer.from(EXAMPLE_REVIEW_TEXT);
    const counts: Counts = { answered: 0, closing: 0, refused: 0, lost: [] };

    const worker = async (): Promise<void> => {
      for (;;) {
        const outcome = await post(agent, port, body);
        if (outcome.kind === 'answered') {
          counts.answered += 1;
          if (outcome.closing) counts.closing += 1;
        } else if (outcome.kind === 'refused') {
          counts.refused += 1;
          return;
        } else {
          counts.lost.push(outcome.error);
          return;
        }
      }
    };
    const workers = Array.from({ length: CONNECTIONS }, () => worker());
    await eventually(() => counts.answered >= 500, 30_000, '500 answered reviews before SIGTERM');
    const beforeSignal = counts.answered;
    webhook.child.kill('SIGTERM');
    await Promise.all(workers);
    agent.destroy();
    const [code] = await webhook.exited;

    assert.deepEqual(counts.lost, [], `requests lost after SIGTERM (answered ${counts.answered})`);
    assert.equal(counts.refused, CONNECTIONS, 'each connection ended, then its next request found the port closed');
    assert.ok(counts.answered > beforeSignal, 'requests sent around SIGTERM were answered');
    assert.ok(counts.closing >= 1, 'the last answers carry Connection: close');
    assert.equal(code, 0);
  });
});
