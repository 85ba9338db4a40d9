/** Property tests: what must hold for every pod (SPEC §3, PITFALLS 1–8). */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { DEFAULT_MUTATION_CONFIG, mutatePod, type JsonObject, type Pod } from '../../src/mutation/index.js';
import { postStartWait } from '../../src/mutation/keep-alive.js';
import { podArbitrary } from '../helpers/pod-arbitrary.js';
import { podProblems, privileges } from '../helpers/pod-check.js';
import { podRestrictedViolations } from '../helpers/pod-security.js';
import { assertPatchYieldsPod } from '../helpers/pods.js';

const RUNS = { numRuns: 300 };
/** Strings a corrupted field may hold that look like paths and names the mutation compares against. */
const AWKWARD_STRINGS = fc.constantFrom(
  '',
  '/',
  '//',
  'relative',
  '/debug-dead',
  '/debug-dead/',
  '/debug-dead-2',
  'debug-dead-tools',
);

/** Kubernetes' rules, written out again for the test: command + args, else ENTRYPOINT + (args or CMD). */
function runtimeArgvByRule(
  container: JsonObject,
  image: { entrypoint: string[] | null; cmd: string[] | null } | undefined,
): string[] | undefined {
  if (image === undefined) return undefined;
  const command = (container.command as string[] | undefined) ?? [];
  const args = (container.args as string[] | undefined) ?? [];
  if (command.length > 0) return [...command, ...args];
  const entrypoint = image.entrypoint?.length === 1 && image.entrypoint[0] === '' ? [] : (image.entrypoint ?? []);
  return [...entrypoint, ...(args.length > 0 ? args : (image.cmd ?? []))];
}

function subset(inner: string[], outer: string[]): string[] {
  return inner.filter((item) => !outer.includes(item));
}

test('generated pods are valid to begin with (the generator is honest)', () => {
  fc.assert(
    fc.property(podArbitrary(), (pod) => assert.deepEqual(podProblems(pod), [])),
    RUNS,
  );
});

test('every annotated pod is mutated or denied, and a mutation yields a pod the API server accepts', () => {
  fc.assert(
    fc.property(podArbitrary(), (pod) => {
      const result = mutatePod(pod, DEFAULT_MUTATION_CONFIG);
      const annotations = (pod.metadata as JsonObject).annotations as Record<string, string>;
      if (result.outcome === 'denied') {
        const target = annotations['debug.dead/container'] ?? '';
        const owned =
          (pod.metadata as JsonObject).ownerReferences !== undefined &&
          annotations['debug.dead/allow-owned'] !== 'true';
        assert.ok(owned, `unexpected denial for target ${target}: ${result.message}`);
        return;
      }
      assert.equal(result.outcome, 'mutated');
      assertPatchYieldsPod(pod, result);
      assert.deepEqual(podProblems(result.pod), []);
      assert.deepEqual(subset(privileges(result.pod), privileges(pod)), [], 'no privilege or host access introduced');
      assert.deepEqual(
        subset(podRestrictedViolations(result.pod), podRestrictedViolations(pod)),
        [],
        'Pod Security level not lowered',
      );
      for (const op of result.patch) assert.ok(!op.path.includes('debug.dead/'), `unescaped pointer ${op.path}`);
    }),
    RUNS,
  );
});

