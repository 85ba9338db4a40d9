/**
 * Completion: a table of what each position completes to (the cluster's names from a fixed source), then the
 * real thing: the bash script sourced by bash, asking the built binary, which asks the fake API server; and
 * kubectl_complete-debugdead as kubectl's plugin completion calls it.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { existsSync } from 'node:fs';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { DIRECTIVE, complete, formatCompletion, type CompletionSource } from '../../src/cli/completion/complete.js';
import type { WorkloadKind } from '../../src/cli/workload/target.js';
import { FakeApiServer } from './fake-apiserver.js';
import { barePod, deploymentPod } from './fixtures.js';
import { runCliInProcess } from './harness.js';

const ROOT = path.join(import.meta.dirname, '..', '..');

const source: CompletionSource = {
  namespaces: () => Promise.resolve(['default', 'monitoring', 'shop']),
  contexts: () => Promise.resolve(['kind-dev', 'prod']),
  pods: () => Promise.resolve(['api-1', 'web-7d4b9c8f6d-x2k9p']),
  copies: () => Promise.resolve(['debug-api-1-k3x9q']),
  workloads: (kind: WorkloadKind) =>
    Promise.resolve(kind.singular === 'job' ? ['nightly-report'] : [`${kind.singular}-a`]),
  containers: (pod: string) => Promise.resolve(pod === 'api-1' ? ['app', 'migrate'] : []),
};

const { noFileComp, noSpace } = DIRECTIVE;
const FILES = DIRECTIVE.default;

void describe('what each position completes to', () => {
  const table: { line: string[]; current: string; candidates: string[]; directive: number }[] = [
    {
      line: [],
      current: '',
      candidates: [
        'mutate',
        'list',
        'clean',
        'cp',
        'completion',
        'deploy/',
        'rs/',
        'sts/',
        'ds/',
        'job/',
        'cj/',
        'api-1',
        'web-7d4b9c8f6d-x2k9p',
      ],
      directive: noFileComp,
    },
    { line: [], current: 'c', candidates: ['clean', 'cp', 'completion', 'cj/'], directive: noFileComp },
    { line: ['-n', 'shop'], current: 'we', candidates: ['web-7d4b9c8f6d-x2k9p'], directive: noFileComp },
    { line: [], current: 'job/', candidates: ['job/nightly-report'], directive: noFileComp },
    { line: [], current: 'deployments.apps/d', candidates: ['deployments.apps/deployment-a'], directive: noFileComp },
    { line: [], current: 'pod/a', candidates: ['pod/api-1'], directive: noFileComp },
    { line: [], current: 'svc/', candidates: [], directive: noFileComp },
    { line: ['api-1'], current: '', candidates: [], directive: noFileComp },
    { line: ['-n'], current: '', candidates: ['default', 'monitoring', 'shop'], directive: noFileComp },
    { line: ['--namespace'], current: 'mo', candidates: ['monitoring'], directive: noFileComp },
    { line: [], current: '--namespace=s', candidates: ['--namespace=shop'], directive: noFileComp },
    { line: ['list', '--context'], current: '', candidates: ['kind-dev', 'prod'], directive: noFileComp },
    { line: ['--kubeconfig'], current: '', candidates: [], directive: FILES },
    { line: ['api-1', '-c'], current: '', candidates: ['app', 'migrate'], directive: noFileComp },
    { line: ['--volumes'], current: '', candidates: ['empty', 'readonly'], directive: noFileComp },
    { line: ['api-1', '--dry-run=client', '-o'], current: 'j', candidates: ['json'], directive: noFileComp },
    { line: [], current: '--dry', candidates: ['--dry-run'], directive: noFileComp },
    {
      line: [],
      current: '--k',
      candidates: ['--keep-annotations', '--keep-labels', '--keep-probes', '--kubeconfig'],
      directive: noFileComp,
    },
    {
      line: ['list'],
      current: '-',
      candidates: ['--all-namespaces', '--context', '--help', '--kubeconfig', '--namespace', '-A', '-h', '-n'],
      directive: noFileComp,
    },
    { line: ['clean'], current: '', candidates: ['debug-api-1-k3x9q'], directive: noFileComp },
    { line: ['clean', 'debug-api-1-k3x9q'], current: '', candidates: [], directive: noFileComp },
    { line: ['completion'], current: '', candidates: ['bash', 'zsh'], directive: noFileComp },
    { line: ['cp'], current: '', candidates: ['debug-api-1-k3x9q:'], directive: noSpace },
    { line: ['cp'], current: './co', candidates: [], directive: FILES },
    {
      line: ['cp', 'debug-api-1-k3x9q:/tmp/core'],
      current: '',
      candidates: ['debug-api-1-k3x9q:'],
      directive: noSpace,
    },
    { line: ['cp', 'debug-api-1-k3x9q:/tmp/core', './core'], current: '', candidates: [], directive: noFileComp },
    { line: ['cp', 'shop/api-1:/x', '.', '-c'], current: '', candidates: ['app', 'migrate'], directive: noFileComp },
    { line: ['mutate', '-f'], current: '', candidates: [], directive: FILES },
    { line: ['-n', 'shop', 'list'], current: '--all', candidates: ['--all-namespaces'], directive: noFileComp },
  ];
  for (const row of table) {
    void it([...row.line, `[${row.current}]`].join(' '), async () => {
      assert.deepEqual(await complete(row.line, row.current, source), {
        candidates: row.candidates,
        directive: row.directive,
      });
    });
  }
  void it('is written as Cobra writes it', () => {
    assert.equal(formatCompletion({ candidates: ['a', 'b'], directive: 4 }), 'a\nb\n:4\n');
  });
});

void describe('completion through bash and kubectl_complete-debugdead, against the fake API server', () => {
  let fake: FakeApiServer;
  let dir = '';
  before(async () => {
    fake = await FakeApiServer.start();
    fake.addNamespace('shop', { 'debug.dead/enable': 'true' });
    fake.addPod(deploymentPod());
    fake.addPod(barePod('heapster', 'monitoring'));
    dir = await mkdtemp(path.join(tmpdir(), 'debugdead-completion-'));
    // kubectl-debugdead on PATH, as an installed plugin is.
    const wrapper = path.join(dir, 'kubectl-debugdead');
    await writeFile(
      wrapper,
      `#!/bin/sh\nexec '${process.execPath}' '${path.join(ROOT, 'dist', 'cli', 'main.js')}' "$@"\n`,
    );
    await chmod(wrapper, 0o755);
    // And kubectl_complete-debugdead, as npm links the bin.
    const completer = path.join(dir, 'kubectl_complete-debugdead');
    await writeFile(
      completer,
      `#!/bin/sh\nexec '${process.execPath}' '${path.join(ROOT, 'dist', 'cli', 'complete-main.js')}' "$@"\n`,
    );
    await chmod(completer, 0o755);
    const script = await runCliInProcess(['completion', 'bash']);
    assert.equal(script.code, 0, script.stderr);
    await writeFile(path.join(dir, 'completion.bash'), script.stdout);
  });
  after(async () => {
    await fake.close();
    await rm(dir, { recursive: true, force: true });
  });

  /**
   * Sources the script in bash, sets the line as the shell would, runs the completion function, prints COMPREPLY.
   * (Asynchronously: the fake API server answers from this process.)
   */
  async function bashComplete(words: string[]): Promise<string[]> {
    const quoted = words.map((word) => `'${word}'`).join(' ');
    const program =
      `source '${path.join(dir, 'completion.bash')}'\n` +
      `COMP_WORDS=(${quoted}); COMP_CWORD=${words.length - 1}\n` +
      `complete -p kubectl-debugdead >/dev/null || exit 3\n` +
      '__kubectl_debugdead_complete\n' +
      'printf "%s\\n" "${COMPREPLY[@]}"\n';
    const result = await promisify(execFile)('bash', ['-c', program], {
      encoding: 'utf8',
      cwd: dir,
      env: { PATH: `${dir}:${process.env.PATH ?? ''}`, HOME: dir, KUBECONFIG: fake.kubeconfigPath },
    });
    return result.stdout.split('\n').filter((line) => line !== '');
  }

  void it('bash: pod names of the namespace on the line, namespaces, subcommands', async () => {
    assert.deepEqual(await bashComplete(['kubectl-debugdead', '-n', 'shop', 'web']), ['web-7d4b9c8f6d-x2k9p']);
    assert.deepEqual(await bashComplete(['kubectl-debugdead', '-n', 'monitoring', 'h']), ['heapster']);
    assert.deepEqual(await bashComplete(['kubectl-debugdead', '-n', 'mon']), ['monitoring']);
    assert.deepEqual(await bashComplete(['kubectl-debugdead', 'com']), ['completion']);
    assert.deepEqual(await bashComplete(['kubectl-debugdead', 'list', '--all']), ['--all-namespaces']);
  });

  void it('bash: where only files make sense, files', async () => {
    assert.deepEqual(await bashComplete(['kubectl-debugdead', 'mutate', '-f', 'completion.b']), ['completion.bash']);
  });

  void it('kubectl_complete-debugdead answers kubectl with the words after the plugin name', async () => {
    const result = await promisify(execFile)(
      process.execPath,
      [path.join(ROOT, 'dist', 'cli', 'complete-main.js'), '-n', 'shop', ''],
      { encoding: 'utf8', env: { PATH: process.env.PATH ?? '', HOME: dir, KUBECONFIG: fake.kubeconfigPath } },
    );
    assert.equal(
      result.stdout,
      'mutate\nlist\nclean\ncp\ncompletion\ndeploy/\nrs/\nsts/\nds/\njob/\ncj/\nweb-7d4b9c8f6d-x2k9p\n:4\n',
    );
  });

  void it('kubectl itself completes `kubectl debugdead` through kubectl_complete-debugdead', async (t) => {
    const kubectl = ['/usr/bin/kubectl', '/usr/local/bin/kubectl'].find((candidate) => existsSync(candidate));
    if (kubectl === undefined) {
      if (process.env.CI === 'true') assert.fail('kubectl is not installed');
      t.skip('kubectl is not installed');
      return;
    }
    const result = await promisify(execFile)(kubectl, ['__complete', 'debugdead', '-n', 'shop', 'we'], {
      encoding: 'utf8',
      env: { PATH: `${dir}:${process.env.PATH ?? ''}`, HOME: dir, KUBECONFIG: fake.kubeconfigPath },
    });
    assert.equal(result.stdout.split('\n')[0], 'web-7d4b9c8f6d-x2k9p', `${result.stdout}\n${result.stderr}`);
    assert.match(result.stdout, /^:4$/m);
  });

  void it('no cluster reachable: the words that need none, and no error', async () => {
    const result = await runCliInProcess(['__complete', 'comp'], { kubeconfig: path.join(dir, 'missing') });
    assert.deepEqual(result, { code: 0, stdout: 'completion\n:4\n', stderr: '' });
  });

  void it('zsh script registers with compdef and asks __complete', async () => {
    const zsh = await runCliInProcess(['completion', 'zsh']);
    assert.equal(zsh.code, 0);
    assert.match(zsh.stdout, /^#compdef kubectl-debugdead\n/);
    assert.match(zsh.stdout, /__complete/);
    const bad = await runCliInProcess(['completion', 'fish']);
    assert.equal(bad.code, 2);
    assert.match(
      bad.stderr,
      /completion needs the shell: kubectl debugdead completion bash, or kubectl debugdead completion zsh/,
    );
  });
});
