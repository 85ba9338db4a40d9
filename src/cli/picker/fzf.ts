/**
 * Choosing with fzf when it is installed: the rows go to its stdin as "<index>\t<row>", it shows the row only
 * (--with-nth=2..) and draws on the terminal itself; the chosen line comes back on its stdout.
 */
import { spawn } from 'node:child_process';
import { ChildProcessError } from '../cli-errors.js';
import { PROMPT } from './prompt.js';

export function fzfArguments(header: string): string[] {
  return [
    '--delimiter=\t',
    '--with-nth=2..',
    '--no-multi',
    '--layout=reverse',
    '--height=40%',
    `--prompt=${PROMPT}`,
    `--header=${header}`,
  ];
}

/** Resolves with the chosen index, or undefined when the user gave up (fzf exits 1 or 130). */
export function pickWithFzf(
  fzf: string,
  lines: readonly string[],
  header: string,
  env: Record<string, string | undefined>,
): Promise<number | undefined> {
  return new Promise((resolve, reject) => {
    const child = spawn(fzf, fzfArguments(header), { stdio: ['pipe', 'pipe', 'inherit'], env });
    let output = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      output += chunk;
    });
    child.once('error', (error) => {
      reject(new ChildProcessError(`cannot run ${fzf}: ${error.message}`, { cause: error }));
    });
    child.stdin.on('error', () => undefined);
    child.stdin.end(lines.map((line, index) => `${index}\t${line}\n`).join(''));
    child.once('close', (code) => {
      if (code === 1 || code === 130) {
        resolve(undefined);
        return;
      }
      const index = Number(/^(\d+)\t/.exec(output)?.[1]);
      if (code !== 0 || !Number.isInteger(index) || index < 0 || index >= lines.length) {
        reject(
          new ChildProcessError(
            `fzf exited with code ${code ?? 'none'} and chose nothing usable: ${JSON.stringify(output.slice(0, 200))}`,
          ),
        );
        return;
      }
      resolve(index);
    });
  });
}
