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
  type MutationResult,
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
import { waitForCopy, type WaitOutcome, type WaitTargets } from '../kube/wait.js';
import { waitForInitKeepAlives } from '../kube/ready-wait.js';
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
  const dryRun = dryRunOf(values);
  const output = outputFormat(values, '');
  if (output !== undefined && dryRun === undefined) {
    throw new UsageError(
      '-o/--output prints the copy without creating it: use it with --dry-run=client or --dry-run=server',
    );
  }
  const shell = { exec: flag('exec'), rm: flag('rm'), noWait: flag('no-wait') };
  checkShellFlags(shell, dryRun);
  const timeoutMs = timeoutMsOf(values);
  const target = positionals[0] === undefined ? undefined : parseTarget(positionals[0]);
  const chooser = { pick: flag('pick'), allNamespaces: flag('all-namespaces') };
  checkTargetFlags(target, chooser);
  return {
    target,
    ...chooser,
    flags: optionFlagsFrom(values),
    sameNode: flag('same-node'),
    keepLabels: flag('keep-labels'),
    keepAnnotations: flag('keep-annotations'),
    local: flag('local'),
    dryRun,
    output,
    ...shell,
    timeoutMs,
    imageCommand: imageCommandMode(stringFlag(values, 'image-command')),
    cluster: clusterFlags(values),
  };
}

/** --dry-run: client or server; none (or no flag) is undefined. */
function dryRunOf(values: FlagValues): DebugOptions['dryRun'] {
  const value = stringFlag(values, 'dry-run');
  if (value !== undefined && !['none', 'client', 'server'].includes(value)) {
    throw new UsageError(`invalid --dry-run value "${value}": use --dry-run=client or --dry-run=server`);
  }
  return value === 'client' || value === 'server' ? value : undefined;
}

/** --rm only with --exec; --exec needs a running copy, so neither --no-wait nor --dry-run. */
function checkShellFlags(shell: { exec: boolean; rm: boolean; noWait: boolean }, dryRun: DebugOptions['dryRun']): void {
  const { exec, rm, noWait } = shell;
  if (rm && !exec) throw new UsageError('--rm deletes the copy when the shell of --exec exits: use it with --exec');
  if (exec && (noWait || dryRun !== undefined)) {
    throw new UsageError(
      `--exec opens a shell in the running copy: it cannot be combined with ${noWait ? '--no-wait' : '--dry-run'}`,
    );
  }
}

/** --timeout (or its default) in milliseconds. */
function timeoutMsOf(values: FlagValues): number {
  const text = stringFlag(values, 'timeout') ?? DEFAULT_TIMEOUT;
  const seconds = parseDuration(text);
  if (seconds === undefined) {
    throw new UsageError(`invalid value "${text}" for --timeout: use a positive duration such as 90s, 5m or 1h`);
  }
  return seconds * 1000;
}

/** --pick goes with TYPE/NAME; -A only when no POD is given (the picker chooses). */
function checkTargetFlags(target: Target | undefined, chooser: { pick: boolean; allNamespaces: boolean }): void {
  if (chooser.pick && target?.type !== 'workload') {
    throw new UsageError(
      '--pick chooses among the pods of a workload: use it with TYPE/NAME (e.g. deploy/web); with no argument the picker opens anyway',
    );
  }
  if (target !== undefined && chooser.allNamespaces) {
    throw new UsageError(
      '-A/--all-namespaces is for choosing among dead containers when no POD is given: with a POD, use -n NAMESPACE',
    );
  }
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
  const recorded = followableSource(namespace, name, origin);
  context.stderr.write(`note: ${namespace}/${name} is a debug copy: copying its source ${origin ?? ''} instead\n`);
  return await originalOfCopy(client, name, origin ?? '', recorded);
}

/** Where the copy `namespace/name` was made from (`origin`), when debugdead may follow it: a pod of the same namespace. */
function followableSource(
  namespace: string,
  name: string,
  origin: string | undefined,
): { namespace: string; name: string } {
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
  return recorded;
}

