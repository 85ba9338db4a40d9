/**
 * The serving certificate and key read from files and checked before anything serves them: PEM that
 * parses, a key that belongs to the certificate (of the same type, too), a context OpenSSL accepts with
 * the server's options, and a certificate not yet expired.
 */
import { X509Certificate, createHash, createPrivateKey, type KeyObject } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createSecureContext } from 'node:tls';
import { EnvironmentError } from '../errors.js';
import { describeCertificate, type CertificateInfo } from './inspect.js';
import { keyPairMismatch } from './key-pair.js';
import { serverSecureContextOptions } from './server-options.js';

export type { CertificateInfo } from './inspect.js';

export interface TlsPaths {
  certPath: string;
  keyPath: string;
}

export interface TlsMaterial {
  cert: Buffer;
  key: Buffer;
  info: CertificateInfo;
  /** Digest of cert and key, to tell a real change from a touch. */
  digest: string;
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Reads and validates a certificate/key pair at `now`. Throws EnvironmentError naming the flag, the file
 * and the fix.
 */
export async function loadTlsMaterial(paths: TlsPaths, now: Date): Promise<TlsMaterial> {
  const cert = `--tls-cert ${paths.certPath}`;
  const key = `--tls-key ${paths.keyPath}`;
  let certPem: Buffer;
  let keyPem: Buffer;
  try {
    [certPem, keyPem] = await Promise.all([readFile(paths.certPath), readFile(paths.keyPath)]);
  } catch (error) {
    throw new EnvironmentError(
      `cannot read the TLS certificate or key (${describe(error)}); check --tls-cert ${paths.certPath} and --tls-key ${paths.keyPath}`,
      { cause: error },
    );
  }
  let x509: X509Certificate;
  try {
    x509 = new X509Certificate(certPem);
  } catch (error) {
    throw new EnvironmentError(`${cert} is not a PEM certificate (${describe(error)})`, { cause: error });
  }
  const notTheKey = (detail: string): string =>
    `${key} is not the private key of ${cert} (${detail}); pass the key the certificate was issued for`;
  let keyObject: KeyObject;
  try {
    keyObject = createPrivateKey(keyPem);
    createSecureContext(serverSecureContextOptions({ cert: certPem, key: keyPem }));
  } catch (error) {
    throw new EnvironmentError(notTheKey(`or is not PEM: ${describe(error)}`), { cause: error });
  }
  const mismatch = keyPairMismatch(x509, keyObject);
  if (mismatch !== undefined) throw new EnvironmentError(notTheKey(mismatch));
  const info = describeCertificate(x509);
  if (info.validTo.getTime() <= now.getTime()) {
    throw new EnvironmentError(`${cert} expired on ${info.validTo.toISOString()}; renew the certificate`);
  }
  const digest = createHash('sha256').update(certPem).update('\0').update(keyPem).digest('hex');
  return { cert: certPem, key: keyPem, info, digest };
}
