/**
 * The real HTTPS server in this process: a review over TLS verified with the generated CA, and certificate
 * hot reload (files replaced in place, a Kubernetes Secret-volume `..data` symlink swap, bad files refused).
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rename, rm, symlink, writeFile } from 'node:fs/promises';
import https from 'node:https';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import tls from 'node:tls';
import { EnvironmentError } from '../../src/errors.js';
import { writeCertificates, type CertificateSet } from '../../src/tls/certificates.js';
import { METRIC_NAMES } from '../../src/webhook/metrics.js';
import { startServer, type RunningServer } from '../../src/webhook/server.js';
import { WEBHOOK_MAIN } from '../helpers/webhook-process.js';
import { ecPrivateKey } from '../tls/keys.js';
import {
  EXAMPLE_REVIEW_TEXT,
  capturedLogger,
  certificateSets,
  eventually,
  field,
  metricValue,
  serialOf,
  servedSerial,
  testApp,
  type JsonMap,
} from './helpers.js';

const [SET_A, SET_B] = certificateSets();
const directories: string[] = [];
const servers: RunningServer[] = [];

after(async () => {
  await Promise.all(servers.map((server) => server.shutdown(1000)));
  await Promise.all(directories.map((directory) => rm(directory, { recursive: true, force: true })));
});

async function tempDir(): Promise<string> {
  const directory = await mkdtemp(path.join(tmpdir(), 'debugdead-tls-'));
  directories.push(directory);
  return directory;
}

async function start(certPath: string, keyPath: string) {
  const fixture = testApp();
  const { logger, records } = capturedLogger();
  const running = await startServer({
    app: fixture.app,
    tls: { certPath, keyPath },
    host: '127.0.0.1',
    port: 0,
    logger,
    metrics: fixture.metrics,
    reload: { debounceMs: 50, pollIntervalMs: 0 },
  });
  servers.push(running);
  return { running, metrics: fixture.metrics, records };
}

function postReview(port: number, ca: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = https.request(
      {
        host: '127.0.0.1',
        port,
        path: '/mutate',
        method: 'POST',
        ca,
        servername: 'localhost',
        headers: { 'Content-Type': 'application/json' },
        agent: false,
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
        res.on('end', () => {
          resolve({ status: res.statusCode ?? 0, body });
        });
      },
    );
    req.setTimeout(10_000, () => req.destroy(new Error('request timed out')));
    req.on('error', reject);
    req.end(EXAMPLE_REVIEW_TEXT);
  });
}

async function serves(port: number, set: CertificateSet): Promise<boolean> {
  try {
    return (await servedSerial(port, set['ca.crt'])) === serialOf(set['tls.crt']);
  } catch {
    return false; // still the other CA's certificate: verification fails
  }
}

/** Runs node with `args` to its exit; SIGKILL after `timeoutMs` (a server that should have refused to start). */
async function runToExit(
  args: string[],
  timeoutMs: number,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, args, { env: {}, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const [code] = (await once(child, 'exit')) as [number | null];
  clearTimeout(timer);
  return { code, stdout, stderr };
}

/** Replaces a file the way rotation tools do: a temporary file renamed over it. */
async function replaceFile(target: string, content: string): Promise<void> {
  await writeFile(`${target}.tmp`, content);
  await rename(`${target}.tmp`, target);
}

/** Writes a Secret-volume layout like the kubelet's atomic writer: files behind a `..data` symlink. */
async function secretVolume(directory: string, set: CertificateSet, version: string): Promise<void> {
  const target = path.join(directory, `..${version}`);
  await mkdir(target);
  await writeFile(path.join(target, 'tls.crt'), set['tls.crt']);
  await writeFile(path.join(target, 'tls.key'), set['tls.key']);
  await symlink(`..${version}`, path.join(directory, '..data_tmp'));
  await rename(path.join(directory, '..data_tmp'), path.join(directory, '..data'));
}

void describe('the HTTPS server', () => {
  void it('answers a review over TLS, verified with the generated CA, and is ready', async () => {
    const directory = await tempDir();
    const paths = await writeCertificates(directory, SET_A);
    const { running } = await start(paths['tls.crt'], paths['tls.key']);
    assert.equal(running.isReady(), true);
    const { status, body } = await postReview(running.port, SET_A['ca.crt']);
    assert.equal(status, 200);
    const review = JSON.parse(body) as { response: { uid: string; allowed: boolean; patchType?: string } };
    assert.equal(review.response.uid, '705ab4f5-6393-11e8-b7cc-42010a800002');
    assert.equal(review.response.allowed, true);
    assert.equal(review.response.patchType, 'JSONPatch');
    assert.equal(await servedSerial(running.port, SET_A['ca.crt']), serialOf(SET_A['tls.crt']));
    await assert.rejects(servedSerial(running.port, SET_B['ca.crt']), /self-signed|unable to verify|certificate/i);
  });

  void it('serves the new certificate without restart when the files are replaced', async () => {
    const directory = await tempDir();
    const paths = await writeCertificates(directory, SET_A);
    const { running, metrics, records } = await start(paths['tls.crt'], paths['tls.key']);
    assert.ok(await serves(running.port, SET_A));
    await writeCertificates(directory, SET_B);
    await eventually(() => serves(running.port, SET_B), 5000, 'the new certificate to be served');
    assert.equal(running.certificate().serialNumber, serialOf(SET_B['tls.crt']));
    assert.equal(await metricValue(metrics, METRIC_NAMES.certificateReloads, { result: 'success' }), 1);
    assert.equal(await metricValue(metrics, METRIC_NAMES.certificateReloads, { result: 'failure' }), 0);
    const reloaded = records().find((record) => record.msg === 'TLS certificate reloaded');
    assert.equal(reloaded?.serialNumber, serialOf(SET_B['tls.crt']));
    assert.equal(reloaded.previousSerialNumber, serialOf(SET_A['tls.crt']));
    const { status } = await postReview(running.port, SET_B['ca.crt']);
    assert.equal(status, 200);
  });

  void it('follows a Secret-volume ..data symlink swap', async () => {
    const directory = await tempDir();
    await secretVolume(directory, SET_A, '2025_01_15_09_30_00.000000001');
    await symlink('..data/tls.crt', path.join(directory, 'tls.crt'));
    await symlink('..data/tls.key', path.join(directory, 'tls.key'));
    const { running, metrics } = await start(path.join(directory, 'tls.crt'), path.join(directory, 'tls.key'));
    assert.ok(await serves(running.port, SET_A));
    await secretVolume(directory, SET_B, '2025_02_15_09_30_00.000000002');
    await rm(path.join(directory, '..2025_01_15_09_30_00.000000001'), { recursive: true });
    await eventually(() => serves(running.port, SET_B), 5000, 'the swapped certificate to be served');
    assert.equal(await metricValue(metrics, METRIC_NAMES.certificateReloads, { result: 'success' }), 1);
  });

  void it('keeps serving the old certificate when the new files are bad, and takes the next good ones', async () => {
    const directory = await tempDir();
    const paths = await writeCertificates(directory, SET_A);
    const { running, metrics, records } = await start(paths['tls.crt'], paths['tls.key']);
    // A certificate whose key is another one's: refused.
    await replaceFile(paths['tls.crt'], SET_B['tls.crt']);
    await eventually(
      async () => (await metricValue(metrics, METRIC_NAMES.certificateReloads, { result: 'failure' })) === 1,
      5000,
      'the failed reload to be counted',
    );
    assert.ok(await serves(running.port, SET_A), 'still the old certificate');
    const logged = records().find((record) => record.level === 50);
    assert.match(field(logged, 'msg'), /new TLS files refused; still serving the previous certificate/);
    // Garbage: refused as well (reported once per distinct problem).
    await replaceFile(paths['tls.crt'], 'not a certificate');
    await eventually(
      async () => (await metricValue(metrics, METRIC_NAMES.certificateReloads, { result: 'failure' })) === 2,
      5000,
      'the second failed reload to be counted',
    );
    assert.ok(await serves(running.port, SET_A), 'still the old certificate');
    // The matching key arrives: reloaded.
    await replaceFile(paths['tls.key'], SET_B['tls.key']);
    await replaceFile(paths['tls.crt'], SET_B['tls.crt']);
    await eventually(() => serves(running.port, SET_B), 5000, 'the good pair to be served');
    assert.equal(await metricValue(metrics, METRIC_NAMES.certificateReloads, { result: 'success' }), 1);
  });

  void it('refuses an EC key for its RSA certificate on reload: an error, a failed reload, the old pair served', async () => {
    const directory = await tempDir();
    const paths = await writeCertificates(directory, SET_A);
    const { running, metrics, records } = await start(paths['tls.crt'], paths['tls.key']);
    await replaceFile(paths['tls.key'], ecPrivateKey());
    assert.equal(await running.reloadCertificate(), 'failed');
    assert.equal(await metricValue(metrics, METRIC_NAMES.certificateReloads, { result: 'failure' }), 1);
    assert.equal(await metricValue(metrics, METRIC_NAMES.certificateReloads, { result: 'success' }), 0);
    const logged = records().find(
      (record) => record.msg === 'new TLS files refused; still serving the previous certificate',
    );
    assert.equal(logged?.level, 50);
    assert.match(field(logged, 'err'), /is not the private key of --tls-cert .*\(an EC key for an RSA certificate\)/);
    assert.equal(running.certificate().serialNumber, serialOf(SET_A['tls.crt']));
    assert.ok(await serves(running.port, SET_A), 'still the old pair, and handshakes work');
    const { status } = await postReview(running.port, SET_A['ca.crt']);
    assert.equal(status, 200);
  });

  void it('is not ready once shutdown begins, and refuses new connections after it', async () => {
    const directory = await tempDir();
    const paths = await writeCertificates(directory, SET_A);
    const { running } = await start(paths['tls.crt'], paths['tls.key']);
    const shutdown = running.shutdown(2000);
    assert.equal(running.isReady(), false);
    assert.equal((await shutdown).forced, false);
    await assert.rejects(servedSerial(running.port, SET_A['ca.crt']), /ECONNREFUSED/);
  });
});

/** A TLS connection to the server verifying `ca`; rejects when the handshake fails. */
function connectTls(port: number, ca: string, options: tls.ConnectionOptions = {}): Promise<tls.TLSSocket> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({ host: '127.0.0.1', port, ca, servername: 'localhost', ...options }, () => {
      resolve(socket);
    });
    socket.once('error', reject);
    socket.setTimeout(10_000, () => socket.destroy(new Error('TLS handshake timed out')));
  });
}

