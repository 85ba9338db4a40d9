/**
 * Prometheus metrics of one webhook instance, in a registry of its own (never prom-client's global one,
 * so that two apps in one process, as in the tests, never share or clash). Base units, as Prometheus
 * names them: seconds, and `_total` counters.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { REVIEW_OUTCOMES } from './outcomes.js';

export const RELOAD_RESULTS = ['success', 'failure'] as const;
export type ReloadResult = (typeof RELOAD_RESULTS)[number];

export const METRIC_NAMES = {
  reviews: 'debugdead_admission_reviews_total',
  duration: 'debugdead_admission_review_duration_seconds',
  inFlight: 'debugdead_admission_reviews_in_flight',
  connections: 'debugdead_open_connections',
  connectionsRefused: 'debugdead_connections_refused_total',
  certificateReloads: 'debugdead_tls_certificate_reloads_total',
  certificateExpiry: 'debugdead_tls_certificate_expiry_timestamp_seconds',
  buildInfo: 'debugdead_build_info',
} as const;

/** Seconds: a review normally takes well under a millisecond; the API server's timeout is at most 30 s. */
export const DURATION_BUCKETS_SECONDS = [
  0.000_25, 0.000_5, 0.001, 0.002_5, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1, 2.5, 10,
] as const;

export interface WebhookMetrics {
  readonly registry: Registry;
  readonly reviews: Counter<'outcome'>;
  /** Observed in seconds. */
  readonly duration: Histogram<'outcome'>;
  readonly inFlight: Gauge;
  readonly connections: Gauge;
  readonly connectionsRefused: Counter;
  readonly certificateReloads: Counter<'result'>;
  readonly certificateExpiry: Gauge;
}

export interface MetricsOptions {
  /** Also export Node's process metrics (memory, CPU, event loop lag); main.ts turns this on. */
  processMetrics?: boolean;
  /** The `version` label of debugdead_build_info (package.json's); "unknown" when not given. */
  version?: string;
}

export function createMetrics(options: MetricsOptions = {}): WebhookMetrics {
  const registry = new Registry();
  const reviews = new Counter({
    name: METRIC_NAMES.reviews,
    help: "AdmissionReviews answered, by outcome (invalid: the client's mistake, a 4xx; throttled: 429, too many in progress; error: the webhook's own failure).",
    labelNames: ['outcome'],
    registers: [registry],
  });
  const duration = new Histogram({
    name: METRIC_NAMES.duration,
    help: 'Time from the request arriving to the AdmissionReview response, in seconds.',
    labelNames: ['outcome'],
    buckets: [...DURATION_BUCKETS_SECONDS],
    registers: [registry],
  });
  const inFlight = new Gauge({
    name: METRIC_NAMES.inFlight,
    help: 'AdmissionReviews being received or answered right now.',
    registers: [registry],
  });
  const connections = new Gauge({
    name: METRIC_NAMES.connections,
    help: 'Open client connections, including those still in the TLS handshake.',
    registers: [registry],
  });
  const connectionsRefused = new Counter({
    name: METRIC_NAMES.connectionsRefused,
    help: 'Connections closed at accept because the connection cap (--max-connections) was reached.',
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
  const buildInfo = new Gauge({
    name: METRIC_NAMES.buildInfo,
    help: 'Always 1; the labels say which debugdead and which Node run here.',
    labelNames: ['version', 'node_version'],
    registers: [registry],
  });
  buildInfo.set({ version: options.version ?? 'unknown', node_version: process.version }, 1);
  // Every series exists from the start, so that rate() and alerts see a zero rather than nothing.
  for (const outcome of REVIEW_OUTCOMES) reviews.inc({ outcome }, 0);
  for (const result of RELOAD_RESULTS) certificateReloads.inc({ result }, 0);
  if (options.processMetrics === true) collectDefaultMetrics({ register: registry });
  return {
    registry,
    reviews,
    duration,
    inFlight,
    connections,
    connectionsRefused,
    certificateReloads,
    certificateExpiry,
  };
}
