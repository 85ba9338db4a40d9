/**
 * A command in a container, not a shell: bytes in on stdin (or none), bytes out on stdout and stderr, an exit
 * code back. The transport of --exec (exec.ts): the user's kubectl when it is on PATH (`kubectl exec -i`,
 * same credentials), else the client library's websocket exec. For `cp`.
 */
import { spawn } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';
import { PassThrough } from 'node:stream';
import type { V1Status } from '@kubernetes/client-node';
import { ChildProcessError } from '../cli-errors.js';
import type { CliContext } from '../context.js';
import { translateExecFailure } from './api-errors.js';
import type { KubeClient } from './kube-client.js';
import { findExecutable } from '../picker/which.js';

export interface CommandTarget {
  namespace: string;
  name: string;
  container: string;
  /** --kubeconfig/--context for kubectl. */
  kubectlFlags: string[];
}

export interface CommandStreams {
  /** What the command reads; undefined: an empty stdin. */
  stdin?: Readable | undefined;
  stdout: Writable;
  stderr: Writable;
}

/** Runs `command` in the container; resolves with its exit code. Throws when it could not be started. */
export async function runInContainer(
  context: CliContext,
  client: KubeClient,
  target: CommandTarget,
  command: readonly string[],
  streams: CommandStreams,
): Promise<number> {
  const kubectl = findExecutable('kubectl', context.searchPath);
  if (kubectl !== undefined) return runKubectl(kubectl, context, target, command, streams);
  return runLibrary(client, target, command, streams);
}

function runKubectl(
  kubectl: string,
  context: CliContext,
  target: CommandTarget,
  command: readonly string[],
  streams: CommandStreams,
): Promise<number> {
  const args = [
    'exec',
    ...(streams.stdin === undefined ? [] : ['-i']),
    ...target.kubectlFlags,
    '-n',
    target.namespace,
    target.name,
    '-c',
    target.container,
    '--',
    ...command,
  ];
  return new Promise((resolve, reject) => {
    const child = spawn(kubectl, args, { stdio: ['pipe', 'pipe', 'pipe'], env: context.childEnv });
    child.once('error', (error) => {
      reject(new ChildProcessError(`cannot run ${kubectl}: ${error.message}`, { cause: error }));
    });
    child.stdout.pipe(streams.stdout, { end: false });
    child.stderr.pipe(streams.stderr, { end: false });
    if (streams.stdin === undefined) child.stdin.end();
    else streams.stdin.pipe(child.stdin);
    child.stdin.on('error', () => undefined);
    child.once('close', (code, signal) => {
      resolve(code ?? (signal === null ? 1 : 128));
    });
  });
}

/** The exit code a final status reports; undefined for a failure that is not the command's exit. */
function exitCodeOf(status: V1Status): number | undefined {
  if (status.status === 'Success') return 0;
  const message = status.details?.causes?.find((cause) => cause.reason === 'ExitCode')?.message;
  const code = message === undefined ? Number.NaN : Number(message);
  return Number.isInteger(code) && code >= 0 ? code : undefined;
}

interface Socket {
  readonly readyState: number;
  once(event: 'close', listener: () => void): unknown;
  close(): void;
}

async function runLibrary(
  client: KubeClient,
  target: CommandTarget,
  command: readonly string[],
  streams: CommandStreams,
): Promise<number> {
  const { Exec } = await import('./kube-library.js');
  const where = `${target.namespace}/${target.name}`;
  const ended = Promise.withResolvers<V1Status | undefined>();
  // The library writes into the streams it is given and never ends them: pass-throughs that we end ourselves.
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  stdout.pipe(streams.stdout, { end: false });
  stderr.pipe(streams.stderr, { end: false });
  let socket: Socket;
  try {
    socket = (await new Exec(client.kubeConfig).exec(
      target.namespace,
      target.name,
      target.container,
      [...command],
      stdout,
      stderr,
      streams.stdin ?? null,
      false,
      (status) => {
        ended.resolve(status);
      },
    )) as Socket;
  } catch (error) {
    const translated = translateExecFailure(
      error,
      { server: client.server, contextName: client.contextName },
      target,
      (message) => `cannot run ${command.join(' ')} in ${where}: ${message}`,
    );
    throw new ChildProcessError(translated, { cause: error });
  }
  socket.once('close', () => {
    ended.resolve(undefined);
  });
  if (socket.readyState === 3) ended.resolve(undefined);
  const status = await ended.promise;
  // Let the last frames written to the pass-throughs reach their destination.
  await new Promise((resolve) => setImmediate(resolve));
  stdout.unpipe(streams.stdout);
  stderr.unpipe(streams.stderr);
  if (status === undefined) {
    throw new ChildProcessError(
      `the connection to ${where} closed before ${command[0] ?? 'the command'} reported how it ended (the API server, a proxy or the network cut it)`,
    );
  }
  const code = exitCodeOf(status);
  if (code !== undefined) return code;
  throw new ChildProcessError(
    `cannot run ${command.join(' ')} in ${where}: ${status.message ?? status.reason ?? 'the API server reported a failure'}`,
  );
}
