/**
 * A small pool of worker threads that review large bodies, so that JSON.parse, the mutation and the encoding
 * of a 3 MiB pod (0.3 to 1 s each on a loaded node) never hold the event loop that answers /healthz,
 * /readyz and /metrics. Each worker takes one job at a time; more wait here in arrival order (the review
 * slots bound how many). Workers start on the first job and are started again after one dies: a crash or
 * an out-of-memory abort in a worker (each has its own heap, capped by `heapMiB`) fails only the review it
 * was doing, and so does a review still running after jobTimeoutMs (the worker is stopped: its slot must not
 * be held for ever). close() fails what is waiting and stops the workers.
 */
import { Worker } from 'node:worker_threads';
import type { Logger } from 'pino';
import { UsageError } from '../errors.js';
import type { MutationConfig } from '../mutation/index.js';
import type { AnsweredRecord } from './review-work.js';
import type { ReviewJob, ReviewReply, ReviewWorkerData, WireError } from './review-worker.js';

export interface ReviewPoolOptions {
  /** Worker threads at most. */
  size: number;
  /** Each worker's old-generation heap at most (its resourceLimits). */
  heapMiB: number;
  /** A job still in its worker after this long fails, and the worker is stopped and replaced. */
  jobTimeoutMs: number;
  mutation: MutationConfig;
  logger: Logger;
  /** The worker's entry point; default review-worker-main.js (tests give one that holds a job). */
  workerUrl?: URL;
  /** More workerData for another entry point. */
  workerData?: Record<string, unknown>;
}

/** A review done by a worker: the answer's bytes and what the log line and metrics need. */
export interface PooledReview {
  json: Buffer;
  record: AnsweredRecord;
}

export interface ReviewPool {
  /** Reviews the body (its memory is handed to the worker). Rejects with UsageError (the client's mistake) or Error. */
  review(body: Buffer): Promise<PooledReview>;
  /** Jobs waiting or in a worker. */
  pending(): number;
  /** Workers alive. */
  workers(): number;
  /** Fails the jobs still waiting or in a worker, and terminates the workers. */
  close(): Promise<void>;
}

interface Job extends ReviewJob {
  resolve: (review: PooledReview) => void;
  reject: (error: Error) => void;
}

interface Thread {
  worker: Worker;
  job?: Job;
  /** Stops the worker when its job takes longer than jobTimeoutMs. */
  deadline?: NodeJS.Timeout;
  /** Why it is dying, from its 'error' event, or the deadline. */
  failure?: Error;
}

function revived(wire: WireError): Error {
  const error = new Error(wire.message);
  error.name = wire.name;
  if (wire.stack !== undefined) error.stack = wire.stack;
  return error;
}

function settle(job: Job, reply: ReviewReply): void {
  if (reply.kind === 'answer') {
    const { error, ...record } = reply.record;
    job.resolve({
      json: Buffer.from(reply.json),
      record: error === undefined ? record : { ...record, error: revived(error) },
    });
  } else if (reply.kind === 'usage') job.reject(new UsageError(reply.message, { status: reply.status }));
  else job.reject(revived(reply.error));
}

/** The body's bytes in an ArrayBuffer of their own, which can be transferred (not a slice of a shared one). */
function ownBytes(body: Buffer): ArrayBuffer {
  const whole = body.buffer;
  if (whole instanceof ArrayBuffer && body.byteOffset === 0 && body.byteLength === whole.byteLength) return whole;
  const copy = new ArrayBuffer(body.byteLength);
  new Uint8Array(copy).set(body);
  return copy;
}

/** The code of the failure set when a job's deadline stops its worker. */
const REVIEW_TIMEOUT = 'DEBUGDEAD_REVIEW_TIMEOUT';

