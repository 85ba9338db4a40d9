/**
 * What bounds the webhook's connections and reviews, with why each default is what it is. The flags that
 * change them are in config.ts; server.ts and app.ts apply them.
 */

export interface ServerLimits {
  /** From the TCP accept to the first request's headers, TLS handshake included; also Node's headersTimeout. */
  headersTimeoutMs: number;
  /** From a request's first byte to its last (headers and body). */
  requestTimeoutMs: number;
  /** A keep-alive connection with no request in progress is closed after this long. */
  idleTimeoutMs: number;
  /** A response not flushed to the client this long after it was complete cuts the connection. */
  writeTimeoutMs: number;
  /** Open connections (TLS or not) at most; more are closed at accept and logged. */
  maxConnections: number;
}

/**
 * - headers 15 s: kube-apiserver's webhook client gives up a TLS handshake after 10 s (client-go's
 *   TLSHandshakeTimeout) and sends its headers at once after it; 15 s leaves room for a loaded node and
 *   still frees a silent connection long before Go's 32 s.
 * - request 10 s: the API server sends the body with the headers, and its default webhook timeout is 10 s
 *   (the manifests set 5 s): a body still arriving after that is no review anyone waits for, only a slow
 *   client holding a review slot.
 * - idle 95 s: longer than the idle timeout of kube-apiserver's pooled connections (Go's 90 s), so the
 *   client closes an idle connection first; a server-side close racing a new POST would fail that review
 *   (Go does not retry a POST).
 * - write 10 s: the API server reads the answer at once; 10 s is its default webhook timeout.
 * - 512 connections: about 63 KiB each when idle (32 MiB in all), well under the 1,024 file descriptors of
 *   a default container; the API servers need a few per concurrent pod create.
 */
export const SERVER_LIMITS: ServerLimits = {
  headersTimeoutMs: 15_000,
  requestTimeoutMs: 10_000,
  idleTimeoutMs: 95_000,
  writeTimeoutMs: 10_000,
  maxConnections: 512,
};
export interface ReviewLimits {
  /** Large reviews in progress at most (from arrival until the answer is flushed). */
  maxReviews: number;
  /**
   * A review whose body is at most this many bytes takes no slot and runs on the main thread: it costs well
   * under a millisecond and little memory (a pod is typically 5 to 30 KiB; the connection cap bounds how
   * many there can be). A larger one takes a slot and runs in a review worker.
   */
  smallBodyBytes: number;
  /** How long a review over the cap may wait for a slot before it is refused with 429. */
  queueTimeoutMs: number;
  /** Worker threads that review the large bodies (over smallBodyBytes), off the event loop. */
  workers: number;
  /** Each worker's old-generation heap at most, in MiB (its resourceLimits). */
  workerHeapMiB: number;
  /** A review still in its worker after this long fails (500) and the worker is replaced. */
  workerTimeoutMs: number;
}

/**
 * Small reviews (64 KiB at most, declared) run at once, on the main thread: holding them behind a slot cost
 * the 16-connection load benchmark about half again as much main-thread time per review (event-loop turns
 * per review), and a hop to a worker costs more than such a review (bench/webhook-load.bench.ts, README).
 * A larger review takes a slot and is parsed, mutated and encoded in a worker thread, so that /healthz,
 * /readyz and /metrics never wait for it: with 16 pods of 1,000,000 tolerations at once, the slowest /healthz
 * went from 0.5 to 3.9 s to 0.1 to 0.2 s (bench/webhook-attacks.bench.ts, load average 5 to 15). 1 slot and 1 worker: what a
 * large review costs is memory (its body up to the body limit, about 250 MiB of resident memory for the
 * worst one, a 6 MiB body of `{}`, parsed in a worker), and two at once would not fit the Deployment's
 * 384Mi limit; the 16-connection load benchmark shows no difference beyond noise. A worker's heap of 160 MiB
 * holds that worst body (128 MiB does not); past it, only that review fails (500) and the worker is
 * replaced. A slow client holds the slot at most the request timeout (10 s), and a review its worker at
 * most 10 s (the API server's default webhook timeout: no one waits for the answer after that; the worst
 * legal pod takes about 1 s, 4 s on a loaded node). Waiting up to 2 s keeps bursts answered within the
 * manifests' 5 s webhook timeout.
 */
export const REVIEW_LIMITS: ReviewLimits = {
  maxReviews: 1,
  smallBodyBytes: 64 * 1024,
  queueTimeoutMs: 2_000,
  workers: 1,
  workerHeapMiB: 160,
  workerTimeoutMs: 10_000,
};
