/**
 * Fuzzing POST /mutate: arbitrary bodies and field-level corruptions of a valid review. Each answer is a
 * 200 with a well-formed AdmissionReview echoing the uid, or a 4xx with a plain message; never a 5xx,
 * never a crash, and a patch, when there is one, applies to the object that was sent.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import jsonPatch, { type Operation } from 'fast-json-patch';
import request from 'supertest';
import { MAX_WARNING_LENGTH } from '../../src/mutation/index.js';
import { ADMISSION_API_VERSION } from '../../src/webhook/admission.js';
import { METRIC_NAMES } from '../../src/webhook/metrics.js';
import { exampleReview, metricValue, testApp, type Json, type JsonMap } from './helpers.js';

const RUNS = 2000;
let server: Server;
const fixture = testApp();

before(async () => {
  server = createServer(fixture.app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
});

after(async () => {
  await new Promise<void>((resolve) =>
    server.close(() => {
      resolve();
    }),
  );
});

function isMap(value: unknown): value is JsonMap {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The uid the answer must echo, when the body had one. */
function sentUid(body: string): string | undefined {
  try {
    const parsed = JSON.parse(body) as unknown;
    const uid = isMap(parsed) && isMap(parsed.request) ? parsed.request.uid : undefined;
    return typeof uid === 'string' ? uid : undefined;
  } catch {
    return undefined;
  }
}

function sentObject(body: string): unknown {
  const parsed = JSON.parse(body) as JsonMap;
  return (parsed.request as JsonMap).object;
}

/** Posts one body and checks the answer's contract. */
async function check(body: string, contentType = 'application/json'): Promise<void> {
  const res = await request(server).post('/mutate').set('Content-Type', contentType).send(body);
  assert.ok(res.status < 500, `HTTP ${res.status} for ${body.slice(0, 300)}: ${res.text}`);
  if (res.status !== 200) {
    assert.ok(res.status >= 400, `unexpected HTTP ${res.status}`);
    assert.match(String(res.headers['content-type']), /^text\/plain/);
    assert.ok(res.text.length > 1, 'a 4xx says why');
    return;
  }
  const review = JSON.parse(res.text) as JsonMap;
  assert.deepEqual(Object.keys(review), ['apiVersion', 'kind', 'response']);
  assert.equal(review.apiVersion, ADMISSION_API_VERSION);
  assert.equal(review.kind, 'AdmissionReview');
  const response = review.response as JsonMap;
  const uid = sentUid(body);
  assert.ok(uid !== undefined, 'a 200 only for a body with a uid');
  assert.equal(response.uid, uid);
  assert.equal(typeof response.allowed, 'boolean');
  assert.equal(response.patchType === undefined, response.patch === undefined, 'patchType exactly with a patch');
  if (response.allowed === false) {
    const status = response.status as JsonMap;
    assert.ok(typeof status.message === 'string' && status.message !== '');
    assert.notEqual(status.code, 500, `the mutation threw on ${body.slice(0, 500)}`);
    assert.equal(response.patch, undefined);
  }
  if (response.warnings !== undefined) {
    assert.ok(Array.isArray(response.warnings));
    for (const warning of response.warnings) {
      assert.ok(typeof warning === 'string' && Array.from(warning).length <= MAX_WARNING_LENGTH);
    }
  }
  if (typeof response.patch === 'string') {
    assert.equal(response.patchType, 'JSONPatch');
    const operations = JSON.parse(Buffer.from(response.patch, 'base64').toString('utf8')) as Operation[];
    assert.ok(Array.isArray(operations) && operations.length > 0);
    const errors = jsonPatch.validate(operations, structuredClone(sentObject(body)));
    assert.equal(errors, undefined, `the patch does not apply: ${String(errors)}`);
  }
}

/** Every path (as keys) inside the valid example review. */
function pathsOf(value: Json, prefix: (string | number)[] = []): (string | number)[][] {
  const own = prefix.length > 0 ? [prefix] : [];
  if (Array.isArray(value)) return [...own, ...value.flatMap((item, index) => pathsOf(item, [...prefix, index]))];
  if (isMap(value)) return [...own, ...Object.entries(value).flatMap(([key, item]) => pathsOf(item, [...prefix, key]))];
  return own;
}

