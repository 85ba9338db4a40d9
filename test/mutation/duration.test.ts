import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatDuration, parseDuration } from '../../src/mutation/duration.js';

const parsed: [string, number | undefined][] = [
  ['90s', 90],
  ['90m', 5400],
  ['8h', 28800],
  ['2d', 172800],
  ['1h30m', 5400],
  ['1.5h', 5400],
  ['.5m', 30],
  ['1d2h3m4s', 93784],
  [' 8h ', 28800],
  ['0.1s', 1],
  ['0s', undefined],
  ['0h0m', undefined],
  ['', undefined],
  ['8', undefined],
  ['8 h', undefined],
  ['-1h', undefined],
  ['1w', undefined],
  ['100ms', undefined],
  ['1h-5m', undefined],
  ['h', undefined],
  ['1e3s', undefined],
  ['Infinity', undefined],
];
for (const [text, seconds] of parsed) {
  test(`parseDuration(${JSON.stringify(text)}) = ${String(seconds)}`, () => assert.equal(parseDuration(text), seconds));
}

test('formatDuration prints like kubectl ages', () => {
  assert.deepEqual([0, 59, 90, 3600, 5400, 86400, 129600, 93784].map(formatDuration), [
    '0s',
    '59s',
    '1m30s',
    '1h',
    '1h30m',
    '1d',
    '1d12h',
    '1d2h3m4s',
  ]);
});

test('parse and format round-trip for whole seconds', () => {
  for (const seconds of [1, 61, 3599, 3600, 86399, 86401, 2_147_483_647]) {
    assert.equal(parseDuration(formatDuration(seconds)), seconds);
  }
});
