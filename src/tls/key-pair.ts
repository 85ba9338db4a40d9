/**
 * Whether a private key belongs to a certificate. OpenSSL's own context setup is not enough: a key of
 * another type than the certificate's (an EC key next to an RSA certificate) goes into a different slot
 * and is accepted, and every handshake then fails. X509Certificate.checkPrivateKey compares the key with
 * the certificate's public key whatever their types.
 */
import type { KeyObject, X509Certificate } from 'node:crypto';

function kind(type: string | undefined): string {
  return (type ?? 'unknown').toUpperCase();
}

/** Why `key` is not the private key of `certificate` ("an EC key for an RSA certificate"), or undefined. */
export function keyPairMismatch(certificate: X509Certificate, key: KeyObject): string | undefined {
  if (key.type === 'private' && certificate.checkPrivateKey(key)) return undefined;
  const certificateType = kind(certificate.publicKey.asymmetricKeyType);
  const keyType = kind(key.asymmetricKeyType);
  if (key.type !== 'private') return `a ${key.type} key, not a private key`;
  return certificateType === keyType
    ? `a different ${keyType} key than the certificate's`
    : `an ${keyType} key for an ${certificateType} certificate`;
}
