/**
 * The options of the mutation (SPEC §2), and the only place an option value is judged.
 *
 * `OPTIONS` declares each option once: the annotation a pod sets it with, what a valid value is (worded once,
 * to complete "use …") and the check that turns text into a value. A problem comes back as data
 * (`OptionProblem`: which option, the bad value, what is wrong and what is valid) and each surface words it in
 * its own terms: the webhook as an annotation denial (`annotationDenial`, here), the CLI for its flag, the
 * webhook's config for its flag or `DEBUGDEAD_*` variable.
 *
 * `resolveOptions` merges the config defaults with a pod's debug.dead/* annotations.
 */
import { DEFAULT_TOOLS_IMAGE, type MutationConfig } from './config.js';
import { MAX_DEADLINE_SECONDS, parseDuration } from './duration.js';
import { parseImageCommands, type ImageCommands } from './image-command.js';
import { ANNOTATIONS, VOLUME_POLICIES, type VolumePolicy } from './names.js';
import { text } from './json.js';
import type { JsonObject } from './types.js';

/** How one option is set and judged. */
export interface OptionSpec<T> {
  /** The annotation a pod sets it with; undefined for options only the webhook's config sets. */
  readonly annotation: string | undefined;
  /** What a valid value is, worded once: it completes "use …". */
  readonly valid: string;
  /** The value the text stands for, or what is wrong with it as a predicate ("is not a duration"). */
  readonly parse: (text: string) => { value: T } | { reason: string };
}

/** What is wrong with a value: which option, the bad value, what is wrong, and what is valid. */
export interface OptionProblem {
  option: OptionName;
  value: string;
  /** What is wrong, as a predicate of the value: "is not a duration". */
  reason: string;
  /** What is valid: "a positive Go duration such as 90m, 8h, 1h30m or 2d (units s, m, h, d)". */
  valid: string;
}

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

type Parsed<T> = { value: T } | { reason: string };

function spec<T>(option: OptionSpec<T>): OptionSpec<T> {
  return option;
}

/** A valid value (typed helpers: object literals in a conditional would widen T with undefined). */
function accept<T>(value: T): Parsed<T> {
  return { value };
}

function refuse(reason: string): { reason: string } {
  return { reason };
}

function parseBoolean(text: string): Parsed<boolean> {
  if (text === 'true') return accept(true);
  if (text === 'false') return accept(false);
  return refuse('is not valid');
}

const BOOLEAN_VALID = '"true" or "false"';

export const OPTIONS = {
  container: spec({
    annotation: ANNOTATIONS.container,
    valid: 'a comma list of container names, or "*" for all containers',
    parse: (text) => {
      const names = [...new Set(text.split(',').map((name) => name.trim()))].filter((name) => name !== '');
      return names.length === 0 ? refuse('names no container') : accept(names);
    },
  }),
  image: spec({
    annotation: ANNOTATIONS.image,
    valid: `e.g. ${DEFAULT_TOOLS_IMAGE} (a static busybox at /bin/busybox)`,
    parse: (text) => (isImageReference(text) ? accept(text) : refuse('is not an image reference')),
  }),
  ttl: spec({
    annotation: ANNOTATIONS.ttl,
    valid: 'a positive Go duration such as 90m, 8h, 1h30m or 2d (units s, m, h, d)',
    parse: (text) => {
      const seconds = parseDuration(text);
      if (seconds === undefined) return refuse('is not a duration');
      if (seconds > MAX_DEADLINE_SECONDS) {
        return refuse(`is longer than Kubernetes allows (${MAX_DEADLINE_SECONDS}s, about 68 years)`);
      }
      return accept(seconds);
    },
  }),
  volumes: spec<VolumePolicy>({
    annotation: ANNOTATIONS.volumes,
    valid: '"empty" (PVCs become emptyDir, the default) or "readonly" (PVCs kept, mounted read-only)',
    parse: (text) => {
      const policy = Object.values(VOLUME_POLICIES).find((known) => known === text);
      return policy === undefined ? refuse('is not a volume policy') : accept(policy);
    },
  }),
  keepProbes: spec({ annotation: ANNOTATIONS.keepProbes, valid: BOOLEAN_VALID, parse: parseBoolean }),
  allowOwned: spec({ annotation: ANNOTATIONS.allowOwned, valid: BOOLEAN_VALID, parse: parseBoolean }),
  mountPath: spec({
    annotation: undefined,
    valid: 'an absolute path of letters, digits, ".", "_", "-" and "/", like /debug-dead',
    parse: (text) => {
      // A trailing slash is how people write directories; the keep-alive wants the plain path.
      const path = text.trim().replace(/\/$/, '');
      return isValidMountPath(path) ? accept(path) : refuse('is not a usable mount path');
    },
  }),
  imageCommand: spec<ImageCommands>({
    annotation: ANNOTATIONS.imageCommand,
    valid:
      'JSON per container name: {"entrypoint": [strings] or null, "cmd": [strings] or null, "digest": "sha256:<64 hex digits>"}',
    parse: parseImageCommands,
  }),
} as const;

