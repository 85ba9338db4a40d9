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

export function watchCertificates(options: CertificateWatcherOptions): CertificateWatcher {
  const { paths, apply, logger, metrics } = options;
  const debounceMs = options.debounceMs ?? 200;
  const pollIntervalMs = options.pollIntervalMs ?? 60_000;
  const now = options.now ?? (() => new Date());
  let current = options.current;
  let closed = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<CheckResult> | undefined;
  /** Checks asked for; one asked while another runs makes the running one go round once more. */
  let requested = 0;
  /** The last failing digest, so that one bad file is reported once, not on every poll. */
  let lastFailure: string | undefined;
  const watchers = new Map<string, FSWatcher>();

  metrics.certificateExpiry.set(current.info.validTo.getTime() / 1000);

  async function checkOnce(): Promise<CheckResult> {
    let material: TlsMaterial;
    try {
      material = await loadTlsMaterial(paths, now());
    } catch (error) {
      const message = describe(error);
      if (message !== lastFailure) {
        lastFailure = message;
        metrics.certificateReloads.inc({ result: 'failure' });
        logger.error(
          { err: error, serialNumber: current.info.serialNumber },
          'new TLS files refused; still serving the previous certificate',
        );
      }
      return 'failed';
    }
    lastFailure = undefined;
    if (material.digest === current.digest) return 'unchanged';
    try {
      apply(material);
    } catch (error) {
      metrics.certificateReloads.inc({ result: 'failure' });
      logger.error({ err: error }, 'installing the new TLS certificate failed; still serving the previous one');
      return 'failed';
    }
    const previous = current.info.serialNumber;
    current = material;
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

  function check(): Promise<CheckResult> {
    requested += 1;
    if (running !== undefined) return running;
    running = (async () => {
      let result: CheckResult;
      let seen: number;
      do {
        seen = requested;
        result = await checkOnce();
      } while (seen !== requested && !closed);
      running = undefined;
      return result;
    })();
    return running;
  }

  function schedule(): void {
    if (closed) return;
    if (timer !== undefined) clearTimeout(timer);
    timer = setTimeout(() => {
      timer = undefined;
      void check();
    }, debounceMs);
    timer.unref();
  }

  function arm(): void {
    const directories = new Set([path.dirname(paths.certPath), path.dirname(paths.keyPath)]);
    for (const directory of directories) {
      if (watchers.has(directory)) continue;
      try {
        const watcher = watch(directory, { persistent: false }, schedule);
        watcher.on('error', (error) => {
          logger.warn({ err: error, directory }, 'watching the TLS directory failed; polling instead');
          watcher.close();
          watchers.delete(directory);
        });
        watchers.set(directory, watcher);
      } catch (error) {
        logger.warn({ err: error, directory }, 'cannot watch the TLS directory; polling instead');
      }
    }
  }

  arm();
  const poll =
    pollIntervalMs > 0
      ? setInterval(() => {
          arm();
          void check();
        }, pollIntervalMs).unref()
      : undefined;

  return {
    check,
    current: () => current,
    close() {
      closed = true;
      if (timer !== undefined) clearTimeout(timer);
      if (poll !== undefined) clearInterval(poll);
      for (const watcher of watchers.values()) watcher.close();
      watchers.clear();
    },
  };
}
