/**
 * The HTTPS server around the app: listens, hot-reloads its certificate, drains on shutdown.
 * Ready means: TLS loaded, listening, and not shutting down.
 */
import type { RequestListener } from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { loadTlsMaterial, type CertificateInfo, type TlsPaths } from '../tls/material.js';
import { watchCertificates } from '../tls/reload.js';
import { serverSecureContextOptions } from '../tls/server-options.js';
import type { WebhookMetrics } from './metrics.js';

export interface StartServerOptions {
  app: RequestListener;
  tls: TlsPaths;
  /** undefined: all interfaces. */
  host?: string | undefined;
  /** 0 picks a free port. */
  port: number;
  logger: Logger;
  metrics: WebhookMetrics;
  /** Certificate watch tuning (tests use short values). */
  reload?: { debounceMs?: number; pollIntervalMs?: number };
  now?: () => Date;
}

export interface ShutdownResult {
  /** Connections still busy when the timeout came were cut. */
  forced: boolean;
  ms: number;
}

export interface RunningServer {
  readonly server: https.Server;
  readonly port: number;
  isReady(): boolean;
  certificate(): CertificateInfo;
  /** Re-reads the certificate files now, as a file change would. */
  reloadCertificate(): Promise<'unchanged' | 'reloaded' | 'failed'>;
  /** Stops accepting, lets in-flight requests finish (up to timeoutMs), then closes everything. */
  shutdown(timeoutMs: number): Promise<ShutdownResult>;
}

/** Matches the largest admission webhook timeout (30 s): a stuck client cannot hold a socket forever. */
const REQUEST_TIMEOUT_MS = 30_000;
/** Longer than the idle timeout of Go's HTTP client in kube-apiserver (90 s) is not needed, shorter races it less. */
const KEEP_ALIVE_TIMEOUT_MS = 65_000;

export async function startServer(options: StartServerOptions): Promise<RunningServer> {
  const { logger, metrics } = options;
  const now = options.now ?? (() => new Date());
  const initial = await loadTlsMaterial(options.tls, now());

  const server = https.createServer(serverSecureContextOptions(initial), options.app);
  server.requestTimeout = REQUEST_TIMEOUT_MS;
  server.headersTimeout = 15_000;
  server.keepAliveTimeout = KEEP_ALIVE_TIMEOUT_MS;

  const watcher = watchCertificates({
    paths: options.tls,
    current: initial,
    apply: (material) => {
      server.setSecureContext(serverSecureContextOptions(material));
    },
    logger,
    metrics,
    now,
    ...(options.reload?.debounceMs === undefined ? {} : { debounceMs: options.reload.debounceMs }),
    ...(options.reload?.pollIntervalMs === undefined ? {} : { pollIntervalMs: options.reload.pollIntervalMs }),
  });

  await new Promise<void>((resolve, reject) => {
    const onError = (error: Error): void => {
      watcher.close();
      reject(error);
    };
    server.once('error', onError);
    server.listen({ port: options.port, host: options.host }, () => {
      server.off('error', onError);
      resolve();
    });
  });
  server.on('error', (error) => {
    logger.error({ err: error }, 'HTTPS server error');
  });
  server.on('tlsClientError', (error) => {
    logger.debug({ err: error }, 'TLS handshake failed');
  });

  const port = (server.address() as AddressInfo).port;
  let shuttingDown: Promise<ShutdownResult> | undefined;

  function shutdown(timeoutMs: number): Promise<ShutdownResult> {
    if (shuttingDown !== undefined) return shuttingDown;
    const started = Date.now();
    watcher.close();
    shuttingDown = new Promise<ShutdownResult>((resolve) => {
      let forced = false;
      const finish = (): void => {
        clearInterval(sweep);
        clearTimeout(deadline);
        resolve({ forced, ms: Date.now() - started });
      };
      // Stops accepting; the callback runs once every connection has ended.
      server.close(finish);
      // Keep-alive connections with no request in progress are closed at once and after each response.
      server.closeIdleConnections();
      const sweep = setInterval(() => {
        server.closeIdleConnections();
      }, 25);
      const deadline = setTimeout(() => {
        forced = true;
        server.closeAllConnections();
      }, timeoutMs);
    });
    return shuttingDown;
  }

  return {
    server,
    port,
    isReady: () => server.listening && shuttingDown === undefined,
    certificate: () => watcher.current().info,
    reloadCertificate: () => watcher.check(),
    shutdown,
  };
}
