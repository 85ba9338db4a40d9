/**
 * The keep-alive for real on a copy the CLI made against the real API server and the real registry: the
 * stored copy's command is run here with the static busybox, as the kubelet would run it (its `$(VAR)`
 * expansion with the container's env), in a tools directory that is the copy's mount path; then `rerun`
 * runs exactly the argv the runtime ran, ENTRYPOINT + CMD, or ENTRYPOINT + args, and returns its exit code.
 * The image's program is /bin/sh of this machine, printing its argv NUL-separated and exiting 7.
 */
import assert from 'node:assert/strict';
import { spawnSync, type ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { DEFAULT_MUTATION_CONFIG } from '../../src/mutation/index.js';
import { runCliInProcess } from '../cli/harness.js';
import {
  START_TIMEOUT_MS,
  apiServerUnavailableReason,
  createNamespace,
  startApiServer,
  type ApiServer,
} from '../helpers/apiserver.js';
import { busyboxUnavailableReason, cleanUp, startKeepAlive, toolsDirectory } from '../helpers/keep-alive-run.js';
import { registryUnavailableReason, startRegistry, type TestRegistry } from '../helpers/registry.js';
import { HOSTILE_CMD } from './images.js';

const reason = apiServerUnavailableReason() ?? registryUnavailableReason() ?? busyboxUnavailableReason();
/** Prints START and its arguments NUL-terminated, then exits 7. */
const PRINTING_ENTRYPOINT = ['/bin/sh', '-c', 'printf "%s\\0" START "$@"; exit 7', 'argv0'];

interface Container {
  name: string;
  command?: string[];
  env?: { name: string; value: string }[];
}

function decode(stdout: Buffer): string[] {
  const parts = stdout.toString('utf8').split('\0');
  assert.equal(parts.pop(), '', 'output ends with NUL');
  assert.equal(parts.shift(), 'START');
  return parts;
}

void describe('rerun on a copy with the image command, run for real', { skip: reason }, () => {
  let api: ApiServer | undefined;
  let registry: TestRegistry | undefined;
  const ns = 'rerun';

  before(
    async () => {
      [api, registry] = await Promise.all([
        startApiServer(),
        startRegistry({
          images: [
            {
              repository: 'team/crash',
              tag: 'v1',
              platforms: [{ os: 'linux', architecture: 'amd64', entrypoint: PRINTING_ENTRYPOINT, cmd: HOSTILE_CMD }],
            },
          ],
        }),
      ]);
      await createNamespace(api, ns);
    },
    { timeout: START_TIMEOUT_MS },
  );
  after(async () => {
    await Promise.all([api?.stop(), registry?.stop()]);
  });

  /** Copies a crashed pod with the CLI (--local, tools at `directory`), runs the stored keep-alive, then rerun. */
  async function rerunOf(
    name: string,
    container: Record<string, unknown>,
  ): Promise<{ argv: string[]; status: number | null }> {
    const server = api ?? assert.fail('no API server');
    const reg = registry ?? assert.fail('no registry');
    const digest = reg.images['team/crash:v1']?.digest ?? '';
    const image = `${reg.anonymous}/team/crash:v1`;
    const created = await server.request('POST', `/api/v1/namespaces/${ns}/pods`, {
      body: {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name },
        spec: { containers: [{ name: 'app', image, ...container }] },
      },
    });
    assert.equal(created.status, 201, created.text);
    const status = await server.request('PUT', `/api/v1/namespaces/${ns}/pods/${name}/status`, {
      body: {
        ...(created.body as object),
        status: {
          phase: 'Running',
          containerStatuses: [
            {
              name: 'app',
              image,
              imageID: `${reg.anonymous}/team/crash@${digest}`,
              ready: false,
              restartCount: 2,
              state: { waiting: { reason: 'CrashLoopBackOff' } },
            },
          ],
        },
      },
    });
    assert.equal(status.status, 200, status.text);

    const directory = toolsDirectory('real');
    let child: ChildProcess | undefined;
    try {
      const result = await runCliInProcess([name, '-n', ns, '--local', '--no-wait'], {
        kubeconfig: server.kubeconfigPath,
        suffix: 'rerun',
        registry: { cacheDir: undefined, dockerConfigPath: undefined, budgetMs: 5000, fetch },
        mutationConfig: { ...DEFAULT_MUTATION_CONFIG, mountPath: directory },
      });
      assert.equal(result.code, 0, result.stderr);
      const copy = await server.request<{ spec: { containers: Container[] } }>(
        'GET',
        `/api/v1/namespaces/${ns}/pods/debug-${name}-rerun`,
      );
      const target = copy.body.spec.containers.find((candidate) => candidate.name === 'app');
      assert.ok(target?.command !== undefined, 'the copy has the keep-alive command');
      const env = Object.fromEntries((target.env ?? []).map((variable) => [variable.name, variable.value]));
      child = await startKeepAlive(directory, { command: target.command, env });
      const rerun = spawnSync(path.join(directory, 'rerun'), [], { env: {} });
      return { argv: decode(rerun.stdout), status: rerun.status };
    } finally {
      cleanUp(child);
      rmSync(directory, { recursive: true, force: true });
    }
  }

  void it('no command, no args: rerun runs ENTRYPOINT + CMD literally (no $(VAR) expansion of image values) and exits as it did', async () => {
    assert.deepEqual(await rerunOf('plain', { env: [{ name: 'HOME', value: '/expanded' }] }), {
      argv: HOSTILE_CMD,
      status: 7,
    });
  });

  void it('args: rerun runs ENTRYPOINT + args, the args expanded as the kubelet did', async () => {
    assert.deepEqual(
      await rerunOf('withargs', {
        args: ['$(GREETING) world', '$$(GREETING)', "it's"],
        env: [{ name: 'GREETING', value: 'hello' }],
      }),
      { argv: ['hello world', '$(GREETING)', "it's"], status: 7 },
    );
  });
});
