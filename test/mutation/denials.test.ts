/** The denial rules (SPEC §3.5): one ordered list; the first that objects denies. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEFAULT_MUTATION_CONFIG, DENIAL_RULES, mutatePod, type JsonObject } from '../../src/mutation/index.js';
import { firstDenial } from '../../src/mutation/denials.js';
import { describeSubject } from '../../src/mutation/subject.js';
import { pod } from '../helpers/pods.js';

test('the rules, in the order they are judged', () => {
  assert.deepEqual(
    DENIAL_RULES.map((rule) => rule.name),
    [
      'a valid pod',
      'not a Windows pod',
      'valid debug.dead/* annotations',
      'no controller owner unless allowed',
      'target containers exist',
      'at most 100 target containers',
      'the mutation adds at most 1024 KiB',
    ],
  );
});

test('the first objection wins: a Windows pod with a bad TTL is denied as a Windows pod', () => {
  const result = mutatePod(
    pod({ annotations: { 'debug.dead/ttl': 'soon' }, spec: { os: { name: 'windows' } } }),
    DEFAULT_MUTATION_CONFIG,
  );
  assert.ok(result.outcome === 'denied');
  assert.match(result.message, /^this is a Windows pod/);
});

test('a rule is one entry: a list with one more rule denies by it, after the others', () => {
  const input = pod({ metadata: { name: 'prod-db' } });
  const subject = describeSubject(input, input.metadata as JsonObject, {}, DEFAULT_MUTATION_CONFIG);
  const noProd = { name: 'not in prod', deny: () => 'pods named prod-* are not debugged here' };
  assert.equal(firstDenial(subject), undefined);
  assert.equal(firstDenial(subject, [...DENIAL_RULES, noProd]), 'pods named prod-* are not debugged here');
});
