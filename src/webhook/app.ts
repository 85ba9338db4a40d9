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
import { REVIEW_LIMITS, type ReviewLimits } from './limits.js';
import type { WebhookMetrics } from './metrics.js';
import { reviewRecorder } from './review-log.js';
import { reviewSlots } from './review-slots.js';

export interface AppDeps {
  mutation: MutationConfig;
  logger: Logger;
  metrics: WebhookMetrics;
  /** TLS loaded and listening, and not shutting down; /readyz answers 503 otherwise. */
  isReady?: () => boolean;
  bodyLimitBytes?: number;
  /** Defaults: REVIEW_LIMITS. */
  reviewLimits?: Partial<ReviewLimits>;
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

function reviewLocals(res: Response): ReviewLocals {
  return res.locals as ReviewLocals;
}

export function createApp(deps: AppDeps): WebhookApp {
  const { logger, metrics, mutation } = deps;
  const now = deps.now ?? (() => performance.now());
  const isReady = deps.isReady ?? (() => true);
  const limit = deps.bodyLimitBytes ?? DEFAULT_BODY_LIMIT_BYTES;
  const limits = { ...REVIEW_LIMITS, ...deps.reviewLimits };
  const record = reviewRecorder({ logger, metrics, now });
  const slots = reviewSlots(limits.maxReviews, limits.queueTimeoutMs);

  /**
   * The one place errors become HTTP answers: a UsageError carries its status (400, 413, 415), anything
   * else is a 500 whose details stay in the log. A refused review is recorded as invalid (the client's
   * mistake) or error (the webhook's own failure).
   */
  const sendError = (res: ServerResponse, error: unknown, review?: { started: number }): void => {
    const usage = error instanceof UsageError ? error : undefined;
    const status = usage?.status ?? 500;
    if (review !== undefined) {
      if (usage === undefined) record(review.started, { outcome: 'error', status, error });
      else record(review.started, { outcome: 'invalid', status, detail: usage.message });
    } else if (usage === undefined) {
      logger.error({ err: error }, 'request failed');
    }
    if (res.headersSent) {
      res.destroy();
      return;
    }
    sendPlain(res, status, usage?.message ?? 'internal error; see the webhook log');
  };

  /**
   * First on POST /mutate: the clock, the in-flight gauge and, for a large or chunked body, a review slot,
   * given back when the exchange ends either way. Over the cap, the body stays unread until a slot frees up,
   * or the answer is 429.
   */
  const startReview: RequestHandler = (req, res, next) => {
    const started = now();
    reviewLocals(res).review = { started };
    metrics.inFlight.inc();
    const declared = Number(req.headers['content-length']);
    if (declared <= limits.smallBodyBytes) {
      res.once('close', () => {
        metrics.inFlight.dec();
      });
      next();
      return;
    }
    let holding = false;
    const cancel = slots.acquire(
      () => {
        holding = true;
        next();
      },
      () => {
        const message = `too many reviews in progress (${limits.maxReviews}); retry shortly`;
        record(started, { outcome: 'throttled', status: 429, detail: message });
        sendPlain(res, 429, message, { 'Retry-After': '1' });
      },
    );
    res.once('close', () => {
      metrics.inFlight.dec();
      if (holding) slots.release();
      else cancel();
    });
  };

  const answerReview: RequestHandler = (req, res) => {
    const started = reviewLocals(res).review?.started ?? now();
    const { answer, json } = encodeAnswer(reviewAdmission(req.body as string, mutation, deps.mutate));
    record(started, {
      outcome: answer.outcome,
      fields: answer.fields,
      patchOps: answer.patchOps,
      ...(answer.detail === undefined ? {} : { detail: answer.detail }),
      ...(answer.outcome === 'error' ? { error: answer.error } : {}),
    });
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
