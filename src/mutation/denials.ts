/**
 * The denial rules (SPEC §3.5), in the order they are judged: the first that objects denies the pod with
 * its message, which names the field and the fix. A new rule is one entry in DENIAL_RULES.
 */
import { keepAliveBytes } from './keep-alive.js';
import { isStringArray, objectArray, objectOrUndefined, text } from './json.js';
import { ANNOTATIONS } from './names.js';
import { MAX_ORIGINAL_ANNOTATION } from './plan.js';
import { nameOf, type Subject } from './subject.js';

export interface DenialRule {
  /** What the rule is about, for tests and readers. */
  name: string;
  /** The denial message, or undefined when the rule has no objection. */
  deny: (subject: Subject) => string | undefined;
}

/**
 * At most this many target containers per pod. Real pods have a handful of containers; the largest seen in
 * practice (service meshes, log shippers, operators with many sidecars) stay within a few dozen, and a person
 * debugs one or two at a time. Each target costs about 3.5 KiB of keep-alive in the patch, so 100 targets stay
 * near 350 KiB, while a 10,000-container pod with "*" (legal: Kubernetes sets no limit) would otherwise make a
 * 30 MiB patch and hold the webhook's memory for a second. Checked before any of that work is done.
 */
export const MAX_TARGETS = 100;

/**
 * At most this many bytes added to the pod by the mutation (estimated from the keep-alive commands and the
 * recorded original commands, before any of it is built). etcd stores objects of at most 1.5 MiB by default
 * (--max-request-bytes), so a pod that grows by more than 1 MiB would most likely not be stored anyway; no pod
 * with fewer than MAX_TARGETS targets of ordinary command lines comes near it.
 */
export const MAX_ADDED_BYTES = 1024 * 1024;

function targetCount(subject: Subject): number {
  return (subject.selection?.containers.length ?? 0) + (subject.selection?.initContainers.length ?? 0);
}

function argvBytes(values: unknown): number {
  return isStringArray(values) ? values.reduce((sum, value) => sum + value.length + 3, 0) : 0;
}

/**
 * Bytes the mutation adds to the pod, estimated before any of it is built: per target the keep-alive command
 * (its script, as JSON) and the original argv it passes on; once, debug.dead/original (the argv again, JSON in
 * JSON, at most 64 KiB: larger is replaced by a note), the tools container, volume, gate and marker.
 */
export function estimatedAddedBytes(subject: Subject): number {
  const targets = new Set([...(subject.selection?.containers ?? []), ...(subject.selection?.initContainers ?? [])]);
  let commands = 0;
  let argvTotal = 0;
  for (const container of [...subject.initContainers, ...subject.containers]) {
    const name = nameOf(container);
    if (!targets.has(name)) continue;
    const image = subject.options?.imageCommands[name];
    const argv =
      argvBytes(container.command) + argvBytes(container.args) + argvBytes(image?.entrypoint) + argvBytes(image?.cmd);
    commands += keepAliveBytes() + name.length + argv;
    argvTotal += argv;
  }
  return 4096 + commands + Math.min(2 * argvTotal, MAX_ORIGINAL_ANNOTATION);
}

function controllerOwner(subject: Subject) {
  return (objectArray(subject.metadata.ownerReferences) ?? []).find((owner) => owner.controller === true);
}

function isWindows(subject: Subject): boolean {
  const os = objectOrUndefined(subject.spec.os);
  const selector = objectOrUndefined(subject.spec.nodeSelector);
  return os?.name === 'windows' || selector?.['kubernetes.io/os'] === 'windows';
}

export const DENIAL_RULES: readonly DenialRule[] = [
  {
    name: 'a valid pod',
    deny: ({ specProblem }) => (specProblem === undefined ? undefined : `${specProblem}: this is not a valid pod`),
  },
  {
    name: 'not a Windows pod',
    deny: (subject) =>
      isWindows(subject)
        ? 'this is a Windows pod: debugdead injects a Linux busybox and cannot debug it; ' +
          'use kubectl debug with a Windows image instead'
        : undefined,
  },
  { name: 'valid debug.dead/* annotations', deny: ({ optionsProblem }) => optionsProblem },
  {
    name: 'no controller owner unless allowed',
    deny: (subject) => {
      const owner = controllerOwner(subject);
      if (owner === undefined || subject.options?.allowOwned === true) return undefined;
      return (
        `this pod is controlled by ${text(owner.kind)}/${text(owner.name)}: mutating it would put every replica to sleep. ` +
        `Copy one pod with "kubectl debugdead POD", or set the annotation ${ANNOTATIONS.allowOwned}: "true" to mutate it anyway`
      );
    },
  },
  {
    name: 'target containers exist',
    deny: ({ selection, containers, initContainers }) => {
      if (selection === undefined || selection.unknown.length === 0) return undefined;
      const init = initContainers.map(nameOf);
      const initList = init.length > 0 ? `; init containers: ${init.join(', ')}` : '';
      return (
        `annotation ${ANNOTATIONS.container}: no container named ${selection.unknown.map((name) => JSON.stringify(name)).join(', ')} ` +
        `in this pod; containers: ${containers.map(nameOf).join(', ')}${initList} (or "*" for all containers)`
      );
    },
  },
  {
    name: `at most ${MAX_TARGETS} target containers`,
    deny: (subject) => {
      const count = targetCount(subject);
      if (count <= MAX_TARGETS) return undefined;
      return (
        `annotation ${ANNOTATIONS.container}: selects ${count} containers, above debugdead's limit of ${MAX_TARGETS} ` +
        'target containers per pod; name the few containers to debug (a comma list) instead of "*"'
      );
    },
  },
  {
    name: `the mutation adds at most ${MAX_ADDED_BYTES / 1024} KiB`,
    deny: (subject) => {
      const bytes = estimatedAddedBytes(subject);
      if (bytes <= MAX_ADDED_BYTES) return undefined;
      return (
        `the debug copy of this pod would grow by about ${Math.ceil(bytes / 1024)} KiB, above debugdead's limit of ` +
        `${MAX_ADDED_BYTES / 1024} KiB (etcd stores objects up to 1.5 MiB): ` +
        `name fewer containers in ${ANNOTATIONS.container}, or ones with shorter command lines`
      );
    },
  },
];

/** The first objection of the rules, or undefined when the pod may be mutated. */
export function firstDenial(subject: Subject, rules: readonly DenialRule[] = DENIAL_RULES): string | undefined {
  for (const rule of rules) {
    const message = rule.deny(subject);
    if (message !== undefined) return message;
  }
  return undefined;
}
