/**
 * The gate (SPEC §3.5): whether the mutation applies to this request at all. Its "untouched" answers are
 * data (a code and a reason), so that an adapter (the webhook) logs and counts them without deciding again.
 */
import { isObject, objectOrUndefined } from './json.js';
import { ANNOTATIONS, MIRROR_ANNOTATION } from './names.js';
import type { JsonObject, Pod } from './types.js';

/** Why a request passes untouched. */
export const UNTOUCHED = {
  notCreate: 'not-create',
  notPod: 'not-a-pod',
  notAnnotated: 'not-annotated',
  alreadyMutated: 'already-mutated',
  mirrorPod: 'mirror-pod',
} as const;
export type UntouchedCode = (typeof UNTOUCHED)[keyof typeof UNTOUCHED];

/**
 * What the mutation knows of the request besides the object. An admission adapter passes the
 * AdmissionReview request's fields as they came; offline use (CLI) passes nothing: a CREATE of a Pod.
 */
export interface MutationRequest {
  /** Admission operation; only CREATE mutates. Defaults to CREATE. */
  operation?: string;
  /** request.kind ({group, version, kind}); when given, only core/v1 Pod passes. */
  kind?: unknown;
  /** request.resource ({group, version, resource}); when given, only core/v1 pods passes. */
  resource?: unknown;
  /** request.subResource; a subresource (status, binding, …) is never mutated. */
  subResource?: unknown;
}

export type GateResult =
  | { admitted: true; pod: Pod; metadata: JsonObject; annotations: JsonObject }
  | { admitted: false; code: UntouchedCode; reason: string };

function isCoreV1(value: unknown, field: 'kind' | 'resource', name: string): boolean {
  return isObject(value) && value.group === '' && value.version === 'v1' && value[field] === name;
}

/** True when the request names something other than a core/v1 Pod (a subresource, another kind). */
function namesOtherThanPod(request: MutationRequest): boolean {
  if (request.kind !== undefined && !isCoreV1(request.kind, 'kind', 'Pod')) return true;
  if (request.resource !== undefined && !isCoreV1(request.resource, 'resource', 'pods')) return true;
  return request.subResource !== undefined && request.subResource !== null && request.subResource !== '';
}

function untouched(code: UntouchedCode, reason: string): GateResult {
  return { admitted: false, code, reason };
}

export function gate(object: unknown, request: MutationRequest): GateResult {
  const operation = request.operation ?? 'CREATE';
  if (operation !== 'CREATE') return untouched(UNTOUCHED.notCreate, `operation ${operation || '(none)'} is not CREATE`);
  if (!isObject(object) || object.kind !== 'Pod' || namesOtherThanPod(request)) {
    return untouched(UNTOUCHED.notPod, 'not a Pod');
  }
  const metadata = objectOrUndefined(object.metadata) ?? {};
  const annotations = objectOrUndefined(metadata.annotations) ?? {};
  if (annotations[ANNOTATIONS.enable] !== 'true') {
    return untouched(UNTOUCHED.notAnnotated, `no ${ANNOTATIONS.enable}: "true" annotation`);
  }
  if (Object.hasOwn(annotations, ANNOTATIONS.mutated)) return untouched(UNTOUCHED.alreadyMutated, 'already mutated');
  if (Object.hasOwn(annotations, MIRROR_ANNOTATION)) return untouched(UNTOUCHED.mirrorPod, 'mirror pod');
  return { admitted: true, pod: object, metadata, annotations };
}
