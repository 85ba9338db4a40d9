/**
 * The HTTPS server around the app: listens, bounds its connections, hot-reloads its certificate, drains on
 * shutdown. Ready means: TLS loaded, listening, and not shutting down.
 */
import type { RequestListener } from 'node:http';
import https from 'node:https';
import net, { type AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { loadTlsMaterial, type CertificateInfo, type TlsPaths } from '../tls/material.js';
import { watchCertificates } from '../tls/reload.js';
import { serverSecureContextOptions } from '../tls/server-options.js';
import { trackConnections } from './connections.js';
import { SERVER_LIMITS, type ServerLimits } from './limits.js';
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
  /** Timeouts and the connection cap; defaults: SERVER_LIMITS. */
  limits?: Partial<ServerLimits>;
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

/** On shutdown, a keep-alive connection quiet this long is closed; a busier one gets `Connection: close` first. */
const DRAIN_QUIET_MS = 1_000;
/** At most one log line per this interval about connections refused at the cap. */
const DROP_LOG_INTERVAL_MS = 10_000;

export async function startServer(options: StartServerOptions): Promise<RunningServer> {
  const { logger, metrics } = options;
  const now = options.now ?? (() => new Date());
  const initial = await loadTlsMaterial(options.tls, now());

  const limits = { ...SERVER_LIMITS, ...options.limits };

  const server = https.createServer(serverSecureContextOptions(initial));
  server.requestTimeout = limits.requestTimeoutMs;
  server.headersTimeout = limits.headersTimeoutMs;
  server.keepAliveTimeout = limits.idleTimeoutMs;
  server.maxConnections = limits.maxConnections;
  // Before the app's listener: a `Connection: close` on shutdown must precede a synchronous answer.
  const connections = trackConnections(server, {
    headersTimeoutMs: limits.headersTimeoutMs,
    writeTimeoutMs: limits.writeTimeoutMs,
    drainQuietMs: DRAIN_QUIET_MS,
  });
  server.on('request', options.app);
  server.on('connection', (socket: net.Socket) => {
    metrics.connections.inc();
    socket.once('close', () => {
      metrics.connections.dec();
    });
  });

  let dropped = 0;
  let lastDropLog = Number.NEGATIVE_INFINITY;
  server.on('drop', () => {
    dropped += 1;
    metrics.connectionsRefused.inc();
    const at = performance.now();
    if (at - lastDropLog < DROP_LOG_INTERVAL_MS) return;
    lastDropLog = at;
    logger.warn(
      { maxConnections: limits.maxConnections, refusedSoFar: dropped },
      `connection refused: ${limits.maxConnections} connections are open (the cap); raise --max-connections if the API servers need more`,
    );
  });

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
        clearTimeout(deadline);
        resolve({ forced, ms: Date.now() - started });
      };
      // Stops accepting; the callback runs once every connection has ended. net's close, not https's: that
      // one also cuts every keep-alive connection between requests at once, resetting a request the client
      // has just sent on it (issue 14.2); connections.drain() closes those gracefully instead.
      net.Server.prototype.close.call(server, () => {
        finish();
      });
      connections.drain();
      const deadline = setTimeout(() => {
        forced = true;
        connections.destroyAll();
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
