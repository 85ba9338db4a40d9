/**
 * --exec: open the shell in the copy. Through `kubectl exec -it` when kubectl is on PATH (the user's own
 * kubectl: same credentials, terminal handling and resize); else through the client library's websocket exec.
 */
import { spawn } from 'node:child_process';
import { ChildProcessError } from './cli-errors.js';
import type { CliContext } from './context.js';
import type { KubeClient } from './kube-client.js';
import { shellCommand } from './report.js';
import { findExecutable } from './which.js';

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

async function runLibraryExec(
  client: KubeClient,
  target: ShellTarget,
  command: string[],
  context: CliContext,
): Promise<number> {
  const { Exec } = await import('@kubernetes/client-node');
  const stdin = context.stdin;
  const tty = context.stdinIsTTY;
  if (tty) stdin.setRawMode?.(true);
  try {
    return await new Promise<number>((resolve, reject) => {
      const exec = new Exec(client.kubeConfig);
      exec
        .exec(
          target.namespace,
          target.name,
          target.container,
          command,
          context.stdoutStream,
          context.stderrStream,
          stdin,
          tty,
          (status) => {
            if (status.status === 'Success') {
              resolve(0);
              return;
            }
            const exitCode = status.details?.causes?.find((cause) => cause.reason === 'ExitCode')?.message;
            resolve(exitCode === undefined ? 1 : Number(exitCode));
          },
        )
        .then((socket: unknown) => {
          // A connection that drops without a final status must not leave us waiting forever. (The socket's
          // type comes from isomorphic-ws, whose declarations are not installed: describe what we use.)
          (socket as { once(event: 'close', listener: () => void): unknown }).once('close', () => {
            resolve(1);
          });
        })
        .catch((error: unknown) => {
          reject(
            new ChildProcessError(`cannot open a shell in ${target.name}: ${(error as Error).message}`, {
              cause: error,
            }),
          );
        });
    });
  } finally {
    if (tty) stdin.setRawMode?.(false);
  }
}
