/**
 * Options of one mutation: the config defaults merged with the pod's debug.dead/* annotations (SPEC §2).
 * Invalid values are the user's mistake: they become a denial whose message names the annotation, the bad
 * value and the valid choices.
 */
import type { MutationConfig } from './config.js';
import { MAX_DEADLINE_SECONDS, parseDuration } from './duration.js';
import { ANNOTATIONS, VOLUME_POLICIES, type VolumePolicy } from './names.js';
import { text } from './json.js';
import type { JsonObject } from './types.js';

export interface MutationOptions {
  /** The raw container selection (comma list or `*`), or undefined for the default container. */
  containers: string[] | undefined;
  toolsImage: string;
  ttlSeconds: number;
  volumePolicy: VolumePolicy;
  keepProbes: boolean;
  allowOwned: boolean;
  mountPath: string;
}

export type OptionsResult = { ok: true; options: MutationOptions } | { ok: false; message: string };

/** Annotations the webhook reads or writes; any other debug.dead/ key is a typo worth refusing. */
const KNOWN_ANNOTATIONS: ReadonlySet<string> = new Set(Object.values(ANNOTATIONS));

/**
 * Docker reference grammar (distribution/reference): optional registry host[:port], lower-case path
 * components, optional tag, optional digest.
 */
const IMAGE_REFERENCE =
  /^(?:(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*|\[[0-9a-fA-F:]+\])(?::[0-9]+)?\/)?[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*(?::[\w][\w.-]{0,127})?(?:@[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,})?$/;

export function isImageReference(text: string): boolean {
  return text.length <= 512 && IMAGE_REFERENCE.test(text);
}

/** A tools directory the keep-alive can use: absolute, plain characters (no shell or kubelet syntax). */
export function isValidMountPath(text: string): boolean {
  return (
    /^\/[A-Za-z0-9._/-]{1,100}$/.test(text) &&
    !text.endsWith('/') &&
    !text.includes('//') &&
    text.split('/').every((part) => part !== '.' && part !== '..')
  );
}

/** Checks a config (from flags or environment); returns a message naming the bad setting, or undefined. */
export function validateMutationConfig(config: MutationConfig): string | undefined {
  if (!isImageReference(config.toolsImage)) {
    return `tools image "${config.toolsImage}" is not an image reference; use e.g. busybox:1.37.0-musl`;
  }
  if (!Number.isInteger(config.defaultTtlSeconds) || config.defaultTtlSeconds < 1) {
    return `default TTL ${config.defaultTtlSeconds} is not a positive number of seconds; use e.g. 24h`;
  }
  if (config.defaultTtlSeconds > MAX_DEADLINE_SECONDS) {
    return `default TTL ${config.defaultTtlSeconds}s is above the Kubernetes maximum of ${MAX_DEADLINE_SECONDS}s`;
  }
  if (!isValidMountPath(config.mountPath)) {
    return `mount path "${config.mountPath}" must be an absolute path of letters, digits, ".", "_", "-" and "/" (e.g. /debug-dead)`;
  }
  return undefined;
}

function quote(value: string): string {
  return JSON.stringify(value.length > 80 ? `${value.slice(0, 77)}...` : value);
}

function parseBoolean(annotations: JsonObject, key: string): boolean | string {
  const value = annotations[key];
  if (value === undefined) return false;
  if (value === 'true') return true;
  if (value === 'false') return false;
  return `annotation ${key}: ${quote(text(value))} is not valid; use "true" or "false"`;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, index) => index);
  for (let i = 1; i <= a.length; i += 1) {
    const current = [i];
    for (let j = 1; j <= b.length; j += 1) {
      const substitution = (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, substitution));
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}

/** The known annotation a typo most likely meant (at most 3 edits away). */
function closest(key: string): string | undefined {
  let best: { known: string; distance: number } | undefined;
  for (const known of KNOWN_ANNOTATIONS) {
    const distance = editDistance(key, known);
    if (distance <= 3 && (best === undefined || distance < best.distance)) best = { known, distance };
  }
  return best?.known;
}

export function resolveOptions(annotations: JsonObject, config: MutationConfig): OptionsResult {
  const deny = (message: string): OptionsResult => ({ ok: false, message });

  for (const [key, value] of Object.entries(annotations)) {
    if (!key.startsWith('debug.dead/')) continue;
    if (!KNOWN_ANNOTATIONS.has(key)) {
      const hint = closest(key);
      return deny(
        `annotation ${key} is not a debugdead annotation${hint === undefined ? '' : `; did you mean ${hint}?`} ` +
          `Known: ${[...KNOWN_ANNOTATIONS].join(', ')}`,
      );
    }
    if (typeof value !== 'string') return deny(`annotation ${key} must be a string`);
  }

  let containers: string[] | undefined;
  const containerValue = annotations[ANNOTATIONS.container];
  if (typeof containerValue === 'string') {
    containers = [...new Set(containerValue.split(',').map((name) => name.trim()))].filter((name) => name !== '');
    if (containers.length === 0) {
      return deny(
        `annotation ${ANNOTATIONS.container}: ${quote(containerValue)} names no container; ` +
          'give a comma list of container names, or "*" for all containers',
      );
    }
  }

  let toolsImage = config.toolsImage;
  const imageValue = annotations[ANNOTATIONS.image];
  if (typeof imageValue === 'string') {
    if (!isImageReference(imageValue)) {
      return deny(
        `annotation ${ANNOTATIONS.image}: ${quote(imageValue)} is not an image reference; ` +
          `use e.g. ${config.toolsImage} (a static busybox at /bin/busybox)`,
      );
    }
    toolsImage = imageValue;
  }

  let ttlSeconds = config.defaultTtlSeconds;
  const ttlValue = annotations[ANNOTATIONS.ttl];
  if (typeof ttlValue === 'string') {
    const parsed = parseDuration(ttlValue);
    if (parsed === undefined) {
      return deny(
        `annotation ${ANNOTATIONS.ttl}: ${quote(ttlValue)} is not a duration; ` +
          'use a positive Go duration such as 90m, 8h, 1h30m or 2d (units s, m, h, d)',
      );
    }
    if (parsed > MAX_DEADLINE_SECONDS) {
      return deny(
        `annotation ${ANNOTATIONS.ttl}: ${quote(ttlValue)} is longer than Kubernetes allows ` +
          `(${MAX_DEADLINE_SECONDS}s, about 68 years); use e.g. 8h or 2d`,
      );
    }
    ttlSeconds = parsed;
  }

  let volumePolicy: VolumePolicy = VOLUME_POLICIES.empty;
  const volumesValue = annotations[ANNOTATIONS.volumes];
  if (typeof volumesValue === 'string') {
    const policy = Object.values(VOLUME_POLICIES).find((known) => known === volumesValue);
    if (policy === undefined) {
      return deny(
        `annotation ${ANNOTATIONS.volumes}: ${quote(volumesValue)} is not a volume policy; ` +
          'use "empty" (PVCs become emptyDir, the default) or "readonly" (PVCs kept, mounted read-only)',
      );
    }
    volumePolicy = policy;
  }

  const keepProbes = parseBoolean(annotations, ANNOTATIONS.keepProbes);
  if (typeof keepProbes === 'string') return deny(keepProbes);
  const allowOwned = parseBoolean(annotations, ANNOTATIONS.allowOwned);
  if (typeof allowOwned === 'string') return deny(allowOwned);

  return {
    ok: true,
    options: { containers, toolsImage, ttlSeconds, volumePolicy, keepProbes, allowOwned, mountPath: config.mountPath },
  };
}
