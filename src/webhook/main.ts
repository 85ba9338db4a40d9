#!/usr/bin/env node
/**
 * `debugdead-webhook`: the entry point. The only place that reads process.argv and process.env; it builds
 * the logger, metrics, app and server and wires the signals.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { pino, type Logger } from 'pino';
import { readBuildInfo } from '../build-info.js';
import { UsageError } from '../errors.js';
import { ensureLocalCertificates } from '../tls/local.js';
import type { TlsPaths } from '../tls/material.js';
import { createApp, type WebhookApp } from './app.js';
import { HELP_TEXT, parseConfig, type LogLevel, type WebhookConfig } from './config.js';
import { createMetrics, type WebhookMetrics } from './metrics.js';
import { createReviewPool, type ReviewPool } from './review-pool.js';
import { startServer, type RunningServer } from './server.js';

/** A path as the user would type it from the current directory, quoted for a POSIX shell when needed. */
function shellPath(target: string): string {
  const relative = path.relative(process.cwd(), target);
  const shown = relative !== '' && !relative.startsWith('..') && !path.isAbsolute(relative) ? relative : target;
  return /^[\w./@:+-]+$/.test(shown) ? shown : `'${shown.replaceAll("'", `'\\''`)}'`;
}

function exampleReviewPath(): string {
  const bundled = path.resolve(import.meta.dirname, '..', '..', 'examples', 'admission-review.json');
  return existsSync(bundled) ? shellPath(bundled) : 'examples/admission-review.json';
}

async function resolveTls(config: WebhookConfig, logger: Logger): Promise<{ paths: TlsPaths; caPath?: string }> {
  if (config.tlsCert !== undefined && config.tlsKey !== undefined) {
    return { paths: { certPath: config.tlsCert, keyPath: config.tlsKey } };
  }
  const local = await ensureLocalCertificates(path.resolve(config.certsDir), new Date());
  logger.info(
    { caPath: local.caPath, certPath: local.certPath, serialNumber: local.serialNumber, generated: local.generated },
    local.generated
      ? `no --tls-cert given: generated a self-signed certificate for localhost; its CA is ${local.caPath}`
      : `no --tls-cert given: reusing the localhost certificate in ${path.dirname(local.certPath)}; its CA is ${local.caPath}`,
  );
  return { paths: { certPath: local.certPath, keyPath: local.keyPath }, caPath: local.caPath };
}

type Env = Readonly<Record<string, string | undefined>>;

/** The configuration, or the exit code when there is nothing to serve: --help (0) or a usage error (2). */
function configOrExitCode(argv: readonly string[], env: Env): WebhookConfig | number {
  let config: WebhookConfig;
  try {
    config = parseConfig(argv, env);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`debugdead-webhook: ${error.message}\nRun debugdead-webhook --help for the options.\n`);
    return 2;
  }
  if (config.help) {
    process.stdout.write(HELP_TEXT);
    return 0;
  }
  return config;
}

interface Logging {
  logger: Logger;
  /** Flushes the log (unless stdout has failed), then exits. */
  exit(code: number): never;
}

function startLogging(level: LogLevel): Logging {
  // Buffered, asynchronous writes: a synchronous write(2) per review line costs more than the review itself
  // (bench/webhook-load.bench.ts). Every exit flushes first.
  const destination = pino.destination({ dest: 1, sync: false });
  const logger = pino({ level }, destination);
  // A closed stdout (EPIPE) must not keep the process from exiting or turn a shutdown into a crash.
  // sonic-boom's flushSync retries a failed write every 100 ms for ever, whatever the error (EAGAIN or
  // EPIPE alike): once the destination has failed, nothing more can be written, so the exit skips the flush.
  let destinationFailed = false;
  destination.on('error', () => {
    destinationFailed = true;
  });
  function exit(code: number): never {
    try {
      if (!destinationFailed) destination.flushSync();
    } catch {
      // nothing more can be logged
    }
    process.exit(code);
  }
  return { logger, exit };
}

/**
 * SIGTERM and SIGINT: no new connections, the in-flight reviews finish (for at most timeoutMs), the review
 * workers stop, exit 0. Installed before listening, so that a signal during startup is not Node's default
 * abrupt exit.
 */
function handleStopSignals(
  logging: Logging,
  timeoutMs: number,
  server: () => RunningServer | undefined,
  pool: ReviewPool,
): void {
  const { logger } = logging;
  let stopping = false;
  const stop = (signal: NodeJS.Signals): void => {
    if (stopping) {
      logger.warn({ signal }, 'already shutting down');
      return;
    }
    stopping = true;
    const running = server();
    if (running === undefined) {
      logger.info({ signal }, 'stopped before listening');
      logging.exit(0);
    }
    logger.info({ signal, timeoutMs }, 'shutting down: no new connections, finishing in-flight reviews');
    void running.shutdown(timeoutMs).then(async (result) => {
      await pool.close();
      logger.info(result, 'stopped');
      logging.exit(0);
    });
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

interface Listening {
  server: RunningServer;
  /** The CA of the generated localhost certificate; undefined with --tls-cert. */
  caPath: string | undefined;
}

async function listen(
  config: WebhookConfig,
  app: WebhookApp,
  logger: Logger,
  metrics: WebhookMetrics,
): Promise<Listening> {
  const tls = await resolveTls(config, logger);
  const server = await startServer({
    app,
    tls: tls.paths,
    host: config.host,
    port: config.port,
    limits: config.server,
    logger,
    metrics,
  });
  return { server, caPath: tls.caPath };
}

/** Why the webhook could not start, with the fix where there is one. */
function startFailure(error: unknown, port: number): string {
  const code = (error as { code?: unknown }).code;
  if (code === 'EADDRINUSE') return `port ${port} is in use; stop the other process or pass --port`;
  if (code === 'EACCES') return `no permission to listen on port ${port}; use a port above 1023`;
  return error instanceof Error ? error.message : String(error);
}

/**
 * --max-old-space-size is a process-wide V8 flag: given, it replaces each review worker's own heap limit
 * (--review-workers), so the memory figures of the README no longer hold.
 */
function warnProcessHeapFlag(logger: Logger, env: Env, workerHeapMiB: number): void {
  const flags = [...process.execArgv, env.NODE_OPTIONS ?? ''].join(' ');
  if (!flags.includes('--max-old-space-size')) return;
  logger.warn(
    { execArgv: process.execArgv, nodeOptions: env.NODE_OPTIONS ?? '' },
    `--max-old-space-size applies to every thread and replaces the review workers' heap limit of ${workerHeapMiB} MiB; run without it`,
  );
}

