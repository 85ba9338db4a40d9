import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { YAML11_SCHEMA, load } from 'js-yaml';
import type { JsonValue } from '../../src/mutation/index.js';
import { readYamlDocuments, toYaml } from '../../src/cli/text/yaml.js';
import { jsonValue } from '../helpers/json-arbitrary.js';

/** Reads YAML back under YAML 1.2 (js-yaml's default) and YAML 1.1 (the family kubectl's parser belongs to). */
function both(text: string): [unknown, unknown] {
  return [load(text), load(text, { schema: YAML11_SCHEMA })];
}

function normalised(value: JsonValue): unknown {
  return JSON.parse(JSON.stringify(value)) as unknown;
}

describe('toYaml: JSON values as YAML that reads back identically', () => {
  const exact: { name: string; value: JsonValue; yaml: string }[] = [
    {
      name: "kubectl's layout: sequences at their key's indentation",
      value: {
        metadata: { name: 'x', labels: { app: 'web' } },
        spec: { containers: [{ name: 'app', args: ['-c', '--port=8080'] }] },
      },
      yaml: 'metadata:\n  name: x\n  labels:\n    app: web\nspec:\n  containers:\n  - name: app\n    args:\n    - -c\n    - --port=8080\n',
    },
    {
      // 1.37.0 is plain: no YAML 1.1 or 1.2 resolver reads it as a number (kubectl prints image tags so too).
      name: 'strings YAML 1.1 would retype are quoted (keys too: n is false there), plain ones are not',
      value: {
        a: 'on',
        b: 'yes',
        c: 'N',
        d: '012',
        e: '1e3',
        f: 'true',
        g: '',
        h: 'null',
        i: '~',
        j: '1.37.0',
        k: 'busybox:1.37.0-musl',
        l: 'a: b',
        m: '2025-03-01',
        n: '-1',
        o: '<<',
        p: '=',
        q: '0x1F',
        r: '0o17',
        s: '1_000',
        t: '.inf',
        u: 'Off',
        v: 'y',
        w: '1:30',
        x: '+1',
      },
      yaml:
        'a: "on"\nb: "yes"\nc: "N"\nd: "012"\ne: "1e3"\nf: "true"\ng: ""\nh: "null"\ni: "~"\nj: 1.37.0\nk: busybox:1.37.0-musl\nl: "a: b"\n' +
        'm: "2025-03-01"\n"n": "-1"\no: "<<"\np: "="\nq: "0x1F"\nr: "0o17"\ns: "1_000"\nt: ".inf"\nu: "Off"\nv: "y"\nw: "1:30"\nx: "+1"\n',
    },
    {
      name: 'multi-line strings become literal blocks with the right chomping',
      value: { clip: 'a\nb\n', strip: 'a\nb', keep: 'a\n\n\n', list: ['x\ny\n'] },
      yaml: 'clip: |\n  a\n  b\nstrip: |-\n  a\n  b\nkeep: |+\n  a\n\n\nlist:\n- |\n  x\n  y\n',
    },
    {
      name: 'empty collections, null, booleans, numbers',
      value: { a: {}, b: [], c: null, d: false, e: 0.5, f: 5e-7, g: [[1, 2], []] },
      // 5.e-7: a float in both YAML 1.1 (which needs the dot) and 1.2.
      yaml: 'a: {}\nb: []\nc: null\nd: false\ne: 0.5\nf: 5.e-7\ng:\n- - 1\n  - 2\n- []\n',
    },
  ];
  for (const testCase of exact) {
    it(testCase.name, async () => {
      const text = await toYaml(testCase.value);
      assert.equal(text, testCase.yaml);
      for (const read of both(text)) assert.deepEqual(read, normalised(testCase.value));
    });
  }

  it('any JSON value reads back identically under YAML 1.2 and YAML 1.1 (property)', async () => {
    const text = fc.oneof(
      fc.string({ unit: 'binary', maxLength: 40 }),
      fc.constantFrom(
        'on',
        'Off',
        'YES',
        'n',
        '0x1F',
        '0o17',
        '1_000',
        '1:30',
        '.inf',
        '-.5',
        '2001-12-14t21:59:43.10-05:00',
        ' lead',
        'trail ',
        'a #b',
        '- x',
        '? x',
        '*ref',
        '&a',
        '!tag',
        '%x',
        '@x',
        '`x',
        '|x',
        '>x',
        "'x",
        '"x',
        '{x',
        '[x',
        ',x',
        '#x',
        'x:',
        'a\r\nb',
        '\n',
        'x\n  y\n',
        '  \nx',
        'x\n \ny',
        '\t\nx',
      ),
    );
    await fc.assert(
      fc.asyncProperty(jsonValue(text), async (value) => {
        const yaml = await toYaml(value as JsonValue);
        for (const read of both(yaml)) assert.deepEqual(read, normalised(value as JsonValue), yaml);
        assert.deepEqual(
          await readYamlDocuments(yaml),
          [normalised(value as JsonValue)].filter((v) => v !== null),
        );
      }),
      { numRuns: 3000 },
    );
  });
});
