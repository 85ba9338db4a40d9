import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { UsageError } from '../../src/errors.js';
import { DEFAULT_MUTATION_CONFIG } from '../../src/mutation/index.js';
import { HELP_TEXT, parseConfig, type WebhookConfig } from '../../src/webhook/config.js';
import { REVIEW_LIMITS, SERVER_LIMITS } from '../../src/webhook/limits.js';

const DEFAULTS: WebhookConfig = {
  host: undefined,
  port: 8443,
  tlsCert: undefined,
  tlsKey: undefined,
  certsDir: 'certs',
  mutation: { ...DEFAULT_MUTATION_CONFIG },
  logLevel: 'info',
  bodyLimitBytes: 6 * 1024 * 1024,
  shutdownTimeoutMs: 5000,
  server: {
    headersTimeoutMs: 15_000,
    requestTimeoutMs: 10_000,
    idleTimeoutMs: 95_000,
    writeTimeoutMs: 10_000,
    maxConnections: 512,
  },
  reviews: {
    maxReviews: 1,
    smallBodyBytes: 65_536,
    queueTimeoutMs: 2000,
    workers: 1,
    workerHeapMiB: 160,
    workerTimeoutMs: 10_000,
  },
  help: false,
};

function usageMessage(argv: string[], env: Record<string, string> = {}): string {
  try {
    parseConfig(argv, env);
  } catch (error) {
    assert.ok(error instanceof UsageError, `expected a UsageError, got ${String(error)}`);
    return error.message;
  }
  assert.fail(`expected ${JSON.stringify(argv)} ${JSON.stringify(env)} to be refused`);
}

