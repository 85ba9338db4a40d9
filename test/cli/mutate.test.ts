import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { dump, load } from 'js-yaml';
import { DEFAULT_MUTATION_CONFIG, mutatePod, type JsonObject, type Pod } from '../../src/mutation/index.js';
import { annotateForMutation } from '../../src/cli/commands/mutate.js';
import type { OptionFlags } from '../../src/cli/copy/option-flags.js';
import { runCliInProcess } from './harness.js';

const HEAPSTER = path.join(import.meta.dirname, '..', '..', 'examples', 'heapster-pod.yaml');

async function heapster(): Promise<Pod> {
  return load(await readFile(HEAPSTER, 'utf8')) as Pod;
}

/** What `mutate` must print: the pod annotated as the flags say, rewritten by the real mutation. */
async function expected(flags: OptionFlags = {}, pod?: Pod): Promise<Pod> {
  const result = mutatePod(annotateForMutation(pod ?? (await heapster()), flags), DEFAULT_MUTATION_CONFIG, {
    operation: 'CREATE',
  });
  if (result.outcome !== 'mutated') assert.fail(`expected a mutation, got ${JSON.stringify(result)}`);
  return result.pod;
}

function annotationsOf(pod: Pod): Record<string, string> {
  return ((pod.metadata as JsonObject).annotations ?? {}) as Record<string, string>;
}

function summaryOf(pod: Pod): JsonObject {
  return JSON.parse(annotationsOf(pod)['debug.dead/mutated'] ?? '{}') as JsonObject;
}

