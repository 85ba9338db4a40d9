/**
 * A fast reader for the plain subset of YAML that Kubernetes manifests are written in: block mappings and
 * sequences, plain and quoted one-line scalars, literal blocks, one-line flow sequences of scalars, comments.
 * It returns undefined for anything else — anchors, tags, folded or multi-line scalars, unusual number
 * forms, several documents, tabs, CRLF — and the caller then parses with js-yaml. Where it does answer, the
 * answer is what js-yaml's default (YAML 1.2 core) schema gives; tests check that on generated documents.
 * It exists because importing and warming up js-yaml is most of `mutate`'s start-up time.
 */
import type { JsonObject, JsonValue } from '../../mutation/index.js';

class GiveUp extends Error {}

function giveUp(): never {
  throw new GiveUp();
}

interface Line {
  indent: number;
  /** The line without its indentation. */
  text: string;
}

const MAX_DEPTH = 64;

/** Plain scalars resolved the way YAML 1.2 core does; anything number-like but unusual gives up. */
function plainScalar(text: string): JsonValue {
  if (text === '' || text === '~' || text === 'null') return null;
  if (text === 'true') return true;
  if (text === 'false') return false;
  if (/^-?(?:0|[1-9][0-9]{0,14})$/.test(text)) return Number(text);
  if (/^-?(?:0|[1-9][0-9]*)\.[0-9]+$/.test(text) && text.length < 16) return Number(text);
  // Other numbers (0x1F, 0o17, 012, +1, 1e3, .5, .inf), other spellings of null/booleans: leave them to js-yaml.
  if (
    (/^[-+]?[0-9_]*\.?[0-9_]*(?:[eE][-+]?[0-9_]+)?$/.test(text) && /[0-9]/.test(text)) ||
    /^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?$/.test(text) ||
    /^[-+]?0(?:[xX][0-9a-fA-F_]+|[oO][0-7_]+|[bB][01_]+)$/.test(text) ||
    /^[-+]?\.(?:inf|nan)$/i.test(text) ||
    /^(?:null|true|false)$/i.test(text)
  ) {
    giveUp();
  }
  // Indicators that start something else than a plain scalar.
  if (/^[&*!|>%@`?{[\]}'",#]/.test(text) || /^-(?:\s|$)/.test(text) || text.includes(': ') || text.endsWith(':'))
    giveUp();
  if (text.includes(' #') || text.includes('\t')) giveUp();
  return text;
}

const ESCAPES: Record<string, string> = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };

/** A one-line quoted scalar at the start of `text`; returns it and what follows. */
function quotedScalar(text: string): { value: string; rest: string } {
  if (text.startsWith("'")) {
    let value = '';
    for (let index = 1; index < text.length; index += 1) {
      const char = text[index];
      if (char === "'") {
        if (text[index + 1] === "'") {
          value += "'";
          index += 1;
          continue;
        }
        return { value, rest: text.slice(index + 1) };
      }
      value += char ?? '';
    }
    return giveUp();
  }
  let value = '';
  for (let index = 1; index < text.length; index += 1) {
    const char = text[index] ?? '';
    if (char === '"') return { value, rest: text.slice(index + 1) };
    if (char !== '\\') {
      value += char;
      continue;
    }
    const next = text[index + 1] ?? '';
    if (next === 'u' && /^[0-9a-fA-F]{4}$/.test(text.slice(index + 2, index + 6))) {
      value += String.fromCharCode(parseInt(text.slice(index + 2, index + 6), 16));
      index += 5;
      continue;
    }
    const escaped = ESCAPES[next];
    if (escaped === undefined) giveUp();
    value += escaped;
    index += 1;
  }
  return giveUp();
}

/** Nothing but spaces and a comment may follow a quoted scalar or a flow collection. */
function assertEnd(rest: string): void {
  if (!/^(?:\s+#.*|\s*)$/.test(rest)) giveUp();
}

function stripComment(text: string): string {
  const hash = text.search(/\s#/);
  return (hash < 0 ? text : text.slice(0, hash)).trimEnd();
}

/** A one-line value: quoted, plain, or a flow sequence of scalars ([ALL], []), or {}. */
function inlineValue(text: string): JsonValue {
  if (text.startsWith('"') || text.startsWith("'")) {
    const { value, rest } = quotedScalar(text);
    assertEnd(rest);
    return value;
  }
  if (text.startsWith('[')) {
    const close = text.indexOf(']');
    if (close < 0) giveUp();
    assertEnd(text.slice(close + 1));
    const inside = text.slice(1, close);
    if (/["'[\]{}]/.test(inside)) giveUp();
    if (inside.trim() === '') return [];
    return inside.split(',').map((item) => {
      const trimmed = item.trim();
      if (trimmed === '' || trimmed.includes(':')) giveUp();
      return plainScalar(trimmed);
    });
  }
  if (text.startsWith('{')) {
    if (!/^\{\s*\}/.test(text)) giveUp();
    assertEnd(text.replace(/^\{\s*\}/, ''));
    return {};
  }
  return plainScalar(stripComment(text));
}

/** `key: rest` → the key and the rest (without leading spaces), or undefined when the line is no entry. */
function mappingEntry(text: string): { key: string; rest: string } | undefined {
  if (text.startsWith('"') || text.startsWith("'")) {
    const { value, rest } = quotedScalar(text);
    if (!/^:(?:\s|$)/.test(rest)) return undefined;
    return { key: value, rest: rest.slice(1).trimStart() };
  }
  const match = /^([^\s#:][^:]*?|[^\s#:]*:[^\s][^:]*?):(?:\s+(.*))?$/.exec(text);
  if (!match) return undefined;
  const key = match[1] ?? '';
  if (/^[&*!|>%@`?{[\]},-]/.test(key) && !/^-[^\s]/.test(key)) giveUp();
  if (key.includes(' #') || key.includes('\t') || key !== key.trimEnd()) giveUp();
  const value = plainScalar(key);
  if (typeof value !== 'string') giveUp(); // a key of null, a number or a boolean: leave it to js-yaml
  return { key: value, rest: match[2] ?? '' };
}

