/** Printing objects as kubectl does with -o yaml / -o json. */
import type { JsonValue } from '../../mutation/index.js';
import { toYaml } from './yaml-emit.js';

export type OutputFormat = 'yaml' | 'json';

export function formatObject(value: JsonValue, format: OutputFormat): string {
  return format === 'json' ? `${JSON.stringify(value, null, 4)}\n` : toYaml(value);
}
