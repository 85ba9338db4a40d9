/**
 * `kubectl debugdead [POD]`: read the pod, validate the flags against it, write the copy, create it (or print
 * it with --dry-run), check that the webhook rewrote it, wait for it, tell the user how to get in. Any failure
 * after the create deletes the copy; only Ctrl-C during the wait leaves it (and prints how to delete it).
 */
import { DeniedError, EnvironmentError, UsageError } from '../../errors.js';
import {
  ANNOTATIONS,
  mutatePod,
  parseDuration,
  formatDuration,
  type JsonObject,
  type Pod,
} from '../../mutation/index.js';
import { booleanFlag, clusterFlags, outputFormat, parseFlags, stringFlag, type FlagValues } from './args.js';
import { DEBUG_FLAGS, DEFAULT_TIMEOUT } from './flags.js';
import { CopyFailedError, InterruptedError, RefusedError } from '../cli-errors.js';
import type { CliContext } from '../context.js';
import { createdCopy, type CreatedCopy } from '../copy/created-copy.js';
import { openShell } from '../kube/exec.js';
import { EXIT_OK } from '../exit-code.js';
import { stringAt, stringMapAt } from '../../mutation/json.js';
import { KubeClient } from '../kube/kube-client.js';
import { flagText, optionFlagsFrom, validateContainerFlag, type OptionFlags } from '../copy/option-flags.js';
import { formatObject, type OutputFormat } from '../text/output.js';
import { pickDeadContainer } from '../picker/picker.js';
import { copyPod, isDebugCopy, sourceOptions } from '../copy/pod-copy.js';
import { cleanupCommand, renderReport } from '../text/report.js';
import { shellJoin } from '../text/shell-quote.js';
import { waitForCopy } from '../kube/wait.js';
import { imageCommandMode, type ImageCommandMode } from '../image/image-command-flag.js';
import { addImageCommands } from '../image/image-commands.js';
import { parseTarget, targetText, type Target, type WorkloadKind } from '../workload/target.js';
import { resolveWorkload } from '../workload/resolve.js';
import { copyTemplate, podFromTemplate } from '../workload/template-copy.js';
import { keepAwayFromController } from '../workload/adoption.js';
import { guardAgainstOwner } from '../workload/owner-guard.js';
import { recordCopyEvent, type EventSource } from '../kube/events.js';

export interface DebugOptions {
  /** POD, pod/NAME or TYPE/NAME of a workload; undefined: pick a dead container. */
  target: Target | undefined;
  /** --pick: with TYPE/NAME, choose among the workload's pods. */
  pick: boolean;
  allNamespaces: boolean;
  flags: OptionFlags;
  sameNode: boolean;
  keepLabels: boolean;
  keepAnnotations: boolean;
  local: boolean;
  dryRun: 'client' | 'server' | undefined;
  output: OutputFormat | undefined;
  exec: boolean;
  rm: boolean;
  noWait: boolean;
  timeoutMs: number;
  imageCommand: ImageCommandMode;
  cluster: { kubeconfig: string | undefined; context: string | undefined; namespace: string | undefined };
}

