/**
 * `kubectl debugdead cp` through the real keep-alive: a copy made by the real mutation (tools volume at a temp
 * directory), its keep-alive command run for real with the static busybox (which installs its applets there),
 * and the fake API server's exec endpoint running each exec'd command on this machine, stdin and stdout passed
 * through, as the kubelet runs it in the container. So the tar that runs is the tools directory's busybox tar,
 * and the client library's websocket exec carries the archive both ways.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { chmod, lstat, mkdir, mkdtemp, readFile, readlink, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, afterEach, before, beforeEach, describe, it } from 'node:test';
import { DEFAULT_MUTATION_CONFIG, mutatePod } from '../../src/mutation/index.js';
import { copyPod } from '../../src/cli/copy/pod-copy.js';
import { busyboxUnavailableReason, cleanUp, startKeepAlive, toolsDirectory } from '../helpers/keep-alive-run.js';
import { FakeApiServer } from './fake-apiserver.js';
import { EXEC_SUCCESS, execExitCode, type ExecSession } from './fake-exec.js';
import { barePod } from './fixtures.js';
import { runCliInProcess, type RunResult } from './harness.js';

const unavailable = busyboxUnavailableReason();
if (unavailable !== undefined) {
  if (process.env.CI === 'true') throw new Error(`cp tests need the real busybox: ${unavailable}`);
  console.log(`# skipping cp through the real keep-alive: ${unavailable}`);
}

const NS = 'monitoring';
const COPY = 'debug-heapster-cp001';

/** Runs the exec'd argv here, as the kubelet runs it in the container: stdin in, stdout and stderr out, exit code. */
function runHere(session: ExecSession): Promise<void> {
  const [file, ...args] = session.request.query.command ?? [];
  return new Promise((resolve) => {
    const child = spawn(file ?? '/nonexistent', args, { stdio: ['pipe', 'pipe', 'pipe'] });
    child.stdout.on('data', (chunk: Buffer) => session.stdout(chunk));
    child.stderr.on('data', (chunk: Buffer) => session.stderr(chunk));
    child.stdin.on('error', () => undefined);
    const feed = async (): Promise<void> => {
      let sent = 0;
      for (;;) {
        await session.until(() => session.stdinClosed || session.stdin().length > sent, 'stdin', 30_000);
        const all = session.stdin();
        if (all.length > sent) {
          child.stdin.write(all.subarray(sent));
          sent = all.length;
        }
        if (session.stdinClosed) break;
      }
      child.stdin.end();
    };
    if (session.request.query.stdin?.[0] === 'true') void feed().catch(() => child.stdin.end());
    else child.stdin.end();
    child.on('close', (code) => {
      session.status(code === 0 ? EXEC_SUCCESS : execExitCode(code ?? 1));
      session.close();
      resolve();
    });
  });
}

