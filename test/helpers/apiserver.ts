/**
 * A real Kubernetes control plane for integration tests: etcd, kube-apiserver and kube-controller-manager
 * on 127.0.0.1, started from the binary that `bash scripts/build-apiserver.sh` builds from `test/apiserver/`.
 *
 * ```ts
 * const reason = apiServerUnavailableReason();
 * describe('against a real API server', { skip: reason }, () => {
 *   let server: ApiServer;
 *   before(async () => { server = await startApiServer(); }, { timeout: START_TIMEOUT_MS });
 *   after(() => server?.stop());
 *   it('...', async () => {
 *     await createNamespace(server, 'demo', { 'debug.dead/enable': 'true' }); // waits for its default SA
 *     const res = await server.request('POST', '/api/v1/namespaces/demo/pods', { body: pod });
 *     assert.equal(res.status, 201);
 *   });
 * });
 * ```
 *
 * What runs: no scheduler and no kubelet, so pods stay Pending; RBAC + Node authorization; the admission
 * plugins of a real cluster (NamespaceLifecycle, LimitRanger, ServiceAccount, PodSecurity, Priority,
 * MutatingAdmissionWebhook, ValidatingAdmissionWebhook, ResourceQuota, ...); the controllers for service
 * accounts and their tokens, namespaces, garbage collection, Deployments, ReplicaSets, StatefulSets,
 * DaemonSets, Jobs, CronJobs, ResourceQuota status, PodDisruptionBudgets, EndpointSlices, RBAC aggregation.
 * Authentication is by static bearer token: `adminToken` is in `system:masters`; each of `users`
 * (`alice` and `bob` unless `options.users` says otherwise) is authenticated but has no RBAC binding.
 *
 * Skipping: `apiServerUnavailableReason()` returns why the binary cannot run here (not built: no Go), and
 * tests skip with it. When `CI=true` it returns undefined even then, so the tests run and fail with the
 * reason: in CI a missing API server is a failure, never a skip.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants as fsConstants } from 'node:fs';
import https from 'node:https';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

/** The repository root (this file is test/helpers/apiserver.ts). */
const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Where `scripts/build-apiserver.sh` links the binary. `DEBUGDEAD_APISERVER_BIN` overrides it. */
export const DEFAULT_APISERVER_BIN = `${REPO_ROOT}test/apiserver/bin/debugdead-apiserver`;

/** Generous bound for `startApiServer` (and for the `before` hook that calls it) on a busy 2-core machine. */
export const START_TIMEOUT_MS = 240_000;

/** Bound for `stop()`: the harness stops the controller manager, then the API server, then etcd. */
const STOP_TIMEOUT_MS = 45_000;

/** The path of the harness binary this process would run. */
export function apiServerBinaryPath(): string {
  const fromEnv = process.env.DEBUGDEAD_APISERVER_BIN;
  return fromEnv !== undefined && fromEnv !== '' ? fromEnv : DEFAULT_APISERVER_BIN;
}

/** Why the real API server cannot run here, or undefined when it can. Never a reason to skip in CI. */
export function apiServerUnavailableReason(): string | undefined {
  const missing = binaryMissingReason(apiServerBinaryPath());
  if (missing === undefined || process.env.CI === 'true') return undefined;
  return missing;
}

function binaryMissingReason(bin: string): string | undefined {
  try {
    accessSync(bin, fsConstants.X_OK);
    return undefined;
  } catch {
    return (
      `no real API server: ${bin} is not an executable; build it with \`bash scripts/build-apiserver.sh\` ` +
      '(needs Go >= 1.26 and the Go module proxy; the first build takes a long while)'
    );
  }
}

/** One non-admin identity (a static token, no RBAC bindings unless a test creates them). */
export interface ApiServerUser {
  readonly name: string;
  readonly token: string;
  /** Groups besides `system:authenticated` (only users from `options.tokenFile` can have some). */
  readonly groups: readonly string[];
  /** A kubeconfig (CA embedded, current namespace `default`) that authenticates as this user. */
  readonly kubeconfigPath: string;
}

