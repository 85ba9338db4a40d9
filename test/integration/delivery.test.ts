/**
 * The shipped install under a real kube-apiserver: `kubectl apply` of everything manifests/ renders is
 * accepted, and the TLS bootstrap, run with the bootstrap ServiceAccount's own token, can do exactly its
 * job with the shipped RBAC and admission policies: create the Secret, patch the caBundle, again without
 * writes, and nothing else: no other Secret, and no change to the MutatingWebhookConfiguration but its
 * caBundle (each refused change is valid, as the admin's dry run shows; the policy compares every field
 * the API server's schema has).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { dump } from 'js-yaml';
import { generateCertificates } from '../../src/tls/certificates.js';
import { find, findKubectl, kustomize, MANIFESTS } from '../delivery/render.js';
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
interface OpenApiSchemas {
  components: { schemas: Record<string, { properties?: Record<string, unknown> }> };
}
interface JsonPatchOperation {
  op: 'add' | 'remove' | 'replace' | 'test';
  path: string;
  value?: unknown;
}

const CA_BUNDLE_POLICY = 'debugdead-tls-bootstrap-ca-bundle';
const ANOTHER_CA = Buffer.from(
  generateCertificates({ dnsNames: ['another.example'], now: new Date(), keyBits: 1024 })['ca.crt'],
).toString('base64');

/** Changes the bootstrap ServiceAccount must not make to the MutatingWebhookConfiguration (JSON patches). */
const FORBIDDEN_CHANGES: readonly { what: string; patch: JsonPatchOperation[] }[] = [
  {
    what: 'point the webhook at another Service',
    patch: [{ op: 'replace', path: '/webhooks/0/clientConfig/service/name', value: 'evil' }],
  },
  {
    what: 'point the webhook at a URL',
    patch: [
      { op: 'remove', path: '/webhooks/0/clientConfig/service' },
      { op: 'add', path: '/webhooks/0/clientConfig/url', value: 'https://evil.example/mutate' },
    ],
  },
  {
    what: 'a new caBundle together with a URL',
    patch: [
      { op: 'add', path: '/webhooks/0/clientConfig/caBundle', value: ANOTHER_CA },
      { op: 'remove', path: '/webhooks/0/clientConfig/service' },
      { op: 'add', path: '/webhooks/0/clientConfig/url', value: 'https://evil.example/mutate' },
    ],
  },
  { what: 'widen the rules', patch: [{ op: 'replace', path: '/webhooks/0/rules/0/resources', value: ['*'] }] },
  {
    what: 'add UPDATE to the operations',
    patch: [{ op: 'add', path: '/webhooks/0/rules/0/operations/-', value: 'UPDATE' }],
  },
  { what: 'drop the namespaceSelector', patch: [{ op: 'replace', path: '/webhooks/0/namespaceSelector', value: {} }] },
  {
    what: 'let it mutate kube-system',
    patch: [{ op: 'remove', path: '/webhooks/0/namespaceSelector/matchExpressions' }],
  },
  {
    what: 'add an objectSelector',
    patch: [{ op: 'replace', path: '/webhooks/0/objectSelector', value: { matchLabels: { a: 'b' } } }],
  },
  { what: 'drop the matchConditions', patch: [{ op: 'remove', path: '/webhooks/0/matchConditions' }] },
  { what: 'fail open', patch: [{ op: 'replace', path: '/webhooks/0/failurePolicy', value: 'Ignore' }] },
  { what: 'change the matchPolicy', patch: [{ op: 'replace', path: '/webhooks/0/matchPolicy', value: 'Exact' }] },
  { what: 'change the timeout', patch: [{ op: 'replace', path: '/webhooks/0/timeoutSeconds', value: 30 }] },
  {
    what: 'change the reinvocationPolicy',
    patch: [{ op: 'replace', path: '/webhooks/0/reinvocationPolicy', value: 'Never' }],
  },
  {
    what: 'change the sideEffects',
    patch: [{ op: 'replace', path: '/webhooks/0/sideEffects', value: 'NoneOnDryRun' }],
  },
  {
    what: 'change the admissionReviewVersions',
    patch: [{ op: 'replace', path: '/webhooks/0/admissionReviewVersions', value: ['v1', 'v1beta1'] }],
  },
  {
    what: 'add a webhook',
    patch: [
      {
        op: 'add',
        path: '/webhooks/-',
        value: {
          name: 'evil.debug.dead',
          clientConfig: { url: 'https://evil.example/mutate' },
          rules: [{ operations: ['CREATE'], apiGroups: ['*'], apiVersions: ['*'], resources: ['*'], scope: '*' }],
          sideEffects: 'None',
          admissionReviewVersions: ['v1'],
          failurePolicy: 'Ignore',
        },
      },
    ],
  },
  { what: 'remove the webhook', patch: [{ op: 'remove', path: '/webhooks/0' }] },
  { what: 'add a label', patch: [{ op: 'add', path: '/metadata/labels/evil', value: 'true' }] },
  {
    what: 'add an annotation (cert-manager injects a caBundle from one)',
    patch: [
      { op: 'add', path: '/metadata/annotations', value: { 'cert-manager.io/inject-ca-from': 'evil/certificate' } },
    ],
  },
  { what: 'add a finalizer', patch: [{ op: 'add', path: '/metadata/finalizers', value: ['evil.example/hold'] }] },
];

const unavailable = apiServerUnavailableReason() ?? (findKubectl() === undefined ? 'no kubectl on PATH' : undefined);

