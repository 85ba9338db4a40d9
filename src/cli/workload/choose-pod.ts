/**
 * Which of a workload's pods to debug, chosen as a person would: a pod whose target container is not running
 * (the most restarts, then the most recent failure), else the newest pod; and the one line that says which and
 * why. Pure.
 */
import { DEFAULT_CONTAINER_ANNOTATION, type JsonObject, type Pod } from '../../mutation/index.js';
import { numberAt, objectAt, objectsAt, stringAt, stringMapAt } from '../../mutation/json.js';

export interface PodChoice {
  pod: Pod;
  /** One line: which pod and why ("web-7d9-x2: app is CrashLoopBackOff, 12 restarts, the most of 2 failing pods"). */
  why: string;
}

/** The container debugdead keeps alive when -c is not given: the default-container annotation, else the first. */
export function targetContainerName(pod: Pod, container: string | undefined): string | undefined {
  if (container !== undefined && container !== '*') return container.split(',')[0];
  return (
    stringMapAt(pod.metadata, 'annotations')[DEFAULT_CONTAINER_ANNOTATION] ??
    stringAt(objectsAt(pod.spec, 'containers')[0], 'name')
  );
}

interface Candidate {
  pod: Pod;
  name: string;
  container: string;
  /** The container is not running and did not simply complete. */
  failing: boolean;
  /** What its state says: CrashLoopBackOff, Error, OOMKilled, Pending… */
  state: string;
  restarts: number;
  /** When it last failed (ms), else when the pod was created. */
  lastFailure: number;
  created: number;
}

function time(text: string | undefined): number {
  const ms = text === undefined ? Number.NaN : Date.parse(text);
  return Number.isNaN(ms) ? 0 : ms;
}

function statusOf(pod: Pod, container: string): JsonObject | undefined {
  return [...objectsAt(pod.status, 'initContainerStatuses'), ...objectsAt(pod.status, 'containerStatuses')].find(
    (status) => stringAt(status, 'name') === container,
  );
}

function candidate(pod: Pod, containerFlag: string | undefined): Candidate {
  const name = stringAt(pod.metadata, 'name') ?? '';
  const container = targetContainerName(pod, containerFlag) ?? '';
  const created = time(stringAt(pod.metadata, 'creationTimestamp'));
  const status = statusOf(pod, container);
  const state = objectAt(status, 'state');
  const restarts = numberAt(status, 'restartCount') ?? 0;
  const terminated = objectAt(state, 'terminated');
  const lastTerminated = objectAt(objectAt(status, 'lastState'), 'terminated');
  const failedAt = time(stringAt(terminated, 'finishedAt') ?? stringAt(lastTerminated, 'finishedAt'));
  const base = { pod, name, container, restarts, created, lastFailure: failedAt === 0 ? created : failedAt };
  if (objectAt(state, 'running') !== undefined) return { ...base, failing: false, state: 'Running' };
  if (terminated !== undefined) {
    const completed = numberAt(terminated, 'exitCode') === 0;
    return {
      ...base,
      failing: !completed,
      state: stringAt(terminated, 'reason') ?? (completed ? 'Completed' : 'Error'),
    };
  }
  const waiting = objectAt(state, 'waiting');
  const phase = stringAt(pod.status, 'phase') ?? 'Pending';
  return { ...base, failing: true, state: stringAt(waiting, 'reason') ?? phase };
}

function plural(count: number, word: string): string {
  return `${count} ${word}${count === 1 ? '' : 's'}`;
}

/**
 * The pod to debug among `pods` (the workload's own), or undefined when there is none. Pods being deleted are
 * left out. `containerFlag` is -c as given.
 */
export function choosePod(pods: readonly Pod[], containerFlag: string | undefined): PodChoice | undefined {
  const candidates = pods
    .filter((pod) => stringAt(pod.metadata, 'deletionTimestamp') === undefined)
    .map((pod) => candidate(pod, containerFlag));
  const failing = candidates
    .filter((item) => item.failing)
    .sort(
      (a, b) =>
        b.restarts - a.restarts ||
        b.lastFailure - a.lastFailure ||
        b.created - a.created ||
        a.name.localeCompare(b.name),
    );
  const chosen = failing[0];
  if (chosen !== undefined) {
    const among =
      failing.length === 1
        ? `the only one of ${plural(candidates.length, 'pod')} whose ${chosen.container} is not running`
        : `${failing.slice(1).some((other) => other.restarts === chosen.restarts) ? 'the most restarts, then the most recent,' : 'the most restarts'} of ${failing.length} pods whose ${chosen.container} is not running`;
    return {
      pod: chosen.pod,
      why: `${chosen.name}: ${chosen.container} is ${chosen.state}, ${plural(chosen.restarts, 'restart')}; ${among}`,
    };
  }
  const newest = [...candidates].sort((a, b) => b.created - a.created || a.name.localeCompare(b.name))[0];
  if (newest === undefined) return undefined;
  return {
    pod: newest.pod,
    why: `${newest.name}: the newest of ${plural(candidates.length, 'pod')}, all with ${newest.container} running or completed`,
  };
}