export interface StartApiServerOptions {
  /** Non-admin users to mint tokens and kubeconfigs for. Default: `['alice', 'bob']`. */
  readonly users?: readonly string[];
  /** Extra users: a kube-apiserver static token file (`token,user,uid[,"group1,group2"]`). */
  readonly tokenFile?: string;
  /** Run kube-controller-manager (default true). Without it no ServiceAccount, ReplicaSet or Pod is created. */
  readonly controllerManager?: boolean;
  /** Override the controllers (kube-controller-manager `--controllers`, e.g. `['*']`). */
  readonly controllers?: readonly string[];
  /** Extra kube-apiserver flags, e.g. `['--feature-gates=Foo=true']`. */
  readonly apiserverArgs?: readonly string[];
  /** Extra kube-controller-manager flags. */
  readonly controllerManagerArgs?: readonly string[];
  /** Keep the component logs in this directory (default: inside the temporary directory, removed on stop). */
  readonly logDir?: string;
  /** Copy the components' logs to this process's stderr (also `DEBUGDEAD_APISERVER_VERBOSE=1`). */
  readonly verbose?: boolean;
  /** Default `START_TIMEOUT_MS`. */
  readonly startTimeoutMs?: number;
  /** Default `apiServerBinaryPath()`. */
  readonly binary?: string;
  /** Flags of a wrapping harness itself (test/node/cluster.sh's `--image-archive=FILE`), passed first. */
  readonly harnessArgs?: readonly string[];
}

export interface ApiResponse<T = unknown> {
  readonly status: number;
  /** The body parsed as JSON, or undefined when it is not JSON. */
  readonly body: T;
  readonly text: string;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
}

export interface RequestOptions {
  /** JSON-serialised unless it is a string. */
  readonly body?: unknown;
  /** Bearer token; default the admin token. */
  readonly token?: string;
  /** Default `application/json` when there is a body. */
  readonly contentType?: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly timeoutMs?: number;
}

export interface KubectlResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export interface ApiServer {
  /** `https://127.0.0.1:PORT` */
  readonly url: string;
  readonly port: number;
  /** Admin kubeconfig (`system:masters`, CA embedded, current namespace `default`). */
  readonly kubeconfigPath: string;
  /** The cluster CA (PEM): it signed the API server's serving certificate. */
  readonly caPem: string;
  readonly caPath: string;
  readonly adminToken: string;
  readonly users: Readonly<Record<string, ApiServerUser>>;
  /** `users` reduced to name → token. */
  readonly userTokens: Readonly<Record<string, string>>;
  /** The API server's `/version` gitVersion, e.g. `v1.37.2`. */
  readonly kubernetesVersion: string;
  /** The harness's temporary directory (etcd data, certificates, kubeconfigs); removed on stop. */
  readonly dir: string;
  readonly logDir: string;
  /** The harness process id. */
  readonly pid: number;
  /** The ready line as printed (a harness that wraps this one, such as test/node/cluster.sh, adds fields). */
  readonly readyLine: Readonly<Record<string, unknown>>;
  /** The harness's stderr so far (its own messages; component logs only when verbose). */
  stderr(): string;
  /** An HTTPS request to the API server, as the admin unless `options.token` says otherwise. */
  request<T = unknown>(method: string, path: string, options?: RequestOptions): Promise<ApiResponse<T>>;
  /** Runs `kubectl --kubeconfig <admin or user kubeconfig> ...args`. */
  kubectl(
    args: readonly string[],
    options?: { user?: string; input?: string; timeoutMs?: number },
  ): Promise<KubectlResult>;
  /** SIGTERM, then wait for a clean exit (SIGKILL after 45 s). Idempotent. Resolves to the exit code. */
  stop(): Promise<number | null>;
}

/** The JSON line the harness prints on stdout when ready (see test/apiserver/README.md). */
interface ReadyLine {
  ready: boolean;
  url: string;
  port: number;
  kubeconfig: string;
  caFile: string;
  caPem: string;
  adminToken: string;
  users: Record<string, { token: string; groups: string[] | null; kubeconfig: string }>;
  dir: string;
  logDir: string;
  kubernetesVersion: string;
  pid: number;
}

const STDERR_KEEP = 64 * 1024;

/** Starts a control plane and resolves once it serves requests (and, with the controller manager, once
 * `default/default` ServiceAccount exists). Always `stop()` it, e.g. in an `after` hook. */
