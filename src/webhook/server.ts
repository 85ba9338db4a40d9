/**
 * The HTTPS server around the app: listens, bounds its connections, hot-reloads its certificate, drains on
 * shutdown. Ready means: TLS loaded, listening, and not shutting down.
 */
import type { RequestListener } from 'node:http';
import https from 'node:https';
import net, { type AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { loadTlsMaterial, type CertificateInfo, type TlsMaterial, type TlsPaths } from '../tls/material.js';
import { watchCertificates, type CertificateWatcher } from '../tls/reload.js';
import { serverSecureContextOptions } from '../tls/server-options.js';
import { trackConnections, type ConnectionTracker } from './connections.js';
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

function createHttpsServer(initial: TlsMaterial, limits: ServerLimits): https.Server {
  const server = https.createServer(serverSecureContextOptions(initial));
  server.requestTimeout = limits.requestTimeoutMs;
  server.headersTimeout = limits.headersTimeoutMs;
  server.keepAliveTimeout = limits.idleTimeoutMs;
  server.maxConnections = limits.maxConnections;
  return server;
}

/** The open-connections gauge. */
function countConnections(server: https.Server, metrics: WebhookMetrics): void {
  server.on('connection', (socket: net.Socket) => {
    metrics.connections.inc();
    socket.once('close', () => {
      metrics.connections.dec();
    });
  });
}

/** Connections refused at the cap: each counted, logged at most once per DROP_LOG_INTERVAL_MS. */
function reportDrops(server: https.Server, maxConnections: number, logger: Logger, metrics: WebhookMetrics): void {
  let dropped = 0;
  let lastDropLog = Number.NEGATIVE_INFINITY;
  server.on('drop', () => {
    dropped += 1;
    metrics.connectionsRefused.inc();
    const at = performance.now();
    if (at - lastDropLog < DROP_LOG_INTERVAL_MS) return;
    lastDropLog = at;
    logger.warn(
      { maxConnections, refusedSoFar: dropped },
      `connection refused: ${maxConnections} connections are open (the cap); raise --max-connections if the API servers need more`,
    );
  });
}

/** The served certificate, replaced in the server's secure context when its files change. */
function watchServerCertificate(
  server: https.Server,
  initial: TlsMaterial,
  options: StartServerOptions,
  now: () => Date,
): CertificateWatcher {
  const { reload } = options;
  return watchCertificates({
    paths: options.tls,
    current: initial,
    apply: (material) => {
      server.setSecureContext(serverSecureContextOptions(material));
    },
    logger: options.logger,
    metrics: options.metrics,
    now,
    ...(reload?.debounceMs === undefined ? {} : { debounceMs: reload.debounceMs }),
    ...(reload?.pollIntervalMs === undefined ? {} : { pollIntervalMs: reload.pollIntervalMs }),
  });
}

/** Resolves once listening; a listen error (EADDRINUSE, EACCES) closes the watcher and rejects. */
function listen(server: https.Server, options: StartServerOptions, watcher: CertificateWatcher): Promise<void> {
  return new Promise<void>((resolve, reject) => {
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
}

function logServerErrors(server: https.Server, logger: Logger): void {
  server.on('error', (error) => {
    logger.error({ err: error }, 'HTTPS server error');
  });
  server.on('tlsClientError', (error) => {
    logger.debug({ err: error }, 'TLS handshake failed');
  });
}

interface Shutdown {
  shutdown: (timeoutMs: number) => Promise<ShutdownResult>;
  /** shutdown() was called. */
  begun: () => boolean;
}

/** shutdown() for RunningServer: started once, whoever asks again gets the same result. */
function shutdownOnce(server: https.Server, connections: ConnectionTracker, watcher: CertificateWatcher): Shutdown {
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

  return { shutdown, begun: () => shuttingDown !== undefined };
}

export async function startServer(options: StartServerOptions): Promise<RunningServer> {
  const { logger, metrics } = options;
  const now = options.now ?? (() => new Date());
  const initial = await loadTlsMaterial(options.tls, now());

  const limits = { ...SERVER_LIMITS, ...options.limits };

  const server = createHttpsServer(initial, limits);
  // Before the app's listener: a `Connection: close` on shutdown must precede a synchronous answer.
  const connections = trackConnections(server, {
    headersTimeoutMs: limits.headersTimeoutMs,
    writeTimeoutMs: limits.writeTimeoutMs,
    drainQuietMs: DRAIN_QUIET_MS,
  });
  server.on('request', options.app);
  countConnections(server, metrics);
  reportDrops(server, limits.maxConnections, logger, metrics);

  const watcher = watchServerCertificate(server, initial, options, now);
  await listen(server, options, watcher);
  logServerErrors(server, logger);

  const port = (server.address() as AddressInfo).port;
  const { shutdown, begun: shuttingDown } = shutdownOnce(server, connections, watcher);

  return {
    server,
    port,
    isReady: () => server.listening && !shuttingDown(),
    certificate: () => watcher.current().info,
    reloadCertificate: () => watcher.check(),
    shutdown,
  };
}
