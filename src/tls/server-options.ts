/**
 * What the webhook serves: TLS 1.2 and 1.3 with forward-secret AEAD suites only, as Go's crypto/tls
 * (and so kube-apiserver and controller-runtime webhooks) does by default, minus the CBC suites Go still
 * keeps for old clients: the API server, the only client that matters, always offers ECDHE with AES-GCM.
 * No renegotiation: a client-initiated renegotiation costs the server a full handshake for free.
 */
import { constants } from 'node:crypto';
import type { SecureContextOptions } from 'node:tls';

export const TLS_MIN_VERSION = 'TLSv1.2';

/** TLS 1.3 suites (all AEAD with ephemeral keys), then TLS 1.2 ECDHE with AES-GCM or ChaCha20-Poly1305. */
export const TLS_CIPHER_SUITES = [
  'TLS_AES_128_GCM_SHA256',
  'TLS_AES_256_GCM_SHA384',
  'TLS_CHACHA20_POLY1305_SHA256',
  'ECDHE-ECDSA-AES128-GCM-SHA256',
  'ECDHE-RSA-AES128-GCM-SHA256',
  'ECDHE-ECDSA-AES256-GCM-SHA384',
  'ECDHE-RSA-AES256-GCM-SHA384',
  'ECDHE-ECDSA-CHACHA20-POLY1305',
  'ECDHE-RSA-CHACHA20-POLY1305',
] as const;

/** The options of the server's secure context for a certificate and its key (createServer and every reload). */
export function serverSecureContextOptions(pair: { cert: Buffer; key: Buffer }): SecureContextOptions {
  return {
    cert: pair.cert,
    key: pair.key,
    minVersion: TLS_MIN_VERSION,
    ciphers: TLS_CIPHER_SUITES.join(':'),
    honorCipherOrder: true,
    secureOptions: constants.SSL_OP_NO_RENEGOTIATION,
  };
}
