/**
 * The few typed errors of debugdead. They are turned into exit codes (CLI) or HTTP statuses (webhook) in
 * exactly one place each: `src/cli/exit-code.ts` and the error middleware of `src/webhook/app.ts`.
 * Always pass the underlying error as `cause` when there is one.
 */

/** The user's input is wrong (a flag, an argument, a file, a request body). CLI exit 2, HTTP 4xx. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
  /** HTTP status when this reaches the webhook (400 unless more precise: 413, 415). */
  readonly status: number;
  constructor(message: string, options?: { cause?: unknown; status?: number }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.status = options?.status ?? 400;
  }
}

/** The mutation refused the pod (the message says why and how to fix it). CLI exit 1. */
export class DeniedError extends Error {
  override readonly name = 'DeniedError';
}

/** A call to the Kubernetes API failed; the message is already translated for the user. CLI exit 1. */
export class KubeApiError extends Error {
  override readonly name = 'KubeApiError';
  readonly statusCode: number | undefined;
  constructor(message: string, options?: { cause?: unknown; statusCode?: number }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.statusCode = options?.statusCode;
  }
}

/** Something in the environment is missing or broken (no kubeconfig, unreadable certificate). CLI exit 1. */
export class EnvironmentError extends Error {
  override readonly name = 'EnvironmentError';
}
