/**
 * Registries that misbehave: garbage answers, huge or lying config blobs, redirects and token realms on
 * another host, redirect loops, a registry that never answers. Each is one clear line (never a crash, never
 * a hang), and no credential ever reaches a host other than the registry (the foreign host records every
 * Authorization header it sees).
 */
import assert from 'node:assert/strict';
import type http from 'node:http';
import { afterEach, describe, it } from 'node:test';
import type { Credential } from '../../src/registry/credentials.js';
import { parseReference } from '../../src/registry/reference.js';
import { resolveImageCommand, type Resolution } from '../../src/registry/resolve.js';
import { digestOf, fakeServer, image, json, type FakeServer, type Handler } from './fake-registry.js';

const SECRET: Credential = { kind: 'basic', username: 'user', password: 'hunter2', source: 'pull secret ns/regcred' };
const BASIC = `Basic ${Buffer.from('user:hunter2').toString('base64')}`;

const servers: FakeServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});
async function serve(address: '127.0.0.1' | '127.0.0.2', handler: Handler): Promise<FakeServer> {
  const server = await fakeServer(address, handler);
  servers.push(server);
  return server;
}

function resolve(
  reference: string,
  options: { timeoutMs?: number; credentials?: Credential[] } = {},
): Promise<Resolution> {
  const parsed = parseReference(reference);
  if ('problem' in parsed) throw new Error(parsed.problem);
  return resolveImageCommand(
    {
      reference: parsed,
      platform: { os: 'linux', architecture: 'amd64' },
      credentials: options.credentials ?? [SECRET],
    },
    {
      fetch,
      runHelper: () => Promise.resolve({ problem: 'no helper' }),
      cache: undefined,
      signal: AbortSignal.timeout(options.timeoutMs ?? 5000),
    },
  );
}

/** A registry that wants basic auth and serves `good` image; `override` answers some paths differently. */
function basicRegistry(
  good: ReturnType<typeof image>,
  override: (request: http.IncomingMessage, response: http.ServerResponse) => boolean = () => false,
): Handler {
  return (request, response) => {
    if (request.headers.authorization !== BASIC) {
      response.writeHead(401, { 'WWW-Authenticate': 'Basic realm="fake"' }).end();
      return;
    }
    if (override(request, response)) return;
    if (request.url === '/v2/app/manifests/v1')
      json(response, 200, good.manifest, 'application/vnd.docker.distribution.manifest.v2+json');
    else if (request.url === `/v2/app/blobs/${good.configDigest}`) json(response, 200, good.config);
    else json(response, 404, { errors: [{ code: 'NOT_FOUND' }] });
  };
}

