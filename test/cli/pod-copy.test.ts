import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { UsageError } from '../../src/errors.js';
import type { JsonObject, Pod } from '../../src/mutation/index.js';
import { copyName, copyOfLabelValue, copyPod, sourceOptions, type CopyOptions } from '../../src/cli/copy/pod-copy.js';
import { barePod, deploymentPod } from './fixtures.js';

const SUFFIX = 'k3x9q';

function specWithout(pod: Pod, ...fields: string[]): JsonObject {
  return Object.fromEntries(
    Object.entries(structuredClone(pod.spec) as JsonObject).filter(([field]) => !fields.includes(field)),
  );
}

const ALL_DROPPED_SPEC = ['nodeName', 'priority', 'preemptionPolicy', 'ephemeralContainers', 'hostname', 'subdomain'];
const SOURCE_NAME = 'web-7d4b9c8f6d-x2k9p';
const COPY_NAME = `debug-${SOURCE_NAME}-${SUFFIX}`;

function expectedCopy(parts: { labels?: JsonObject; annotations?: JsonObject; spec?: JsonObject } = {}): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: COPY_NAME,
      namespace: 'shop',
      labels: parts.labels ?? { 'debug.dead/copy-of': SOURCE_NAME },
      annotations: parts.annotations ?? {
        'kubectl.kubernetes.io/default-container': 'app',
        'debug.dead/enable': 'true',
        'debug.dead/source': `shop/${SOURCE_NAME}`,
      },
    },
    spec: parts.spec ?? specWithout(deploymentPod(), ...ALL_DROPPED_SPEC),
  };
}

describe('copyPod: the whole copy for each combination of flags', () => {
  const cases: { name: string; options: Omit<CopyOptions, 'suffix'>; expected: Pod }[] = [
    {
      name: 'defaults: server fields, node, priority, DNS identity, labels and foreign annotations dropped',
      options: {},
      expected: expectedCopy(),
    },
    {
      name: '--same-node keeps spec.nodeName only',
      options: { sameNode: true },
      expected: expectedCopy({
        spec: specWithout(deploymentPod(), ...ALL_DROPPED_SPEC.filter((f) => f !== 'nodeName')),
      }),
    },
    {
      name: '--keep-labels keeps every label (the mutation removes pod-template-hash) and adds copy-of',
      options: { keepLabels: true },
      expected: expectedCopy({
        labels: { app: 'web', 'pod-template-hash': '7d4b9c8f6d', tier: 'frontend', 'debug.dead/copy-of': SOURCE_NAME },
      }),
    },
    {
      name: '--keep-annotations keeps foreign annotations',
      options: { keepAnnotations: true },
      expected: expectedCopy({
        annotations: {
          'kubectl.kubernetes.io/default-container': 'app',
          'kubectl.kubernetes.io/restartedAt': '2025-03-01T09:59:00Z',
          'prometheus.io/scrape': 'true',
          'debug.dead/enable': 'true',
          'debug.dead/source': `shop/${SOURCE_NAME}`,
        },
      }),
    },
    {
      name: 'every option flag becomes its annotation',
      options: {
        container: 'app,migrate',
        ttl: '90m',
        image: 'mirror.example.com/busybox:1.37.0-musl',
        volumes: 'readonly',
        keepProbes: true,
      },
      expected: expectedCopy({
        annotations: {
          'kubectl.kubernetes.io/default-container': 'app',
          'debug.dead/ttl': '90m',
          'debug.dead/enable': 'true',
          'debug.dead/container': 'app,migrate',
          'debug.dead/image': 'mirror.example.com/busybox:1.37.0-musl',
          'debug.dead/volumes': 'readonly',
          'debug.dead/keep-probes': 'true',
          'debug.dead/source': `shop/${SOURCE_NAME}`,
        },
      }),
    },
    {
      name: '--keep-probes=false writes "false"; -c * is kept as is',
      options: { keepProbes: false, container: '*' },
      expected: expectedCopy({
        annotations: {
          'kubectl.kubernetes.io/default-container': 'app',
          'debug.dead/enable': 'true',
          'debug.dead/container': '*',
          'debug.dead/keep-probes': 'false',
          'debug.dead/source': `shop/${SOURCE_NAME}`,
        },
      }),
    },
  ];
  for (const testCase of cases) {
    it(testCase.name, () => {
      assert.deepEqual(copyPod(deploymentPod(), { suffix: SUFFIX, ...testCase.options }), testCase.expected);
    });
  }
});