const REVIEW_PATHS = pathsOf(exampleReview());

type Corruption =
  { path: (string | number)[]; action: 'delete' } | { path: (string | number)[]; action: 'set'; value: Json };

function corrupt(corruptions: Corruption[]): string {
  const review = exampleReview();
  for (const corruption of corruptions) {
    let parent: Json = review;
    const keys = corruption.path;
    for (const key of keys.slice(0, -1)) {
      parent =
        (isMap(parent) || Array.isArray(parent) ? (parent as Record<string | number, Json>)[key] : undefined) ?? null;
    }
    const last = keys.at(-1);
    if (last === undefined || parent === null || typeof parent !== 'object') continue;
    if (corruption.action === 'delete') {
      if (Array.isArray(parent) && typeof last === 'number') parent.splice(last, 1);
      else Reflect.deleteProperty(parent, last);
    } else {
      (parent as Record<string | number, Json>)[last] = corruption.value;
    }
  }
  return JSON.stringify(review);
}

const oddValue: fc.Arbitrary<Json> = fc.oneof(
  fc.constantFrom<Json>(
    null,
    '',
    0,
    -1,
    1.5,
    true,
    false,
    [],
    {},
    'CREATE',
    'Pod',
    'true',
    '*',
    '../..',
    '\u0000',
    'a/b~c',
  ),
  fc.jsonValue({ maxDepth: 3 }) as fc.Arbitrary<Json>,
  fc.string({ unit: 'grapheme', maxLength: 200 }),
);

const corruption: fc.Arbitrary<Corruption> = fc.oneof(
  fc.record({ path: fc.constantFrom(...REVIEW_PATHS), action: fc.constant('delete' as const) }),
  fc.record({ path: fc.constantFrom(...REVIEW_PATHS), action: fc.constant('set' as const), value: oddValue }),
);

const envelope = (request: unknown): string =>
  JSON.stringify({ apiVersion: ADMISSION_API_VERSION, kind: 'AdmissionReview', request });

const arbitraryBody: fc.Arbitrary<string> = fc.oneof(
  fc.json({ maxDepth: 4 }),
  fc.string({ unit: 'binary', maxLength: 300 }),
  fc.jsonValue({ maxDepth: 4 }).map(envelope),
  fc
    .record(
      { uid: fc.string(), operation: oddValue, kind: oddValue, resource: oddValue, object: oddValue },
      { requiredKeys: [] },
    )
    .map(envelope),
  fc.jsonValue({ maxDepth: 4 }).map((object) =>
    envelope({
      uid: 'fuzz',
      operation: 'CREATE',
      kind: { group: '', version: 'v1', kind: 'Pod' },
      resource: { group: '', version: 'v1', resource: 'pods' },
      object,
    }),
  ),
);

void describe('POST /mutate under fuzzing', { timeout: 300_000 }, () => {
  void it(`${RUNS} arbitrary bodies: a well-formed review or a 4xx, never a 5xx`, async () => {
    await fc.assert(
      fc.asyncProperty(arbitraryBody, async (body) => {
        await check(body);
      }),
      { numRuns: RUNS },
    );
  });

  void it(`${RUNS} field-level corruptions of a valid review: the same contract, and patches that apply`, async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(corruption, { minLength: 1, maxLength: 3 }), async (corruptions) => {
        await check(corrupt(corruptions));
      }),
      { numRuns: RUNS },
    );
  });

  void it('odd content types with valid and invalid bodies: never a 5xx', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(
          'application/json',
          'application/json; charset=utf-16',
          'text/json',
          'application/merge-patch+json',
          'application/json;;;',
          '*/*',
        ),
        fc.oneof(fc.constant(JSON.stringify(exampleReview())), fc.json()),
        async (contentType, body) => {
          await check(body, contentType);
        },
      ),
      { numRuns: 200 },
    );
  });

  void it('the server is still healthy afterwards and the in-flight gauge is back to zero', async () => {
    await request(server).get('/healthz').expect(200);
    assert.equal(await metricValue(fixture.metrics, METRIC_NAMES.inFlight), 0);
  });
});
