/**
 * Serial numbers of the generated certificates: whatever the random bytes, both certificates parse in
 * OpenSSL and the CA verifies the serving certificate in a TLS handshake. Before the fix, random bytes
 * starting 00 00 gave an INTEGER with illegal padding (forge strips one leading zero byte, no more): the
 * serving certificate did not parse, or the CA was silently dropped from a `ca` option.
 */
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import tls from 'node:tls';
import { generateCertificates } from '../../src/tls/certificates.js';
import { servedSerial } from '../webhook/helpers.js';

const PATTERNS = [
  { name: 'all zero', bytes: Buffer.alloc(16, 0x00) },
  { name: 'zero, zero, then small', bytes: Buffer.from([0x00, 0x00, 0x05, ...Buffer.alloc(13, 0x11)]) },
  { name: 'zero, then high bit', bytes: Buffer.from([0x00, 0x85, ...Buffer.alloc(14, 0x22)]) },
  { name: 'high bit, then zeros', bytes: Buffer.from([0x80, ...Buffer.alloc(15, 0x00)]) },
  { name: 'all ones', bytes: Buffer.alloc(16, 0xff) },
] as const;

/** Serves the set's certificate over TLS and returns the serial a client verifying with its CA sees. */
async function handshake(set: ReturnType<typeof generateCertificates>): Promise<string> {
  const server = tls.createServer({ cert: set['tls.crt'], key: set['tls.key'] }, (socket) => socket.end());
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  try {
    return await servedSerial((server.address() as AddressInfo).port, set['ca.crt']);
  } finally {
    server.close();
  }
}

describe('generateCertificates serial numbers', () => {
  for (const { name, bytes } of PATTERNS) {
    it(`are positive 16-byte serials that OpenSSL parses, for random bytes ${name}`, async () => {
      const set = generateCertificates({
        dnsNames: ['localhost'],
        now: new Date(),
        randomBytes: (size) => Buffer.from(bytes.subarray(0, size)),
      });
      const ca = new X509Certificate(set['ca.crt']);
      const leaf = new X509Certificate(set['tls.crt']);
      for (const certificate of [ca, leaf]) {
        assert.match(certificate.serialNumber, /^[4-7][0-9A-F]{31}$/);
        assert.equal(certificate.serialNumber.slice(2), bytes.subarray(1).toString('hex').toUpperCase());
      }
      assert.ok(leaf.checkIssued(ca));
      assert.ok(leaf.verify(ca.publicKey));
      assert.equal(await handshake(set), leaf.serialNumber);
    });
  }

  it('differ between certificates with the default random source', () => {
    const set = generateCertificates({ dnsNames: ['webhook.test'], now: new Date() });
    assert.notEqual(new X509Certificate(set['ca.crt']).serialNumber, new X509Certificate(set['tls.crt']).serialNumber);
  });
});
