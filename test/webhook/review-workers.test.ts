/**
 * Large reviews run in worker threads (issue 14.3): the main thread keeps answering /healthz, /readyz and
 * /metrics while one is being parsed and mutated; a worker that dies fails only its review, which is
 * logged and counted once, and is replaced; closing the pool fails what is pending and stops the workers.
 * Deterministic: a test worker (fixtures/held-review-worker.ts) holds the review until the test lets it go.
 */
import assert from 'node:assert/strict';
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, describe, it } from 'node:test';
import jsonPatch from 'fast-json-patch';
import { DEFAULT_MUTATION_CONFIG, type JsonPatchOperation } from '../../src/mutation/index.js';
import { METRIC_NAMES } from '../../src/webhook/metrics.js';
import { createReviewPool, type ReviewPool } from '../../src/webhook/review-pool.js';
import {
  EXAMPLE_REVIEW_TEXT,
  capturedLogger,
  decodePatch,
  eventually,
  exampleReview,
  field,
  metricValue,
  podOf,
  testApp,
  type JsonMap,
  type ReviewAnswer,
  type TestApp,
} from './helpers.js';

const HELD_WORKER = new URL('./fixtures/held-review-worker.ts', import.meta.url);

/** The example review with `count` empty tolerations: 30,000 make a body of about 95 KiB, over the 64 KiB of a small one. */
function reviewWithTolerations(count: number): string {
  const review = exampleReview();
  (podOf(review).spec as JsonMap).tolerations = Array.from({ length: count }, () => ({}));
  return JSON.stringify(review);
}

interface Answer {
  status: number;
  body: string;
}

