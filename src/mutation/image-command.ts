/**
 * The image command (SPEC §2, `debug.dead/image-command`): per container name, the ENTRYPOINT and CMD of its
 * image config and the digest they came from, as resolved by the CLI from the registry or written by hand.
 * With it, the mutation knows the argv the runtime really ran for containers without `command`.
 */

/** One container's image config command. `null` where the image config has no Entrypoint or Cmd. */
export interface ImageCommand {
  entrypoint: string[] | null;
  cmd: string[] | null;
  /** The digest of the image the config came from: `sha256:` and 64 lower-case hex digits. */
  digest: string;
}

/** The annotation's value: per container name. */
export type ImageCommands = Record<string, ImageCommand>;

const DIGEST = /^sha256:[0-9a-f]{64}$/;
const FIELDS: ReadonlySet<string> = new Set(['entrypoint', 'cmd', 'digest']);

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A list of strings the runtime can exec (no NUL: an argv cannot hold one), or null/absent. */
function argvProblem(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value) || !value.every((item) => typeof item === 'string'))
    return 'must be a list of strings or null';
  return value.some((item) => item.includes('\0')) ? 'must not contain a NUL character' : undefined;
}

function commandProblem(entry: unknown): string | undefined {
  if (!isPlainObject(entry)) return 'must be an object with "entrypoint", "cmd" and "digest"';
  const unknown = Object.keys(entry).find((key) => !FIELDS.has(key));
  if (unknown !== undefined) return `has an unknown field ${JSON.stringify(unknown)}`;
  for (const field of ['entrypoint', 'cmd'] as const) {
    const problem = argvProblem(entry[field]);
    if (problem !== undefined) return `"${field}" ${problem}`;
  }
  if (typeof entry.digest !== 'string' || !DIGEST.test(entry.digest)) {
    return '"digest" must be "sha256:" and 64 lower-case hex digits';
  }
  return undefined;
}

/**
 * Parses the annotation's value. Returns the commands, or why the value is not valid, as a predicate
 * ("is not JSON", "has container \"app\" whose \"digest\" must be …") for the option's wording.
 */
export function parseImageCommands(text: string): { value: ImageCommands } | { reason: string } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return { reason: 'is not JSON' };
  }
  if (!isPlainObject(parsed)) return { reason: 'is not a JSON object keyed by container name' };
  const commands: ImageCommands = {};
  for (const [name, entry] of Object.entries(parsed)) {
    const problem = name === '' ? 'has an empty container name' : commandProblem(entry);
    if (problem !== undefined) {
      return {
        reason:
          name === '' ? `is not valid: it ${problem}` : `is not valid: container ${JSON.stringify(name)} ${problem}`,
      };
    }
    const valid = entry as { entrypoint?: string[] | null; cmd?: string[] | null; digest: string };
    commands[name] = { entrypoint: valid.entrypoint ?? null, cmd: valid.cmd ?? null, digest: valid.digest };
  }
  return { value: commands };
}

/** One argument of the argv the runtime ran, and whether it came from the pod spec (then `$(VAR)`-expanded). */
export interface ArgvPart {
  spec: boolean;
  value: string;
}

/**
 * The argv the runtime ran, with Kubernetes' rules (the CRI runtime merges the pod spec with the image
 * config, containerd's WithProcessArgs): a `command` replaces the ENTRYPOINT and drops the CMD; `args`
 * replace the CMD. Each part says where it came from, because only the pod spec's parts are `$(VAR)`-expanded.
 * Returns undefined when the argv depends on an image config that is not known.
 */
export function runtimeArgv(
  command: string[] | null,
  args: string[] | null,
  image: ImageCommand | undefined,
): ArgvPart[] | undefined {
  const fromSpec = (parts: string[] | null) => (parts ?? []).map((value) => ({ spec: true, value }));
  const fromImage = (parts: string[] | null) => (parts ?? []).map((value) => ({ spec: false, value }));
  if (command !== null && command.length > 0) return [...fromSpec(command), ...fromSpec(args)];
  if (image === undefined) return undefined;
  // containerd (like Docker) reads an Entrypoint of [""] as none.
  const entrypoint = image.entrypoint?.length === 1 && image.entrypoint[0] === '' ? null : image.entrypoint;
  return [...fromImage(entrypoint), ...(args !== null && args.length > 0 ? fromSpec(args) : fromImage(image.cmd))];
}
