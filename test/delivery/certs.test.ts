/**
 * The `certs` command: a CA and a serving certificate for the webhook Service (SANs, validity, key usage,
 * chain verified with node:crypto), kept while valid, replaced only with --force; its kustomization turns
 * them into the TLS Secret and kustomize injects a caBundle that verifies the served certificate in a real
 * TLS handshake on 127.0.0.1.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { mkdtemp, readFile, rm, stat, unlink } from 'node:fs/promises';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import forge from 'node-forge';
import { loadAll } from 'js-yaml';
import { parseCertsArgs } from '../../src/certs/args.js';
import { generateCerts, type CertsOptions } from '../../src/tls/certs-directory.js';
import { DEFAULT_CLUSTER_DOMAIN, INSTALL_NAMES, serviceDnsNames } from '../../src/tls/install-names.js';
import { EnvironmentError, UsageError } from '../../src/errors.js';
import { find, findKubectl, kustomize, ROOT, stageWithCerts } from './render.js';

const run = promisify(execFile);
const DAY = 24 * 60 * 60 * 1000;
const NODE = path.join(ROOT, 'node_modules', '.bin', 'node');
const SERVICE_HOST = `${INSTALL_NAMES.service}.${INSTALL_NAMES.namespace}.svc`;

function options(outDir: string, overrides: Partial<CertsOptions> = {}): CertsOptions {
  return {
    outDir,
    service: INSTALL_NAMES.service,
    namespace: INSTALL_NAMES.namespace,
    secretName: INSTALL_NAMES.secret,
    clusterDomain: DEFAULT_CLUSTER_DOMAIN,
    validityDays: 365,
    caValidityDays: 3650,
    force: false,
    ...overrides,
  };
}

async function readSet(dir: string): Promise<Record<'ca.crt' | 'ca.key' | 'tls.crt' | 'tls.key', string>> {
  const read = (name: string) => readFile(path.join(dir, name), 'utf8');
  return {
    'ca.crt': await read('ca.crt'),
    'ca.key': await read('ca.key'),
    'tls.crt': await read('tls.crt'),
    'tls.key': await read('tls.key'),
  };
}

function keyUsage(pem: string): Record<string, unknown> {
  const extension = forge.pki.certificateFromPem(pem).getExtension('keyUsage');
  assert.ok(extension, 'keyUsage extension present');
  return extension;
}

describe('the certs command', () => {
  let dir: string;
  const now = new Date();

  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'debugdead-certs-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('generates a CA and a serving certificate for the Service DNS names', async () => {
    const out = path.join(dir, 'fresh');
    const result = await generateCerts(options(out), now);
    assert.equal(result.action, 'generated');
    const set = await readSet(out);
    const ca = new X509Certificate(set['ca.crt']);
    const serving = new X509Certificate(set['tls.crt']);

    const names = serviceDnsNames(INSTALL_NAMES.service, INSTALL_NAMES.namespace);
    assert.deepEqual(names, [
      'debugdead-webhook',
      'debugdead-webhook.debugdead-system',
      'debugdead-webhook.debugdead-system.svc',
      'debugdead-webhook.debugdead-system.svc.cluster.local',
    ]);
    assert.equal(serving.subjectAltName, names.map((name) => `DNS:${name}`).join(', '));
    for (const name of names) assert.equal(serving.checkHost(name), name);
    assert.equal(serving.checkHost('debugdead-webhook.other.svc'), undefined);

    assert.ok(serving.checkIssued(ca), 'issued by the CA');
    assert.ok(serving.verify(ca.publicKey), 'signed by the CA key');
    assert.ok(ca.verify(ca.publicKey), 'the CA is self-signed');
    assert.equal(ca.ca, true);
    assert.equal(serving.ca, false);
    assert.ok(serving.checkPrivateKey(createPrivateKey(set['tls.key'])));
    assert.ok(ca.checkPrivateKey(createPrivateKey(set['ca.key'])));

    const days = (certificate: X509Certificate) => (new Date(certificate.validTo).getTime() - now.getTime()) / DAY;
    assert.ok(new Date(serving.validFrom) <= now && new Date(ca.validFrom) <= now, 'valid from now');
    assert.ok(Math.abs(days(serving) - 365) < 1, `serving certificate valid ${days(serving)} days`);
    assert.ok(Math.abs(days(ca) - 3650) < 1, `CA valid ${days(ca)} days`);
    assert.equal(result.notAfter.getTime(), new Date(serving.validTo).getTime());

    assert.deepEqual(serving.keyUsage, ['1.3.6.1.5.5.7.3.1'], 'extended key usage: serverAuth only');
    const servingUsage = keyUsage(set['tls.crt']);
    assert.equal(servingUsage.digitalSignature, true);
    assert.equal(servingUsage.keyEncipherment, true);
    assert.notEqual(servingUsage.keyCertSign, true, 'the serving certificate cannot sign certificates');
    const caUsage = keyUsage(set['ca.crt']);
    assert.equal(caUsage.keyCertSign, true);

    assert.equal((await stat(path.join(out, 'tls.key'))).mode & 0o777, 0o600);
    assert.equal((await stat(path.join(out, 'ca.key'))).mode & 0o777, 0o600);
  });

  it('writes a kustomization that puts ca.crt, tls.crt and tls.key (never ca.key) in the Secret', async () => {
    const out = path.join(dir, 'kustomization');
    await generateCerts(options(out), now);
    const [kustomization] = loadAll(await readFile(path.join(out, 'kustomization.yaml'), 'utf8')) as {
      namespace: string;
      generatorOptions: { disableNameSuffixHash: boolean };
      secretGenerator: { name: string; type: string; files: string[] }[];
    }[];
    assert.ok(kustomization);
    assert.equal(kustomization.namespace, INSTALL_NAMES.namespace);
    assert.equal(kustomization.generatorOptions.disableNameSuffixHash, true, 'a fixed name the Deployment mounts');
    assert.deepEqual(kustomization.secretGenerator, [
      { name: INSTALL_NAMES.secret, type: 'kubernetes.io/tls', files: ['tls.crt', 'tls.key', 'ca.crt'] },
    ]);
  });

  it('keeps valid certificates on a second run, byte for byte', async () => {
    const out = path.join(dir, 'keep');
    await generateCerts(options(out), now);
    const first = await readSet(out);
    const again = await generateCerts(options(out), new Date(now.getTime() + 60_000));
    assert.equal(again.action, 'kept');
    assert.deepEqual(await readSet(out), first);
  });

  it('refuses to keep certificates for other names, expiring ones or incomplete sets without --force', async () => {
    const out = path.join(dir, 'refuse');
    await generateCerts(options(out), now);
    const first = await readSet(out);
    await assert.rejects(generateCerts(options(out, { service: 'other' }), now), (error: unknown) => {
      assert.ok(error instanceof EnvironmentError);
      assert.match(error.message, /does not cover other/);
      assert.match(error.message, /--force/);
      return true;
    });
    const inTheLastMonth = new Date(now.getTime() + 340 * DAY);
    await assert.rejects(generateCerts(options(out), inTheLastMonth), /expires on/);
    assert.deepEqual(await readSet(out), first, 'nothing was touched');

    const replaced = await generateCerts(options(out, { service: 'other', force: true }), now);
    assert.equal(replaced.action, 'generated');
    const set = await readSet(out);
    assert.notEqual(set['ca.crt'], first['ca.crt'], 'a new CA');
    assert.ok(new X509Certificate(set['tls.crt']).checkHost('other.debugdead-system.svc'));

    await unlink(path.join(out, 'tls.key'));
    await assert.rejects(generateCerts(options(out, { service: 'other' }), now), /tls\.key missing/);
  });

  it('parses its flags, rejecting unknown ones and bad values as usage errors', () => {
    const parsed = parseCertsArgs(['--out', 'x', '--validity-days', '90', '--force']);
    assert.ok(!parsed.help);
    assert.equal(parsed.options.outDir, 'x');
    assert.equal(parsed.options.validityDays, 90);
    assert.equal(parsed.options.force, true);
    assert.equal(parsed.options.service, INSTALL_NAMES.service);
    const defaults = parseCertsArgs([]);
    assert.ok(!defaults.help && defaults.options.outDir === 'certs/cluster');
    for (const bad of [
      ['--bogus'],
      ['--validity-days', '0'],
      ['--validity-days', '1.5'],
      ['--service', 'Not_DNS'],
      ['x'],
    ])
      assert.throws(() => parseCertsArgs(bad), UsageError, bad.join(' '));
  });

  it('runs as a command: exit 0 and the next step, 2 on a usage error', async () => {
    const out = path.join(dir, 'cli');
    const main = path.join(ROOT, 'src', 'certs', 'main.ts');
    const ok = await run(NODE, ['--import', 'tsx', main, '--out', out], { cwd: ROOT, timeout: 60_000 });
    assert.match(ok.stdout, /Generated CA and serving certificate/);
    assert.match(ok.stdout, /kubectl apply -k manifests\/overlays\/certs/);
    const kept = await run(NODE, ['--import', 'tsx', main, '--out', out], { cwd: ROOT, timeout: 60_000 });
    assert.match(kept.stdout, /Kept the existing/);
    await assert.rejects(
      run(NODE, ['--import', 'tsx', main, '--bogus'], { cwd: ROOT, timeout: 60_000 }),
      (error: { code?: number; stderr?: string }) =>
        error.code === 2 && /Unknown option '--bogus'/.test(error.stderr ?? ''),
    );
    await assert.rejects(
      run(NODE, ['--import', 'tsx', main, '--out', out, '--service', 'other'], { cwd: ROOT, timeout: 60_000 }),
      (error: { code?: number; stderr?: string }) => error.code === 1 && /--force/.test(error.stderr ?? ''),
    );
  });
});

const kubectl = findKubectl();
describe(
  'the caBundle kustomize injects (manifests/overlays/certs)',
  { skip: kubectl === undefined ? 'kubectl not found (install it or set KUBECTL)' : false },
  () => {
    it('verifies the certificate the Secret serves, in a TLS handshake for the Service name', async () => {
      const staged = await stageWithCerts();
      try {
        const objects = await kustomize(kubectl ?? 'kubectl', path.join(staged.manifests, 'overlays', 'certs'));
        const secret = find(objects, 'Secret', INSTALL_NAMES.secret) as unknown as { data: Record<string, string> };
        const configuration = find(objects, 'MutatingWebhookConfiguration') as unknown as {
          webhooks: { clientConfig: { caBundle: string } }[];
        };
        const decode = (value: string | undefined) => Buffer.from(value ?? '', 'base64');
        const caBundle = decode(configuration.webhooks[0]?.clientConfig.caBundle);
        const server = https.createServer(
          { cert: decode(secret.data['tls.crt']), key: decode(secret.data['tls.key']) },
          (_, response) => {
            response.end('ok');
          },
        );
        await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
        const { port } = server.address() as AddressInfo;
        const get = (servername: string, ca: Buffer | string) =>
          new Promise<string>((resolve, reject) => {
            const request = https.get(
              { host: '127.0.0.1', port, servername, ca, path: '/', timeout: 5_000, agent: false },
              (response) => {
                let body = '';
                response.on('data', (chunk: Buffer) => (body += chunk.toString()));
                response.on('end', () => {
                  resolve(body);
                });
              },
            );
            request.on('timeout', () => request.destroy(new Error('timeout')));
            request.on('error', reject);
          });
        try {
          assert.equal(await get(SERVICE_HOST, caBundle), 'ok');
          assert.equal(await get(`${SERVICE_HOST}.cluster.local`, caBundle), 'ok');
          await assert.rejects(get('evil.example', caBundle), /altnames|Hostname\/IP does not match/i);
          const stranger = await stageWithCerts();
          try {
            await assert.rejects(
              get(SERVICE_HOST, await readFile(path.join(stranger.certs, 'ca.crt'))),
              /self.signed|unable to verify|certificate/i,
            );
          } finally {
            await stranger.cleanup();
          }
        } finally {
          server.close();
        }
      } finally {
        await staged.cleanup();
      }
    });
  },
);
