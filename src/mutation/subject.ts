/**
 * The subject of the denial rules and of the plan: what the mutation needs to know about an admitted pod,
 * derived once and without judging (never throws, also on a malformed pod). The rules (denials.ts) judge it.
 */
import type { MutationConfig } from './config.js';
import { isObject, isStringArray, objectArray, objectOrUndefined } from './json.js';
import { DEFAULT_CONTAINER_ANNOTATION } from './names.js';
import { resolveOptions, type MutationOptions } from './options.js';
import type { JsonObject, Pod } from './types.js';

/** The target containers chosen by debug.dead/container (or the default), and the names it got wrong. */
export interface Selection {
  /** Target regular containers, in pod order. */
  containers: string[];
  /** Target init containers, in pod order. */
  initContainers: string[];
  /** Names debug.dead/container gives that the pod does not have. */
  unknown: string[];
  warnings: string[];
}

export interface Subject {
  pod: Pod;
  metadata: JsonObject;
  annotations: JsonObject;
  /** The spec; `{}` when it is not an object (then specProblem says so). */
  spec: JsonObject;
  /** What makes the pod unusable for the mutation ("spec.containers must not be empty"), if anything. */
  specProblem: string | undefined;
  containers: JsonObject[];
  initContainers: JsonObject[];
  /** The options, or the annotation denial that keeps them from being known. */
  options: MutationOptions | undefined;
  optionsProblem: string | undefined;
  /** Known when the options are. */
  selection: Selection | undefined;
}

export function nameOf(container: JsonObject): string {
  return typeof container.name === 'string' ? container.name : '';
}

function listProblem(spec: JsonObject): string | undefined {
  for (const field of ['containers', 'initContainers', 'ephemeralContainers', 'volumes'] as const) {
    const value = spec[field];
    if (value === undefined && field !== 'containers') continue;
    if (!Array.isArray(value) || !value.every((item) => isObject(item) && typeof item.name === 'string')) {
      return `spec.${field} must be a list of objects with a name`;
    }
  }
  if (!Array.isArray(spec.containers) || spec.containers.length === 0) return 'spec.containers must not be empty';
  return undefined;
}

function containerProblem(container: JsonObject, where: string): string | undefined {
  for (const key of ['command', 'args'] as const) {
    if (container[key] !== undefined && !isStringArray(container[key]))
      return `${where}.${key} must be a list of strings`;
  }
  for (const key of ['volumeMounts', 'volumeDevices', 'ports'] as const) {
    const value = container[key];
    if (value !== undefined && !(Array.isArray(value) && value.every(isObject))) {
      return `${where}.${key} must be a list of objects`;
    }
  }
  return undefined;
}

/** Checks the parts of the pod the mutation relies on; returns a message naming the field, or undefined. */
function shapeProblem(spec: JsonObject): string | undefined {
  const lists = listProblem(spec);
  if (lists !== undefined) return lists;
  for (const field of ['containers', 'initContainers'] as const) {
    for (const [index, container] of (objectArray(spec[field]) ?? []).entries()) {
      const problem = containerProblem(container, `spec.${field}[${index}]`);
      if (problem !== undefined) return problem;
    }
  }
  if (spec.readinessGates !== undefined && !Array.isArray(spec.readinessGates))
    return 'spec.readinessGates must be a list';
  for (const field of ['securityContext', 'nodeSelector', 'os'] as const) {
    if (spec[field] !== undefined && !isObject(spec[field])) return `spec.${field} must be an object`;
  }
  return undefined;
}

function defaultTarget(annotations: JsonObject, regular: readonly string[], init: ReadonlySet<string>): Selection {
  const fallback = annotations[DEFAULT_CONTAINER_ANNOTATION];
  if (typeof fallback === 'string' && (regular.includes(fallback) || init.has(fallback))) {
    const inInit = init.has(fallback);
    return {
      containers: inInit ? [] : [fallback],
      initContainers: inInit ? [fallback] : [],
      unknown: [],
      warnings: [],
    };
  }
  const warnings =
    typeof fallback === 'string'
      ? [`${DEFAULT_CONTAINER_ANNOTATION} names no container ("${fallback}"); debugging ${regular[0] ?? ''}`]
      : [];
  return { containers: regular.slice(0, 1), initContainers: [], unknown: [], warnings };
}

/** The targets debug.dead/container names (`*`: every regular container), with sets: pods can be huge. */
function selectTargets(
  requested: string[] | undefined,
  annotations: JsonObject,
  containers: readonly JsonObject[],
  initContainers: readonly JsonObject[],
): Selection {
  const regular = containers.map(nameOf);
  const init = initContainers.map(nameOf);
  const initSet = new Set(init);
  if (requested === undefined) return defaultTarget(annotations, regular, initSet);
  const regularSet = new Set(regular);
  const wanted = new Set(requested.flatMap((name) => (name === '*' ? regular : [name])));
  return {
    containers: regular.filter((name) => wanted.has(name)),
    initContainers: init.filter((name) => wanted.has(name)),
    unknown: [...wanted].filter((name) => !regularSet.has(name) && !initSet.has(name)),
    warnings: [],
  };
}

/**
 * The containers a debug.dead/container selection (parsed: checkOption/parseOption 'container') picks in a pod,
 * and the names the pod does not have: the same rule the webhook denies by, for a surface that checks early.
 */
export function selectContainers(pod: Pod, requested: string[] | undefined): Selection {
  const spec = objectOrUndefined(pod.spec);
  const metadata = objectOrUndefined(pod.metadata);
  return selectTargets(
    requested,
    objectOrUndefined(metadata?.annotations) ?? {},
    objectArray(spec?.containers) ?? [],
    objectArray(spec?.initContainers) ?? [],
  );
}

export function describeSubject(
  pod: Pod,
  metadata: JsonObject,
  annotations: JsonObject,
  config: MutationConfig,
): Subject {
  const spec = objectOrUndefined(pod.spec);
  const specProblem = spec === undefined ? 'spec must be an object' : shapeProblem(spec);
  const containers = objectArray(spec?.containers) ?? [];
  const initContainers = objectArray(spec?.initContainers) ?? [];
  const resolved = resolveOptions(annotations, config);
  const options = resolved.ok ? resolved.options : undefined;
  return {
    pod,
    metadata,
    annotations,
    spec: spec ?? {},
    specProblem,
    containers,
    initContainers,
    options,
    optionsProblem: resolved.ok ? undefined : resolved.message,
    selection:
      options === undefined ? undefined : selectTargets(options.containers, annotations, containers, initContainers),
  };
}
