/**
 * The copy of SPEC §5.1: source Pod + flags + an injected random suffix → the annotated copy the CLI creates
 * (or prints with --dry-run=client). Pure: no clock, no randomness, no I/O.
 *
 * Choices beyond §5.1, each for a pod the API server would otherwise reject or a copy that would do harm:
 * - metadata is rebuilt from a whitelist (name, namespace, labels, annotations), so every server-written
 *   field (uid, resourceVersion, generation, managedFields, ownerReferences, …) is dropped, also future ones;
 * - the static-pod annotations (kubernetes.io/config.*) and kubectl's last-applied-configuration are dropped
 *   even with --keep-annotations: a copy of a mirror pod must not claim to be one;
 * - kubectl.kubernetes.io/default-container is kept even without --keep-annotations: it decides which
 *   container the webhook keeps alive when -c is not given;
 * - no debug.dead/* annotation of the source is copied, even with --keep-annotations: the copy's options come
 *   from the flags and the defaults only (issue 14.11: whoever may annotate a pod would otherwise choose the
 *   tools image that runs with its token and secrets); sourceOptions() lists what was left behind, to say so;
 * - the copy's name is a DNS-1123 label (dots of a subdomain-style source name become dashes).
 */
import { UsageError } from '../../errors.js';
import {
  ANNOTATIONS,
  DEFAULT_CONTAINER_ANNOTATION,
  LABELS,
  MIRROR_ANNOTATION,
  type JsonObject,
  type Pod,
} from '../../mutation/index.js';
import { cloneJson, isObject, stringAt, stringMapAt } from '../../mutation/json.js';
import { optionAnnotations, type OptionFlags } from './option-flags.js';

export interface CopyOptions extends OptionFlags {
  /** 5 characters of [a-z0-9], from the injected random source. */
  suffix: string;
  /** Keep spec.nodeName (--same-node). */
  sameNode?: boolean | undefined;
  /** Keep the source's labels (--keep-labels); the mutation still removes adoption labels. */
  keepLabels?: boolean | undefined;
  /** Keep the source's annotations (--keep-annotations). */
  keepAnnotations?: boolean | undefined;
}

export const MAX_NAME_LENGTH = 63;
export const NAME_PREFIX = 'debug-';
export const SUFFIX_PATTERN = /^[a-z0-9]{5}$/;

/** Spec fields never copied (SPEC §5.1, PITFALLS 6, 7, 21); nodeName is kept with --same-node. */
export const DROPPED_SPEC_FIELDS = [
  'nodeName',
  'priority',
  'preemptionPolicy',
  'ephemeralContainers',
  'hostname',
  'subdomain',
] as const;

/** Annotations never copied, even with --keep-annotations. */
export const NEVER_COPIED_ANNOTATIONS: readonly string[] = [
  MIRROR_ANNOTATION,
  'kubernetes.io/config.hash',
  'kubernetes.io/config.source',
  'kubernetes.io/config.seen',
  'kubectl.kubernetes.io/last-applied-configuration',
  // debugdead's own bookkeeping about another pod; the copy gets its own.
  ANNOTATIONS.mutated,
  ANNOTATIONS.original,
  ANNOTATIONS.source,
];

/** Annotations always copied: they change what the mutation does. */
export const ALWAYS_COPIED_ANNOTATIONS: readonly string[] = [DEFAULT_CONTAINER_ANNOTATION];

const DEBUGDEAD_PREFIX = 'debug.dead/';

/**
 * `debug-<source>-<suffix>`, at most 63 characters and a valid DNS-1123 label: the source part is
 * truncated, dots become dashes, and no dash is left before the suffix's own dash.
 */
export function copyName(sourceName: string, suffix: string): string {
  if (!SUFFIX_PATTERN.test(suffix)) throw new TypeError(`copy name suffix must be 5 of [a-z0-9], got "${suffix}"`);
  const room = MAX_NAME_LENGTH - NAME_PREFIX.length - 1 - suffix.length;
  const source = sourceName
    .toLowerCase()
    .replace(/[^a-z0-9-]/g, '-')
    .slice(0, room)
    .replace(/-+$/, '');
  return source === '' ? `${NAME_PREFIX}${suffix}` : `${NAME_PREFIX}${source}-${suffix}`;
}

