/**
 * Certificate generation with node-forge: a private CA and a serving certificate signed by it.
 * Used by the webhook's embedded localhost default and by the `certs` command for in-cluster installs.
 * The clock is passed in; key material comes from node's crypto through forge.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import forge from 'node-forge';

export interface CertificateRequest {
  /** DNS subject alternative names of the serving certificate; the first is also its common name. */
  dnsNames: readonly string[];
  /** IP subject alternative names (for example 127.0.0.1, ::1). */
  ipAddresses?: readonly string[];
  /** Start of validity (a minute of clock skew is subtracted). */
  now: Date;
  /** Serving certificate validity in days (default 365). */
  validityDays?: number;
  /** CA validity in days (default 3650). */
  caValidityDays?: number;
  /** Common name of the CA (default "debugdead-ca"). */
  caCommonName?: string;
  /** RSA modulus length (default 2048). */
  keyBits?: number;
  /** Source of the serial numbers' random bytes (default node:crypto randomBytes; tests pass fixed ones). */
  randomBytes?: (size: number) => Buffer;
}

/** PEM-encoded material, named like the keys of a kubernetes.io/tls Secret. */
export interface CertificateSet {
  'ca.crt': string;
  'ca.key': string;
  'tls.crt': string;
  'tls.key': string;
}

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * 16 random bytes whose first byte is 0x40 to 0x7f: positive, as RFC 5280 requires, and never starting
 * with a zero byte. forge strips one leading zero byte from an INTEGER and no more, so a serial starting
 * 00 00 would be encoded with illegal padding, which OpenSSL refuses: `new X509Certificate` throws, and a
 * CA in a TLS `ca` option is silently ignored ("unable to verify the first certificate").
 */
function serialNumber(bytes: Buffer): string {
  const serial = Buffer.from(bytes.subarray(0, 16));
  serial[0] = ((serial[0] ?? 0) & 0x3f) | 0x40;
  return serial.toString('hex');
}

function validity(cert: forge.pki.Certificate, now: Date, days: number): void {
  cert.validity.notBefore = new Date(now.getTime() - 60_000);
  cert.validity.notAfter = new Date(now.getTime() + days * DAY_MS);
}

export function generateCertificates(request: CertificateRequest): CertificateSet {
  const [commonName] = request.dnsNames;
  if (commonName === undefined) throw new TypeError('generateCertificates needs at least one DNS name');
  const bits = request.keyBits ?? 2048;
  const random = request.randomBytes ?? randomBytes;
  const caKeys = forge.pki.rsa.generateKeyPair({ bits, e: 0x10001 });
  const keys = forge.pki.rsa.generateKeyPair({ bits, e: 0x10001 });

  const ca = forge.pki.createCertificate();
  ca.publicKey = caKeys.publicKey;
  ca.serialNumber = serialNumber(random(16));
  validity(ca, request.now, request.caValidityDays ?? 3650);
  const caSubject = [
    { name: 'commonName', value: request.caCommonName ?? 'debugdead-ca' },
    { name: 'organizationName', value: 'debugdead' },
  ];
  ca.setSubject(caSubject);
  ca.setIssuer(caSubject);
  ca.setExtensions([
    { name: 'basicConstraints', cA: true, pathLenConstraint: 0, critical: true },
    { name: 'keyUsage', keyCertSign: true, cRLSign: true, digitalSignature: true, critical: true },
    { name: 'subjectKeyIdentifier' },
  ]);
  ca.sign(caKeys.privateKey, forge.md.sha256.create());

  const cert = forge.pki.createCertificate();
  cert.publicKey = keys.publicKey;
  cert.serialNumber = serialNumber(random(16));
  validity(cert, request.now, request.validityDays ?? 365);
  cert.setSubject([{ name: 'commonName', value: commonName }]);
  cert.setIssuer(caSubject);
  const altNames = [
    ...request.dnsNames.map((value) => ({ type: 2, value })),
    ...(request.ipAddresses ?? []).map((ip) => ({ type: 7, ip })),
  ];
  cert.setExtensions([
    { name: 'basicConstraints', cA: false, critical: true },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
    { name: 'extKeyUsage', serverAuth: true },
    { name: 'subjectAltName', altNames },
    { name: 'subjectKeyIdentifier' },
    { name: 'authorityKeyIdentifier', keyIdentifier: ca.generateSubjectKeyIdentifier().getBytes() },
  ]);
  cert.sign(caKeys.privateKey, forge.md.sha256.create());

  return {
    'ca.crt': forge.pki.certificateToPem(ca),
    'ca.key': forge.pki.privateKeyToPem(caKeys.privateKey),
    'tls.crt': forge.pki.certificateToPem(cert),
    'tls.key': forge.pki.privateKeyToPem(keys.privateKey),
  };
}

/**
 * Writes the set into `dir` (created if missing). Each file is written to a temporary name and renamed,
 * so a watcher never reads half a file; keys are 0600.
 */
export async function writeCertificates(
  dir: string,
  set: CertificateSet,
): Promise<Record<keyof CertificateSet, string>> {
  await mkdir(dir, { recursive: true });
  const paths = {} as Record<keyof CertificateSet, string>;
  for (const name of ['ca.crt', 'ca.key', 'tls.crt', 'tls.key'] as const) {
    const target = path.join(dir, name);
    const temporary = `${target}.${process.pid}.tmp`;
    await writeFile(temporary, set[name], { mode: name.endsWith('.key') ? 0o600 : 0o644 });
    await rename(temporary, target);
    paths[name] = target;
  }
  return paths;
}
