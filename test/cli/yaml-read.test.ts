import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { dump } from 'js-yaml';
import type { JsonValue } from '../../src/mutation/index.js';
import { readYamlDocuments, toYaml } from '../../src/cli/text/yaml.js';
import { deploymentPod } from './fixtures.js';
import { jsonValue } from '../helpers/json-arbitrary.js';

/** The documents read, or 'error' when the text is refused. */
async function read(text: string): Promise<unknown[] | 'error'> {
  try {
    return await readYamlDocuments(text);
  } catch {
    return 'error';
  }
}

/** The value as JSON has it (what the reader must give back for what was written). */
function normalised(value: unknown): unknown {
  return JSON.parse(JSON.stringify(value)) as unknown;
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
const documents = fc.dictionary(text, jsonValue(text), { minKeys: 1, maxKeys: 5 });

describe('readYamlDocuments: manifests as the YAML 1.2 core schema reads them (js-yaml)', () => {
  it('reads the heapster example; our layout and js-yaml’s give back the pod that was written', async () => {
    const heapster = await readFile(
      path.join(import.meta.dirname, '..', '..', 'examples', 'heapster-pod.yaml'),
      'utf8',
    );
    const [pod] = (await readYamlDocuments(heapster)) as [{ kind: string; metadata: { name: string } }];
    assert.deepEqual({ kind: pod.kind, name: pod.metadata.name }, { kind: 'Pod', name: 'heapster' });
    assert.deepEqual(await readYamlDocuments(dump(deploymentPod())), [normalised(deploymentPod())]);
    assert.deepEqual(await readYamlDocuments(await toYaml(deploymentPod())), [normalised(deploymentPod())]);
  });

  const cases: { name: string; text: string; documents: unknown[] | 'error' }[] = [
    {
      name: 'comments, blank lines and a document marker',
      text: '---\n# c\na: 1 # one\n\nb:\n  # inner\n  c: "x" # quoted\n',
      documents: [{ a: 1, b: { c: 'x' } }],
    },
    {
      name: 'sequences at the key’s indentation and indented',
      text: 'a:\n- 1\n- x: 2\n  y: [ALL, b]\nb:\n  - - 1\n    - 2\n',
      documents: [{ a: [1, { x: 2, y: ['ALL', 'b'] }], b: [[1, 2]] }],
    },
    {
      name: 'literal blocks with each chomping',
      text: 'a: |\n  x\n\n  y\nb: |-\n  z\nc: |+\n  w\n\n',
      documents: [{ a: 'x\n\ny\n', b: 'z', c: 'w\n\n' }],
    },
    {
      name: 'quoted keys and values with escapes',
      text: "\"a b\": 'it''s'\n'c': \"t\\tu\\u00e9\"\n",
      documents: [{ 'a b': "it's", c: 't\tu\u00e9' }],
    },
    {
      name: 'empty values and collections',
      text: 'a:\nb: []\nc: {}\nd: ~\ne: null\n',
      documents: [{ a: null, b: [], c: {}, d: null, e: null }],
    },
    { name: 'anchors and aliases', text: 'a: &x 1\nb: *x\n', documents: [{ a: 1, b: 1 }] },
    { name: 'tags', text: 'a: !!str 1\n', documents: [{ a: '1' }] },
    { name: 'folded blocks', text: 'a: >\n  x\n  y\n', documents: [{ a: 'x y\n' }] },
    { name: 'multi-line plain scalars', text: 'a: x\n  y\n', documents: [{ a: 'x y' }] },
    { name: 'several documents', text: 'a: 1\n---\nb: 2\n', documents: [{ a: 1 }, { b: 2 }] },
    { name: 'CRLF line ends', text: 'a: 1\r\nb: 2\r\n', documents: [{ a: 1, b: 2 }] },
    { name: 'tabs as indentation are refused', text: 'a:\n\tb: 1\n', documents: 'error' },
    { name: 'duplicate keys are refused', text: 'a: 1\na: 2\n', documents: 'error' },
    {
      name: 'YAML 1.2 core: on and yes are strings, 0x1F a number',
      text: 'a: on\nb: yes\nc: 0x1F\n',
      documents: [{ a: 'on', b: 'yes', c: 31 }],
    },
    { name: 'a top-level scalar', text: 'just text\n', documents: ['just text'] },
    { name: 'a top-level sequence', text: '- a\n- b\n', documents: [['a', 'b']] },
    { name: 'empty documents are left out', text: '---\n---\na: 1\n', documents: [{ a: 1 }] },
  ];
  for (const testCase of cases) {
    it(testCase.name, async () => {
      assert.deepEqual(await read(testCase.text), testCase.documents);
    });
  }

  it('documents in our layout read back as written (property)', async () => {
    await fc.assert(
      fc.asyncProperty(documents, async (document) => {
        assert.deepEqual(await read(await toYaml(document as JsonValue)), [normalised(document)]);
      }),
      { numRuns: 2000 },
    );
  });

  it('documents in js-yaml’s other layouts read back as written (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        documents,
        fc.constantFrom({}, { indent: 4 }, { seqNoIndent: true }, { flowLevel: 2 }, { lineWidth: 20 }),
        async (document, options) => {
          assert.deepEqual(await read(dump(normalised(document), options)), [normalised(document)]);
        },
      ),
      { numRuns: 2000 },
    );
  });
});
