/**
 * The registry client against a real registry (go-containerregistry's, test/registry): the bearer-token
 * flow, basic auth, anonymous, Docker schema 2 and OCI, indexes and the platform pick, every shape of
 * ENTRYPOINT/CMD, the credential order, credential helpers, the digest cache, a stopped registry.
 */
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { directoryCache } from '../../src/registry/cache.js';
import { credentialHelperRunner } from '../../src/registry/cred-helper.js';
import type { Credential } from '../../src/registry/credentials.js';
import type { Platform } from '../../src/registry/platform.js';
import { parseReference, type ImageReference } from '../../src/registry/reference.js';
import { resolveImageCommand, type Resolution } from '../../src/registry/resolve.js';
import { registryUnavailableReason, startRegistry, type TestRegistry } from '../helpers/registry.js';
import { HOSTILE_CMD, HOSTILE_ENTRYPOINT, TEST_IMAGES } from './images.js';

const reason = registryUnavailableReason();
const AMD64: Platform = { os: 'linux', architecture: 'amd64' };

function ref(text: string): ImageReference {
  const parsed = parseReference(text);
  if ('problem' in parsed) throw new Error(parsed.problem);
  return parsed;
}

void describe('registry client against a real registry', { skip: reason }, () => {
  let registry: TestRegistry;
  let scratch = '';
  before(async () => {
    registry = await startRegistry({ images: TEST_IMAGES, logRequests: true });
    scratch = mkdtempSync(path.join(tmpdir(), 'debugdead-registry-client-'));
  });
  after(async () => {
    await registry.stop();
    rmSync(scratch, { recursive: true, force: true });
  });

  const good = (): Credential => ({
    kind: 'basic',
    username: registry.username,
    password: registry.password,
    source: 'good',
  });
  const wrong = (): Credential => ({
    kind: 'basic',
    username: registry.username,
    password: 'wrong',
    source: 'pull secret ns/old',
  });
  const resolve = (
    reference: string,
    credentials: Credential[],
    options: { platform?: Platform; cacheDir?: string; env?: Record<string, string> } = {},
  ): Promise<Resolution> =>
    resolveImageCommand(
      { reference: ref(reference), platform: options.platform ?? AMD64, credentials },
      {
        fetch,
        runHelper: credentialHelperRunner(options.env ?? { PATH: '' }),
        cache: options.cacheDir === undefined ? undefined : directoryCache(options.cacheDir),
        signal: AbortSignal.timeout(10_000),
      },
    );
  const digestOf = (key: string): string => registry.images[key]?.digest ?? assert.fail(`no pushed image ${key}`);

  void it('reads ENTRYPOINT and CMD of every shape through the bearer-token flow with basic credentials', async () => {
    const expected: [string, string[] | null, string[] | null][] = [
      ['team/single:v1', ['/app', '--config', '/etc/app.yaml'], ['--serve']],
      ['team/entrypoint-only:v1', ['/bin/server'], null],
      ['team/cmd-only:v1', null, ['python', 'app.py']],
      ['team/both:v1', ['/entry'], ['cmd1', 'cmd2']],
      ['team/neither:v1', null, null],
      ['team/hostile:v1', HOSTILE_ENTRYPOINT, HOSTILE_CMD],
    ];
    for (const [image, entrypoint, cmd] of expected) {
      const result = await resolve(`${registry.bearer}/${image}`, [good()]);
      assert.deepEqual(result, { ok: true, command: { entrypoint, cmd, digest: digestOf(image) }, via: 'good' }, image);
    }
  });

  void it('picks the platform of a Docker manifest list and of an OCI index; the digest is the index digest', async () => {
    const cases: [string, Platform, string[], string[] | null][] = [
      ['team/multi:v1', AMD64, ['/amd64/app'], ['--amd64']],
      ['team/multi:v1', { os: 'linux', architecture: 'arm64' }, ['/arm64/app'], ['--arm64']],
      ['team/multi:v1', { os: 'linux', architecture: 'arm' }, ['/arm/app'], ['--armv7']],
      ['team/multi-oci:v1', { os: 'linux', architecture: 'arm64', variant: 'v8' }, ['/oci/arm64'], null],
    ];
    for (const [image, platform, entrypoint, cmd] of cases) {
      const result = await resolve(`${registry.bearer}/${image}`, [good()], { platform });
      assert.deepEqual(result, { ok: true, command: { entrypoint, cmd, digest: digestOf(image) }, via: 'good' });
    }
  });

  void it('an index without the node platform is one clear line naming what it has', async () => {
    const result = await resolve(`${registry.bearer}/team/multi:v1`, [good()], {
      platform: { os: 'linux', architecture: 'riscv64' },
    });
    assert.deepEqual(result, {
      ok: false,
      kind: 'no-platform',
      reason: `${registry.bearer}/team/multi has no image for linux/riscv64 (it has: linux/amd64, linux/arm64/v8, linux/arm/v7)`,
    });
  });

  void it('resolves a platform manifest by digest, as the kubelet reports it in imageID', async () => {
    const arm = registry.images['team/multi:v1']?.platforms['linux/arm64/v8']?.manifest ?? '';
    const result = await resolve(`${registry.bearer}/team/multi@${arm}`, [good()], {
      platform: { os: 'linux', architecture: 'arm64' },
    });
    assert.deepEqual(result, {
      ok: true,
      command: { entrypoint: ['/arm64/app'], cmd: ['--arm64'], digest: arm },
      via: 'good',
    });
  });

  void it('basic front, anonymous front, and an anonymous bearer token for a public repository', async () => {
    const single = {
      entrypoint: ['/app', '--config', '/etc/app.yaml'],
      cmd: ['--serve'],
      digest: digestOf('team/single:v1'),
    };
    assert.deepEqual(await resolve(`${registry.basic}/team/single:v1`, [good()]), {
      ok: true,
      command: single,
      via: 'good',
    });
    assert.deepEqual(await resolve(`${registry.anonymous}/team/single:v1`, []), {
      ok: true,
      command: single,
      via: 'anonymous',
    });
    assert.deepEqual(await resolve(`${registry.bearer}/public/app:v1`, []), {
      ok: true,
      command: { entrypoint: ['/public'], cmd: null, digest: digestOf('public/app:v1') },
      via: 'anonymous',
    });
  });

  void it('credentials in order: a refused one moves on to the next; none that work is one line naming each', async () => {
    const moved = await resolve(`${registry.bearer}/team/both:v1`, [wrong(), good()]);
    assert.equal(moved.ok && moved.via, 'good');
    assert.deepEqual(await resolve(`${registry.bearer}/team/both:v1`, [wrong()]), {
      ok: false,
      kind: 'auth',
      reason:
        `${registry.bearer} refused the credentials from pull secret ns/old (HTTP 401); ` +
        `${registry.bearer} needs credentials for the manifest of team/both:v1 (HTTP 401)`,
    });
    assert.deepEqual(await resolve(`${registry.basic}/team/both:v1`, []), {
      ok: false,
      kind: 'auth',
      reason: `${registry.basic} needs credentials (basic authentication)`,
    });
  });

  void it('an identity token is traded at the token service (OAuth2 refresh-token POST)', async () => {
    const identity: Credential = {
      kind: 'identity',
      identityToken: registry.identityToken,
      source: 'cfg identitytoken',
    };
    assert.deepEqual(await resolve(`${registry.bearer}/team/both:v1`, [identity]), {
      ok: true,
      command: { entrypoint: ['/entry'], cmd: ['cmd1', 'cmd2'], digest: digestOf('team/both:v1') },
      via: 'cfg identitytoken',
    });
    const stale: Credential = { ...identity, identityToken: 'expired' };
    const refused = await resolve(`${registry.bearer}/team/both:v1`, [stale]);
    assert.equal(refused.ok, false);
    assert.match(refused.reason, /refused the credentials from cfg identitytoken \(HTTP 401\)/);
    const onBasic = await resolve(`${registry.basic}/team/both:v1`, [identity]);
    assert.match(
      onBasic.ok ? '' : onBasic.reason,
      /wants basic authentication, and cfg identitytoken has only an identity token for it/,
    );
  });

  void it('asks a docker-credential helper with the docker protocol (server URL on stdin)', async () => {
    const bin = path.join(scratch, 'bin');
    const seen = path.join(scratch, 'helper-stdin');
    writeFileSync(path.join(scratch, 'placeholder'), '');
    rmSync(bin, { recursive: true, force: true });
    const { mkdirSync } = await import('node:fs');
    mkdirSync(bin);
    const helper = path.join(bin, 'docker-credential-ddtest');
    writeFileSync(
      helper,
      `#!/bin/sh\n[ "$1" = get ] || exit 2\ncat > '${seen}'\nprintf '{"ServerURL":"x","Username":"%s","Secret":"%s"}' '${registry.username}' '${registry.password}'\n`,
    );
    chmodSync(helper, 0o755);
    const credential: Credential = {
      kind: 'helper',
      helper: 'ddtest',
      serverUrl: registry.bearer,
      source: 'cfg credHelpers',
    };
    const result = await resolve(`${registry.bearer}/team/cmd-only:v1`, [credential], {
      env: { PATH: `${bin}:/usr/bin:/bin` },
    });
    assert.deepEqual(result, {
      ok: true,
      command: { entrypoint: null, cmd: ['python', 'app.py'], digest: digestOf('team/cmd-only:v1') },
      via: 'cfg credHelpers',
    });
    const { readFileSync } = await import('node:fs');
    assert.equal(readFileSync(seen, 'utf8'), registry.bearer);
    const missing = await resolve(`${registry.bearer}/team/cmd-only:v1`, [{ ...credential, helper: 'absent' }], {
      env: { PATH: bin },
    });
    assert.deepEqual(missing, {
      ok: false,
      kind: 'auth',
      reason: `docker-credential-absent is not installed (not on PATH); ${registry.bearer} needs credentials for the manifest of team/cmd-only:v1 (HTTP 401)`,
    });
  });

  void it('a digest resolved once is answered from the cache, without a request', async () => {
    const cacheDir = path.join(scratch, 'cache');
    const digest = digestOf('team/hostile:v1');
    const first = await resolve(`${registry.bearer}/team/hostile@${digest}`, [good()], { cacheDir });
    assert.equal(first.ok && first.via, 'good');
    const before = registry.requests().length;
    const second = await resolve(`${registry.bearer}/team/hostile@${digest}`, [good()], { cacheDir });
    assert.deepEqual(second, {
      ok: true,
      command: { entrypoint: HOSTILE_ENTRYPOINT, cmd: HOSTILE_CMD, digest },
      via: 'cache',
    });
    assert.equal(registry.requests().length, before, 'the cached resolution made no request');
    // Another platform of the same digest is another entry: asked again (a single-platform image answers the same).
    const other = await resolve(`${registry.bearer}/team/hostile@${digest}`, [good()], {
      cacheDir,
      platform: { os: 'linux', architecture: 'arm64' },
    });
    assert.equal(other.ok && other.via, 'good');
    assert.ok(registry.requests().length > before, 'another platform is not answered from the cache');
  });

  void it('a stopped registry is one line, not a crash', async () => {
    const gone = await startRegistry({ images: [] });
    const address = gone.anonymous;
    await gone.stop();
    assert.deepEqual(await resolve(`${address}/team/single:v1`, []), {
      ok: false,
      kind: 'network',
      reason: `cannot reach ${address} (ECONNREFUSED)`,
    });
  });
});
