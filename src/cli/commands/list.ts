/** `kubectl debugdead list [-n NS | -A]`: the debug copies, with source, kept-alive container, age, expiry, phase. */
import { UsageError } from '../../errors.js';
import { LABELS, formatDuration, type Pod } from '../../mutation/index.js';
import { booleanFlag, clusterFlags, parseFlags } from './args.js';
import { LIST_FLAGS } from './flags.js';
import type { CliContext } from '../context.js';
import { copyState, expiry, isMutated, targetContainers } from '../copy/copy-state.js';
import { formatTable } from '../picker/dead-containers.js';
import { EXIT_OK } from '../exit-code.js';
import { stringAt, stringMapAt } from '../../mutation/json.js';
import { KubeClient } from '../kube/kube-client.js';
import { targetsRunning } from '../kube/wait.js';

/** kubectl-style age: the two most significant units ("5m", "3h12m", "2d4h"). */
export function shortDuration(seconds: number): string {
  return (formatDuration(seconds).match(/\d+[dhms]/g) ?? ['0s']).slice(0, 2).join('');
}

function phase(pod: Pod): string {
  if (stringAt(pod.metadata, 'deletionTimestamp') !== undefined) return 'Terminating';
  const state = copyState(pod);
  const value = stringAt(pod.status, 'phase') ?? 'Pending';
  if (!isMutated(pod)) return `${value} (not rewritten)`;
  if (value === 'Pending' && state.summary !== undefined && state.summary.initContainers.length > 0) {
    const running = targetsRunning(pod, { ...state.summary, toolsContainer: '', toolsImage: '' });
    return running ? 'Running (init)' : value;
  }
  return value;
}

/** The rows of `list`, given the time. Pure. */
export function listRows(pods: readonly Pod[], now: Date, withNamespace: boolean): string[] {
  const nowMs = now.getTime();
  const rows = [...pods]
    .sort(
      (a, b) =>
        (stringAt(a.metadata, 'namespace') ?? '').localeCompare(stringAt(b.metadata, 'namespace') ?? '') ||
        (stringAt(a.metadata, 'name') ?? '').localeCompare(stringAt(b.metadata, 'name') ?? ''),
    )
    .map((pod) => {
      const annotations = stringMapAt(pod.metadata, 'annotations');
      const labels = stringMapAt(pod.metadata, 'labels');
      const created = Date.parse(stringAt(pod.metadata, 'creationTimestamp') ?? '');
      const until = expiry(pod);
      const targets = targetContainers(copyState(pod));
      const cells = [
        stringAt(pod.metadata, 'name') ?? '',
        annotations['debug.dead/source'] ?? labels[LABELS.copyOf] ?? '-',
        targets.length === 0 ? '-' : targets.join(','),
        phase(pod),
        Number.isNaN(created) ? '-' : shortDuration(Math.max(0, (nowMs - created) / 1000)),
        until === undefined
          ? '-'
          : until.getTime() <= nowMs
            ? 'expired'
            : `in ${shortDuration((until.getTime() - nowMs) / 1000)}`,
      ];
      return withNamespace ? [stringAt(pod.metadata, 'namespace') ?? '', ...cells] : cells;
    });
  const header = ['NAME', 'SOURCE', 'CONTAINER', 'PHASE', 'AGE', 'EXPIRES'];
  return formatTable(withNamespace ? ['NAMESPACE', ...header] : header, rows);
}

export async function runList(args: string[], context: CliContext): Promise<number> {
  const { values, positionals } = parseFlags('list', args, LIST_FLAGS);
  if (positionals.length > 0) {
    throw new UsageError(
      `unexpected argument "${positionals[0] ?? ''}": list takes no arguments (use -n NAMESPACE or -A)`,
    );
  }
  const allNamespaces = booleanFlag(values, 'all-namespaces') === true;
  const client = await KubeClient.connect(clusterFlags(values), {
    kubeconfigEnv: context.kubeconfigEnv,
    homeDir: context.homeDir,
  });
  try {
    const namespace = allNamespaces ? undefined : client.namespace;
    const pods = await client.listPods(namespace, LABELS.copyOf);
    if (pods.length === 0) {
      context.stderr.write(
        `No debug copies found ${namespace === undefined ? 'in any namespace' : `in namespace "${namespace}"`}.\n`,
      );
      return EXIT_OK;
    }
    context.stdout.write(`${listRows(pods, context.now(), allNamespaces).join('\n')}\n`);
    return EXIT_OK;
  } finally {
    await client.close();
  }
}
