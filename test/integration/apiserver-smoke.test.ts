/**
 * Smoke test of the real control plane the integration tests run against (test/helpers/apiserver.ts):
 * etcd + kube-apiserver + kube-controller-manager built from the Kubernetes Go modules.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';

import {
  START_TIMEOUT_MS,
  apiServerUnavailableReason,
  createNamespace,
  startApiServer,
  waitFor,
  waitForServiceAccount,
  type ApiServer,
} from '../helpers/apiserver.js';

interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
}
interface KubeObject {
  metadata: { name: string; namespace?: string; uid: string; ownerReferences?: OwnerReference[] };
}
interface Pod extends KubeObject {
  spec: { nodeName?: string; serviceAccountName?: string; volumes?: { name: string; projected?: unknown }[] };
  status?: { phase?: string };
}
interface List<T> {
  items: T[];
}
interface Status {
  kind: string;
  reason?: string;
  message?: string;
}

const reason = apiServerUnavailableReason();

function controllerOf(obj: KubeObject): OwnerReference | undefined {
  return obj.metadata.ownerReferences?.find((ref) => ref.controller === true);
}

function pod(name: string): Record<string, unknown> {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name },
    spec: { containers: [{ name: 'app', image: 'registry.invalid/app:1' }] },
  };
}

void describe('real kube-apiserver harness', { skip: reason }, () => {
  let server: ApiServer | undefined;
  const api = (): ApiServer => {
    assert.ok(server, 'the API server did not start');
    return server;
  };

  before(
    async () => {
      server = await startApiServer();
    },
    { timeout: START_TIMEOUT_MS + 10_000 },
  );

  after(async () => {
    await server?.stop();
  });

  void it('serves /readyz and /version of the pinned Kubernetes release', { timeout: 30_000 }, async () => {
    const readyz = await api().request('GET', '/readyz');
    assert.equal(readyz.status, 200, readyz.text);
    const version = await api().request<{ gitVersion: string }>('GET', '/version');
    assert.equal(version.status, 200, version.text);
    assert.match(version.body.gitVersion, /^v1\.\d+\.\d+/);
    assert.equal(version.body.gitVersion, api().kubernetesVersion);
  });

  void it('rejects requests without a valid token', { timeout: 30_000 }, async () => {
    const res = await api().request('GET', '/api/v1/namespaces', { token: 'not-a-token' });
    assert.equal(res.status, 401, res.text);
  });

  void it('gives a new namespace its default ServiceAccount', { timeout: 90_000 }, async () => {
    const res = await api().request('POST', '/api/v1/namespaces', {
      body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'smoke-sa' } },
    });
    assert.equal(res.status, 201, res.text);
    const sa = await waitForServiceAccount(api(), 'smoke-sa');
    assert.deepEqual((sa as unknown as KubeObject).metadata.namespace, 'smoke-sa');
  });

  void it(
    'runs a Deployment to a ReplicaSet and a Pending pod that the ReplicaSet controls',
    { timeout: 120_000 },
    async () => {
      const ns = 'smoke-apps';
      await createNamespace(api(), ns);
      const created = await api().request<KubeObject>('POST', `/apis/apps/v1/namespaces/${ns}/deployments`, {
        body: {
          apiVersion: 'apps/v1',
          kind: 'Deployment',
          metadata: { name: 'web' },
          spec: {
            replicas: 1,
            selector: { matchLabels: { app: 'web' } },
            template: {
              metadata: { labels: { app: 'web' } },
              spec: { containers: [{ name: 'web', image: 'registry.invalid/web:1' }] },
            },
          },
        },
      });
      assert.equal(created.status, 201, created.text);
      const deployment = created.body;

      const rs = await waitFor(
        'the ReplicaSet of deployment web',
        async () => {
          const list = await api().request<List<KubeObject>>('GET', `/apis/apps/v1/namespaces/${ns}/replicasets`);
          return list.body.items.find((r) => controllerOf(r)?.uid === deployment.metadata.uid);
        },
        { timeoutMs: 60_000 },
      );
      assert.deepEqual(
        { kind: controllerOf(rs)?.kind, name: controllerOf(rs)?.name },
        { kind: 'Deployment', name: 'web' },
      );

      const p = await waitFor(
        'the pod of ReplicaSet ' + rs.metadata.name,
        async () => {
          const list = await api().request<List<Pod>>('GET', `/api/v1/namespaces/${ns}/pods?labelSelector=app%3Dweb`);
          return list.body.items.find((item) => controllerOf(item)?.uid === rs.metadata.uid);
        },
        { timeoutMs: 60_000 },
      );
      assert.deepEqual(controllerOf(p), {
        apiVersion: 'apps/v1',
        kind: 'ReplicaSet',
        name: rs.metadata.name,
        uid: rs.metadata.uid,
        controller: true,
        blockOwnerDeletion: true,
      });
      assert.equal(p.status?.phase, 'Pending');
      assert.equal(p.spec.nodeName, undefined, 'nothing schedules pods here');
      // The ServiceAccount admission plugin ran: it set the account and injected the token volume.
      assert.equal(p.spec.serviceAccountName, 'default');
      assert.ok(
        p.spec.volumes?.some((v) => v.name.startsWith('kube-api-access-') && v.projected !== undefined),
        JSON.stringify(p.spec.volumes),
      );

      const kubectl = await api().kubectl(['get', 'pods', '-A', '-o', 'json']);
      assert.equal(kubectl.code, 0, kubectl.stderr);
      const all = JSON.parse(kubectl.stdout) as List<Pod>;
      assert.ok(
        all.items.some((item) => item.metadata.namespace === ns && item.metadata.name === p.metadata.name),
        `kubectl get pods -A lists ${ns}/${p.metadata.name}`,
      );
      const table = await api().kubectl(['get', 'pods', '-A']);
      assert.equal(table.code, 0, table.stderr);
      assert.match(table.stdout, new RegExp(`^${ns}\\s+${p.metadata.name}\\s+0/1\\s+Pending`, 'm'));
    },
  );

  void it(
    'forbids a user to create pods until a Role allows it, and only that user',
    { timeout: 120_000 },
    async () => {
      const ns = 'smoke-rbac';
      await createNamespace(api(), ns);
      const alice = api().userTokens.alice;
      const bob = api().userTokens.bob;
      assert.ok(alice !== undefined && bob !== undefined, 'the harness minted tokens for alice and bob');

      const denied = await api().request<Status>('POST', `/api/v1/namespaces/${ns}/pods`, {
        token: alice,
        body: pod('by-alice'),
      });
      assert.equal(denied.status, 403, denied.text);
      assert.equal(denied.body.reason, 'Forbidden');
      assert.match(denied.body.message ?? '', /User "alice" cannot create resource "pods"/);

      const role = await api().request('POST', `/apis/rbac.authorization.k8s.io/v1/namespaces/${ns}/roles`, {
        body: {
          apiVersion: 'rbac.authorization.k8s.io/v1',
          kind: 'Role',
          metadata: { name: 'pod-creator' },
          rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['create', 'get', 'list'] }],
        },
      });
      assert.equal(role.status, 201, role.text);
      const binding = await api().request('POST', `/apis/rbac.authorization.k8s.io/v1/namespaces/${ns}/rolebindings`, {
        body: {
          apiVersion: 'rbac.authorization.k8s.io/v1',
          kind: 'RoleBinding',
          metadata: { name: 'alice-creates-pods' },
          roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'pod-creator' },
          subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: 'alice' }],
        },
      });
      assert.equal(binding.status, 201, binding.text);

      // The RBAC authorizer reads bindings through an informer: allow it a moment to see the new one.
      const allowed = await waitFor(
        'alice to be allowed to create a pod',
        async () => {
          const res = await api().request<Pod>('POST', `/api/v1/namespaces/${ns}/pods`, {
            token: alice,
            body: pod('by-alice'),
          });
          if (res.status === 403) return undefined;
          return res;
        },
        { timeoutMs: 30_000 },
      );
      assert.equal(allowed.status, 201, allowed.text);
      assert.equal(allowed.body.metadata.name, 'by-alice');

      const stillDenied = await api().request('POST', `/api/v1/namespaces/${ns}/pods`, {
        token: bob,
        body: pod('by-bob'),
      });
      assert.equal(stillDenied.status, 403, stillDenied.text);

      const canAlice = await api().kubectl(['auth', 'can-i', 'create', 'pods', '-n', ns], { user: 'alice' });
      assert.deepEqual({ code: canAlice.code, out: canAlice.stdout.trim() }, { code: 0, out: 'yes' });
      const canBob = await api().kubectl(['auth', 'can-i', 'create', 'pods', '-n', ns], { user: 'bob' });
      assert.deepEqual({ code: canBob.code, out: canBob.stdout.trim() }, { code: 1, out: 'no' });
    },
  );

  void it('stops cleanly: exit code 0, process gone, temporary directory removed', { timeout: 60_000 }, async () => {
    const s = api();
    assert.ok(existsSync(s.dir), `${s.dir} exists while running`);
    const code = await s.stop();
    assert.equal(code, 0, s.stderr());
    assert.equal(existsSync(s.dir), false, `${s.dir} is removed`);
    assert.throws(() => process.kill(s.pid, 0), { code: 'ESRCH' });
    assert.equal(await s.stop(), 0, 'stop() is idempotent');
  });
});