/** Parses and checks everything that does not need the cluster. */
export function parseDebugOptions(args: readonly string[]): DebugOptions {
  const { values, positionals } = parseFlags('', args, DEBUG_FLAGS);
  if (positionals.length > 1) {
    throw new UsageError(
      `expected one POD, got ${positionals.length}: ${positionals.join(' ')}\nSee 'kubectl debugdead --help' for usage.`,
    );
  }
  const flag = (name: string, from: FlagValues = values): boolean => booleanFlag(from, name) === true;
  const dryRunValue = stringFlag(values, 'dry-run');
  if (dryRunValue !== undefined && !['none', 'client', 'server'].includes(dryRunValue)) {
    throw new UsageError(`invalid --dry-run value "${dryRunValue}": use --dry-run=client or --dry-run=server`);
  }
  const dryRun = dryRunValue === 'client' || dryRunValue === 'server' ? dryRunValue : undefined;
  const output = outputFormat(values, '');
  if (output !== undefined && dryRun === undefined) {
    throw new UsageError(
      '-o/--output prints the copy without creating it: use it with --dry-run=client or --dry-run=server',
    );
  }
  const exec = flag('exec');
  const rm = flag('rm');
  const noWait = flag('no-wait');
  if (rm && !exec) throw new UsageError('--rm deletes the copy when the shell of --exec exits: use it with --exec');
  if (exec && (noWait || dryRun !== undefined)) {
    throw new UsageError(
      `--exec opens a shell in the running copy: it cannot be combined with ${noWait ? '--no-wait' : '--dry-run'}`,
    );
  }
  const timeoutText = stringFlag(values, 'timeout') ?? DEFAULT_TIMEOUT;
  const timeoutSeconds = parseDuration(timeoutText);
  if (timeoutSeconds === undefined) {
    throw new UsageError(`invalid value "${timeoutText}" for --timeout: use a positive duration such as 90s, 5m or 1h`);
  }
  const target = positionals[0] === undefined ? undefined : parseTarget(positionals[0]);
  const allNamespaces = flag('all-namespaces');
  const pick = flag('pick');
  if (pick && target?.type !== 'workload') {
    throw new UsageError(
      '--pick chooses among the pods of a workload: use it with TYPE/NAME (e.g. deploy/web); with no argument the picker opens anyway',
    );
  }
  if (target !== undefined && allNamespaces) {
    throw new UsageError(
      '-A/--all-namespaces is for choosing among dead containers when no POD is given: with a POD, use -n NAMESPACE',
    );
  }
  const flags = optionFlagsFrom(values);
  return {
    target,
    pick,
    allNamespaces,
    flags,
    sameNode: flag('same-node'),
    keepLabels: flag('keep-labels'),
    keepAnnotations: flag('keep-annotations'),
    local: flag('local'),
    dryRun,
    output,
    exec,
    rm,
    noWait,
    timeoutMs: timeoutSeconds * 1000,
    imageCommand: imageCommandMode(stringFlag(values, 'image-command')),
    cluster: clusterFlags(values),
  };
}

/** The flags printed kubectl commands must repeat so that they reach the same cluster. */
export function kubectlFlags(cluster: DebugOptions['cluster']): string[] {
  return [
    ...(cluster.kubeconfig === undefined ? [] : ['--kubeconfig', cluster.kubeconfig]),
    ...(cluster.context === undefined ? [] : ['--context', cluster.context]),
  ];
}

/** `namespace/name` of debug.dead/source, when it names a pod. */
function recordedSource(value: string | undefined): { namespace: string; name: string } | undefined {
  const parts = value?.split('/') ?? [];
  const [namespace = '', name = ''] = parts;
  return parts.length === 2 && namespace !== '' && name !== '' ? { namespace, name } : undefined;
}

/**
 * The pod to copy: the named one, or, when it is itself a debug copy, the pod it was made from, but only within
 * its namespace (issue 14.10): debug.dead/source is an annotation anyone who may edit the copy can set, and
 * following it elsewhere would copy another namespace's pod, with its service account, into that namespace.
 */
