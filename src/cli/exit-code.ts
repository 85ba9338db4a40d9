/**
 * The one place where errors become exit codes (0 ok, 1 failure, 2 usage) and are printed, kubectl-style:
 * `error: <message>` on stderr.
 */
import { DeniedError, EnvironmentError, KubeApiError, UsageError } from '../errors.js';
import { ChildProcessError, CopyFailedError, InterruptedError, RefusedError } from './cli-errors.js';
import type { Output } from './context.js';

export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

export function exitCodeFor(error: unknown): number {
  return error instanceof UsageError ? EXIT_USAGE : EXIT_FAILURE;
}

function messageOf(error: unknown): string {
  if (
    error instanceof UsageError ||
    error instanceof DeniedError ||
    error instanceof KubeApiError ||
    error instanceof EnvironmentError ||
    error instanceof CopyFailedError ||
    error instanceof InterruptedError ||
    error instanceof ChildProcessError ||
    error instanceof RefusedError
  ) {
    return error.message;
  }
  // Not one of ours: a bug or an unexpected failure. Say so, with the cause chain, so it can be reported.
  const parts: string[] = [];
  let current: unknown = error;
  for (let depth = 0; current !== undefined && depth < 5; depth += 1) {
    parts.push(
      current instanceof Error ? current.message : typeof current === 'string' ? current : JSON.stringify(current),
    );
    current = current instanceof Error ? current.cause : undefined;
  }
  return `unexpected failure: ${parts.join(': ')}`;
}

/** Prints the error and returns its exit code. */
export function reportError(error: unknown, stderr: Output): number {
  stderr.write(`error: ${messageOf(error)}\n`);
  return exitCodeFor(error);
}
