/**
 * The webhook under a real kube-apiserver (issue 4, part 3): the configuration rendered from manifests/ is
 * registered as shipped (only clientConfig points at the local process), and the API server decides
 * whether our patch applies, whether the mutated pod validates and passes Pod Security, and whether
 * namespaceSelector, matchConditions, sideEffects and failurePolicy mean what we think.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { load } from 'js-yaml';
import { DEFAULT_MUTATION_CONFIG, mutatePod, type JsonObject, type Pod } from '../../src/mutation/index.js';
import { apiServerUnavailableReason, START_TIMEOUT_MS, waitFor } from '../helpers/apiserver.js';
import { ENABLE, startRealCluster, type RealCluster } from '../helpers/real-cluster.js';
import { REPO_ROOT } from '../helpers/webhook-process.js';

const PODS = path.join(REPO_ROOT, 'test', 'golden', 'pods');
const CLI = path.join(REPO_ROOT, 'dist', 'cli', 'main.js');
const FIXTURES = readdirSync(PODS)
  .filter((file) => file.endsWith('.yaml'))
  .sort()
  .map((file) => ({
    file,
    path: path.join(PODS, file),
    pod: load(readFileSync(path.join(PODS, file), 'utf8')) as Pod,
  }));
const FIXTURE_NAMESPACES = [...new Set(FIXTURES.map(({ pod }) => String((pod.metadata as JsonObject).namespace)))];
const TOKEN_VOLUME = /^kube-api-access-[a-z0-9]{5}$/;

function metadataOf(pod: Pod): JsonObject {
  return pod.metadata as JsonObject;
}

function annotationsOf(pod: Pod): Record<string, string> {
  return (metadataOf(pod).annotations ?? {}) as Record<string, string>;
}

/**
 * A stored pod without what differs between two creations of the same manifest: server-set identity and
 * bookkeeping, the generated name, and the service-account token volume (the ServiceAccount admission
 * plugin runs before webhooks, so the offline path mounts it into the tools container too, the webhook
 * path does not); volumes and mounts are compared as sets.
 */
function comparable(pod: Pod): JsonObject {
  const copy = structuredClone(pod);
  const {
    uid: _uid,
    resourceVersion: _version,
    creationTimestamp: _created,
    managedFields: _fields,
    generation: _generation,
    ...metadata
  } = copy.metadata as JsonObject;
  if (metadata.generateName !== undefined) delete metadata.name;
  copy.metadata = metadata;
  delete copy.status;
  const spec = copy.spec as JsonObject;
  const byName = (a: JsonObject, b: JsonObject) =>
    String(a.name ?? a.mountPath).localeCompare(String(b.name ?? b.mountPath));
  spec.volumes = ((spec.volumes ?? []) as JsonObject[])
    .filter((volume) => !TOKEN_VOLUME.test(String(volume.name)))
    .sort(byName);
  for (const field of ['initContainers', 'containers']) {
    for (const container of (spec[field] ?? []) as JsonObject[]) {
      const mounts = ((container.volumeMounts ?? []) as JsonObject[]).filter(
        (mount) => !TOKEN_VOLUME.test(String(mount.name)),
      );
      if (mounts.length === 0) delete container.volumeMounts;
      else container.volumeMounts = mounts.sort((a, b) => String(a.mountPath).localeCompare(String(b.mountPath)));
    }
  }
  return copy;
}

/** What `kubectl-debugdead mutate -f FILE -o json` prints. */
function cliMutate(file: string): { pod: Pod | undefined; code: number | null; stderr: string } {
  const result = spawnSync(process.execPath, [CLI, 'mutate', '-f', file, '-o', 'json'], { encoding: 'utf8' });
  return {
    pod: result.status === 0 ? (JSON.parse(result.stdout) as Pod) : undefined,
    code: result.status,
    stderr: result.stderr,
  };
}

const unavailable = apiServerUnavailableReason();