export async function startApiServer(options: StartApiServerOptions = {}): Promise<ApiServer> {
  const bin = options.binary ?? apiServerBinaryPath();
  const missing = binaryMissingReason(bin);
  if (missing !== undefined) {
    throw new Error(process.env.CI === 'true' ? `${missing} (CI=true: a missing API server is a failure)` : missing);
  }
  const timeoutMs = options.startTimeoutMs ?? START_TIMEOUT_MS;
  const verbose = options.verbose ?? process.env.DEBUGDEAD_APISERVER_VERBOSE === '1';
  const args = [
    ...(options.harnessArgs ?? []),
    '--exit-on-stdin-close',
    `--start-timeout=${Math.max(1, Math.floor(timeoutMs / 1000) - 5)}s`,
    `--users=${(options.users ?? ['alice', 'bob']).join(',')}`,
  ];
  if (options.tokenFile !== undefined) args.push(`--token-file=${options.tokenFile}`);
  if (options.controllerManager === false) args.push('--controller-manager=false');
  if (options.controllers !== undefined) args.push(`--controllers=${options.controllers.join(',')}`);
  for (const a of options.apiserverArgs ?? []) args.push(`--apiserver-arg=${a}`);
  for (const a of options.controllerManagerArgs ?? []) args.push(`--controller-manager-arg=${a}`);
  if (options.logDir !== undefined) args.push(`--log-dir=${options.logDir}`);
  if (verbose) args.push('--verbose');

  // stdin stays an open pipe: when this process dies, it closes and the harness shuts down.
  const child = spawn(bin, args, { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk: string) => {
    if (verbose) process.stderr.write(chunk);
    stderr = (stderr + chunk).slice(-STDERR_KEEP);
  });
  const exited = new Promise<number | null>((resolve) => {
    child.once('exit', (code, signal) => {
      resolve(code ?? (signal === null ? null : 128));
    });
  });
  // Last resort if a test forgets stop() or the test process exits abruptly.
  const killOnExit = (): void => {
    child.kill('SIGTERM');
  };
  process.once('exit', killOnExit);

  let ready: ReadyLine;
  try {
    ready = await readReadyLine(child, exited, timeoutMs, () => stderr);
  } catch (err) {
    await terminate(child, exited);
    process.removeListener('exit', killOnExit);
    throw err;
  }

  // From now on the harness must not keep this process alive by itself.
  // stdout keeps being drained (the harness must never get EPIPE), but no stream holds the event loop.
  child.unref();
  child.stdout.on('data', () => undefined);
  child.stdout.resume();
  unrefStream(child.stdout);
  unrefStream(child.stderr);
  unrefStream(child.stdin);

  const users: Record<string, ApiServerUser> = {};
  const userTokens: Record<string, string> = {};
  for (const [name, u] of Object.entries(ready.users)) {
    users[name] = { name, token: u.token, groups: u.groups ?? [], kubeconfigPath: u.kubeconfig };
    userTokens[name] = u.token;
  }
  const agent = new https.Agent({ ca: ready.caPem, keepAlive: false });
  let stopping: Promise<number | null> | undefined;

  const server: ApiServer = {
    url: ready.url,
    port: ready.port,
    kubeconfigPath: ready.kubeconfig,
    caPem: ready.caPem,
    caPath: ready.caFile,
    adminToken: ready.adminToken,
    users,
    userTokens,
    kubernetesVersion: ready.kubernetesVersion,
    dir: ready.dir,
    logDir: ready.logDir,
    pid: ready.pid,
    readyLine: ready as unknown as Record<string, unknown>,
    stderr: () => stderr,
    request: <T>(method: string, path: string, opts: RequestOptions = {}) =>
      httpsRequest<T>(agent, ready.url, ready.adminToken, method, path, opts),
    kubectl: (kubectlArgs, opts = {}) => {
      let kubeconfig = ready.kubeconfig;
      if (opts.user !== undefined) {
        const user = users[opts.user];
        if (user === undefined) return Promise.reject(new Error(`no such test user: ${opts.user}`));
        kubeconfig = user.kubeconfigPath;
      }
      return runKubectl(['--kubeconfig', kubeconfig, ...kubectlArgs], opts.input, opts.timeoutMs ?? 60_000);
    },
    stop: () => {
      stopping ??= (async () => {
        process.removeListener('exit', killOnExit);
        agent.destroy();
        return terminate(child, exited);
      })();
      return stopping;
    },
  };
  return server;
}

function unrefStream(stream: unknown): void {
  const handle = stream as { unref?: () => void };
  if (typeof handle.unref === 'function') handle.unref();
}

/** SIGTERM, wait (bounded), SIGKILL. Resolves to the exit code (128 when killed by a signal). */
async function terminate(child: ChildProcess, exited: Promise<number | null>): Promise<number | null> {
  child.ref();
  if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => {
      resolve('timeout');
    }, STOP_TIMEOUT_MS);
  });
  const result = await Promise.race([exited, timedOut]);
  clearTimeout(timer);
  if (result !== 'timeout') return result;
  child.kill('SIGKILL');
  await exited;
  throw new Error(`the API server harness (pid ${child.pid ?? '?'}) did not stop within ${STOP_TIMEOUT_MS} ms`);
}

function readReadyLine(
  child: ChildProcess & { stdout: NodeJS.ReadableStream },
  exited: Promise<number | null>,
  timeoutMs: number,
  stderr: () => string,
): Promise<ReadyLine> {
  return new Promise<ReadyLine>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout });
    const timer = setTimeout(() => {
      finish(new Error(`the API server was not ready within ${timeoutMs} ms; harness stderr:\n${stderr()}`));
    }, timeoutMs);
    let done = false;
    function finish(err: Error | undefined, line?: ReadyLine): void {
      if (done) return;
      done = true;
      clearTimeout(timer);
      lines.close();
      if (err !== undefined) reject(err);
      else if (line !== undefined) resolve(line);
    }
    lines.on('line', (text) => {
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch {
        return; // not the ready line
      }
      if (isReadyLine(parsed)) finish(undefined, parsed);
    });
    void exited.then((code) => {
      finish(
        new Error(`the API server harness exited (code ${code ?? 'null'}) before it was ready; stderr:\n${stderr()}`),
      );
    });
    child.once('error', (err) => {
      finish(err);
    });
  });
}

