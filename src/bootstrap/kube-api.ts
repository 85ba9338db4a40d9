/**
 * BootstrapApi over @kubernetes/client-node (imported lazily: only the bootstrap Job pays for it).
 * Every call names its object, so the RBAC of manifests/bootstrap can be limited by resourceNames
 * (except create, which RBAC cannot limit by name: see the ValidatingAdmissionPolicy there).
 */
import { Buffer } from 'node:buffer';
import { KubeApiError } from '../errors.js';
import type { BootstrapApi, StoredSecret, TlsSecretData, WebhookEntry } from '../tls/bootstrap-api.js';

export const FIELD_MANAGER = 'debugdead-tls-bootstrap';

/** Where the client finds the cluster: a kubeconfig file, or the pod's service account. */
export type KubeSource = { kubeconfigPath: string } | { inCluster: true };

function statusOf(error: unknown): number | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'number' ? code : undefined;
}

function apiMessage(error: unknown): string {
  const body = (error as { body?: unknown } | null)?.body;
  if (typeof body === 'string') {
    try {
      const parsed = JSON.parse(body) as { message?: unknown };
      if (typeof parsed.message === 'string') return parsed.message;
    } catch {
      return body.slice(0, 300);
    }
  }
  if (body !== null && typeof body === 'object' && typeof (body as { message?: unknown }).message === 'string')
    return (body as { message: string }).message;
  return error instanceof Error ? error.message : String(error);
}

function translate(error: unknown, action: string): KubeApiError {
  const status = statusOf(error);
  const hint =
    status === 403
      ? ' (forbidden: check the RBAC of the debugdead-tls-bootstrap ServiceAccount in manifests/bootstrap)'
      : status === undefined
        ? ' (is the API server reachable?)'
        : '';
  return new KubeApiError(`cannot ${action}: ${apiMessage(error)}${hint}`, {
    cause: error,
    ...(status === undefined ? {} : { statusCode: status }),
  });
}

const decode = (value: string | undefined): string | undefined =>
  value === undefined ? undefined : Buffer.from(value, 'base64').toString('utf8');
const encode = (value: string): string => Buffer.from(value, 'utf8').toString('base64');

function encodeData(data: Required<TlsSecretData>): Record<string, string> {
  return { 'ca.crt': encode(data['ca.crt']), 'tls.crt': encode(data['tls.crt']), 'tls.key': encode(data['tls.key']) };
}

export async function createKubeBootstrapApi(source: KubeSource): Promise<BootstrapApi> {
  const k8s = await import('@kubernetes/client-node');
  const config = new k8s.KubeConfig();
  if ('kubeconfigPath' in source) config.loadFromFile(source.kubeconfigPath);
  else config.loadFromCluster();
  const core = config.makeApiClient(k8s.CoreV1Api);
  const admission = config.makeApiClient(k8s.AdmissionregistrationV1Api);
  const tlsSecret = (
    name: string,
    namespace: string,
    resourceVersion: string | undefined,
    labels: Record<string, string>,
    data: Required<TlsSecretData>,
  ): InstanceType<typeof k8s.V1Secret> => {
    const metadata = Object.assign(new k8s.V1ObjectMeta(), { name, namespace, labels });
    if (resourceVersion !== undefined) metadata.resourceVersion = resourceVersion;
    return Object.assign(new k8s.V1Secret(), {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata,
      type: 'kubernetes.io/tls',
      data: encodeData(data),
    });
  };

  return {
    async readSecret(namespace, name): Promise<StoredSecret | undefined> {
      try {
        const secret = await core.readNamespacedSecret({ name, namespace });
        const data = secret.data ?? {};
        const decoded: TlsSecretData = {};
        for (const key of ['ca.crt', 'tls.crt', 'tls.key'] as const) {
          const value = decode(data[key]);
          if (value !== undefined) decoded[key] = value;
        }
        return {
          resourceVersion: secret.metadata?.resourceVersion,
          labels: secret.metadata?.labels ?? {},
          data: decoded,
        };
      } catch (error) {
        if (statusOf(error) === 404) return undefined;
        throw translate(error, `get Secret ${namespace}/${name}`);
      }
    },

    async createSecret(namespace, name, labels, data) {
      try {
        await core.createNamespacedSecret({
          namespace,
          fieldManager: FIELD_MANAGER,
          body: tlsSecret(name, namespace, undefined, labels, data),
        });
        return 'created';
      } catch (error) {
        if (statusOf(error) === 409) return 'exists';
        throw translate(error, `create Secret ${namespace}/${name}`);
      }
    },

    async replaceSecret(namespace, name, resourceVersion, labels, data) {
      try {
        await core.replaceNamespacedSecret({
          name,
          namespace,
          fieldManager: FIELD_MANAGER,
          body: tlsSecret(name, namespace, resourceVersion, labels, data),
        });
      } catch (error) {
        throw translate(error, `update Secret ${namespace}/${name}`);
      }
    },

    async readWebhookConfiguration(name): Promise<WebhookEntry[] | undefined> {
      try {
        const configuration = await admission.readMutatingWebhookConfiguration({ name });
        return (configuration.webhooks ?? []).map((webhook) => ({
          name: webhook.name,
          caBundle: decode(webhook.clientConfig.caBundle),
        }));
      } catch (error) {
        if (statusOf(error) === 404) return undefined;
        throw translate(error, `get MutatingWebhookConfiguration ${name}`);
      }
    },

    async patchWebhookConfiguration(name, operations) {
      try {
        await admission.patchMutatingWebhookConfiguration(
          { name, body: operations, fieldManager: FIELD_MANAGER },
          k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.JsonPatch),
        );
      } catch (error) {
        throw translate(error, `patch the caBundle of MutatingWebhookConfiguration ${name}`);
      }
    },
  };
}
