/**
 * AdmissionReview in, AdmissionReview out: decodes the request, calls the pure mutation, encodes the answer.
 * Nothing here does I/O. Until the request's uid is known, a bad body is the caller's mistake (UsageError,
 * a 4xx); from then on every path answers an AdmissionReview echoing the uid (PITFALLS 25).
 */
import { UsageError } from '../errors.js';
import {
  mutatePod,
  type MutationConfig,
  type MutationRequest,
  type MutationResult,
  type MutationSummary,
} from '../mutation/index.js';
import { isObject, stringAt } from '../mutation/json.js';
import type { AnswerOutcome } from './outcomes.js';

export const ADMISSION_API_VERSION = 'admission.k8s.io/v1';
export const ADMISSION_KIND = 'AdmissionReview';
/**
 * The base64 patch in an answer at most (3 MiB, about 2.25 MiB of JSON): a pod that needs more cannot be
 * stored anyway (etcd takes 1.5 MiB per object by default), and the answer stays small enough to hold.
 */
export const MAX_PATCH_BYTES = 3 * 1024 * 1024;
/** Each audit annotation value at most (the API server's audit log keeps them per request). */
const MAX_AUDIT_VALUE_LENGTH = 256;

export type MutateFunction = (object: unknown, config: MutationConfig, request?: MutationRequest) => MutationResult;

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
  /** What was changed, for the API server's audit log (keys get the webhook's name as prefix there). */
  auditAnnotations?: Record<string, string>;
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
  /** request.userInfo.username: who asked for the pod. */
  user: string;
}

export interface AdmissionAnswer {
  outcome: AnswerOutcome;
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
  /** What the mutation's gate judges: the operation, request.kind, request.resource and request.subResource. */
  request: MutationRequest;
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
  const metadata = isObject(object) && isObject(object.metadata) ? object.metadata : {};
  const generateName = stringAt(metadata, 'generateName') ?? '';
  const fields: ReviewFields = {
    uid: request.uid,
    namespace: stringAt(request, 'namespace') || stringAt(metadata, 'namespace') || '',
    name: stringAt(request, 'name') || stringAt(metadata, 'name') || (generateName === '' ? '' : `${generateName}*`),
    operation: stringAt(request, 'operation') ?? '',
    user: stringAt(request.userInfo, 'username') ?? '',
  };
  return {
    fields,
    // Passed as they came; a missing kind or resource as null, which the gate never takes for a Pod.
    request: {
      operation: fields.operation,
      kind: request.kind ?? null,
      resource: request.resource ?? null,
      subResource: request.subResource,
    },
    object,
  };
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

function denial(fields: ReviewFields, message: string, patchOps = 0): AdmissionAnswer {
  return {
    outcome: 'denied',
    fields,
    patchOps,
    detail: message,
    review: envelope({
      uid: fields.uid,
      allowed: false,
      status: { status: 'Failure', code: 403, reason: 'Forbidden', message },
    }),
  };
}

function patchTooLarge(fields: ReviewFields, bytes: number, operations: number): AdmissionAnswer {
  const mib = (value: number): string => `${(value / (1024 * 1024)).toFixed(1)} MiB`;
  return denial(
    fields,
    `debugdead's patch for this pod would be ${mib(bytes)} (${operations} operations), over its limit of ${mib(MAX_PATCH_BYTES)}: ` +
      'name fewer target containers in debug.dead/container',
  );
}

function capped(value: string): string {
  return value.length <= MAX_AUDIT_VALUE_LENGTH ? value : `${value.slice(0, MAX_AUDIT_VALUE_LENGTH - 1)}…`;
}

/** What was changed, in a few short values: who debugged what shows in the API server's audit log. */
export function auditAnnotations(summary: MutationSummary): Record<string, string> {
  const list = (names: readonly string[]): string => capped(names.join(','));
  const probes = Object.entries(summary.probesRemoved).map(([container, kinds]) => `${container}:${kinds.join('+')}`);
  const annotations: Record<string, string> = {
    'target-containers': list([...summary.initContainers, ...summary.containers]),
    'tools-image': capped(summary.toolsImage),
    'active-deadline-seconds': String(summary.activeDeadlineSeconds),
  };
  if (probes.length > 0) annotations['probes-removed'] = list(probes);
  if (summary.volumesReplaced.length > 0) annotations['volumes-replaced'] = list(summary.volumesReplaced);
  if (summary.volumesReadOnly.length > 0) annotations['volumes-read-only'] = list(summary.volumesReadOnly);
  return annotations;
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
      return denial(fields, result.message);
    case 'mutated': {
      const response: AdmissionResponse = { uid: fields.uid, allowed: true };
      if (result.patch.length > 0) {
        const patch = Buffer.from(JSON.stringify(result.patch)).toString('base64');
        if (patch.length > MAX_PATCH_BYTES) return patchTooLarge(fields, patch.length, result.patch.length);
        response.patchType = 'JSONPatch';
        response.patch = patch;
        response.auditAnnotations = auditAnnotations(result.summary);
      }
      // The core already made each warning one line of at most 120 characters.
      if (result.warnings.length > 0) response.warnings = result.warnings;
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
 * Answers a decoded review: the mutation decides, this only words its result. Never throws: a failure of the mutation becomes outcome "error" with the uid
 * echoed and `allowed: false`.
 */
export function answerReview(
  decoded: DecodedReview,
  config: MutationConfig,
  mutate: MutateFunction = mutatePod,
): AdmissionAnswer {
  const { fields } = decoded;
  // CREATE or not, a Pod or not: the core's gate decides, and says why as data (an untouched result).
  try {
    return answerMutation(fields, mutate(decoded.object, config, decoded.request));
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
