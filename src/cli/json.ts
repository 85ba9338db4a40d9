/** Small readers for plain JSON objects (pods as the API server or a manifest gives them). */
import type { JsonObject, JsonValue } from '../mutation/index.js';
import { isObject } from '../mutation/json.js';

export { isObject };

/** The object at `key`, or undefined when it is absent or not an object. */
export function objectAt(parent: unknown, key: string): JsonObject | undefined {
  if (!isObject(parent)) return undefined;
  const value = parent[key];
  return isObject(value) ? value : undefined;
}

/** The objects of the array at `key` (non-objects skipped), or [] when absent. */
export function objectsAt(parent: unknown, key: string): JsonObject[] {
  if (!isObject(parent)) return [];
  const value = parent[key];
  return Array.isArray(value) ? value.filter(isObject) : [];
}

export function stringAt(parent: unknown, key: string): string | undefined {
  if (!isObject(parent)) return undefined;
  const value = parent[key];
  return typeof value === 'string' ? value : undefined;
}

export function numberAt(parent: unknown, key: string): number | undefined {
  if (!isObject(parent)) return undefined;
  const value = parent[key];
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

/** A string-to-string map (labels, annotations); non-string values are skipped. */
export function stringMapAt(parent: unknown, key: string): Record<string, string> {
  const map = objectAt(parent, key);
  const result: Record<string, string> = {};
  if (map === undefined) return result;
  for (const [name, value] of Object.entries(map)) if (typeof value === 'string') result[name] = value;
  return result;
}

/** A deep copy of plain JSON (drops undefined, Dates become strings). */
export function cloneJson<T extends JsonValue>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}
