/**
 * The webhook's bounds on work and memory (issue 14.3 and 14.6), in process: reviews in progress are capped
 * (the rest wait briefly, then 429, while the probes keep answering), patches over MAX_PATCH_BYTES are denied
 * with a message, bodies over the limit are answered 413 however large they are, an answer the client never
 * reads is cut after the write timeout, and the logged request fields are length-capped.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, request as httpRequest, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { after, describe, it } from 'node:test';
import { DEFAULT_MUTATION_CONFIG, type JsonPatchOperation } from '../../src/mutation/index.js';
import { MAX_PATCH_BYTES, reviewAdmission } from '../../src/webhook/admission.js';
import { METRIC_NAMES } from '../../src/webhook/metrics.js';
import { MAX_LOGGED_FIELD_LENGTH } from '../../src/webhook/review-log.js';
import { startServer } from '../../src/webhook/server.js';
import {
  EXAMPLE_REVIEW_TEXT,
  capturedLogger,
  certificateSets,
  eventually,
  exampleReview,
  metricValue,
  podOf,
  requestOf,
  testApp,
  type JsonMap,
} from './helpers.js';

const servers: Server[] = [];
after(async () => {
  for (const server of servers) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

async function listen(app: ReturnType<typeof testApp>['app']): Promise<number> {
  const server = createServer(app);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/** Sends `body` (in one piece, or `parts` pieces with `pauseMs` between) and resolves with the answer. */
function send(
  port: number,
  method: string,
  pathname: string,
  body: Buffer | undefined,
  options: { chunked?: boolean; close?: boolean; hold?: Promise<void> } = {},
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string | number> = { 'Content-Type': 'application/json' };
    if (body !== undefined && options.chunked !== true) headers['Content-Length'] = body.length;
    if (options.close === true) headers.Connection = 'close';
    const req = httpRequest({ host: '127.0.0.1', port, path: pathname, method, headers }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
    });
    req.on('error', reject);
    if (body === undefined) {
      req.end();
      return;
    }
    if (options.hold === undefined) {
      // Large bodies in 1 MiB writes, like a real client streaming them.
      for (let offset = 0; offset < body.length; offset += 1024 * 1024) {
        req.write(body.subarray(offset, offset + 1024 * 1024));
      }
      req.end();
      return;
    }
    const cut = Math.floor(body.length / 2);
    req.flushHeaders();
    req.write(body.subarray(0, cut));
    void options.hold.then(() => req.end(body.subarray(cut)));
  });
}

void describe('reviews in progress are capped (issue 14.3)', () => {
  void it('over --max-reviews a review waits for a slot, gets one when a review ends, or 429 after the wait; /healthz keeps answering', async () => {
    const fixture = testApp({ reviewLimits: { maxReviews: 1, queueTimeoutMs: 400 } });
    const port = await listen(fixture.app);
    // Large enough to take a slot (over 64 KiB).
    const large = exampleReview();
    ((podOf(large).metadata as JsonMap).annotations as JsonMap)['example.com/padding'] = 'p'.repeat(100_000);
    const body = Buffer.from(JSON.stringify(large));
    let release = (): void => undefined;
    const held = send(port, 'POST', '/mutate', body, { hold: new Promise((resolve) => (release = resolve)) });
    await eventually(
      async () => (await metricValue(fixture.metrics, METRIC_NAMES.inFlight)) === 1,
      5000,
      'the slow review',
    );

    const started = performance.now();
    const refused = await send(port, 'POST', '/mutate', body);
    assert.equal(refused.status, 429);
    assert.equal(refused.headers['retry-after'], '1');
    assert.match(refused.body, /too many reviews in progress \(1\); retry shortly/);
    assert.ok(performance.now() - started >= 350, 'it waited for a slot first');
    assert.equal((await send(port, 'GET', '/healthz', undefined)).status, 200, 'the probes do not wait');
    const small = await send(port, 'POST', '/mutate', Buffer.from(EXAMPLE_REVIEW_TEXT));
    assert.equal(small.status, 200, 'a small review takes no slot: it is answered at once');

    const queued = send(port, 'POST', '/mutate', body);
    await new Promise((resolve) => setTimeout(resolve, 100));
    release();
    assert.equal((await held).status, 200);
    const served = await queued;
    assert.equal(served.status, 200, 'a waiting review is served once the slot frees up');
    assert.equal((JSON.parse(served.body) as { response: JsonMap }).response.patchType, 'JSONPatch');

    assert.equal(await metricValue(fixture.metrics, METRIC_NAMES.reviews, { outcome: 'throttled' }), 1);
    assert.equal(await metricValue(fixture.metrics, METRIC_NAMES.reviews, { outcome: 'mutated' }), 3);
    const throttled = fixture.records().find((record) => record.outcome === 'throttled');
    assert.equal(throttled?.level, 40);
    assert.equal(throttled.status, 429);
  });
});

