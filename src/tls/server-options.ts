/** What the webhook serves: TLS 1.2 and later. */
import type { SecureContextOptions } from 'node:tls';

export const TLS_MIN_VERSION = 'TLSv1.2';

/** The options of the server's secure context for a certificate and its key (createServer and every reload). */
export function serverSecureContextOptions(pair: { cert: Buffer; key: Buffer }): SecureContextOptions {
  return { cert: pair.cert, key: pair.key, minVersion: TLS_MIN_VERSION };
}
