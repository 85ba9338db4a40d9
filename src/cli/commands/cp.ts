/**
 * `kubectl debugdead cp SRC DST`: files in and out of a debug copy. `kubectl cp` runs `tar` by name from the
 * container's PATH, which a distroless image does not have (PITFALLS 33); the copy has busybox in its tools
 * directory (where debug.dead/mutated says it is mounted), and this runs that busybox's tar through the exec of
 * --exec (kubectl when installed, else the websocket exec). Directories and symlinks are copied, file modes
 * kept; a pod that is not a debug copy, a container without the tools volume and a missing path are refused
 * with what to do instead.
 */
import { lstat, stat } from 'node:fs/promises';
import path from 'node:path';
import { PassThrough, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { UsageError } from '../../errors.js';
import type { Pod } from '../../mutation/index.js';
import { clusterFlags, parseFlags, stringFlag } from './args.js';
import { CP_FLAGS } from './flags.js';
import { ChildProcessError, RefusedError } from '../cli-errors.js';
import type { CliContext } from '../context.js';
import { copyState, targetContainers } from '../copy/copy-state.js';
import { parseCopyArgs, type RemotePath } from '../cp/cp-args.js';
import { EXIT_OK } from '../exit-code.js';
import { objectsAt, stringAt } from '../../mutation/json.js';
import { runInContainer, type CommandTarget } from '../kube/exec-command.js';
import { KubeClient } from '../kube/kube-client.js';

export /** What a path in the pod is: prints dir, file, missing (its directory exists) or noparent. $0 is busybox. */
const PROBE =
  'if [ -d "$1" ]; then echo dir; elif [ -e "$1" ] || [ -L "$1" ]; then echo file; ' +
  'elif [ -d "$("$0" dirname "$1")" ]; then echo missing; else echo noparent; fi';

interface Remote extends CommandTarget {
  busybox: string;
}

function kubectlFlags(cluster: ReturnType<typeof clusterFlags>): string[] {
  return [
    ...(cluster.kubeconfig === undefined ? [] : ['--kubeconfig', cluster.kubeconfig]),
    ...(cluster.context === undefined ? [] : ['--context', cluster.context]),
  ];
}

/** The container to run tar in, and where its tools are: only a debug copy's kept-alive containers have them. */
export function remoteOf(pod: Pod, containerFlag: string | undefined): { container: string; busybox: string } {
  const name = stringAt(pod.metadata, 'name') ?? '';
  const namespace = stringAt(pod.metadata, 'namespace') ?? '';
  const state = copyState(pod);
  if (state.summary === undefined) {
    throw new RefusedError(
      `pod "${name}" in namespace "${namespace}" is not a debug copy made by debugdead (no debug.dead/mutated): it has no tools ` +
        `directory with a tar. Make a copy first (kubectl debugdead -n ${namespace} ${name}), or use kubectl cp if the image has tar`,
    );
  }
  const targets = targetContainers(state);
  const container = containerFlag ?? targets[0] ?? '';
  const spec = [...objectsAt(pod.spec, 'containers'), ...objectsAt(pod.spec, 'initContainers')].find(
    (candidate) => stringAt(candidate, 'name') === container,
  );
  const mount = objectsAt(spec, 'volumeMounts').find(
    (volumeMount) => stringAt(volumeMount, 'name') === state.summary?.toolsVolume,
  );
  const mountPath = stringAt(mount, 'mountPath');
  if (!targets.includes(container) || mountPath === undefined) {
    throw new UsageError(
      `container "${container}" of the debug copy ${namespace}/${name} has no tools directory (only the kept-alive ` +
        `container${targets.length === 1 ? ' has' : 's have'} one): use -c ${targets.join(' or -c ')}`,
    );
  }
  return { container, busybox: path.posix.join(mountPath, 'busybox') };
}

/** Collects what a command writes. */
function collector(): { stream: Writable; text: () => string } {
  const chunks: Buffer[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      chunks.push(chunk);
      callback();
    },
  });
  return { stream, text: () => Buffer.concat(chunks).toString('utf8') };
}

async function probe(context: CliContext, client: KubeClient, remote: Remote, target: string): Promise<string> {
  const out = collector();
  const err = collector();
  const code = await runInContainer(
    context,
    client,
    remote,
    [remote.busybox, 'sh', '-c', PROBE, remote.busybox, target],
    {
      stdout: out.stream,
      stderr: err.stream,
    },
  );
  const kind = out.text().trim();
  if (code !== 0 || !['dir', 'file', 'missing', 'noparent'].includes(kind)) {
    throw new ChildProcessError(
      `cannot look at "${target}" in ${remote.namespace}/${remote.name}: ${remote.busybox} exited with ${code}: ${err.text().trim()}`,
    );
  }
  return kind;
}

function where(remote: Remote): string {
  return `pod ${remote.namespace}/${remote.name} (container ${remote.container})`;
}

