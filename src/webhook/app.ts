/**
 * The webhook's request handler, built without listening (server.ts listens; tests use supertest).
 *
 * One HTTP stack: express serves every route. `POST /mutate` is a chain of small middleware: start the
 * review (clock, in-flight gauge, a slot for a large body), read the body (`jsonBody`, the lean replacement
 * of express.json()), answer (a large body's review runs in a worker thread: review-pool.ts). Errors of
 * every route go to the error handler, whose `sendError` is the one place that maps typed errors to
 * statuses. The admission path is per pod create, so its cost matters
 * (bench/webhook-load.bench.ts); the other routes are scraped and probed a few times a minute.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import express, { type ErrorRequestHandler, type Express, type RequestHandler, type Response } from 'express';
import type { Logger } from 'pino';
import { UsageError } from '../errors.js';
import type { MutationConfig } from '../mutation/index.js';
import type { MutateFunction } from './admission.js';
import { jsonBody } from './body.js';
import { DEFAULT_BODY_LIMIT_BYTES } from './config.js';
import { REVIEW_LIMITS, type ReviewLimits } from './limits.js';
import type { WebhookMetrics } from './metrics.js';
import { reviewRecorder, type RecordReview } from './review-log.js';
import type { ReviewPool } from './review-pool.js';
import { reviewSlots, type ReviewSlots } from './review-slots.js';
import { runReview, type AnsweredRecord } from './review-work.js';

export interface AppDeps {
  mutation: MutationConfig;
  logger: Logger;
  metrics: WebhookMetrics;
  /** TLS loaded and listening, and not shutting down; /readyz answers 503 otherwise. */
  isReady?: () => boolean;
  bodyLimitBytes?: number;
  /** Defaults: REVIEW_LIMITS. */
  reviewLimits?: Partial<ReviewLimits>;
  /** The mutation (tests inject failing ones); default mutatePod. Runs on the main thread only. */
  mutate?: MutateFunction;
  /**
   * The worker threads that review bodies over `reviewLimits.smallBodyBytes` (main.ts starts them and
   * closes them on shutdown); without one, every review runs on the main thread.
   */
  reviewPool?: ReviewPool;
  /** Monotonic milliseconds, for the latency histogram and the log line. */
  now?: () => number;
}

/** A node:http(s) request listener. */
export type WebhookApp = (req: IncomingMessage, res: ServerResponse) => void;

/** What the review middleware keep in `res.locals` while a review is in progress. */
interface ReviewLocals {
  review?: {
    started: number;
    /** A large review's work in a worker: its slot is held until this settles, even if the client left. */
    working?: Promise<unknown>;
  };
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

/**
 * The one place errors become HTTP answers: a UsageError carries its status (400, 413, 415), anything
 * else is a 500 whose details stay in the log. A refused review is recorded as invalid (the client's
 * mistake) or error (the webhook's own failure).
 */
function errorSender(
  logger: Logger,
  record: RecordReview,
): (res: ServerResponse, error: unknown, review?: { started: number }) => void {
  return (res, error, review) => {
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
}

interface ReviewStart {
  metrics: WebhookMetrics;
  now: () => number;
  record: RecordReview;
  limits: ReviewLimits;
  slots: ReviewSlots;
}

/**
 * First on POST /mutate: the clock, the in-flight gauge and, for a large or chunked body, a review slot,
 * given back when the exchange ends either way. Over the cap, the body stays unread until a slot frees up,
 * or the answer is 429.
 */
function reviewStarter({ metrics, now, record, limits, slots }: ReviewStart): RequestHandler {
  return (req, res, next) => {
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
      if (!holding) {
        cancel();
        return;
      }
      const release = (): void => {
        slots.release();
      };
      const working = reviewLocals(res).review?.working;
      if (working === undefined) release();
      else working.then(release, release);
    });
  };
}

interface ReviewAnswering {
  deps: Pick<AppDeps, 'mutation' | 'mutate' | 'reviewPool'>;
  limits: ReviewLimits;
  now: () => number;
  record: RecordReview;
}

/**
 * Last on POST /mutate: the review of the body read, answered and recorded. A small body is reviewed here, on
 * the main thread (a few KiB: the worker hop would cost more than the review); a larger one in a worker, so
 * that the probes keep being answered meanwhile.
 */
function reviewAnswerer({ deps, limits, now, record }: ReviewAnswering): RequestHandler {
  const { mutation, mutate, reviewPool } = deps;
  return (req, res, next) => {
    const locals = reviewLocals(res);
    const started = locals.review?.started ?? now();
    const answer = ({ json, record: answered }: { json: string | Buffer; record: AnsweredRecord }): void => {
      record(started, answered);
      res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(json) });
      res.end(json);
    };
    const body = req.body as Buffer;
    if (reviewPool === undefined || body.length <= limits.smallBodyBytes) {
      answer(runReview(body.toString('utf8'), mutation, mutate));
      return;
    }
    const working = reviewPool.review(body);
    if (locals.review !== undefined) locals.review.working = working;
    working.then(answer, next);
  };
}

/** GET /healthz, /readyz and /metrics: what the kubelet probes and Prometheus scrapes. */
function addProbeRoutes(app: Express, isReady: () => boolean, metrics: WebhookMetrics): void {
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
}

export function createApp(deps: AppDeps): WebhookApp {
  const { logger, metrics } = deps;
  const now = deps.now ?? (() => performance.now());
  const limits = { ...REVIEW_LIMITS, ...deps.reviewLimits };
  const record = reviewRecorder({ logger, metrics, now });
  const slots = reviewSlots(limits.maxReviews, limits.queueTimeoutMs);
  const sendError = errorSender(logger, record);

  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);

  app.post(
    '/mutate',
    reviewStarter({ metrics, now, record, limits, slots }),
    jsonBody(deps.bodyLimitBytes ?? DEFAULT_BODY_LIMIT_BYTES),
    reviewAnswerer({ deps, limits, now, record }),
  );

  app.all('/mutate', (_req, res) => {
    sendPlain(res, 405, 'use POST /mutate with an AdmissionReview', { Allow: 'POST' });
  });

  addProbeRoutes(app, deps.isReady ?? (() => true), metrics);

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
