import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DEFAULT_MUTATION_CONFIG } from '../../src/mutation/config.js';
import {
  OPTIONS,
  annotationDenial,
  checkOption,
  isImageReference,
  isOptionProblem,
  isValidMountPath,
  parseImageCommand,
  parseOption,
  resolveOptions,
  type OptionName,
  type OptionProblem,
} from '../../src/mutation/options.js';

const DIGEST = `sha256:${'ab'.repeat(32)}`;

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
      imageCommands: {},
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
    'debug.dead/image-command': JSON.stringify({ a: { entrypoint: ['/app'], cmd: null, digest: DIGEST } }),
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
      imageCommands: { a: { entrypoint: ['/app'], cmd: null, digest: DIGEST } },
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

describe('checkOption: the one judge of every option value', () => {
  const problems: [OptionName, string, Omit<OptionProblem, 'option' | 'value'> | undefined][] = [
    ['image', 'busybox:1.37.0-musl', undefined],
    [
      'image',
      'Bad Image',
      {
        reason: 'is not an image reference',
        valid: 'e.g. busybox:1.37.0-musl (a static busybox at /bin/busybox)',
      },
    ],
    ['ttl', '90m', undefined],
    [
      'ttl',
      '0s',
      {
        reason: 'is not a duration',
        valid: 'a positive Go duration such as 90m, 8h, 1h30m or 2d (units s, m, h, d)',
      },
    ],
    [
      'ttl',
      '30000d',
      {
        reason: 'is longer than Kubernetes allows (2147483647s, about 68 years)',
        valid: 'a positive Go duration such as 90m, 8h, 1h30m or 2d (units s, m, h, d)',
      },
    ],
    ['mountPath', '/opt/tools/', undefined],
    [
      'mountPath',
      'tools',
      {
        reason: 'is not a usable mount path',
        valid: 'an absolute path of letters, digits, ".", "_", "-" and "/", like /debug-dead',
      },
    ],
    ['container', 'a, b', undefined],
    [
      'container',
      ' , ',
      { reason: 'names no container', valid: 'a comma list of container names, or "*" for all containers' },
    ],
    ['volumes', 'readonly', undefined],
    [
      'volumes',
      'keep',
      {
        reason: 'is not a volume policy',
        valid: '"empty" (PVCs become emptyDir, the default) or "readonly" (PVCs kept, mounted read-only)',
      },
    ],
    ['keepProbes', 'false', undefined],
    ['keepProbes', 'yes', { reason: 'is not valid', valid: '"true" or "false"' }],
    ['allowOwned', '1', { reason: 'is not valid', valid: '"true" or "false"' }],
  ];
  for (const [option, value, expected] of problems) {
    test(`${option} ${JSON.stringify(value)}`, () => {
      assert.deepEqual(checkOption(option, value), expected === undefined ? undefined : { option, value, ...expected });
    });
  }

  test('parseOption gives the value a surface uses', () => {
    assert.deepEqual(parseOption('ttl', '1h30m'), { ok: true, value: 5400 });
    assert.deepEqual(parseOption('mountPath', ' /opt/tools/ '), { ok: true, value: '/opt/tools' });
    assert.deepEqual(parseOption('container', 'a, b,a,'), { ok: true, value: ['a', 'b'] });
  });

  test('every option that a pod can set has its annotation declared once', () => {
    assert.deepEqual(
      Object.entries(OPTIONS).map(([name, option]) => [name, option.annotation]),
      [
        ['container', 'debug.dead/container'],
        ['image', 'debug.dead/image'],
        ['ttl', 'debug.dead/ttl'],
        ['volumes', 'debug.dead/volumes'],
        ['keepProbes', 'debug.dead/keep-probes'],
        ['allowOwned', 'debug.dead/allow-owned'],
        ['mountPath', undefined],
        ['imageCommand', 'debug.dead/image-command'],
      ],
    );
  });

  test('the webhook words a problem as an annotation denial, long values shortened', () => {
    const ttl = checkOption('ttl', 'forever');
    assert.ok(ttl !== undefined);
    assert.equal(
      annotationDenial(ttl),
      'annotation debug.dead/ttl: "forever" is not a duration; use a positive Go duration such as 90m, 8h, 1h30m or 2d (units s, m, h, d)',
    );
    const long = checkOption('image', 'X'.repeat(200));
    assert.ok(long !== undefined);
    assert.match(annotationDenial(long), /^annotation debug\.dead\/image: "X{77}\.\.\." is not an image reference;/);
  });
});