function workerDied(thread: Thread, code: number, heapMiB: number): Error {
  const failure = thread.failure;
  const why = (): string => {
    const errorCode = (failure as { code?: unknown } | undefined)?.code;
    if (errorCode === 'ERR_WORKER_OUT_OF_MEMORY') return `ran out of memory (its heap is limited to ${heapMiB} MiB)`;
    if (errorCode === REVIEW_TIMEOUT) return `was stopped (${failure?.message ?? ''})`;
    return `exited (${failure === undefined ? `code ${code}` : failure.message})`;
  };
  return new Error(
    `the review worker ${why()} while reviewing this body`,
    failure === undefined ? {} : { cause: failure },
  );
}

/** Hands the job (and its body) to the thread; past the timeout, the worker is stopped. */
function post(thread: Thread, job: Job, timeoutMs: number): void {
  thread.worker.postMessage({ id: job.id, body: job.body } satisfies ReviewJob, [job.body]);
  thread.job = job;
  thread.deadline = setTimeout(() => {
    thread.failure = Object.assign(new Error(`the review took longer than ${timeoutMs / 1000} s`), {
      code: REVIEW_TIMEOUT,
    });
    void thread.worker.terminate();
  }, timeoutMs);
}

export function createReviewPool(options: ReviewPoolOptions): ReviewPool {
  const { size, heapMiB, jobTimeoutMs, logger } = options;
  const url = options.workerUrl ?? new URL('./review-worker-main.js', import.meta.url);
  const workerData: ReviewWorkerData & Record<string, unknown> = { ...options.workerData, mutation: options.mutation };
  const threads = new Set<Thread>();
  const waiting: Job[] = [];
  let nextId = 1;
  let closed = false;

  function start(): Thread {
    const worker = new Worker(url, {
      workerData,
      // Only if Node runs without --max-old-space-size: V8 applies that flag to every thread instead.
      resourceLimits: { maxOldGenerationSizeMb: heapMiB },
    });
    // The server's sockets keep the process alive while a review is in progress; an idle worker must not.
    worker.unref();
    const thread: Thread = { worker };
    worker.on('message', (reply: ReviewReply) => {
      const job = thread.job;
      if (job?.id !== reply.id) return;
      clearTimeout(thread.deadline);
      thread.job = undefined;
      settle(job, reply);
      dispatch();
    });
    worker.on('error', (error: Error) => {
      thread.failure = error;
    });
    worker.on('exit', (code) => {
      clearTimeout(thread.deadline);
      threads.delete(thread);
      const job = thread.job;
      thread.job = undefined;
      if (closed) {
        job?.reject(new Error('the webhook is shutting down'));
        return;
      }
      const error = workerDied(thread, code, heapMiB);
      logger.error({ err: error, threadId: worker.threadId }, 'review worker died; a new one takes the next review');
      job?.reject(error);
      dispatch();
    });
    threads.add(thread);
    return thread;
  }

  function idle(): Thread | undefined {
    for (const thread of threads) if (thread.job === undefined) return thread;
    return threads.size < size ? start() : undefined;
  }

  function dispatch(): void {
    while (!closed && waiting.length > 0) {
      const thread = idle();
      if (thread === undefined) return;
      const job = waiting.shift() as Job;
      try {
        post(thread, job, jobTimeoutMs);
      } catch (error) {
        job.reject(error instanceof Error ? error : new Error(String(error)));
      }
    }
  }

  return {
    review(body) {
      if (closed) return Promise.reject(new Error('the webhook is shutting down'));
      return new Promise<PooledReview>((resolve, reject) => {
        waiting.push({ id: nextId++, body: ownBytes(body), resolve, reject });
        dispatch();
      });
    },
    pending: () => waiting.length + [...threads].filter((thread) => thread.job !== undefined).length,
    workers: () => threads.size,
    async close() {
      closed = true;
      for (const job of waiting.splice(0)) job.reject(new Error('the webhook is shutting down'));
      await Promise.all([...threads].map((thread) => thread.worker.terminate()));
    },
  };
}
