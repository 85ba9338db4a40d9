/**
 * Why an image command could not be read from a registry, in one line the CLI prints as it is. `auth`
 * problems let the caller try the next credential; the others end the attempt.
 */
export const PROBLEM_KINDS = {
  /** The registry refused the credentials (or wants some): try the next candidate. */
  auth: 'auth',
  notFound: 'not-found',
  network: 'network',
  timeout: 'timeout',
  /** The registry answered something that is not what the distribution API says. */
  badAnswer: 'bad-answer',
  tooLarge: 'too-large',
  noPlatform: 'no-platform',
  /** A redirect or token realm that debugdead refuses to follow. */
  refused: 'refused',
} as const;
export type ProblemKind = (typeof PROBLEM_KINDS)[keyof typeof PROBLEM_KINDS];

export class RegistryProblem extends Error {
  override readonly name = 'RegistryProblem';
  constructor(
    readonly kind: ProblemKind,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