/** TLS 1.2 suites a client may offer alone, none forward-secret AEAD: each must be refused. */
const WEAK_SUITES = [
  { suite: 'AES128-SHA', why: 'RSA key exchange, SHA-1 CBC' },
  { suite: 'AES256-SHA256', why: 'RSA key exchange, CBC' },
  { suite: 'AES128-GCM-SHA256', why: 'RSA key exchange (no forward secrecy), AEAD' },
  { suite: 'ECDHE-RSA-AES128-SHA', why: 'ECDHE, SHA-1 CBC' },
  { suite: 'ECDHE-RSA-AES256-SHA384', why: 'ECDHE, CBC' },
  { suite: 'DHE-RSA-AES128-GCM-SHA256', why: 'finite-field DHE' },
] as const;

/** What a modern client negotiates: TLS 1.3, or TLS 1.2 with ECDHE and an AEAD. */
const GOOD_CLIENTS = [
  {
    name: 'a default TLS 1.3 client',
    options: {},
    protocol: 'TLSv1.3',
    cipher: /^TLS_(AES_128_GCM_SHA256|AES_256_GCM_SHA384|CHACHA20_POLY1305_SHA256)$/,
  },
  {
    name: 'a TLS 1.2 client (ECDHE-RSA-AES128-GCM-SHA256)',
    options: { maxVersion: 'TLSv1.2', ciphers: 'ECDHE-RSA-AES128-GCM-SHA256' },
    protocol: 'TLSv1.2',
    cipher: /^ECDHE-RSA-AES128-GCM-SHA256$/,
  },
  {
    name: 'a TLS 1.2 client (ECDHE-RSA-AES256-GCM-SHA384)',
    options: { maxVersion: 'TLSv1.2', ciphers: 'ECDHE-RSA-AES256-GCM-SHA384' },
    protocol: 'TLSv1.2',
    cipher: /^ECDHE-RSA-AES256-GCM-SHA384$/,
  },
  {
    name: 'a TLS 1.2 client (ECDHE-RSA-CHACHA20-POLY1305)',
    options: { maxVersion: 'TLSv1.2', ciphers: 'ECDHE-RSA-CHACHA20-POLY1305' },
    protocol: 'TLSv1.2',
    cipher: /^ECDHE-RSA-CHACHA20-POLY1305$/,
  },
  {
    name: 'a TLS 1.2 client offering weak suites first',
    options: { maxVersion: 'TLSv1.2', ciphers: 'AES128-SHA:ECDHE-RSA-AES128-SHA:ECDHE-RSA-AES128-GCM-SHA256' },
    protocol: 'TLSv1.2',
    cipher: /^ECDHE-RSA-AES128-GCM-SHA256$/,
  },
] as const satisfies readonly { name: string; options: tls.ConnectionOptions; protocol: string; cipher: RegExp }[];