describe('copyPod: the source pod’s own debug.dead/* options are never taken (issue 14.11)', () => {
  /** A source whose annotations someone set to choose the copy's tools image, TTL and the like. */
  function annotatedSource(): Pod {
    const source = deploymentPod();
    const metadata = source.metadata as JsonObject;
    metadata.annotations = {
      ...(metadata.annotations as JsonObject),
      'debug.dead/image': 'evil.example.com/tools:latest',
      'debug.dead/ttl': '30d',
      'debug.dead/keep-probes': 'true',
      'debug.dead/container': '*',
      'debug.dead/volumes': 'readonly',
      'debug.dead/allow-owned': 'true',
      'debug.dead/image-command': '{"app":{"entrypoint":["/evil"],"cmd":null,"digest":"sha256:00"}}',
      'debug.dead/enable': 'true',
    };
    return source;
  }
  const cases: { name: string; options: Omit<CopyOptions, 'suffix'>; expected: Pod }[] = [
    { name: 'no flags: the copy carries the trigger only', options: {}, expected: expectedCopy() },
    {
      name: '--keep-annotations keeps foreign annotations, still none of debug.dead/*',
      options: { keepAnnotations: true },
      expected: expectedCopy({
        annotations: {
          'kubectl.kubernetes.io/default-container': 'app',
          'kubectl.kubernetes.io/restartedAt': '2025-03-01T09:59:00Z',
          'prometheus.io/scrape': 'true',
          'debug.dead/enable': 'true',
          'debug.dead/source': `shop/${SOURCE_NAME}`,
        },
      }),
    },
    {
      name: 'flags given: exactly the flags',
      options: { image: 'mirror.example.com/busybox:1.37.0-musl', ttl: '1h' },
      expected: expectedCopy({
        annotations: {
          'kubectl.kubernetes.io/default-container': 'app',
          'debug.dead/enable': 'true',
          'debug.dead/ttl': '1h',
          'debug.dead/image': 'mirror.example.com/busybox:1.37.0-musl',
          'debug.dead/source': `shop/${SOURCE_NAME}`,
        },
      }),
    },
  ];
  for (const testCase of cases) {
    it(testCase.name, () => {
      assert.deepEqual(copyPod(annotatedSource(), { suffix: SUFFIX, ...testCase.options }), testCase.expected);
    });
  }
  it('sourceOptions lists what was left behind, for the note', () => {
    assert.deepEqual(sourceOptions(annotatedSource()), [
      'debug.dead/allow-owned=true',
      'debug.dead/container=*',
      'debug.dead/image-command={"app":{"entrypoint":["/evil"],"cmd":null,"digest":"sha256:00"}}',
      'debug.dead/image=evil.example.com/tools:latest',
      'debug.dead/keep-probes=true',
      'debug.dead/ttl=30d',
      'debug.dead/volumes=readonly',
    ]);
    assert.deepEqual(sourceOptions(deploymentPod()), []);
  });
});

describe('copyPod: each dropped field, one at a time', () => {
  const metadataFields = [
    'uid',
    'resourceVersion',
    'creationTimestamp',
    'managedFields',
    'ownerReferences',
    'finalizers',
    'generateName',
    'selfLink',
    'deletionTimestamp',
    'deletionGracePeriodSeconds',
    'generation',
  ];
  for (const field of metadataFields) {
    it(`metadata.${field}`, () => {
      const source = deploymentPod();
      const metadata = source.metadata as JsonObject;
      metadata.deletionTimestamp = '2025-03-01T11:00:00Z';
      metadata.deletionGracePeriodSeconds = 30;
      assert.ok(field in metadata, `fixture has metadata.${field}`);
      const copy = copyPod(source, { suffix: SUFFIX });
      assert.equal(field in (copy.metadata as JsonObject), false);
    });
  }
  for (const field of ALL_DROPPED_SPEC) {
    it(`spec.${field}`, () => {
      const source = deploymentPod();
      assert.ok(field in (source.spec as JsonObject));
      const copy = copyPod(source, { suffix: SUFFIX });
      assert.deepEqual(
        Object.keys(copy.spec as JsonObject).sort(),
        Object.keys(specWithout(source, ...ALL_DROPPED_SPEC)).sort(),
      );
      assert.equal(field in (copy.spec as JsonObject), false);
    });
  }
  it('status', () => {
    assert.equal('status' in copyPod(deploymentPod(), { suffix: SUFFIX }), false);
  });
  it('does not change the source pod', () => {
    const source = deploymentPod();
    copyPod(source, { suffix: SUFFIX, keepLabels: true, keepAnnotations: true });
    assert.deepEqual(source, deploymentPod());
  });
});

