/** The registry client's pure parts, table-driven: references, media types, challenges, credentials, platforms. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseChallenges } from '../../src/registry/challenge.js';
import { parseHelperAnswer } from '../../src/registry/cred-helper.js';
import { dockerConfigCredentials, keyMatches, pullSecretCredentials } from '../../src/registry/credentials.js';
import { mayCarryCredentials } from '../../src/registry/http.js';
import { kindOfManifest, manifestKind } from '../../src/registry/media-types.js';
import { pickPlatform, wantedPlatform, type IndexEntry } from '../../src/registry/platform.js';
import { parseReference, referenceToResolve, registryBaseUrl } from '../../src/registry/reference.js';
import { registryAccessPaths } from '../../src/cli/image/registry-access.js';
import { imageCommandMode } from '../../src/cli/image/image-command-flag.js';
import { containersNeedingImage } from '../../src/cli/image/image-commands.js';
import type { Pod } from '../../src/mutation/index.js';

const D = `sha256:${'a'.repeat(64)}`;

void describe('image references (Docker normalisation)', () => {
  const cases: [string, ReturnType<typeof parseReference>][] = [
    ['nginx', { registry: 'docker.io', repository: 'library/nginx', tag: 'latest', digest: undefined }],
    ['nginx:1.27', { registry: 'docker.io', repository: 'library/nginx', tag: '1.27', digest: undefined }],
    ['bitnami/redis', { registry: 'docker.io', repository: 'bitnami/redis', tag: 'latest', digest: undefined }],
    ['docker.io/nginx', { registry: 'docker.io', repository: 'library/nginx', tag: 'latest', digest: undefined }],
    [
      'index.docker.io/library/nginx:1',
      { registry: 'docker.io', repository: 'library/nginx', tag: '1', digest: undefined },
    ],
    ['registry-1.docker.io/x/y', { registry: 'docker.io', repository: 'x/y', tag: 'latest', digest: undefined }],
    ['ghcr.io/org/app:v1', { registry: 'ghcr.io', repository: 'org/app', tag: 'v1', digest: undefined }],
    ['localhost/app', { registry: 'localhost', repository: 'app', tag: 'latest', digest: undefined }],
    [
      '127.0.0.1:5000/team/app',
      { registry: '127.0.0.1:5000', repository: 'team/app', tag: 'latest', digest: undefined },
    ],
    ['[::1]:5000/app:x', { registry: '[::1]:5000', repository: 'app', tag: 'x', digest: undefined }],
    [`quay.io/a/b@${D}`, { registry: 'quay.io', repository: 'a/b', tag: undefined, digest: D }],
    [`quay.io/a/b:v2@${D}`, { registry: 'quay.io', repository: 'a/b', tag: 'v2', digest: D }],
    [
      'k8s.gcr.io/heapster-amd64:v1.5.4',
      { registry: 'k8s.gcr.io', repository: 'heapster-amd64', tag: 'v1.5.4', digest: undefined },
    ],
    ['', { problem: 'the image reference is empty' }],
    ['UPPER/case', { problem: '"UPPER/case" has an invalid repository name "UPPER/case"' }],
    ['app@sha256:short', { problem: '"app@sha256:short" has an invalid digest "sha256:short"' }],
    ['app:bad tag', { problem: '"app:bad tag" has an invalid tag "bad tag"' }],
  ];
  for (const [input, expected] of cases) {
    it(JSON.stringify(input), () => assert.deepEqual(parseReference(input), expected));
  }

  const statusCases: [string, string | undefined, ReturnType<typeof referenceToResolve>][] = [
    [
      'nginx:1',
      undefined,
      {
        reference: { registry: 'docker.io', repository: 'library/nginx', tag: '1', digest: undefined },
        fromStatus: false,
      },
    ],
    [
      'nginx:1',
      '',
      {
        reference: { registry: 'docker.io', repository: 'library/nginx', tag: '1', digest: undefined },
        fromStatus: false,
      },
    ],
    [
      'nginx:1',
      `docker.io/library/nginx@${D}`,
      {
        reference: { registry: 'docker.io', repository: 'library/nginx', tag: undefined, digest: D },
        fromStatus: true,
      },
    ],
    [
      'nginx:1',
      `docker-pullable://nginx@${D}`,
      {
        reference: { registry: 'docker.io', repository: 'library/nginx', tag: undefined, digest: D },
        fromStatus: true,
      },
    ],
    [
      'ghcr.io/o/a:v1',
      D,
      { reference: { registry: 'ghcr.io', repository: 'o/a', tag: 'v1', digest: undefined }, fromStatus: false },
    ],
    [
      'ghcr.io/o/a:v1',
      'garbage!',
      { reference: { registry: 'ghcr.io', repository: 'o/a', tag: 'v1', digest: undefined }, fromStatus: false },
    ],
  ];
  for (const [image, imageID, expected] of statusCases) {
    it(`image ${image} with imageID ${JSON.stringify(imageID)}`, () =>
      assert.deepEqual(referenceToResolve(image, imageID), expected));
  }

  const urls: [string, string][] = [
    ['docker.io', 'https://registry-1.docker.io'],
    ['ghcr.io', 'https://ghcr.io'],
    ['127.0.0.1:5000', 'http://127.0.0.1:5000'],
    ['127.9.9.9', 'http://127.9.9.9'],
    ['localhost:5000', 'http://localhost:5000'],
    ['[::1]:5000', 'http://[::1]:5000'],
    ['10.0.0.1:5000', 'https://10.0.0.1:5000'],
    ['127.0.0.1.example.com', 'https://127.0.0.1.example.com'],
  ];
  for (const [registry, url] of urls) it(`API base of ${registry}`, () => assert.equal(registryBaseUrl(registry), url));
});

void describe('manifest media types', () => {
  const cases: [string | undefined, ReturnType<typeof manifestKind>][] = [
    ['application/vnd.docker.distribution.manifest.v2+json', 'manifest'],
    ['application/vnd.docker.distribution.manifest.list.v2+json', 'index'],
    ['application/vnd.oci.image.manifest.v1+json', 'manifest'],
    ['application/vnd.oci.image.index.v1+json; charset=utf-8', 'index'],
    ['application/vnd.docker.distribution.manifest.v1+prettyjws', undefined],
    ['text/html', undefined],
    [undefined, undefined],
  ];
  for (const [type, kind] of cases) it(String(type), () => assert.equal(manifestKind(type), kind));

  const shapes: [Record<string, unknown>, string | undefined, ReturnType<typeof kindOfManifest>][] = [
    [{ schemaVersion: 2, manifests: [] }, 'application/json', 'index'],
    [{ schemaVersion: 2, config: {} }, undefined, 'manifest'],
    [{ mediaType: 'application/vnd.oci.image.index.v1+json' }, 'application/vnd.oci.image.manifest.v1+json', 'index'],
    [{ schemaVersion: 1, fsLayers: [] }, 'application/vnd.docker.distribution.manifest.v1+prettyjws', undefined],
    [{ mediaType: 'application/x-other', config: {} }, undefined, undefined],
  ];
  for (const [body, type, kind] of shapes) {
    it(`shape ${JSON.stringify(body)} / ${String(type)}`, () => assert.equal(kindOfManifest(body, type), kind));
  }
});

void describe('WWW-Authenticate challenges', () => {
  const cases: [string | undefined, ReturnType<typeof parseChallenges>][] = [
    [
      'Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/nginx:pull"',
      [
        {
          scheme: 'bearer',
          params: {
            realm: 'https://auth.docker.io/token',
            service: 'registry.docker.io',
            scope: 'repository:library/nginx:pull',
          },
        },
      ],
    ],
    ['Basic realm="Registry Realm"', [{ scheme: 'basic', params: { realm: 'Registry Realm' } }]],
    ['bearer REALM=https://x/t , Service = s', [{ scheme: 'bearer', params: { realm: 'https://x/t', service: 's' } }]],
    [
      'Basic realm="a, b", Bearer realm="https://t/x",scope="repository:a/b:pull,push"',
      [
        { scheme: 'basic', params: { realm: 'a, b' } },
        { scheme: 'bearer', params: { realm: 'https://t/x', scope: 'repository:a/b:pull,push' } },
      ],
    ],
    ['Bearer realm="with \\"quote\\""', [{ scheme: 'bearer', params: { realm: 'with "quote"' } }]],
    ['Bearer realm="unterminated', [{ scheme: 'bearer', params: {} }]],
    ['', []],
    [undefined, []],
    ['"garbage', []],
  ];
  for (const [header, expected] of cases)
    it(JSON.stringify(header), () => assert.deepEqual(parseChallenges(header), expected));
});

void describe('credentials: which entry serves a registry', () => {
  const cases: [string, string, boolean][] = [
    ['https://index.docker.io/v1/', 'docker.io', true],
    ['docker.io', 'docker.io', true],
    ['registry-1.docker.io', 'docker.io', true],
    ['ghcr.io', 'ghcr.io', true],
    ['https://ghcr.io', 'ghcr.io', true],
    ['GHCR.io/some/path', 'ghcr.io', true],
    ['ghcr.io', 'docker.io', false],
    ['127.0.0.1:5000', '127.0.0.1:5000', true],
    ['127.0.0.1:5001', '127.0.0.1:5000', false],
    ['*.example.com', 'r.example.com', true],
    ['*.example.com', 'a.b.example.com', false],
    ['*.example.com', 'example.com', false],
    ['*.example.com:5000', 'r.example.com', false],
    ['example.com', 'evil-example.com', false],
  ];
  for (const [key, registry, expected] of cases)
    it(`${key} ~ ${registry}`, () => assert.equal(keyMatches(key, registry), expected));

  const b64 = (text: string): string => Buffer.from(text).toString('base64');
  it('.dockerconfigjson: auth, then username/password; other registries ignored', () => {
    const json = JSON.stringify({
      auths: {
        'ghcr.io': { auth: b64('u1:p:with:colons') },
        'https://ghcr.io/v1/': { username: 'u2', password: 'p2' },
        'quay.io': { auth: b64('q:q') },
      },
    });
    assert.deepEqual(pullSecretCredentials({ dockerconfigjson: json }, 'ghcr.io', 'pull secret ns/s'), [
      { kind: 'basic', username: 'u1', password: 'p:with:colons', source: 'pull secret ns/s' },
      { kind: 'basic', username: 'u2', password: 'p2', source: 'pull secret ns/s' },
    ]);
  });
  it('an identitytoken entry is an identity credential', () => {
    const json = JSON.stringify({
      auths: { 'myregistry.azurecr.io': { auth: b64('00000000-0000-0000-0000-000000000000:'), identitytoken: 'rt' } },
    });
    assert.deepEqual(pullSecretCredentials({ dockerconfigjson: json }, 'myregistry.azurecr.io', 's'), [
      { kind: 'identity', identityToken: 'rt', source: 's' },
    ]);
  });
  it('.dockercfg (legacy): the map itself', () => {
    const cfg = JSON.stringify({ 'https://index.docker.io/v1/': { auth: b64('hub:pw'), email: 'x@y' } });
    assert.deepEqual(pullSecretCredentials({ dockercfg: cfg }, 'docker.io', 's'), [
      { kind: 'basic', username: 'hub', password: 'pw', source: 's' },
    ]);
  });
  it('a malformed secret gives nothing', () => {
    assert.deepEqual(pullSecretCredentials({ dockerconfigjson: '{not json' }, 'ghcr.io', 's'), []);
    assert.deepEqual(
      pullSecretCredentials(
        { dockerconfigjson: JSON.stringify({ auths: { 'ghcr.io': { auth: b64('nocolon') } } }) },
        'ghcr.io',
        's',
      ),
      [],
    );
  });
  it('docker config: credHelpers wins, else auths, else credsStore', () => {
    const config = {
      auths: { 'ghcr.io': { auth: b64('a:b') }, 'quay.io': {} },
      credHelpers: { '123.dkr.ecr.eu-west-1.amazonaws.com': 'ecr-login' },
      credsStore: 'desktop',
    };
    assert.deepEqual(dockerConfigCredentials(config, '123.dkr.ecr.eu-west-1.amazonaws.com', 'cfg'), [
      {
        kind: 'helper',
        helper: 'ecr-login',
        serverUrl: '123.dkr.ecr.eu-west-1.amazonaws.com',
        source: 'cfg credHelpers',
      },
    ]);
    assert.deepEqual(dockerConfigCredentials(config, 'ghcr.io', 'cfg'), [
      { kind: 'basic', username: 'a', password: 'b', source: 'cfg' },
    ]);
    assert.deepEqual(dockerConfigCredentials(config, 'quay.io', 'cfg'), [
      { kind: 'helper', helper: 'desktop', serverUrl: 'quay.io', source: 'cfg credsStore' },
    ]);
    assert.deepEqual(dockerConfigCredentials(config, 'docker.io', 'cfg'), [
      { kind: 'helper', helper: 'desktop', serverUrl: 'https://index.docker.io/v1/', source: 'cfg credsStore' },
    ]);
    assert.deepEqual(dockerConfigCredentials({ credsStore: '../../bin/sh' }, 'ghcr.io', 'cfg'), []);
    assert.deepEqual(dockerConfigCredentials('not an object', 'ghcr.io', 'cfg'), []);
  });
  it('credential helper answers', () => {
    const helper = { kind: 'helper', helper: 'x', serverUrl: 'ghcr.io', source: 'cfg' } as const;
    assert.deepEqual(parseHelperAnswer('{"ServerURL":"ghcr.io","Username":"u","Secret":"s"}', helper), {
      kind: 'basic',
      username: 'u',
      password: 's',
      source: 'cfg',
    });
    assert.deepEqual(parseHelperAnswer('credentials not found in native keychain', helper), {
      problem: 'docker-credential-x answered something that is not JSON',
    });
    assert.deepEqual(parseHelperAnswer('{"Username":"<token>","Secret":"refresh"}', helper), {
      kind: 'identity',
      identityToken: 'refresh',
      source: 'cfg',
    });
    assert.deepEqual(parseHelperAnswer('{"Username":"u","Secret":""}', helper), {
      problem: 'docker-credential-x has no credentials for ghcr.io',
    });
  });
});

void describe('where credentials may go', () => {
  const cases: [string, string, 'registry' | 'token', boolean][] = [
    ['https://ghcr.io', 'https://ghcr.io/token', 'token', true],
    ['https://ghcr.io', 'https://evil.example/token', 'token', false],
    ['https://ghcr.io', 'https://pkg-containers.githubusercontent.com/blob', 'registry', false],
    ['https://ghcr.io', 'http://ghcr.io/v2/', 'registry', false],
    ['https://registry-1.docker.io', 'https://auth.docker.io/token', 'token', true],
    ['https://registry-1.docker.io', 'https://auth.docker.io/token', 'registry', false],
    ['http://127.0.0.1:5000', 'http://127.0.0.1:5000/token', 'token', true],
    ['http://127.0.0.1:5000', 'http://127.0.0.1:5001/token', 'token', false],
    ['http://127.0.0.1:5000', 'http://127.0.0.2:5000/token', 'token', false],
  ];
  for (const [registry, url, purpose, expected] of cases) {
    it(`${registry} → ${url} (${purpose})`, () => assert.equal(mayCarryCredentials(registry, url, purpose), expected));
  }
});

void describe('platform', () => {
  const wanted: [Parameters<typeof wantedPlatform>[0], ReturnType<typeof wantedPlatform>][] = [
    [
      {
        nodeInfo: { operatingSystem: 'linux', architecture: 'arm64' },
        nodeSelector: { 'kubernetes.io/arch': 'amd64' },
      },
      { platform: { os: 'linux', architecture: 'arm64' }, from: 'node' },
    ],
    [
      { nodeInfo: undefined, nodeSelector: { 'kubernetes.io/arch': 's390x' } },
      { platform: { os: 'linux', architecture: 's390x' }, from: 'selector' },
    ],
    [
      { nodeInfo: { architecture: 'arm64' }, nodeSelector: {} },
      { platform: { os: 'linux', architecture: 'amd64' }, from: 'default' },
    ],
    [{}, { platform: { os: 'linux', architecture: 'amd64' }, from: 'default' }],
  ];
  for (const [source, expected] of wanted)
    it(`wanted ${JSON.stringify(source)}`, () => assert.deepEqual(wantedPlatform(source), expected));

  const entries: IndexEntry[] = [
    { digest: 'amd', platform: { os: 'linux', architecture: 'amd64' } },
    { digest: 'armv6', platform: { os: 'linux', architecture: 'arm', variant: 'v6' } },
    { digest: 'armv7', platform: { os: 'linux', architecture: 'arm', variant: 'v7' } },
    { digest: 'arm64', platform: { os: 'linux', architecture: 'arm64', variant: 'v8' } },
    { digest: 'win', platform: { os: 'windows', architecture: 'amd64' } },
    { digest: 'attestation', platform: { os: 'unknown', architecture: 'unknown' } },
  ];
  const picks: [Parameters<typeof pickPlatform>[1], string | undefined][] = [
    [{ os: 'linux', architecture: 'amd64' }, 'amd'],
    [{ os: 'linux', architecture: 'arm64' }, 'arm64'],
    [{ os: 'linux', architecture: 'arm' }, 'armv7'],
    [{ os: 'linux', architecture: 'arm', variant: 'v6' }, 'armv6'],
    [{ os: 'windows', architecture: 'amd64' }, 'win'],
    [{ os: 'linux', architecture: 'riscv64' }, undefined],
    [{ os: 'linux', architecture: 'arm', variant: 'v5' }, undefined],
  ];
  for (const [platform, digest] of picks) {
    it(`pick ${JSON.stringify(platform)}`, () => assert.equal(pickPlatform(entries, platform)?.digest, digest));
  }
  it('arm64 without a variant in the index matches an arm64 node', () => {
    assert.equal(
      pickPlatform([{ digest: 'x', platform: { os: 'linux', architecture: 'arm64' } }], {
        os: 'linux',
        architecture: 'arm64',
      })?.digest,
      'x',
    );
  });
});

void describe('CLI configuration of the lookup', () => {
  const cases: [Parameters<typeof registryAccessPaths>[0], ReturnType<typeof registryAccessPaths>][] = [
    [
      { home: '/home/u', xdgCacheHome: undefined, dockerConfig: undefined },
      { cacheDir: '/home/u/.cache/debugdead/image-commands', dockerConfigPath: '/home/u/.docker/config.json' },
    ],
    [
      { home: '/home/u', xdgCacheHome: '/xdg', dockerConfig: '/etc/docker-cfg' },
      { cacheDir: '/xdg/debugdead/image-commands', dockerConfigPath: '/etc/docker-cfg/config.json' },
    ],
    [
      { home: '/home/u', xdgCacheHome: 'relative', dockerConfig: '' },
      { cacheDir: '/home/u/.cache/debugdead/image-commands', dockerConfigPath: '/home/u/.docker/config.json' },
    ],
    [
      { home: undefined, xdgCacheHome: undefined, dockerConfig: undefined },
      { cacheDir: undefined, dockerConfigPath: undefined },
    ],
  ];
  for (const [env, expected] of cases)
    it(JSON.stringify(env), () => assert.deepEqual(registryAccessPaths(env), expected));
  it('--image-command values', () => {
    assert.equal(imageCommandMode(undefined), 'registry');
    assert.equal(imageCommandMode('none'), 'none');
    assert.throws(() => imageCommandMode('off'), /invalid value "off" for --image-command: use registry .* or none/);
  });
});

void describe('which targets need the image command', () => {
  const pod: Pod = {
    spec: {
      initContainers: [{ name: 'init', image: 'init:1' }],
      containers: [
        { name: 'plain', image: 'app:1' },
        { name: 'args', image: 'app:1', args: ['x'] },
        { name: 'commanded', image: 'app:1', command: ['/own'] },
        { name: 'empty', image: 'app:1', command: [] },
        { name: 'other', image: 'other:1' },
      ],
    },
    status: {
      containerStatuses: [
        { name: 'plain', imageID: 'docker.io/library/app@sha256:' + 'b'.repeat(64) },
        { name: 'args', imageID: '' },
      ],
      initContainerStatuses: [{ name: 'init', imageID: 'docker.io/library/init@sha256:' + 'c'.repeat(64) }],
    },
  };
  it('targets without a command (an empty command is none), with the imageID the kubelet reported', () => {
    assert.deepEqual(containersNeedingImage(pod, ['plain', 'args', 'commanded', 'empty', 'init']), [
      { name: 'plain', image: 'app:1', imageID: `docker.io/library/app@sha256:${'b'.repeat(64)}` },
      { name: 'args', image: 'app:1', imageID: undefined },
      { name: 'empty', image: 'app:1', imageID: undefined },
      { name: 'init', image: 'init:1', imageID: `docker.io/library/init@sha256:${'c'.repeat(64)}` },
    ]);
    assert.deepEqual(containersNeedingImage(pod, []), []);
  });
});
