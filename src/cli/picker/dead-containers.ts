/**
 * The picker's rows: containers that are not running (CrashLoopBackOff, Error, OOMKilled, ImagePullBackOff…),
 * init containers included, from pod statuses. Pure.
 */
import type { JsonObject, Pod } from '../../mutation/index.js';
import { numberAt, objectAt, objectsAt, stringAt } from '../../mutation/json.js';
import { isDebugCopy } from '../copy/pod-copy.js';

export interface DeadContainer {
  namespace: string;
  pod: string;
  container: string;
  init: boolean;
  /** Running only in the rows of --pick; Failed: a Job or CronJob with no pod left (its row's pod is TYPE/NAME). */
  state: 'Waiting' | 'Terminated' | 'Running' | 'Failed';
  reason: string;
  restarts: number;
  /** Exit code of the current or, when waiting, the last termination. */
  lastExitCode: number | undefined;
}

/** Waiting reasons of a container on its normal way up: nothing to debug yet. */
const STARTING = new Set(['ContainerCreating', 'PodInitializing']);

function row(pod: Pod, status: JsonObject, init: boolean): DeadContainer | undefined {
  const state = objectAt(status, 'state');
  const waiting = objectAt(state, 'waiting');
  const terminated = objectAt(state, 'terminated');
  const lastTerminated = objectAt(objectAt(status, 'lastState'), 'terminated');
  const base = {
    namespace: stringAt(pod.metadata, 'namespace') ?? '',
    pod: stringAt(pod.metadata, 'name') ?? '',
    container: stringAt(status, 'name') ?? '',
    init,
    restarts: numberAt(status, 'restartCount') ?? 0,
  };
  if (waiting !== undefined) {
    const reason = stringAt(waiting, 'reason') ?? 'Waiting';
    if (STARTING.has(reason)) return undefined;
    return { ...base, state: 'Waiting', reason, lastExitCode: numberAt(lastTerminated, 'exitCode') };
  }
  if (terminated !== undefined) {
    const exitCode = numberAt(terminated, 'exitCode');
    if (exitCode === 0) return undefined;
    return { ...base, state: 'Terminated', reason: stringAt(terminated, 'reason') ?? 'Error', lastExitCode: exitCode };
  }
  return undefined;
}

/** The rows, by namespace and pod name (as kubectl lists them), init containers first within a pod. */
export function deadContainers(pods: readonly Pod[]): DeadContainer[] {
  const rows: DeadContainer[] = [];
  const key = (pod: Pod): string =>
    `${stringAt(pod.metadata, 'namespace') ?? ''}/${stringAt(pod.metadata, 'name') ?? ''}`;
  for (const pod of [...pods].sort((a, b) => key(a).localeCompare(key(b)))) {
    if (isDebugCopy(pod) || stringAt(pod.metadata, 'deletionTimestamp') !== undefined) continue;
    for (const status of objectsAt(pod.status, 'initContainerStatuses')) {
      const found = row(pod, status, true);
      if (found) rows.push(found);
    }
    for (const status of objectsAt(pod.status, 'containerStatuses')) {
      const found = row(pod, status, false);
      if (found) rows.push(found);
    }
  }
  return rows;
}

export const TABLE_HEADER = ['NAMESPACE', 'POD', 'CONTAINER', 'STATE', 'REASON', 'RESTARTS', 'LAST EXIT'];

export function rowCells(row: DeadContainer): string[] {
  return [
    row.namespace,
    row.pod,
    row.init ? `${row.container} (init)` : row.container,
    row.state,
    row.reason,
    String(row.restarts),
    row.lastExitCode === undefined ? '-' : String(row.lastExitCode),
  ];
}

/** Lines of a table with columns padded like kubectl's (3 spaces between columns). */
export function formatTable(header: readonly string[], rows: readonly (readonly string[])[]): string[] {
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((cells) => (cells[column] ?? '').length)),
  );
  const line = (cells: readonly string[]): string =>
    cells
      .map((cell, column) => (column === cells.length - 1 ? cell : cell.padEnd((widths[column] ?? 0) + 3)))
      .join('')
      .trimEnd();
  return [line(header), ...rows.map(line)];
}
