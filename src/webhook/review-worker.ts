/**
 * The code of a review worker thread: answers review jobs from its port, one at a time, with the same
 * runReview as the main thread. The body arrives as a transferred ArrayBuffer and the answer leaves as one;
 * the log line's fields and the outcome travel with it, and an error as its name, message and stack (the
 * main thread logs and counts every review: review-log.ts). The entry point is review-worker-main.ts.
 */
import type { MessagePort } from 'node:worker_threads';
import { UsageError } from '../errors.js';
import type { MutationConfig } from '../mutation/index.js';
import { runReview, type AnsweredRecord } from './review-work.js';

/** What a worker is started with (workerData). */
export interface ReviewWorkerData {
  mutation: MutationConfig;
}

export interface ReviewJob {
  id: number;
  /** The body's bytes (UTF-8), transferred. */
  body: ArrayBuffer;
}

/** An error as it crosses threads. */
export interface WireError {
  name: string;
  message: string;
  stack?: string;
}

export type WireRecord = Omit<AnsweredRecord, 'error'> & { error?: WireError };

export type ReviewReply =
  | { id: number; kind: 'answer'; json: ArrayBuffer; record: WireRecord }
  /** The client's mistake: not an AdmissionReview with a uid (the message is safe to send back). */
  | { id: number; kind: 'usage'; message: string; status: number }
  /** The worker failed before it had an answer. */
  | { id: number; kind: 'failure'; error: WireError };

export function wireError(error: unknown): WireError {
  if (error instanceof Error) {
    return { name: error.name, message: error.message, ...(error.stack === undefined ? {} : { stack: error.stack }) };
  }
  return { name: 'Error', message: String(error) };
}

/** One job's reply, and what to transfer with it. */
export function answerJob(job: ReviewJob, config: MutationConfig): { reply: ReviewReply; transfer: ArrayBuffer[] } {
  const { id } = job;
  try {
    const { json, record } = runReview(Buffer.from(job.body).toString('utf8'), config);
    const bytes = new TextEncoder().encode(json).buffer;
    const { error, ...rest } = record;
    const wire: WireRecord = error === undefined ? rest : { ...rest, error: wireError(error) };
    return { reply: { id, kind: 'answer', json: bytes, record: wire }, transfer: [bytes] };
  } catch (error) {
    if (error instanceof UsageError) {
      return { reply: { id, kind: 'usage', message: error.message, status: error.status }, transfer: [] };
    }
    return { reply: { id, kind: 'failure', error: wireError(error) }, transfer: [] };
  }
}

/**
 * Answers every job that arrives on `port`. `beforeJob` runs first for each job (a test holds a review in
 * the worker with it, to see what the main thread does meanwhile).
 */
export function serveReviews(port: MessagePort, config: MutationConfig, beforeJob?: (job: ReviewJob) => void): void {
  port.on('message', (job: ReviewJob) => {
    beforeJob?.(job);
    const { reply, transfer } = answerJob(job, config);
    port.postMessage(reply, transfer);
  });
}