describe('copyPod: annotations never copied, and a copy of a copy', () => {
  it('drops static-pod and last-applied annotations and old debugdead bookkeeping even with --keep-annotations', () => {
    const source = barePod('kube-scheduler-cp1', 'kube-system');
    (source.metadata as JsonObject).annotations = {
      'kubernetes.io/config.mirror': 'b2d6f4',
      'kubernetes.io/config.hash': 'b2d6f4',
      'kubernetes.io/config.source': 'file',
      'kubernetes.io/config.seen': '2025-03-01T09:00:00Z',
      'kubectl.kubernetes.io/last-applied-configuration': '{}',
      'debug.dead/original': '{}',
      'debug.dead/source': 'elsewhere/other',
      'seccomp.example.com/profile': 'x',
    };
    const copy = copyPod(source, { suffix: SUFFIX, keepAnnotations: true });
    assert.deepEqual((copy.metadata as JsonObject).annotations, {
      'seccomp.example.com/profile': 'x',
      'debug.dead/enable': 'true',
      'debug.dead/source': 'kube-system/kube-scheduler-cp1',
    });
  });
  it('refuses a pod that already carries debug.dead/mutated, naming its source', () => {
    const source = barePod('debug-heapster-aaaaa');
    (source.metadata as JsonObject).annotations = {
      'debug.dead/mutated': '{}',
      'debug.dead/source': 'monitoring/heapster',
    };
    assert.throws(
      () => copyPod(source, { suffix: SUFFIX }),
      (error: unknown) =>
        error instanceof UsageError &&
        error.message ===
          'pod "debug-heapster-aaaaa" is itself a debugdead copy (it carries debug.dead/mutated): a copy of it would keep the keep-alive, not your application. Debug its source monitoring/heapster instead.',
    );
  });
  it('refuses a pod without name or namespace', () => {
    assert.throws(() => copyPod({ kind: 'Pod', metadata: { name: 'x' }, spec: {} }, { suffix: SUFFIX }), UsageError);
  });
});

describe('copyName: ≤ 63 characters and a DNS-1123 label', () => {
  const label = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
  const cases: { name: string; source: string; expected: string }[] = [
    { name: 'short name', source: 'heapster', expected: 'debug-heapster-k3x9q' },
    { name: 'generateName-based name (Deployment replica)', source: SOURCE_NAME, expected: COPY_NAME },
    { name: 'exactly 51 characters fits', source: 'a'.repeat(51), expected: `debug-${'a'.repeat(51)}-k3x9q` },
    { name: '52 characters is truncated to 51', source: 'b'.repeat(52), expected: `debug-${'b'.repeat(51)}-k3x9q` },
    {
      name: 'long generateName-based name keeps its head',
      source: 'payments-reconciliation-worker-with-a-very-long-name-6f9c7b8d94-q2w8z',
      expected: 'debug-payments-reconciliation-worker-with-a-very-long-nam-k3x9q',
    },
    {
      name: 'a dash at the cut is trimmed (no "--" before the suffix)',
      source: `${'c'.repeat(50)}-tail-of-the-name`,
      expected: `debug-${'c'.repeat(50)}-k3x9q`,
    },
    {
      name: 'several dashes at the cut are trimmed',
      source: `${'d'.repeat(47)}-----tail`,
      expected: `debug-${'d'.repeat(47)}-k3x9q`,
    },
    {
      name: 'dots of a subdomain-style name become dashes',
      source: 'web.v2.canary',
      expected: 'debug-web-v2-canary-k3x9q',
    },
    {
      name: '253-character name',
      source: `${'e'.repeat(100)}.${'f'.repeat(152)}`,
      expected: `debug-${'e'.repeat(51)}-k3x9q`,
    },
  ];
  for (const testCase of cases) {
    it(testCase.name, () => {
      const name = copyName(testCase.source, SUFFIX);
      assert.equal(name, testCase.expected);
      assert.ok(name.length <= 63, `${name} is ${name.length} long`);
      assert.match(name, label);
    });
  }
  it('rejects a suffix that is not 5 of [a-z0-9]', () => {
    for (const suffix of ['', 'abcd', 'abcdef', 'ABCDE', 'ab-de'])
      assert.throws(() => copyName('x', suffix), TypeError);
  });
});

describe('copyOfLabelValue: a valid label value of ≤ 63 characters', () => {
  const value = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
  const cases: [string, string][] = [
    ['heapster', 'heapster'],
    [SOURCE_NAME, SOURCE_NAME],
    ['a'.repeat(63), 'a'.repeat(63)],
    ['a'.repeat(70), 'a'.repeat(63)],
    [`${'a'.repeat(62)}-b`, 'a'.repeat(62)],
    [`${'a'.repeat(61)}.-x`, 'a'.repeat(61)],
    ['web.v2.canary', 'web.v2.canary'],
  ];
  for (const [source, expected] of cases) {
    it(`${source.length} characters: ${source.slice(0, 20)}…`, () => {
      const result = copyOfLabelValue(source);
      assert.equal(result, expected);
      assert.match(result, value);
      assert.ok(result.length <= 63);
    });
  }
  it('is the label of the copy of a long-named pod', () => {
    const source = deploymentPod({ name: `${'g'.repeat(62)}-h` });
    const labels = (copyPod(source, { suffix: SUFFIX }).metadata as JsonObject).labels;
    assert.deepEqual(labels, { 'debug.dead/copy-of': 'g'.repeat(62) });
  });
});
