/**
 * The option flags shared by `debugdead POD` and `debugdead mutate` (--container, --ttl, --image, --volumes,
 * --keep-probes): their validation, with messages that name the flag and the remedy, and their mapping onto
 * the debug.dead/* annotations the mutation reads (SPEC §2). Pure.
 */
import { UsageError } from '../../errors.js';
import {
  ANNOTATIONS,
  DEFAULT_TOOLS_IMAGE,
  MAX_DEADLINE_SECONDS,
  VOLUME_POLICIES,
  isImageReference,
  parseDuration,
  type Pod,
} from '../../mutation/index.js';
import { booleanFlag, stringFlag, type FlagValues } from '../commands/args.js';
import { objectsAt, stringAt } from '../json.js';

export interface OptionFlags {
  /** -c/--container: comma list of container names (init containers allowed) or `*`. */
  container?: string | undefined;
  /** --ttl: a duration such as 90m, 8h, 2d. */
  ttl?: string | undefined;
  /** --image: the tools image (a static busybox). */
  image?: string | undefined;
  /** --volumes: empty | readonly. */
  volumes?: string | undefined;
  /** --keep-probes (true) or --keep-probes=false (false); undefined leaves the pod's annotation alone. */
  keepProbes?: boolean | undefined;
}

const VOLUME_CHOICES = Object.values(VOLUME_POLICIES);

/** The option flags as parsed, checked (validateOptionFlags). */
export function optionFlagsFrom(values: FlagValues): OptionFlags {
  const flags: OptionFlags = {
    container: stringFlag(values, 'container'),
    ttl: stringFlag(values, 'ttl'),
    image: stringFlag(values, 'image'),
    volumes: stringFlag(values, 'volumes'),
    keepProbes: booleanFlag(values, 'keep-probes'),
  };
  validateOptionFlags(flags);
  return flags;
}

/** Checks the flag values that do not depend on a pod. Throws UsageError naming the flag. */
export function validateOptionFlags(flags: OptionFlags): void {
  const ttl = flags.ttl === undefined ? undefined : parseDuration(flags.ttl);
  if (flags.ttl !== undefined && (ttl === undefined || ttl > MAX_DEADLINE_SECONDS)) {
    throw new UsageError(
      `invalid value "${flags.ttl}" for --ttl: use a positive duration such as 30m, 8h, 1h30m or 2d`,
    );
  }
  if (flags.volumes !== undefined && !(VOLUME_CHOICES as string[]).includes(flags.volumes)) {
    throw new UsageError(
      `invalid value "${flags.volumes}" for --volumes: use ${VOLUME_CHOICES.join(' or ')} ` +
        '(empty replaces PVCs by empty directories, readonly mounts them read-only)',
    );
  }
  if (flags.image !== undefined && !isImageReference(flags.image.trim())) {
    throw new UsageError(
      `invalid value "${flags.image}" for --image: give an image reference holding a static /bin/busybox, like ${DEFAULT_TOOLS_IMAGE}`,
    );
  }
  if (flags.container !== undefined) containerNames(flags.container);
}

function containerNames(value: string): string[] {
  const names = value.split(',').map((name) => name.trim());
  if (names.some((name) => name === '')) {
    throw new UsageError(`invalid value "${value}" for -c/--container: give container names separated by commas, or *`);
  }
  return names;
}

/** Names of the pod's containers, init containers first (as `kubectl get pod` orders them). */
export function podContainerNames(pod: Pod): { init: string[]; regular: string[] } {
  const names = (key: string): string[] =>
    objectsAt(pod.spec, key)
      .map((container) => stringAt(container, 'name'))
      .filter((name): name is string => name !== undefined);
  return { init: names('initContainers'), regular: names('containers') };
}

/** Describes the pod's containers for messages: "app, sidecar (init containers: migrate)". */
export function describeContainers(pod: Pod): string {
  const { init, regular } = podContainerNames(pod);
  const main = regular.length === 0 ? '(none)' : regular.join(', ');
  return init.length === 0 ? main : `${main} (init containers: ${init.join(', ')})`;
}

/** Checks -c/--container against the pod, before anything is created. */
export function validateContainerFlag(pod: Pod, container: string | undefined): void {
  if (container === undefined || container.trim() === '*') return;
  const { init, regular } = podContainerNames(pod);
  const known = new Set([...init, ...regular]);
  const unknown = containerNames(container).filter((name) => !known.has(name));
  if (unknown.length === 0) return;
  const podName = stringAt(pod.metadata, 'name') ?? '(unnamed)';
  const which =
    unknown.length === 1 ? `container "${unknown[0] ?? ''}"` : `containers ${unknown.map((n) => `"${n}"`).join(', ')}`;
  throw new UsageError(
    `${which} not found in pod "${podName}": -c/--container must name one of ${describeContainers(pod)}, or *`,
  );
}

/** The annotations the flags stand for; flags that were not given add nothing. */
export function optionAnnotations(flags: OptionFlags): Record<string, string> {
  const annotations: Record<string, string> = { [ANNOTATIONS.enable]: 'true' };
  if (flags.container !== undefined) annotations[ANNOTATIONS.container] = containerNames(flags.container).join(',');
  if (flags.ttl !== undefined) annotations[ANNOTATIONS.ttl] = flags.ttl.trim();
  if (flags.image !== undefined) annotations[ANNOTATIONS.image] = flags.image.trim();
  if (flags.volumes !== undefined) annotations[ANNOTATIONS.volumes] = flags.volumes;
  if (flags.keepProbes !== undefined) annotations[ANNOTATIONS.keepProbes] = String(flags.keepProbes);
  return annotations;
}
