/**
 * The built CLI (dist/cli/main.js, `npm run build`) as a child process, as a user runs it: `--kubeconfig`
 * given, no KUBECONFIG, HOME and the working directory set by the caller; and the same on a real
 * pseudo-terminal (util-linux `script`), where a test reads the output as it comes and types.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { REPO_ROOT } from './webhook-process.js';

export const CLI_MAIN = path.join(REPO_ROOT, 'dist', 'cli', 'main.js');
export const SCRIPT = '/usr/bin/script';

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `node dist/cli/main.js --kubeconfig KUBECONFIG ...args` with PATH and HOME only. */
export function runBuiltCli(
  args: readonly string[],
  options: { kubeconfig: string; home: string; timeoutMs?: number },
): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI_MAIN, '--kubeconfig', options.kubeconfig, ...args], {
      cwd: options.home,
      env: { PATH: process.env.PATH ?? '', HOME: options.home },
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: options.timeoutMs ?? 60_000,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      resolve({ code: code ?? (signal === null ? -1 : 128), stdout, stderr });
    });
  });
}

/** Runs `argv` on a pseudo-terminal; `react` sees the output so far and may type. Killed after `timeoutMs`. */
export function onTerminal(
  argv: readonly string[],
  env: Readonly<Record<string, string>>,
  react: (output: string, type: (keys: string) => void) => void,
  timeoutMs = 20_000,
): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const command = argv.map((arg) => `'${arg.replaceAll("'", `'\\''`)}'`).join(' ');
    const child = spawn(SCRIPT, ['-qfec', command, '/dev/null'], {
      env: { PATH: process.env.PATH ?? '', TERM: 'xterm', ...env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let output = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      output += chunk;
      react(output, (keys) => child.stdin.write(keys));
    });
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}
