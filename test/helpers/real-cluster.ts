/**
 * A real control plane with the real webhook registered exactly as shipped: the harness's kube-apiserver
 * (test/helpers/apiserver.ts), the built webhook process (test/helpers/webhook-process.ts) on 127.0.0.1
 * with a CA of its own, and the MutatingWebhookConfiguration rendered from manifests/ by kubectl's
 * kustomize with only its clientConfig switched to `url: https://127.0.0.1:PORT/mutate` and that CA.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { generateCertificates, writeCertificates } from '../../src/tls/certificates.js';
import { find, findKubectl, kustomize, MANIFESTS } from '../delivery/render.js';
import { createNamespace, startApiServer, waitFor, type ApiServer, type StartApiServerOptions } from './apiserver.js';
import { startWebhookProcess, type WebhookProcess } from './webhook-process.js';

export const WEBHOOK_CONFIGURATION = 'debugdead';
export const ENABLE = 'debug.dead/enable';

export interface RealCluster {
  readonly server: ApiServer;
  /** The running webhook; undefined after stopWebhook(). */
  webhook: WebhookProcess | undefined;
  /** The CA that signed the webhook's serving certificate. */
  readonly webhookCaPem: string;
  /** The MutatingWebhookConfiguration as registered. */
  readonly configuration: Record<string, unknown>;
  /** Creates a namespace labelled debug.dead/enable=true (plus `labels`) and waits for its default ServiceAccount. */
  optIn(namespace: string, labels?: Record<string, string>): Promise<void>;
  /** Sum of debugdead_admission_reviews_total over all outcomes: how many reviews the webhook has answered. */
  reviewCount(): Promise<number>;
  stopWebhook(): Promise<void>;
  stop(): Promise<void>;
}

/** The webhook configuration of manifests/, with clientConfig pointing at `url` trusted through `caPem`. */
export async function renderedWebhookConfiguration(url: string, caPem: string): Promise<Record<string, unknown>> {
  const kubectl = findKubectl();
  if (kubectl === undefined) throw new Error('kubectl is needed to render manifests/');
  const configuration = structuredClone(
    find(await kustomize(kubectl, MANIFESTS), 'MutatingWebhookConfiguration', WEBHOOK_CONFIGURATION),
  ) as unknown as {
    webhooks: { clientConfig: unknown }[];
  };
  for (const webhook of configuration.webhooks)
    webhook.clientConfig = { url, caBundle: Buffer.from(caPem).toString('base64') };
  return configuration;
}

/** `serverOptions` go to startApiServer (test/node/cluster.sh passes its own harness as the binary). */
export async function startRealCluster(serverOptions: StartApiServerOptions = {}): Promise<RealCluster> {
  const certsDir = await mkdtemp(path.join(tmpdir(), 'debugdead-webhook-certs-'));
  const certificates = generateCertificates({ dnsNames: ['localhost'], ipAddresses: ['127.0.0.1'], now: new Date() });
  await writeCertificates(certsDir, certificates);
  const server = await startApiServer(serverOptions);
  let webhook: WebhookProcess | undefined;
  try {
    webhook = await startWebhookProcess([
      '--tls-cert',
      path.join(certsDir, 'tls.crt'),
      '--tls-key',
      path.join(certsDir, 'tls.key'),
    ]);
    const configuration = await renderedWebhookConfiguration(
      `https://127.0.0.1:${webhook.port}/mutate`,
      certificates['ca.crt'],
    );
    const registered = await server.request(
      'POST',
      '/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations',
      { body: configuration },
    );
    if (registered.status !== 201)
      throw new Error(`registering the webhook: HTTP ${registered.status} ${registered.text}`);

    const cluster: RealCluster = {
      server,
      webhook,
      webhookCaPem: certificates['ca.crt'],
      configuration,
      optIn: (namespace, labels = {}) => createNamespace(server, namespace, { [ENABLE]: 'true', ...labels }),
      reviewCount: async () => {
        if (cluster.webhook === undefined) throw new Error('the webhook is stopped');
        const { body } = await cluster.webhook.get('/metrics', certificates['ca.crt']);
        return [...body.matchAll(/^debugdead_admission_reviews_total\{[^}]*\} (\d+)$/gm)].reduce(
          (sum, match) => sum + Number(match[1]),
          0,
        );
      },
      stopWebhook: async () => {
        await cluster.webhook?.stop();
        cluster.webhook = undefined;
      },
      stop: async () => {
        await cluster.stopWebhook();
        await server.stop();
        await rm(certsDir, { recursive: true, force: true });
      },
    };
    // The API server loads webhook configurations asynchronously: wait until a dry-run create is mutated.
    await cluster.optIn('debugdead-probe');
    await waitFor(
      'the webhook to be called by the API server',
      async () => {
        const probe = {
          apiVersion: 'v1',
          kind: 'Pod',
          metadata: { name: 'probe', annotations: { [ENABLE]: 'true' } },
          spec: { containers: [{ name: 'app', image: 'app:1' }] },
        };
        const response = await server.request<{ metadata?: { annotations?: Record<string, string> } }>(
          'POST',
          '/api/v1/namespaces/debugdead-probe/pods?dryRun=All',
          { body: probe },
        );
        return response.status === 201 && response.body.metadata?.annotations?.['debug.dead/mutated'] !== undefined
          ? true
          : undefined;
      },
      { timeoutMs: 60_000 },
    );
    return cluster;
  } catch (error) {
    await webhook?.stop();
    await server.stop();
    await rm(certsDir, { recursive: true, force: true });
    throw error;
  }
}