async function sourcePod(client: KubeClient, context: CliContext, namespace: string, name: string): Promise<Pod> {
  const pod = await client.getPod(namespace, name);
  if (!isDebugCopy(pod)) return pod;
  const origin = stringMapAt(pod.metadata, 'annotations')[ANNOTATIONS.source];
  const parts = origin?.split('/') ?? [];
  if (parts.length === 3) {
    const [type = '', workloadNamespace = '', workloadName = ''] = parts;
    throw new UsageError(
      `pod "${name}" is a debug copy of the pod template of ${type}/${workloadName} (namespace ${workloadNamespace}): ` +
        `run kubectl debugdead -n ${workloadNamespace} ${type}/${workloadName} for a new copy, or use this one`,
    );
  }
  const recorded = recordedSource(origin);
  if (recorded === undefined) {
    throw new UsageError(
      `pod "${name}" is a debugdead copy whose source is not recorded (no ${ANNOTATIONS.source}): a copy of it would keep the keep-alive, ` +
        'not your application. Use the copy itself, or debug the original pod',
    );
  }
  if (recorded.namespace !== namespace) {
    throw new RefusedError(
      `pod "${name}" in namespace "${namespace}" is a debug copy whose ${ANNOTATIONS.source} points to pod "${recorded.name}" in ` +
        `namespace "${recorded.namespace}": debugdead follows it only within the same namespace, so nothing was copied. ` +
        `If that pod is the one to debug, name it yourself: kubectl debugdead ${recorded.name} -n ${recorded.namespace}`,
    );
  }
  context.stderr.write(`note: ${namespace}/${name} is a debug copy: copying its source ${origin ?? ''} instead\n`);
  let original: Pod;
  try {
    original = await client.getPod(recorded.namespace, recorded.name);
  } catch (error) {
    if ((error as { statusCode?: unknown }).statusCode !== 404) throw error;
    throw new UsageError(
      `pod "${name}" is a debug copy of ${origin ?? ''}, which no longer exists: a copy of the copy would keep the keep-alive, not your ` +
        `application. Use the copy itself (its original command is in its ${ANNOTATIONS.original} annotation)`,
      { cause: error },
    );
  }
  if (isDebugCopy(original)) {
    throw new UsageError(`pod "${name}" is a copy of ${origin ?? ''}, itself a debug copy: debug the original pod`);
  }
  return original;
}

function webhookMissing(namespace: string, name: string, deleted: boolean): EnvironmentError {
  return new EnvironmentError(
    `the copy ${namespace}/${name} came back without the ${ANNOTATIONS.mutated} marker: the debugdead webhook is not active in ` +
      `namespace "${namespace}", so the copy would only crash again. ${deleted ? 'The copy was deleted. ' : ''}` +
      `Fix: install the webhook (kubectl apply -k manifests/) and opt the namespace in (kubectl label ns ${namespace} ` +
      `${ANNOTATIONS.enable}=true), or run again with --local to apply the rewrite here, without a webhook`,
  );
}

export async function runDebug(args: string[], context: CliContext): Promise<number> {
  const options = parseDebugOptions(args);
  const client = await KubeClient.connect(
    options.cluster,
    { kubeconfigEnv: context.kubeconfigEnv, homeDir: context.homeDir },
    { onWarning: (warning) => context.stderr.write(`Warning: ${warning}\n`) },
  );
  try {
    return await debug(client, context, options);
  } finally {
    await client.close();
  }
}