describe('debug.dead/image-command', () => {
  const valid: [string, unknown][] = [
    ['entrypoint and cmd', { app: { entrypoint: ['/app', '--x'], cmd: ['serve'], digest: DIGEST } }],
    ['nulls', { app: { entrypoint: null, cmd: null, digest: DIGEST } }],
    ['absent fields are null', { app: { digest: DIGEST } }],
    [
      'several containers, hostile strings',
      {
        a: { entrypoint: ['$(X)', "'", '\n', ''], cmd: null, digest: DIGEST },
        b: { entrypoint: null, cmd: ['$$'], digest: DIGEST },
      },
    ],
    ['no container', {}],
  ];
  for (const [name, value] of valid) {
    test(`valid: ${name}`, () => {
      const parsed = parseImageCommand(JSON.stringify(value));
      assert.equal(isOptionProblem(parsed), false);
      const entries = Object.entries(value as Record<string, { entrypoint?: unknown; cmd?: unknown; digest: string }>);
      assert.deepEqual(
        parsed,
        Object.fromEntries(
          entries.map(([container, entry]) => [
            container,
            { entrypoint: entry.entrypoint ?? null, cmd: entry.cmd ?? null, digest: entry.digest },
          ]),
        ),
      );
    });
  }

  const invalid: [string, string, string][] = [
    ['not JSON', '{app', 'is not JSON'],
    ['a list', '[]', 'is not a JSON object keyed by container name'],
    ['a string', '"app"', 'is not a JSON object keyed by container name'],
    [
      'an empty container name',
      JSON.stringify({ '': { digest: DIGEST } }),
      'is not valid: it has an empty container name',
    ],
    [
      'an entry that is not an object',
      JSON.stringify({ app: ['/app'] }),
      'is not valid: container "app" must be an object with "entrypoint", "cmd" and "digest"',
    ],
    [
      'a misspelt field',
      JSON.stringify({ app: { entryPoint: ['/app'], digest: DIGEST } }),
      'is not valid: container "app" has an unknown field "entryPoint"',
    ],
    [
      'an entrypoint string',
      JSON.stringify({ app: { entrypoint: '/app', digest: DIGEST } }),
      'is not valid: container "app" "entrypoint" must be a list of strings or null',
    ],
    [
      'a cmd of numbers',
      JSON.stringify({ app: { cmd: [1], digest: DIGEST } }),
      'is not valid: container "app" "cmd" must be a list of strings or null',
    ],
    [
      'a NUL in an argument',
      JSON.stringify({ app: { cmd: ['a\u0000b'], digest: DIGEST } }),
      'is not valid: container "app" "cmd" must not contain a NUL character',
    ],
    [
      'no digest',
      JSON.stringify({ app: { entrypoint: ['/app'] } }),
      'is not valid: container "app" "digest" must be "sha256:" and 64 lower-case hex digits',
    ],
    [
      'a short digest',
      JSON.stringify({ app: { digest: 'sha256:abc' } }),
      'is not valid: container "app" "digest" must be "sha256:" and 64 lower-case hex digits',
    ],
    [
      'an upper-case digest',
      JSON.stringify({ app: { digest: DIGEST.toUpperCase() } }),
      'is not valid: container "app" "digest" must be "sha256:" and 64 lower-case hex digits',
    ],
  ];
  for (const [name, value, reason] of invalid) {
    test(`invalid: ${name}`, () => {
      assert.deepEqual(parseImageCommand(value), {
        option: 'imageCommand',
        value,
        reason,
        valid: OPTIONS.imageCommand.valid,
      });
    });
  }
});
