/**
 * AdmissionReview in, AdmissionReview out: decodes the request, calls the pure mutation, encodes the answer.
 * Nothing here does I/O. Until the request's uid is known, a bad body is the caller's mistake (UsageError,
 * a 4xx); from then on every path answers an AdmissionReview echoing the uid (PITFALLS 25).
 */
import { UsageError } from '../errors.js';
import { mutatePod, type MutationConfig, type MutationResult } from '../mutation/index.js';
import { isObject, objectAt, stringAt } from '../mutation/json.js';
import type { ReviewOutcome } from './metrics.js';

export const ADMISSION_API_VERSION = 'admission.k8s.io/v1';
export const ADMISSION_KIND = 'AdmissionReview';
/** Kubernetes shows at most this many characters of each warning. */
export const MAX_WARNING_LENGTH = 120;

export type MutateFunction = (
  object: unknown,
  config: MutationConfig,
  request?: { operation?: string },
) => MutationResult;

export interface AdmissionStatus {
  status: 'Failure';
  code: number;
  reason: string;
  message: string;
}

export interface AdmissionResponse {
  uid: string;
  allowed: boolean;
  patchType?: 'JSONPatch';
  /** Base64 of the JSON array of RFC 6902 operations. */
  patch?: string;
  warnings?: string[];
  status?: AdmissionStatus;
}

export interface AdmissionReviewResponse {
  apiVersion: typeof ADMISSION_API_VERSION;
  kind: typeof ADMISSION_KIND;
  response: AdmissionResponse;
}

/** The fields of a request that are logged: never the object itself (env values, secrets). */
export interface ReviewFields {
  uid: string;
  namespace: string;
  name: string;
  operation: string;
}

export interface AdmissionAnswer {
  outcome: ReviewOutcome;
  review: AdmissionReviewResponse;
  fields: ReviewFields;
  patchOps: number;
  /** Why nothing was done (skipped) or why the pod was refused (denied): for the log line. */
  detail?: string;
  /** The unexpected failure behind outcome "error". */
  error?: unknown;
}

/** Parses the body; a syntax error names the position only (the body may hold secrets). */
export function parseReviewJson(body: string): unknown {
  try {
    return JSON.parse(body) as unknown;
  } catch (error) {
    const position = /position (\d+)/.exec(error instanceof Error ? error.message : '')?.[1];
    const where = position === undefined ? '' : ` (at byte ${position})`;
    throw new UsageError(
      `the request body is not valid JSON${where}; send an ${ADMISSION_API_VERSION} AdmissionReview`,
      {
        cause: error,
      },
    );
  }
}

export interface DecodedReview {
  fields: ReviewFields;
  /** request.kind/resource name a core/v1 Pod (not a subresource). */
  isPod: boolean;
  object: unknown;
}

/** Checks the envelope and extracts what the mutation needs. Throws UsageError (400) before the uid is known. */
export function decodeReview(review: unknown): DecodedReview {
  if (!isObject(review)) {
    throw new UsageError(`the request body must be a JSON object: an ${ADMISSION_API_VERSION} AdmissionReview`);
  }
  if (review.apiVersion !== ADMISSION_API_VERSION) {
    const got = typeof review.apiVersion === 'string' ? `"${review.apiVersion.slice(0, 100)}"` : 'missing';
    throw new UsageError(
      `apiVersion ${got} is not supported: send ${ADMISSION_API_VERSION} (admissionReviewVersions: [v1] in the MutatingWebhookConfiguration)`,
    );
  }
  if (review.kind !== ADMISSION_KIND) {
    throw new UsageError(`kind must be ${ADMISSION_KIND}`);
  }
  const request = review.request;
  if (!isObject(request)) {
    throw new UsageError('the AdmissionReview has no request object: nothing to review');
  }
  if (typeof request.uid !== 'string' || request.uid === '') {
    throw new UsageError('request.uid is missing: the response must echo it');
  }
  const object = request.object;
  const metadata = objectAt(object, 'metadata');
  const generateName = stringAt(metadata, 'generateName') ?? '';
  const fields: ReviewFields = {
    uid: request.uid,
    namespace: stringAt(request, 'namespace') || stringAt(metadata, 'namespace') || '',
    name: stringAt(request, 'name') || stringAt(metadata, 'name') || (generateName === '' ? '' : `${generateName}*`),
    operation: stringAt(request, 'operation') ?? '',
  };
  const kind = request.kind;
  const resource = request.resource;
  const isPod =
    isObject(kind) &&
    kind.group === '' &&
    kind.version === 'v1' &&
    kind.kind === 'Pod' &&
    isObject(resource) &&
    resource.group === '' &&
    resource.version === 'v1' &&
    resource.resource === 'pods' &&
    (request.subResource === undefined || request.subResource === null || request.subResource === '');
  return { fields, isPod, object };
}