void describe('parseConfig', () => {
  void it('has the documented defaults with no flags and no environment', () => {
    assert.deepEqual(parseConfig([], {}), DEFAULTS);
  });

  void it('reads every option from flags, in both --flag value and --flag=value form', () => {
    const config = parseConfig(
      [
        '--host=127.0.0.1',
        '--port',
        '9443',
        '--tls-cert',
        '/tls/tls.crt',
        '--tls-key=/tls/tls.key',
        '--certs-dir',
        '/tmp/certs',
        '--tools-image',
        'registry.example/busybox:1.37.0-musl',
        '--default-ttl',
        '90m',
        '--mount-path',
        '/opt/tools/',
        '--log-level',
        'DEBUG',
        '--body-limit',
        '4Mi',
        '--shutdown-timeout',
        '3s',
        '--header-timeout',
        '2s',
        '--max-connections=100',
        '--max-reviews',
        '3',
        '--review-workers=4',
      ],
      {},
    );
    assert.deepEqual(config, {
      host: '127.0.0.1',
      port: 9443,
      tlsCert: '/tls/tls.crt',
      tlsKey: '/tls/tls.key',
      certsDir: '/tmp/certs',
      mutation: {
        toolsImage: 'registry.example/busybox:1.37.0-musl',
        defaultTtlSeconds: 5400,
        mountPath: '/opt/tools',
      },
      logLevel: 'debug',
      bodyLimitBytes: 4 * 1024 * 1024,
      shutdownTimeoutMs: 3000,
      server: { ...SERVER_LIMITS, headersTimeoutMs: 2000, maxConnections: 100 },
      reviews: { ...REVIEW_LIMITS, maxReviews: 3, workers: 4 },
      help: false,
    } satisfies WebhookConfig);
  });

  void it('reads every option from DEBUGDEAD_* variables', () => {
    const config = parseConfig([], {
      DEBUGDEAD_HOST: '::',
      DEBUGDEAD_PORT: '10443',
      DEBUGDEAD_TLS_CERT: '/a.crt',
      DEBUGDEAD_TLS_KEY: '/a.key',
      DEBUGDEAD_CERTS_DIR: 'elsewhere',
      DEBUGDEAD_TOOLS_IMAGE: 'busybox:1.36.1-musl',
      DEBUGDEAD_DEFAULT_TTL: '2d',
      DEBUGDEAD_MOUNT_PATH: '/dbg',
      DEBUGDEAD_LOG_LEVEL: 'warn',
      DEBUGDEAD_BODY_LIMIT: '3145728',
      DEBUGDEAD_SHUTDOWN_TIMEOUT: '1m',
      DEBUGDEAD_HEADER_TIMEOUT: '30s',
      DEBUGDEAD_MAX_CONNECTIONS: '2000',
      DEBUGDEAD_MAX_REVIEWS: '16',
      DEBUGDEAD_REVIEW_WORKERS: '3',
    });
    assert.deepEqual(config, {
      host: '::',
      port: 10443,
      tlsCert: '/a.crt',
      tlsKey: '/a.key',
      certsDir: 'elsewhere',
      mutation: { toolsImage: 'busybox:1.36.1-musl', defaultTtlSeconds: 172800, mountPath: '/dbg' },
      logLevel: 'warn',
      bodyLimitBytes: 3145728,
      shutdownTimeoutMs: 60000,
      server: { ...SERVER_LIMITS, headersTimeoutMs: 30_000, maxConnections: 2000 },
      reviews: { ...REVIEW_LIMITS, maxReviews: 16, workers: 3 },
      help: false,
    } satisfies WebhookConfig);
  });

  void it('lets a flag win over its variable, and ignores unrelated and empty variables', () => {
    const config = parseConfig(['--port', '7443', '--default-ttl', '8h'], {
      DEBUGDEAD_PORT: '9999',
      DEBUGDEAD_DEFAULT_TTL: '1h',
      DEBUGDEAD_LOG_LEVEL: '',
      PORT: '1',
    });
    assert.deepEqual(
      { port: config.port, ttl: config.mutation.defaultTtlSeconds, logLevel: config.logLevel },
      { port: 7443, ttl: 8 * 3600, logLevel: 'info' },
    );
  });

  void it('accepts port 0 (a free port, for tests)', () => {
    assert.equal(parseConfig(['--port', '0'], {}).port, 0);
  });

  void it('sets help for -h and --help, and the help names every flag and variable', () => {
    assert.equal(parseConfig(['-h'], {}).help, true);
    assert.equal(parseConfig(['--help'], {}).help, true);
    for (const name of [
      'port',
      'tls-cert',
      'tls-key',
      'tools-image',
      'default-ttl',
      'mount-path',
      'log-level',
      'header-timeout',
      'max-connections',
      'max-reviews',
      'review-workers',
    ]) {
      assert.match(HELP_TEXT, new RegExp(`--${name} `));
      assert.match(HELP_TEXT, new RegExp(`DEBUGDEAD_${name.toUpperCase().replaceAll('-', '_')}\\b`));
    }
  });

  const refused: [string, string[], Record<string, string>, RegExp][] = [
    [
      'a port that is not a number',
      ['--port', 'https'],
      {},
      /^--port: "https" is not a port; use a number from 0 to 65535/,
    ],
    ['a port out of range', [], { DEBUGDEAD_PORT: '70000' }, /^DEBUGDEAD_PORT: "70000" is not a port/],
    [
      'a connection cap of zero',
      ['--max-connections', '0'],
      {},
      /^--max-connections: "0" is not a count; use a whole number of at least 1, like 512$/,
    ],
    [
      'a review cap that is not a number',
      [],
      { DEBUGDEAD_MAX_REVIEWS: 'many' },
      /^DEBUGDEAD_MAX_REVIEWS: "many" is not a count/,
    ],
    [
      'no review workers',
      ['--review-workers', '0'],
      {},
      /^--review-workers: "0" is not a count; use a whole number of at least 1, like 1$/,
    ],
    [
      'a header timeout that is not a duration',
      ['--header-timeout', 'soon'],
      {},
      /^--header-timeout: "soon" is not a duration/,
    ],
    ['a negative port', ['--port=-1'], {}, /^--port: "-1" is not a port/],
    [
      'a bad duration',
      ['--default-ttl', 'forever'],
      {},
      /^--default-ttl: "forever" is not a duration; use a positive Go duration .* \(default: 1d\)$/,
    ],
    ['a zero duration', [], { DEBUGDEAD_DEFAULT_TTL: '0s' }, /^DEBUGDEAD_DEFAULT_TTL: "0s" is not a duration/],
    [
      'a relative mount path',
      ['--mount-path', 'tools'],
      {},
      /^--mount-path: "tools" is not a usable mount path; use an absolute path/,
    ],
    ['the root as mount path', ['--mount-path', '/'], {}, /^--mount-path: "\/" is not a usable mount path/],
    [
      'a mount path with ..',
      [],
      { DEBUGDEAD_MOUNT_PATH: '/a/../etc' },
      /^DEBUGDEAD_MOUNT_PATH: .* not a usable mount path/,
    ],
    ['an image with spaces', ['--tools-image', 'busy box'], {}, /^--tools-image: "busy box" is not an image reference/],
    [
      'an image in capitals',
      ['--tools-image', 'BusyBox:1'],
      {},
      /^--tools-image: "BusyBox:1" is not an image reference/,
    ],
    [
      'a mount path the keep-alive cannot use',
      ['--mount-path', '/tools/$(HOME)'],
      {},
      /^--mount-path: "\/tools\/\$\(HOME\)" is not a usable mount path/,
    ],
    [
      'a TTL above activeDeadlineSeconds',
      ['--default-ttl', '30000d'],
      {},
      /^--default-ttl: "30000d" is longer than Kubernetes allows/,
    ],
    [
      'an unknown log level',
      ['--log-level', 'verbose'],
      {},
      /^--log-level: "verbose" is not a log level; use one of fatal, error, warn, info, debug, trace, silent$/,
    ],
    ['a body limit below 3Mi', ['--body-limit', '1Mi'], {}, /^--body-limit: 1Mi is below 3Mi; .* use at least 3Mi/],
    [
      'a body limit that is not a size',
      [],
      { DEBUGDEAD_BODY_LIMIT: 'lots' },
      /^DEBUGDEAD_BODY_LIMIT: "lots" is not a size/,
    ],
    [
      'a certificate without its key',
      ['--tls-cert', '/a.crt'],
      {},
      /^--tls-cert is set but --tls-key \(DEBUGDEAD_TLS_KEY\) is not; give both/,
    ],
    [
      'a key without its certificate',
      [],
      { DEBUGDEAD_TLS_KEY: '/a.key' },
      /^DEBUGDEAD_TLS_KEY is set but --tls-cert \(DEBUGDEAD_TLS_CERT\) is not/,
    ],
    ['an unknown flag', ['--prot', '1'], {}, /^unknown option --prot; valid options: --host, --port, /],
    ['a positional argument', ['serve'], {}, /^unexpected argument "serve"/],
    ['a flag without its value', ['--port'], {}, /^--port needs a value: --port PORT$/],
    ['a flag followed by another flag', ['--tls-cert', '--tls-key', 'k'], {}, /^--tls-cert needs a value/],
    ['an empty flag value', ['--tools-image='], {}, /^--tools-image needs a value, got an empty one/],
  ];
  for (const [what, argv, env, message] of refused) {
    void it(`refuses ${what} with a message naming the flag or variable and the fix`, () => {
      assert.match(usageMessage(argv, env), message);
    });
  }

  void it('reports a bad value even when the variable would be fine: the flag is what counts', () => {
    assert.match(usageMessage(['--port', 'x'], { DEBUGDEAD_PORT: '8443' }), /^--port: "x"/);
  });
});
