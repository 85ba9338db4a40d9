/**
 * kubeconfig resolution as kubectl does it: --kubeconfig (one file, must exist), else $KUBECONFIG (a list;
 * missing entries are skipped; first file wins for each named cluster/user/context and for current-context),
 * else ~/.kube/config. --context picks the context, -n the namespace, else the context's namespace, else
 * "default". No kubeconfig is an EnvironmentError: never a silent fallback to localhost:8080.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { KubeConfig } from '@kubernetes/client-node';
import { EnvironmentError } from '../../errors.js';

export interface ClusterFlags {
  kubeconfig?: string | undefined;
  context?: string | undefined;
  namespace?: string | undefined;
}

export interface KubeconfigLocation {
  /** $KUBECONFIG as given. */
  kubeconfigEnv: string | undefined;
  homeDir: string | undefined;
}

export interface ResolvedKubeconfig {
  config: KubeConfig;
  files: string[];
  contextName: string;
  namespace: string;
  server: string;
}

/** The kubeconfig files to read, in precedence order. Pure apart from the existence check. */
export function kubeconfigFiles(
  flags: ClusterFlags,
  location: KubeconfigLocation,
  exists: (file: string) => boolean = existsSync,
): string[] {
  if (flags.kubeconfig !== undefined) {
    if (!exists(flags.kubeconfig)) {
      throw new EnvironmentError(`the kubeconfig file ${flags.kubeconfig} given by --kubeconfig does not exist`);
    }
    return [flags.kubeconfig];
  }
  if (location.kubeconfigEnv !== undefined && location.kubeconfigEnv !== '') {
    const listed = location.kubeconfigEnv.split(path.delimiter).filter((file) => file !== '');
    const found = [...new Set(listed)].filter((file) => exists(file));
    if (found.length === 0) {
      throw new EnvironmentError(
        `no kubeconfig: none of the files in KUBECONFIG exists (${listed.join(path.delimiter)}). ` +
          'Point KUBECONFIG or --kubeconfig at the kubeconfig of your cluster',
      );
    }
    return found;
  }
  const home = location.homeDir;
  const fallback = home === undefined ? undefined : path.join(home, '.kube', 'config');
  if (fallback !== undefined && exists(fallback)) return [fallback];
  throw new EnvironmentError(
    `no kubeconfig: ${fallback ?? '~/.kube/config'} does not exist and KUBECONFIG is not set. ` +
      'Point KUBECONFIG or --kubeconfig at the kubeconfig of your cluster (for kind: kind export kubeconfig)',
  );
}

function describeContexts(config: KubeConfig): string {
  const names = config.getContexts().map((context) => context.name);
  return names.length === 0 ? 'it defines no context' : `available contexts: ${names.join(', ')}`;
}

/** Merges the files as kubectl does: the first file that defines a name (or a current context) wins. */
function mergeKubeconfigs(
  Config: typeof KubeConfig,
  files: readonly string[],
): { config: KubeConfig; currentContext: string | undefined } {
  const merged = {
    clusters: new Map<string, KubeConfig['clusters'][number]>(),
    users: new Map<string, KubeConfig['users'][number]>(),
    contexts: new Map<string, KubeConfig['contexts'][number]>(),
  };
  const keepFirst = <T extends { name: string }>(into: Map<string, T>, items: readonly T[]): void => {
    for (const item of items) if (!into.has(item.name)) into.set(item.name, item);
  };
  let currentContext: string | undefined;
  for (const file of files) {
    const single = new Config();
    try {
      single.loadFromFile(file);
    } catch (error) {
      throw new EnvironmentError(`cannot load kubeconfig ${file}: ${(error as Error).message}`, { cause: error });
    }
    keepFirst(merged.clusters, single.getClusters());
    keepFirst(merged.users, single.getUsers());
    keepFirst(merged.contexts, single.getContexts());
    const current = single.getCurrentContext() as string | undefined;
    if (currentContext === undefined && current !== undefined && current !== '') currentContext = current;
  }
  const config = new Config();
  config.loadFromOptions({
    clusters: [...merged.clusters.values()],
    users: [...merged.users.values()],
    contexts: [...merged.contexts.values()],
    currentContext,
  });
  return { config, currentContext };
}

/** Loads and merges the files (lazily loading the Kubernetes client), then selects context and namespace. */
export async function resolveKubeconfig(
  flags: ClusterFlags,
  location: KubeconfigLocation,
): Promise<ResolvedKubeconfig> {
  const files = kubeconfigFiles(flags, location);
  const client = await import('./kube-library.js');
  const { config, currentContext } = mergeKubeconfigs(client.KubeConfig, files);
  const where = files.join(path.delimiter);
  const contextName = flags.context ?? currentContext;
  if (contextName === undefined || contextName === '') {
    throw new EnvironmentError(
      `no current context in kubeconfig ${where}: pass --context NAME or run kubectl config use-context NAME (${describeContexts(config)})`,
    );
  }
  const context = config.getContextObject(contextName);
  if (context === null) {
    throw new EnvironmentError(
      `context "${contextName}" not found in kubeconfig ${where}: ${describeContexts(config)}`,
    );
  }
  config.setCurrentContext(contextName);
  const cluster = config.getCluster(context.cluster);
  if (cluster === null || cluster.server === '') {
    throw new EnvironmentError(
      `context "${contextName}" names cluster "${context.cluster}", which kubeconfig ${where} does not define (or has no server)`,
    );
  }
  const namespace =
    flags.namespace ?? (context.namespace === undefined || context.namespace === '' ? 'default' : context.namespace);
  return { config, files, contextName, namespace, server: cluster.server };
}
