/**
 * `kubectl debugdead completion bash|zsh` prints a completion script; `__complete WORDS… CURRENT` (hidden, what
 * the scripts and kubectl_complete-debugdead call) prints what the current word completes to. Names come from
 * the cluster the words point at (-n, --context, --kubeconfig); when it cannot be reached, there are none.
 */
import { UsageError } from '../../errors.js';
import type { CliContext } from '../context.js';
import { clusterFlagsOf, complete, formatCompletion, type CompletionSource } from '../completion/complete.js';
import { BASH_SCRIPT, ZSH_SCRIPT } from '../completion/scripts.js';
import { stringAt } from '../../mutation/json.js';
import type { KubeClient } from '../kube/kube-client.js';
import { apiResource } from '../workload/workload-pods.js';

export function runCompletion(args: string[], context: CliContext): Promise<number> {
  const shell = args.filter((arg) => !arg.startsWith('-'));
  if (shell.length !== 1 || (shell[0] !== 'bash' && shell[0] !== 'zsh')) {
    return Promise.reject(
      new UsageError(
        `completion needs the shell: kubectl debugdead completion bash, or kubectl debugdead completion zsh\nSee 'kubectl debugdead completion --help' for usage.`,
      ),
    );
  }
  context.stdout.write(shell[0] === 'bash' ? BASH_SCRIPT : ZSH_SCRIPT);
  return Promise.resolve(0);
}

async function names(list: Promise<{ metadata?: unknown }[]>): Promise<string[]> {
  try {
    return (await list).map((item) => stringAt(item.metadata, 'name') ?? '').filter((name) => name !== '');
  } catch {
    return [];
  }
}

function clusterSource(connect: () => Promise<KubeClient | undefined>): CompletionSource {
  const withClient = async (use: (client: KubeClient) => Promise<string[]>): Promise<string[]> => {
    const client = await connect();
    if (client === undefined) return [];
    try {
      return await use(client);
    } catch {
      return [];
    }
  };
  return {
    namespaces: () => withClient((client) => names(client.listObjects({ resource: 'namespaces' }, undefined))),
    contexts: () => withClient((client) => Promise.resolve(client.kubeConfig.getContexts().map((c) => c.name))),
    pods: () => withClient((client) => names(client.listPods(client.namespace))),
    copies: () => withClient((client) => names(client.listPods(client.namespace, 'debug.dead/copy-of'))),
    workloads: (kind) => withClient((client) => names(client.listObjects(apiResource(kind), client.namespace))),
    containers: (pod) =>
      withClient(async (client) => {
        const found = await client.getPod(client.namespace, pod);
        const spec = found.spec as
          { containers?: { name?: string }[]; initContainers?: { name?: string }[] } | undefined;
        return [...(spec?.containers ?? []), ...(spec?.initContainers ?? [])].map((c) => c.name ?? '').filter(Boolean);
      }),
  };
}

/** `__complete WORDS… CURRENT`: never fails (a completion that errs prints nothing), always exits 0. */
export async function runComplete(args: string[], context: CliContext): Promise<number> {
  const words = args.slice(0, -1);
  const current = args.at(-1) ?? '';
  let client: KubeClient | undefined;
  let connecting: Promise<KubeClient | undefined> | undefined;
  const connect = (): Promise<KubeClient | undefined> => {
    connecting ??= (async () => {
      try {
        const { KubeClient: Client } = await import('../kube/kube-client.js');
        client = await Client.connect(clusterFlagsOf(words), {
          kubeconfigEnv: context.kubeconfigEnv,
          homeDir: context.homeDir,
        });
        return client;
      } catch {
        return undefined;
      }
    })();
    return connecting;
  };
  try {
    context.stdout.write(formatCompletion(await complete(words, current, clusterSource(connect))));
  } finally {
    await client?.close();
  }
  return 0;
}