function send(port: number, method: string, path: string, body?: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: '127.0.0.1',
        port,
        path,
        method,
        agent: false,
        headers:
          body === undefined ? {} : { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

const pools: ReviewPool[] = [];
const servers: Server[] = [];
after(async () => {
  for (const server of servers) {
    server.closeAllConnections();
    server.close();
  }
  for (const pool of pools) await pool.close();
});

async function serve(fixture: TestApp): Promise<number> {
  const server = createServer(fixture.app);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

/** A pool whose workers hold every job until release(); held() resolves once a worker holds one. */
function heldPool(
  logger = capturedLogger().logger,
  jobTimeoutMs = 60_000,
): {
  pool: ReviewPool;
  held: () => Promise<void>;
  release: () => void;
} {
  const hold = new SharedArrayBuffer(8);
  const cells = new Int32Array(hold);
  const pool = createReviewPool({
    size: 1,
    heapMiB: 160,
    jobTimeoutMs,
    mutation: DEFAULT_MUTATION_CONFIG,
    logger,
    workerUrl: HELD_WORKER,
    workerData: { hold },
  });
  pools.push(pool);
  return {
    pool,
    held: async () => {
      await Atomics.waitAsync(cells, 0, 0).value;
    },
    release: () => {
      Atomics.store(cells, 1, 1);
      Atomics.notify(cells, 1);
    },
  };
}

void describe('review workers', { timeout: 120_000 }, () => {
  void it('answer /healthz, /readyz and /metrics while a large review is held in a worker, then answer the review', async () => {
    const { pool, held, release } = heldPool();
    const fixture = testApp({ reviewPool: pool });
    const port = await serve(fixture);
    const body = reviewWithTolerations(30_000);
    assert.ok(body.length > 64 * 1024, `${body.length} bytes`);

    let answered = false;
    const review = send(port, 'POST', '/mutate', body).then((answer) => {
      answered = true;
      return answer;
    });
    await held();
    assert.deepEqual(
      [await send(port, 'GET', '/healthz'), await send(port, 'GET', '/readyz')],
      [
        { status: 200, body: 'ok\n' },
        { status: 200, body: 'ok\n' },
      ],
    );
    const scrape = await send(port, 'GET', '/metrics');
    assert.equal(scrape.status, 200);
    assert.match(scrape.body, new RegExp(`^${METRIC_NAMES.inFlight} 1$`, 'm'));
    assert.equal(answered, false, 'the review is still in the worker');
    assert.equal(pool.pending(), 1);

    release();
    const { status, body: text } = await review;
    assert.equal(status, 200);
    const answer = JSON.parse(text) as ReviewAnswer;
    assert.equal(answer.response.uid, '705ab4f5-6393-11e8-b7cc-42010a800002');
    assert.equal(answer.response.allowed, true);
    const pod = JSON.parse(body) as JsonMap;
    const mutated = jsonPatch.applyPatch(
      podOf(pod),
      decodePatch(answer.response.patch ?? '') as JsonPatchOperation[],
      true,
      false,
    ).newDocument;
    assert.equal(((mutated.metadata as JsonMap).annotations as JsonMap)['debug.dead/enable'], 'true');
    assert.equal((mutated.spec as JsonMap).activeDeadlineSeconds, 86400);

    const reviewLines = fixture.records().filter((record) => String(record.msg).startsWith('admission review'));
    assert.deepEqual(
      reviewLines.map((record) => [record.outcome, record.uid, record.name]),
      [['mutated', '705ab4f5-6393-11e8-b7cc-42010a800002', 'heapster']],
    );
    assert.equal(await metricValue(fixture.metrics, METRIC_NAMES.reviews, { outcome: 'mutated' }), 1);
    assert.equal(await metricValue(fixture.metrics, METRIC_NAMES.inFlight), 0);
    assert.equal(pool.pending(), 0);
  });

  void it('keep the slot of a review whose client went away until its worker is done: bodies in the pool stay bounded', async () => {
    const { pool, held, release } = heldPool();
    const fixture = testApp({ reviewPool: pool, reviewLimits: { maxReviews: 1, queueTimeoutMs: 200 } });
    const port = await serve(fixture);
    const body = reviewWithTolerations(30_000);

    const gone = httpRequest({
      host: '127.0.0.1',
      port,
      path: '/mutate',
      method: 'POST',
      agent: false,
      headers: { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) },
    });
    gone.on('error', () => undefined); // the destroy below
    gone.end(body);
    await held();
    gone.destroy();
    await eventually(
      async () => (await metricValue(fixture.metrics, METRIC_NAMES.inFlight)) === 0,
      5000,
      'the departed client to leave no review in flight',
    );

    // Its work is still in the worker: the slot is still taken, so the next large review waits, then gets 429.
    const refused = await send(port, 'POST', '/mutate', body);
    assert.equal(refused.status, 429);
    assert.equal(pool.pending(), 1, 'only the departed review is in the pool');

    release();
    await eventually(() => pool.pending() === 0, 5000, 'the departed review to finish');
    const next = await send(port, 'POST', '/mutate', body);
    assert.equal(next.status, 200);
    assert.deepEqual(
      fixture
        .records()
        .filter((record) => String(record.msg).startsWith('admission review'))
        .map((record) => record.outcome)
        .sort(),
      ['mutated', 'mutated', 'throttled'],
    );
  });

  void it('review a small body on the main thread: the held worker never sees it', async () => {
    const { pool } = heldPool();
    const port = await serve(testApp({ reviewPool: pool }));
    const answer = await send(port, 'POST', '/mutate', EXAMPLE_REVIEW_TEXT);
    assert.equal(answer.status, 200);
    assert.equal((JSON.parse(answer.body) as ReviewAnswer).response.patchType, 'JSONPatch');
    assert.equal(pool.workers(), 0, 'no worker was started');
  });

  void it('answer a large body that is not an AdmissionReview 400, from the worker, counted as invalid', async () => {
    const pool = createReviewPool({
      size: 1,
      heapMiB: 160,
      jobTimeoutMs: 60_000,
      mutation: DEFAULT_MUTATION_CONFIG,
      logger: capturedLogger().logger,
    });
    pools.push(pool);
    const fixture = testApp({ reviewPool: pool });
    const port = await serve(fixture);
    const answer = await send(
      port,
      'POST',
      '/mutate',
      JSON.stringify({ kind: 'AdmissionReview', padding: 'x'.repeat(70_000) }),
    );
    assert.deepEqual(answer, {
      status: 400,
      body: 'apiVersion missing is not supported: send admission.k8s.io/v1 (admissionReviewVersions: [v1] in the MutatingWebhookConfiguration)\n',
    });
    assert.equal(pool.workers(), 1);
    assert.equal(await metricValue(fixture.metrics, METRIC_NAMES.reviews, { outcome: 'invalid' }), 1);
  });

  void it('fail only the review whose worker ran out of memory (500, logged and counted once), then serve the next in a new worker', async () => {
    const log = capturedLogger();
    // 16 MiB: enough for a review of 30,000 tolerations, not for one of 1,000,000 (about 60 MiB once parsed).
    const pool = createReviewPool({
      size: 1,
      heapMiB: 16,
      jobTimeoutMs: 60_000,
      mutation: DEFAULT_MUTATION_CONFIG,
      logger: log.logger,
    });
    pools.push(pool);
    const fixture = testApp({ reviewPool: pool, logger: log.logger });
    const port = await serve(fixture);

    const crashed = await send(port, 'POST', '/mutate', reviewWithTolerations(1_000_000));
    assert.deepEqual(crashed, { status: 500, body: 'internal error; see the webhook log\n' });
    const failed = log.records().filter((record) => record.msg === 'admission review failed');
    assert.deepEqual(
      failed.map((record) => [record.outcome, record.status]),
      [['error', 500]],
    );
    assert.match(field(failed[0], 'err'), /the review worker ran out of memory \(its heap is limited to 16 MiB\)/);
    assert.equal(
      log.records().filter((record) => record.msg === 'review worker died; a new one takes the next review').length,
      1,
    );
    assert.equal(await metricValue(fixture.metrics, METRIC_NAMES.reviews, { outcome: 'error' }), 1);
    assert.equal(pool.workers(), 0);

    const next = await send(port, 'POST', '/mutate', reviewWithTolerations(30_000));
    assert.equal(next.status, 200);
    assert.equal((JSON.parse(next.body) as ReviewAnswer).response.allowed, true);
    assert.equal(pool.workers(), 1, 'a new worker took the next review');
    assert.equal(await metricValue(fixture.metrics, METRIC_NAMES.reviews, { outcome: 'mutated' }), 1);
    assert.equal(await metricValue(fixture.metrics, METRIC_NAMES.inFlight), 0);
    assert.equal(pool.pending(), 0);
  });

  void it('stop a worker whose review outlives the job timeout: that review fails (500, logged once), its slot frees, a new worker takes the next', async () => {
    const log = capturedLogger();
    // Every job is held for ever (or its worker is still starting): the deadline always stops the worker.
    const { pool } = heldPool(log.logger, 300);
    const fixture = testApp({ reviewPool: pool, logger: log.logger });
    const port = await serve(fixture);
    const body = reviewWithTolerations(30_000);
    const failures = (): [unknown, unknown, string][] =>
      log
        .records()
        .filter((record) => record.msg === 'admission review failed')
        .map((record) => [record.outcome, record.status, field(record, 'err')]);
    const stopped = /the review worker was stopped \(the review took longer than 0.3 s\) while reviewing this body/;

    assert.deepEqual(await send(port, 'POST', '/mutate', body), {
      status: 500,
      body: 'internal error; see the webhook log\n',
    });
    assert.equal(failures().length, 1);
    assert.match(failures()[0]?.[2] ?? '', stopped);
    assert.deepEqual([pool.pending(), pool.workers()], [0, 0]);

    // The slot was given back (else 429 after 2 s) and a new worker took the review (and was stopped too).
    assert.deepEqual(await send(port, 'POST', '/mutate', body), {
      status: 500,
      body: 'internal error; see the webhook log\n',
    });
    assert.deepEqual(
      failures().map(([outcome, status, err]) => [outcome, status, stopped.test(err)]),
      [
        ['error', 500, true],
        ['error', 500, true],
      ],
    );
    assert.equal(
      log.records().filter((record) => record.msg === 'review worker died; a new one takes the next review').length,
      2,
    );
    assert.deepEqual([pool.pending(), pool.workers()], [0, 0]);
  });

  void it('on close, fail the review held in a worker and the one waiting for it, and stop the workers', async () => {
    const { pool, held } = heldPool();
    const body = Buffer.from(reviewWithTolerations(30_000));
    const inWorker = pool.review(body).then(
      () => 'answered',
      (error: unknown) => (error instanceof Error ? error.message : String(error)),
    );
    const waiting = pool.review(Buffer.from(body)).then(
      () => 'answered',
      (error: unknown) => (error instanceof Error ? error.message : String(error)),
    );
    await held();
    assert.deepEqual([pool.pending(), pool.workers()], [2, 1]);
    await pool.close();
    assert.deepEqual(await Promise.all([inWorker, waiting]), [
      'the webhook is shutting down',
      'the webhook is shutting down',
    ]);
    assert.deepEqual([pool.pending(), pool.workers()], [0, 0]);
    await assert.rejects(pool.review(body), /the webhook is shutting down/);
  });
});
