/**
 * The in-cluster TLS bootstrap against a fake Kubernetes API at the HTTP boundary: the real
 * @kubernetes/client-node talks through a kubeconfig to a node:http server on 127.0.0.1.
 * Create when missing, keep when present, patch the caBundle, idempotent, renew only its own Secret.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, afterEach, before, beforeEach, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { createKubeBootstrapApi, FIELD_MANAGER } from '../../src/bootstrap/kube-api.js';
import { bootstrapTls, MANAGED_BY_LABEL, MANAGED_BY_VALUE, type BootstrapOptions } from '../../src/tls/bootstrap.js';
import { parseBundle } from '../../src/tls/inspect.js';
import { INSTALL_NAMES, serviceDnsNames } from '../../src/tls/install-names.js';
import { EnvironmentError, KubeApiError } from '../../src/errors.js';
import { generateCertificates, type CertificateSet } from '../../src/tls/certificates.js';
import { FakeKubeApi, TOKEN, type SecretObject, type WebhookConfigurationObject } from './fake-kube-api.js';
import { ROOT } from './render.js';

const run = promisify(execFile);
const DAY = 24 * 60 * 60 * 1000;
const NS = INSTALL_NAMES.namespace;
const SECRET_PATH = `/api/v1/namespaces/${NS}/secrets/${INSTALL_NAMES.secret}`;
const SECRETS_PATH = `/api/v1/namespaces/${NS}/secrets`;
const WEBHOOK_PATH = `/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations/${INSTALL_NAMES.webhookConfiguration}`;
const NAMES = serviceDnsNames(INSTALL_NAMES.service, NS);

const b64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');
const unb64 = (text: string | undefined) => Buffer.from(text ?? '', 'base64').toString('utf8');
const fingerprints = (pem: string) => parseBundle(pem).map((certificate) => certificate.fingerprint256);

function webhookConfiguration(webhooks = ['pods.debug.dead']): WebhookConfigurationObject {
  return {
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind: 'MutatingWebhookConfiguration',
    metadata: { name: INSTALL_NAMES.webhookConfiguration, resourceVersion: '1' },
    webhooks: webhooks.map((name) => ({
      name,
      clientConfig: { service: { name: INSTALL_NAMES.service, namespace: NS, path: '/mutate', port: 443 } },
    })),
  };
}

function secretObject(
  set: CertificateSet,
  labels: Record<string, string> = {},
  keys: readonly ('ca.crt' | 'tls.crt' | 'tls.key')[] = ['ca.crt', 'tls.crt', 'tls.key'],
): SecretObject {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: INSTALL_NAMES.secret, namespace: NS, resourceVersion: '7', labels },
    type: 'kubernetes.io/tls',
    data: Object.fromEntries(keys.map((key) => [key, b64(set[key])])),
  };
}

function options(now = new Date()): BootstrapOptions {
  return {
    namespace: NS,
    secretName: INSTALL_NAMES.secret,
    serviceName: INSTALL_NAMES.service,
    webhookConfigurationName: INSTALL_NAMES.webhookConfiguration,
    clusterDomain: 'cluster.local',
    validityDays: 365,
    caValidityDays: 3650,
    renewBeforeDays: 30,
    now,
  };
}

describe('the TLS bootstrap against a fake API server', () => {
  let fake: FakeKubeApi;
  let dir: string;
  let kubeconfig: string;
  const everyRequest: { method: string; path: string }[] = [];

  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'debugdead-bootstrap-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });
  beforeEach(async () => {
    fake = new FakeKubeApi();
    await fake.start();
    kubeconfig = await fake.writeKubeconfig(dir);
    fake.webhookConfigurations.set(INSTALL_NAMES.webhookConfiguration, webhookConfiguration());
  });
  afterEach(async () => {
    everyRequest.push(...fake.requests.map(({ method, path: requestPath }) => ({ method, path: requestPath })));
    await fake.stop();
  });

  const bootstrap = async (now?: Date) =>
    bootstrapTls(await createKubeBootstrapApi({ kubeconfigPath: kubeconfig }), options(now));
  const storedSecret = () => fake.secrets.get(`${NS}/${INSTALL_NAMES.secret}`);
  const caBundles = () =>
    (fake.webhookConfigurations.get(INSTALL_NAMES.webhookConfiguration)?.webhooks ?? []).map((webhook) =>
      unb64(webhook.clientConfig.caBundle),
    );

  it('creates the Secret when it is missing and patches the caBundle to trust it', async () => {
    const result = await bootstrap();
    assert.equal(result.secret, 'created');
    assert.deepEqual(result.patchedWebhooks, ['pods.debug.dead']);
    assert.deepEqual(
      fake.requests.map((request) => `${request.method} ${request.path}`),
      [`GET ${WEBHOOK_PATH}`, `GET ${SECRET_PATH}`, `POST ${SECRETS_PATH}`, `PATCH ${WEBHOOK_PATH}`],
    );
    for (const request of fake.requests) assert.equal(request.authorization, `Bearer ${TOKEN}`);
    for (const request of fake.writes()) assert.equal(request.query.get('fieldManager'), FIELD_MANAGER);

    const secret = storedSecret();
    assert.ok(secret?.data);
    assert.equal(secret.type, 'kubernetes.io/tls');
    assert.equal(secret.metadata.labels?.[MANAGED_BY_LABEL], MANAGED_BY_VALUE);
    assert.deepEqual(Object.keys(secret.data).sort(), ['ca.crt', 'tls.crt', 'tls.key'], 'the CA key is not stored');
    const ca = new X509Certificate(unb64(secret.data['ca.crt']));
    const serving = new X509Certificate(unb64(secret.data['tls.crt']));
    assert.ok(serving.checkIssued(ca) && serving.verify(ca.publicKey));
    assert.equal(serving.subjectAltName, NAMES.map((name) => `DNS:${name}`).join(', '));
    assert.ok(Math.abs(new Date(serving.validTo).getTime() - Date.now() - 365 * DAY) < DAY);

    const patch = fake.requests.find((request) => request.method === 'PATCH');
    assert.equal(patch?.contentType, 'application/json-patch+json');
    assert.deepEqual(patch.body, [
      { op: 'test', path: '/webhooks/0/name', value: 'pods.debug.dead' },
      { op: 'add', path: '/webhooks/0/clientConfig/caBundle', value: secret.data['ca.crt'] },
    ]);
    assert.deepEqual(caBundles(), [unb64(secret.data['ca.crt'])]);
  });

  it('is idempotent: a second run reads, keeps and writes nothing', async () => {
    await bootstrap();
    const secretBefore = structuredClone(storedSecret());
    const configurationBefore = structuredClone(fake.webhookConfigurations.get(INSTALL_NAMES.webhookConfiguration));
    fake.requests.length = 0;
    const again = await bootstrap();
    assert.equal(again.secret, 'kept');
    assert.deepEqual(again.patchedWebhooks, []);
    assert.deepEqual(again.warnings, []);
    assert.deepEqual(fake.writes(), []);
    assert.deepEqual(storedSecret(), secretBefore);
    assert.deepEqual(fake.webhookConfigurations.get(INSTALL_NAMES.webhookConfiguration), configurationBefore);
  });

  it('keeps a Secret it did not create (certs, cert-manager) and points the caBundle at its CA', async () => {
    const mine = generateCertificates({ dnsNames: NAMES, now: new Date() });
    fake.secrets.set(`${NS}/${INSTALL_NAMES.secret}`, secretObject(mine));
    const result = await bootstrap();
    assert.equal(result.secret, 'kept');
    assert.deepEqual(result.warnings, []);
    assert.deepEqual(
      fake.writes().map((request) => `${request.method} ${request.path}`),
      [`PATCH ${WEBHOOK_PATH}`],
      'the Secret is not written',
    );
    assert.deepEqual(storedSecret(), secretObject(mine));
    assert.deepEqual(caBundles(), [mine['ca.crt']]);
  });

  it('patches only the webhooks that do not trust the CA yet, each guarded by a test of its name', async () => {
    const mine = generateCertificates({ dnsNames: NAMES, now: new Date() });
    fake.secrets.set(`${NS}/${INSTALL_NAMES.secret}`, secretObject(mine));
    const configuration = webhookConfiguration(['a.debug.dead', 'b.debug.dead']);
    const first = configuration.webhooks[0];
    assert.ok(first);
    first.clientConfig.caBundle = b64(mine['ca.crt']);
    fake.webhookConfigurations.set(INSTALL_NAMES.webhookConfiguration, configuration);
    const result = await bootstrap();
    assert.deepEqual(result.patchedWebhooks, ['b.debug.dead']);
    const patch = fake.requests.find((request) => request.method === 'PATCH');
    assert.deepEqual(patch?.body, [
      { op: 'test', path: '/webhooks/1/name', value: 'b.debug.dead' },
      { op: 'add', path: '/webhooks/1/clientConfig/caBundle', value: b64(mine['ca.crt']) },
    ]);
    assert.deepEqual(caBundles(), [mine['ca.crt'], mine['ca.crt']]);
  });

  it('uses the Secret of a concurrent run that created it first (409)', async () => {
    const winner = generateCertificates({ dnsNames: NAMES, now: new Date() });
    fake.beforeCreate = () => {
      fake.secrets.set(`${NS}/${INSTALL_NAMES.secret}`, secretObject(winner, { [MANAGED_BY_LABEL]: MANAGED_BY_VALUE }));
    };
    const result = await bootstrap();
    assert.equal(result.secret, 'kept-concurrent');
    assert.deepEqual(storedSecret(), secretObject(winner, { [MANAGED_BY_LABEL]: MANAGED_BY_VALUE }));
    assert.deepEqual(caBundles(), [winner['ca.crt']]);
  });

  it('renews its own Secret before it expires, trusting the old and the new CA first', async () => {
    const old = generateCertificates({ dnsNames: NAMES, now: new Date(Date.now() - 350 * DAY), validityDays: 365 });
    fake.secrets.set(`${NS}/${INSTALL_NAMES.secret}`, secretObject(old, { [MANAGED_BY_LABEL]: MANAGED_BY_VALUE }));
    const result = await bootstrap();
    assert.equal(result.secret, 'renewed');
    assert.match(result.warnings.join(), /expires on/);
    const writes = fake.writes().map((request) => `${request.method} ${request.path}`);
    assert.deepEqual(
      writes,
      [`PATCH ${WEBHOOK_PATH}`, `PUT ${SECRET_PATH}`],
      'the caBundle trusts the new CA before the Secret changes',
    );
    const put = fake.requests.find((request) => request.method === 'PUT');
    assert.equal((put?.body as SecretObject).metadata.resourceVersion, '7', 'guarded by resourceVersion');
    const secret = storedSecret();
    assert.ok(secret?.data);
    const newCa = unb64(secret.data['ca.crt']);
    assert.notDeepEqual(fingerprints(newCa), fingerprints(old['ca.crt']));
    const [bundle] = caBundles();
    assert.deepEqual(fingerprints(bundle ?? ''), [...fingerprints(newCa), ...fingerprints(old['ca.crt'])]);
    const serving = new X509Certificate(unb64(secret.data['tls.crt']));
    assert.ok(new Date(serving.validTo).getTime() > Date.now() + 300 * DAY);

    fake.requests.length = 0;
    const next = await bootstrap();
    assert.equal(next.secret, 'kept');
    assert.deepEqual(fake.writes(), [], 'a bundle that already trusts the CA is left alone');
  });

  it('never replaces a Secret it did not create, even an expiring one: it warns', async () => {
    const old = generateCertificates({ dnsNames: NAMES, now: new Date(Date.now() - 350 * DAY), validityDays: 365 });
    fake.secrets.set(`${NS}/${INSTALL_NAMES.secret}`, secretObject(old));
    const result = await bootstrap();
    assert.equal(result.secret, 'kept');
    assert.deepEqual(result.warnings, []);
    assert.deepEqual(storedSecret(), secretObject(old));
    const foreign = generateCertificates({ dnsNames: ['other.example'], now: new Date() });
    fake.secrets.set(`${NS}/${INSTALL_NAMES.secret}`, secretObject(foreign));
    const warned = await bootstrap();
    assert.match(warned.warnings.join(), /does not cover debugdead-webhook/);
  });

  it('fails clearly: no webhook configuration, a Secret without ca.crt, forbidden', async () => {
    fake.webhookConfigurations.clear();
    await assert.rejects(bootstrap(), (error: unknown) => {
      assert.ok(error instanceof KubeApiError);
      assert.match(error.message, /not found: apply the manifests first \(kubectl apply -k manifests\/\)/);
      return true;
    });
    assert.deepEqual(fake.writes(), []);

    fake.webhookConfigurations.set(INSTALL_NAMES.webhookConfiguration, webhookConfiguration());
    const mine = generateCertificates({ dnsNames: NAMES, now: new Date() });
    fake.secrets.set(`${NS}/${INSTALL_NAMES.secret}`, secretObject(mine, {}, ['tls.crt', 'tls.key']));
    await assert.rejects(bootstrap(), (error: unknown) => {
      assert.ok(error instanceof EnvironmentError);
      assert.match(error.message, /without ca\.crt/);
      return true;
    });
    assert.deepEqual(fake.writes(), []);

    fake.forbidden.add(`GET ${SECRET_PATH}`);
    await assert.rejects(bootstrap(), (error: unknown) => {
      assert.ok(error instanceof KubeApiError);
      assert.equal(error.statusCode, 403);
      assert.match(error.message, /forbidden: check the RBAC/);
      return true;
    });
  });

  it('names every object it reads or writes, so RBAC resourceNames can limit it (except create)', () => {
    assert.ok(everyRequest.length > 20);
    for (const request of everyRequest)
      if (request.method === 'POST') assert.equal(request.path, SECRETS_PATH);
      else
        assert.ok(request.path === SECRET_PATH || request.path === WEBHOOK_PATH, `${request.method} ${request.path}`);
  });

  it('runs as the Job does: exit 0 and a summary, idempotent, 1 on failure, 2 on a usage error', async () => {
    const main = path.join(ROOT, 'src', 'bootstrap', 'main.ts');
    const node = path.join(ROOT, 'node_modules', '.bin', 'node');
    const env: NodeJS.ProcessEnv = { ...process.env, KUBECONFIG: kubeconfig, POD_NAMESPACE: NS };
    delete env.KUBERNETES_SERVICE_HOST;
    const exec = (args: string[], environment = env) =>
      run(node, ['--import', 'tsx', main, ...args], { env: environment, timeout: 60_000 });
    const first = await exec([]);
    assert.match(
      first.stdout,
      new RegExp(`created Secret ${NS}/${INSTALL_NAMES.secret}; patched the caBundle of pods.debug.dead`),
    );
    const second = await exec([]);
    assert.match(second.stdout, /kept the existing Secret .*already trusts it/);
    await assert.rejects(exec(['--webhook-configuration', 'missing']), (error: { code?: number; stderr?: string }) => {
      assert.equal(error.code, 1);
      assert.match(error.stderr ?? '', /MutatingWebhookConfiguration missing not found/);
      return true;
    });
    await assert.rejects(exec(['--bogus']), (error: { code?: number }) => error.code === 2);
    await assert.rejects(exec(['--renew-before-days', '400']), (error: { code?: number }) => error.code === 2);
    const nowhere = { ...env };
    delete nowhere.KUBECONFIG;
    await assert.rejects(exec([], nowhere), (error: { code?: number; stderr?: string }) => {
      assert.equal(error.code, 1);
      assert.match(error.stderr ?? '', /no cluster to talk to/);
      return true;
    });
  });
});