void describe('kubectl debugdead cp through the real keep-alive and busybox tar', { skip: unavailable }, () => {
  let fake: FakeApiServer;
  let tools = '';
  let work = '';
  let keepAlive: ChildProcess | undefined;

  const cp = (args: string[]): Promise<RunResult> =>
    runCliInProcess(['cp', '-n', NS, ...args], { kubeconfig: fake.kubeconfigPath });

  before(async () => {
    fake = await FakeApiServer.start();
    tools = toolsDirectory('real');
    // The copy as the webhook stores it, with the tools volume mounted at the temp directory.
    const mutated = mutatePod(
      copyPod(barePod(), { suffix: 'cp001' }),
      { ...DEFAULT_MUTATION_CONFIG, mountPath: tools },
      {
        operation: 'CREATE',
      },
    );
    if (mutated.outcome !== 'mutated') throw new Error(`expected a mutation, got ${mutated.outcome}`);
    fake.addPod(mutated.pod);
    fake.addPod(barePod());
    const command = (mutated.pod.spec as { containers: { command: string[] }[] }).containers[0]?.command ?? [];
    keepAlive = await startKeepAlive(tools, { command });
  });
  after(async () => {
    cleanUp(keepAlive);
    await fake.close();
    await rm(tools, { recursive: true, force: true });
  });
  beforeEach(async () => {
    work = await mkdtemp(path.join(tmpdir(), 'debugdead-cp-'));
    await mkdir(path.join(work, 'pod'));
    await mkdir(path.join(work, 'here'));
    fake.exec = runHere;
    fake.execErrors.length = 0;
  });
  afterEach(async () => {
    assert.deepEqual(fake.execErrors, []);
    await rm(work, { recursive: true, force: true });
  });

  /** A tree with a nested directory, a file with spaces, an executable, a private file and a relative symlink. */
  async function makeTree(root: string): Promise<void> {
    await mkdir(path.join(root, 'core dumps', 'nested'), { recursive: true });
    await writeFile(path.join(root, 'core dumps', 'core.1234'), Buffer.from([0, 1, 2, 255, 254, 10, 13]));
    await writeFile(path.join(root, 'core dumps', 'my notes.txt'), 'crash at 03:12\n');
    await writeFile(path.join(root, 'core dumps', 'nested', 'run.sh'), '#!/bin/sh\necho hi\n');
    await chmod(path.join(root, 'core dumps', 'nested', 'run.sh'), 0o755);
    await writeFile(path.join(root, 'core dumps', 'secret.key'), 'k');
    await chmod(path.join(root, 'core dumps', 'secret.key'), 0o600);
    await symlink('my notes.txt', path.join(root, 'core dumps', 'latest'));
  }

  async function describeTree(root: string): Promise<Record<string, string>> {
    const result: Record<string, string> = {};
    for (const relative of ['', 'core.1234', 'my notes.txt', 'nested', 'nested/run.sh', 'secret.key', 'latest']) {
      const file = path.join(root, relative);
      const info = await lstat(file);
      const mode = (info.mode & 0o777).toString(8);
      if (info.isSymbolicLink()) result[relative] = `link -> ${await readlink(file)}`;
      else if (info.isDirectory()) result[relative] = `dir ${mode}`;
      else result[relative] = `file ${mode} ${(await readFile(file)).toString('base64')}`;
    }
    return result;
  }

  void it('out of the copy: a directory with spaces, modes and a symlink, byte for byte', async () => {
    await makeTree(path.join(work, 'pod'));
    const result = await cp([`${COPY}:${path.join(work, 'pod', 'core dumps')}`, path.join(work, 'here', 'dumps')]);
    assert.deepEqual(result, { code: 0, stdout: '', stderr: '' });
    assert.deepEqual(
      await describeTree(path.join(work, 'here', 'dumps')),
      await describeTree(path.join(work, 'pod', 'core dumps')),
    );
    // Into an existing directory: kept under its own name; one file alone, to a new name.
    const file = await cp([
      `${NS}/${COPY}:${path.join(work, 'pod', 'core dumps', 'core.1234')}`,
      path.join(work, 'here'),
    ]);
    assert.equal(file.code, 0, file.stderr);
    assert.deepEqual(await readFile(path.join(work, 'here', 'core.1234')), Buffer.from([0, 1, 2, 255, 254, 10, 13]));
    const renamed = await cp([
      `${COPY}:${path.join(work, 'pod', 'core dumps', 'my notes.txt')}`,
      path.join(work, 'here', 'notes'),
    ]);
    assert.equal(renamed.code, 0, renamed.stderr);
    assert.equal(await readFile(path.join(work, 'here', 'notes'), 'utf8'), 'crash at 03:12\n');
  });

  void it('into the copy: the same tree arrives whole, into an existing directory under its own name', async () => {
    await makeTree(path.join(work, 'here'));
    const result = await cp([path.join(work, 'here', 'core dumps'), `${COPY}:${path.join(work, 'pod')}`]);
    assert.deepEqual(result, { code: 0, stdout: '', stderr: '' });
    assert.deepEqual(
      await describeTree(path.join(work, 'pod', 'core dumps')),
      await describeTree(path.join(work, 'here', 'core dumps')),
    );
    const single = await cp([
      '-c',
      'heapster',
      path.join(work, 'here', 'core dumps', 'secret.key'),
      `${COPY}:${path.join(work, 'pod', 'key')}`,
    ]);
    assert.equal(single.code, 0, single.stderr);
    assert.equal(((await lstat(path.join(work, 'pod', 'key'))).mode & 0o777).toString(8), '600');
  });

  const refusals: { name: string; args: (work: string) => string[]; code: number; stderr: (work: string) => string }[] =
    [
      {
        name: 'a pod that is not a debug copy',
        args: (dir) => [`heapster:${dir}/x`, dir],
        code: 1,
        stderr: () =>
          'error: pod "heapster" in namespace "monitoring" is not a debug copy made by debugdead (no debug.dead/mutated): it has no tools directory with a tar. Make a copy first (kubectl debugdead -n monitoring heapster), or use kubectl cp if the image has tar\n',
      },
      {
        name: 'a missing path in the copy',
        args: (dir) => [`${COPY}:${dir}/pod/no such file`, `${dir}/here`],
        code: 2,
        stderr: (dir) =>
          `error: "${dir}/pod/no such file" does not exist in pod monitoring/${COPY} (container heapster): nothing was copied\n`,
      },
      {
        name: 'a missing directory in the copy to copy into',
        args: (dir) => [`${dir}/here`, `${COPY}:${dir}/nowhere/x`],
        code: 2,
        stderr: (dir) =>
          `error: directory "${dir}/nowhere" does not exist in pod monitoring/${COPY} (container heapster): nothing was copied\n`,
      },
      {
        name: 'a missing local path',
        args: (dir) => [`${dir}/here/none`, `${COPY}:${dir}/pod`],
        code: 2,
        stderr: (dir) => `error: local path "${dir}/here/none" does not exist: nothing was copied\n`,
      },
      {
        name: 'a container without the tools volume',
        args: (dir) => ['-c', 'debug-dead-tools', `${COPY}:${dir}/pod`, `${dir}/here`],
        code: 2,
        stderr: () =>
          `error: container "debug-dead-tools" of the debug copy monitoring/${COPY} has no tools directory (only the kept-alive container has one): use -c heapster\n`,
      },
      {
        name: 'two pods',
        args: () => [`a:/x`, `b:/y`],
        code: 2,
        stderr: () =>
          "error: cp copies between this machine and a pod, not between two pods: make SRC or DST a local path\nSee 'kubectl debugdead cp --help' for usage.\n",
      },
    ];
  for (const refusal of refusals) {
    void it(`refuses ${refusal.name}`, async () => {
      const result = await cp(refusal.args(work));
      assert.deepEqual(result, { code: refusal.code, stdout: '', stderr: refusal.stderr(work) });
    });
  }
});
