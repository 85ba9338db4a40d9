/**
 * The webhook's request handler, built without listening (server.ts listens; tests use supertest).
 *
 * `POST /mutate` runs on a lean path in front of express: read the body, review, write the answer. Express
 * serves everything else (GET /healthz, /readyz, /metrics, 405 for other methods on /mutate, 404). The
 * admission path is per pod create, so its cost matters (bench/webhook-load.bench.ts); the other routes are
 * scraped and probed a few times a minute. Both paths turn errors into HTTP answers through `sendError`,
 * the one place that maps typed errors to statuses.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import express, { type ErrorRequestHandler } from 'express';
import type { Logger } from 'pino';
import { UsageError } from '../errors.js';
import type { MutationConfig } from '../mutation/index.js';
import { encodeAnswer, reviewAdmission, type MutateFunction } from './admission.js';
import { checkJsonContentType, readBody } from './body.js';
import { DEFAULT_BODY_LIMIT_BYTES } from './config.js';
import type { WebhookMetrics } from './metrics.js';

export interface AppDeps {
  mutation: MutationConfig;
  logger: Logger;
  metrics: WebhookMetrics;
  /** TLS loaded and listening, and not shutting down; /readyz answers 503 otherwise. */
  isReady?: () => boolean;
  bodyLimitBytes?: number;
  /** The mutation (tests inject failing ones); default mutatePod. */
  mutate?: MutateFunction;
  /** Monotonic milliseconds, for the latency histogram and the log line. */
  now?: () => number;
}

/** A node:http(s) request listener. */
export type WebhookApp = (req: IncomingMessage, res: ServerResponse) => void;

function sendPlain(res: ServerResponse, status: number, message: string, headers: Record<string, string> = {}): void {
  const body = `${message}\n`;
  res.writeHead(status, {
    'Content-Type': 'text/plain; charset=utf-8',
    'Content-Length': Buffer.byteLength(body),
    ...headers,
  });
  res.end(body);
}

function round(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}

function isReviewRequest(req: IncomingMessage): boolean {
  if (req.method !== 'POST') return false;
  const url = req.url ?? '';
  return url === '/mutate' || url.startsWith('/mutate?');
}

export function createApp(deps: AppDeps): WebhookApp {
  const { logger, metrics, mutation } = deps;
  const now = deps.now ?? (() => performance.now());
  const isReady = deps.isReady ?? (() => true);
  const limit = deps.bodyLimitBytes ?? DEFAULT_BODY_LIMIT_BYTES;

  /**
   * The one place errors become HTTP answers: a UsageError carries its status (400, 413, 415), anything
   * else is a 500 whose details stay in the log. A failed review is counted and logged as outcome error.
   */
  const sendError = (res: ServerResponse, error: unknown, review?: { started: number }): void => {
    const usage = error instanceof UsageError ? error : undefined;
    const status = usage?.status ?? 500;
    if (review !== undefined) {
      const ms = now() - review.started;
      metrics.reviews.inc({ outcome: 'error' });
      metrics.duration.observe({ outcome: 'error' }, ms);
      const line = { outcome: 'error', status, ms: round(ms) };
      if (usage === undefined) logger.error({ ...line, err: error }, 'admission review failed');
      else logger.warn({ ...line, reason: usage.message }, 'admission review rejected');
    } else if (usage === undefined) {
      logger.error({ err: error }, 'request failed');
    }
    if (res.headersSent) {
      res.destroy();
      return;
    }
    sendPlain(res, status, usage?.message ?? 'internal error; see the webhook log');
  };

  const review = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const started = now();
    metrics.inFlight.inc();
    try {
      checkJsonContentType(req);
      const body = await readBody(req, limit);
      const { answer, json } = encodeAnswer(reviewAdmission(body, mutation, deps.mutate));
      const ms = now() - started;
      metrics.reviews.inc({ outcome: answer.outcome });
      metrics.duration.observe({ outcome: answer.outcome }, ms);
      const line = { ...answer.fields, outcome: answer.outcome, patchOps: answer.patchOps, ms: round(ms) };
      if (answer.outcome === 'error') logger.error({ ...line, err: answer.error }, 'admission review failed');
      else logger.info(answer.detail === undefined ? line : { ...line, detail: answer.detail }, 'admission review');
      res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(json) });
      res.end(json);
    } catch (error) {
      sendError(res, error, { started });
    } finally {
      metrics.inFlight.dec();
    }
  };

  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);

  app.all('/mutate', (_req, res) => {
    sendPlain(res, 405, 'use POST /mutate with an AdmissionReview', { Allow: 'POST' });
  });

  app.get('/healthz', (_req, res) => {
    sendPlain(res, 200, 'ok');
  });

  app.get('/readyz', (_req, res) => {
    if (isReady()) sendPlain(res, 200, 'ok');
    else sendPlain(res, 503, 'not ready: TLS not loaded, not listening, or shutting down');
  });

  app.get('/metrics', async (_req, res) => {
    const body = await metrics.registry.metrics();
    res.status(200).type(metrics.registry.contentType).send(body);
  });

  app.use((req, res) => {
    sendPlain(
      res,
      404,
      `no route for ${req.method} ${req.path.slice(0, 200)}; try POST /mutate, GET /healthz, /readyz, /metrics`,
    );
  });

  const errorHandler: ErrorRequestHandler = (error: unknown, _req, res) => {
    sendError(res, error);
  };
  app.use(errorHandler);

  return (req, res) => {
    if (isReviewRequest(req)) void review(req, res);
    else app(req, res);
  };
}
