/**
 * `WWW-Authenticate` challenges (RFC 7235): `Bearer realm="…",service="…",scope="…"` or `Basic realm="…"`,
 * possibly several in one header. Pure.
 */

export interface Challenge {
  /** Lower case: `bearer`, `basic`. */
  scheme: string;
  /** Parameter names lower case; quoted values unescaped. */
  params: Record<string, string>;
}

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+/;
/** A parameter is `name = value`; a bare token followed by something else starts the next challenge. */
const PARAMETER_NAME = /^([!#$%&'*+.^_`|~0-9A-Za-z-]+)\s*=\s*/;

/** A value read, and the text after it. */
interface Read {
  value: string;
  rest: string;
}

/** A quoted-string (`text` starts at its opening quote), unescaped; undefined when the quote is never closed. */
function readQuoted(text: string): Read | undefined {
  let index = 1;
  let value = '';
  while (index < text.length && text[index] !== '"') {
    if (text[index] === '\\' && index + 1 < text.length) index += 1;
    value += text[index] ?? '';
    index += 1;
  }
  if (index >= text.length) return undefined;
  return { value, rest: text.slice(index + 1) };
}

function readValue(text: string): Read | undefined {
  if (text.startsWith('"')) return readQuoted(text);
  // RFC 7235 wants a token here; servers also send unquoted URLs: take everything up to a comma or space.
  const value = /^[^\s,]*/.exec(text)?.[0] ?? '';
  return { value, rest: text.slice(value.length) };
}

/**
 * Reads a challenge's parameters into `params`; gives the text after them (where the next challenge starts),
 * or undefined when a quote is never closed (the parameters before it are kept).
 */
function readParameters(text: string, params: Record<string, string>): string | undefined {
  let rest = text;
  for (;;) {
    const match = PARAMETER_NAME.exec(rest);
    if (match === null) return rest;
    const read = readValue(rest.slice(match[0].length));
    if (read === undefined) return undefined;
    params[(match[1] ?? '').toLowerCase()] = read.value;
    rest = read.rest.replace(/^\s*,\s*/, '');
  }
}

/** Every challenge in the header, in order; malformed parts end the parse (what came before is kept). */
export function parseChallenges(header: string | null | undefined): Challenge[] {
  const challenges: Challenge[] = [];
  let rest = (header ?? '').replace(/^[\s,]+/, '');
  while (rest !== '') {
    const scheme = TOKEN.exec(rest)?.[0];
    if (scheme === undefined) break;
    const challenge: Challenge = { scheme: scheme.toLowerCase(), params: {} };
    challenges.push(challenge);
    const after = readParameters(rest.slice(scheme.length).replace(/^\s+/, ''), challenge.params);
    if (after === undefined) break; // unterminated quote: stop here
    rest = after.replace(/^[\s,]+/, '');
  }
  return challenges;
}
