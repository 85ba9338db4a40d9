/**
 * --exec: open the shell in the copy. Through `kubectl exec -it` when kubectl is on PATH (the user's own
 * kubectl: same credentials, terminal handling and resize); else through the client library's websocket exec.
 */
import { spawn } from 'node:child_process';
import { PassThrough } from 'node:stream';
import type { V1Status } from '@kubernetes/client-node';
import { translateExecFailure } from './api-errors.js';
import { ChildProcessError } from '../cli-errors.js';
import type { CliContext } from '../context.js';
import type { KubeClient } from './kube-client.js';
import { cleanupCommand, shellCommand } from '../text/report.js';
import { findExecutable } from '../picker/which.js';

export interface ShellTarget {
  namespace: string;
  name: string;
  container: string;
  mountPath: string;
  kubectlFlags: string[];
}

/** Runs the shell; resolves with its exit code. */
export async function openShell(context: CliContext, client: KubeClient, target: ShellTarget): Promise<number> {
  const argv = shellCommand(target.namespace, target.name, target.container, target.mountPath, target.kubectlFlags);
  const kubectl = findExecutable('kubectl', context.searchPath);
  // While the shell runs, Ctrl-C belongs to it (kubectl puts the terminal in raw mode), never to us.
  const release = context.onInterrupt(() => undefined);
  try {
    if (kubectl !== undefined) return await runKubectl(kubectl, argv.slice(1), context);
    return await runLibraryExec(client, target, argv.slice(argv.indexOf('--') + 1), context);
  } finally {
    release();
  }
}

function runKubectl(kubectl: string, args: string[], context: CliContext): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(kubectl, args, { stdio: 'inherit', env: context.childEnv });
    child.once('error', (error) => {
      reject(new ChildProcessError(`cannot run ${kubectl}: ${error.message}`, { cause: error }));
    });
    child.once('close', (code, signal) => {
      resolve(code ?? (signal === null ? 1 : 128));
    });
  });
}

/** The websocket the library returns (typed by isomorphic-ws, whose declarations are not installed). */
interface ExecSocket {
  readonly readyState: number;
  /** The remote-command subprotocol the API server chose. */
  readonly protocol: string;
  once(event: 'close', listener: () => void): unknown;
  close(): void;
}
const SOCKET_CLOSED = 3;
/** What the session ends with when Ctrl-C ends it, like a shell killed by SIGINT. */
const EXIT_INTERRUPTED = 130;

type Ending = { kind: 'status'; status: V1Status } | { kind: 'closed' } | { kind: 'interrupted' };

function copyLeft(target: ShellTarget): string {
  return `The copy is left in place; delete it with: ${cleanupCommand(target.namespace, target.name, target.kubectlFlags)}`;
}

/** The exit code a final status reports; undefined for a failure that is not the command's exit. */
function exitCodeOf(status: V1Status): number | undefined {
  if (status.status === 'Success') return 0;
  const message = status.details?.causes?.find((cause) => cause.reason === 'ExitCode')?.message;
  const code = message === undefined ? Number.NaN : Number(message);
  return Number.isInteger(code) && code >= 0 ? code : undefined;
}

/** The upgrade failed: an HTTP refusal or a network failure, translated. */
function openFailure(error: unknown, client: KubeClient, target: ShellTarget): ChildProcessError {
  const translated = translateExecFailure(
    error,
    { server: client.server, contextName: client.contextName },
    target,
    (message) => `cannot open a shell in ${target.namespace}/${target.name}: ${message}`,
  );
  return new ChildProcessError(`${translated}. ${copyLeft(target)}`, { cause: error });
}

/**
 * The shell through the library's websocket exec. Resolves with the shell's exit code (EXIT_INTERRUPTED after
 * Ctrl-C); throws when the shell could not be opened, failed to start, or the connection ended without an
 * exit status (the copy is then left in place, even with --rm: nobody knows the shell is done).
 */