async function debug(client: KubeClient, context: CliContext, options: DebugOptions): Promise<number> {
  let namespace = client.namespace;
  let target = options.target;
  let container = flagText(options.flags, 'container');
  if (target === undefined) {
    const picked = await pickDeadContainer(client, context, { allNamespaces: options.allNamespaces, container });
    namespace = picked.namespace;
    target = parseTarget(picked.pod);
    container = picked.container === '' ? container : picked.container;
  }
  let workload: { kind: WorkloadKind; object: JsonObject } | undefined;
  let owner: { kind: WorkloadKind; object: JsonObject } | undefined;
  let name = target.name;
  if (target.type === 'workload') {
    const resolved = await resolveWorkload(client, context, namespace, target.kind, target.name, {
      container,
      pick: options.pick,
    });
    owner = { kind: target.kind, object: resolved.workload };
    if (resolved.kind === 'pod') {
      name = resolved.name;
      container = resolved.container;
    } else {
      workload = owner;
    }
  }
  const source =
    workload === undefined
      ? await sourcePod(client, context, namespace, name)
      : podFromTemplate(workload.kind, workload.object);
  validateContainerFlag(source, container);
  if (options.sameNode && stringAt(source.spec, 'nodeName') === undefined) {
    throw new UsageError(
      workload === undefined
        ? `--same-node: pod "${name}" was never scheduled to a node, so there is no node to put the copy on`
        : `--same-node: ${targetText(workload.kind, name)} has no pod left, so there is no node to put the copy on`,
    );
  }
  const ignored = sourceOptions(source);
  if (ignored.length > 0) {
    context.stderr.write(
      `note: the source pod's own debugdead options are not used: ${ignored.join(', ')}. The copy's options come from ` +
        'the flags and the defaults only (kubectl debugdead --help)\n',
    );
  }
  const copyOptions = {
    ...options.flags,
    container,
    suffix: context.randomSuffix(),
    sameNode: options.sameNode,
    keepLabels: options.keepLabels,
    keepAnnotations: options.keepAnnotations,
  };
  let copy =
    workload === undefined ? copyPod(source, copyOptions) : copyTemplate(workload.kind, workload.object, copyOptions);
  if (options.keepLabels) {
    const note =
      owner !== undefined && target.type === 'workload'
        ? keepAwayFromController(copy, owner.kind, owner.object, target.name)
        : workload === undefined
          ? await guardAgainstOwner(client, source, copy)
          : undefined;
    if (note !== undefined) context.stderr.write(`note: ${note}\n`);
  }
  // The same checks as the webhook's, before anything is created: an invalid choice is refused here.
  let local = mutatePod(copy, context.mutationConfig, { operation: 'CREATE' });
  if (local.outcome === 'denied') throw new DeniedError(local.message);
  if (local.outcome === 'mutated') {
    // The image's ENTRYPOINT and CMD for targets without a command (debug.dead/image-command), then the same checks again.
    const { targets } = createdCopy(local.pod, namespace);
    const withCommands = await addImageCommands(client, context, { source, copy, targets, mode: options.imageCommand });
    if (withCommands !== copy) {
      copy = withCommands;
      local = mutatePod(copy, context.mutationConfig, { operation: 'CREATE' });
      if (local.outcome === 'denied') throw new DeniedError(local.message);
    }
  }
  if (options.local && local.outcome !== 'mutated') {
    throw new DeniedError(
      `--local: the rewrite left the copy unchanged (${local.reason}), so it would only crash again`,
    );
  }
  const body = options.local && local.outcome === 'mutated' ? local.pod : copy;

  if (options.dryRun === 'client') {
    context.stdout.write(await formatObject(body, options.output ?? 'yaml'));
    return EXIT_OK;
  }
  if (options.dryRun === 'server') {
    const answer = await client.createPod(body, { dryRun: true });
    context.stdout.write(await formatObject(answer, options.output ?? 'yaml'));
    const stored = createdCopy(answer, namespace);
    if (!stored.mutated) throw webhookMissing(stored.namespace, stored.name, false);
    return EXIT_OK;
  }
  const eventSource: EventSource =
    workload === undefined
      ? {
          apiVersion: 'v1',
          kind: 'Pod',
          namespace: stringAt(source.metadata, 'namespace') ?? namespace,
          name: stringAt(source.metadata, 'name') ?? name,
          uid: stringAt(source.metadata, 'uid'),
        }
      : {
          apiVersion: `${workload.kind.group}/${workload.kind.version}`,
          kind: workload.kind.kind,
          namespace: stringAt(workload.object.metadata, 'namespace') ?? namespace,
          name: stringAt(workload.object.metadata, 'name') ?? name,
          uid: stringAt(workload.object.metadata, 'uid'),
        };
  const created = await createAndWait(client, context, options, body, eventSource);
  if (!options.exec) return EXIT_OK;

  const code = await openShell(context, client, {
    namespace: created.namespace,
    name: created.name,
    container: created.targets[0] ?? container ?? '',
    mountPath: created.state.summary?.mountPath ?? context.mutationConfig.mountPath,
    kubectlFlags: kubectlFlags(options.cluster),
  });
  if (code !== 0) context.stderr.write(`note: the shell exited with code ${code}\n`);
  if (options.rm) {
    await client.deletePod(created.namespace, created.name, created.uid);
    context.stdout.write(`pod "${created.name}" deleted\n`);
  }
  return EXIT_OK;
}

