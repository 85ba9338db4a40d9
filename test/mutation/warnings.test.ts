import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DEFAULT_MUTATION_CONFIG, MAX_WARNING_LENGTH, capWarning, mutatePod } from '../../src/mutation/index.js';
import { pod } from '../helpers/pods.js';

describe('warnings are made to fit in the core, once', () => {
  test('short one-line warnings pass as they are', () => {
    assert.equal(capWarning('volume data replaced by an emptyDir'), 'volume data replaced by an emptyDir');
  });

  test(`long warnings are cut to ${MAX_WARNING_LENGTH} characters, never splitting a surrogate pair`, () => {
    const long = `${'a'.repeat(118)}😀😀😀`;
    const cut = capWarning(long);
    assert.equal(Array.from(cut).length, MAX_WARNING_LENGTH);
    assert.equal(cut, `${'a'.repeat(118)}😀…`);
  });

  test('control characters become spaces: one line', () => {
    assert.equal(capWarning('line one\nline two\r\tend\n'), 'line one line two end');
  });

  test('a warning built from a long volume name comes out of mutatePod capped', () => {
    const name = `v${'x'.repeat(62)}`;
    const result = mutatePod(
      pod({
        spec: {
          containers: [{ name: 'app', image: 'a', volumeMounts: [{ name, mountPath: `/data/${'d'.repeat(80)}` }] }],
          volumes: [{ name, persistentVolumeClaim: { claimName: `claim-${'c'.repeat(50)}` } }],
        },
      }),
      DEFAULT_MUTATION_CONFIG,
    );
    assert.ok(result.outcome === 'mutated');
    assert.deepEqual(
      result.warnings.map((warning) => [Array.from(warning).length, warning.endsWith('…')]),
      [[MAX_WARNING_LENGTH, true]],
    );
  });
});
