/**
 * Prometheus metrics of one webhook instance, in a registry of its own (never prom-client's global one,
 * so that two apps in one process, as in the tests, never share or clash).
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export const REVIEW_OUTCOMES = ['mutated', 'skipped', 'denied', 'error'] as const;
export type ReviewOutcome = (typeof REVIEW_OUTCOMES)[number];

export const RELOAD_RESULTS = ['success', 'failure'] as const;
export type ReloadResult = (typeof RELOAD_RESULTS)[number];

export const METRIC_NAMES = {
  reviews: 'debugdead_admission_reviews_total',
  duration: 'debugdead_admission_review_duration_milliseconds',
  inFlight: 'debugdead_admission_reviews_in_flight',
  certificateReloads: 'debugdead_tls_certificate_reloads_total',
  certificateExpiry: 'debugdead_tls_certificate_expiry_timestamp_seconds',
} as const;

/** Milliseconds: a review normally takes well under one; the API server's timeout is at most 30 s. */
export const DURATION_BUCKETS_MS = [0.25, 0.5, 1, 2.5, 5, 10, 25, 50, 100, 250, 1000, 2500, 10_000] as const;

export interface WebhookMetrics {
  readonly registry: Registry;
  readonly reviews: Counter<'outcome'>;
  readonly duration: Histogram<'outcome'>;
  readonly inFlight: Gauge;
  readonly certificateReloads: Counter<'result'>;
  readonly certificateExpiry: Gauge;
}

export interface MetricsOptions {
  /** Also export Node's process metrics (memory, CPU, event loop lag); main.ts turns this on. */
  processMetrics?: boolean;
}

export function createMetrics(options: MetricsOptions = {}): WebhookMetrics {
  const registry = new Registry();
  const reviews = new Counter({
    name: METRIC_NAMES.reviews,
    help: 'AdmissionReviews answered, by outcome (error: the request was malformed or the webhook failed).',
    labelNames: ['outcome'],
    registers: [registry],
  });
  const duration = new Histogram({
    name: METRIC_NAMES.duration,
    help: 'Time from the request arriving to the AdmissionReview response, in milliseconds.',
    labelNames: ['outcome'],
    buckets: [...DURATION_BUCKETS_MS],
    registers: [registry],
  });
  const inFlight = new Gauge({
    name: METRIC_NAMES.inFlight,
    help: 'AdmissionReviews being received or answered right now.',
    registers: [registry],
  });
  const certificateReloads = new Counter({
    name: METRIC_NAMES.certificateReloads,
    help: 'Serving certificate reloads after the files changed, by result (failure: the old one is kept).',
    labelNames: ['result'],
    registers: [registry],
  });
  const certificateExpiry = new Gauge({
    name: METRIC_NAMES.certificateExpiry,
    help: 'When the serving certificate in use expires (Unix seconds).',
    registers: [registry],
  });
  // Every series exists from the start, so that rate() and alerts see a zero rather than nothing.
  for (const outcome of REVIEW_OUTCOMES) reviews.inc({ outcome }, 0);
  for (const result of RELOAD_RESULTS) certificateReloads.inc({ result }, 0);
  if (options.processMetrics === true) collectDefaultMetrics({ register: registry });
  return { registry, reviews, duration, inFlight, certificateReloads, certificateExpiry };
}
