#!/usr/bin/env node
/**
 * `debugdead-webhook`: the entry point. The only place that reads process.argv and process.env; it builds
 * the logger, metrics, app and server and wires the signals.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { pino, type Logger } from 'pino';
import { UsageError } from '../errors.js';
import { ensureLocalCertificates } from '../tls/local.js';
import type { TlsPaths } from '../tls/material.js';
import { createApp } from './app.js';
import { HELP_TEXT, parseConfig, type WebhookConfig } from './config.js';
import { createMetrics } from './metrics.js';
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

/** debugdead's version, from the package.json next to dist/ (for debugdead_build_info). */
function packageVersion(): string {
  try {
    const manifest = JSON.parse(
      readFileSync(path.resolve(import.meta.dirname, '..', '..', 'package.json'), 'utf8'),
    ) as { version?: unknown };
    return typeof manifest.version === 'string' ? manifest.version : 'unknown';
  } catch {
    return 'unknown';
  }
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

async function run(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
): Promise<number | undefined> {
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

  // Buffered, asynchronous writes: a synchronous write(2) per review line costs more than the review itself
  // (bench/webhook-load.bench.ts). Every exit below flushes first.
  const destination = pino.destination({ dest: 1, sync: false });
  const logger = pino({ level: config.logLevel }, destination);
  // A closed stdout (EPIPE) must not keep the process from exiting or turn a shutdown into a crash.
  destination.on('error', () => undefined);
  function exit(code: number): never {
    try {
      destination.flushSync();
    } catch {
      // nothing more can be logged
    }
    process.exit(code);
  }
  process.on('uncaughtException', (error) => {
    logger.fatal({ err: error }, 'uncaught exception; exiting');
    exit(1);
  });

  const metrics = createMetrics({ processMetrics: true, version: packageVersion() });
  let running: RunningServer | undefined;

  // Installed before listening, so that a SIGTERM during startup is not Node's default abrupt exit.
  let stopping = false;
  const stop = (signal: NodeJS.Signals): void => {
    if (stopping) {
      logger.warn({ signal }, 'already shutting down');
      return;
    }
    stopping = true;
    if (running === undefined) {
      logger.info({ signal }, 'stopped before listening');
      exit(0);
    }
    logger.info(
      { signal, timeoutMs: config.shutdownTimeoutMs },
      'shutting down: no new connections, finishing in-flight reviews',
    );
    void running.shutdown(config.shutdownTimeoutMs).then((result) => {
      logger.info(result, 'stopped');
      exit(0);
    });
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  const app = createApp({
    mutation: config.mutation,
    logger,
    metrics,
    bodyLimitBytes: config.bodyLimitBytes,
    reviewLimits: config.reviews,
    isReady: () => running?.isReady() ?? false,
  });

  let caPath: string | undefined;
  try {
    const tls = await resolveTls(config, logger);
    caPath = tls.caPath;
    running = await startServer({
      app,
      tls: tls.paths,
      host: config.host,
      port: config.port,
      limits: config.server,
      logger,
      metrics,
    });
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    const hint =
      code === 'EADDRINUSE'
        ? `port ${config.port} is in use; stop the other process or pass --port`
        : code === 'EACCES'
          ? `no permission to listen on port ${config.port}; use a port above 1023`
          : error instanceof Error
            ? error.message
            : String(error);
    logger.fatal({ err: error }, `cannot start: ${hint}`);
    return 1;
  }

  const server = running;
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
  if (caPath !== undefined) {
    const hostname =
      config.host === undefined || config.host === '0.0.0.0' || config.host === '::' ? 'localhost' : config.host;
    const url = `https://${hostname.includes(':') ? `[${hostname}]` : hostname}:${server.port}/mutate`;
    process.stderr.write(
      `\ndebugdead-webhook is serving ${url} with a self-signed certificate (CA: ${shellPath(caPath)}). Try it:\n\n` +
        `  curl --cacert ${shellPath(caPath)} -H 'Content-Type: application/json' --data @${exampleReviewPath()} ${url}\n\n`,
    );
  }

  return undefined;
}

const code = await run(process.argv.slice(2), process.env);
if (code !== undefined) process.exitCode = code;
