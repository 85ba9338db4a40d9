/**
 * Narrowing helpers for JSON of unknown shape, for the whole project (the mutation, the CLI, the webhook): the
 * mutation must never throw on odd input, and the CLI reads pods as the API server or a manifest gives them.
 * Here because the mutation may import nothing outside src/mutation.
 */
import type { JsonObject, JsonValue } from './types.js';

export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function objectOrUndefined(value: unknown): JsonObject | undefined {
  return isObject(value) ? value : undefined;
}

export function stringOrUndefined(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/** The elements of an array that are objects; undefined when the value is not an array. */
export function objectArray(value: unknown): JsonObject[] | undefined {
  return Array.isArray(value) ? value.filter(isObject) : undefined;
}

export function isStringArray(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((item) => typeof item === 'string');
}

export function deepEqual(a: JsonValue | undefined, b: JsonValue | undefined): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) {
    return Array.isArray(b) && a.length === b.length && a.every((item, index) => deepEqual(item, b[index]));
  }
  if (isObject(a) && isObject(b)) {
    const keys = Object.keys(a);
    return (
      keys.length === Object.keys(b).length && keys.every((key) => Object.hasOwn(b, key) && deepEqual(a[key], b[key]))
    );
  }
  return false;
}

/** A JSON value as text for messages: strings as they are, anything else as JSON. */
export function text(value: unknown): string {
  if (typeof value === 'string') return value;
  return value === undefined ? 'undefined' : JSON.stringify(value);
}

/** The object at `key`, or undefined when it is absent or not an object. */
export function objectAt(parent: unknown, key: string): JsonObject | undefined {
  return isObject(parent) ? objectOrUndefined(parent[key]) : undefined;
}

/** The objects of the array at `key` (non-objects skipped), or [] when absent. */
export function objectsAt(parent: unknown, key: string): JsonObject[] {
  return (isObject(parent) ? objectArray(parent[key]) : undefined) ?? [];
}

/** The string at `key`, or undefined. */
export function stringAt(parent: unknown, key: string): string | undefined {
  return isObject(parent) ? stringOrUndefined(parent[key]) : undefined;
}

/** The finite number at `key`, or undefined. */
export function numberAt(parent: unknown, key: string): number | undefined {
  if (!isObject(parent)) return undefined;
  const value = parent[key];
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

/** A string-to-string map (labels, annotations); non-string values are skipped. */
export function stringMapAt(parent: unknown, key: string): Record<string, string> {
  const result: Record<string, string> = {};
  for (const [name, value] of Object.entries(objectAt(parent, key) ?? {})) {
    if (typeof value === 'string') result[name] = value;
  }
  return result;
}

/** A deep copy of plain JSON (drops undefined, Dates become strings). */
export function cloneJson<T extends JsonValue>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}
