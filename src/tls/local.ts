/**
 * The embedded default for trying the webhook on a laptop: a private CA and a certificate for localhost,
 * 127.0.0.1 and ::1 in the certs directory, generated once and reused while still good.
 */
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { keyPairMismatch } from './key-pair.js';

export const LOCAL_DNS_NAMES = ['localhost'] as const;
export const LOCAL_IP_ADDRESSES = ['127.0.0.1', '::1'] as const;
/** Regenerate when less than this is left. */
const MIN_REMAINING_MS = 24 * 60 * 60 * 1000;

export interface LocalCertificates {
  caPath: string;
  certPath: string;
  keyPath: string;
  /** false: valid files from an earlier run were reused. */
  generated: boolean;
  serialNumber: string;
}

/** Files already in `dir` that are a good localhost set, or undefined. */
async function reusable(dir: string, now: Date): Promise<LocalCertificates | undefined> {
  const caPath = path.join(dir, 'ca.crt');
  const certPath = path.join(dir, 'tls.crt');
  const keyPath = path.join(dir, 'tls.key');
  try {
    const [caPem, certPem, keyPem] = await Promise.all([readFile(caPath), readFile(certPath), readFile(keyPath)]);
    const ca = new X509Certificate(caPem);
    const cert = new X509Certificate(certPem);
    const good =
      cert.verify(ca.publicKey) &&
      keyPairMismatch(cert, createPrivateKey(keyPem)) === undefined &&
      LOCAL_DNS_NAMES.every((name) => cert.checkHost(name) !== undefined) &&
      LOCAL_IP_ADDRESSES.every((ip) => cert.checkIP(ip) !== undefined) &&
      cert.validFromDate.getTime() <= now.getTime() &&
      Math.min(cert.validToDate.getTime(), ca.validToDate.getTime()) - now.getTime() > MIN_REMAINING_MS;
    return good ? { caPath, certPath, keyPath, generated: false, serialNumber: cert.serialNumber } : undefined;
  } catch {
    return undefined; // missing or unreadable: generate a fresh set
  }
}

export async function ensureLocalCertificates(dir: string, now: Date): Promise<LocalCertificates> {
  const existing = await reusable(dir, now);
  if (existing !== undefined) return existing;
  // Loaded only when generating: node-forge costs about 10 MiB of resident memory for the process's life.
  const { generateCertificates, writeCertificates } = await import('./certificates.js');
  const set = generateCertificates({ dnsNames: LOCAL_DNS_NAMES, ipAddresses: LOCAL_IP_ADDRESSES, now });
  const paths = await writeCertificates(dir, set);
  return {
    caPath: paths['ca.crt'],
    certPath: paths['tls.crt'],
    keyPath: paths['tls.key'],
    generated: true,
    serialNumber: new X509Certificate(set['tls.crt']).serialNumber,
  };
}