/** The pod the copy `name` was made from; gone, or itself a copy, is a usage error. */
async function originalOfCopy(
  client: KubeClient,
  name: string,
  origin: string,
  recorded: { namespace: string; name: string },
): Promise<Pod> {
  let original: Pod;
  try {
    original = await client.getPod(recorded.namespace, recorded.name);
  } catch (error) {
    if ((error as { statusCode?: unknown }).statusCode !== 404) throw error;
    throw new UsageError(
      `pod "${name}" is a debug copy of ${origin}, which no longer exists: a copy of the copy would keep the keep-alive, not your ` +
        `application. Use the copy itself (its original command is in its ${ANNOTATIONS.original} annotation)`,
      { cause: error },
    );
  }
  if (isDebugCopy(original)) {
    throw new UsageError(`pod "${name}" is a copy of ${origin}, itself a debug copy: debug the original pod`);
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

/** A workload named as TYPE/NAME: its kind, its object as read, and its name as given. */
interface Workload {
  kind: WorkloadKind;
  object: JsonObject;
  name: string;
}

/** What is copied, and from where. */
interface Source {
  namespace: string;
  /** The pod's name; when a workload's pod template is copied, the workload's. */
  name: string;
  /** -c, or the container the picker or the workload's pods chose. */
  container: string | undefined;
  /** The pod to copy (a workload's pod template as a pod, when no pod of it is left). */
  pod: Pod;
  /** The workload named as TYPE/NAME, whether one of its pods or its template is copied. */
  owner: Workload | undefined;
  /** The owner again when its pod template is copied; undefined when a pod is copied. */
  workload: Workload | undefined;
}

/**
 * The run, step by step: find the source, check it, write the copy, check it as the webhook would, then print it
 * (--dry-run) or create it and wait for it, and open the shell (--exec).
 */
async function debug(client: KubeClient, context: CliContext, options: DebugOptions): Promise<number> {
  const source = await findSource(client, context, options);
  checkSource(context, options, source);
  const copy = await writeCopy(client, context, options, source);
  const body = await checkedCopy(client, context, options, source, copy);
  if (options.dryRun !== undefined) return await printDryRun(client, context, options, body, source.namespace);
  const created = await createAndWait(client, context, options, body, eventSourceOf(source));
  if (!options.exec) return EXIT_OK;
  return await shellInCopy(client, context, options, created, source.container);
}

/** The target named on the command line, or picked among the dead containers; its namespace and container. */
async function chooseTarget(
  client: KubeClient,
  context: CliContext,
  options: DebugOptions,
): Promise<{ namespace: string; target: Target; container: string | undefined }> {
  const container = flagText(options.flags, 'container');
  if (options.target !== undefined) return { namespace: client.namespace, target: options.target, container };
  const picked = await pickDeadContainer(client, context, { allNamespaces: options.allNamespaces, container });
  return {
    namespace: picked.namespace,
    target: parseTarget(picked.pod),
    container: picked.container === '' ? container : picked.container,
  };
}

/** The pod to copy: the one named or picked, or, for TYPE/NAME, one of the workload's pods or else its template. */
async function findSource(client: KubeClient, context: CliContext, options: DebugOptions): Promise<Source> {
  const { namespace, target, container } = await chooseTarget(client, context, options);
  if (target.type !== 'workload') {
    const pod = await sourcePod(client, context, namespace, target.name);
    return { namespace, name: target.name, container, pod, owner: undefined, workload: undefined };
  }
  const resolved = await resolveWorkload(client, context, namespace, target.kind, target.name, {
    container,
    pick: options.pick,
  });
  const owner = { kind: target.kind, object: resolved.workload, name: target.name };
  if (resolved.kind === 'pod') {
    const pod = await sourcePod(client, context, namespace, resolved.name);
    return { namespace, name: resolved.name, container: resolved.container, pod, owner, workload: undefined };
  }
  const pod = podFromTemplate(owner.kind, owner.object);
  return { namespace, name: target.name, container, pod, owner, workload: owner };
}

/** -c names a container of the source, --same-node has a node to go to; the source's own options are not used. */
function checkSource(context: CliContext, options: DebugOptions, source: Source): void {
  validateContainerFlag(source.pod, source.container);
  if (options.sameNode && stringAt(source.pod.spec, 'nodeName') === undefined) {
    throw new UsageError(
      source.workload === undefined
        ? `--same-node: pod "${source.name}" was never scheduled to a node, so there is no node to put the copy on`
        : `--same-node: ${targetText(source.workload.kind, source.name)} has no pod left, so there is no node to put the copy on`,
    );
  }
  const ignored = sourceOptions(source.pod);
  if (ignored.length > 0) {
    context.stderr.write(
      `note: the source pod's own debugdead options are not used: ${ignored.join(', ')}. The copy's options come from ` +
        'the flags and the defaults only (kubectl debugdead --help)\n',
    );
  }
}

/** The copy as debugdead writes it, before the rewrite; with --keep-labels kept away from the source's controller. */
async function writeCopy(client: KubeClient, context: CliContext, options: DebugOptions, source: Source): Promise<Pod> {
  const copyOptions = {
    ...options.flags,
    container: source.container,
    suffix: context.randomSuffix(),
    sameNode: options.sameNode,
    keepLabels: options.keepLabels,
    keepAnnotations: options.keepAnnotations,
  };
  const { owner, workload } = source;
  const copy =
    workload === undefined
      ? copyPod(source.pod, copyOptions)
      : copyTemplate(workload.kind, workload.object, copyOptions);
  if (options.keepLabels) {
    const note =
      owner === undefined
        ? await guardAgainstOwner(client, source.pod, copy)
        : keepAwayFromController(copy, owner.kind, owner.object, owner.name);
    if (note !== undefined) context.stderr.write(`note: ${note}\n`);
  }
  return copy;
}

/** The rewrite, as the webhook would make it; a denial is refused here, before anything is created. */
function rewriteOrRefuse(copy: Pod, context: CliContext): Exclude<MutationResult, { outcome: 'denied' }> {
  const result = mutatePod(copy, context.mutationConfig, { operation: 'CREATE' });
  if (result.outcome === 'denied') throw new DeniedError(result.message);
  return result;
}

/**
 * The same checks as the webhook's, before anything is created: an invalid choice is refused here. A copy the
 * rewrite changes gets the image's ENTRYPOINT and CMD for targets without a command (debug.dead/image-command),
 * then the same checks again. The body to create: the copy, or with --local the copy as rewritten here.
 */
async function checkedCopy(
  client: KubeClient,
  context: CliContext,
  options: DebugOptions,
  source: Source,
  written: Pod,
): Promise<Pod> {
  let copy = written;
  let local = rewriteOrRefuse(copy, context);
  if (local.outcome === 'mutated') {
    const { targets } = createdCopy(local.pod, source.namespace);
    const withCommands = await addImageCommands(client, context, {
      source: source.pod,
      copy,
      targets,
      mode: options.imageCommand,
    });
    if (withCommands !== copy) {
      copy = withCommands;
      local = rewriteOrRefuse(copy, context);
    }
  }
  if (!options.local) return copy;
  if (local.outcome !== 'mutated') {
    throw new DeniedError(
      `--local: the rewrite left the copy unchanged (${local.reason}), so it would only crash again`,
    );
  }
  return local.pod;
}

/** --dry-run: prints the copy as written here (client), or as the API server and its webhooks would store it (server). */
async function printDryRun(
  client: KubeClient,
  context: CliContext,
  options: DebugOptions,
  body: Pod,
  namespace: string,
): Promise<number> {
  if (options.dryRun === 'client') {
    context.stdout.write(await formatObject(body, options.output ?? 'yaml'));
    return EXIT_OK;
  }
  const answer = await client.createPod(body, { dryRun: true });
  context.stdout.write(await formatObject(answer, options.output ?? 'yaml'));
  const stored = createdCopy(answer, namespace);
  if (!stored.mutated) throw webhookMissing(stored.namespace, stored.name, false);
  return EXIT_OK;
}

/** The object the copy's event is recorded on: the source pod, or the workload whose template was copied. */
function eventSourceOf(source: Source): EventSource {
  const { workload, namespace, name } = source;
  const object = workload === undefined ? source.pod : workload.object;
  return {
    apiVersion: workload === undefined ? 'v1' : `${workload.kind.group}/${workload.kind.version}`,
    kind: workload === undefined ? 'Pod' : workload.kind.kind,
    namespace: stringAt(object.metadata, 'namespace') ?? namespace,
    name: stringAt(object.metadata, 'name') ?? name,
    uid: stringAt(object.metadata, 'uid'),
  };
}

/** --exec: a shell in the running copy; with --rm the copy is deleted when the shell exits. */
async function shellInCopy(
  client: KubeClient,
  context: CliContext,
  options: DebugOptions,
  created: CreatedCopy,
  container: string | undefined,
): Promise<number> {
  const code = await openShell(context, client, {
    namespace: created.namespace,
    name: created.name,
    container: created.targets[0] ?? container ?? '',
    mountPath: created.mountPath,
    kubectlFlags: kubectlFlags(options.cluster),
  });
  if (code !== 0) context.stderr.write(`note: the shell exited with code ${code}\n`);
  if (options.rm) {
    await client.deletePod(created.namespace, created.name, created.uid);
    context.stdout.write(`pod "${created.name}" deleted\n`);
  }
  return EXIT_OK;
}

/**
 * A failed run leaves no stray copy: once the copy exists, a failure deletes it (once), and says how to delete
 * it when that fails too. Ctrl-C during the wait leaves it on purpose.
 */
class CopyCleanup {
  private copy: CreatedCopy | undefined;
  private done = false;

  constructor(
    private readonly client: KubeClient,
    private readonly flags: string[],
  ) {}

  /** The copy exists: from now on a failure deletes it. */
  track(copy: CreatedCopy): void {
    this.copy = copy;
  }

  /** The copy is left as it is: no failure deletes it any more. */
  leave(): void {
    this.done = true;
  }

  /** True when a failure must still delete the copy. */
  get pending(): boolean {
    return this.copy !== undefined && !this.done;
  }

  /** Deletes the copy, then throws the error made for the outcome (with the cleanup command if the delete failed). */
  async removeAndThrow(make: (deleted: boolean) => Error): Promise<never> {
    this.done = true;
    const namespace = this.copy?.namespace ?? '';
    const name = this.copy?.name ?? '';
    let cleanupError: unknown;
    try {
      await this.client.deletePod(namespace, name, this.copy?.uid);
    } catch (error) {
      cleanupError = error;
    }
    const error = make(cleanupError === undefined);
    if (cleanupError === undefined) throw error;
    throw new CopyFailedError(
      `${error.message}\nThe copy could not be deleted (${(cleanupError as Error).message}): ${cleanupCommand(namespace, name, this.flags)}`,
      { cause: error },
    );
  }
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
  const cleanup = new CopyCleanup(client, flags);
  try {
    const created = createdCopy(await client.createPod(body), '');
    cleanup.track(created);
    const { namespace, name } = created;
    if (!created.mutated) return await cleanup.removeAndThrow((deleted) => webhookMissing(namespace, name, deleted));
    await recordCopyEvent(client, context.stderr, eventSource, name, context.now());
    if (options.noWait) {
      context.stdout.write(renderReport(created.pod, { kubectlFlags: flags, running: false }));
      return created;
    }
    const outcome = await waitForCopy(client, {
      namespace,
      name,
      uid: created.uid,
      targets: waitTargets(created),
      timeoutMs: options.timeoutMs,
      pollIntervalMs: context.pollIntervalMs,
      signal: interrupt.signal,
      stderr: context.stderr,
    });
    if (outcome.kind === 'running') {
      // A kept-alive plain init container has no postStart hook to hold Running back until its files exist.
      await waitForInitKeepAlives(context, client, {
        namespace,
        name,
        pod: outcome.pod,
        initTargets: created.state.summary?.initContainers ?? [],
        mountPath: created.mountPath,
        kubectlFlags: flags,
      });
    }
    return await afterWait(outcome, created, cleanup, context, options);
  } catch (error) {
    if (cleanup.pending) await cleanup.removeAndThrow(() => error as Error);
    throw error;
  } finally {
    release();
  }
}

/** The containers the wait watches, from the webhook's summary. */
function waitTargets(created: CreatedCopy): WaitTargets {
  const summary = created.state.summary;
  return {
    containers: summary?.containers ?? [],
    initContainers: summary?.initContainers ?? [],
    toolsContainer: summary?.toolsContainer ?? '',
    toolsImage: summary?.toolsImage ?? '',
  };
}

/** The end of the wait: the report once the copy runs; else an error, the copy deleted unless Ctrl-C ended the wait. */
async function afterWait(
  outcome: WaitOutcome,
  created: CreatedCopy,
  cleanup: CopyCleanup,
  context: CliContext,
  options: DebugOptions,
): Promise<CreatedCopy> {
  const { namespace, name } = created;
  const flags = kubectlFlags(options.cluster);
  switch (outcome.kind) {
    case 'running':
      context.stdout.write(renderReport(outcome.pod, { kubectlFlags: flags, running: true }));
      return created;
    case 'interrupted':
      cleanup.leave();
      throw new InterruptedError(
        `stopped waiting for ${namespace}/${name}; the copy is left as it is.\n` +
          `  Watch it:  ${shellJoin(['kubectl', 'get', 'pod', ...flags, '-n', namespace, name, '-w'])}\n` +
          `  Delete it: ${cleanupCommand(namespace, name, flags)}`,
      );
    case 'timeout':
      return await cleanup.removeAndThrow(
        (deleted) =>
          new CopyFailedError(
            `the copy ${namespace}/${name} was not running after ${formatDuration(options.timeoutMs / 1000)} (${outcome.status})` +
              `${deleted ? '; it was deleted' : ''}. The events above say why; wait longer with --timeout, or keep the copy to ` +
              'inspect it with --no-wait',
          ),
      );
    case 'stopped':
      return await cleanup.removeAndThrow(
        (deleted) =>
          new CopyFailedError(
            `the copy ${namespace}/${name} stopped before it ran: ${outcome.reason}${deleted ? '; it was deleted' : ''}`,
          ),
      );
  }
}