describe('kubectl debugdead mutate', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'debugdead-mutate-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });
  async function file(name: string, text: string): Promise<string> {
    const target = path.join(dir, name);
    await writeFile(target, text);
    return target;
  }

  it('YAML in, YAML out: the heapster example gets the keep-alive', async () => {
    const result = await runCliInProcess(['mutate', '-f', HEAPSTER]);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stderr, '');
    const printed = load(result.stdout) as Pod;
    assert.deepEqual(printed, await expected());
    const container = ((printed.spec as JsonObject).containers as JsonObject[])[0] ?? {};
    assert.deepEqual((container.command as string[]).slice(0, 3), ['/debug-dead/busybox', 'sh', '-c']);
    assert.equal(annotationsOf(printed)['debug.dead/enable'], 'true');
  });

  it('JSON in, -o json out (4-space indent, like kubectl)', async () => {
    const input = await file('pod.json', JSON.stringify(await heapster()));
    const result = await runCliInProcess(['mutate', '-f', input, '-o', 'json']);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, `${JSON.stringify(await expected(), null, 4)}\n`);
  });

  it('-f - reads stdin', async () => {
    const result = await runCliInProcess(['mutate', '-f', '-', '--output=json'], {
      stdin: await readFile(HEAPSTER, 'utf8'),
    });
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(JSON.parse(result.stdout), await expected());
  });

  describe('flags act like the annotations and override those in the manifest', () => {
    const cases: { name: string; argv: string[]; flags: OptionFlags; check: (pod: Pod) => void }[] = [
      {
        name: '--ttl 2h (the manifest says 1h)',
        argv: ['--ttl', '2h'],
        flags: { ttl: '2h' },
        check: (pod) => {
          assert.equal((pod.spec as JsonObject).activeDeadlineSeconds, 7200);
        },
      },
      {
        name: '-c heapster-nanny',
        argv: ['-c', 'heapster-nanny'],
        flags: { container: 'heapster-nanny' },
        check: (pod) => {
          assert.deepEqual(summaryOf(pod).containers, ['heapster-nanny']);
        },
      },
      {
        name: '--keep-probes',
        argv: ['--keep-probes'],
        flags: { keepProbes: true },
        check: (pod) => {
          assert.deepEqual(summaryOf(pod).probesRemoved, {});
        },
      },
      {
        name: '--image',
        argv: ['--image', 'mirror.example.com/busybox:1.37.0-musl'],
        flags: { image: 'mirror.example.com/busybox:1.37.0-musl' },
        check: (pod) => {
          const init = ((pod.spec as JsonObject).initContainers as JsonObject[])[0] ?? {};
          assert.equal(init.image, 'mirror.example.com/busybox:1.37.0-musl');
        },
      },
      {
        name: '--volumes readonly',
        argv: ['--volumes', 'readonly'],
        flags: { volumes: 'readonly' },
        check: (pod) => {
          assert.equal(annotationsOf(pod)['debug.dead/volumes'], 'readonly');
        },
      },
    ];
    for (const testCase of cases) {
      it(testCase.name, async () => {
        const pod = await heapster();
        (pod.metadata as JsonObject).annotations = { ...annotationsOf(pod), 'debug.dead/ttl': '1h' };
        const input = await file(`flags-${testCase.argv[0] ?? ''}.yaml`, dump(pod));
        const result = await runCliInProcess(['mutate', '-f', input, ...testCase.argv]);
        assert.equal(result.code, 0, result.stderr);
        const printed = load(result.stdout) as Pod;
        assert.deepEqual(printed, await expected(testCase.flags, pod));
        testCase.check(printed);
      });
    }
  });

  it('warnings of the mutation go to stderr, kubectl-style', async () => {
    const pod = await heapster();
    (pod.spec as JsonObject).volumes = [{ name: 'data', persistentVolumeClaim: { claimName: 'heapster-data' } }];
    const containers = (pod.spec as JsonObject).containers as JsonObject[];
    (containers[0] ?? {}).volumeMounts = [{ name: 'data', mountPath: '/data' }];
    const result = await runCliInProcess(['mutate', '-f', await file('pvc.yaml', dump(pod))]);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(
      result.stderr,
      'Warning: volume data (PVC heapster-data) is now an emptyDir: the copy sees an empty /data\n',
    );
  });

  it('an already rewritten pod is printed unchanged, with a note', async () => {
    const mutated = await expected();
    const result = await runCliInProcess(['mutate', '-f', await file('mutated.yaml', dump(mutated))]);
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(load(result.stdout), mutated);
    assert.match(result.stderr, /^note: the pod is printed unchanged: .+\n$/);
  });

  describe('exit 2: not a Pod, unreadable, wrong flag', () => {
    const cases: { name: string; content?: string; argv?: string[]; message: (file: string) => string }[] = [
      {
        name: 'a Deployment',
        content: 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec: {}\n',
        message: (f) =>
          `${f} holds a Deployment (apps/v1), not a v1 Pod: mutate rewrites Pods (for a workload, take one of its pods: kubectl get pod NAME -o yaml)`,
      },
      {
        name: 'a YAML list',
        content: '- a\n- b\n',
        message: (f) => `${f} is not a Kubernetes object: expected a Pod manifest`,
      },
      {
        name: 'no kind',
        content: 'metadata:\n  name: x\n',
        message: (f) =>
          `${f} holds an object without kind, not a v1 Pod: mutate rewrites Pods (for a workload, take one of its pods: kubectl get pod NAME -o yaml)`,
      },
      {
        name: 'a Pod without spec',
        content: 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: x\n',
        message: (f) => `${f}: the Pod has no spec`,
      },
      {
        name: 'two documents',
        content: 'kind: Pod\nspec: {}\n---\nkind: Pod\nspec: {}\n',
        message: (f) => `${f} holds 2 documents: mutate takes exactly one Pod`,
      },
      { name: 'empty file', content: '\n', message: (f) => `${f} is empty: expected a Pod manifest` },
      {
        name: 'broken JSON',
        content: '{"kind": "Pod",',
        message: (f) =>
          `${f} is not valid JSON: Expected double-quoted property name in JSON at position 15 (line 1 column 16)`,
      },
      {
        name: 'missing file',
        argv: ['-f', '/nonexistent/pod.yaml'],
        message: () => 'cannot read -f /nonexistent/pod.yaml: no such file',
      },
      {
        name: 'no -f',
        argv: [],
        message: () => 'missing -f FILE: give the Pod manifest to rewrite (-f - reads stdin)',
      },
      {
        name: 'an unknown flag',
        argv: ['-f', HEAPSTER, '--bogus'],
        message: () => "unknown flag: --bogus\nSee 'kubectl debugdead mutate --help' for usage.",
      },
      {
        name: 'a bad --ttl',
        argv: ['-f', HEAPSTER, '--ttl', 'forever'],
        message: () =>
          'invalid value "forever" for --ttl: use a positive Go duration such as 90m, 8h, 1h30m or 2d (units s, m, h, d)',
      },
      {
        name: 'a --ttl longer than activeDeadlineSeconds allows',
        argv: ['-f', HEAPSTER, '--ttl', '30000d'],
        message: () =>
          'invalid value "30000d" for --ttl: use a positive Go duration such as 90m, 8h, 1h30m or 2d (units s, m, h, d)',
      },
      {
        name: 'an --image that is no image reference',
        argv: ['-f', HEAPSTER, '--image', 'Busy Box'],
        message: () =>
          'invalid value "Busy Box" for --image: use e.g. busybox:1.37.0-musl (a static busybox at /bin/busybox)',
      },
      {
        name: 'a bad -o',
        argv: ['-f', HEAPSTER, '-o', 'wide'],
        message: () =>
          'unable to match a printer suitable for the output format "wide": use -o yaml or -o json\nSee \'kubectl debugdead mutate --help\' for usage.',
      },
      {
        name: '-c naming no container of the pod',
        argv: ['-f', HEAPSTER, '-c', 'sidecar'],
        message: () =>
          'container "sidecar" not found in pod "heapster": -c/--container must name one of heapster, heapster-nanny, or *',
      },
      {
        name: 'a positional argument',
        argv: ['pod.yaml'],
        message: () => 'unexpected argument "pod.yaml": mutate reads the pod from -f FILE (or -f - for stdin)',
      },
    ];
    for (const testCase of cases) {
      it(testCase.name, async () => {
        const target =
          testCase.content === undefined
            ? ''
            : await file(`bad-${testCase.name.replace(/\W+/g, '-')}.yaml`, testCase.content);
        const argv = testCase.argv ?? ['-f', target];
        const result = await runCliInProcess(['mutate', ...argv]);
        assert.equal(result.code, 2);
        assert.equal(result.stdout, '');
        assert.equal(result.stderr, `error: ${testCase.message(target)}\n`);
      });
    }
    it('unreadable YAML', async () => {
      const target = await file('broken.yaml', 'kind: Pod\nspec: {containers: [\n');
      const result = await runCliInProcess(['mutate', '-f', target]);
      assert.equal(result.code, 2);
      assert.match(result.stderr, new RegExp(`^error: ${target.replace(/[.]/g, '\\.')} is not valid YAML: .+\\n$`));
    });
  });

  describe('exit 1: the mutation denies, with its message', () => {
    const cases: { name: string; change: (pod: Pod) => void; message: RegExp }[] = [
      {
        name: 'a Windows pod',
        change: (pod) => {
          (pod.spec as JsonObject).os = { name: 'windows' };
        },
        message: /windows/i,
      },
      {
        name: 'an unknown container in the manifest’s own annotation',
        change: (pod) => {
          (pod.metadata as JsonObject).annotations = { ...annotationsOf(pod), 'debug.dead/container': 'ghost' };
        },
        message: /debug\.dead\/container.*ghost/s,
      },
      {
        name: 'a bad duration in the manifest’s own annotation',
        change: (pod) => {
          (pod.metadata as JsonObject).annotations = { ...annotationsOf(pod), 'debug.dead/ttl': 'forever' };
        },
        message: /debug\.dead\/ttl.*forever/s,
      },
    ];
    for (const testCase of cases) {
      it(testCase.name, async () => {
        const pod = await heapster();
        testCase.change(pod);
        const result = mutatePod(annotateForMutation(pod, {}), DEFAULT_MUTATION_CONFIG, { operation: 'CREATE' });
        if (result.outcome !== 'denied') assert.fail(`expected a denial, got ${result.outcome}`);
        const cli = await runCliInProcess([
          'mutate',
          '-f',
          await file(`denied-${testCase.name.length}.yaml`, dump(pod)),
        ]);
        assert.equal(cli.code, 1);
        assert.equal(cli.stdout, '');
        assert.equal(cli.stderr, `error: ${result.message}\n`);
        assert.match(cli.stderr, testCase.message);
      });
    }
  });
});
