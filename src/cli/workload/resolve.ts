/**
 * `kubectl debugdead TYPE/NAME`: which pod of the workload to copy (chosen as a person would, or by the user
 * with --pick), or, when it has none, its pod template. Says which and why in one line on stderr.
 */
import type { JsonObject, Pod } from '../../mutation/index.js';
import type { CliContext } from '../context.js';
import type { KubeClient } from '../kube/kube-client.js';
import { deadContainers, type DeadContainer } from '../picker/dead-containers.js';
import { chooseRow } from '../picker/picker.js';
import { stringAt } from '../../mutation/json.js';
import { choosePod, targetContainerName } from './choose-pod.js';
import { WORKLOAD_KINDS, targetText, type WorkloadKind } from './target.js';
import { workloadPods } from './workload-pods.js';

export type ResolvedWorkload =
  | { kind: 'pod'; name: string; container: string | undefined; workload: JsonObject }
  | { kind: 'template'; workload: JsonObject };

export interface ResolveOptions {
  /** -c as given. */
  container: string | undefined;
  /** --pick: let the user choose among the workload's pods. */
  pick: boolean;
}

/** Rows of --pick: the workload's containers that are not running, then the target container of every other pod. */
function pickRows(pods: readonly Pod[], container: string | undefined): DeadContainer[] {
  const dead = deadContainers(pods).filter((row) => container === undefined || row.container === container);
  const listed = new Set(dead.map((row) => row.pod));
  const others = pods
    .filter((pod) => !listed.has(stringAt(pod.metadata, 'name') ?? ''))
    .map((pod): DeadContainer => ({
      namespace: stringAt(pod.metadata, 'namespace') ?? '',
      pod: stringAt(pod.metadata, 'name') ?? '',
      container: targetContainerName(pod, container) ?? '',
      init: false,
      state: 'Running',
      reason: stringAt(pod.status, 'phase') ?? 'Pending',
      restarts: 0,
      lastExitCode: undefined,
    }));
  return [...dead, ...others];
}

export async function resolveWorkload(
  client: KubeClient,
  context: CliContext,
  namespace: string,
  kind: WorkloadKind,
  name: string,
  options: ResolveOptions,
): Promise<ResolvedWorkload> {
  const text = targetText(kind, name);
  const { workload, pods } = await workloadPods(client, kind, namespace, name);
  if (pods.length === 0) {
    const field = kind.kind === WORKLOAD_KINDS.cronjob.kind ? 'spec.jobTemplate.spec.template' : 'spec.template';
    context.stderr.write(`${text} has no pod left: copying its pod template (${field})\n`);
    return { kind: 'template', workload };
  }
  if (options.pick) {
    const row = await chooseRow(pickRows(pods, options.container), context);
    return { kind: 'pod', name: row.pod, container: row.container, workload };
  }
  const choice = choosePod(pods, options.container);
  if (choice === undefined) return { kind: 'template', workload };
  context.stderr.write(`${text}: debugging pod ${choice.why}\n`);
  return {
    kind: 'pod',
    name: stringAt(choice.pod.metadata, 'name') ?? '',
    container: options.container,
    workload,
  };
}
