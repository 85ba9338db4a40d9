/**
 * Reads PEM certificates with node:crypto: what the `certs` command and the bootstrap need to decide
 * whether existing material can be kept, and what the webhook logs about the certificate it serves.
 */
import { X509Certificate } from 'node:crypto';

export interface CertificateInfo {
  serialNumber: string;
  /** SHA-256 fingerprint as colon-separated hex, like `openssl x509 -fingerprint -sha256`. */
  fingerprint256: string;
  subject: string;
  validFrom: Date;
  validTo: Date;
}

export function describeCertificate(certificate: X509Certificate): CertificateInfo {
  return {
    serialNumber: certificate.serialNumber,
    fingerprint256: certificate.fingerprint256,
    subject: certificate.subject.replaceAll('\n', ', '),
    validFrom: certificate.validFromDate,
    validTo: certificate.validToDate,
  };
}

const PEM_BLOCK = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

/** Every certificate of a PEM bundle, in order; unparsable blocks are skipped. */
export function parseBundle(pem: string): X509Certificate[] {
  const certificates: X509Certificate[] = [];
  for (const block of pem.match(PEM_BLOCK) ?? []) {
    try {
      certificates.push(new X509Certificate(block));
    } catch {
      // not a certificate: ignored, the caller sees fewer certificates
    }
  }
  return certificates;
}

/** DNS names of a certificate's subjectAltName extension. */
export function dnsNames(certificate: X509Certificate): string[] {
  return (certificate.subjectAltName ?? '')
    .split(', ')
    .filter((entry) => entry.startsWith('DNS:'))
    .map((entry) => entry.slice('DNS:'.length));
}

export interface ServingCertificateCheck {
  /** Empty when the certificate is usable for `names` at `now` and is signed by one of `caPem`. */
  problems: string[];
  notAfter: Date | undefined;
}

/**
 * Checks a serving certificate: parsable, currently valid, issued by the CA, covering every name.
 * `renewWithinDays` reports a certificate that expires within that many days as a problem.
 */
export function checkServingCertificate(
  certPem: string,
  caPem: string,
  names: readonly string[],
  now: Date,
  renewWithinDays = 0,
): ServingCertificateCheck {
  const [certificate] = parseBundle(certPem);
  if (certificate === undefined)
    return { problems: ['the serving certificate is not a PEM certificate'], notAfter: undefined };
  const problems: string[] = [];
  const notAfter = new Date(certificate.validTo);
  if (new Date(certificate.validFrom) > now)
    problems.push(`the serving certificate is not valid before ${certificate.validFrom}`);
  const renewAt = new Date(now.getTime() + renewWithinDays * 24 * 60 * 60 * 1000);
  if (notAfter <= now) problems.push(`the serving certificate expired on ${notAfter.toISOString()}`);
  else if (notAfter <= renewAt) problems.push(`the serving certificate expires on ${notAfter.toISOString()}`);
  const covered = new Set(dnsNames(certificate));
  const missing = names.filter((name) => !covered.has(name));
  if (missing.length > 0) problems.push(`the serving certificate does not cover ${missing.join(', ')}`);
  const authorities = parseBundle(caPem);
  if (authorities.length === 0) problems.push('ca.crt holds no PEM certificate');
  else if (!authorities.some((ca) => certificate.checkIssued(ca) && certificate.verify(ca.publicKey)))
    problems.push('the serving certificate is not signed by the CA in ca.crt');
  return { problems, notAfter };
}