/** Asks for a TLS 1.2 renegotiation; resolves to the error the client sees, or undefined when it succeeded. */
function renegotiate(socket: tls.TLSSocket): Promise<Error | undefined> {
  return new Promise((resolve) => {
    socket.once('error', resolve);
    socket.renegotiate({ rejectUnauthorized: true }, (error) => {
      resolve(error ?? undefined);
    });
  });
}

void describe('the TLS the server speaks: TLS 1.2+, forward-secret AEAD suites only, no renegotiation', () => {
  async function server(): Promise<{ running: RunningServer; directory: string }> {
    const directory = await tempDir();
    const paths = await writeCertificates(directory, SET_A);
    const { running } = await start(paths['tls.crt'], paths['tls.key']);
    return { running, directory };
  }

  for (const { suite, why } of WEAK_SUITES) {
    void it(`refuses a client that offers only ${suite} (${why})`, async () => {
      const { running } = await server();
      await assert.rejects(
        connectTls(running.port, SET_A['ca.crt'], { maxVersion: 'TLSv1.2', ciphers: suite }),
        /handshake failure|no cipher|no shared cipher/i,
      );
    });
  }

  void it('refuses TLS 1.1', async () => {
    const { running } = await server();
    await assert.rejects(
      connectTls(running.port, SET_A['ca.crt'], {
        minVersion: 'TLSv1',
        maxVersion: 'TLSv1.1',
        ciphers: 'DEFAULT:@SECLEVEL=0',
      }),
      /protocol version|unsupported protocol|no protocols available/i,
    );
  });

  for (const client of GOOD_CLIENTS) {
    void it(`serves ${client.name}`, async () => {
      const { running } = await server();
      const socket = await connectTls(running.port, SET_A['ca.crt'], client.options);
      try {
        assert.equal(socket.getProtocol(), client.protocol);
        assert.match(socket.getCipher().name, client.cipher);
        assert.equal(socket.authorized, true);
      } finally {
        socket.destroy();
      }
    });
  }

  void it('refuses a client-initiated TLS 1.2 renegotiation', async () => {
    const { running } = await server();
    const socket = await connectTls(running.port, SET_A['ca.crt'], { maxVersion: 'TLSv1.2' });
    try {
      const error = await renegotiate(socket);
      assert.ok(error !== undefined, 'the renegotiation was accepted');
      assert.match(error.message, /no renegotiation/);
    } finally {
      socket.destroy();
    }
  });

  void it('keeps the same policy after a certificate reload', async () => {
    const { running, directory } = await server();
    await writeCertificates(directory, SET_B);
    assert.equal(await running.reloadCertificate(), 'reloaded');
    await assert.rejects(
      connectTls(running.port, SET_B['ca.crt'], { maxVersion: 'TLSv1.2', ciphers: 'AES128-SHA' }),
      /handshake failure/i,
    );
    const socket = await connectTls(running.port, SET_B['ca.crt'], { maxVersion: 'TLSv1.2' });
    try {
      assert.match(socket.getCipher().name, /^ECDHE-RSA-(AES128-GCM-SHA256|AES256-GCM-SHA384|CHACHA20-POLY1305)$/);
      assert.match((await renegotiate(socket))?.message ?? 'accepted', /no renegotiation/);
    } finally {
      socket.destroy();
    }
    const { status } = await postReview(running.port, SET_B['ca.crt']);
    assert.equal(status, 200);
  });
});

