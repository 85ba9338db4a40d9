import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEFAULT_MUTATION_CONFIG } from '../../src/mutation/config.js';
import {
  isImageReference,
  isValidMountPath,
  resolveOptions,
  validateMutationConfig,
} from '../../src/mutation/options.js';

test('options default from config', () => {
  assert.deepEqual(resolveOptions({}, DEFAULT_MUTATION_CONFIG), {
    ok: true,
    options: {
      containers: undefined,
      toolsImage: 'busybox:1.37.0-musl',
      ttlSeconds: 86400,
      volumePolicy: 'empty',
      keepProbes: false,
      allowOwned: false,
      mountPath: '/debug-dead',
    },
  });
});

test('every annotation maps to its option', () => {
  const annotations = {
    'debug.dead/enable': 'true',
    'debug.dead/container': 'a,b',
    'debug.dead/image': 'quay.io/tools/busybox:1.36',
    'debug.dead/ttl': '45m',
    'debug.dead/volumes': 'readonly',
    'debug.dead/keep-probes': 'true',
    'debug.dead/allow-owned': 'false',
    'debug.dead/source': 'ns/pod',
  };
  assert.deepEqual(resolveOptions(annotations, DEFAULT_MUTATION_CONFIG), {
    ok: true,
    options: {
      containers: ['a', 'b'],
      toolsImage: 'quay.io/tools/busybox:1.36',
      ttlSeconds: 2700,
      volumePolicy: 'readonly',
      keepProbes: true,
      allowOwned: false,
      mountPath: '/debug-dead',
    },
  });
});

test('image references', () => {
  const valid = [
    'busybox',
    'busybox:1.37.0-musl',
    'docker.io/library/busybox:1.37.0',
    'localhost:5000/a/b_c__d-e:v1',
    `busybox@sha256:${'0'.repeat(64)}`,
    '[::1]:5000/x:y',
  ];
  const invalid = ['', 'Busybox', 'busy box', 'busybox:', ':tag', 'a//b', 'busybox@sha256:abc', `x:${'t'.repeat(129)}`];
  assert.deepEqual(
    valid.filter((image) => !isImageReference(image)),
    [],
  );
  assert.deepEqual(
    invalid.filter((image) => isImageReference(image)),
    [],
  );
});

test('mount paths', () => {
  assert.deepEqual(
    ['/debug-dead', '/opt/dd', '/a.b_c-d'].filter((path) => !isValidMountPath(path)),
    [],
  );
  assert.deepEqual(
    ['debug-dead', '/', '/a/', '/a//b', '/a/../b', '/a b', '/$(X)', '/a%s', `/${'a'.repeat(101)}`].filter(
      isValidMountPath,
    ),
    [],
  );
});

test('config validation names the bad setting', () => {
  assert.equal(validateMutationConfig(DEFAULT_MUTATION_CONFIG), undefined);
  assert.equal(
    validateMutationConfig({ ...DEFAULT_MUTATION_CONFIG, toolsImage: 'Bad Image' }),
    'tools image "Bad Image" is not an image reference; use e.g. busybox:1.37.0-musl',
  );
  assert.equal(
    validateMutationConfig({ ...DEFAULT_MUTATION_CONFIG, defaultTtlSeconds: 0 }),
    'default TTL 0 is not a positive number of seconds; use e.g. 24h',
  );
  assert.equal(
    validateMutationConfig({ ...DEFAULT_MUTATION_CONFIG, mountPath: 'tools' }),
    'mount path "tools" must be an absolute path of letters, digits, ".", "_", "-" and "/" (e.g. /debug-dead)',
  );
});