function isReadyLine(value: unknown): value is ReadyLine {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return v.ready === true && typeof v.url === 'string' && typeof v.adminToken === 'string';
}

function httpsRequest<T>(
  agent: https.Agent,
  baseUrl: string,
  adminToken: string,
  method: string,
  path: string,
  opts: RequestOptions,
): Promise<ApiResponse<T>> {
  const url = new URL(path, baseUrl);
  const payload =
    opts.body === undefined ? undefined : typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body);
  const headers: Record<string, string> = {
    Accept: 'application/json',
    Authorization: `Bearer ${opts.token ?? adminToken}`,
    ...opts.headers,
  };
  if (payload !== undefined) {
    headers['Content-Type'] = opts.contentType ?? 'application/json';
    headers['Content-Length'] = String(Buffer.byteLength(payload));
  }
  return new Promise((resolve, reject) => {
    const req = https.request(url, { method, headers, agent, timeout: opts.timeoutMs ?? 30_000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let body: unknown;
        try {
          body = JSON.parse(text);
        } catch {
          body = undefined;
        }
        resolve({ status: res.statusCode ?? 0, body: body as T, text, headers: res.headers });
      });
      res.on('error', reject);
    });
    req.on('timeout', () => {
      req.destroy(new Error(`${method} ${path}: no answer within ${opts.timeoutMs ?? 30_000} ms`));
    });
    req.on('error', reject);
    req.end(payload);
  });
}

/** The kubectl to run: `KUBECTL` or `kubectl` from PATH. */
function runKubectl(args: readonly string[], input: string | undefined, timeoutMs: number): Promise<KubectlResult> {
  const kubectl = process.env.KUBECTL ?? 'kubectl';
  return new Promise((resolve, reject) => {
    const proc = execFile(
      kubectl,
      args,
      { timeout: timeoutMs, maxBuffer: 32 * 1024 * 1024, env: { ...process.env, KUBECONFIG: '' } },
      (err, stdout, stderr) => {
        if (err !== null && typeof err.code !== 'number') {
          reject(new Error(`kubectl ${args.join(' ')}: ${err.message}\n${stderr}`, { cause: err }));
          return;
        }
        resolve({ code: typeof err?.code === 'number' ? err.code : 0, stdout, stderr });
      },
    );
    if (input !== undefined) proc.stdin?.end(input);
    else proc.stdin?.end();
  });
}

/** Polls `check` every `intervalMs` until it returns something other than undefined; bounded by `timeoutMs`.
 * The error names `what` and the last value or error seen. */
export async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined> | T | undefined,
  { timeoutMs = 30_000, intervalMs = 200 }: { timeoutMs?: number; intervalMs?: number } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined) return value;
      last = undefined;
    } catch (err) {
      last = err;
    }
    if (Date.now() >= deadline) {
      const detail = last instanceof Error ? `: ${last.message}` : '';
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${detail}`);
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/** Waits until the ServiceAccount (default: `default`) exists in `namespace`; the ServiceAccount admission
 * plugin rejects pods in a namespace until it does. Resolves to the ServiceAccount object. */
export function waitForServiceAccount(
  server: ApiServer,
  namespace: string,
  { name = 'default', timeoutMs = 60_000 }: { name?: string; timeoutMs?: number } = {},
): Promise<Record<string, unknown>> {
  const path = `/api/v1/namespaces/${encodeURIComponent(namespace)}/serviceaccounts/${encodeURIComponent(name)}`;
  return waitFor(
    `ServiceAccount ${namespace}/${name}`,
    async () => {
      const res = await server.request<Record<string, unknown>>('GET', path);
      if (res.status === 200) return res.body;
      if (res.status !== 404) throw new Error(`GET ${path}: HTTP ${res.status} ${res.text}`);
      return undefined;
    },
    { timeoutMs },
  );
}

/** Creates a namespace with `labels` (as the admin) and waits for its `default` ServiceAccount. */
export async function createNamespace(
  server: ApiServer,
  name: string,
  labels: Readonly<Record<string, string>> = {},
): Promise<void> {
  const res = await server.request('POST', '/api/v1/namespaces', {
    body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels } },
  });
  if (res.status !== 201) throw new Error(`creating namespace ${name}: HTTP ${res.status} ${res.text}`);
  await waitForServiceAccount(server, name);
}
