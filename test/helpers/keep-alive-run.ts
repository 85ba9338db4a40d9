/**
 * Runs the keep-alive command of a mutated container on this machine, as the kubelet would: `$(VAR)`
 * expansion with the container's env, then exec of the command. The tools directory is a temp dir holding
 * a busybox: the real static busybox when installed (Debian's busybox-static), or, for `/bin/sh` runs, a
 * stand-in script that provides the applets the keep-alive and its postStart hook call.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { expandKubelet } from './kubelet.js';

export const REAL_BUSYBOX = ['/usr/bin/busybox', '/bin/busybox'].find((candidate) => existsSync(candidate));

/** Why the real-busybox tests cannot run here, or undefined when they can. */
export function busyboxUnavailableReason(): string | undefined {
  return REAL_BUSYBOX === undefined
    ? 'no static busybox on this machine (apt-get install busybox-static; .ci/run installs it)'
    : undefined;
}

const STAND_IN = `#!/bin/sh
case "$1" in
  --install) exit 0 ;;
  chmod) shift; exec chmod "$@" ;;
  mv) shift; exec mv "$@" ;;
  usleep) shift; exec sleep "$(awk "BEGIN { print $1 / 1000000 }")" ;;
  sleep) shift; exec sleep "$@" ;;
  sh) shift; exec /bin/sh "$@" ;;
esac
echo "stand-in busybox: unknown applet $1" >&2
exit 127
`;

/** A fresh tools directory (the tools volume) with a busybox in it. */
export function toolsDirectory(kind: 'real' | 'stand-in'): string {
  const directory = mkdtempSync(path.join(tmpdir(), 'debugdead-tools-'));
  const target = path.join(directory, 'busybox');
  if (kind === 'real') {
    if (REAL_BUSYBOX === undefined) throw new Error('no real busybox');
    copyFileSync(REAL_BUSYBOX, target);
  } else {
    writeFileSync(target, STAND_IN);
  }
  chmodSync(target, 0o755);
  return directory;
}

export interface StartOptions {
  /** The container's command (as the mutation wrote it) before kubelet expansion. */
  command: string[];
  env?: Record<string, string>;
  /** Run the shell as PID 1 of a new PID namespace (unshare), as in a container. */
  pid1?: boolean;
}

/** Starts the keep-alive; resolves once it has written rerun and .profile (its ready marker is there). */
export async function startKeepAlive(directory: string, options: StartOptions): Promise<ChildProcess> {
  const env = options.env ?? {};
  const argv = options.command.map((part) => expandKubelet(part, env));
  const [file, ...rest] = argv;
  if (file === undefined) throw new Error('empty command');
  // detached: a process group of its own, so that cleanUp ends it with everything it started.
  const child =
    options.pid1 === true
      ? spawn('unshare', ['--pid', '--fork', '--kill-child', file, ...rest], { env, detached: true })
      : spawn(file, rest, { env, detached: true });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  for (let attempt = 0; attempt < 200; attempt += 1) {
    if (readdirSync(directory).some((file) => file.startsWith('.ready-'))) return child;
    if (child.exitCode !== null) break;
    await delay(25);
  }
  cleanUp(child);
  throw new Error(`keep-alive did not write its files (exit ${String(child.exitCode)}): ${stderr}`);
}

/** Sends SIGTERM and resolves with how the process ended. */
export function terminate(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  return new Promise((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }));
    child.kill('SIGTERM');
  });
}

/** Kills the keep-alive's whole process group if anything of it is still running (for finally blocks). */
export function cleanUp(child: ChildProcess | undefined): void {
  if (child?.pid === undefined) return;
  try {
    process.kill(-child.pid, 'SIGKILL');
  } catch {
    // already gone
  }
}