void describe('the patch is bounded (issue 14.3)', () => {
  void it('a patch over MAX_PATCH_BYTES is denied with a message naming the annotation to change', () => {
    const huge: JsonPatchOperation[] = [
      { op: 'add', path: '/metadata/annotations/x', value: 'y'.repeat(MAX_PATCH_BYTES) },
    ];
    const answer = reviewAdmission(EXAMPLE_REVIEW_TEXT, DEFAULT_MUTATION_CONFIG, () => ({
      outcome: 'mutated',
      patch: huge,
      pod: {},
      warnings: [],
      summary: {
        containers: ['heapster'],
        initContainers: [],
        probesRemoved: {},
        lifecycleRemoved: [],
        hostPortsCleared: [],
        volumesReplaced: [],
        volumesReadOnly: [],
        labelsRemoved: [],
        ttlSeconds: 60,
        activeDeadlineSeconds: 60,
        toolsImage: 'busybox',
        mountPath: '/debug-dead',
        toolsContainer: 'debug-dead-tools',
        toolsVolume: 'debug-dead-tools',
      },
      original: {},
    }));
    assert.equal(answer.outcome, 'denied');
    const { response } = answer.review;
    assert.equal(response.allowed, false);
    assert.equal(response.patch, undefined);
    assert.equal(response.status?.code, 403);
    assert.match(
      response.status.message,
      /^debugdead's patch for this pod would be 4\.0 MiB \(1 operations\), over its limit of 3\.0 MiB: name fewer target containers in debug\.dead\/container$/,
    );
  });

  void it('the 10,000-container pod with debug.dead/container: "*" gets a denial, not a 30 MiB answer', () => {
    const review = exampleReview();
    const pod = podOf(review);
    const [template] = (pod.spec as JsonMap).containers as JsonMap[];
    (pod.spec as JsonMap).containers = Array.from({ length: 10_000 }, (_, index) => ({
      ...template,
      name: `c${index}`,
    }));
    ((pod.metadata as JsonMap).annotations as JsonMap)['debug.dead/container'] = '*';
    const answer = reviewAdmission(JSON.stringify(review), DEFAULT_MUTATION_CONFIG);
    assert.equal(answer.outcome, 'denied');
    assert.ok(JSON.stringify(answer.review).length < 64 * 1024, 'the answer is small');
  });
});

void describe('bodies over the limit (issue 14.6)', () => {
  for (const [what, chunked, close] of [
    ['declared with Content-Length', false, false],
    ['chunked, with no length', true, false],
    ['on a connection the client asked to close', false, true],
  ] as const) {
    void it(`a 30 MiB body ${what} is answered 413, not reset, and the connection serves on`, async () => {
      const fixture = testApp();
      const port = await listen(fixture.app);
      const body = Buffer.alloc(30 * 1024 * 1024, 0x20);
      const answer = await send(port, 'POST', '/mutate', body, { chunked, close });
      assert.equal(answer.status, 413);
      assert.match(answer.body, /larger than the limit of 6291456 bytes/);
      assert.equal((await send(port, 'POST', '/mutate', Buffer.from(EXAMPLE_REVIEW_TEXT))).status, 200);
      assert.equal(await metricValue(fixture.metrics, METRIC_NAMES.reviews, { outcome: 'invalid' }), 1);
    });
  }
});

void describe('an answer the client never reads (issue 14.6)', () => {
  void it('is cut after the write timeout instead of pinning its memory', async () => {
    const directory = await mkdtemp(path.join(tmpdir(), 'debugdead-write-'));
    const [set] = certificateSets();
    const certPath = path.join(directory, 'tls.crt');
    const keyPath = path.join(directory, 'tls.key');
    await writeFile(certPath, set['tls.crt']);
    await writeFile(keyPath, set['tls.key']);
    const { logger } = capturedLogger();
    const big = Buffer.alloc(64 * 1024 * 1024, 0x61);
    const running = await startServer({
      app: (_req, res) => {
        res.writeHead(200, { 'Content-Length': big.length });
        res.end(big);
      },
      tls: { certPath, keyPath },
      host: '127.0.0.1',
      port: 0,
      logger,
      metrics: testApp().metrics,
      limits: { writeTimeoutMs: 500 },
      reload: { pollIntervalMs: 0 },
    });
    try {
      const socket = tls.connect({ host: '127.0.0.1', port: running.port, ca: set['ca.crt'], servername: 'localhost' });
      socket.on('error', () => undefined);
      await new Promise<void>((resolve) => socket.once('secureConnect', resolve));
      socket.pause(); // never reads
      socket.write('GET / HTTP/1.1\r\nHost: localhost\r\n\r\n');
      const count = (): Promise<number> =>
        new Promise((resolve, reject) => {
          running.server.getConnections((error, connections) => {
            if (error === null) resolve(connections);
            else reject(error);
          });
        });
      await eventually(async () => (await count()) === 1, 5000, 'the connection');
      await eventually(async () => (await count()) === 0, 5000, 'the server to cut the unread answer');
      socket.destroy();
    } finally {
      await running.shutdown(1000);
      await rm(directory, { recursive: true, force: true });
    }
  });
});

void describe('logged request fields are capped (issue 14.6)', () => {
  void it('a 1 MiB uid, name and namespace make a short log line; the answer still echoes the whole uid', async () => {
    const fixture = testApp();
    const port = await listen(fixture.app);
    const long = 'u'.repeat(1024 * 1024);
    const review = exampleReview();
    Object.assign(requestOf(review), { uid: long, name: long, namespace: long });
    requestOf(review).userInfo = { username: long };
    const answer = await send(port, 'POST', '/mutate', Buffer.from(JSON.stringify(review)));
    assert.equal(answer.status, 200);
    assert.equal((JSON.parse(answer.body) as { response: JsonMap }).response.uid, long);
    const [line] = fixture.lines;
    assert.ok(
      line !== undefined && line.length < 4 * MAX_LOGGED_FIELD_LENGTH + 1000,
      `a ${line?.length} character line`,
    );
    const record = fixture.records()[0];
    for (const key of ['uid', 'name', 'namespace', 'user']) {
      assert.equal(record?.[key], `${'u'.repeat(MAX_LOGGED_FIELD_LENGTH - 1)}…`, key);
    }
  });
});
