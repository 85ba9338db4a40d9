/**
 * The shipped install under a real kube-apiserver: `kubectl apply` of everything manifests/ renders is
 * accepted, and the TLS bootstrap, run with the bootstrap ServiceAccount's own token, can do exactly its
 * job with the shipped RBAC and admission policy: create the Secret, patch the caBundle, again without
 * writes, and nothing else.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { dump } from 'js-yaml';
import { findKubectl, kustomize, MANIFESTS } from '../delivery/render.js';
import {
  apiServerUnavailableReason,
  START_TIMEOUT_MS,
  startApiServer,
  waitFor,
  type ApiServer,
} from '../helpers/apiserver.js';
import { REPO_ROOT } from '../helpers/webhook-process.js';

const BOOTSTRAP = path.join(REPO_ROOT, 'dist', 'bootstrap', 'main.js');
const NAMESPACE = 'debugdead-system';
const SECRET_PATH = `/api/v1/namespaces/${NAMESPACE}/secrets/debugdead-webhook-tls`;
const WEBHOOK_PATH = '/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations/debugdead';

interface Secret {
  metadata: { resourceVersion: string };
  data: Record<string, string>;
}
interface WebhookConfiguration {
  metadata: { resourceVersion: string };
  webhooks: { clientConfig: { caBundle?: string } }[];
}

const unavailable = apiServerUnavailableReason() ?? (findKubectl() === undefined ? 'no kubectl on PATH' : undefined);

describe('the shipped install under a real kube-apiserver', { skip: unavailable }, () => {
  let server: ApiServer;
  let dir: string;
  let kubeconfig: string;
  let token: string;

  before(
    async () => {
      server = await startApiServer();
      dir = await mkdtemp(path.join(tmpdir(), 'debugdead-install-'));
      const objects = await kustomize(findKubectl() ?? 'kubectl', MANIFESTS);
      const applied = await server.kubectl(['apply', '-f', '-'], {
        input: objects.map((object) => dump(object)).join('---\n'),
      });
      assert.equal(applied.code, 0, applied.stderr);
      await waitFor('the bootstrap ServiceAccount', async () => {
        const created = await server.kubectl([
          'create',
          'token',
          'debugdead-tls-bootstrap',
          '-n',
          NAMESPACE,
          '--duration=1h',
        ]);
        return created.code === 0 ? created.stdout.trim() : undefined;
      }).then((value) => (token = value));
      kubeconfig = path.join(dir, 'bootstrap.kubeconfig');
      await writeFile(
        kubeconfig,
        dump({
          apiVersion: 'v1',
          kind: 'Config',
          clusters: [
            {
              name: 'test',
              cluster: {
                server: server.url,
                'certificate-authority-data': Buffer.from(server.caPem).toString('base64'),
              },
            },
          ],
          users: [{ name: 'bootstrap', user: { token } }],
          contexts: [{ name: 'bootstrap', context: { cluster: 'test', user: 'bootstrap', namespace: NAMESPACE } }],
          'current-context': 'bootstrap',
        }),
      );
    },
    { timeout: START_TIMEOUT_MS + 60_000 },
  );
  after(async () => {
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- unset when `before` failed
    await server?.stop();
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- unset when `before` failed
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });

  function runBootstrap(): { code: number | null; stderr: string; stdout: string } {
    const result = spawnSync(process.execPath, [BOOTSTRAP, '--kubeconfig', kubeconfig], {
      encoding: 'utf8',
      env: { PATH: process.env.PATH ?? '', POD_NAMESPACE: NAMESPACE },
      timeout: 60_000,
    });
    return { code: result.status, stderr: result.stderr, stdout: result.stdout };
  }

  test('the bootstrap, as its ServiceAccount, creates the Secret and makes the caBundle trust it', async () => {
    const first = runBootstrap();
    assert.equal(first.code, 0, first.stderr + first.stdout);
    const secret = await server.request<Secret>('GET', SECRET_PATH);
    assert.equal(secret.status, 200);
    const ca = new X509Certificate(Buffer.from(secret.body.data['ca.crt'] ?? '', 'base64'));
    const serving = new X509Certificate(Buffer.from(secret.body.data['tls.crt'] ?? '', 'base64'));
    assert.ok(serving.verify(ca.publicKey), 'the serving certificate is signed by the CA');
    assert.ok(serving.checkHost('debugdead-webhook.debugdead-system.svc') !== undefined, serving.subjectAltName);
    const configuration = await server.request<WebhookConfiguration>('GET', WEBHOOK_PATH);
    for (const webhook of configuration.body.webhooks) {
      const bundle = Buffer.from(webhook.clientConfig.caBundle ?? '', 'base64').toString('utf8');
      const trusted = (bundle.match(/-----BEGIN CERTIFICATE-----[^-]+-----END CERTIFICATE-----/g) ?? []).map(
        (pem) => new X509Certificate(pem).fingerprint256,
      );
      assert.ok(trusted.includes(ca.fingerprint256), 'the caBundle holds the CA');
    }

    const second = runBootstrap();
    assert.equal(second.code, 0, second.stderr + second.stdout);
    assert.equal(
      (await server.request<Secret>('GET', SECRET_PATH)).body.metadata.resourceVersion,
      secret.body.metadata.resourceVersion,
      'the Secret is kept',
    );
    assert.equal(
      (await server.request<WebhookConfiguration>('GET', WEBHOOK_PATH)).body.metadata.resourceVersion,
      configuration.body.metadata.resourceVersion,
      'no second patch',
    );
  });

  test('the bootstrap ServiceAccount can do nothing beyond that', async () => {
    const other = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'stolen' }, stringData: { a: 'b' } };
    const create = await server.request<{ message: string }>('POST', `/api/v1/namespaces/${NAMESPACE}/secrets`, {
      body: other,
      token,
    });
    assert.equal(create.status, 403);
    assert.match(create.body.message, /may only create the Secret debugdead-webhook-tls/);
    const readOther = await server.request(
      'GET',
      `/api/v1/namespaces/${NAMESPACE}/secrets/debugdead-webhook-tls-other`,
      { token },
    );
    assert.equal(readOther.status, 403);
    const elsewhere = await server.request('POST', '/api/v1/namespaces/default/secrets', { body: other, token });
    assert.equal(elsewhere.status, 403);
    const otherConfiguration = await server.request(
      'PATCH',
      '/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations/someone-else',
      {
        body: { metadata: { labels: { x: 'y' } } },
        contentType: 'application/merge-patch+json',
        token,
      },
    );
    assert.equal(otherConfiguration.status, 403);
  });
});
