/**
 * loadTlsMaterial: the checks a certificate and key pass before the webhook serves them, at start and on
 * every reload (test/webhook/tls.test.ts runs them through the real server).
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { EnvironmentError } from '../../src/errors.js';
import { writeCertificates } from '../../src/tls/certificates.js';
import { loadTlsMaterial } from '../../src/tls/material.js';
import { certificateSets } from '../webhook/helpers.js';
import { ecPrivateKey } from './keys.js';

const [SET_A, SET_B] = certificateSets();
const directories: string[] = [];

after(async () => {
  await Promise.all(directories.map((directory) => rm(directory, { recursive: true, force: true })));
});

async function tempDir(): Promise<string> {
  const directory = await mkdtemp(path.join(tmpdir(), 'debugdead-tls-material-'));
  directories.push(directory);
  return directory;
}

void describe('loadTlsMaterial', () => {
  void it('refuses an EC key next to an RSA certificate, naming --tls-key and --tls-cert (OpenSSL alone accepts it)', async () => {
    const directory = await tempDir();
    const paths = await writeCertificates(directory, SET_A);
    await writeFile(paths['tls.key'], ecPrivateKey());
    await assert.rejects(
      loadTlsMaterial({ certPath: paths['tls.crt'], keyPath: paths['tls.key'] }, new Date()),
      (error) => {
        assert.ok(error instanceof EnvironmentError);
        assert.equal(
          error.message,
          `--tls-key ${paths['tls.key']} is not the private key of --tls-cert ${paths['tls.crt']} ` +
            '(an EC key for an RSA certificate); pass the key the certificate was issued for',
        );
        return true;
      },
    );
  });

  void it('refuses a key that does not match the certificate, naming both files', async () => {
    const directory = await tempDir();
    const paths = await writeCertificates(directory, SET_A);
    await writeFile(paths['tls.key'], SET_B['tls.key']);
    await assert.rejects(
      loadTlsMaterial({ certPath: paths['tls.crt'], keyPath: paths['tls.key'] }, new Date()),
      (error) => {
        assert.ok(error instanceof EnvironmentError);
        assert.match(error.message, /tls\.key is not the private key of .*tls\.crt/);
        assert.ok(error.cause instanceof Error);
        return true;
      },
    );
  });

  void it('refuses an expired certificate', async () => {
    const directory = await tempDir();
    const paths = await writeCertificates(directory, SET_A);
    const later = new Date(Date.now() + 400 * 24 * 3600 * 1000);
    await assert.rejects(
      loadTlsMaterial({ certPath: paths['tls.crt'], keyPath: paths['tls.key'] }, later),
      /tls\.crt expired on .*; renew the certificate/,
    );
  });

  void it('refuses missing files, naming the flags', async () => {
    await assert.rejects(
      loadTlsMaterial({ certPath: '/nonexistent/tls.crt', keyPath: '/nonexistent/tls.key' }, new Date()),
      /cannot read the TLS certificate or key .*; check --tls-cert \/nonexistent\/tls\.crt and --tls-key/,
    );
  });
});
