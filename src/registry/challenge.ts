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

/** Every challenge in the header, in order; malformed parts end the parse (what came before is kept). */
export function parseChallenges(header: string | null | undefined): Challenge[] {
  const challenges: Challenge[] = [];
  let rest = header ?? '';
  const skip = (pattern: RegExp): void => {
    rest = rest.replace(pattern, '');
  };
  skip(/^[\s,]+/);
  while (rest !== '') {
    const scheme = TOKEN.exec(rest)?.[0];
    if (scheme === undefined) break;
    rest = rest.slice(scheme.length);
    const challenge: Challenge = { scheme: scheme.toLowerCase(), params: {} };
    challenges.push(challenge);
    skip(/^\s+/);
    for (;;) {
      // A parameter is `name = value`; a bare token followed by something else starts the next challenge.
      const match = /^([!#$%&'*+.^_`|~0-9A-Za-z-]+)\s*=\s*/.exec(rest);
      if (match === null) break;
      const name = (match[1] ?? '').toLowerCase();
      rest = rest.slice(match[0].length);
      let value: string;
      if (rest.startsWith('"')) {
        let index = 1;
        value = '';
        while (index < rest.length && rest[index] !== '"') {
          if (rest[index] === '\\' && index + 1 < rest.length) index += 1;
          value += rest[index] ?? '';
          index += 1;
        }
        if (index >= rest.length) return challenges; // unterminated quote: stop here
        rest = rest.slice(index + 1);
      } else {
        // RFC 7235 wants a token here; servers also send unquoted URLs: take everything up to a comma or space.
        value = /^[^\s,]*/.exec(rest)?.[0] ?? '';
        rest = rest.slice(value.length);
      }
      challenge.params[name] = value;
      skip(/^\s*,\s*/);
    }
    skip(/^[\s,]+/);
  }
  return challenges;
}
