#!/usr/bin/env node
/**
 * kubectl-debugdead: the entry point. The only place that reads process.argv, process.env and isTTY, and
 * builds the clock, the random suffix source, the writers and the Ctrl-C hook that everything else receives.
 * Only light modules are imported here; each command loads what it needs (run.ts), so --help and mutate never
 * load the Kubernetes client.
 */
import module from 'node:module';
import { homedir } from 'node:os';
import { isatty } from 'node:tty';

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
  stdout: {
    write: (text: string) => process.stdout.write(text),
    isTTY: process.stdout.isTTY,
    columns: process.stdout.columns,
  },
  stderr: {
    write: (text: string) => process.stderr.write(text),
    isTTY: process.stderr.isTTY,
    columns: process.stderr.columns,
  },
  // A getter: creating process.stdin costs start-up time that --help and most commands never need.
  get stdin() {
    return process.stdin;
  },
  stdinIsTTY: isatty(0),
  stdoutStream: process.stdout,
  stderrStream: process.stderr,
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
process.exitCode = code;
// Kept-alive HTTP connections or a paused stdin must not hold the process once the command is done.
setTimeout(() => process.exit(code), 2000).unref();
