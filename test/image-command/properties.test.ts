/** What must hold for every input: the parsers never throw, and a parsed reference survives formatting. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { parseChallenges } from '../../src/registry/challenge.js';
import { keyMatches, pullSecretCredentials } from '../../src/registry/credentials.js';
import { formatReference, parseReference, referenceToResolve } from '../../src/registry/reference.js';

const component = fc.stringMatching(/^[a-z0-9]+(?:[._-][a-z0-9]+)?$/);
const reference = fc
  .record({
    host: fc.option(fc.constantFrom('ghcr.io', 'registry.example:5000', '127.0.0.1:5000', 'localhost', 'docker.io'), {
      nil: undefined,
    }),
    path: fc.array(component, { minLength: 1, maxLength: 3 }),
    tag: fc.option(fc.stringMatching(/^\w[\w.-]{0,20}$/), { nil: undefined }),
    digest: fc.option(fc.stringMatching(/^[0-9a-f]{64}$/), { nil: undefined }),
  })
  .map(
    ({ host, path, tag, digest }) =>
      `${host === undefined ? '' : `${host}/`}${path.join('/')}${tag === undefined ? '' : `:${tag}`}${digest === undefined ? '' : `@sha256:${digest}`}`,
  );

void describe('registry parsing properties', () => {
  it('never throw on any text', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 200 }), fc.string({ maxLength: 80 }), (text, other) => {
        parseReference(text);
        referenceToResolve(text, other);
        parseChallenges(text);
        keyMatches(text, other);
        pullSecretCredentials({ dockerconfigjson: text, dockercfg: other }, 'ghcr.io', 's');
      }),
    );
  });
  it('a valid reference parses, and its normalised form parses to the same reference', () => {
    fc.assert(
      fc.property(reference, (text) => {
        const parsed = parseReference(text);
        assert.ok(!('problem' in parsed), `${text}: ${'problem' in parsed ? parsed.problem : ''}`);
        assert.deepEqual(parseReference(formatReference(parsed)), parsed);
      }),
    );
  });
  it('every quoted parameter value of a challenge comes back unescaped', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 40 }), fc.string({ maxLength: 40 }), (realm, scope) => {
        const quote = (value: string): string => `"${value.replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"`;
        assert.deepEqual(parseChallenges(`Bearer realm=${quote(realm)},scope=${quote(scope)}`), [
          { scheme: 'bearer', params: { realm, scope } },
        ]);
      }),
    );
  });
});
