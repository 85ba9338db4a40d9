/**
 * The one place a review is counted, timed and logged, whatever its outcome: one log line per review with
 * who asked for what (uid, namespace, name, operation, user), each field length-capped, and never the
 * object itself (env values, secrets).
 */
import type { Logger } from 'pino';
import type { ReviewFields } from './admission.js';
import type { WebhookMetrics } from './metrics.js';
import type { ReviewOutcome } from './outcomes.js';

/** Each logged request field at most: a DNS subdomain name is 253; a 1 MiB uid must not make a 1 MiB line. */
export const MAX_LOGGED_FIELD_LENGTH = 256;
/** The detail (a denial message can list every container of the pod) at most. */
const MAX_LOGGED_DETAIL_LENGTH = 1024;

export interface ReviewRecord {
  outcome: ReviewOutcome;
  /** The request's fields, once the body was an AdmissionReview with a uid. */
  fields?: ReviewFields;
  patchOps?: number;
  /** The HTTP status, when it is not 200 (a refused request). */
  status?: number;
  /** Why nothing was done (skipped), why the pod was refused (denied), or what the client did wrong. */
  detail?: string;
  /** The webhook's own failure behind outcome "error". */
  error?: unknown;
}

export type RecordReview = (started: number, record: ReviewRecord) => void;

/** At most `max` characters (code points: a surrogate pair is never split), the last one `…` when cut. */
function cap(value: string, max = MAX_LOGGED_FIELD_LENGTH): string {
  if (value.length <= max) return value;
  return `${Array.from(value.slice(0, max))
    .slice(0, max - 1)
    .join('')}…`;
}

function round(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}

const MESSAGES: Record<ReviewOutcome, string> = {
  mutated: 'admission review',
  skipped: 'admission review',
  denied: 'admission review',
  invalid: 'admission review rejected',
  throttled: 'admission review rejected',
  error: 'admission review failed',
};

/** `started` is a reading of `now` (monotonic milliseconds) taken when the request arrived. */
export function reviewRecorder(deps: { logger: Logger; metrics: WebhookMetrics; now: () => number }): RecordReview {
  const { logger, metrics, now } = deps;
  return (started, record) => {
    const ms = now() - started;
    const { outcome, fields } = record;
    metrics.reviews.inc({ outcome });
    metrics.duration.observe({ outcome }, ms / 1000);
    const line: Record<string, unknown> = {};
    if (fields !== undefined) {
      line.uid = cap(fields.uid);
      line.namespace = cap(fields.namespace);
      line.name = cap(fields.name);
      line.operation = cap(fields.operation);
      line.user = cap(fields.user);
    }
    line.outcome = outcome;
    if (record.patchOps !== undefined) line.patchOps = record.patchOps;
    if (record.status !== undefined) line.status = record.status;
    line.ms = round(ms);
    // A refused request's detail is the message the client got: `reason`; otherwise what the review decided.
    if (record.detail !== undefined)
      line[record.status === undefined ? 'detail' : 'reason'] = cap(record.detail, MAX_LOGGED_DETAIL_LENGTH);
    if (outcome === 'error') logger.error({ ...line, err: record.error }, MESSAGES[outcome]);
    else if (outcome === 'invalid' || outcome === 'throttled') logger.warn(line, MESSAGES[outcome]);
    else logger.info(line, MESSAGES[outcome]);
  };
}
