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
import { directoryCache } from '../../registry/cache.js';
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
import { DEFAULT_BUDGET_MS } from './registry-access.js';

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

  const wanted: Wanted[] = [];
  const problems = new Map<string, string[]>();
  const report = (line: string, container: string): void => {
    problems.set(line, [...(problems.get(line) ?? []), container]);
  };
  for (const container of needed) {
    const target = referenceToResolve(container.image, container.imageID);
    if ('problem' in target) report(`cannot read its image reference: ${target.problem}`, container.name);
    else wanted.push({ container: container.name, reference: target.reference });
  }
  const platform = await nodePlatform(client, input.source, signal);
  const cache = access.cacheDir === undefined ? undefined : directoryCache(access.cacheDir);
  const resolved: ImageCommands = {};
  // A digest already resolved costs no secret read and no request.
  const misses: Wanted[] = [];
  for (const item of wanted) {
    const cached = item.reference.digest === undefined ? undefined : await cache?.get(item.reference.digest, platform);
    if (cached === undefined) misses.push(item);
    else resolved[item.container] = cached;
  }
  const [secrets, dockerConfig] =
    misses.length === 0
      ? [{ secrets: [], unreadable: [] }, undefined]
      : await Promise.all([readPullSecrets(client, input.source, signal), readDockerConfig(access.dockerConfigPath)]);
  const deps = { fetch: access.fetch, runHelper: credentialHelperRunner(context.childEnv), cache, signal };
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
  for (const { item, resolution } of results) {
    if (resolution.ok) resolved[item.container] = resolution.command;
    else
      report(
        `${formatReference(item.reference)}: ${resolution.reason}. Fix: ${fix(resolution, formatReference(item.reference), item.reference.registry, secrets.unreadable)}`,
        item.container,
      );
  }
  for (const [line, containers] of problems) {
    const which = containers.map((name) => `"${name}"`).join(', ');
    context.stderr.write(
      `note: the image ENTRYPOINT/CMD of ${containers.length === 1 ? 'container' : 'containers'} ${which} is not known, so rerun cannot run the exact command (${line})\n`,
    );
  }
  if (Object.keys(resolved).length === 0) return input.copy;
  const metadata = isObject(input.copy.metadata) ? input.copy.metadata : {};
  const annotations = isObject(metadata.annotations) ? metadata.annotations : {};
  return {
    ...input.copy,
    metadata: { ...metadata, annotations: { ...annotations, [ANNOTATIONS.imageCommand]: JSON.stringify(resolved) } },
  };
}
