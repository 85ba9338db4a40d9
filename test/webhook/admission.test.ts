/** The pure decode → mutate → encode step, with the real mutation and with injected ones for odd outcomes. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { UsageError } from '../../src/errors.js';
import { DEFAULT_MUTATION_CONFIG, type MutationResult, type MutationSummary } from '../../src/mutation/index.js';
import {
  answerReview,
  decodeReview,
  encodeAnswer,
  reviewAdmission,
  type MutateFunction,
} from '../../src/webhook/admission.js';
import { decodePatch, exampleReview, requestOf, type JsonMap } from './helpers.js';

const UID = '705ab4f5-6393-11e8-b7cc-42010a800002';
const FIELDS = { uid: UID, namespace: 'monitoring', name: 'heapster', operation: 'CREATE', user: 'kubernetes-admin' };
const SUMMARY: MutationSummary = {
  containers: ['heapster'],
  initContainers: ['setup'],
  probesRemoved: { heapster: ['livenessProbe', 'readinessProbe'] },
  lifecycleRemoved: [],
  hostPortsCleared: [],
  volumesReplaced: ['data'],
  volumesReadOnly: [],
  labelsRemoved: [],
  ttlSeconds: 86_400,
  activeDeadlineSeconds: 86_400,
  toolsImage: 'busybox:1.37.0-musl',
  mountPath: '/debug-dead',
  toolsContainer: 'debug-dead-tools',
  toolsVolume: 'debug-dead-tools',
};

function answerWith(result: MutationResult | (() => never), review: JsonMap = exampleReview()) {
  const mutate: MutateFunction = typeof result === 'function' ? result : () => result;
  return answerReview(decodeReview(review), DEFAULT_MUTATION_CONFIG, mutate);
}

function refusal(body: string): UsageError {
  try {
    reviewAdmission(body, DEFAULT_MUTATION_CONFIG);
  } catch (error) {
    assert.ok(error instanceof UsageError);
    return error;
  }
  assert.fail('expected a UsageError');
}

void describe('decodeReview', () => {
  void it('extracts the logged fields and what the core judges (operation, kind, resource, subresource)', () => {
    const decoded = decodeReview(exampleReview());
    assert.deepEqual(decoded.fields, FIELDS);
    assert.deepEqual(decoded.request, {
      operation: 'CREATE',
      kind: { group: '', version: 'v1', kind: 'Pod' },
      resource: { group: '', version: 'v1', resource: 'pods' },
      subResource: undefined,
    });
  });

  void it('falls back to metadata.generateName when the request has no name (kubectl create with generateName)', () => {
    const review = exampleReview();
    const request = requestOf(review);
    request.name = '';
    const metadata = (request.object as JsonMap).metadata as JsonMap;
    delete metadata.name;
    metadata.generateName = 'heapster-';
    assert.equal(decodeReview(review).fields.name, 'heapster-*');
  });

  const notPods: [string, (request: JsonMap) => void][] = [
    [
      'a Deployment',
      (r) => {
        Object.assign(r, {
          kind: { group: 'apps', version: 'v1', kind: 'Deployment' },
          resource: { group: 'apps', version: 'v1', resource: 'deployments' },
        });
      },
    ],
    [
      'the pods/ephemeralcontainers subresource',
      (r) => {
        Object.assign(r, { subResource: 'ephemeralcontainers' });
      },
    ],
    [
      'a pod of another API version',
      (r) => {
        Object.assign(r, { kind: { group: '', version: 'v2', kind: 'Pod' } });
      },
    ],
    [
      'a review without kind and resource',
      (r) => {
        delete r.kind;
        delete r.resource;
      },
    ],
  ];
  for (const [what, change] of notPods) {
    void it(`does not treat ${what} as a pod (the core's gate says so, the adapter words it)`, () => {
      const review = exampleReview();
      change(requestOf(review));
      const answer = answerReview(decodeReview(review), DEFAULT_MUTATION_CONFIG);
      assert.equal(answer.outcome, 'skipped');
      assert.equal(answer.detail, 'not a Pod');
      assert.deepEqual(answer.review.response, { uid: UID, allowed: true });
    });
  }
});

void describe('reviewAdmission refuses what is not an AdmissionReview with a uid (400, plain message)', () => {
  const cases: [string, string, RegExp][] = [
    ['malformed JSON', '{"apiVersion": "admission.k8s.io/v1",', /^the request body is not valid JSON \(at byte \d+\)/],
    ['a JSON array', '[]', /must be a JSON object/],
    ['a JSON string', '"review"', /must be a JSON object/],
    ['null', 'null', /must be a JSON object/],
    [
      'v1beta1',
      JSON.stringify({ ...exampleReview(), apiVersion: 'admission.k8s.io/v1beta1' }),
      /apiVersion "admission.k8s.io\/v1beta1" is not supported: send admission.k8s.io\/v1/,
    ],
    [
      'no apiVersion',
      JSON.stringify({ kind: 'AdmissionReview', request: { uid: 'x' } }),
      /apiVersion missing is not supported/,
    ],
    ['another kind', JSON.stringify({ ...exampleReview(), kind: 'ConversionReview' }), /kind must be AdmissionReview/],
    [
      'no request',
      JSON.stringify({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview' }),
      /has no request object/,
    ],
    [
      'a request without uid',
      JSON.stringify({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', request: { operation: 'CREATE' } }),
      /request.uid is missing/,
    ],
    [
      'a numeric uid',
      JSON.stringify({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', request: { uid: 7 } }),
      /request.uid is missing/,
    ],
  ];
  for (const [what, body, message] of cases) {
    void it(what, () => {
      const error = refusal(body);
      assert.equal(error.status, 400);
      assert.match(error.message, message);
    });
  }

  void it('never repeats the body in the message (it may hold secrets)', () => {
    const error = refusal('{"password": "hunter2-secret",,}');
    assert.doesNotMatch(error.message, /hunter2/);
    assert.ok(error.cause instanceof SyntaxError, 'the JSON error is kept as the cause');
  });
});

void describe('answerReview maps mutation results to AdmissionReview responses', () => {
  void it('untouched: allowed, no patch, outcome skipped', () => {
    const answer = answerWith({
      outcome: 'untouched',
      code: 'not-annotated',
      reason: 'no debug.dead/enable annotation',
    });
    assert.deepEqual(answer, {
      outcome: 'skipped',
      fields: FIELDS,
      patchOps: 0,
      detail: 'no debug.dead/enable annotation',
      review: { apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', response: { uid: UID, allowed: true } },
    });
  });

  void it('mutated: base64 JSONPatch and warnings', () => {
    const patch = [{ op: 'add' as const, path: '/metadata/annotations/debug.dead~1mutated', value: '{}' }];
    const answer = answerWith({
      outcome: 'mutated',
      patch,
      pod: {},
      warnings: ['volume data is now empty'],
      summary: SUMMARY,
      original: {},
    });
    assert.equal(answer.outcome, 'mutated');
    assert.equal(answer.patchOps, 1);
    const { patch: encoded, ...rest } = answer.review.response;
    assert.deepEqual(rest, {
      uid: UID,
      allowed: true,
      patchType: 'JSONPatch',
      warnings: ['volume data is now empty'],
      auditAnnotations: {
        'target-containers': 'setup,heapster',
        'tools-image': 'busybox:1.37.0-musl',
        'active-deadline-seconds': '86400',
        'probes-removed': 'heapster:livenessProbe+readinessProbe',
        'volumes-replaced': 'data',
      },
    });
    assert.deepEqual(decodePatch(encoded ?? ''), patch);
  });

  void it('mutated with an empty patch: allowed without patchType or patch, outcome skipped', () => {
    const answer = answerWith({ outcome: 'mutated', patch: [], pod: {}, warnings: [], summary: SUMMARY, original: {} });
    assert.equal(answer.outcome, 'skipped');
    assert.deepEqual(answer.review.response, { uid: UID, allowed: true });
  });

  void it('denied: allowed false, 403 Forbidden, the message intact (kubectl shows it after "denied the request:")', () => {
    const message =
      'debug.dead/container: "web" is not a container of this pod; its containers: heapster, heapster-nanny';
    const answer = answerWith({ outcome: 'denied', message });
    assert.equal(answer.outcome, 'denied');
    assert.deepEqual(answer.review.response, {
      uid: UID,
      allowed: false,
      status: { status: 'Failure', code: 403, reason: 'Forbidden', message },
    });
  });

  void it('a mutation that throws: 200-style answer, allowed false, uid echoed, outcome error, cause kept', () => {
    const boom = new RangeError('boom');
    const answer = answerWith(() => {
      throw boom;
    });
    assert.equal(answer.outcome, 'error');
    assert.equal(answer.error, boom);
    assert.equal(answer.review.response.uid, UID);
    assert.equal(answer.review.response.allowed, false);
    assert.equal(answer.review.response.status?.code, 500);
    assert.match(answer.review.response.status.message, /could not process this pod \(request uid 705ab4f5-/);
  });

  void it('a mutation returning garbage is an error answer, not a crash', () => {
    const answer = answerWith({ outcome: 'mutated', patch: null } as unknown as MutationResult);
    assert.equal(answer.outcome, 'error');
    assert.equal(answer.review.response.allowed, false);
  });

  void it('a patch that cannot be serialised becomes an error answer with the uid', () => {
    const cyclic: JsonMap = {};
    cyclic.self = cyclic;
    const answer = answerWith({
      outcome: 'mutated',
      patch: [{ op: 'add', path: '/x', value: cyclic }],
      pod: {},
      warnings: [],
      summary: SUMMARY,
      original: {},
    } as unknown as MutationResult);
    assert.equal(answer.outcome, 'error');
    assert.equal(answer.review.response.uid, UID);
  });

  for (const operation of ['UPDATE', 'DELETE', 'CONNECT', '']) {
    void it(`${operation || 'no operation'}: skipped, as the core's gate decides, with its reason`, () => {
      const review = exampleReview();
      requestOf(review).operation = operation;
      const answer = answerReview(decodeReview(review), DEFAULT_MUTATION_CONFIG);
      assert.equal(answer.outcome, 'skipped');
      assert.equal(answer.detail, `operation ${operation || '(none)'} is not CREATE`);
      assert.deepEqual(answer.review.response, { uid: UID, allowed: true });
    });
  }

  void it("a non-pod resource: skipped, as the core's gate decides", () => {
    const review = exampleReview();
    Object.assign(requestOf(review), {
      resource: { group: '', version: 'v1', resource: 'configmaps' },
      kind: { group: '', version: 'v1', kind: 'ConfigMap' },
    });
    const answer = answerReview(decodeReview(review), DEFAULT_MUTATION_CONFIG);
    assert.equal(answer.outcome, 'skipped');
    assert.deepEqual(answer.review.response, { uid: UID, allowed: true });
  });

  void it('passes the request the gate judges to the mutation as it came', () => {
    const seen: unknown[] = [];
    const mutate: MutateFunction = (_object, _config, request) => {
      seen.push(request);
      return { outcome: 'untouched', code: 'not-annotated', reason: 'x' };
    };
    answerReview(decodeReview(exampleReview()), DEFAULT_MUTATION_CONFIG, mutate);
    assert.deepEqual(seen, [decodeReview(exampleReview()).request]);
  });
});

void describe('encodeAnswer', () => {
  void it('serialises the review as the JSON the API server reads', () => {
    const { json } = encodeAnswer(answerWith({ outcome: 'untouched', code: 'not-annotated', reason: 'x' }));
    assert.equal(
      json,
      `{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","response":{"uid":"${UID}","allowed":true}}`,
    );
  });
});

// Warnings are made to fit (one line, at most 120 characters) once, in the core: test/mutation/warnings.test.ts.
void describe('warnings', () => {
  void it('are passed on as the core made them, not cut again', () => {
    const warnings = ['volume data is now empty', 'ok'];
    const answer = answerWith({
      outcome: 'mutated',
      patch: [{ op: 'add', path: '/x', value: 1 }],
      pod: {},
      warnings,
      summary: SUMMARY,
      original: {},
    });
    assert.deepEqual(answer.review.response.warnings, warnings);
  });
});

void describe('with the real mutation', () => {
  void it('mutates the heapster example: a non-empty patch, uid echoed', () => {
    const answer = reviewAdmission(JSON.stringify(exampleReview()), DEFAULT_MUTATION_CONFIG);
    assert.equal(answer.outcome, 'mutated');
    assert.equal(answer.review.response.uid, UID);
    assert.equal(answer.review.response.patchType, 'JSONPatch');
    const patch = decodePatch(answer.review.response.patch ?? '');
    assert.ok(Array.isArray(patch) && patch.length > 0 && patch.length === answer.patchOps);
  });

  void it('denies a pod with a controller owner and no debug.dead/allow-owned', () => {
    const review = exampleReview();
    const metadata = (requestOf(review).object as JsonMap).metadata as JsonMap;
    metadata.ownerReferences = [
      {
        apiVersion: 'apps/v1',
        kind: 'ReplicaSet',
        name: 'heapster-5d4f8',
        uid: '6c1b7b9e-0000-4000-8000-000000000001',
        controller: true,
        blockOwnerDeletion: true,
      },
    ];
    const answer = reviewAdmission(JSON.stringify(review), DEFAULT_MUTATION_CONFIG);
    assert.equal(answer.outcome, 'denied');
    assert.equal(answer.review.response.allowed, false);
    assert.equal(answer.review.response.status?.code, 403);
    assert.match(answer.review.response.status.message, /debug\.dead\/allow-owned/);
  });
});