class Reader {
  private index = 0;
  constructor(private readonly raw: string[]) {}

  /** The next line with content (comments and blank lines skipped), without consuming it. */
  peek(): Line | undefined {
    for (let index = this.index; index < this.raw.length; index += 1) {
      const line = this.raw[index] ?? '';
      const text = line.trimStart();
      if (text === '' || text.startsWith('#')) continue;
      this.index = index;
      if (/^\t| \t/.test(line.slice(0, line.length - text.length + 1))) giveUp();
      return { indent: line.length - text.length, text };
    }
    this.index = this.raw.length;
    return undefined;
  }

  next(): void {
    this.index += 1;
  }

  /** Literal block lines after the `|` line: those indented more than `parent` (blank lines included). */
  literal(parent: number, header: string): string {
    if (!/^\|[-+]?(?:\s+#.*)?$/.test(header)) giveUp();
    const chomp = header[1] === '-' ? 'strip' : header[1] === '+' ? 'keep' : 'clip';
    const lines: string[] = [];
    let indent: number | undefined;
    while (this.index < this.raw.length) {
      const line = this.raw[this.index] ?? '';
      const text = line.trimStart();
      const lineIndent = line.length - text.length;
      if (text === '') {
        if (indent !== undefined && lineIndent > indent) giveUp(); // spaces beyond the block's indentation
        lines.push('');
        this.index += 1;
        continue;
      }
      if (indent === undefined) {
        if (lineIndent <= parent) break;
        indent = lineIndent;
      }
      if (lineIndent < indent) break;
      if (line.slice(0, indent).includes('\t')) giveUp();
      lines.push(line.slice(indent));
      this.index += 1;
    }
    // Trailing blank lines belong to the block (for keep); leading-only blocks are left to js-yaml.
    let trailing = 0;
    while (lines.length > 0 && lines.at(-1) === '') {
      lines.pop();
      trailing += 1;
    }
    if (lines.length === 0) giveUp();
    const body = lines.join('\n');
    return chomp === 'strip' ? body : chomp === 'clip' ? `${body}\n` : `${body}\n${'\n'.repeat(trailing)}`;
  }

  node(parent: number, depth: number): JsonValue {
    if (depth > MAX_DEPTH) giveUp();
    const line = this.peek();
    if (line === undefined || line.indent <= parent) return null;
    return /^-(?:\s|$)/.test(line.text) ? this.sequence(line.indent, depth) : this.mapping(line.indent, depth);
  }

  /** The value after `key:` or `- `, given the rest of that line; `indent` is the entry's own indentation. */
  value(rest: string, indent: number, depth: number, inSequenceEntry: boolean): JsonValue {
    this.next();
    if (rest === '' || rest.startsWith('#')) {
      const next = this.peek();
      if (next === undefined) return null;
      if (next.indent > indent) return this.node(indent, depth + 1);
      // kubectl's style: a mapping's sequence at the key's own indentation.
      if (!inSequenceEntry && next.indent === indent && /^-(?:\s|$)/.test(next.text))
        return this.sequence(indent, depth + 1);
      return null;
    }
    if (rest.startsWith('|')) return this.literal(indent, rest);
    const value = inlineValue(rest);
    const next = this.peek();
    if (next !== undefined && next.indent > indent) giveUp(); // a multi-line scalar or a stray block
    return value;
  }

  mapping(indent: number, depth: number): JsonObject {
    const result: JsonObject = {};
    for (let line = this.peek(); line !== undefined && line.indent === indent; line = this.peek()) {
      if (/^-(?:\s|$)/.test(line.text)) break;
      const entry = mappingEntry(line.text) ?? giveUp();
      if (Object.hasOwn(result, entry.key) || entry.key === '<<' || entry.key === '__proto__') giveUp();
      result[entry.key] = this.value(entry.rest, indent, depth, false);
    }
    const after = this.peek();
    if (after !== undefined && after.indent > indent) giveUp();
    return result;
  }

  sequence(indent: number, depth: number): JsonValue[] {
    const result: JsonValue[] = [];
    for (
      let line = this.peek();
      line !== undefined && line.indent === indent && /^-(?:\s|$)/.test(line.text);
      line = this.peek()
    ) {
      const rest = line.text.slice(1).trimStart();
      const column = indent + (line.text.length - rest.length);
      if (rest !== '' && !rest.startsWith('#') && (/^-(?:\s|$)/.test(rest) || mappingEntry(rest) !== undefined)) {
        // "- key: value" or "- - x": a collection that starts on the dash's line, at the column after it.
        this.raw[this.index] = `${' '.repeat(column)}${rest}`;
        result.push(this.node(indent, depth + 1));
      } else {
        result.push(this.value(rest, indent, depth, true));
      }
    }
    const after = this.peek();
    if (after !== undefined && after.indent > indent) giveUp();
    return result;
  }
}

/**
 * Characters outside the plain printable set (controls, C1, surrogates — so also astral characters —, NEL,
 * line separators, BOM, non-characters) and CR and TAB: js-yaml decides about those.
 */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const UNUSUAL = /[\x00-\x09\x0b-\x1f\x7f-\x9f\ud800-\udfff\u2028\u2029\ufeff\ufffe\uffff]/;

/** The document as js-yaml would read it, or undefined when it is outside the subset this reader knows. */
export function readYamlFast(text: string): JsonValue | undefined {
  if (UNUSUAL.test(text)) return undefined;
  const lines = text.split('\n');
  if (text.endsWith('\n')) lines.pop(); // the "line" after the last line break
  try {
    const reader = new Reader(lines);
    const first = reader.peek();
    if (first === undefined) return undefined;
    if (first.indent === 0 && /^---(?:\s|$)/.test(first.text)) {
      if (first.text.slice(3).trim() !== '') return undefined;
      reader.next();
    }
    const start = reader.peek();
    if (start?.indent !== 0 || /^(?:---|\.\.\.|%)/.test(start.text)) return undefined;
    const value = reader.node(-1, 0);
    return reader.peek() === undefined ? value : undefined;
  } catch (error) {
    if (error instanceof GiveUp) return undefined;
    throw error;
  }
}