void describe('misbehaving registries', () => {
  void it('garbage instead of a manifest', async () => {
    const registry = await serve('127.0.0.1', (_request, response) =>
      json(response, 200, '<html>maintenance</html>', 'text/html'),
    );
    assert.deepEqual(await resolve(`${registry.host}/app:v1`, { credentials: [] }), {
      ok: false,
      kind: 'bad-answer',
      reason: `${registry.host} answered the manifest of app:v1 with something that is not JSON`,
    });
  });

  void it('a manifest of an unknown media type, and a schema 1 manifest', async () => {
    for (const [type, body] of [
      ['application/vnd.docker.distribution.manifest.v1+prettyjws', { schemaVersion: 1, fsLayers: [] }],
      ['application/json', { mediaType: 'application/x-helm', config: {} }],
    ] as const) {
      const registry = await serve('127.0.0.1', (_request, response) => json(response, 200, body, type));
      const result = await resolve(`${registry.host}/app:v1`, { credentials: [] });
      assert.equal(result.ok, false);
      assert.equal(result.kind, 'bad-answer');
      assert.match(
        result.reason,
        /with a media type debugdead does not read \(.+; Docker schema 2 and OCI are supported\)$/,
      );
    }
  });

  void it('a config that is not JSON, an Entrypoint that is not a list of strings, a config whose digest is wrong', async () => {
    const good = image(['/app'], null);
    const cases: [string, string, string][] = [
      ['not json', 'bad-answer', 'answered the image config of app with something that is not JSON'],
      [
        JSON.stringify({ config: { Entrypoint: '/bin/sh -c x' } }),
        'bad-answer',
        'has an image config whose Entrypoint is not a list of strings',
      ],
    ];
    for (const [config, kind, text] of cases) {
      const configDigest = digestOf(config);
      const manifest = good.manifest.replace(good.configDigest, configDigest);
      const registry = await serve('127.0.0.1', (request, response) => {
        if (request.url?.includes('/manifests/'))
          json(response, 200, manifest, 'application/vnd.docker.distribution.manifest.v2+json');
        else json(response, 200, config);
      });
      assert.deepEqual(await resolve(`${registry.host}/app:v1`, { credentials: [] }), {
        ok: false,
        kind,
        reason: `${registry.host} ${text}`,
      });
    }
    const liar = await serve('127.0.0.1', (request, response) => {
      if (request.url?.includes('/manifests/'))
        json(response, 200, good.manifest, 'application/vnd.docker.distribution.manifest.v2+json');
      else json(response, 200, JSON.stringify({ config: { Entrypoint: ['/evil'] } }));
    });
    assert.deepEqual(await resolve(`${liar.host}/app:v1`, { credentials: [] }), {
      ok: false,
      kind: 'bad-answer',
      reason: `${liar.host} answered the image config of app with content whose digest is not ${good.configDigest}`,
    });
  });

  void it('a huge config blob: refused by its declared size, and cut off when it streams more than declared', async () => {
    const good = image(['/app'], null);
    const declared = good.manifest.replace(`"size":${Buffer.byteLength(good.config)}`, '"size":52428800');
    const big = await serve('127.0.0.1', (request, response) => {
      if (request.url?.includes('/manifests/'))
        json(response, 200, declared, 'application/vnd.docker.distribution.manifest.v2+json');
      else json(response, 500, 'must not be fetched');
    });
    assert.deepEqual(await resolve(`${big.host}/app:v1`, { credentials: [] }), {
      ok: false,
      kind: 'too-large',
      reason: 'the image config of app is 52428800 bytes, more than the 1048576 debugdead reads',
    });
    assert.equal(
      big.seen.filter((request) => request.url.includes('/blobs/')).length,
      0,
      'the blob was never asked for',
    );

    let written = 0;
    const streaming = await serve('127.0.0.1', (request, response) => {
      if (request.url?.includes('/manifests/')) {
        json(response, 200, good.manifest, 'application/vnd.docker.distribution.manifest.v2+json');
        return;
      }
      response.writeHead(200, { 'Content-Type': 'application/json' });
      const chunk = Buffer.alloc(64 * 1024, 0x20);
      const pump = (): void => {
        while (written < 64 * 1024 * 1024) {
          written += chunk.length;
          if (!response.write(chunk)) {
            response.once('drain', pump);
            return;
          }
        }
        response.end();
      };
      response.on('close', () => (written = Number.POSITIVE_INFINITY));
      pump();
    });
    assert.deepEqual(await resolve(`${streaming.host}/app:v1`, { credentials: [] }), {
      ok: false,
      kind: 'too-large',
      reason: 'the image config of app is more than the 1048576 bytes debugdead reads',
    });
  });

  void it('a redirect to another host is followed without the credentials', async () => {
    const good = image(['/app'], ['--x']);
    const foreign = await serve('127.0.0.2', (_request, response) => json(response, 200, good.config));
    const registry = await serve(
      '127.0.0.1',
      basicRegistry(good, (request, response) => {
        if (!request.url?.includes('/blobs/')) return false;
        response.writeHead(307, { Location: `http://${foreign.host}/storage/blob?sig=abc` }).end();
        return true;
      }),
    );
    assert.deepEqual(await resolve(`${registry.host}/app:v1`), {
      ok: true,
      command: { entrypoint: ['/app'], cmd: ['--x'], digest: digestOf(good.manifest) },
      via: 'pull secret ns/regcred',
    });
    assert.deepEqual(foreign.seen, [{ method: 'GET', url: '/storage/blob?sig=abc', authorization: undefined }]);
    assert.ok(
      registry.seen.some((request) => request.authorization === BASIC),
      'the registry itself got the credentials',
    );
  });

  void it('a redirect from another host back to the registry host carries the credentials only there', async () => {
    const good = image(['/app'], null);
    const foreign = await serve('127.0.0.2', (_request, response) =>
      response.writeHead(302, { Location: `http://${registryHost}/v2/app/blobs/${good.configDigest}` }).end(),
    );
    let registryHost = '';
    const registry = await serve(
      '127.0.0.1',
      basicRegistry(good, (request, response) => {
        if (request.url !== `/v2/app/blobs/${good.configDigest}` || request.headers['x-hop'] !== undefined)
          return false;
        if (foreign.seen.length > 0) return false;
        response.writeHead(302, { Location: `http://${foreign.host}/hop` }).end();
        return true;
      }),
    );
    registryHost = registry.host;
    const result = await resolve(`${registry.host}/app:v1`);
    assert.equal(result.ok, true, JSON.stringify(result));
    assert.deepEqual(
      foreign.seen.map((request) => request.authorization),
      [undefined],
    );
  });

  void it('a token realm on another host gets no credentials; the line says why', async () => {
    const foreign = await serve('127.0.0.2', (_request, response) => json(response, 200, { token: 'anonymous-token' }));
    const registry = await serve('127.0.0.1', (_request, response) => {
      response
        .writeHead(401, {
          'WWW-Authenticate': `Bearer realm="http://${foreign.host}/token",service="fake",scope="repository:app:pull"`,
        })
        .end();
    });
    assert.deepEqual(await resolve(`${registry.host}/app:v1`), {
      ok: false,
      kind: 'auth',
      reason:
        `the token service of ${registry.host} is on another host (${foreign.host}): debugdead does not send your credentials there; ` +
        `${registry.host} needs credentials for the manifest of app:v1 (HTTP 401)`,
    });
    assert.ok(foreign.seen.length > 0, 'the foreign realm was asked (anonymously)');
    assert.deepEqual(
      foreign.seen.map((request) => request.authorization),
      foreign.seen.map(() => undefined),
      'no Authorization header reached the foreign host',
    );
    assert.ok(
      registry.seen.every(
        (request) => request.authorization === undefined || request.authorization === 'Bearer anonymous-token',
      ),
    );
  });

  void it('a realm that is not HTTP(S) on a non-loopback host, and no realm at all', async () => {
    for (const [challenge, reason] of [
      [
        'Bearer realm="http://auth.example.com/token",service="x"',
        'the token service of HOST (auth.example.com) is not HTTPS: not used',
      ],
      ['Bearer service="x"', 'HOST sent a bearer challenge without a usable realm'],
      ['Negotiate', 'HOST answered 401 without a challenge debugdead knows (Negotiate)'],
    ] as const) {
      const registry = await serve('127.0.0.1', (_request, response) =>
        response.writeHead(401, { 'WWW-Authenticate': challenge }).end(),
      );
      const result = await resolve(`${registry.host}/app:v1`);
      assert.equal(result.ok, false);
      assert.equal(result.reason.startsWith(reason.replace('HOST', registry.host)), true, JSON.stringify(result));
    }
  });

  void it('a redirect loop and a redirect to plain HTTP off loopback end with one line', async () => {
    const loop = await serve('127.0.0.1', (request, response) =>
      response.writeHead(302, { Location: `${request.url ?? ''}x` }).end(),
    );
    assert.deepEqual(await resolve(`${loop.host}/app:v1`, { credentials: [] }), {
      ok: false,
      kind: 'bad-answer',
      reason: `${loop.host} redirected the manifest of app:v1 more than 5 times`,
    });
    const downgrade = await serve('127.0.0.1', (_request, response) =>
      response.writeHead(302, { Location: 'http://cdn.example.com/x' }).end(),
    );
    assert.deepEqual(await resolve(`${downgrade.host}/app:v1`, { credentials: [] }), {
      ok: false,
      kind: 'refused',
      reason: `${downgrade.host} redirected the manifest of app:v1 to http://cdn.example.com, which is not HTTPS: not followed`,
    });
  });

  void it('a body that stalls half-way is cut off by the time budget; a huge error body is not read', async () => {
    const stalled = await serve('127.0.0.1', (_request, response) => {
      response.writeHead(200, { 'Content-Type': 'application/vnd.docker.distribution.manifest.v2+json' });
      response.write('{"schemaVersion": 2,');
    });
    assert.deepEqual(await resolve(`${stalled.host}/app:v1`, { credentials: [], timeoutMs: 300 }), {
      ok: false,
      kind: 'timeout',
      reason: `no answer from ${stalled.host} in time`,
    });
    const noisy = await serve('127.0.0.1', (_request, response) =>
      json(response, 404, 'x'.repeat(8 * 1024 * 1024), 'text/html'),
    );
    assert.deepEqual(await resolve(`${noisy.host}/app:v1`, { credentials: [] }), {
      ok: false,
      kind: 'not-found',
      reason: `the manifest of app:v1 is not on ${noisy.host} (HTTP 404)`,
    });
  });

  void it('a registry that never answers is cut off by the time budget', async () => {
    const silent = await serve('127.0.0.1', () => undefined);
    const started = Date.now();
    const result = await resolve(`${silent.host}/app:v1`, { credentials: [], timeoutMs: 300 });
    assert.deepEqual(result, { ok: false, kind: 'timeout', reason: `no answer from ${silent.host} in time` });
    assert.ok(Date.now() - started < 3000, 'ended near its budget');
  });
});
