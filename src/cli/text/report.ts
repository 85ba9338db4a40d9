/**
 * What the user reads once the copy runs: how to get in, what the original command was, how long it lives,
 * what was neutralised, how to clean up. Pure: the pod and the kubectl flags to repeat in → text.
 */
import {
  ANNOTATIONS,
  formatDuration,
  isOptionProblem,
  parseImageCommand,
  type ImageCommand,
  type ImageCommands,
  type MutationSummary,
  type Pod,
} from '../../mutation/index.js';
import { DEFAULT_MOUNT_PATH } from '../../mutation/config.js';
import { runtimeArgv } from '../../mutation/image-command.js';
import { copyState, expiry, type CopyState } from '../copy/copy-state.js';
import { stringAt, stringMapAt } from '../../mutation/json.js';
import { shellJoin, shellQuote } from './shell-quote.js';

export interface ReportOptions {
  /** Global flags the user gave that printed kubectl commands must repeat (--kubeconfig, --context). */
  kubectlFlags: string[];
  /** False with --no-wait: the copy was created, not seen running. */
  running: boolean;
}

/** `kubectl exec -it … -- <busybox> env ENV=<profile> <busybox> sh`: a shell with the tools on PATH. */
export function shellCommand(
  namespace: string,
  name: string,
  container: string,
  mountPath: string,
  kubectlFlags: string[],
): string[] {
  const busybox = `${mountPath}/busybox`;
  return [
    'kubectl',
    'exec',
    '-it',
    ...kubectlFlags,
    '-n',
    namespace,
    name,
    '-c',
    container,
    '--',
    busybox,
    'env',
    `ENV=${mountPath}/.profile`,
    busybox,
    'sh',
  ];
}

export function cleanupCommand(namespace: string, name: string, kubectlFlags: string[]): string {
  return shellJoin(['kubectl', 'debugdead', 'clean', ...kubectlFlags, '-n', namespace, name]);
}

/** The image commands the copy carries (`debug.dead/image-command`), or none when absent or not valid. */
export function imageCommandsOf(pod: Pod): ImageCommands {
  const value = stringMapAt(pod.metadata, 'annotations')[ANNOTATIONS.imageCommand];
  if (value === undefined) return {};
  const parsed = parseImageCommand(value);
  return isOptionProblem(parsed) ? {} : parsed;
}

/**
 * The original command in words: what Kubernetes ran, saying plainly when it came from the image; with the
 * image's ENTRYPOINT and CMD (read from its registry) the exact argv, by Kubernetes' rules.
 */
export function originalLines(state: CopyState, container: string, image?: ImageCommand): string[] {
  const entry = state.original[container];
  if (entry === undefined) return [`  (not recorded: the copy has no ${ANNOTATIONS.original} entry for ${container})`];
  const { command, args } = entry;
  if (command === null && image !== undefined) {
    const argv = (runtimeArgv(command, args, image) ?? []).map((part) => part.value);
    const digest = `${image.digest.slice(0, 19)}…`;
    if (argv.length === 0) {
      return [`  command: none: the image (${digest}) has no ENTRYPOINT or CMD and the pod spec no command`];
    }
    const from = args === null ? "the image's ENTRYPOINT and CMD" : "the image's ENTRYPOINT and the pod's args";
    return [`  ran:     ${shellJoin(argv)}`, `  from:    ${from} (image ${digest}, read from its registry)`];
  }
  if (command === null && args === null) {
    return [
      '  command: none in the pod spec: the image ENTRYPOINT and CMD ran (they are in the image, not known here)',
    ];
  }
  if (command === null) {
    return [
      '  command: none in the pod spec: the image ENTRYPOINT ran (it is in the image, not known here), with',
      `  args:    ${shellJoin(args ?? [])}`,
    ];
  }
  return [`  command: ${shellJoin(command)}`, ...(args === null ? [] : [`  args:    ${shellJoin(args)}`])];
}

/** What the report says about a copy, read once from the pod. */
interface ReportedCopy {
  pod: Pod;
  name: string;
  namespace: string;
  state: CopyState;
  mountPath: string;
  containers: string[];
  initContainers: string[];
}

function reportedCopy(pod: Pod): ReportedCopy {
  const state = copyState(pod);
  return {
    pod,
    name: stringAt(pod.metadata, 'name') ?? '',
    namespace: stringAt(pod.metadata, 'namespace') ?? '',
    state,
    mountPath: state.summary?.mountPath ?? DEFAULT_MOUNT_PATH,
    containers: state.summary?.containers ?? [],
    initContainers: state.summary?.initContainers ?? [],
  };
}

