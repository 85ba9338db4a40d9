/**
 * The express app of the webhook, built without listening (server.ts listens; tests use supertest).
 * Routes: POST /mutate, GET /healthz, GET /readyz, GET /metrics. The one error middleware at the end maps
 * typed errors to HTTP statuses.
 */
import express, { type ErrorRequestHandler, type Express, type Request, type Response } from 'express';
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

const STARTED = Symbol('debugdead.started');
interface Timed {
  [STARTED]?: number;
}

function sendPlain(res: Response, status: number, message: string): void {
  res.status(status).type('text/plain; charset=utf-8').send(`${message}\n`);
}

export function createApp(deps: AppDeps): Express {
  const { logger, metrics, mutation } = deps;
  const now = deps.now ?? (() => performance.now());
  const isReady = deps.isReady ?? (() => true);
  const limit = deps.bodyLimitBytes ?? DEFAULT_BODY_LIMIT_BYTES;

  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);

  // The admission path is lean on purpose (see bench/webhook-load.bench.ts): no body-parser, and the
  // response is written with writeHead/end rather than res.send.
  app.post('/mutate', async (req: Request, res: Response) => {
    const started = now();
    (req as Timed)[STARTED] = started;
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
    } finally {
      metrics.inFlight.dec();
    }
  });

  app.all('/mutate', (_req, res) => {
    res.set('Allow', 'POST');
    sendPlain(res, 405, 'use POST /mutate with an AdmissionReview');
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

  const errorHandler: ErrorRequestHandler = (error: unknown, req, res, next) => {
    if (res.headersSent) {
      next(error);
      return;
    }
    const usage = error instanceof UsageError ? error : undefined;
    const status = usage?.status ?? 500;
    if (req.path === '/mutate') {
      const ms = now() - ((req as Timed)[STARTED] ?? now());
      metrics.reviews.inc({ outcome: 'error' });
      metrics.duration.observe({ outcome: 'error' }, ms);
      const line = { outcome: 'error', status, ms: round(ms) };
      if (usage === undefined) logger.error({ ...line, err: error }, 'admission review failed');
      else logger.warn({ ...line, reason: usage.message }, 'admission review rejected');
    } else if (usage === undefined) {
      logger.error({ err: error, path: req.path }, 'request failed');
    }
    sendPlain(res, status, usage?.message ?? 'internal error; see the webhook log');
  };
  app.use(errorHandler);
  return app;
}

function round(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}