/** Creates the copy and waits for it (unless --no-wait); returns the copy as created. */
async function createAndWait(
  client: KubeClient,
  context: CliContext,
  options: DebugOptions,
  body: Pod,
  eventSource: EventSource,
): Promise<CreatedCopy> {
  const interrupt = new AbortController();
  const release = context.onInterrupt(() => {
    interrupt.abort();
  });
  const flags = kubectlFlags(options.cluster);
  let created: CreatedCopy | undefined;
  let cleanupTried = false;
  /** Deletes the copy, then throws the error made for the outcome (with the cleanup command if the delete failed). */
  const removeAndThrow = async (make: (deleted: boolean) => Error): Promise<never> => {
    cleanupTried = true;
    const namespace = created?.namespace ?? '';
    const name = created?.name ?? '';
    let cleanupError: unknown;
    try {
      await client.deletePod(namespace, name, created?.uid);
    } catch (error) {
      cleanupError = error;
    }
    const error = make(cleanupError === undefined);
    if (cleanupError === undefined) throw error;
    throw new CopyFailedError(
      `${error.message}\nThe copy could not be deleted (${(cleanupError as Error).message}): ${cleanupCommand(namespace, name, flags)}`,
      { cause: error },
    );
  };
  try {
    created = createdCopy(await client.createPod(body), '');
    const { namespace, name, state } = created;
    if (!created.mutated) return await removeAndThrow((deleted) => webhookMissing(namespace, name, deleted));
    await recordCopyEvent(client, context.stderr, eventSource, name, context.now());
    if (options.noWait) {
      context.stdout.write(renderReport(created.pod, { kubectlFlags: flags, running: false }));
      return created;
    }
    const outcome = await waitForCopy(client, {
      namespace,
      name,
      uid: created.uid,
      targets: {
        containers: state.summary?.containers ?? [],
        initContainers: state.summary?.initContainers ?? [],
        toolsContainer: state.summary?.toolsContainer ?? '',
        toolsImage: state.summary?.toolsImage ?? '',
      },
      timeoutMs: options.timeoutMs,
      pollIntervalMs: context.pollIntervalMs,
      signal: interrupt.signal,
      stderr: context.stderr,
    });
    switch (outcome.kind) {
      case 'running':
        context.stdout.write(renderReport(outcome.pod, { kubectlFlags: flags, running: true }));
        return created;
      case 'interrupted':
        cleanupTried = true;
        throw new InterruptedError(
          `stopped waiting for ${namespace}/${name}; the copy is left as it is.\n` +
            `  Watch it:  ${shellJoin(['kubectl', 'get', 'pod', ...flags, '-n', namespace, name, '-w'])}\n` +
            `  Delete it: ${cleanupCommand(namespace, name, flags)}`,
        );
      case 'timeout':
        return await removeAndThrow(
          (deleted) =>
            new CopyFailedError(
              `the copy ${namespace}/${name} was not running after ${formatDuration(options.timeoutMs / 1000)} (${outcome.status})` +
                `${deleted ? '; it was deleted' : ''}. The events above say why; wait longer with --timeout, or keep the copy to ` +
                'inspect it with --no-wait',
            ),
        );
      case 'stopped':
        return await removeAndThrow(
          (deleted) =>
            new CopyFailedError(
              `the copy ${namespace}/${name} stopped before it ran: ${outcome.reason}${deleted ? '; it was deleted' : ''}`,
            ),
        );
    }
  } catch (error) {
    if (created !== undefined && !cleanupTried) await removeAndThrow(() => error as Error);
    throw error;
  } finally {
    release();
  }
}