async function runLibraryExec(
  client: KubeClient,
  target: ShellTarget,
  command: string[],
  context: CliContext,
): Promise<number> {
  const { Exec } = await import('./kube-library.js');
  const stdin = context.stdin;
  const tty = context.stdinIsTTY;
  const ending = Promise.withResolvers<Ending>();
  // In raw mode the terminal sends Ctrl-C to the shell as a byte. A SIGINT that still reaches us (stdin is not a
  // terminal, or kill -INT) ends the session, as it would end kubectl exec.
  const release = context.onInterrupt(() => {
    ending.resolve({ kind: 'interrupted' });
  });
  // The library listens to the stream it is given for good: give it a stand-in, unpiped when the session is
  // over, so stdin is let go (a stdin left flowing keeps the process alive and feeds a closed socket).
  const input = new PassThrough();
  const inputState = { ended: false };
  input.once('end', () => {
    inputState.ended = true;
  });
  let socket: ExecSocket | undefined;
  if (tty) stdin.setRawMode?.(true);
  stdin.pipe(input);
  try {
    const connecting = new Exec(client.kubeConfig).exec(
      target.namespace,
      target.name,
      target.container,
      command,
      context.stdoutStream,
      context.stderrStream,
      input,
      tty,
      (status) => {
        ending.resolve({ kind: 'status', status });
      },
    ) as Promise<unknown> as Promise<ExecSocket>;
    socket = await openSocket(connecting, ending, client, target);
    return sessionOutcome(await ending.promise, socket, inputState.ended, target);
  } finally {
    release();
    stdin.unpipe(input);
    stdin.pause();
    socket?.close();
    if (tty) stdin.setRawMode?.(false);
  }
}

/**
 * Waits for the upgrade or the end of the session, whichever comes first (the upgrade has no timeout of its own:
 * Ctrl-C must be able to end the wait for it too). The open socket, watched for its close; undefined when the
 * session ended first (a socket that opens late is closed at once).
 */
async function openSocket(
  connecting: Promise<ExecSocket>,
  ending: PromiseWithResolvers<Ending>,
  client: KubeClient,
  target: ShellTarget,
): Promise<ExecSocket | undefined> {
  const opened = await Promise.race([
    connecting.catch((error: unknown) => {
      throw openFailure(error, client, target);
    }),
    ending.promise.then(() => undefined),
  ]);
  if (opened === undefined) {
    connecting.then(
      (late) => {
        late.close();
      },
      () => undefined,
    );
    return undefined;
  }
  opened.once('close', () => {
    ending.resolve({ kind: 'closed' });
  });
  // Closed before we listened (frames and close can come with the upgrade response).
  if (opened.readyState === SOCKET_CLOSED) ending.resolve({ kind: 'closed' });
  return opened;
}

/** How the session ended → the shell's exit code; throws when there is none to give. */
function sessionOutcome(end: Ending, socket: ExecSocket | undefined, stdinEnded: boolean, target: ShellTarget): number {
  if (end.kind === 'interrupted') return EXIT_INTERRUPTED;
  const where = `${target.namespace}/${target.name}`;
  if (end.kind === 'closed') {
    throw new ChildProcessError(
      `the connection to the shell in ${where} closed before the shell reported how it ended${whyClosed(socket, stdinEnded)}. ${copyLeft(target)}`,
    );
  }
  const code = exitCodeOf(end.status);
  if (code !== undefined) return code;
  const message = end.status.message ?? end.status.reason ?? 'the API server reported a failure';
  throw new ChildProcessError(`cannot open a shell in ${where}: ${message}. ${copyLeft(target)}`);
}

/** Why the connection closed with no exit status: stdin ended on a protocol that cannot say so, or a cut. */
function whyClosed(socket: ExecSocket | undefined, stdinEnded: boolean): string {
  return stdinEnded && socket?.protocol !== 'v5.channel.k8s.io'
    ? `: stdin ended, and the API server speaks ${socket?.protocol ?? 'an older protocol'}, which cannot pass the ` +
        'end of input on without closing the connection (Kubernetes 1.30 and later can, and so can kubectl on PATH)'
    : ' (the API server, a proxy or the network cut it)';
}
