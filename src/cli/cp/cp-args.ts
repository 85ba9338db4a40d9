/**
 * `kubectl debugdead cp SRC DST` in kubectl cp's syntax: one side `[NAMESPACE/]POD:PATH`, the other a local path.
 * A local path that contains ":" is written with a leading ./ or as an absolute path, as for kubectl. Pure.
 */
import { UsageError } from '../../errors.js';

export interface RemotePath {
  namespace: string | undefined;
  pod: string;
  path: string;
}

export type CopyDirection =
  { kind: 'from-pod'; remote: RemotePath; local: string } | { kind: 'to-pod'; local: string; remote: RemotePath };

const USAGE = "See 'kubectl debugdead cp --help' for usage.";

/** `[NAMESPACE/]POD:PATH` → the remote side; undefined for a local path. */
export function parseRemote(text: string): RemotePath | undefined {
  if (text.startsWith('/') || text.startsWith('./') || text.startsWith('../') || text.startsWith('~')) return undefined;
  const colon = text.indexOf(':');
  if (colon < 0) return undefined;
  const where = text.slice(0, colon);
  const path = text.slice(colon + 1);
  const slash = where.indexOf('/');
  const namespace = slash < 0 ? undefined : where.slice(0, slash);
  const pod = slash < 0 ? where : where.slice(slash + 1);
  if (pod === '' || namespace === '' || pod.includes('/')) {
    throw new UsageError(`"${text}" is not [NAMESPACE/]POD:PATH\n${USAGE}`);
  }
  if (path === '')
    throw new UsageError(`"${text}": the path in the pod is empty; write POD:/path/in/the/container\n${USAGE}`);
  return { namespace, pod, path };
}

export function parseCopyArgs(positionals: readonly string[]): CopyDirection {
  if (positionals.length !== 2) {
    throw new UsageError(`cp takes SRC and DST, got ${positionals.length} argument(s)\n${USAGE}`);
  }
  const [source = '', destination = ''] = positionals;
  const from = parseRemote(source);
  const to = parseRemote(destination);
  if (from !== undefined && to !== undefined) {
    throw new UsageError(
      `cp copies between this machine and a pod, not between two pods: make SRC or DST a local path\n${USAGE}`,
    );
  }
  if (from !== undefined) return { kind: 'from-pod', remote: from, local: destination };
  if (to !== undefined) return { kind: 'to-pod', local: source, remote: to };
  throw new UsageError(`one of SRC and DST must be POD:PATH (a local path with ":" is written ./like:this)\n${USAGE}`);
}