export function renderReport(pod: Pod, options: ReportOptions): string {
  const copy = reportedCopy(pod);
  const notes = copy.state.summary === undefined ? [] : noteLines(pod, copy.state.summary);
  const lines = [
    ...headlineLines(copy, options.running),
    ...shellLines(copy, options.kubectlFlags),
    ...originalCommandLines(copy),
    '',
    `Reproduce the crash in the shell: ${copy.mountPath}/rerun`,
    ...(copy.initContainers.length > 0
      ? [`The containers after ${copy.initContainers.join(', ')} do not start while it is kept alive.`]
      : []),
    ...(notes.length > 0 ? ['', ...notes] : []),
    '',
    'Clean up:',
    `  ${cleanupCommand(copy.namespace, copy.name, options.kubectlFlags)}`,
  ];
  return `${lines.join('\n')}\n`;
}

/** Running or created, of which source, with which containers kept alive; how to watch it when not running. */
function headlineLines(copy: ReportedCopy, running: boolean): string[] {
  const { pod, namespace, name } = copy;
  const source = stringMapAt(pod.metadata, 'annotations')[ANNOTATIONS.source] ?? '(unknown source)';
  const kept = [...copy.containers, ...copy.initContainers.map((init) => `${init} (init container)`)];
  const headline =
    `${running ? 'Running' : 'Created'}: ${namespace}/${name}, a copy of ${source}` +
    (kept.length === 0 ? '.' : ` with ${kept.join(', ')} kept alive.`);
  if (running) return [headline];
  return [headline, 'It is not running yet (--no-wait): kubectl get pod -n ' + `${shellQuote(namespace)} ${name} -w`];
}

/** For each kept-alive container, the kubectl exec line that opens a shell with the tools on PATH. */
function shellLines(copy: ReportedCopy, kubectlFlags: string[]): string[] {
  return [...copy.containers, ...copy.initContainers].flatMap((container) => [
    '',
    `Open a shell in ${container} with the tools on PATH:`,
    `  ${shellJoin(shellCommand(copy.namespace, copy.name, container, copy.mountPath, kubectlFlags))}`,
  ]);
}

/** For each kept-alive container, the command it ran before it was kept alive. */
function originalCommandLines(copy: ReportedCopy): string[] {
  const images = imageCommandsOf(copy.pod);
  return [...copy.containers, ...copy.initContainers].flatMap((container) => [
    '',
    `Original command of ${container}:`,
    ...originalLines(copy.state, container, images[container]),
  ]);
}

/** What differs from the source: tools image, replaced and read-only volumes, removed probes, time to live. */
function noteLines(pod: Pod, summary: MutationSummary): string[] {
  const notes: string[] = [];
  if (summary.toolsImage !== '') {
    const chosen = ANNOTATIONS.image in stringMapAt(pod.metadata, 'annotations');
    notes.push(
      `Tools image: ${summary.toolsImage} (${chosen ? 'from --image' : 'the default; --image chooses another'})`,
    );
  }
  if (summary.volumesReplaced.length > 0) {
    notes.push(
      `Volumes replaced by empty directories (their data is not in the copy): ${summary.volumesReplaced.join(', ')}`,
    );
  }
  if (summary.volumesReadOnly.length > 0) {
    notes.push(`Volumes mounted read-only: ${summary.volumesReadOnly.join(', ')}`);
  }
  const probes = Object.entries(summary.probesRemoved).filter(([, removed]) => removed.length > 0);
  if (probes.length > 0) {
    notes.push(
      `Probes removed: ${probes.map(([container, removed]) => `${container} (${removed.join(', ')})`).join('; ')}`,
    );
  }
  return [...notes, ...ttlNote(pod, summary)];
}

/** How long the copy lives (spec.activeDeadlineSeconds), and until when once it started; nothing without one. */
function ttlNote(pod: Pod, summary: MutationSummary): string[] {
  if (summary.activeDeadlineSeconds === 0) return [];
  const ttl = formatDuration(summary.activeDeadlineSeconds);
  const until = expiry(pod);
  return [
    until === undefined
      ? `Time to live: ${ttl} from when it starts (spec.activeDeadlineSeconds)`
      : `Time to live: ${ttl}, until ${until.toISOString().replace('.000Z', 'Z')} (then the pod stops; delete it earlier when done)`,
  ];
}
