/** Printing objects as kubectl does with -o yaml / -o json. */
import type { JsonValue } from '../../mutation/index.js';
import { toYaml } from './yaml.js';

export type OutputFormat = 'yaml' | 'json';

export async function formatObject(value: JsonValue, format: OutputFormat): Promise<string> {
  return format === 'json' ? `${JSON.stringify(value, null, 4)}\n` : toYaml(value);
}
