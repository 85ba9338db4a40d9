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
  type Pod,
} from '../../mutation/index.js';
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

export function renderReport(pod: Pod, options: ReportOptions): string {
  const name = stringAt(pod.metadata, 'name') ?? '';
  const namespace = stringAt(pod.metadata, 'namespace') ?? '';
  const source = stringMapAt(pod.metadata, 'annotations')[ANNOTATIONS.source] ?? '(unknown source)';
  const state = copyState(pod);
  const summary = state.summary;
  const mountPath = summary?.mountPath ?? '/debug-dead';
  const containers = summary?.containers ?? [];
  const initContainers = summary?.initContainers ?? [];
  const kept = [...containers, ...initContainers.map((init) => `${init} (init container)`)];
  const lines: string[] = [];
  lines.push(
    `${options.running ? 'Running' : 'Created'}: ${namespace}/${name}, a copy of ${source}` +
      (kept.length === 0 ? '.' : ` with ${kept.join(', ')} kept alive.`),
  );
  if (!options.running)
    lines.push('It is not running yet (--no-wait): kubectl get pod -n ' + `${shellQuote(namespace)} ${name} -w`);

  for (const container of [...containers, ...initContainers]) {
    lines.push('', `Open a shell in ${container} with the tools on PATH:`);
    lines.push(`  ${shellJoin(shellCommand(namespace, name, container, mountPath, options.kubectlFlags))}`);
  }
  const images = imageCommandsOf(pod);
  for (const container of [...containers, ...initContainers]) {
    lines.push('', `Original command of ${container}:`, ...originalLines(state, container, images[container]));
  }
  lines.push('', `Reproduce the crash in the shell: ${mountPath}/rerun`);
  if (initContainers.length > 0) {
    lines.push(`The containers after ${initContainers.join(', ')} do not start while it is kept alive.`);
  }

  const notes: string[] = [];
  if (summary !== undefined && summary.toolsImage !== '') {
    const chosen = ANNOTATIONS.image in stringMapAt(pod.metadata, 'annotations');
    notes.push(
      `Tools image: ${summary.toolsImage} (${chosen ? 'from --image' : 'the default; --image chooses another'})`,
    );
  }
  if (summary !== undefined && summary.volumesReplaced.length > 0) {
    notes.push(
      `Volumes replaced by empty directories (their data is not in the copy): ${summary.volumesReplaced.join(', ')}`,
    );
  }
  if (summary !== undefined && summary.volumesReadOnly.length > 0) {
    notes.push(`Volumes mounted read-only: ${summary.volumesReadOnly.join(', ')}`);
  }
  const probes = Object.entries(summary?.probesRemoved ?? {}).filter(([, removed]) => removed.length > 0);
  if (probes.length > 0) {
    notes.push(
      `Probes removed: ${probes.map(([container, removed]) => `${container} (${removed.join(', ')})`).join('; ')}`,
    );
  }
  const until = expiry(pod);
  const ttl =
    summary === undefined || summary.activeDeadlineSeconds === 0
      ? undefined
      : formatDuration(summary.activeDeadlineSeconds);
  if (ttl !== undefined) {
    notes.push(
      until === undefined
        ? `Time to live: ${ttl} from when it starts (spec.activeDeadlineSeconds)`
        : `Time to live: ${ttl}, until ${until.toISOString().replace('.000Z', 'Z')} (then the pod stops; delete it earlier when done)`,
    );
  }
  if (notes.length > 0) lines.push('', ...notes);

  lines.push('', 'Clean up:', `  ${cleanupCommand(namespace, name, options.kubectlFlags)}`);
  return `${lines.join('\n')}\n`;
}