test("target containers sleep with the tools mounted, without probes or args, with no lifecycle hook but the keep-alive's wait", () => {
  fc.assert(
    fc.property(podArbitrary(), (pod) => {
      const result = mutatePod(pod, DEFAULT_MUTATION_CONFIG);
      if (result.outcome !== 'mutated') return;
      const { summary } = result;
      const spec = result.pod.spec as { containers: JsonObject[]; initContainers: JsonObject[] };
      assert.equal(spec.initContainers[0]?.name, summary.toolsContainer);
      const keepProbes =
        ((pod.metadata as JsonObject).annotations as Record<string, string>)['debug.dead/keep-probes'] === 'true';
      for (const container of [...spec.initContainers, ...spec.containers]) {
        const name = String(container.name);
        if (![...summary.containers, ...summary.initContainers].includes(name)) continue;
        assert.equal((container.command as string[])[0], `${summary.mountPath}/busybox`);
        assert.equal(container.args, undefined);
        // The source's hooks are gone; the keep-alive's postStart wait is there wherever hooks are allowed (not on
        // an init container that is no sidecar).
        const hooksAllowed = !spec.initContainers.includes(container) || container.restartPolicy === 'Always';
        assert.deepEqual(container.lifecycle, hooksAllowed ? postStartWait(summary.mountPath, name) : undefined);
        if (!keepProbes)
          assert.deepEqual(
            [container.livenessProbe, container.readinessProbe, container.startupProbe],
            [undefined, undefined, undefined],
          );
        assert.ok(
          (container.volumeMounts as JsonObject[]).some(
            (mount) => mount.name === summary.toolsVolume && mount.mountPath === summary.mountPath,
          ),
        );
      }
      const podAnnotations = (pod.metadata as JsonObject).annotations as Record<string, string>;
      const images = JSON.parse(podAnnotations['debug.dead/image-command'] ?? '{}') as Record<
        string,
        { entrypoint: string[] | null; cmd: string[] | null }
      >;
      const original = JSON.parse(
        ((result.pod.metadata as JsonObject).annotations as Record<string, string>)['debug.dead/original'] ?? '',
      ) as Record<string, { argv?: string[] }>;
      const sourceSpec = pod.spec as { containers: JsonObject[]; initContainers?: JsonObject[] };
      for (const source of [...(sourceSpec.initContainers ?? []), ...sourceSpec.containers]) {
        const name = String(source.name);
        if (![...summary.containers, ...summary.initContainers].includes(name)) continue;
        assert.deepEqual(original[name]?.argv, runtimeArgvByRule(source, images[name]), `argv of ${name}`);
      }
      const gates = (spec as JsonObject).readinessGates as JsonObject[];
      assert.ok(gates.some((gate) => gate.conditionType === 'debug.dead/not-serving'));
      assert.ok(Number((spec as JsonObject).activeDeadlineSeconds) <= summary.ttlSeconds);
    }),
    RUNS,
  );
});

test('mutating the result again is untouched', () => {
  fc.assert(
    fc.property(podArbitrary(), (pod) => {
      const result = mutatePod(pod, DEFAULT_MUTATION_CONFIG);
      if (result.outcome !== 'mutated') return;
      assert.deepEqual(mutatePod(result.pod, DEFAULT_MUTATION_CONFIG), {
        outcome: 'untouched',
        code: 'already-mutated',
        reason: 'already mutated',
      });
    }),
    RUNS,
  );
});

test('pods without the annotation are untouched', () => {
  fc.assert(
    fc.property(podArbitrary({ enabled: fc.constant(false) }), (pod) => {
      assert.equal(mutatePod(pod, DEFAULT_MUTATION_CONFIG).outcome, 'untouched');
    }),
    RUNS,
  );
});

test('arbitrary JSON never throws', () => {
  fc.assert(
    fc.property(fc.jsonValue(), fc.constantFrom('CREATE', 'UPDATE'), (value, operation) => {
      mutatePod(value, DEFAULT_MUTATION_CONFIG, { operation });
    }),
    { numRuns: 1000 },
  );
});

test('pods with one field replaced by arbitrary JSON never throw, and a mutation still yields a valid patch', () => {
  const paths = [
    ['spec'],
    ['spec', 'containers'],
    ['spec', 'containers', 0],
    ['spec', 'containers', 0, 'command'],
    ['spec', 'containers', 0, 'volumeMounts'],
    ['spec', 'containers', 0, 'volumeMounts', 0, 'mountPath'],
    ['spec', 'containers', 0, 'volumeDevices', 0, 'devicePath'],
    ['spec', 'containers', 0, 'ports'],
    ['spec', 'initContainers'],
    ['spec', 'volumes'],
    ['spec', 'readinessGates'],
    ['spec', 'securityContext'],
    ['spec', 'activeDeadlineSeconds'],
    ['spec', 'os'],
    ['metadata'],
    ['metadata', 'annotations'],
    ['metadata', 'labels'],
    ['metadata', 'ownerReferences'],
    ['metadata', 'annotations', 'debug.dead/container'],
    ['metadata', 'annotations', 'debug.dead/ttl'],
  ] as const;
  fc.assert(
    fc.property(
      podArbitrary(),
      fc.constantFrom(...paths),
      fc.oneof(fc.jsonValue(), AWKWARD_STRINGS),
      (pod, path, value) => {
        const corrupt = structuredClone(pod) as Record<string | number, unknown>;
        let node: Record<string | number, unknown> = corrupt;
        for (const key of path.slice(0, -1)) {
          const next = node[key];
          if (typeof next !== 'object' || next === null) return;
          node = next as Record<string | number, unknown>;
        }
        node[path.at(-1) as string | number] = JSON.parse(JSON.stringify(value)); // as it arrives: JSON has no -0
        const result = mutatePod(corrupt, DEFAULT_MUTATION_CONFIG);
        assertPatchYieldsPod(corrupt as Pod, result);
      },
    ),
    { numRuns: 1000 },
  );
});
