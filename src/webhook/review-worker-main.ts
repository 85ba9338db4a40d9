/** Entry point of a review worker thread (started by review-pool.ts): serves jobs on the parent port. */
import { parentPort, workerData } from 'node:worker_threads';
import { serveReviews, type ReviewWorkerData } from './review-worker.js';

if (parentPort === null) throw new Error('review-worker-main.js runs as a worker thread of debugdead-webhook');
serveReviews(parentPort, (workerData as ReviewWorkerData).mutation);
