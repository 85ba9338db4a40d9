/**
 * The CLI resolves the image command against a real API server (with the real webhook registered as shipped)
 * and a real registry: a pod without `command`
 * whose status carries an imageID from the registry, copied with the pull secret of its namespace; the
 * same with the secret unreadable for the user (the docker config serves); with the registry stopped (the
 * copy is made, one clear line); with --dry-run=client|server and --image-command=none; and through the
 * webhook (no --local): the stored copy's debug.dead/original records the argv the runtime ran.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { load } from 'js-yaml';
import type { RegistryAccess } from '../../src/cli/image/registry-access.js';
import { runCliInProcess, type RunResult } from '../cli/harness.js';
import { START_TIMEOUT_MS, apiServerUnavailableReason, waitFor, type ApiServer } from '../helpers/apiserver.js';
import { startRealCluster, type RealCluster } from '../helpers/real-cluster.js';
import { registryUnavailableReason, startRegistry, type TestRegistry } from '../helpers/registry.js';
import { HOSTILE_CMD, HOSTILE_ENTRYPOINT, TEST_IMAGES } from './images.js';

const reason = apiServerUnavailableReason() ?? registryUnavailableReason();
const IMAGE_COMMAND = 'debug.dead/image-command';

interface KubePod {
  metadata: { name: string; namespace?: string; annotations?: Record<string, string> };
  spec: Record<string, unknown>;
}

void describe('CLI image-command resolution against a real API server and a real registry', { skip: reason }, () => {
  let cluster: RealCluster | undefined;
  let registry: TestRegistry | undefined;
  let scratch = '';
  const ns = 'imgcmd';

  before(
    async () => {
      [cluster, registry] = await Promise.all([
        startRealCluster(),
        startRegistry({ images: TEST_IMAGES, logRequests: true }),
      ]);
      scratch = mkdtempSync(path.join(tmpdir(), 'debugdead-imgcmd-'));
      await cluster.optIn(ns);
    },
    { timeout: START_TIMEOUT_MS },
  );
  after(async () => {
    await Promise.all([cluster?.stop(), registry?.stop()]);
    rmSync(scratch, { recursive: true, force: true });
  });

  const server = (): ApiServer => cluster?.server ?? assert.fail('no API server');
  const reg = (): TestRegistry => registry ?? assert.fail('no registry');
  const auth = (): string => Buffer.from(`${reg().username}:${reg().password}`).toString('base64');
  const digestOf = (key: string): string => reg().images[key]?.digest ?? assert.fail(`no image ${key}`);

  async function request(method: string, apiPath: string, body?: unknown): Promise<unknown> {
    const res = await server().request(method, apiPath, body === undefined ? {} : { body });
    assert.ok(res.status >= 200 && res.status < 300, `${method} ${apiPath}: ${res.status} ${res.text}`);
    return res.body;
  }

  /** A crash-looping pod as the kubelet would report it: spec image `image`, status imageID `imageID`. */
  async function crashedPod(
    name: string,
    container: Record<string, unknown>,
    imageID: string | undefined,
    secret?: string,
  ): Promise<void> {
    await request('POST', `/api/v1/namespaces/${ns}/pods`, {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name },
      spec: {
        containers: [{ name: 'app', ...container }],
        ...(secret === undefined ? {} : { imagePullSecrets: [{ name: secret }] }),
      },
    });
    const pod = (await request('GET', `/api/v1/namespaces/${ns}/pods/${name}`)) as Record<string, unknown>;
    await request('PUT', `/api/v1/namespaces/${ns}/pods/${name}/status`, {
      ...pod,
      status: {
        phase: 'Running',
        containerStatuses: [
          {
            name: 'app',
            image: container.image,
            imageID: imageID ?? '',
            ready: false,
            restartCount: 4,
            state: { waiting: { reason: 'CrashLoopBackOff' } },
            lastState: { terminated: { exitCode: 7, reason: 'Error' } },
          },
        ],
      },
    });
  }

  function access(dockerConfig?: unknown): RegistryAccess {
    const dockerConfigPath = path.join(scratch, `docker-${Math.random().toString(36).slice(2)}.json`);
    if (dockerConfig !== undefined) writeFileSync(dockerConfigPath, JSON.stringify(dockerConfig));
    return { cacheDir: path.join(scratch, 'cache'), dockerConfigPath, budgetMs: 5000, fetch };
  }

  function cli(
    args: string[],
    options: { kubeconfig?: string; registry?: RegistryAccess; suffix: string },
  ): Promise<RunResult> {
    return runCliInProcess(args, {
      kubeconfig: options.kubeconfig ?? server().kubeconfigPath,
      suffix: options.suffix,
      registry: options.registry ?? access(),
    });
  }

  async function storedImageCommand(copyName: string): Promise<unknown> {
    const copy = (await request('GET', `/api/v1/namespaces/${ns}/pods/${copyName}`)) as KubePod;
    const value = copy.metadata.annotations?.[IMAGE_COMMAND];
    return value === undefined ? undefined : JSON.parse(value);
  }

  const notes = (stderr: string): string[] => stderr.split('\n').filter((line) => line.startsWith('note: the image'));

  void it('copies a pod without command with the pull secret: the image command of what the kubelet ran (imageID), not of the tag', async () => {
    await request('POST', `/api/v1/namespaces/${ns}/secrets`, {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'regcred' },
      type: 'kubernetes.io/dockerconfigjson',
      data: {
        '.dockerconfigjson': Buffer.from(JSON.stringify({ auths: { [reg().bearer]: { auth: auth() } } })).toString(
          'base64',
        ),
      },
    });
    // The tag now points elsewhere (team/both); the kubelet ran team/hostile, by digest.
    await crashedPod(
      'hostile',
      { image: `${reg().bearer}/team/both:v1` },
      `${reg().bearer}/team/hostile@${digestOf('team/hostile:v1')}`,
      'regcred',
    );
    const result = await cli(['hostile', '-n', ns, '--local', '--no-wait'], { suffix: 'img01' });
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(notes(result.stderr), []);
    assert.deepEqual(await storedImageCommand('debug-hostile-img01'), {
      app: { entrypoint: HOSTILE_ENTRYPOINT, cmd: HOSTILE_CMD, digest: digestOf('team/hostile:v1') },
    });
  });

  void it('through the webhook (no --local): the stored copy records the argv the runtime ran, and the report prints it', async () => {
    const result = await cli(['hostile', '-n', ns, '--no-wait'], { suffix: 'wh001' });
    assert.equal(result.code, 0, result.stderr);
    const copy = (await request('GET', `/api/v1/namespaces/${ns}/pods/debug-hostile-wh001`)) as KubePod;
    const original = JSON.parse(copy.metadata.annotations?.['debug.dead/original'] ?? '{}') as Record<string, unknown>;
    assert.deepEqual(original.app, { command: null, args: null, argv: [...HOSTILE_ENTRYPOINT, ...HOSTILE_CMD] });
    assert.match(result.stdout, /\nOriginal command of app:\n {2}ran: {5}\/bin\/sh -c /);

    const dry = await cli(['hostile', '-n', ns, '--dry-run=server', '-o', 'json'], { suffix: 'wh002' });
    assert.equal(dry.code, 0, dry.stderr);
    const answered = JSON.parse(dry.stdout) as KubePod;
    const dryOriginal = JSON.parse(answered.metadata.annotations?.['debug.dead/original'] ?? '{}') as Record<
      string,
      unknown
    >;
    assert.deepEqual(dryOriginal.app, { command: null, args: null, argv: [...HOSTILE_ENTRYPOINT, ...HOSTILE_CMD] });
  });

  void it('without an imageID, the image reference (a multi-arch index: the pod’s kubernetes.io/arch selector picks)', async () => {
    await request('POST', `/api/v1/namespaces/${ns}/pods`, {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'multi' },
      spec: {
        nodeSelector: { 'kubernetes.io/arch': 'arm64' },
        imagePullSecrets: [{ name: 'regcred' }],
        containers: [{ name: 'app', image: `${reg().bearer}/team/multi:v1`, args: ['--from-args'] }],
      },
    });
    const result = await cli(['multi', '-n', ns, '--local', '--no-wait'], { suffix: 'img02' });
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(await storedImageCommand('debug-multi-img02'), {
      app: { entrypoint: ['/arm64/app'], cmd: ['--arm64'], digest: digestOf('team/multi:v1') },
    });
    // The report prints what really ran: the arm64 image's ENTRYPOINT with the pod's args (its CMD dropped).
    assert.match(
      result.stdout,
      /\nOriginal command of app:\n {2}ran: {5}\/arm64\/app --from-args\n {2}from: {4}the image's ENTRYPOINT and the pod's args/,
    );
  });

  void it('a pod with a command needs no lookup', async () => {
    await crashedPod('commanded', { image: `${reg().bearer}/team/both:v1`, command: ['/own'] }, undefined, 'regcred');
    const before = reg().requests().length;
    const result = await cli(['commanded', '-n', ns, '--local', '--no-wait'], { suffix: 'img03' });
    assert.equal(result.code, 0, result.stderr);
    assert.equal(await storedImageCommand('debug-commanded-img03'), undefined);
    assert.equal(reg().requests().length, before, 'no registry request');
  });

  void it('the secret unreadable for the user: the docker config serves, and the 403 is no error', async () => {
    await request('POST', `/apis/rbac.authorization.k8s.io/v1/namespaces/${ns}/roles`, {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'Role',
      metadata: { name: 'copier' },
      rules: [{ apiGroups: [''], resources: ['pods', 'events'], verbs: ['get', 'list', 'watch', 'create', 'delete'] }],
    });
    await request('POST', `/apis/rbac.authorization.k8s.io/v1/namespaces/${ns}/rolebindings`, {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { name: 'copier' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'copier' },
      subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: 'alice' }],
    });
    const alice = server().users.alice;
    assert.ok(alice !== undefined);
    await waitFor('alice may create pods', async () => {
      const res = await server().request('GET', `/api/v1/namespaces/${ns}/pods`, { token: alice.token });
      return res.status === 200 ? true : undefined;
    });
    const secretRead = await server().request('GET', `/api/v1/namespaces/${ns}/secrets/regcred`, {
      token: alice.token,
    });
    assert.equal(secretRead.status, 403, 'alice may not read the pull secret');

    await crashedPod(
      'viaconfig',
      { image: `${reg().bearer}/team/cmd-only:v1` },
      `${reg().bearer}/team/cmd-only@${digestOf('team/cmd-only:v1')}`,
      'regcred',
    );
    const withConfig = await cli(['viaconfig', '-n', ns, '--local', '--no-wait'], {
      kubeconfig: alice.kubeconfigPath,
      suffix: 'img04',
      registry: access({ auths: { [`http://${reg().bearer}`]: { auth: auth() } } }),
    });
    assert.equal(withConfig.code, 0, withConfig.stderr);
    assert.deepEqual(notes(withConfig.stderr), []);
    assert.deepEqual(await storedImageCommand('debug-viaconfig-img04'), {
      app: { entrypoint: null, cmd: ['python', 'app.py'], digest: digestOf('team/cmd-only:v1') },
    });

    // Neither the secret nor a docker config: still a copy, and one line that names the unreadable secret.
    const without = await cli(['viaconfig', '-n', ns, '--local', '--no-wait'], {
      kubeconfig: alice.kubeconfigPath,
      suffix: 'img05',
      registry: { ...access(), cacheDir: undefined },
    });
    assert.equal(without.code, 0, without.stderr);
    assert.deepEqual(notes(without.stderr), [
      `note: the image ENTRYPOINT/CMD of container "app" is not known, so rerun cannot run the exact command ` +
        `(${reg().bearer}/team/cmd-only@${digestOf('team/cmd-only:v1')}: ${reg().bearer} needs credentials for the manifest of ` +
        `team/cmd-only@${digestOf('team/cmd-only:v1')} (HTTP 401). Fix: you may not read the pull secret ${ns}/regcred: ask for get on it, or docker login ${reg().bearer})`,
    ]);
    assert.equal(await storedImageCommand('debug-viaconfig-img05'), undefined);
  });

  void it('the registry stopped: the copy is made and one line says why and what to do', async () => {
    const doomed = await startRegistry({ images: TEST_IMAGES.slice(0, 1) });
    const host = doomed.anonymous;
    const digest = doomed.images['team/single:v1']?.digest ?? '';
    await doomed.stop();
    await crashedPod('gone', { image: `${host}/team/single:v1` }, `${host}/team/single@${digest}`);
    const result = await cli(['gone', '-n', ns, '--local', '--no-wait'], { suffix: 'img06' });
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /^Created: imgcmd\/debug-gone-img06/m);
    assert.deepEqual(notes(result.stderr), [
      `note: the image ENTRYPOINT/CMD of container "app" is not known, so rerun cannot run the exact command ` +
        `(${host}/team/single@${digest}: cannot reach ${host} (ECONNREFUSED). Fix: make ${host} reachable from here (VPN, proxy), ` +
        'or skip the lookup with --image-command=none)',
    ]);
    assert.equal(await storedImageCommand('debug-gone-img06'), undefined);
  });

  void it('--dry-run=client and --local --dry-run=server carry the annotation; --image-command=none asks nothing', async () => {
    const client = await cli(['hostile', '-n', ns, '--dry-run=client', '-o', 'yaml'], { suffix: 'img07' });
    assert.equal(client.code, 0, client.stderr);
    const printed = load(client.stdout) as KubePod;
    assert.deepEqual(JSON.parse(printed.metadata.annotations?.[IMAGE_COMMAND] ?? 'null'), {
      app: { entrypoint: HOSTILE_ENTRYPOINT, cmd: HOSTILE_CMD, digest: digestOf('team/hostile:v1') },
    });
    const dry = await cli(['hostile', '-n', ns, '--local', '--dry-run=server', '-o', 'json'], { suffix: 'img08' });
    assert.equal(dry.code, 0, dry.stderr);
    const answered = JSON.parse(dry.stdout) as KubePod;
    assert.ok(answered.metadata.annotations?.[IMAGE_COMMAND] !== undefined, 'the API server kept the annotation');

    const before = reg().requests().length;
    const none = await cli(['multi', '-n', ns, '--dry-run=client', '--image-command=none'], {
      suffix: 'img09',
      registry: { ...access(), cacheDir: undefined },
    });
    assert.equal(none.code, 0, none.stderr);
    assert.equal((load(none.stdout) as KubePod).metadata.annotations?.[IMAGE_COMMAND], undefined);
    assert.equal(reg().requests().length, before);
    const bad = await cli(['multi', '-n', ns, '--image-command=off'], { suffix: 'img10' });
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /invalid value "off" for --image-command: use registry/);
  });
});
