/**
 * `kubectl create -f` on the --dry-run=client output must send the API server the same object as the CLI's
 * own create. The real kubectl (1.32, /usr/bin/kubectl) talks to the fake API server; both POST bodies are
 * recorded and compared. Values YAML 1.1 would retype (on, yes, 012, 1e3, "true") are in the pod on purpose.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { after, before, beforeEach, describe, it } from 'node:test';
import type { JsonObject, Pod } from '../../src/mutation/index.js';
import { FakeApiServer } from './fake-apiserver.js';
import { deploymentPod } from './fixtures.js';
import { runCliInProcess } from './harness.js';
import { SOURCE } from './scenarios.js';

const KUBECTL = '/usr/bin/kubectl';

function trickyPod(namespace: string): Pod {
  const pod = deploymentPod({ namespace });
  const containers = (pod.spec as JsonObject).containers as JsonObject[];
  (containers[0] ?? {}).env = [
    { name: 'FEATURE', value: 'on' },
    { name: 'ANSWER', value: 'yes' },
    { name: 'OCTAL', value: '012' },
    { name: 'FLOAT', value: '1e3' },
    { name: 'BOOL', value: 'true' },
    { name: 'EMPTY', value: '' },
    { name: 'MULTILINE', value: 'first line\nsecond: line\n' },
    { name: 'UNICODE', value: 'héllo — ☃' },
    { name: 'LONG', value: `${'x'.repeat(150)} ${'y'.repeat(150)}` },
  ];
  (pod.metadata as JsonObject).annotations = {
    ...((pod.metadata as JsonObject).annotations as JsonObject),
    'example.com/null-looking': 'null',
    'example.com/number-looking': '8080',
  };
  return pod;
}

describe(
  'kubectl create -f of --dry-run=client output = the CLI’s own create',
  { skip: !existsSync(KUBECTL) && `${KUBECTL} is not installed` },
  () => {
    let fake: FakeApiServer;
    let dir: string;
    before(async () => {
      fake = await FakeApiServer.start();
      dir = await mkdtemp(path.join(tmpdir(), 'debugdead-kubectl-'));
    });
    after(async () => {
      await fake.close();
      await rm(dir, { recursive: true, force: true });
    });
    beforeEach(() => {
      fake.pods.clear();
      fake.addNamespace('with-webhook', { 'debug.dead/enable': 'true' });
      fake.addNamespace('without-webhook');
      fake.addPod(trickyPod('with-webhook'));
      fake.addPod(trickyPod('without-webhook'));
      fake.requests.length = 0;
    });

    function posted(): unknown[] {
      return fake.requests
        .filter((request) => request.method === 'POST' && request.path.endsWith('/pods'))
        .map((request) => request.body);
    }

    async function kubectlCreate(file: string): Promise<string> {
      const { stdout } = await promisify(execFile)(
        KUBECTL,
        [
          'create',
          '-f',
          file,
          '--kubeconfig',
          fake.kubeconfigPath,
          '--cache-dir',
          path.join(dir, 'cache'),
          '--validate=false',
        ],
        { env: { HOME: dir, PATH: '/usr/bin:/bin' }, timeout: 30_000 },
      );
      return stdout;
    }

    const cases: { name: string; namespace: string; flags: string[]; output: 'yaml' | 'json' }[] = [
      { name: '-o yaml, webhook namespace', namespace: 'with-webhook', flags: [], output: 'yaml' },
      {
        name: '-o json, with option flags',
        namespace: 'with-webhook',
        flags: ['-c', 'app,migrate', '--ttl', '90m', '--keep-probes', '--keep-labels'],
        output: 'json',
      },
      {
        name: '--local -o yaml, no webhook',
        namespace: 'without-webhook',
        flags: ['--local', '--keep-annotations', '--volumes=readonly'],
        output: 'yaml',
      },
    ];
    for (const testCase of cases) {
      it(testCase.name, async () => {
        const base = [SOURCE, '-n', testCase.namespace, ...testCase.flags];
        const printed = await runCliInProcess([...base, '--dry-run=client', '-o', testCase.output], {
          kubeconfig: fake.kubeconfigPath,
        });
        assert.equal(printed.code, 0, printed.stderr);
        const file = path.join(dir, `copy-${testCase.namespace}.${testCase.output}`);
        await writeFile(file, printed.stdout);

        const created = await runCliInProcess([...base, '--no-wait'], { kubeconfig: fake.kubeconfigPath });
        assert.equal(created.code, 0, created.stderr);
        const copy = `debug-${SOURCE}-k3x9q`;
        const stored = fake.getPod(testCase.namespace, copy);
        assert.ok(stored);
        fake.pods.delete(`${testCase.namespace}/${copy}`);

        assert.equal(await kubectlCreate(file), `pod/${copy} created\n`);
        const [cliBody, kubectlBody, ...more] = posted();
        assert.deepEqual(more, []);
        assert.deepEqual(kubectlBody, cliBody);
        const again = fake.getPod(testCase.namespace, copy);
        assert.deepEqual(
          (again?.spec as JsonObject).containers,
          (stored.spec as JsonObject).containers,
          'the stored pods agree too',
        );
        const kubectlPost = fake.requests.find(
          (request) => request.method === 'POST' && request.userAgent?.startsWith('kubectl/'),
        );
        assert.deepEqual(kubectlPost?.query, { fieldManager: 'kubectl-create', fieldValidation: 'Ignore' });
      });
    }
  },
);
