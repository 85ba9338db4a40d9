/**
 * YAML in and out, with js-yaml, loaded on first use: `--help`, JSON manifests and `-o json` never load it.
 *
 * Out: kubectl's layout (sequences at their key's indentation, no line folding, literal blocks for multi-line
 * strings). js-yaml's dump schema quotes every string that YAML 1.1 (the family kubectl's parser belongs to) or
 * YAML 1.2 would read as anything but that string: "yes", "on", "~", "1e3", "0x1F", "012", "2025-03-01", …
 * In: the YAML 1.2 core schema (js-yaml's default), as the Kubernetes API machinery reads manifests.
 *
 * Start-up: most of js-yaml's cost in a short command is V8 compiling its functions on first call, which Node's
 * module compile cache (made before the module runs) does not hold. So js-yaml's CommonJS build is run through
 * node:vm with a code cache made after use, kept next to Node's compile cache (js-yaml-cache.ts).
 */
import type { JsonValue } from '../../mutation/index.js';
import { loadWithCodeCache } from './js-yaml-cache.js';

type JsYaml = typeof import('js-yaml');
let jsYaml: Promise<JsYaml> | undefined;

function library(): Promise<JsYaml> {
  jsYaml ??= loadWithCodeCache<JsYaml>('js-yaml').then((loaded) => loaded ?? import('js-yaml'));
  return jsYaml;
}

/** The YAML document for a JSON value, ending with a newline: what -o json would print, as YAML. */
export async function toYaml(value: JsonValue): Promise<string> {
  const { dump } = await library();
  // Through JSON first, so that YAML says what -o json says (-0 is 0 there, as in the API server's JSON).
  const json = JSON.parse(JSON.stringify(value)) as JsonValue;
  return dump(json, { seqNoIndent: true, lineWidth: -1, quoteStyle: 'double', noRefs: true });
}

/** The documents of a YAML stream (empty ones left out); throws js-yaml's error on invalid YAML. */
export async function readYamlDocuments(text: string): Promise<unknown[]> {
  const { loadAll } = await library();
  return loadAll(text).filter((document) => document !== null && document !== undefined);
}
