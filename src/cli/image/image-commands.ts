/**
 * The CLI's side of #11: for each target container that has no `command` (so the runtime ran the image's
 * ENTRYPOINT, and CMD unless `args` is set), read the image command from the registry, from the digest the
 * kubelet reported (`status.containerStatuses[].imageID`: what actually ran), else the `image` reference,
 * for the node's platform, with the pod's pull secrets, the user's docker config, or anonymously; and write
 * it on the copy as `debug.dead/image-command`. Bounded in time; never fails the command: what could not be
 * resolved is one line on stderr that says why and what to do.
 */
import { ANNOTATIONS, type JsonObject, type Pod } from '../../mutation/index.js';
import type { ImageCommands } from '../../mutation/image-command.js';
import { directoryCache, type ImageCommandCache } from '../../registry/cache.js';
import { credentialHelperRunner } from '../../registry/cred-helper.js';
import { wantedPlatform, type Platform } from '../../registry/platform.js';
import { formatReference, referenceToResolve, type ImageReference } from '../../registry/reference.js';
import { PROBLEM_KINDS } from '../../registry/registry-problem.js';
import { resolveImageCommand, type Resolution } from '../../registry/resolve.js';
import type { CliContext } from '../context.js';
import { isObject, objectAt, objectsAt, stringAt, stringMapAt } from '../../mutation/json.js';
import type { KubeClient } from '../kube/kube-client.js';
import type { ImageCommandMode } from './image-command-flag.js';
import { credentialsFor, readDockerConfig, readPullSecrets } from './pod-credentials.js';
import { DEFAULT_BUDGET_MS, type RegistryAccess } from './registry-access.js';

interface Wanted {
  container: string;
  reference: ImageReference;
}

/** Target containers whose argv depends on the image: those without `command`. */
export function containersNeedingImage(
  source: Pod,
  targets: readonly string[],
): { name: string; image: string; imageID: string | undefined }[] {
  const spec = source.spec;
  const statuses = [
    ...objectsAt(source.status, 'containerStatuses'),
    ...objectsAt(source.status, 'initContainerStatuses'),
  ];
  return [...objectsAt(spec, 'containers'), ...objectsAt(spec, 'initContainers')].flatMap((container) => {
    const name = stringAt(container, 'name');
    const image = stringAt(container, 'image');
    if (name === undefined || image === undefined || !targets.includes(name)) return [];
    // An empty command is none: the runtime runs the ENTRYPOINT then.
    if (Array.isArray(container.command) && container.command.length > 0) return [];
    const status = statuses.find((candidate) => stringAt(candidate, 'name') === name);
    const imageID = stringAt(status, 'imageID');
    return [{ name, image, imageID: imageID === '' ? undefined : imageID }];
  });
}

async function nodePlatform(client: KubeClient, source: Pod, signal: AbortSignal): Promise<Platform> {
  const nodeName = stringAt(source.spec, 'nodeName');
  let nodeInfo: JsonObject | undefined;
  if (nodeName !== undefined) {
    try {
      nodeInfo = objectAt(objectAt(await client.getNode(nodeName, signal), 'status'), 'nodeInfo');
    } catch {
      // 403 for most users (nodes are cluster-scoped), or gone: the selector or the default decides.
    }
  }
  return wantedPlatform({ nodeInfo, nodeSelector: stringMapAt(source.spec, 'nodeSelector') }).platform;
}

function fix(
  resolution: Extract<Resolution, { ok: false }>,
  reference: string,
  registry: string,
  unreadable: readonly string[],
): string {
  switch (resolution.kind) {
    case PROBLEM_KINDS.auth:
      return unreadable.length > 0
        ? `you may not read the pull secret ${unreadable.join(', ')}: ask for get on it, or docker login ${registry}`
        : `docker login ${registry} (or a credential helper in ~/.docker/config.json) gives the CLI credentials`;
    case PROBLEM_KINDS.network:
    case PROBLEM_KINDS.timeout:
      return `make ${registry} reachable from here (VPN, proxy), or skip the lookup with --image-command=none`;
    case PROBLEM_KINDS.notFound:
      return 'the image is no longer in its registry';
    case PROBLEM_KINDS.noPlatform:
      return "the node's platform decides when you may get the node, else the pod's kubernetes.io/arch selector, else linux/amd64";
    default:
      return `read it by hand (crane config ${reference})`;
  }
}

/** What every image lookup of one run shares. */
interface Lookup {
  client: KubeClient;
  access: RegistryAccess;
  childEnv: CliContext['childEnv'];
  source: Pod;
  platform: Platform;
  cache: ImageCommandCache | undefined;
  signal: AbortSignal;
}

/** Why image commands are not known → the containers each reason is about, in the order they came. */
type Problems = Map<string, string[]>;

function addProblem(problems: Problems, line: string, container: string): void {
  problems.set(line, [...(problems.get(line) ?? []), container]);
}

