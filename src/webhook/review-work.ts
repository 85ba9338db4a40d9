/**
 * One review from body bytes to answer bytes: decode, review, encode, and what the log line and the metrics
 * need. The same function runs on the main thread (small bodies) and in a review worker (large ones,
 * review-worker.ts); it does no I/O and knows nothing of threads. Throws UsageError while the body is not an
 * AdmissionReview with a uid.
 */
import type { MutationConfig } from '../mutation/index.js';
import { encodeAnswer, reviewAdmission, type MutateFunction, type ReviewFields } from './admission.js';
import type { AnswerOutcome } from './outcomes.js';

/** What the one place that logs and counts reviews (review-log.ts) needs of an answered review. */
export interface AnsweredRecord {
  outcome: AnswerOutcome;
  fields: ReviewFields;
  patchOps: number;
  detail?: string;
  /** The webhook's own failure behind outcome "error". */
  error?: unknown;
}

export interface ReviewDone {
  /** The AdmissionReview answer, as JSON. */
  json: string;
  record: AnsweredRecord;
}

export function runReview(body: string, config: MutationConfig, mutate?: MutateFunction): ReviewDone {
  const { answer, json } = encodeAnswer(reviewAdmission(body, config, mutate));
  return {
    json,
    record: {
      outcome: answer.outcome,
      fields: answer.fields,
      patchOps: answer.patchOps,
      ...(answer.detail === undefined ? {} : { detail: answer.detail }),
      ...(answer.outcome === 'error' ? { error: answer.error } : {}),
    },
  };
}
