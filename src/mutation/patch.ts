/**
 * RFC 6902 patch generation by diffing the input against the mutated pod (PITFALLS 1–3): every operation is
 * computed against the exact object the API server sent, so nothing is added into a missing array, nothing
 * missing is removed, and keys are escaped. The mutation builds its result copy-on-write, so untouched
 * subtrees are the same references and the diff skips them without looking inside.
 *
 * Arrays of objects are aligned element by element: equal elements (or objects with the same `name`) are
 * diffed in place, and the length difference becomes `add`/`remove` at the right index. The tools init
 * container inserted first thus becomes one `add /spec/initContainers/0`, not a rewrite of every init
 * container. Other arrays (a command, a list of strings) that changed are replaced whole: one readable op.
 */
import { deepEqual, isObject } from './json.js';
import type { JsonObject, JsonPatchOperation, JsonValue } from './types.js';

/** Escapes one reference token of a JSON pointer (RFC 6901): `~` → `~0`, `/` → `~1`. */
export function escapePointerToken(token: string): string {
  if (!token.includes('~') && !token.includes('/')) return token;
  return token.replaceAll('~', '~0').replaceAll('/', '~1');
}

export function diff(before: JsonValue, after: JsonValue): JsonPatchOperation[] {
  const operations: JsonPatchOperation[] = [];
  diffValue(before, after, '', operations);
  return operations;
}

function diffValue(before: JsonValue, after: JsonValue, path: string, out: JsonPatchOperation[]): void {
  if (before === after) return;
  if (isObject(before) && isObject(after)) {
    diffObject(before, after, path, out);
  } else if (Array.isArray(before) && Array.isArray(after) && before.every(isObject) && after.every(isObject)) {
    diffArray(before, after, path, out);
  } else if (!deepEqual(before, after)) {
    out.push({ op: 'replace', path, value: after });
  }
}

function diffObject(before: JsonObject, after: JsonObject, path: string, out: JsonPatchOperation[]): void {
  for (const key of Object.keys(before)) {
    if (!Object.hasOwn(after, key)) out.push({ op: 'remove', path: `${path}/${escapePointerToken(key)}` });
  }
  for (const key of Object.keys(after)) {
    const value = after[key] as JsonValue;
    const old = Object.hasOwn(before, key) ? before[key] : undefined;
    if (old === value) continue; // the mutation shares untouched subtrees: nothing below can differ
    const child = `${path}/${escapePointerToken(key)}`;
    if (old === undefined) out.push({ op: 'add', path: child, value });
    else diffValue(old, value, child, out);
  }
}

function sameElement(a: JsonValue, b: JsonValue): boolean {
  if (a === b) return true;
  if (isObject(a) && isObject(b) && typeof a.name === 'string' && a.name === b.name) return true;
  return deepEqual(a, b);
}

/**
 * Walks both arrays once. Invariant: positions < j of the array being patched already hold after[0..j-1],
 * and position j holds before[i].
 */
function diffArray(before: JsonValue[], after: JsonValue[], path: string, out: JsonPatchOperation[]): void {
  let i = 0;
  let j = 0;
  while (i < before.length && j < after.length) {
    const oldItem = before[i] as JsonValue;
    const newItem = after[j] as JsonValue;
    const oldLeft = before.length - i;
    const newLeft = after.length - j;
    if (sameElement(oldItem, newItem) || oldLeft === newLeft) {
      diffValue(oldItem, newItem, `${path}/${j}`, out);
      i += 1;
      j += 1;
    } else if (newLeft > oldLeft) {
      out.push({ op: 'add', path: `${path}/${j}`, value: newItem });
      j += 1;
    } else {
      out.push({ op: 'remove', path: `${path}/${j}` });
      i += 1;
    }
  }
  for (; i < before.length; i += 1) out.push({ op: 'remove', path: `${path}/${j}` });
  for (; j < after.length; j += 1) out.push({ op: 'add', path: `${path}/${j}`, value: after[j] as JsonValue });
}
