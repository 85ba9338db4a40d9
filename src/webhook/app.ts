/**
 * The webhook's request handler, built without listening (server.ts listens; tests use supertest).
 *
 * One HTTP stack: express serves every route. `POST /mutate` is a chain of small middleware: start the
 * review (clock, in-flight gauge), read the body (`jsonBody`, the lean replacement of express.json()),
 * answer. Errors of every route go to the error handler, whose `sendError` is the one place that maps typed
 * errors to statuses. The admission path is per pod create, so its cost matters
 * (bench/webhook-load.bench.ts); the other routes are scraped and probed a few times a minute.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import express, { type ErrorRequestHandler, type RequestHandler, type Response } from 'express';
import type { Logger } from 'pino';
import { UsageError } from '../errors.js';
import type { MutationConfig } from '../mutation/index.js';
import { encodeAnswer, reviewAdmission, type MutateFunction } from './admission.js';
import { jsonBody } from './body.js';
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

/** What the review middleware keep in `res.locals` while a review is in progress. */
interface ReviewLocals {
  review?: { started: number };
}

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

function reviewLocals(res: Response): ReviewLocals {
  return res.locals as ReviewLocals;
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

  /** First on POST /mutate: the clock and the in-flight gauge, back down when the exchange ends either way. */
  const startReview: RequestHandler = (_req, res, next) => {
    reviewLocals(res).review = { started: now() };
    metrics.inFlight.inc();
    res.once('close', () => metrics.inFlight.dec());
    next();
  };

  const answerReview: RequestHandler = (req, res) => {
    const started = reviewLocals(res).review?.started ?? now();
    const { answer, json } = encodeAnswer(reviewAdmission(req.body as string, mutation, deps.mutate));
    const ms = now() - started;
    metrics.reviews.inc({ outcome: answer.outcome });
    metrics.duration.observe({ outcome: answer.outcome }, ms);
    const line = { ...answer.fields, outcome: answer.outcome, patchOps: answer.patchOps, ms: round(ms) };
    if (answer.outcome === 'error') logger.error({ ...line, err: answer.error }, 'admission review failed');
    else logger.info(answer.detail === undefined ? line : { ...line, detail: answer.detail }, 'admission review');
    res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(json) });
    res.end(json);
  };

  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);

  app.post('/mutate', startReview, jsonBody(limit), answerReview);

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

  const errorHandler: ErrorRequestHandler = (error: unknown, _req, res, _next) => {
    sendError(res, error, reviewLocals(res).review);
  };
  app.use(errorHandler);

  return app;
}