/** One line, at most MAX_WARNING_LENGTH characters (code points, so a surrogate pair is never split). */
export function sanitizeWarning(warning: string): string {
  // eslint-disable-next-line no-control-regex -- control characters are exactly what is removed
  const oneLine = warning.replace(/[\u0000-\u001f\u007f]+/g, ' ').trim();
  const characters = Array.from(oneLine);
  if (characters.length <= MAX_WARNING_LENGTH) return oneLine;
  return `${characters.slice(0, MAX_WARNING_LENGTH - 1).join('')}…`;
}

function envelope(response: AdmissionResponse): AdmissionReviewResponse {
  return { apiVersion: ADMISSION_API_VERSION, kind: ADMISSION_KIND, response };
}

/** The answer when the webhook itself failed after the uid was known: refuse, echo the uid, say what to do. */
export function failureAnswer(fields: ReviewFields, error: unknown): AdmissionAnswer {
  return {
    outcome: 'error',
    fields,
    patchOps: 0,
    error,
    review: envelope({
      uid: fields.uid,
      allowed: false,
      status: {
        status: 'Failure',
        code: 500,
        reason: 'InternalError',
        message: `debugdead could not process this pod (request uid ${fields.uid}); the webhook's log has the details. Remove the debug.dead/enable annotation to create the pod unchanged.`,
      },
    }),
  };
}

function answerMutation(fields: ReviewFields, result: MutationResult): AdmissionAnswer {
  switch (result.outcome) {
    case 'untouched':
      return {
        outcome: 'skipped',
        fields,
        patchOps: 0,
        detail: result.reason,
        review: envelope({ uid: fields.uid, allowed: true }),
      };
    case 'denied':
      return {
        outcome: 'denied',
        fields,
        patchOps: 0,
        detail: result.message,
        review: envelope({
          uid: fields.uid,
          allowed: false,
          status: { status: 'Failure', code: 403, reason: 'Forbidden', message: result.message },
        }),
      };
    case 'mutated': {
      const response: AdmissionResponse = { uid: fields.uid, allowed: true };
      if (result.patch.length > 0) {
        response.patchType = 'JSONPatch';
        response.patch = Buffer.from(JSON.stringify(result.patch)).toString('base64');
      }
      const warnings = result.warnings.map(sanitizeWarning).filter((warning) => warning !== '');
      if (warnings.length > 0) response.warnings = warnings;
      return {
        outcome: result.patch.length > 0 ? 'mutated' : 'skipped',
        fields,
        patchOps: result.patch.length,
        ...(result.patch.length > 0 ? {} : { detail: 'empty patch' }),
        review: envelope(response),
      };
    }
    default:
      return failureAnswer(fields, new TypeError(`unknown mutation outcome ${JSON.stringify(result)}`));
  }
}

/**
 * Answers a decoded review. Never throws: a failure of the mutation becomes outcome "error" with the uid
 * echoed and `allowed: false`.
 */
export function answerReview(
  decoded: DecodedReview,
  config: MutationConfig,
  mutate: MutateFunction = mutatePod,
): AdmissionAnswer {
  const { fields } = decoded;
  if (!decoded.isPod) {
    return {
      outcome: 'skipped',
      fields,
      patchOps: 0,
      detail: 'not a core/v1 pod',
      review: envelope({ uid: fields.uid, allowed: true }),
    };
  }
  if (fields.operation !== 'CREATE') {
    return {
      outcome: 'skipped',
      fields,
      patchOps: 0,
      detail: `operation ${fields.operation || '(none)'}`,
      review: envelope({ uid: fields.uid, allowed: true }),
    };
  }
  try {
    return answerMutation(fields, mutate(decoded.object, config, { operation: fields.operation }));
  } catch (error) {
    return failureAnswer(fields, error);
  }
}

/** Body text → answer; throws UsageError while the body is not an AdmissionReview with a uid. */
export function reviewAdmission(
  body: string,
  config: MutationConfig,
  mutate: MutateFunction = mutatePod,
): AdmissionAnswer {
  return answerReview(decodeReview(parseReviewJson(body)), config, mutate);
}

/** The response body. Falls back to the failure answer if the mutation's output cannot be serialised. */
export function encodeAnswer(answer: AdmissionAnswer): { answer: AdmissionAnswer; json: string } {
  try {
    const { patch, ...response } = answer.review.response;
    if (patch === undefined) return { answer, json: JSON.stringify(answer.review) };
    // The patch is the bulk of the answer and base64 needs no JSON escaping: splice it in instead of
    // having JSON.stringify scan it again (bench/webhook-load.bench.ts).
    const json = JSON.stringify({ ...answer.review, response: { ...response, patch: '' } });
    return { answer, json: json.replace('"patch":""', () => `"patch":"${patch}"`) };
  } catch (error) {
    const failed = failureAnswer(answer.fields, error);
    return { answer: failed, json: JSON.stringify(failed.review) };
  }
}
