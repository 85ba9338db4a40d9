/**
 * The serving certificate reloaded when its files change.
 *
 * Kubernetes updates a Secret volume by writing a new timestamped directory and renaming a `..data`
 * symlink over the old one, so the files themselves never change: the containing directories are watched
 * (not the files), events are debounced, and the files are re-read and compared. New files that do not
 * form a valid pair (loadTlsMaterial: a key of the certificate, of its type) are refused, logged as an
 * error and counted as a failed reload; the old context is kept. A slow poll backs up the watch on
 * filesystems whose events are unreliable.
 */
import { watch, type FSWatcher } from 'node:fs';
import path from 'node:path';
import type { Logger } from 'pino';
import { loadTlsMaterial, type TlsMaterial, type TlsPaths } from './material.js';

/** The two metrics a reload reports (the webhook's registry has them). */
export interface ReloadMetrics {
  readonly certificateReloads: { inc(labels: { result: 'success' | 'failure' }): void };
  readonly certificateExpiry: { set(value: number): void };
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export interface CertificateWatcherOptions {
  paths: TlsPaths;
  /** What is served now. */
  current: TlsMaterial;
  /** Installs new material (server.setSecureContext). */
  apply: (material: TlsMaterial) => void;
  logger: Logger;
  metrics: ReloadMetrics;
  /** Quiet time after the last file event before reloading (default 200 ms). */
  debounceMs?: number;
  /** Safety poll interval (default 60 s; 0 disables). */
  pollIntervalMs?: number;
  now?: () => Date;
}

export type CheckResult = 'unchanged' | 'reloaded' | 'failed';

export interface CertificateWatcher {
  /** Re-reads the files now (what a file event triggers after the debounce). */
  check(): Promise<CheckResult>;
  current(): TlsMaterial;
  close(): void;
}

/** What the checks share: the material served now and the last refusal (reported once, not on every poll). */
interface ReloadState {
  current: TlsMaterial;
  lastFailure: string | undefined;
  closed: boolean;
}

type CheckContext = Pick<CertificateWatcherOptions, 'paths' | 'apply' | 'logger' | 'metrics'> & {
  now: () => Date;
  state: ReloadState;
};

/** Reads the files; undefined when they do not form a valid pair (refused, and reported once per cause). */
async function readFiles(context: CheckContext): Promise<TlsMaterial | undefined> {
  const { state, metrics, logger } = context;
  try {
    const material = await loadTlsMaterial(context.paths, context.now());
    state.lastFailure = undefined;
    return material;
  } catch (error) {
    const message = describe(error);
    if (message !== state.lastFailure) {
      state.lastFailure = message;
      metrics.certificateReloads.inc({ result: 'failure' });
      logger.error(
        { err: error, serialNumber: state.current.info.serialNumber },
        'new TLS files refused; still serving the previous certificate',
      );
    }
    return undefined;
  }
}

/** Serves the new material, or keeps the old one when installing it fails. */
function install(context: CheckContext, material: TlsMaterial): CheckResult {
  const { state, metrics, logger } = context;
  try {
    context.apply(material);
  } catch (error) {
    metrics.certificateReloads.inc({ result: 'failure' });
    logger.error({ err: error }, 'installing the new TLS certificate failed; still serving the previous one');
    return 'failed';
  }
  const previous = state.current.info.serialNumber;
  state.current = material;
  metrics.certificateReloads.inc({ result: 'success' });
  metrics.certificateExpiry.set(material.info.validTo.getTime() / 1000);
  logger.info(
    {
      serialNumber: material.info.serialNumber,
      previousSerialNumber: previous,
      fingerprint256: material.info.fingerprint256,
      validTo: material.info.validTo.toISOString(),
    },
    'TLS certificate reloaded',
  );
  return 'reloaded';
}

async function checkOnce(context: CheckContext): Promise<CheckResult> {
  const material = await readFiles(context);
  if (material === undefined) return 'failed';
  if (material.digest === context.state.current.digest) return 'unchanged';
  return install(context, material);
}

/** One check at a time: a check asked for while another runs makes the running one go round once more. */
function coalesced(checkOnce: () => Promise<CheckResult>, state: ReloadState): () => Promise<CheckResult> {
  let running: Promise<CheckResult> | undefined;
  let requested = 0;
  return () => {
    requested += 1;
    if (running !== undefined) return running;
    running = (async () => {
      let result: CheckResult;
      let seen: number;
      do {
        seen = requested;
        result = await checkOnce();
      } while (seen !== requested && !state.closed);
      running = undefined;
      return result;
    })();
    return running;
  };
}

/** Runs `action` once `delayMs` have passed without another schedule(). */
function debounced(action: () => void, delayMs: number): { schedule(): void; cancel(): void } {
  let timer: NodeJS.Timeout | undefined;
  const cancel = (): void => {
    if (timer !== undefined) clearTimeout(timer);
  };
  return {
    schedule() {
      cancel();
      timer = setTimeout(() => {
        timer = undefined;
        action();
      }, delayMs);
      timer.unref();
    },
    cancel,
  };
}

/**
 * Watches the directories of the certificate and the key (Secret volumes swap a symlink, so the files never
 * change). arm() (re)starts watches that are missing, such as one that failed and was dropped.
 */
function directoryWatch(paths: TlsPaths, logger: Logger, onChange: () => void): { arm(): void; close(): void } {
  const watchers = new Map<string, FSWatcher>();
  const watchOne = (directory: string): void => {
    try {
      const watcher = watch(directory, { persistent: false }, onChange);
      watcher.on('error', (error) => {
        logger.warn({ err: error, directory }, 'watching the TLS directory failed; polling instead');
        watcher.close();
        watchers.delete(directory);
      });
      watchers.set(directory, watcher);
    } catch (error) {
      logger.warn({ err: error, directory }, 'cannot watch the TLS directory; polling instead');
    }
  };
  return {
    arm() {
      for (const directory of new Set([path.dirname(paths.certPath), path.dirname(paths.keyPath)])) {
        if (!watchers.has(directory)) watchOne(directory);
      }
    },
    close() {
      for (const watcher of watchers.values()) watcher.close();
      watchers.clear();
    },
  };
}

export function watchCertificates(options: CertificateWatcherOptions): CertificateWatcher {
  const { paths, apply, logger, metrics } = options;
  const pollIntervalMs = options.pollIntervalMs ?? 60_000;
  const state: ReloadState = { current: options.current, lastFailure: undefined, closed: false };
  const context: CheckContext = { paths, apply, logger, metrics, now: options.now ?? (() => new Date()), state };

  metrics.certificateExpiry.set(state.current.info.validTo.getTime() / 1000);

  const check = coalesced(() => checkOnce(context), state);
  const debounce = debounced(() => void check(), options.debounceMs ?? 200);
  const directories = directoryWatch(paths, logger, () => {
    if (!state.closed) debounce.schedule();
  });

  directories.arm();
  const poll =
    pollIntervalMs > 0
      ? setInterval(() => {
          directories.arm();
          void check();
        }, pollIntervalMs).unref()
      : undefined;

  return {
    check,
    current: () => state.current,
    close() {
      state.closed = true;
      debounce.cancel();
      if (poll !== undefined) clearInterval(poll);
      directories.close();
    },
  };
}
