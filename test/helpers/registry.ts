/**
 * A real OCI registry for tests: `debugdead-registry` (test/registry, built by `bash scripts/build-registry.sh`),
 * go-containerregistry's in-memory registry on 127.0.0.1 behind a bearer-token front, a basic front and an
 * anonymous front, with the images a test describes pushed at start.
 *
 * ```ts
 * const reason = registryUnavailableReason();
 * describe('against a real registry', { skip: reason }, () => {
 *   let registry: TestRegistry;
 *   before(async () => { registry = await startRegistry({ images: [...] }); });
 *   after(() => registry?.stop());
 * });
 * ```
 *
 * Skipping: `registryUnavailableReason()` says why the binary cannot run here (not built: no Go); with
 * `CI=true` it returns undefined even then, so the tests run and fail: in CI a missing registry is a failure.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants as fsConstants, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Where `scripts/build-registry.sh` links the binary. `DEBUGDEAD_REGISTRY_BIN` overrides it. */
export const DEFAULT_REGISTRY_BIN = `${REPO_ROOT}test/registry/bin/debugdead-registry`;

const START_TIMEOUT_MS = 30_000;

export function registryBinaryPath(): string {
  const fromEnv = process.env.DEBUGDEAD_REGISTRY_BIN;
  return fromEnv !== undefined && fromEnv !== '' ? fromEnv : DEFAULT_REGISTRY_BIN;
}

function binaryMissingReason(bin: string): string | undefined {
  try {
    accessSync(bin, fsConstants.X_OK);
    return undefined;
  } catch {
    return `no real registry: ${bin} is not an executable; build it with \`bash scripts/build-registry.sh\` (needs Go >= 1.26 and the Go module proxy)`;
  }
}

/** Why the real registry cannot run here, or undefined when it can. Never a reason to skip in CI. */
export function registryUnavailableReason(): string | undefined {
  const missing = binaryMissingReason(registryBinaryPath());
  if (missing === undefined || process.env.CI === 'true') return undefined;
  return missing;
}

export interface PlatformSpec {
  os: string;
  architecture: string;
  variant?: string;
  entrypoint: string[] | null;
  cmd: string[] | null;
}

export interface ImageSpec {
  repository: string;
  tag: string;
  format?: 'docker' | 'oci';
  /** An index (manifest list) of `platforms`; otherwise `platforms` has one entry. */
  index?: boolean;
  /** The token endpoint grants pull without credentials. */
  public?: boolean;
  platforms: PlatformSpec[];
}

export interface PushedImage {
  /** What the tag points at: the manifest, or the index. */
  digest: string;
  /** Per `os/arch[/variant]`. */
  platforms: Record<string, { manifest: string; config: string }>;
}

export interface RegistryRequest {
  front: 'bearer' | 'basic' | 'anonymous';
  method: string;
  path: string;
  query: string;
  authorization: 'none' | 'basic' | 'bearer' | 'other';
}

export interface TestRegistry {
  /** `127.0.0.1:PORT` of each front. */
  readonly bearer: string;
  readonly basic: string;
  readonly anonymous: string;
  readonly service: string;
  readonly username: string;
  readonly password: string;
  /** The refresh token the bearer front's token endpoint accepts in an OAuth2 POST (an identity token). */
  readonly identityToken: string;
  /** By `repository:tag`. */
  readonly images: Readonly<Record<string, PushedImage>>;
  /** Requests seen since start (with `logRequests`). */
  requests(): RegistryRequest[];
  /** SIGTERM and wait. Idempotent. */
  stop(): Promise<void>;
}

interface ReadyLine {
  ready: true;
  bearer: string;
  basic: string;
  anonymous: string;
  service: string;
  username: string;
  password: string;
  identityToken: string;
  images: Record<string, PushedImage>;
}

export async function startRegistry(
  options: { images?: ImageSpec[]; logRequests?: boolean; password?: string } = {},
): Promise<TestRegistry> {
  const bin = registryBinaryPath();
  const missing = binaryMissingReason(bin);
  if (missing !== undefined) {
    throw new Error(process.env.CI === 'true' ? `${missing} (CI=true: a missing registry is a failure)` : missing);
  }
  const dir = mkdtempSync(path.join(tmpdir(), 'debugdead-registry-'));
  const imagesFile = path.join(dir, 'images.json');
  writeFileSync(imagesFile, JSON.stringify(options.images ?? []));
  const args = ['--exit-on-stdin-close', `--images=${imagesFile}`];
  if (options.logRequests === true) args.push('--log-requests');
  if (options.password !== undefined) args.push(`--password=${options.password}`);
  const child: ChildProcess = spawn(bin, args, { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (chunk: string) => (stderr = (stderr + chunk).slice(-16_384)));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const killOnExit = (): void => {
    child.kill('SIGTERM');
  };
  process.once('exit', killOnExit);
  const requests: RegistryRequest[] = [];
  const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
  const ready = await new Promise<ReadyLine>((resolve, reject) => {
    const timer = setTimeout(() => {
      reject(new Error(`the registry was not ready within ${START_TIMEOUT_MS} ms: ${stderr}`));
    }, START_TIMEOUT_MS);
    lines.on('line', (text) => {
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch {
        return;
      }
      const line = parsed as Partial<ReadyLine> & { request?: RegistryRequest };
      if (line.request !== undefined) requests.push(line.request);
      else if (line.ready === true) {
        clearTimeout(timer);
        resolve(line as ReadyLine);
      }
    });
    void exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`the registry exited before it was ready: ${stderr}`));
    });
  }).catch((error: unknown) => {
    child.kill('SIGKILL');
    process.removeListener('exit', killOnExit);
    rmSync(dir, { recursive: true, force: true });
    throw error;
  });
  child.unref();
  for (const stream of [child.stdout, child.stderr, child.stdin]) (stream as { unref?: () => void } | null)?.unref?.();
  let stopping: Promise<void> | undefined;
  return {
    bearer: ready.bearer,
    basic: ready.basic,
    anonymous: ready.anonymous,
    service: ready.service,
    username: ready.username,
    password: ready.password,
    identityToken: ready.identityToken,
    images: ready.images,
    requests: () => [...requests],
    stop: () => {
      stopping ??= (async () => {
        process.removeListener('exit', killOnExit);
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
        await exited;
        clearTimeout(timer);
        rmSync(dir, { recursive: true, force: true });
      })();
      return stopping;
    },
  };
}
