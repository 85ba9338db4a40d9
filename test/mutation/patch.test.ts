import assert from 'node:assert/strict';
import { test } from 'node:test';
import jsonpatch from 'fast-json-patch';
import { diff, escapePointerToken } from '../../src/mutation/patch.js';
import type { JsonObject, JsonPatchOperation } from '../../src/mutation/types.js';

const cases: { name: string; before: JsonObject; after: JsonObject; ops: JsonPatchOperation[] }[] = [
  { name: 'equal objects give no operation', before: { a: [1, { b: 2 }] }, after: { a: [1, { b: 2 }] }, ops: [] },
  {
    name: 'keys with / and ~ are escaped',
    before: { metadata: { annotations: { 'a/b~c': '1' } } },
    after: { metadata: { annotations: { 'a/b~c': '2', 'debug.dead/enable': 'true' } } },
    ops: [
      { op: 'replace', path: '/metadata/annotations/a~1b~0c', value: '2' },
      { op: 'add', path: '/metadata/annotations/debug.dead~1enable', value: 'true' },
    ],
  },
  {
    name: 'a missing array is added whole (never add into it)',
    before: { spec: {} },
    after: { spec: { initContainers: [{ name: 't' }] } },
    ops: [{ op: 'add', path: '/spec/initContainers', value: [{ name: 't' }] }],
  },
  {
    name: 'an element inserted first into an existing array is one add at index 0',
    before: { spec: { initContainers: [{ name: 'a' }, { name: 'b' }] } },
    after: { spec: { initContainers: [{ name: 't' }, { name: 'a' }, { name: 'b' }] } },
    ops: [{ op: 'add', path: '/spec/initContainers/0', value: { name: 't' } }],
  },
  {
    name: 'an element appended and one changed in place',
    before: { volumes: [{ name: 'a', persistentVolumeClaim: { claimName: 'c' } }] },
    after: {
      volumes: [
        { name: 'a', emptyDir: {} },
        { name: 'tools', emptyDir: {} },
      ],
    },
    ops: [
      { op: 'remove', path: '/volumes/0/persistentVolumeClaim' },
      { op: 'add', path: '/volumes/0/emptyDir', value: {} },
      { op: 'add', path: '/volumes/1', value: { name: 'tools', emptyDir: {} } },
    ],
  },
  {
    name: 'inserted first while a later element changes',
    before: { c: [{ name: 'a', x: 1 }, { name: 'b' }] },
    after: { c: [{ name: 't' }, { name: 'a', x: 2 }, { name: 'b' }] },
    ops: [
      { op: 'add', path: '/c/0', value: { name: 't' } },
      { op: 'replace', path: '/c/1/x', value: 2 },
    ],
  },
  {
    name: 'an element removed from the middle',
    before: { d: [{ name: 'a' }, { name: 'b' }, { name: 'c' }] },
    after: { d: [{ name: 'a' }, { name: 'c' }] },
    ops: [{ op: 'remove', path: '/d/1' }],
  },
  {
    name: 'only existing fields are removed',
    before: { c: { livenessProbe: {}, args: ['x'] } },
    after: { c: {} },
    ops: [
      { op: 'remove', path: '/c/livenessProbe' },
      { op: 'remove', path: '/c/args' },
    ],
  },
  {
    name: 'a changed list of strings is replaced whole',
    before: { command: ['/app', '--flag'] },
    after: { command: ['/debug-dead/busybox', 'sh', '-c', 'x', '/app', '--flag'] },
    ops: [{ op: 'replace', path: '/command', value: ['/debug-dead/busybox', 'sh', '-c', 'x', '/app', '--flag'] }],
  },
  {
    name: 'a value that changes type is replaced',
    before: { a: { b: 1 } },
    after: { a: [1] },
    ops: [{ op: 'replace', path: '/a', value: [1] }],
  },
];

for (const { name, before, after, ops } of cases) {
  test(`diff: ${name}`, () => {
    const operations = diff(before, after);
    assert.deepEqual(operations, ops);
    const patched = jsonpatch.applyPatch(
      structuredClone(before),
      operations as jsonpatch.Operation[],
      true,
      false,
    ).newDocument;
    assert.deepEqual(patched, after);
  });
}

test('escapePointerToken follows RFC 6901', () => {
  assert.deepEqual(['debug.dead/enable', 'a~b', '~/', 'plain', ''].map(escapePointerToken), [
    'debug.dead~1enable',
    'a~0b',
    '~0~1',
    'plain',
    '',
  ]);
});
