/** Keys the certificate tests pair with the wrong certificate. */
import { generateKeyPairSync } from 'node:crypto';

/** A fresh P-256 private key (PKCS#8 PEM): the key of no certificate, and of another type than RSA. */
export function ecPrivateKey(): string {
  return generateKeyPairSync('ec', { namedCurve: 'prime256v1' })
    .privateKey.export({ type: 'pkcs8', format: 'pem' })
    .toString();
}
