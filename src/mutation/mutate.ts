/**
 * The debug mutation (SPEC §3): one pure function from a Pod and config to "untouched", a JSON patch, or a
 * denial. It knows nothing of HTTP. One way through:
 *
 *   gate (gate.ts: untouched?) → denial rules (denials.ts, in order) → plan (plan.ts: what to change)
 *   → apply (apply.ts: copy-on-write) → diff (patch.ts: the patch against the exact input)
 *
 * Warnings are made to fit what Kubernetes shows here, once (warnings.ts).
 */
import type { MutationConfig } from './config.js';
import { firstDenial } from './denials.js';
import { gate, type MutationRequest } from './gate.js';
import { isObject, objectArray, objectOrUndefined } from './json.js';
import { applyPlan } from './apply.js';
import { diff } from './patch.js';
import { planMutation, type ReadySubject } from './plan.js';
import { describeSubject, nameOf, type Subject } from './subject.js';
import type { JsonValue, MutationResult } from './types.js';
import { capWarning } from './warnings.js';

export type { MutationRequest } from './gate.js';
export { UNTOUCHED, type UntouchedCode } from './gate.js';
export { ADOPTION_LABELS } from './plan.js';
export { DENIAL_RULES, MAX_ADDED_BYTES, MAX_TARGETS, type DenialRule } from './denials.js';
export { MAX_WARNING_LENGTH, capWarning } from './warnings.js';
export { selectContainers, type Selection } from './subject.js';

function isReady(subject: Subject): subject is ReadySubject {
  return subject.options !== undefined && subject.selection !== undefined;
}

export function mutatePod(object: unknown, config: MutationConfig, request: MutationRequest = {}): MutationResult {
  const admitted = gate(object, request);
  if (!admitted.admitted) return { outcome: 'untouched', code: admitted.code, reason: admitted.reason };
  const subject = describeSubject(admitted.pod, admitted.metadata, admitted.annotations, config);
  const denial = firstDenial(subject);
  if (denial !== undefined) return { outcome: 'denied', message: denial };
  // The rules judged the options; this only narrows the type.
  if (!isReady(subject)) return { outcome: 'denied', message: subject.optionsProblem ?? 'invalid options' };
  const plan = planMutation(subject);
  const pod = applyPlan(admitted.pod, admitted.metadata, subject.spec, plan);
  return {
    outcome: 'mutated',
    patch: diff(admitted.pod, pod),
    pod,
    warnings: plan.warnings.map(capWarning).filter((warning) => warning !== ''),
    summary: plan.summary,
    original: plan.original,
  };
}

/** The pod's containers in the order the kubelet starts them, for messages. */
export function containerNames(pod: JsonValue): { containers: string[]; initContainers: string[] } {
  const spec = isObject(pod) ? objectOrUndefined(pod.spec) : undefined;
  return {
    containers: (objectArray(spec?.containers) ?? []).map(nameOf),
    initContainers: (objectArray(spec?.initContainers) ?? []).map(nameOf),
  };
}
