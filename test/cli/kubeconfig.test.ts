import assert from 'node:assert/strict';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { EnvironmentError } from '../../src/errors.js';
import { kubeconfigFiles, resolveKubeconfig } from '../../src/cli/kube/kubeconfig.js';

function kubeconfig(options: {
  current?: string;
  contexts: { name: string; cluster: string; namespace?: string }[];
  clusters: { name: string; server: string }[];
}): string {
  return [
    'apiVersion: v1',
    'kind: Config',
    'clusters:',
    ...options.clusters.flatMap((cluster) => [
      `- name: ${cluster.name}`,
      '  cluster:',
      `    server: ${cluster.server}`,
    ]),
    'users:',
    '- name: u',
    '  user:',
    '    token: t',
    'contexts:',
    ...options.contexts.flatMap((context) => [
      `- name: ${context.name}`,
      '  context:',
      `    cluster: ${context.cluster}`,
      '    user: u',
      ...(context.namespace === undefined ? [] : [`    namespace: ${context.namespace}`]),
    ]),
    ...(options.current === undefined ? [] : [`current-context: ${options.current}`]),
    '',
  ].join('\n');
}

describe('kubeconfig resolution, as kubectl does it', () => {
  let dir: string;
  let first: string;
  let second: string;
  let home: string;
  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'debugdead-kubeconfig-'));
    first = path.join(dir, 'first');
    second = path.join(dir, 'second');
    home = path.join(dir, 'home');
    await mkdir(path.join(home, '.kube'), { recursive: true });
    await writeFile(
      first,
      kubeconfig({
        current: 'dev',
        contexts: [{ name: 'dev', cluster: 'dev', namespace: 'team-a' }],
        clusters: [{ name: 'dev', server: 'https://dev.example:6443' }],
      }),
    );
    await writeFile(
      second,
      kubeconfig({
        current: 'prod',
        contexts: [
          { name: 'dev', cluster: 'prod', namespace: 'shadowed' },
          { name: 'prod', cluster: 'prod' },
        ],
        clusters: [
          { name: 'dev', server: 'https://shadowed.example:6443' },
          { name: 'prod', server: 'https://prod.example:6443' },
        ],
      }),
    );
    await writeFile(
      path.join(home, '.kube', 'config'),
      kubeconfig({
        current: 'home',
        contexts: [{ name: 'home', cluster: 'h' }],
        clusters: [{ name: 'h', server: 'https://home.example' }],
      }),
    );
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('KUBECONFIG: a list; missing files are skipped; the first file wins for names and current-context', async () => {
    const resolved = await resolveKubeconfig(
      {},
      { kubeconfigEnv: [path.join(dir, 'missing'), first, second].join(':'), homeDir: home },
    );
    assert.deepEqual(resolved.files, [first, second]);
    assert.equal(resolved.contextName, 'dev');
    assert.equal(resolved.namespace, 'team-a');
    assert.equal(resolved.server, 'https://dev.example:6443');
  });
  it('--context picks a context of any file; without a namespace in it, "default"', async () => {
    const resolved = await resolveKubeconfig(
      { context: 'prod' },
      { kubeconfigEnv: `${first}:${second}`, homeDir: home },
    );
    assert.equal(resolved.contextName, 'prod');
    assert.equal(resolved.namespace, 'default');
    assert.equal(resolved.server, 'https://prod.example:6443');
  });
  it('-n beats the context namespace', async () => {
    const resolved = await resolveKubeconfig({ namespace: 'other' }, { kubeconfigEnv: first, homeDir: home });
    assert.equal(resolved.namespace, 'other');
  });
  it('--kubeconfig beats KUBECONFIG; ~/.kube/config is the fallback', () => {
    assert.deepEqual(kubeconfigFiles({ kubeconfig: second }, { kubeconfigEnv: first, homeDir: home }), [second]);
    assert.deepEqual(kubeconfigFiles({}, { kubeconfigEnv: undefined, homeDir: home }), [
      path.join(home, '.kube', 'config'),
    ]);
    assert.deepEqual(kubeconfigFiles({}, { kubeconfigEnv: '', homeDir: home }), [path.join(home, '.kube', 'config')]);
  });

  const failures: { name: string; run: () => Promise<unknown>; message: () => string }[] = [
    {
      name: 'no kubeconfig at all: an error, never localhost:8080',
      run: () => resolveKubeconfig({}, { kubeconfigEnv: undefined, homeDir: path.join(tmpdir(), 'debugdead-no-home') }),
      message: () =>
        `no kubeconfig: ${path.join(tmpdir(), 'debugdead-no-home', '.kube', 'config')} does not exist and KUBECONFIG is not set. Point KUBECONFIG or --kubeconfig at the kubeconfig of your cluster (for kind: kind export kubeconfig)`,
    },
    {
      name: 'KUBECONFIG naming only missing files',
      run: () => resolveKubeconfig({}, { kubeconfigEnv: '/nope/a:/nope/b', homeDir: home }),
      message: () =>
        'no kubeconfig: none of the files in KUBECONFIG exists (/nope/a:/nope/b). Point KUBECONFIG or --kubeconfig at the kubeconfig of your cluster',
    },
    {
      name: '--kubeconfig naming a missing file',
      run: () => resolveKubeconfig({ kubeconfig: '/nope/config' }, { kubeconfigEnv: first, homeDir: home }),
      message: () => 'the kubeconfig file /nope/config given by --kubeconfig does not exist',
    },
    {
      name: 'an unknown --context lists the known ones',
      run: () => resolveKubeconfig({ context: 'staging' }, { kubeconfigEnv: `${first}:${second}`, homeDir: home }),
      message: () => `context "staging" not found in kubeconfig ${first}:${second}: available contexts: dev, prod`,
    },
  ];
  for (const failure of failures) {
    it(failure.name, async () => {
      await assert.rejects(failure.run(), (error: unknown) => {
        assert.ok(error instanceof EnvironmentError);
        assert.equal(error.message, failure.message());
        return true;
      });
    });
  }
  it('no current context', async () => {
    const file = path.join(dir, 'nocurrent');
    await writeFile(
      file,
      kubeconfig({ contexts: [{ name: 'a', cluster: 'c' }], clusters: [{ name: 'c', server: 'https://c' }] }),
    );
    await assert.rejects(resolveKubeconfig({}, { kubeconfigEnv: file, homeDir: home }), {
      name: 'EnvironmentError',
      message: `no current context in kubeconfig ${file}: pass --context NAME or run kubectl config use-context NAME (available contexts: a)`,
    });
  });
  it('a context naming a missing cluster', async () => {
    const file = path.join(dir, 'nocluster');
    await writeFile(
      file,
      kubeconfig({
        current: 'a',
        contexts: [{ name: 'a', cluster: 'gone' }],
        clusters: [{ name: 'c', server: 'https://c' }],
      }),
    );
    await assert.rejects(resolveKubeconfig({}, { kubeconfigEnv: file, homeDir: home }), {
      name: 'EnvironmentError',
      message: `context "a" names cluster "gone", which kubeconfig ${file} does not define (or has no server)`,
    });
  });
  it('an unreadable kubeconfig names the file', async () => {
    const file = path.join(dir, 'broken');
    await writeFile(file, 'clusters: [unclosed\n');
    await assert.rejects(resolveKubeconfig({}, { kubeconfigEnv: file, homeDir: home }), (error: unknown) => {
      assert.ok(error instanceof EnvironmentError);
      assert.match(error.message, new RegExp(`^cannot load kubeconfig ${file}: `));
      return true;
    });
  });
});