/** The `debug.dead/copy-of` label value: the source name truncated to 63 and still a valid label value. */
export function copyOfLabelValue(sourceName: string): string {
  return sourceName
    .slice(0, 63)
    .replace(/[^A-Za-z0-9]+$/, '')
    .replace(/^[^A-Za-z0-9]+/, '');
}

/** True when the pod was written by debugdead (a mutated pod or a CLI copy). */
export function isDebugCopy(pod: Pod): boolean {
  const annotations = stringMapAt(pod.metadata, 'annotations');
  return ANNOTATIONS.mutated in annotations || LABELS.copyOf in stringMapAt(pod.metadata, 'labels');
}

function copiedAnnotations(source: Record<string, string>, keepAll: boolean): Record<string, string> {
  const result: Record<string, string> = {};
  for (const [key, value] of Object.entries(source)) {
    if (NEVER_COPIED_ANNOTATIONS.includes(key) || key.startsWith(DEBUGDEAD_PREFIX)) continue;
    if (keepAll || ALWAYS_COPIED_ANNOTATIONS.includes(key)) result[key] = value;
  }
  return result;
}

/**
 * The debug.dead/* options the source pod carries (its own bookkeeping aside), which the copy does not take:
 * `debug.dead/image=…` and the like, sorted, for a note that says so.
 */
export function sourceOptions(source: Pod): string[] {
  return Object.entries(stringMapAt(source.metadata, 'annotations'))
    .filter(([key]) => key.startsWith(DEBUGDEAD_PREFIX) && !NEVER_COPIED_ANNOTATIONS.includes(key))
    .filter(([key]) => key !== ANNOTATIONS.enable)
    .map(([key, value]) => `${key}=${value}`)
    .sort();
}

/**
 * The annotated copy. Throws UsageError for a pod that is already a mutated debug copy: copying it would
 * copy the keep-alive instead of the application (the CLI resolves such a pod to its source first).
 */
export function copyPod(source: Pod, options: CopyOptions): Pod {
  const metadata = isObject(source.metadata) ? source.metadata : {};
  const name = stringAt(metadata, 'name');
  const namespace = stringAt(metadata, 'namespace');
  if (name === undefined || namespace === undefined) {
    throw new UsageError('the source pod has no metadata.name or metadata.namespace; cannot copy it');
  }
  const sourceAnnotations = stringMapAt(metadata, 'annotations');
  if (ANNOTATIONS.mutated in sourceAnnotations) {
    const origin = sourceAnnotations[ANNOTATIONS.source];
    throw new UsageError(
      `pod "${name}" is itself a debugdead copy (it carries ${ANNOTATIONS.mutated}): a copy of it would keep ` +
        `the keep-alive, not your application. ${origin === undefined ? 'Debug the pod it was made from' : `Debug its source ${origin}`} instead.`,
    );
  }

  const labels: Record<string, string> = options.keepLabels === true ? { ...stringMapAt(metadata, 'labels') } : {};
  labels[LABELS.copyOf] = copyOfLabelValue(name);

  const annotations: Record<string, string> = {
    ...copiedAnnotations(sourceAnnotations, options.keepAnnotations === true),
    ...optionAnnotations(options),
    [ANNOTATIONS.source]: `${namespace}/${name}`,
  };

  const dropped = new Set<string>(
    DROPPED_SPEC_FIELDS.filter((field) => !(field === 'nodeName' && options.sameNode === true)),
  );
  const spec: JsonObject = Object.fromEntries(
    Object.entries(isObject(source.spec) ? cloneJson(source.spec) : {}).filter(([field]) => !dropped.has(field)),
  );

  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: copyName(name, options.suffix), namespace, labels, annotations },
    spec,
  };
}