function tarFailed(remote: Remote, code: number, stderr: string): ChildProcessError {
  return new ChildProcessError(`tar in ${where(remote)} exited with ${code}: ${stderr.trim() || '(no message)'}`);
}

/** Replaces the first component of a tar entry's name. */
function renameTop<T extends { name: string }>(from: string, to: string): (header: T) => T {
  return (header) => {
    const [top, ...rest] = header.name.split('/');
    if (top === from) header.name = [to, ...rest].join('/');
    return header;
  };
}

async function fromPod(
  context: CliContext,
  client: KubeClient,
  remote: Remote,
  source: string,
  local: string,
): Promise<void> {
  const kind = await probe(context, client, remote, source);
  if (kind === 'missing' || kind === 'noparent') {
    throw new UsageError(`"${source}" does not exist in ${where(remote)}: nothing was copied`);
  }
  const sourceName = path.posix.basename(source);
  if (sourceName === '' || sourceName === '/' || sourceName === '.' || sourceName === '..') {
    throw new UsageError(`cp copies a named file or directory: "${source}" names none; write its full path`);
  }
  let destinationDir: string;
  let destinationName: string;
  const existing = await stat(local).catch(() => undefined);
  if (existing?.isDirectory() === true) {
    destinationDir = local;
    destinationName = sourceName;
  } else {
    destinationDir = path.dirname(local);
    destinationName = path.basename(local);
    if ((await stat(destinationDir).catch(() => undefined))?.isDirectory() !== true) {
      throw new UsageError(`local directory "${destinationDir}" does not exist: nothing was copied`);
    }
  }
  const root = path.resolve(destinationDir);
  const { extract } = await import('tar-fs');
  const err = collector();
  const archive = new PassThrough();
  const extracting = pipeline(
    archive,
    extract(root, {
      umask: 0,
      chown: false,
      map: renameTop(sourceName, destinationName),
      // A link that points out of what is copied is not followed here: skipped with a warning, as kubectl cp does.
      ignore: (name, header) => {
        if (header?.type !== 'symlink' || header.linkname == null) return false;
        const target = path.resolve(path.dirname(name), header.linkname);
        if (target === root || target.startsWith(`${root}${path.sep}`)) return false;
        context.stderr.write(`warning: skipping symlink ${name} -> ${header.linkname}: it points outside ${root}\n`);
        return true;
      },
    }),
  );
  const command = [remote.busybox, 'tar', 'cf', '-', '-C', path.posix.dirname(source), sourceName];
  const code = await runInContainer(context, client, remote, command, { stdout: archive, stderr: err.stream });
  archive.end();
  await extracting;
  if (code !== 0) throw tarFailed(remote, code, err.text());
}

async function toPod(
  context: CliContext,
  client: KubeClient,
  remote: Remote,
  local: string,
  destination: string,
): Promise<void> {
  const source = await lstat(local).catch(() => undefined);
  if (source === undefined) throw new UsageError(`local path "${local}" does not exist: nothing was copied`);
  const sourceName = path.basename(path.resolve(local));
  const kind = await probe(context, client, remote, destination);
  if (kind === 'noparent') {
    throw new UsageError(
      `directory "${path.posix.dirname(destination)}" does not exist in ${where(remote)}: nothing was copied`,
    );
  }
  const targetDir = kind === 'dir' ? destination : path.posix.dirname(destination);
  const targetName = kind === 'dir' ? sourceName : path.posix.basename(destination);
  const { pack } = await import('tar-fs');
  const archive = pack(path.dirname(path.resolve(local)), {
    entries: [sourceName],
    umask: 0,
    map: renameTop(sourceName, targetName),
  });
  const err = collector();
  const code = await runInContainer(context, client, remote, [remote.busybox, 'tar', 'xf', '-', '-C', targetDir], {
    stdin: archive,
    stdout: collector().stream,
    stderr: err.stream,
  });
  if (code !== 0) throw tarFailed(remote, code, err.text());
}

export async function runCp(args: string[], context: CliContext): Promise<number> {
  const { values, positionals } = parseFlags('cp', args, CP_FLAGS);
  const direction = parseCopyArgs(positionals);
  const cluster = clusterFlags(values);
  const client = await KubeClient.connect(cluster, { kubeconfigEnv: context.kubeconfigEnv, homeDir: context.homeDir });
  try {
    const remotePath: RemotePath = direction.remote;
    const namespace = remotePath.namespace ?? client.namespace;
    const pod = await client.getPod(namespace, remotePath.pod);
    const { container, busybox } = remoteOf(pod, stringFlag(values, 'container'));
    const remote: Remote = {
      namespace,
      name: remotePath.pod,
      container,
      busybox,
      kubectlFlags: kubectlFlags(cluster),
    };
    if (direction.kind === 'from-pod') await fromPod(context, client, remote, remotePath.path, direction.local);
    else await toPod(context, client, remote, direction.local, remotePath.path);
    return EXIT_OK;
  } finally {
    await client.close();
  }
}