/**
 * Resolves the image commands for the copy's targets and returns the copy with `debug.dead/image-command`
 * (unchanged when nothing was resolved). Writes one line to stderr per reason something was not resolved.
 */
export async function addImageCommands(
  client: KubeClient,
  context: CliContext,
  input: { source: Pod; copy: Pod; targets: readonly string[]; mode: ImageCommandMode },
): Promise<Pod> {
  const access = context.registry;
  if (input.mode === 'none' || access === undefined) return input.copy;
  const needed = containersNeedingImage(input.source, input.targets);
  if (needed.length === 0) return input.copy;
  const signal = AbortSignal.timeout(access.budgetMs > 0 ? access.budgetMs : DEFAULT_BUDGET_MS);
  const problems: Problems = new Map();
  const wanted = referencesOf(needed, problems);
  const lookup: Lookup = {
    client,
    access,
    childEnv: context.childEnv,
    source: input.source,
    platform: await nodePlatform(client, input.source, signal),
    cache: access.cacheDir === undefined ? undefined : directoryCache(access.cacheDir),
    signal,
  };
  const cached = await fromCache(wanted, lookup);
  const resolved = { ...cached.resolved, ...(await fromRegistry(cached.misses, lookup, problems)) };
  writeProblems(context, problems);
  return withImageCommands(input.copy, resolved);
}

/** The reference to resolve for each container (the digest that ran, else the image); what cannot be read is a problem. */
function referencesOf(needed: ReturnType<typeof containersNeedingImage>, problems: Problems): Wanted[] {
  const wanted: Wanted[] = [];
  for (const container of needed) {
    const target = referenceToResolve(container.image, container.imageID);
    if ('problem' in target) addProblem(problems, `cannot read its image reference: ${target.problem}`, container.name);
    else wanted.push({ container: container.name, reference: target.reference });
  }
  return wanted;
}

/** A digest already resolved costs no secret read and no request: the cached commands, and what is left to look up. */
async function fromCache(
  wanted: readonly Wanted[],
  lookup: Lookup,
): Promise<{ resolved: ImageCommands; misses: Wanted[] }> {
  const resolved: ImageCommands = {};
  const misses: Wanted[] = [];
  for (const item of wanted) {
    const digest = item.reference.digest;
    const cached = digest === undefined ? undefined : await lookup.cache?.get(digest, lookup.platform);
    if (cached === undefined) misses.push(item);
    else resolved[item.container] = cached;
  }
  return { resolved, misses };
}

/** Reads the image commands from the registries, with the pod's pull secrets or the user's docker config; a failure is a problem. */
async function fromRegistry(misses: readonly Wanted[], lookup: Lookup, problems: Problems): Promise<ImageCommands> {
  if (misses.length === 0) return {};
  const { client, access, source, platform, cache, signal } = lookup;
  const [secrets, dockerConfig] = await Promise.all([
    readPullSecrets(client, source, signal),
    readDockerConfig(access.dockerConfigPath),
  ]);
  const deps = { fetch: access.fetch, runHelper: credentialHelperRunner(lookup.childEnv), cache, signal };
  const results = await Promise.all(
    misses.map(async (item) => ({
      item,
      resolution: await resolveImageCommand(
        {
          reference: item.reference,
          platform,
          credentials: credentialsFor(item.reference.registry, secrets, dockerConfig, access.dockerConfigPath),
        },
        deps,
      ),
    })),
  );
  const resolved: ImageCommands = {};
  for (const { item, resolution } of results) {
    if (resolution.ok) resolved[item.container] = resolution.command;
    else
      addProblem(
        problems,
        `${formatReference(item.reference)}: ${resolution.reason}. Fix: ${fix(resolution, formatReference(item.reference), item.reference.registry, secrets.unreadable)}`,
        item.container,
      );
  }
  return resolved;
}

/** One note on stderr per reason, naming the containers it is about. */
function writeProblems(context: CliContext, problems: Problems): void {
  for (const [line, containers] of problems) {
    const which = containers.map((name) => `"${name}"`).join(', ');
    context.stderr.write(
      `note: the image ENTRYPOINT/CMD of ${containers.length === 1 ? 'container' : 'containers'} ${which} is not known, so rerun cannot run the exact command (${line})\n`,
    );
  }
}

/** The copy with `debug.dead/image-command` set to what was resolved; the copy itself when nothing was. */
function withImageCommands(copy: Pod, resolved: ImageCommands): Pod {
  if (Object.keys(resolved).length === 0) return copy;
  const metadata = isObject(copy.metadata) ? copy.metadata : {};
  const annotations = isObject(metadata.annotations) ? metadata.annotations : {};
  return {
    ...copy,
    metadata: { ...metadata, annotations: { ...annotations, [ANNOTATIONS.imageCommand]: JSON.stringify(resolved) } },
  };
}
