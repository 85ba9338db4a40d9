/**
 * The credentials the cluster would pull an image with, in the kubelet's order: the pod's imagePullSecrets
 * (read only where the user may: a 403 is a fallback, not an error), then the user's docker config
 * (`auths`, `credHelpers`, `credsStore`); anonymous comes last in the resolver.
 */
import { readFile } from 'node:fs/promises';
import { dockerConfigCredentials, pullSecretCredentials, type Credential } from '../../registry/credentials.js';
import type { Pod } from '../../mutation/index.js';
import { objectsAt, stringAt, stringMapAt } from '../../mutation/json.js';
import type { KubeClient } from '../kube/kube-client.js';

export interface PullSecret {
  /** `namespace/name`. */
  source: string;
  dockerconfigjson?: string;
  dockercfg?: string;
}

export interface PodSecrets {
  secrets: PullSecret[];
  /** Secrets the user may not read (403), by name: said in a message when nothing else works. */
  unreadable: string[];
}

function decode(value: string | undefined): string | undefined {
  return value === undefined ? undefined : Buffer.from(value, 'base64').toString('utf8');
}

/** Reads the pod's pull secrets once (shared by all its containers). */
export async function readPullSecrets(client: KubeClient, pod: Pod, signal: AbortSignal): Promise<PodSecrets> {
  const namespace = stringAt(pod.metadata, 'namespace') ?? client.namespace;
  const names = objectsAt(pod.spec, 'imagePullSecrets').flatMap((ref) => stringAt(ref, 'name') ?? []);
  const result: PodSecrets = { secrets: [], unreadable: [] };
  await Promise.all(
    names.map(async (name) => {
      try {
        const secret = await client.getSecret(namespace, name, signal);
        const data = stringMapAt(secret, 'data');
        result.secrets.push({
          source: `pull secret ${namespace}/${name}`,
          dockerconfigjson: decode(data['.dockerconfigjson']),
          dockercfg: decode(data['.dockercfg']),
        });
      } catch (error) {
        const status = (error as { statusCode?: unknown }).statusCode;
        if (status === 403) result.unreadable.push(`${namespace}/${name}`);
        // 404 (the kubelet would not have it either), a timeout or a network error: go on without it.
      }
    }),
  );
  // Keep the pod's order.
  result.secrets.sort(
    (a, b) => names.indexOf(a.source.split('/').pop() ?? '') - names.indexOf(b.source.split('/').pop() ?? ''),
  );
  return result;
}

/** The user's docker config as JSON, or undefined when there is none (or it is not JSON). */
export async function readDockerConfig(path: string | undefined): Promise<unknown> {
  if (path === undefined) return undefined;
  try {
    return JSON.parse(await readFile(path, 'utf8')) as unknown;
  } catch {
    return undefined;
  }
}

/** The candidates for one registry, in order. */
export function credentialsFor(
  registry: string,
  secrets: PodSecrets,
  dockerConfig: unknown,
  dockerConfigPath: string | undefined,
): Credential[] {
  return [
    ...secrets.secrets.flatMap((secret) => pullSecretCredentials(secret, registry, secret.source)),
    ...dockerConfigCredentials(dockerConfig, registry, dockerConfigPath ?? 'docker config'),
  ];
}
