/**
 * Everything a command needs from the outside world, built once in main.ts (the only place that reads
 * process.argv, process.env and isTTY) and passed in, so tests run commands in-process with exact clocks,
 * suffixes, streams and kubeconfigs.
 */
import type { Readable, Writable } from 'node:stream';
import type { MutationConfig } from '../mutation/index.js';
import type { RegistryAccess } from './image/registry-access.js';

export interface Output {
  write(text: string): unknown;
  /** A terminal: spinners and colours allowed. */
  readonly isTTY: boolean;
  /** Width of the terminal, when known. */
  readonly columns?: number | undefined;
}

/** A readable input (stdin). setRawMode exists only on a terminal. */
export type Input = Readable & { setRawMode?: (mode: boolean) => unknown };

export interface CliContext {
  stdout: Output;
  stderr: Output;
  stdin: Input;
  /** The raw streams behind stdout and stderr, for the websocket exec fallback of --exec. */
  stdoutStream: Writable;
  stderrStream: Writable;
  /** stdin is a terminal (a human can answer the picker). */
  stdinIsTTY: boolean;
  now: () => Date;
  /** 5 characters of [a-z0-9] for copy names. */
  randomSuffix: () => string;
  /** The KUBECONFIG variable as given (a path list), undefined when unset. */
  kubeconfigEnv: string | undefined;
  /** The home directory, where ~/.kube/config is looked up. */
  homeDir: string | undefined;
  /** The PATH variable, to find kubectl and fzf. */
  searchPath: string | undefined;
  /** Environment for child processes (kubectl exec, fzf). */
  childEnv: Record<string, string | undefined>;
  /** Registers what Ctrl-C does now; returns the function that unregisters it. */
  onInterrupt: (handler: () => void) => () => void;
  /** Pause between two looks at the copy while waiting (1 s in real use). */
  pollIntervalMs: number;
  /** The running Node.js version (v24.21.0), for --version. */
  nodeVersion: string;
  /** Mutation defaults for --local and `mutate` (tools image, TTL, mount path). */
  mutationConfig: MutationConfig;
  /** How to read image commands from registries (cache, docker config, time budget); undefined: never contact
   * a registry (the in-process test harness, unless a test gives one). */
  registry?: RegistryAccess | undefined;
}
