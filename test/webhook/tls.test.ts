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
