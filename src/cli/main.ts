#!/usr/bin/env node
/**
 * kubectl-debugdead: the entry point. The only place that reads process.argv, process.env and isTTY, and
 * builds the clock, the random suffix source, the writers and the Ctrl-C hook that everything else receives.
 * Only light modules are imported here; each command loads what it needs (run.ts), so --help and mutate never
 * load the Kubernetes client.
 */
import module from 'node:module';
import { homedir } from 'node:os';
import type { Output } from './context.js';

// Cache compiled code between runs (in the OS temp directory): most of a short command's start-up is compiling.
// Enabled before our own modules load (static imports would be compiled before this line runs).
// (Node ≥ 22.1; older Nodes simply start slower.)
(module as { enableCompileCache?: () => unknown }).enableCompileCache?.();
/** package.json engines: the Kubernetes client's HTTP stack does not run on older Nodes. */
const REQUIRED_NODE_MAJOR = 24;
if (Number(process.versions.node.split('.')[0]) < REQUIRED_NODE_MAJOR) {
  const [{ EnvironmentError }, { reportError }] = await Promise.all([import('../errors.js'), import('./exit-code.js')]);
  const found = `v${process.versions.node} (${process.execPath})`;
  const message = `kubectl-debugdead needs Node.js ${REQUIRED_NODE_MAJOR} or later; the node on your PATH is ${found}. Install Node.js ${REQUIRED_NODE_MAJOR} LTS, or run it as npx kubectl-debugdead from the project`;
  process.exit(reportError(new EnvironmentError(message), process.stderr));
}
const [{ DEFAULT_MUTATION_CONFIG }, { runCli }, { DEFAULT_BUDGET_MS, registryAccessPaths }] = await Promise.all([
  import('../mutation/config.js'),
  import('./run.js'),
  import('./image/registry-access.js'),
]);

// Not an ESM import: for node:fs that makes Node read every export, whose lazy getters load fs/promises, the
// streams and readline, a few ms that no short command needs (scripts/bundle-cli.ts does the same for the rest).
const { writeSync } = process.getBuiltinModule('node:fs');

const ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';

/** 5 characters of [a-z0-9] from the CSPRNG (rejection sampling keeps them uniform). */
function randomSuffix(): string {
  let suffix = '';
  const bytes = new Uint8Array(16);
  for (let attempt = 0; attempt < 8 && suffix.length < 5; attempt += 1) {
    globalThis.crypto.getRandomValues(bytes);
    for (const byte of bytes) if (byte < 252 && suffix.length < 5) suffix += ALPHABET[byte % 36] ?? '';
  }
  return suffix;
}

/** The first write error on stdout or stderr other than EPIPE: the command's exit code then becomes 1. */
let writeFailure: { fd: number; error: NodeJS.ErrnoException } | undefined;

/**
 * A failed write. EPIPE (the reader went away, as with `| head`) drops what follows quietly, as kubectl does;
 * any other error (ENOSPC, EIO) is said once on the other fd and makes the exit code 1. Either way the command
 * runs to its end, so that what it started (a copy to delete with --rm) is not left half done.
 */
function writeFailed(fd: 1 | 2, error: NodeJS.ErrnoException): void {
  if (error.code === 'EPIPE' || writeFailure !== undefined) return;
  writeFailure = { fd, error };
  const name = fd === 1 ? 'standard output' : 'standard error';
  try {
    writeSync(3 - fd, `kubectl-debugdead: cannot write to ${name}: ${error.message}\n`);
  } catch {
    // Both are gone: the exit code says it.
  }
}

/**
 * Writes to fd 1 or 2 with write(2), as kubectl does. process.stdout/stderr are made only when something needs
 * them (a terminal's width, the exec streams, a write that would block): making one loads node:tty, node:net
 * and the stream modules, which cost --help a quarter of its start-up. Everything written before the stream
 * exists has reached the fd, so the order holds; once the stream is used, every later write goes through it.
 */
function fdWriter(fd: 1 | 2, stream: () => NodeJS.WriteStream): (text: string) => unknown {
  let via: 'fd' | 'stream' | 'nothing' = 'fd';
  const toStream = (data: string | Buffer): unknown => {
    if (via !== 'stream') {
      via = 'stream';
      stream().on('error', (error: NodeJS.ErrnoException) => {
        via = 'nothing';
        writeFailed(fd, error);
      });
    }
    return stream().write(data);
  };
  return (text) => {
    if (via === 'nothing') return false;
    if (via === 'stream') return toStream(text);
    let rest = Buffer.from(text, 'utf8');
    try {
      while (rest.length > 0) rest = rest.subarray(writeSync(fd, rest));
      return true;
    } catch (error) {
      // EAGAIN on a non-blocking pipe: the stream waits until it drains. Anything else: the fd is unusable.
      if ((error as NodeJS.ErrnoException).code === 'EAGAIN') return toStream(rest);
      via = 'nothing';
      writeFailed(fd, error as NodeJS.ErrnoException);
      return false;
    }
  };
}

/** What a command sees of stdout or stderr; isTTY and columns are read (and the stream made) on first use. */
function output(fd: 1 | 2, stream: () => NodeJS.WriteStream): Output {
  return {
    write: fdWriter(fd, stream),
    get isTTY() {
      return stream().isTTY;
    },
    get columns() {
      return stream().columns;
    },
  };
}

const interruptHandlers: (() => void)[] = [];
process.on('SIGINT', () => {
  const handler = interruptHandlers.at(-1);
  if (handler === undefined) {
    // Nobody is waiting for Ctrl-C: behave as if we had no handler at all.
    process.removeAllListeners('SIGINT');
    process.kill(process.pid, 'SIGINT');
    return;
  }
  handler();
});

const code = await runCli(process.argv.slice(2), {
  stdout: output(1, () => process.stdout),
  stderr: output(2, () => process.stderr),
  // Getters: creating process.stdin/stdout/stderr, or loading node:tty, costs start-up time that --help and most
  // commands never need.
  get stdin() {
    return process.stdin;
  },
  get stdinIsTTY() {
    return process.getBuiltinModule('node:tty').isatty(0);
  },
  get stdoutStream() {
    return process.stdout;
  },
  get stderrStream() {
    return process.stderr;
  },
  now: () => new Date(),
  randomSuffix,
  kubeconfigEnv: process.env.KUBECONFIG,
  homeDir: process.env.HOME ?? homedir(),
  searchPath: process.env.PATH,
  childEnv: process.env,
  onInterrupt: (handler) => {
    interruptHandlers.push(handler);
    return () => {
      const index = interruptHandlers.lastIndexOf(handler);
      if (index >= 0) interruptHandlers.splice(index, 1);
    };
  },
  pollIntervalMs: 1000,
  nodeVersion: process.version,
  mutationConfig: DEFAULT_MUTATION_CONFIG,
  registry: {
    ...registryAccessPaths({
      home: process.env.HOME ?? homedir(),
      xdgCacheHome: process.env.XDG_CACHE_HOME,
      dockerConfig: process.env.DOCKER_CONFIG,
    }),
    budgetMs: DEFAULT_BUDGET_MS,
    fetch: globalThis.fetch,
  },
});
const exitCode = code === 0 && writeFailure !== undefined ? 1 : code;
process.exitCode = exitCode;
// Kept-alive HTTP connections or a paused stdin must not hold the process once the command is done.
setTimeout(() => process.exit(exitCode), 2000).unref();
