/**
 * A YAML emitter for plain JSON values (what -o yaml prints), in kubectl's layout: block mappings, sequences
 * at their key's indentation, literal blocks for multi-line strings. Strings that YAML 1.1 (kubectl's parser)
 * or YAML 1.2 could read as anything but the same string — numbers, booleans like on/yes/no, nulls, octals,
 * timestamps, indicators — are double-quoted. Written because js-yaml's dump costs more start-up time than
 * the rest of `mutate`; tests check that js-yaml reads every output back identically under both schemas.
 */
import type { JsonValue } from '../../mutation/index.js';

/** Words YAML 1.1 or 1.2 resolve to null or a boolean, in any case. */
const RESERVED = /^(?:~|null|true|false|y|n|yes|no|on|off|<<|=)$/i;
/** Characters allowed in an unquoted string (beyond these, quote). */
const PLAIN = /^[A-Za-z0-9_./+=@%,:'"()*$&![\]{}<>?|^`\\-]+(?: [A-Za-z0-9_./+=@%,:'"()*$&![\]{}<>?|^`\\-]+)*$/u;
/** First characters that are YAML indicators, or make numbers, dates and special floats. */
const RISKY_START = /^(?:[-?:,[\]{}#&*!|>'"%@`0-9+.]|<<)/;

/** Characters a literal block cannot carry as they are (CR, other controls, line separators, BOM). */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const NOT_LITERAL = /[\r\x00-\x08\x0b-\x1f\x7f\u0085\u2028\u2029\ufeff]/u;

function needsQuotes(text: string): boolean {
  if (text === '' || RESERVED.test(text) || !PLAIN.test(text)) return true;
  if (text.includes(': ') || text.includes(' #') || text.endsWith(':')) return true;
  if (RISKY_START.test(text)) {
    // Options such as "--port=8080" or "-c" read back as strings in both versions; numbers and indicators do not.
    return !/^--?[A-Za-z]/.test(text);
  }
  return false;
}

function quoted(text: string): string {
  // A JSON string is a valid YAML double-quoted scalar (the escapes \" \\ \n \t \uXXXX are shared).
  return JSON.stringify(text);
}

/** A literal block (|, |-, |+) when the string is multi-line and reads back exactly that way. */
function literalBlock(text: string, indent: string): string | undefined {
  if (!text.includes('\n') || NOT_LITERAL.test(text)) return undefined;
  const trailing = /\n*$/.exec(text)?.[0].length ?? 0;
  const body = text.slice(0, text.length - trailing);
  if (body === '' || body.startsWith(' ') || body.startsWith('\t')) return undefined;
  const lines = body.split('\n');
  // A line of spaces only would be read back as an empty line with its indentation eaten.
  if (lines.some((line) => line !== '' && line.trim() === '')) return undefined;
  const chomp = trailing === 0 ? '-' : trailing === 1 ? '' : '+';
  const contentIndent = `${indent}  `;
  const extra = trailing > 1 ? '\n'.repeat(trailing - 1) : '';
  return `|${chomp}\n${lines.map((line) => (line === '' ? '' : `${contentIndent}${line}`)).join('\n')}${extra}`;
}

function scalar(value: string | number | boolean | null, indent: string): string {
  if (value === null) return 'null';
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) return quoted(String(value));
    // YAML 1.1 floats need a dot: 5e-7 would read back as a string there, 5.0e-7 reads as a number in both.
    const text = String(value);
    return /e/.test(text) && !text.includes('.') ? text.replace('e', '.0e') : text;
  }
  return literalBlock(value, indent) ?? (needsQuotes(value) ? quoted(value) : value);
}

function key(text: string): string {
  return needsQuotes(text) || text.includes('\n') ? quoted(text) : text;
}

type Collection = JsonValue[] | { [key: string]: JsonValue };

/** A non-empty array or object (written as a block); everything else is written on its key's line. */
function asCollection(value: JsonValue): Collection | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  return (Array.isArray(value) ? value.length : Object.keys(value).length) > 0 ? value : undefined;
}

/** A scalar or an empty collection, on one line. */
function leaf(value: JsonValue, indent: string): string {
  if (Array.isArray(value)) return '[]';
  if (typeof value === 'object' && value !== null) return '{}';
  return scalar(value, indent);
}

/** Lines of a collection at `indent`. */
function block(value: Collection, indent: string): string[] {
  const lines: string[] = [];
  if (Array.isArray(value)) {
    for (const item of value) {
      const collection = asCollection(item);
      if (collection === undefined) {
        lines.push(`${indent}- ${leaf(item, `${indent}  `)}`);
      } else {
        const inner = block(collection, `${indent}  `);
        lines.push(`${indent}- ${(inner[0] ?? '').slice(indent.length + 2)}`, ...inner.slice(1));
      }
    }
    return lines;
  }
  for (const [name, item] of Object.entries(value)) {
    const collection = asCollection(item);
    if (collection === undefined) lines.push(`${indent}${key(name)}: ${leaf(item, indent)}`);
    else if (Array.isArray(collection)) lines.push(`${indent}${key(name)}:`, ...block(collection, indent));
    else lines.push(`${indent}${key(name)}:`, ...block(collection, `${indent}  `));
  }
  return lines;
}

/** The YAML document for a JSON value, ending with a newline. */
export function toYaml(value: JsonValue): string {
  const collection = asCollection(value);
  return collection === undefined ? `${leaf(value, '')}\n` : `${block(collection, '').join('\n')}\n`;
}