void describe('the HTTPS server on files it cannot load', () => {
  void it('the built webhook exits 1 at start on an EC key for an RSA certificate, naming both flags', async () => {
    assert.ok(existsSync(WEBHOOK_MAIN), `${WEBHOOK_MAIN} is missing: run npm run build first`);
    const directory = await tempDir();
    const paths = await writeCertificates(directory, SET_A);
    await writeFile(paths['tls.key'], ecPrivateKey());
    const run = await runToExit(
      [
        WEBHOOK_MAIN,
        '--host',
        '127.0.0.1',
        '--port',
        '0',
        '--tls-cert',
        paths['tls.crt'],
        '--tls-key',
        paths['tls.key'],
      ],
      20_000,
    );
    assert.equal(run.code, 1, run.stdout + run.stderr);
    const fatal = JSON.parse(run.stdout.trim().split('\n').at(-1) ?? '{}') as JsonMap;
    assert.equal(fatal.level, 60);
    assert.equal(
      field(fatal, 'msg'),
      `cannot start: --tls-key ${paths['tls.key']} is not the private key of --tls-cert ${paths['tls.crt']} ` +
        '(an EC key for an RSA certificate); pass the key the certificate was issued for',
    );
  });

  void it('a server cannot start on files it cannot load', async () => {
    const fixture = testApp();
    await assert.rejects(
      startServer({
        app: fixture.app,
        tls: { certPath: '/nonexistent/tls.crt', keyPath: '/nonexistent/tls.key' },
        port: 0,
        logger: capturedLogger().logger,
        metrics: fixture.metrics,
      }),
      EnvironmentError,
    );
  });
});
