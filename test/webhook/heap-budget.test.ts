/**
 * The webhook's heap budget (issue 14.3): `npm start` and the image run it with the same Node flags and
 * without --max-old-space-size (a process-wide V8 flag that would replace each review worker's own heap
 * limit), the review workers' heaps and the rest of the process fit the Deployment's memory limit, and the
 * built webhook started with those flags survives the worst body its limit lets in, twice at once (two
 * ~6 MiB AdmissionReviews whose pod has 2 million empty tolerations: about 130 MiB each once parsed, in a
 * worker), and answers /healthz after.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import https from 'node:https';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { load } from 'js-yaml';
import { REVIEW_LIMITS } from '../../src/webhook/limits.js';
import { startWebhookProcess, WEBHOOK_MAIN, type WebhookProcess } from '../helpers/webhook-process.js';
import { ROOT, exampleReview, podOf, type JsonMap } from './helpers.js';

/**
 * Resident memory beyond the review workers' heaps at the worst measured peak (README: 316 to 352 MiB
 * with one worker of 160 MiB under two 6 MiB bodies of `{}`): the main thread, the bodies, the parser's
 * handles.
 */
const NON_HEAP_MIB = 200;

function nodeFlags(command: string): string[] {
  return /node((?:\s+--\S+)*)\s+dist\/webhook\/main\.js/.exec(command)?.[1]?.trim().split(/\s+/) ?? [];
}

function startScript(): string {
  return (JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { scripts: { start: string } }).scripts
    .start;
}

function dockerNodeOptions(): string {
  return /NODE_OPTIONS="([^"]*)"/.exec(readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8'))?.[1] ?? '';
}

function deploymentMemoryLimitMiB(): number {
  const deployment = load(readFileSync(path.join(ROOT, 'manifests', 'base', 'deployment.yaml'), 'utf8')) as {
    spec: { template: { spec: { containers: { name: string; resources: { limits: { memory: string } } }[] } } };
  };
  const webhook = deployment.spec.template.spec.containers.find((container) => container.name === 'webhook');
  const limit = webhook?.resources.limits.memory ?? '';
  const match = /^(\d+)(Mi|Gi)$/.exec(limit);
  assert.ok(match !== null, `memory limit ${limit} is in Mi or Gi`);
  return Number(match[1]) * (match[2] === 'Gi' ? 1024 : 1);
}

const dirs: string[] = [];
let webhook: WebhookProcess | undefined;
after(async () => {
  if (webhook !== undefined && webhook.child.exitCode === null) webhook.child.kill('SIGKILL');
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

function post(port: number, ca: string, body: Buffer): Promise<number> {
  return new Promise((resolve, reject) => {
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
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.setTimeout(60_000, () => req.destroy(new Error('timed out')));
    req.on('error', reject);
    req.end(body);
  });
}

void describe('heap budget (issue 14.3)', { timeout: 180_000 }, () => {
  void it('npm start and the image run Node with the same flags, none of them --max-old-space-size, and the workers fit the Deployment memory limit', () => {
    const flags = nodeFlags(startScript());
    assert.deepEqual(
      dockerNodeOptions().split(/\s+/),
      flags,
      "the Dockerfile's NODE_OPTIONS are the start script's flags",
    );
    assert.deepEqual(
      flags.filter((flag) => flag.startsWith('--max-old-space-size')),
      [],
      "a process-wide heap flag would replace the review workers' heap limit",
    );
    const limit = deploymentMemoryLimitMiB();
    const heaps = REVIEW_LIMITS.workers * REVIEW_LIMITS.workerHeapMiB;
    assert.ok(heaps + NON_HEAP_MIB <= limit, `workers ${heaps} MiB + ${NON_HEAP_MIB} MiB > the ${limit} MiB limit`);
  });

  void it('the webhook, run with those flags, survives two 6 MiB bodies of {} at once in its worker and still answers', async () => {
    assert.ok(existsSync(WEBHOOK_MAIN), `${WEBHOOK_MAIN} is missing: run npm run build first`);
    const flags = nodeFlags(startScript());
    const certsDir = await mkdtemp(path.join(tmpdir(), 'debugdead-heap-'));
    dirs.push(certsDir);
    // Both admitted at once (the second waits for the one worker, not for a slot): both bodies held together.
    webhook = await startWebhookProcess(['--certs-dir', certsDir, '--max-reviews', '2'], { nodeFlags: flags });
    const ca = readFileSync(path.join(certsDir, 'ca.crt'), 'utf8');
    const review = exampleReview();
    (podOf(review).spec as JsonMap).tolerations = Array.from(
      { length: Math.floor((6 * 1024 * 1024 - 65_536) / 3) },
      () => ({}),
    );
    const body = Buffer.from(JSON.stringify(review));
    assert.ok(body.length > 5.9 * 1024 * 1024 && body.length <= 6 * 1024 * 1024, `${body.length} bytes`);

    const statuses = await Promise.all([post(webhook.port, ca, body), post(webhook.port, ca, body)]);
    assert.equal(webhook.child.exitCode, null, 'the webhook is still running');
    assert.deepEqual(statuses, [200, 200]);
    assert.equal((await webhook.get('/healthz', ca)).status, 200);
    assert.equal(await webhook.stop(), 0);
  });
});
