/**
 * Bounded work (issue 14 item 3, SPEC §4): a limit on target containers per pod and on what the mutation adds,
 * denied with a message naming the limit and what to do, before the work is done.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  DEFAULT_MUTATION_CONFIG,
  MAX_ADDED_BYTES,
  MAX_TARGETS,
  mutatePod,
  type JsonObject,
} from '../../src/mutation/index.js';
import { pod } from '../helpers/pods.js';

function containers(count: number, extra: JsonObject = {}): JsonObject[] {
  return Array.from({ length: count }, (_, index) => ({ name: `c-${index}`, image: 'app:1', ...extra }));
}

const TOO_MANY = (count: number) =>
  `annotation debug.dead/container: selects ${count} containers, above debugdead's limit of ${MAX_TARGETS} ` +
  'target containers per pod; name the few containers to debug (a comma list) instead of "*"';

describe(`at most ${MAX_TARGETS} target containers`, () => {
  test('10,000 containers with "*" (legal: Kubernetes sets no limit) are denied, naming the limit', () => {
    const result = mutatePod(
      pod({ annotations: { 'debug.dead/container': '*' }, spec: { containers: containers(10_000) } }),
      DEFAULT_MUTATION_CONFIG,
    );
    assert.deepEqual(result, { outcome: 'denied', message: TOO_MANY(10_000) });
  });

  test('init containers count too', () => {
    const names = [...containers(MAX_TARGETS).map((container) => container.name), 'init-0'].join(',');
    const result = mutatePod(
      pod({
        annotations: { 'debug.dead/container': names },
        spec: { containers: containers(MAX_TARGETS), initContainers: [{ name: 'init-0', image: 'i' }] },
      }),
      DEFAULT_MUTATION_CONFIG,
    );
    assert.deepEqual(result, { outcome: 'denied', message: TOO_MANY(MAX_TARGETS + 1) });
  });

  test(`${MAX_TARGETS} targets are mutated, and the patch stays well below the size limit`, () => {
    const result = mutatePod(
      pod({
        annotations: { 'debug.dead/container': '*' },
        spec: { containers: containers(MAX_TARGETS, { command: ['/app', '--serve'] }) },
      }),
      DEFAULT_MUTATION_CONFIG,
    );
    assert.ok(result.outcome === 'mutated');
    const bytes = JSON.stringify(result.patch).length;
    assert.ok(bytes < MAX_ADDED_BYTES / 2, `${bytes} bytes of patch`);
  });

  test('a 10,000-container pod with one target is fine: the limit is on targets, not containers', () => {
    const result = mutatePod(
      pod({ annotations: { 'debug.dead/container': 'c-9999' }, spec: { containers: containers(10_000) } }),
      DEFAULT_MUTATION_CONFIG,
    );
    assert.equal(result.outcome, 'mutated');
  });
});

describe(`the mutation adds at most ${MAX_ADDED_BYTES / 1024} KiB`, () => {
  const withArgs = (kib: number, count = 1) =>
    pod({
      annotations: { 'debug.dead/container': '*' },
      spec: { containers: containers(count, { args: Array.from({ length: kib }, () => 'x'.repeat(1021)) }) },
    });

  test('long command lines on a few targets are denied, naming the limit and what to do', () => {
    const result = mutatePod(withArgs(400, 3), DEFAULT_MUTATION_CONFIG);
    assert.ok(result.outcome === 'denied');
    assert.match(
      result.message,
      /^the debug copy of this pod would grow by about 12\d\d KiB, above debugdead's limit of 1024 KiB \(etcd stores objects up to 1\.5 MiB\): name fewer containers in debug\.dead\/container, or ones with shorter command lines$/,
    );
  });

  test('below the limit the pod is mutated, and the patch is within the limit', () => {
    const result = mutatePod(withArgs(800), DEFAULT_MUTATION_CONFIG);
    assert.ok(result.outcome === 'mutated');
    const bytes = JSON.stringify(result.patch).length;
    assert.ok(bytes <= MAX_ADDED_BYTES, `${bytes} bytes of patch`);
    assert.ok(bytes > 800 * 1024, 'the estimate is about the real size');
  });

  test('image commands count: their argv is also passed to rerun', () => {
    const entrypoint = Array.from({ length: 1100 }, () => 'y'.repeat(1021));
    const result = mutatePod(
      pod({
        annotations: {
          'debug.dead/image-command': JSON.stringify({
            app: { entrypoint, cmd: null, digest: `sha256:${'a'.repeat(64)}` },
          }),
        },
      }),
      DEFAULT_MUTATION_CONFIG,
    );
    assert.ok(result.outcome === 'denied');
    assert.match(result.message, /^the debug copy of this pod would grow by about \d+ KiB, above debugdead's limit/);
  });
});
