/** What a created copy says about itself: the webhook's debug.dead/mutated and debug.dead/original annotations. */
import {
  ANNOTATIONS,
  DEFAULT_MOUNT_PATH,
  type MutationSummary,
  type OriginalCommands,
  type Pod,
} from '../../mutation/index.js';
import { isObject, numberAt, stringAt, stringMapAt } from '../../mutation/json.js';

export interface CopyState {
  summary: MutationSummary | undefined;
  original: OriginalCommands;
}

function parse(text: string | undefined): unknown {
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function stringList(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : [];
}

/** True when the webhook (or --local) rewrote the pod. */
export function isMutated(pod: Pod): boolean {
  return ANNOTATIONS.mutated in stringMapAt(pod.metadata, 'annotations');
}

export function copyState(pod: Pod): CopyState {
  const annotations = stringMapAt(pod.metadata, 'annotations');
  const raw = parse(annotations[ANNOTATIONS.mutated]);
  let summary: MutationSummary | undefined;
  if (isObject(raw)) {
    summary = {
      containers: stringList(raw.containers),
      initContainers: stringList(raw.initContainers),
      probesRemoved: isObject(raw.probesRemoved)
        ? Object.fromEntries(Object.entries(raw.probesRemoved).map(([key, value]) => [key, stringList(value)]))
        : {},
      lifecycleRemoved: stringList(raw.lifecycleRemoved),
      hostPortsCleared: stringList(raw.hostPortsCleared),
      volumesReplaced: stringList(raw.volumesReplaced),
      volumesReadOnly: stringList(raw.volumesReadOnly),
      labelsRemoved: stringList(raw.labelsRemoved),
      ttlSeconds: numberAt(raw, 'ttlSeconds') ?? 0,
      activeDeadlineSeconds: numberAt(raw, 'activeDeadlineSeconds') ?? 0,
      toolsImage: stringAt(raw, 'toolsImage') ?? '',
      mountPath: stringAt(raw, 'mountPath') ?? DEFAULT_MOUNT_PATH,
      toolsContainer: stringAt(raw, 'toolsContainer') ?? '',
      toolsVolume: stringAt(raw, 'toolsVolume') ?? '',
    };
  }
  const original: OriginalCommands = {};
  const rawOriginal = parse(annotations[ANNOTATIONS.original]);
  if (isObject(rawOriginal)) {
    for (const [container, entry] of Object.entries(rawOriginal)) {
      const command = isObject(entry) && Array.isArray(entry.command) ? stringList(entry.command) : null;
      const args = isObject(entry) && Array.isArray(entry.args) ? stringList(entry.args) : null;
      original[container] = { command, args };
    }
  }
  return { summary, original };
}

/** The kept-alive containers, regular first, then init containers. */
export function targetContainers(state: CopyState): string[] {
  return state.summary === undefined ? [] : [...state.summary.containers, ...state.summary.initContainers];
}

/** When the copy stops: its start (or creation) plus spec.activeDeadlineSeconds. */
export function expiry(pod: Pod): Date | undefined {
  const deadline = numberAt(pod.spec, 'activeDeadlineSeconds');
  const start = stringAt(pod.status, 'startTime') ?? stringAt(pod.metadata, 'creationTimestamp');
  if (deadline === undefined || start === undefined) return undefined;
  const startMs = Date.parse(start);
  return Number.isNaN(startMs) ? undefined : new Date(startMs + deadline * 1000);
}