describe('the shipped install under a real kube-apiserver', { skip: unavailable }, () => {
  let server: ApiServer;
  let dir: string;
  let kubeconfig: string;
  let token: string;
  let objects: Awaited<ReturnType<typeof kustomize>>;

  before(
    async () => {
      server = await startApiServer();
      dir = await mkdtemp(path.join(tmpdir(), 'debugdead-install-'));
      objects = await kustomize(findKubectl() ?? 'kubectl', MANIFESTS);
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

  function patchWebhookConfiguration(operations: JsonPatchOperation[], options: { token?: string; dryRun: boolean }) {
    return server.request<{ message?: string }>('PATCH', `${WEBHOOK_PATH}${options.dryRun ? '?dryRun=All' : ''}`, {
      body: operations,
      contentType: 'application/json-patch+json',
      ...(options.token === undefined ? {} : { token: options.token }),
    });
  }

  test('the bootstrap ServiceAccount may change the caBundle of the webhook configuration and nothing else', async () => {
    const before = await server.request<WebhookConfiguration>('GET', WEBHOOK_PATH);
    assert.equal(before.status, 200);
    // Policies take effect once the API server has loaded them: wait until the first forbidden change is refused.
    const [first] = FORBIDDEN_CHANGES;
    assert.ok(first !== undefined);
    await waitFor(
      `the ValidatingAdmissionPolicy ${CA_BUNDLE_POLICY} to refuse "${first.what}"`,
      async () =>
        (await patchWebhookConfiguration(first.patch, { token, dryRun: true })).status === 403 ? true : undefined,
      { timeoutMs: 20_000 },
    );
    for (const { what, patch } of FORBIDDEN_CHANGES) {
      const asAdmin = await patchWebhookConfiguration(patch, { dryRun: true });
      assert.equal(asAdmin.status, 200, `${what}: the change itself is valid (as the admin): ${asAdmin.text}`);
      const asBootstrap = await patchWebhookConfiguration(patch, { token, dryRun: true });
      assert.equal(asBootstrap.status, 403, `${what}: refused for the bootstrap ServiceAccount: ${asBootstrap.text}`);
      assert.match(
        asBootstrap.body.message ?? '',
        new RegExp(
          `ValidatingAdmissionPolicy '${CA_BUNDLE_POLICY}'.*denied request: the debugdead TLS bootstrap may change only clientConfig\\.caBundle`,
        ),
        what,
      );
    }
    const unchanged = await server.request<WebhookConfiguration>('GET', WEBHOOK_PATH);
    assert.equal(unchanged.body.metadata.resourceVersion, before.body.metadata.resourceVersion, 'nothing was written');

    // What the bootstrap does: a caBundle patch, guarded by a test of the webhook's name.
    const allowed = await patchWebhookConfiguration(
      [
        { op: 'test', path: '/webhooks/0/name', value: 'pods.debug.dead' },
        { op: 'add', path: '/webhooks/0/clientConfig/caBundle', value: ANOTHER_CA },
      ],
      { token, dryRun: false },
    );
    assert.equal(allowed.status, 200, allowed.text);
    const after = await server.request<WebhookConfiguration & { webhooks: Record<string, unknown>[] }>(
      'GET',
      WEBHOOK_PATH,
    );
    assert.equal(after.body.webhooks[0]?.clientConfig.caBundle, ANOTHER_CA);
    const withoutCaBundle = (configuration: { webhooks: { clientConfig: { caBundle?: string } }[] }): unknown =>
      configuration.webhooks.map((webhook) => ({
        ...webhook,
        clientConfig: { ...webhook.clientConfig, caBundle: undefined },
      }));
    assert.deepEqual(withoutCaBundle(after.body), withoutCaBundle(before.body), 'only the caBundle changed');

    // Put the bootstrap's caBundle back, as the bootstrap itself.
    const restore = runBootstrap();
    assert.equal(restore.code, 0, restore.stderr + restore.stdout);
  });

  test('the caBundle policy compares every field of a webhook the API server knows, but the caBundle', async () => {
    const openapi = await server.request<OpenApiSchemas>('GET', '/openapi/v3/apis/admissionregistration.k8s.io/v1');
    assert.equal(openapi.status, 200);
    const schemas = openapi.body.components.schemas;
    const fields = (name: string): string[] =>
      Object.keys(schemas[`io.k8s.api.admissionregistration.v1.${name}`]?.properties ?? {}).sort();
    const webhookFields = fields('MutatingWebhook');
    const clientConfigFields = fields('WebhookClientConfig');
    assert.ok(webhookFields.includes('rules') && clientConfigFields.includes('caBundle'), 'the schema was found');

    const policy = find(objects, 'ValidatingAdmissionPolicy', CA_BUNDLE_POLICY) as unknown as {
      spec: { validations: { expression: string }[] };
    };
    const expressions = policy.spec.validations.map((validation) => validation.expression).join('\n');
    const compared = new Set([...expressions.matchAll(/\bo\.\??(\w+) == w\.\??\1\b/g)].map((match) => match[1]));
    const comparedClientConfig = new Set(
      [...expressions.matchAll(/\bo\.clientConfig\.\??(\w+) == w\.clientConfig\.\??\1\b/g)].map((match) => match[1]),
    );
    assert.deepEqual(
      webhookFields.filter((field) => field !== 'clientConfig' && !compared.has(field)),
      [],
      'webhook fields the policy does not compare',
    );
    assert.deepEqual(
      clientConfigFields.filter((field) => field !== 'caBundle' && !comparedClientConfig.has(field)),
      [],
      'clientConfig fields the policy does not compare',
    );
    assert.ok(!comparedClientConfig.has('caBundle'));
  });
});
