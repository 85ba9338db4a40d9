/** Failures specific to the CLI's flow; like every error but UsageError they exit 1 (see exit-code.ts). */

/** The copy was created but did not come up (timeout, stopped, deleted); the message says what was seen. */
export class CopyFailedError extends Error {
  override readonly name = 'CopyFailedError';
}

/** Ctrl-C during the wait: the copy is left in place and the message holds the cleanup command. */
export class InterruptedError extends Error {
  override readonly name = 'InterruptedError';
}

/** A child process (kubectl exec, fzf) failed to run or exited with an error. */
export class ChildProcessError extends Error {
  override readonly name = 'ChildProcessError';
}

/** The CLI refuses an action that would do harm (deleting a pod that is not a debug copy). */
export class RefusedError extends Error {
  override readonly name = 'RefusedError';
}