function logListening(logger: Logger, config: WebhookConfig, server: RunningServer): void {
  logger.info(
    {
      port: server.port,
      host: config.host ?? 'all interfaces',
      serialNumber: server.certificate().serialNumber,
      validTo: server.certificate().validTo.toISOString(),
      toolsImage: config.mutation.toolsImage,
      defaultTtlSeconds: config.mutation.defaultTtlSeconds,
      mountPath: config.mutation.mountPath,
      bodyLimitBytes: config.bodyLimitBytes,
      ...config.server,
      ...config.reviews,
    },
    'listening',
  );
}

/** With a generated certificate: the URL served and a curl line to try it. */
function printTryIt(host: string | undefined, port: number, caPath: string): void {
  const hostname = host === undefined || host === '0.0.0.0' || host === '::' ? 'localhost' : host;
  const url = `https://${hostname.includes(':') ? `[${hostname}]` : hostname}:${port}/mutate`;
  process.stderr.write(
    `\ndebugdead-webhook is serving ${url} with a self-signed certificate (CA: ${shellPath(caPath)}). Try it:\n\n` +
      `  curl --cacert ${shellPath(caPath)} -H 'Content-Type: application/json' --data @${exampleReviewPath()} ${url}\n\n`,
  );
}

async function run(argv: readonly string[], env: Env): Promise<number | undefined> {
  const config = configOrExitCode(argv, env);
  if (typeof config === 'number') return config;

  const logging = startLogging(config.logLevel);
  const { logger } = logging;
  process.on('uncaughtException', (error) => {
    logger.fatal({ err: error }, 'uncaught exception; exiting');
    logging.exit(1);
  });

  warnProcessHeapFlag(logger, env, config.reviews.workerHeapMiB);
  const metrics = createMetrics({ processMetrics: true, version: readBuildInfo().version });
  let running: RunningServer | undefined;
  const reviewPool = createReviewPool({
    size: config.reviews.workers,
    heapMiB: config.reviews.workerHeapMiB,
    jobTimeoutMs: config.reviews.workerTimeoutMs,
    mutation: config.mutation,
    logger,
  });
  handleStopSignals(logging, config.shutdownTimeoutMs, () => running, reviewPool);
  const app = createApp({
    mutation: config.mutation,
    logger,
    metrics,
    bodyLimitBytes: config.bodyLimitBytes,
    reviewLimits: config.reviews,
    reviewPool,
    isReady: () => running?.isReady() ?? false,
  });

  let listening: Listening;
  try {
    listening = await listen(config, app, logger, metrics);
    running = listening.server;
  } catch (error) {
    logger.fatal({ err: error }, `cannot start: ${startFailure(error, config.port)}`);
    return 1;
  }

  const { server, caPath } = listening;
  logListening(logger, config, server);
  if (caPath !== undefined) printTryIt(config.host, server.port, caPath);
  return undefined;
}

const code = await run(process.argv.slice(2), process.env);
if (code !== undefined) process.exitCode = code;