describe('the webhook under a real kube-apiserver', { skip: unavailable }, () => {
  let cluster: RealCluster;

  before(
    async () => {
      cluster = await startRealCluster();
      for (const namespace of FIXTURE_NAMESPACES) {
        await cluster.optIn(
          namespace,
          namespace === 'secure' ? { 'pod-security.kubernetes.io/enforce': 'restricted' } : {},
        );
      }
      const heapster = await cluster.server.request('POST', '/api/v1/namespaces/monitoring/serviceaccounts', {
        body: { metadata: { name: 'heapster' } },
      });
      assert.equal(heapster.status, 201);
    },
    { timeout: START_TIMEOUT_MS + 60_000 },
  );
  // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- unset when `before` failed
  after(() => cluster?.stop());

  for (const { file, path: fixture, pod } of FIXTURES) {
    const local = mutatePod(pod, DEFAULT_MUTATION_CONFIG);
    const namespace = String(metadataOf(pod).namespace);
    if (local.outcome === 'denied') {
      test(`${file}: denied, and kubectl shows our message intact`, async () => {
        const result = await cluster.server.kubectl(['create', '-f', fixture]);
        assert.equal(result.code, 1);
        assert.ok(
          result.stderr.includes(`admission webhook "pods.debug.dead" denied the request: ${local.message}`),
          `kubectl said: ${result.stderr}`,
        );
        const name = metadataOf(pod).name;
        if (typeof name === 'string') {
          assert.equal(
            (await cluster.server.request('GET', `/api/v1/namespaces/${namespace}/pods/${name}`)).status,
            404,
            'nothing stored',
          );
        }
      });
      continue;
    }
    test(`${file}: stored mutated, equal to what kubectl-debugdead mutate prints`, async () => {
      assert.equal(local.outcome, 'mutated');
      const offline = cliMutate(fixture);
      assert.equal(offline.code, 0, offline.stderr);
      // The offline result, created by the API server (dry run: nothing stored, defaults applied).
      const fromCli = await cluster.server.kubectl(['create', '--dry-run=server', '-o', 'json', '-f', '-'], {
        input: JSON.stringify(offline.pod),
      });
      assert.equal(fromCli.code, 0, fromCli.stderr);
      // The manifest as a user creates it, mutated by the webhook.
      const created = await cluster.server.kubectl(['create', '-o', 'json', '-f', fixture]);
      assert.equal(created.code, 0, created.stderr);
      const stored = JSON.parse(created.stdout) as Pod;
      assert.ok(annotationsOf(stored)['debug.dead/mutated'] !== undefined, 'stored with the marker');
      assert.deepEqual(comparable(stored), comparable(JSON.parse(fromCli.stdout) as Pod));
      for (const warning of local.warnings)
        assert.ok(
          created.stderr.includes(`Warning: ${warning}`),
          `warning reaches kubectl: ${warning}\n${created.stderr}`,
        );
    });
  }

  test('a restricted pod in a namespace that enforces restricted is admitted after mutation', async () => {
    const namespace = await cluster.server.request<JsonObject>('GET', '/api/v1/namespaces/secure');
    assert.equal(
      ((namespace.body.metadata as JsonObject).labels as Record<string, string>)['pod-security.kubernetes.io/enforce'],
      'restricted',
    );
    const stored = await cluster.server.request<Pod>('GET', '/api/v1/namespaces/secure/pods/payments');
    assert.equal(stored.status, 200);
    const init = (stored.body.spec as JsonObject).initContainers as JsonObject[];
    assert.equal(init[0]?.name, 'debug-dead-tools');
    // The control: Pod Security does judge pods here; a pod that is not restricted is refused.
    const loose = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'loose' },
      spec: { containers: [{ name: 'app', image: 'app:1' }] },
    };
    const refused = await cluster.server.request<JsonObject>('POST', '/api/v1/namespaces/secure/pods', { body: loose });
    assert.equal(refused.status, 403);
    assert.match(String(refused.body.message), /violates PodSecurity "restricted/);
  });

  test('a ResourceQuota that requires limits admits the mutated pod: the tools container brings its own', async () => {
    await cluster.optIn('quota');
    const quota = {
      apiVersion: 'v1',
      kind: 'ResourceQuota',
      metadata: { name: 'limits-required' },
      spec: { hard: { 'requests.cpu': '2', 'requests.memory': '2Gi', 'limits.cpu': '4', 'limits.memory': '4Gi' } },
    };
    assert.equal(
      (await cluster.server.request('POST', '/api/v1/namespaces/quota/resourcequotas', { body: quota })).status,
      201,
    );
    // The quota controller must have computed the quota's status before the admission plugin enforces it.
    await waitFor('the quota status', async () => {
      const response = await cluster.server.request<{ status?: { hard?: object } }>(
        'GET',
        '/api/v1/namespaces/quota/resourcequotas/limits-required',
      );
      return response.body.status?.hard === undefined ? undefined : true;
    });
    const resources = { requests: { cpu: '100m', memory: '64Mi' }, limits: { cpu: '200m', memory: '128Mi' } };
    const pod = (name: string, annotations: Record<string, string>, withResources: boolean) => ({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name, annotations },
      spec: { containers: [{ name: 'app', image: 'app:1', ...(withResources ? { resources } : {}) }] },
    });
    const refused = await cluster.server.request<JsonObject>('POST', '/api/v1/namespaces/quota/pods', {
      body: pod('no-limits', {}, false),
    });
    assert.equal(refused.status, 403, 'the control: the quota does require limits');
    const created = await cluster.server.request<Pod>('POST', '/api/v1/namespaces/quota/pods', {
      body: pod('debug', { [ENABLE]: 'true' }, true),
    });
    assert.equal(created.status, 201, created.text);
    const init = (created.body.spec as JsonObject).initContainers as JsonObject[];
    // The tools container takes the target's requests and limits (issue 14 item 8): limits included.
    assert.deepEqual(init[0]?.resources, resources);
  });

  test('a LimitRange with min.cpu 200m per container admits the mutated pod (issue 14 item 8)', async () => {
    await cluster.optIn('limited');
    const limitRange = {
      apiVersion: 'v1',
      kind: 'LimitRange',
      metadata: { name: 'min-cpu' },
      spec: { limits: [{ type: 'Container', min: { cpu: '200m' } }] },
    };
    const range = await cluster.server.request('POST', '/api/v1/namespaces/limited/limitranges', { body: limitRange });
    assert.equal(range.status, 201, range.text);
    const pod = (name: string, annotations: Record<string, string>, initContainers: JsonObject[] = []) => ({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name, annotations },
      spec: { containers: [{ name: 'app', image: 'app:1' }], initContainers },
    });
    // The control: the LimitRange refuses a container asking for less than 200m, such as a fixed tiny request.
    const tiny = { name: 'tiny', image: 'busybox:1', resources: { requests: { cpu: '10m' } } };
    const refused = await cluster.server.request<JsonObject>('POST', '/api/v1/namespaces/limited/pods', {
      body: pod('tiny', {}, [tiny]),
    });
    assert.equal(refused.status, 403, refused.text);
    assert.match(String(refused.body.message), /minimum cpu usage per Container is 200m/);
    // The app container gets the LimitRange's default request (200m) before the webhook sees the pod; the
    // tools container takes it over.
    const created = await cluster.server.request<Pod>('POST', '/api/v1/namespaces/limited/pods', {
      body: pod('debug', { [ENABLE]: 'true' }),
    });
    assert.equal(created.status, 201, created.text);
    const init = (created.body.spec as JsonObject).initContainers as JsonObject[];
    assert.equal(init[0]?.name, 'debug-dead-tools');
    assert.deepEqual((init[0].resources as JsonObject).requests, { cpu: '200m', memory: '16Mi' });
    // The same through the CLI's offline path (--local): the pod as read back from the API server.
    const source = await cluster.server.request<Pod>('POST', '/api/v1/namespaces/limited/pods?dryRun=All', {
      body: pod('source', {}),
    });
    const local = mutatePod(
      { ...source.body, metadata: { name: 'local', annotations: { [ENABLE]: 'true' } } },
      DEFAULT_MUTATION_CONFIG,
    );
    assert.ok(local.outcome === 'mutated');
    const stored = await cluster.server.request('POST', '/api/v1/namespaces/limited/pods?dryRun=All', {
      body: local.pod,
    });
    assert.equal(stored.status, 201, stored.text);
  });

  test('a target without CPU: the tools container asks for 10m and sets no CPU limit, which a Pod LimitRange counting a sidecar admits', async () => {
    await cluster.optIn('pod-bounds');
    // Pod-level bounds make no container defaults, so the target stays without CPU; the pod's CPU limit is the
    // larger of its containers' sum (the sidecar's 400m) and its largest init container's.
    const limitRange = {
      apiVersion: 'v1',
      kind: 'LimitRange',
      metadata: { name: 'pod-cpu' },
      spec: { limits: [{ type: 'Pod', max: { cpu: '500m' }, maxLimitRequestRatio: { cpu: '2' } }] },
    };
    const range = await cluster.server.request('POST', '/api/v1/namespaces/pod-bounds/limitranges', {
      body: limitRange,
    });
    assert.equal(range.status, 201, range.text);
    const sidecar = {
      name: 'proxy',
      image: 'proxy:1',
      resources: { requests: { cpu: '200m' }, limits: { cpu: '400m' } },
    };
    const pod = (name: string, annotations: Record<string, string>, initContainers: JsonObject[] = []) => ({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name, annotations },
      spec: { containers: [{ name: 'app', image: 'app:1' }, sidecar], initContainers },
    });
    // The control: an init container with a CPU limit of 1 (what a larger fallback limit would be) is refused.
    const limited = {
      name: 'tools',
      image: 'busybox:1',
      resources: { requests: { cpu: '10m' }, limits: { cpu: '1' } },
    };
    const refused = await cluster.server.request<JsonObject>('POST', '/api/v1/namespaces/pod-bounds/pods', {
      body: pod('one-cpu', {}, [limited]),
    });
    assert.equal(refused.status, 403, refused.text);
    assert.match(String(refused.body.message), /maximum cpu usage per Pod is 500m/);
    const created = await cluster.server.request<Pod>('POST', '/api/v1/namespaces/pod-bounds/pods', {
      body: pod('debug', { [ENABLE]: 'true' }),
    });
    assert.equal(created.status, 201, created.text);
    const init = (created.body.spec as JsonObject).initContainers as JsonObject[];
    assert.equal(init[0]?.name, 'debug-dead-tools');
    assert.deepEqual(init[0].resources, { requests: { cpu: '10m', memory: '16Mi' }, limits: { memory: '32Mi' } });
  });

  test('a pod without the annotation, and an annotated pod in a namespace without the label, are stored untouched without a review', async () => {
    await cluster.server.request('POST', '/api/v1/namespaces', { body: { metadata: { name: 'not-opted-in' } } });
    await waitFor('default ServiceAccount in not-opted-in', async () => {
      const response = await cluster.server.request('GET', '/api/v1/namespaces/not-opted-in/serviceaccounts/default');
      return response.status === 200 ? true : undefined;
    });
    const before = await cluster.reviewCount();
    const plain = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'plain' },
      spec: { containers: [{ name: 'app', image: 'app:1' }] },
    };
    const annotated = { ...plain, metadata: { name: 'annotated', annotations: { [ENABLE]: 'true' } } };
    const disabled = { ...plain, metadata: { name: 'disabled', annotations: { [ENABLE]: 'false' } } };
    for (const [namespace, pod] of [
      ['team-a', plain],
      ['team-a', disabled],
      ['not-opted-in', annotated],
    ] as const) {
      const response = await cluster.server.request<Pod>('POST', `/api/v1/namespaces/${namespace}/pods`, { body: pod });
      assert.equal(response.status, 201, response.text);
      assert.equal(annotationsOf(response.body)['debug.dead/mutated'], undefined);
      assert.equal(((response.body.spec as JsonObject).initContainers as unknown[] | undefined)?.length, undefined);
    }
    assert.equal(
      await cluster.reviewCount(),
      before,
      'matchConditions and namespaceSelector kept these from the webhook',
    );
  });

  test('kubectl create --dry-run=server returns the mutated pod and stores nothing', async () => {
    const pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'dry', annotations: { [ENABLE]: 'true' } },
      spec: { containers: [{ name: 'app', image: 'app:1', command: ['/app'] }] },
    };
    const result = await cluster.server.kubectl(
      ['create', '-n', 'team-a', '--dry-run=server', '-o', 'json', '-f', '-'],
      { input: JSON.stringify(pod) },
    );
    assert.equal(result.code, 0, result.stderr);
    const returned = JSON.parse(result.stdout) as Pod;
    assert.deepEqual(JSON.parse(annotationsOf(returned)['debug.dead/original'] ?? 'null'), {
      app: { command: ['/app'], args: null },
    });
    assert.equal((await cluster.server.request('GET', '/api/v1/namespaces/team-a/pods/dry')).status, 404);
  });

  test('with the webhook down an annotated pod fails by failurePolicy, an unannotated pod is still created', async () => {
    await cluster.stopWebhook();
    const plain = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'after-stop' },
      spec: { containers: [{ name: 'app', image: 'app:1' }] },
    };
    const annotated = { ...plain, metadata: { name: 'after-stop-annotated', annotations: { [ENABLE]: 'true' } } };
    const refused = await cluster.server.kubectl(['create', '-n', 'team-a', '-f', '-'], {
      input: JSON.stringify(annotated),
    });
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /failed calling webhook "pods\.debug\.dead"/);
    assert.equal(
      (await cluster.server.request('GET', '/api/v1/namespaces/team-a/pods/after-stop-annotated')).status,
      404,
    );
    const created = await cluster.server.kubectl(['create', '-n', 'team-a', '-f', '-'], {
      input: JSON.stringify(plain),
    });
    assert.equal(created.code, 0, created.stderr);
  });
});
