import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { dump, load } from 'js-yaml';
import type { JsonValue } from '../../src/mutation/index.js';
import { readYamlFast } from '../../src/cli/text/yaml-read.js';
import { toYaml } from '../../src/cli/text/yaml-emit.js';
import { deploymentPod } from './fixtures.js';

/** js-yaml's answer, or 'error' when it refuses the text. */
function reference(text: string): unknown {
  try {
    return load(text);
  } catch {
    return 'error';
  }
}

/** The fast reader either gives up or agrees with js-yaml; it never accepts what js-yaml refuses. */
function agrees(text: string): boolean {
  const fast = readYamlFast(text);
  if (fast === undefined) return false;
  const expected = reference(text);
  assert.notEqual(expected, 'error', `js-yaml refuses what the fast reader accepted:\n${text}`);
  assert.deepEqual(fast, expected, text);
  return true;
}

const text = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 30 }),
  fc.string({ unit: fc.constantFrom(...Array.from('ab: -#\'"|>[]{},&*!%@`?~.0129eExo\n\t\\')), maxLength: 12 }),
  fc.constantFrom(
    '100m',
    '200Mi',
    '1.37.0',
    'v1.5.4',
    'on',
    'yes',
    'True',
    'NULL',
    '0x1F',
    '0o17',
    '012',
    '1_000',
    '1:30',
    '.inf',
    '-.5',
    '1e3',
    '+1',
    '-',
    '--x',
    'a: b',
    'a #b',
    "it's",
    'x\ny\n',
    '  lead',
    'http://x:80/y',
  ),
);
const json = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    text,
    fc.integer(),
    fc.double({ noNaN: true, noDefaultInfinity: true }),
    fc.boolean(),
    fc.constant(null),
    tie('array'),
    tie('object'),
  ),
  array: fc.array(tie('value'), { maxLength: 4 }),
  object: fc.dictionary(text, tie('value'), { maxKeys: 4 }),
}));
const documents = fc.dictionary(text, json.value, { minKeys: 1, maxKeys: 5 });

describe('readYamlFast: the subset reader agrees with js-yaml or gives up', () => {
  it('reads the heapster example and a dumped real-looking pod', async () => {
    const heapster = await readFile(
      path.join(import.meta.dirname, '..', '..', 'examples', 'heapster-pod.yaml'),
      'utf8',
    );
    assert.ok(agrees(heapster), 'the example is in the subset');
    assert.ok(agrees(dump(deploymentPod())), 'js-yaml’s own layout is in the subset');
    assert.ok(agrees(toYaml(deploymentPod())), 'our layout is in the subset');
  });

  const cases: { name: string; text: string; read: boolean }[] = [
    {
      name: 'comments, blank lines and a document marker',
      text: '---\n# c\na: 1 # one\n\nb:\n  # inner\n  c: "x" # quoted\n',
      read: true,
    },
    {
      name: 'sequences at the key’s indentation and indented',
      text: 'a:\n- 1\n- x: 2\n  y: [ALL, b]\nb:\n  - - 1\n    - 2\n',
      read: true,
    },
    { name: 'literal blocks with each chomping', text: 'a: |\n  x\n\n  y\nb: |-\n  z\nc: |+\n  w\n\n', read: true },
    { name: 'quoted keys and values with escapes', text: "\"a b\": 'it''s'\n'c': \"t\\tu\\u00e9\"\n", read: true },
    { name: 'empty values and collections', text: 'a:\nb: []\nc: {}\nd: ~\ne: null\n', read: true },
    { name: 'anchors and aliases', text: 'a: &x 1\nb: *x\n', read: false },
    { name: 'tags', text: 'a: !!str 1\n', read: false },
    { name: 'folded blocks', text: 'a: >\n  x\n  y\n', read: false },
    { name: 'multi-line plain scalars', text: 'a: x\n  y\n', read: false },
    { name: 'several documents', text: 'a: 1\n---\nb: 2\n', read: false },
    { name: 'CRLF line ends', text: 'a: 1\r\nb: 2\r\n', read: false },
    { name: 'tabs', text: 'a:\n\tb: 1\n', read: false },
    { name: 'duplicate keys (js-yaml refuses them)', text: 'a: 1\na: 2\n', read: false },
    { name: 'a merge key', text: 'a: 1\n<<: {}\n', read: false },
    { name: 'numbers in other spellings', text: 'a: 0x1F\n', read: false },
    { name: 'a top-level scalar', text: 'just text\n', read: false },
    { name: 'a top-level sequence', text: '- a\n- b\n', read: true },
  ];
  for (const testCase of cases) {
    it(testCase.name, () => {
      assert.equal(agrees(testCase.text), testCase.read);
    });
  }

  it('documents in our layout: agrees (property)', () => {
    fc.assert(
      fc.property(documents, (document) => {
        agrees(toYaml(document as JsonValue));
      }),
      { numRuns: 2000 },
    );
  });

  it('manifest-like documents in our layout: mostly read by the fast path (property)', () => {
    const word = fc.stringMatching(/^[a-z][a-z0-9./-]{0,12}$/);
    const value = fc.oneof(
      word,
      fc.integer({ min: 0, max: 100000 }),
      fc.boolean(),
      fc.constantFrom('100m', '200Mi', 'on', 'yes', '', '1.37.0'),
    );
    const manifest = fc.dictionary(
      word,
      fc.oneof(
        value,
        fc.dictionary(word, value, { maxKeys: 3 }),
        fc.array(fc.dictionary(word, value, { maxKeys: 3 }), { maxLength: 3 }),
      ),
      {
        minKeys: 1,
        maxKeys: 6,
      },
    );
    let read = 0;
    let total = 0;
    fc.assert(
      fc.property(manifest, (document) => {
        total += 1;
        if (agrees(toYaml(document))) read += 1;
      }),
      { numRuns: 1000 },
    );
    assert.ok(read / total > 0.9, `read ${read} of ${total}`);
  });

  it('documents in js-yaml’s layouts: agrees (property)', () => {
    fc.assert(
      fc.property(
        documents,
        fc.constantFrom({}, { indent: 4 }, { noArrayIndent: true }, { flowLevel: 2 }, { lineWidth: 20 }),
        (document, options) => {
          agrees(dump(document, options));
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('corrupted documents: never accepts what js-yaml refuses, never disagrees (property)', () => {
    const base = toYaml(deploymentPod());
    fc.assert(
      fc.property(
        fc.nat({ max: base.length }),
        fc.nat({ max: 8 }),
        fc.string({ unit: fc.constantFrom(...Array.from(' :-#\'"|>[]{},&*!\n\t0a')), maxLength: 6 }),
        (at, cut, insert) => {
          agrees(base.slice(0, at) + insert + base.slice(at + cut));
        },
      ),
      { numRuns: 3000 },
    );
  });
});
