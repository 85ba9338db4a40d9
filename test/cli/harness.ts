/**
 * Runs the CLI in-process with an injected context: captured stdout/stderr, a fixed clock and suffix, a
 * kubeconfig, a stdin stream, PATH, and a Ctrl-C trigger the test pulls.
 */
import { PassThrough, Writable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import { DEFAULT_MUTATION_CONFIG } from '../../src/mutation/index.js';
import type { CliContext, Input } from '../../src/cli/context.js';
import { runCli } from '../../src/cli/run.js';

/** The clock of in-process runs unless a test sets `now`. */
export const HARNESS_NOW = '2025-03-01T10:30:00Z';

export interface RunOptions {
  /** Path put in KUBECONFIG. */
  kubeconfig?: string | undefined;
  homeDir?: string | undefined;
  suffix?: string;
  now?: string;
  stdin?: string | Input;
  stdinIsTTY?: boolean;
  stderrIsTTY?: boolean;
  searchPath?: string;
  childEnv?: Record<string, string | undefined>;
  pollIntervalMs?: number;
  /** Registry access for the image-command resolution (default: none, the CLI contacts no registry). */
  registry?: CliContext['registry'];
  /** Mutation defaults for --local (default: DEFAULT_MUTATION_CONFIG). */
  mutationConfig?: CliContext['mutationConfig'];
}

export interface RunHandle {
  /** Pulls Ctrl-C. Returns false when nobody was listening. */
  interrupt(): boolean;
  stdout(): string;
  stderr(): string;
  /** Resolves when stderr contains the text (polls every 5 ms, at most timeoutMs). */
  waitForStderr(text: string, timeoutMs?: number): Promise<void>;
  done: Promise<RunResult>;
}

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** A raw stream (the websocket exec writes bytes) that appends, in order, to the same text as the writer. */
function sink(append: (text: string) => void): Writable {
  const decoder = new StringDecoder('utf8');
  return new Writable({
    write(chunk: Buffer, _encoding, callback) {
      append(decoder.write(chunk));
      callback();
    },
    final(callback) {
      append(decoder.end());
      callback();
    },
  });
}

export function startCli(argv: string[], options: RunOptions = {}): RunHandle {
  let stdoutText = '';
  let stderrText = '';
  // One text per output, as on a real process where the writer and the raw stream share the descriptor.
  const out = sink((text) => (stdoutText += text));
  const err = sink((text) => (stderrText += text));
  const handlers: (() => void)[] = [];
  let stdin: Input;
  if (typeof options.stdin === 'string' || options.stdin === undefined) {
    const stream = new PassThrough();
    stream.end(options.stdin ?? '');
    stdin = stream;
  } else {
    stdin = options.stdin;
  }
  const context: CliContext = {
    stdout: { write: (text: string) => (stdoutText += text), isTTY: false },
    stderr: { write: (text: string) => (stderrText += text), isTTY: options.stderrIsTTY ?? false },
    stdin,
    stdinIsTTY: options.stdinIsTTY ?? false,
    stdoutStream: out,
    stderrStream: err,
    now: () => new Date(options.now ?? HARNESS_NOW),
    randomSuffix: () => options.suffix ?? 'k3x9q',
    kubeconfigEnv: options.kubeconfig,
    homeDir: options.homeDir ?? '/nonexistent-home',
    searchPath: options.searchPath ?? '',
    childEnv: options.childEnv ?? { PATH: options.searchPath ?? '' },
    onInterrupt: (handler) => {
      handlers.push(handler);
      return () => {
        const index = handlers.lastIndexOf(handler);
        if (index >= 0) handlers.splice(index, 1);
      };
    },
    pollIntervalMs: options.pollIntervalMs ?? 1,
    nodeVersion: 'v24.0.0-test',
    mutationConfig: options.mutationConfig ?? DEFAULT_MUTATION_CONFIG,
    registry: options.registry,
  };
  const done = runCli(argv, context).then((code) => ({ code, stdout: stdoutText, stderr: stderrText }));
  return {
    interrupt: () => {
      const handler = handlers.at(-1);
      handler?.();
      return handler !== undefined;
    },
    stdout: () => stdoutText,
    stderr: () => stderrText,
    waitForStderr: async (text, timeoutMs = 5000) => {
      for (let waited = 0; waited < timeoutMs; waited += 5) {
        if (stderrText.includes(text)) return;
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      throw new Error(`stderr never contained ${JSON.stringify(text)}; it is:\n${stderrText}`);
    },
    done,
  };
}

export function runCliInProcess(argv: string[], options: RunOptions = {}): Promise<RunResult> {
  return startCli(argv, options).done;
}
