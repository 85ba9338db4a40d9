/** The HTTP layer of the webhook with supertest: statuses, bodies, metrics and log lines. */
import assert from 'node:assert/strict';
import { createServer, request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import jsonPatch from 'fast-json-patch';
import request from 'supertest';
import { DEFAULT_MUTATION_CONFIG, mutatePod, type JsonPatchOperation } from '../../src/mutation/index.js';
import { METRIC_NAMES } from '../../src/webhook/metrics.js';
import {
  EXAMPLE_REVIEW_TEXT,
  decodePatch,
  eventually,
  exampleReview,
  field,
  metricValue,
  podOf,
  requestOf,
  testApp,
  type JsonMap,
  type ReviewAnswer,
} from './helpers.js';

const UID = '705ab4f5-6393-11e8-b7cc-42010a800002';
const JSON_TYPE = 'application/json';

function post(app: ReturnType<typeof testApp>['app'], body: string | JsonMap, type = JSON_TYPE) {
  return request(app)
    .post('/mutate')
    .set('Content-Type', type)
    .send(typeof body === 'string' ? body : JSON.stringify(body));
}

function ownedReview(): JsonMap {
  const review = exampleReview();
  (podOf(review).metadata as JsonMap).ownerReferences = [
    {
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      name: 'heapster-7c9d4b5f6d',
      uid: '3f0b8a44-1c2d-4e5f-8a9b-0c1d2e3f4a5b',
      controller: true,
      blockOwnerDeletion: true,
    },
  ];
  return review;
}

void describe('POST /mutate', () => {
  void it('mutates the v1 heapster review: 200, uid and apiVersion echoed, a JSONPatch that applies to the pod', async () => {
    const { app } = testApp();
    const res = await post(app, EXAMPLE_REVIEW_TEXT)
      .expect(200)
      .expect('Content-Type', /^application\/json/);
    const body = res.body as ReviewAnswer;
    const { patch, warnings, ...response } = body.response;
    assert.deepEqual(
      { apiVersion: body.apiVersion, kind: body.kind, response },
      {
        apiVersion: 'admission.k8s.io/v1',
        kind: 'AdmissionReview',
        response: {
          uid: UID,
          allowed: true,
          patchType: 'JSONPatch',
          auditAnnotations: {
            'target-containers': 'heapster',
            'tools-image': DEFAULT_MUTATION_CONFIG.toolsImage,
            'active-deadline-seconds': '86400',
            'probes-removed': 'heapster:livenessProbe+readinessProbe',
          },
        },
      },
    );
    assert.ok(warnings === undefined || Array.isArray(warnings));
    const operations = decodePatch(patch ?? '') as JsonPatchOperation[];
    assert.ok(operations.length > 0);
    const pod = podOf(exampleReview());
    const mutated = jsonPatch.applyPatch(pod, operations, true, false).newDocument;
    const annotations = (mutated.metadata as JsonMap).annotations as JsonMap;
    assert.equal(typeof annotations['debug.dead/mutated'], 'string');
    // The HTTP layer sends exactly what the mutation computed.
    const direct = mutatePod(podOf(exampleReview()), DEFAULT_MUTATION_CONFIG, { operation: 'CREATE' });
    assert.equal(direct.outcome, 'mutated');
    assert.deepEqual(operations, direct.patch);
  });

  for (const operation of ['DELETE', 'UPDATE', 'CONNECT']) {
    void it(`allows ${operation} without a patch`, async () => {
      const { app } = testApp();
      const review = exampleReview();
      Object.assign(requestOf(review), {
        operation,
        oldObject: podOf(review),
        object: operation === 'DELETE' ? null : podOf(review),
      });
      const res = await post(app, review).expect(200);
      assert.deepEqual(res.body, {
        apiVersion: 'admission.k8s.io/v1',
        kind: 'AdmissionReview',
        response: { uid: UID, allowed: true },
      });
    });
  }

  const notPods: [string, JsonMap][] = [
    [
      'a ConfigMap',
      {
        kind: { group: '', version: 'v1', kind: 'ConfigMap' },
        resource: { group: '', version: 'v1', resource: 'configmaps' },
      },
    ],
    ['the pods/binding subresource', { subResource: 'binding' }],
    ['the pods/ephemeralcontainers subresource', { subResource: 'ephemeralcontainers' }],
  ];
  for (const [what, change] of notPods) {
    void it(`allows ${what} without a patch, even with the enable annotation`, async () => {
      const { app } = testApp();
      const review = exampleReview();
      Object.assign(requestOf(review), change);
      const res = await post(app, review).expect(200);
      assert.deepEqual(res.body, {
        apiVersion: 'admission.k8s.io/v1',
        kind: 'AdmissionReview',
        response: { uid: UID, allowed: true },
      });
    });
  }

  void it('allows a pod without the annotation without a patch', async () => {
    const { app } = testApp();
    const review = exampleReview();
    delete ((podOf(review).metadata as JsonMap).annotations as JsonMap)['debug.dead/enable'];
    const res = await post(app, review).expect(200);
    assert.deepEqual((res.body as { response: unknown }).response, { uid: UID, allowed: true });
  });

  void it('denies an owned pod with 403 Forbidden and the mutation message intact', async () => {
    const { app } = testApp();
    const review = ownedReview();
    const direct = mutatePod(podOf(review), DEFAULT_MUTATION_CONFIG, { operation: 'CREATE' });
    assert.equal(direct.outcome, 'denied');
    const res = await post(app, review).expect(200);
    assert.deepEqual((res.body as { response: unknown }).response, {
      uid: UID,
      allowed: false,
      status: {
        status: 'Failure',
        code: 403,
        reason: 'Forbidden',
        message: direct.message,
      },
    });
  });

  void it('answers 200 with allowed=false and the uid when the mutation throws (never a 5xx once the uid is known)', async () => {
    const { app, metrics, records } = testApp({
      mutate: () => {
        throw new Error('unexpected');
      },
    });
    const res = await post(app, EXAMPLE_REVIEW_TEXT).expect(200);
    const response = (res.body as { response: JsonMap }).response;
    assert.equal(response.uid, UID);
    assert.equal(response.allowed, false);
    assert.equal((response.status as JsonMap).code, 500);
    assert.equal(await metricValue(metrics, METRIC_NAMES.reviews, { outcome: 'error' }), 1);
    const [line] = records();
    assert.equal(line?.level, 50);
    assert.equal(line.uid, UID);
    assert.equal((line.err as JsonMap).message, 'unexpected');
  });

  void it('accepts a review close to the 3 MiB the API server allows (not express’s 100 kB default)', async () => {
    const { app } = testApp();
    const review = exampleReview();
    ((podOf(review).metadata as JsonMap).annotations as JsonMap)['example.com/large'] = 'x'.repeat(
      3 * 1024 * 1024 - 20_000,
    );
    const res = await post(app, review).expect(200);
    assert.equal((res.body as { response: JsonMap }).response.patchType, 'JSONPatch');
  });

  void it('accepts application/json with charset=utf-8', async () => {
    const { app } = testApp();
    await post(app, EXAMPLE_REVIEW_TEXT, 'application/json; charset=UTF-8').expect(200);
  });
});

void describe('POST /mutate refuses bad requests with a 4xx and a plain message', () => {
  const bad: [string, string, string, number, RegExp][] = [
    ['malformed JSON', '{"apiVersion":', JSON_TYPE, 400, /^the request body is not valid JSON/],
    ['an empty body', '', JSON_TYPE, 400, /not valid JSON/],
    [
      'a review without request',
      '{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview"}',
      JSON_TYPE,
      400,
      /no request object/,
    ],
    [
      'a request without uid',
      '{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"operation":"CREATE"}}',
      JSON_TYPE,
      400,
      /request\.uid is missing/,
    ],
    [
      'admission.k8s.io/v1beta1',
      EXAMPLE_REVIEW_TEXT.replace('"admission.k8s.io/v1"', '"admission.k8s.io/v1beta1"'),
      JSON_TYPE,
      400,
      /not supported: send admission\.k8s\.io\/v1/,
    ],
    [
      'text/plain',
      EXAMPLE_REVIEW_TEXT,
      'text/plain',
      415,
      /^Content-Type "text\/plain" is not supported: send application\/json/,
    ],
    ['a form', 'a=b', 'application/x-www-form-urlencoded', 415, /not supported: send application\/json/],
    [
      'application/json in latin1',
      EXAMPLE_REVIEW_TEXT,
      'application/json; charset=iso-8859-1',
      415,
      /charset iso-8859-1 is not supported/,
    ],
  ];
  for (const [what, body, type, status, message] of bad) {
    void it(`${what} → ${status}`, async () => {
      const { app, metrics } = testApp();
      const res = await post(app, body, type)
        .expect(status)
        .expect('Content-Type', /^text\/plain/);
      assert.match(res.text, message);
      // The client's mistake, not the webhook's failure (issue 14.6).
      assert.equal(await metricValue(metrics, METRIC_NAMES.reviews, { outcome: 'invalid' }), 1);
      assert.equal(await metricValue(metrics, METRIC_NAMES.reviews, { outcome: 'error' }), 0);
    });
  }

  void it('no Content-Type → 415', async () => {
    const { app } = testApp();
    const res = await request(app).post('/mutate').send(Buffer.from(EXAMPLE_REVIEW_TEXT)).expect(415);
    assert.match(res.text, /^Content-Type \(none\) is not supported/);
  });

  void it('a gzip-encoded body → 415', async () => {
    const { app } = testApp();
    await request(app)
      .post('/mutate')
      .set('Content-Type', JSON_TYPE)
      .set('Content-Encoding', 'gzip')
      .send('{}')
      .expect(415);
  });

  void it('a body over the limit → 413, and the server keeps answering', async () => {
    const limit = 3 * 1024 * 1024;
    const { app } = testApp({ bodyLimitBytes: limit });
    const review = exampleReview();
    ((podOf(review).metadata as JsonMap).annotations as JsonMap)['example.com/large'] = 'x'.repeat(limit);
    const res = await post(app, review).expect(413);
    assert.match(res.text, /larger than the limit of 3145728 bytes; raise --body-limit/);
    await post(app, EXAMPLE_REVIEW_TEXT).expect(200);
  });

  void it('a body over the default 6 MiB limit → 413', async () => {
    const { app } = testApp();
    await post(app, `{"pad":"${'y'.repeat(6 * 1024 * 1024)}"}`).expect(413);
  });
});

void describe('a client that goes away mid-body', () => {
  void it('is counted as invalid, leaves no review in flight, and the server keeps answering', async () => {
    const { app, metrics, records } = testApp();
    const server = createServer(app);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const body = Buffer.from(EXAMPLE_REVIEW_TEXT);
      const req = httpRequest({
        host: '127.0.0.1',
        port,
        path: '/mutate',
        method: 'POST',
        headers: { 'Content-Type': JSON_TYPE, 'Content-Length': body.length },
      });
      req.on('error', () => undefined); // the abort below
      req.write(body.subarray(0, 100));
      await eventually(
        async () => (await metricValue(metrics, METRIC_NAMES.inFlight)) === 1,
        5000,
        'the review in flight',
      );
      req.destroy();
      await eventually(
        async () => (await metricValue(metrics, METRIC_NAMES.inFlight)) === 0,
        5000,
        'no review in flight',
      );
      await eventually(
        async () => (await metricValue(metrics, METRIC_NAMES.reviews, { outcome: 'invalid' })) === 1,
        5000,
        'the invalid review to be counted',
      );
      assert.match(field(records().at(-1), 'reason'), /client went away/);
      await request(server).post('/mutate').set('Content-Type', JSON_TYPE).send(EXAMPLE_REVIEW_TEXT).expect(200);
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});

void describe('other routes', () => {
  void it('GET /healthz → 200 ok', async () => {
    const { app } = testApp();
    const res = await request(app).get('/healthz').expect(200);
    assert.equal(res.text, 'ok\n');
  });

  void it('GET /readyz follows isReady', async () => {
    let ready = false;
    const { app } = testApp({ isReady: () => ready });
    const before = await request(app).get('/readyz').expect(503);
    assert.match(before.text, /^not ready/);
    ready = true;
    await request(app).get('/readyz').expect(200);
  });

  void it('GET /mutate → 405 with Allow: POST', async () => {
    const { app } = testApp();
    await request(app).get('/mutate').expect(405).expect('Allow', 'POST');
  });

  void it('an unknown path → 404 naming the routes', async () => {
    const { app } = testApp();
    const res = await request(app).post('/validate').expect(404);
    assert.match(res.text, /no route for POST \/validate; try POST \/mutate/);
  });

  void it('sends no X-Powered-By header', async () => {
    const { app } = testApp();
    const res = await request(app).get('/healthz');
    assert.equal(res.headers['x-powered-by'], undefined);
  });
});

void describe('metrics', () => {
  void it('count reviews by outcome, observe latency, and return the in-flight gauge to zero', async () => {
    const { app, metrics } = testApp();
    const skipped = exampleReview();
    requestOf(skipped).operation = 'DELETE';
    await post(app, EXAMPLE_REVIEW_TEXT).expect(200);
    await post(app, EXAMPLE_REVIEW_TEXT).expect(200);
    await post(app, skipped).expect(200);
    await post(app, ownedReview()).expect(200);
    await post(app, 'nope').expect(400);
    const counts: Record<string, number> = {};
    for (const outcome of ['mutated', 'skipped', 'denied', 'invalid', 'throttled', 'error']) {
      counts[outcome] = await metricValue(metrics, METRIC_NAMES.reviews, { outcome });
    }
    assert.deepEqual(counts, { mutated: 2, skipped: 1, denied: 1, invalid: 1, throttled: 0, error: 0 });
    assert.equal(await metricValue(metrics, METRIC_NAMES.inFlight), 0);

    const exposition = await request(app)
      .get('/metrics')
      .expect(200)
      .expect('Content-Type', /^text\/plain; version=0\.0\.4/);
    assert.match(exposition.text, /^debugdead_admission_reviews_total\{outcome="mutated"\} 2$/m);
    // Base units (issue 14.6): seconds.
    assert.match(exposition.text, /^debugdead_admission_review_duration_seconds_count\{outcome="mutated"\} 2$/m);
    assert.match(
      exposition.text,
      /^debugdead_admission_review_duration_seconds_bucket\{le="10",outcome="denied"\} 1$/m,
    );
    assert.doesNotMatch(exposition.text, /milliseconds/);
    assert.match(exposition.text, /^debugdead_build_info\{version="unknown",node_version="v\d+\.\d+\.\d+"\} 1$/m);
    assert.match(exposition.text, /^debugdead_admission_reviews_in_flight 0$/m);
    assert.match(exposition.text, /^debugdead_tls_certificate_reloads_total\{result="success"\} 0$/m);
  });

  void it('are per app: two apps do not share counters (no global registry)', async () => {
    const first = testApp();
    const second = testApp();
    await post(first.app, EXAMPLE_REVIEW_TEXT).expect(200);
    assert.equal(await metricValue(first.metrics, METRIC_NAMES.reviews, { outcome: 'mutated' }), 1);
    assert.equal(await metricValue(second.metrics, METRIC_NAMES.reviews, { outcome: 'mutated' }), 0);
  });
});

void describe('logs', () => {
  void it('write one JSON line per review with uid, namespace, name, operation, user, outcome, patch op count and ms', async () => {
    const { app, records } = testApp();
    const res = await post(app, EXAMPLE_REVIEW_TEXT).expect(200);
    const patchOps = (decodePatch((res.body as ReviewAnswer).response.patch ?? '') as unknown[]).length;
    const lines = records();
    assert.equal(lines.length, 1);
    const [line] = lines;
    assert.ok(line !== undefined && typeof line.ms === 'number' && line.ms >= 0);
    const { time: _time, pid: _pid, hostname: _hostname, ms: _ms, ...rest } = line;
    assert.deepEqual(rest, {
      level: 30,
      uid: UID,
      namespace: 'monitoring',
      name: 'heapster',
      operation: 'CREATE',
      user: 'kubernetes-admin',
      outcome: 'mutated',
      patchOps,
      msg: 'admission review',
    });
  });

  void it('never contain env values, secret-looking annotations or the body, whatever the outcome', async () => {
    const secrets = ['hunter2-db-password-value', 'AKIAEXAMPLESECRETKEY', 'c2VjcmV0LXRva2VuLWJhc2U2NA'];
    const withSecrets = (review: JsonMap): JsonMap => {
      const pod = podOf(review);
      const [container] = (pod.spec as JsonMap).containers as JsonMap[];
      (container as JsonMap).env = [
        { name: 'DB_PASSWORD', value: secrets[0] ?? '' },
        { name: 'AWS_SECRET_ACCESS_KEY', value: secrets[1] ?? '' },
      ];
      ((pod.metadata as JsonMap).annotations as JsonMap)['example.com/token'] = secrets[2] ?? '';
      return review;
    };
    const { app, lines } = testApp();
    await post(app, withSecrets(exampleReview())).expect(200); // mutated
    await post(app, withSecrets(ownedReview())).expect(200); // denied
    const deleted = withSecrets(exampleReview());
    requestOf(deleted).operation = 'DELETE';
    await post(app, deleted).expect(200); // skipped
    await post(app, `${JSON.stringify(withSecrets(exampleReview()))}}`).expect(400); // malformed
    const failing = testApp({
      mutate: (pod) => {
        throw new Error(`cannot handle ${typeof pod}`);
      },
    });
    await post(failing.app, withSecrets(exampleReview())).expect(200); // error
    const output = [...lines, ...failing.lines].join('\n');
    assert.equal(lines.length + failing.lines.length, 5, 'one line per review');
    for (const secret of secrets) assert.ok(!output.includes(secret), `log output leaks ${secret}`);
    assert.ok(!output.includes('DB_PASSWORD'), 'log output names env variables');
  });
});
