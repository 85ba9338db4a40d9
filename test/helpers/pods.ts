/** Pod builders for the mutation tests. */
import jsonpatch from 'fast-json-patch';
import assert from 'node:assert/strict';
import type { JsonObject, MutationResult, Pod } from '../../src/mutation/index.js';

export const ENABLE = { 'debug.dead/enable': 'true' } as const;

/** A pod in namespace team with one container `app`, annotated to be mutated, with overrides. */
export function pod(
  options: { spec?: JsonObject; annotations?: Record<string, string>; metadata?: JsonObject } = {},
): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: 'web',
      namespace: 'team',
      annotations: { ...ENABLE, ...options.annotations },
      ...options.metadata,
    },
    spec: {
      containers: [{ name: 'app', image: 'registry.example/app:1.0' }],
      ...options.spec,
    },
  };
}

/** Applies the result's patch to the input with operation validation on, and checks it yields result.pod. */
export function assertPatchYieldsPod(input: Pod, result: MutationResult): void {
  if (result.outcome !== 'mutated') return;
  const validationError = jsonpatch.validate(result.patch as jsonpatch.Operation[], structuredClone(input));
  assert.equal(validationError, undefined, 'the patch validates against the input');
  const patched = jsonpatch.applyPatch(
    structuredClone(input),
    result.patch as jsonpatch.Operation[],
    true,
    false,
  ).newDocument;
  assert.deepEqual(patched, result.pod);
}

export function spec(result: MutationResult): JsonObject {
  if (result.outcome !== 'mutated') throw new Error(`not mutated: ${JSON.stringify(result)}`);
  return result.pod.spec as JsonObject;
}

export function annotationsOf(result: MutationResult): Record<string, string> {
  if (result.outcome !== 'mutated') throw new Error('not mutated');
  return (result.pod.metadata as JsonObject).annotations as Record<string, string>;
}
