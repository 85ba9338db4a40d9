/**
 * How a review ends: the label of the review counter and histogram and the `outcome` of its log line.
 * The admission adapter decides the first four (an AdmissionReview answer); the HTTP layer the others.
 */

/** Outcomes of an answered AdmissionReview. */
export const ANSWER_OUTCOMES = ['mutated', 'skipped', 'denied', 'error'] as const;
export type AnswerOutcome = (typeof ANSWER_OUTCOMES)[number];

/**
 * Every outcome. `invalid`: the client's mistake (a 4xx: not JSON, not an AdmissionReview, too large, wrong
 * media type, went away mid-body); `throttled`: refused with 429 because too many reviews were in
 * progress; `error`: the webhook's own failure (the mutation threw, or an unexpected 500).
 */
export const REVIEW_OUTCOMES = [...ANSWER_OUTCOMES, 'invalid', 'throttled'] as const;
export type ReviewOutcome = (typeof REVIEW_OUTCOMES)[number];