export type OptionName = keyof typeof OPTIONS;
/** The value an option's text stands for (seconds for ttl, a list of names for container, …). */
export type OptionValue<N extends OptionName> = Extract<
  ReturnType<(typeof OPTIONS)[N]['parse']>,
  { value: unknown }
>['value'];

/** Judges one value; returns its value, or the problem for the surface to word. */
export function parseOption<N extends OptionName>(
  option: N,
  value: string,
): { ok: true; value: OptionValue<N> } | { ok: false; problem: OptionProblem } {
  const known: OptionSpec<OptionValue<N>> = OPTIONS[option];
  const parsed = known.parse(value);
  if ('reason' in parsed) return { ok: false, problem: { option, value, reason: parsed.reason, valid: known.valid } };
  return { ok: true, value: parsed.value };
}

/** What is wrong with a value of an option, or undefined when it is valid. */
export function checkOption(option: OptionName, value: string): OptionProblem | undefined {
  const parsed = parseOption(option, value);
  return parsed.ok ? undefined : parsed.problem;
}

/** `debug.dead/image-command`'s value, or what is wrong with it. */
export function parseImageCommand(value: string): ImageCommands | OptionProblem {
  const parsed = parseOption('imageCommand', value);
  return parsed.ok ? parsed.value : parsed.problem;
}

/** Tells a problem from a parsed value (an ImageCommands' entries are objects, a problem's `option` a string). */
export function isOptionProblem(value: unknown): value is OptionProblem {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as Partial<OptionProblem>).option === 'string' &&
    typeof (value as Partial<OptionProblem>).valid === 'string'
  );
}

function quote(value: string): string {
  return JSON.stringify(value.length > 80 ? `${value.slice(0, 77)}...` : value);
}

/** The webhook's wording: `annotation debug.dead/ttl: "x" is not a duration; use a positive Go duration …`. */
export function annotationDenial(problem: OptionProblem): string {
  const key = OPTIONS[problem.option].annotation ?? problem.option;
  return `annotation ${key}: ${quote(problem.value)} ${problem.reason}; use ${problem.valid}`;
}

export interface MutationOptions {
  /** The container selection (names or `*`), or undefined for the default container. */
  containers: string[] | undefined;
  toolsImage: string;
  ttlSeconds: number;
  volumePolicy: VolumePolicy;
  keepProbes: boolean;
  allowOwned: boolean;
  mountPath: string;
  /** debug.dead/image-command: the image config's command per container name (empty without it). */
  imageCommands: ImageCommands;
}

export type OptionsResult = { ok: true; options: MutationOptions } | { ok: false; message: string };

/** Annotations the webhook reads or writes; any other debug.dead/ key is a typo worth refusing. */
const KNOWN_ANNOTATIONS: ReadonlySet<string> = new Set(Object.values(ANNOTATIONS));

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

/** An unknown debug.dead/ key or a value that is not a string, worded; undefined when all are fine. */
function annotationKeyProblem(annotations: JsonObject): string | undefined {
  for (const [key, value] of Object.entries(annotations)) {
    if (!key.startsWith('debug.dead/')) continue;
    if (!KNOWN_ANNOTATIONS.has(key)) {
      const hint = closest(key);
      return (
        `annotation ${key} is not a debugdead annotation${hint === undefined ? '' : `; did you mean ${hint}?`} ` +
        `Known: ${[...KNOWN_ANNOTATIONS].join(', ')}`
      );
    }
    if (typeof value !== 'string') return `annotation ${key} must be a string`;
  }
  return undefined;
}

/** The options a pod's annotations set, in the order they are judged (the first problem is reported). */
const ANNOTATED = ['container', 'image', 'ttl', 'volumes', 'keepProbes', 'allowOwned', 'imageCommand'] as const;
type AnnotatedValues = { [N in (typeof ANNOTATED)[number]]?: OptionValue<N> };

/** Merges the config defaults with the pod's debug.dead/* annotations; a bad value is an annotation denial. */
export function resolveOptions(annotations: JsonObject, config: MutationConfig): OptionsResult {
  const keyProblem = annotationKeyProblem(annotations);
  if (keyProblem !== undefined) return { ok: false, message: keyProblem };
  const values: AnnotatedValues = {};
  for (const option of ANNOTATED) {
    const key = OPTIONS[option].annotation;
    const raw = key === undefined ? undefined : annotations[key];
    if (raw === undefined) continue;
    const parsed = parseOption(option, text(raw));
    if (!parsed.ok) return { ok: false, message: annotationDenial(parsed.problem) };
    (values as Record<string, unknown>)[option] = parsed.value;
  }
  return {
    ok: true,
    options: {
      containers: values.container,
      toolsImage: values.image ?? config.toolsImage,
      ttlSeconds: values.ttl ?? config.defaultTtlSeconds,
      volumePolicy: values.volumes ?? VOLUME_POLICIES.empty,
      keepProbes: values.keepProbes ?? false,
      allowOwned: values.allowOwned ?? false,
      mountPath: config.mountPath,
      imageCommands: values.imageCommand ?? {},
    },
  };
}
