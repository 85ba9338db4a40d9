/**
 * Certificates live in one place (issue #10 item 3): src/tls is the only code that touches certificate
 * material, and the command folders only parse flags and call it. A file that starts parsing PEM, generating
 * keys or building TLS contexts outside src/tls, or a command that imports another command's folder, fails.
 */
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, it } from 'node:test';
import { ROOT } from '../webhook/helpers.js';

const SRC = path.join(ROOT, 'src');

/** Every .ts file under src, relative to src. */
async function sources(): Promise<string[]> {
  const entries = await readdir(SRC, { recursive: true, withFileTypes: true });
  return entries
    .filter((entry) => entry.isFile() && entry.name.endsWith('.ts'))
    .map((entry) => path.relative(SRC, path.join(entry.parentPath, entry.name)))
    .sort();
}

/** What only certificate code uses: the PEM and key APIs of node:crypto and node:tls, and node-forge. */
const CERTIFICATE_APIS =
  /\b(X509Certificate|createPrivateKey|createSecureContext|setSecureContext\(\{|generateKeyPair(Sync)?)\b|['"]node-forge['"]|BEGIN CERTIFICATE/;

void describe('certificate code lives in src/tls', () => {
  void it('no file outside src/tls uses certificate APIs', async () => {
    const offenders: string[] = [];
    for (const file of await sources()) {
      if (file.startsWith(`tls${path.sep}`)) continue;
      const text = await readFile(path.join(SRC, file), 'utf8');
      const match = CERTIFICATE_APIS.exec(text);
      if (match !== null) offenders.push(`${file}: ${match[0]}`);
    }
    assert.deepEqual(offenders, []);
  });

  void it('the certs command folder only parses flags and calls src/tls', async () => {
    assert.deepEqual((await readdir(path.join(SRC, 'certs'))).sort(), ['args.ts', 'main.ts']);
  });

  void it('the bootstrap folder parses flags and talks to the API server; it never imports the certs command', async () => {
    assert.deepEqual((await readdir(path.join(SRC, 'bootstrap'))).sort(), ['args.ts', 'kube-api.ts', 'main.ts']);
    for (const file of ['args.ts', 'kube-api.ts', 'main.ts']) {
      const text = await readFile(path.join(SRC, 'bootstrap', file), 'utf8');
      assert.doesNotMatch(text, /from '\.\.\/certs\//, file);
    }
  });

  void it('the webhook keeps no certificate module of its own', async () => {
    const webhook = await readdir(path.join(SRC, 'webhook'));
    assert.deepEqual(
      webhook.filter((name) => /tls|cert/i.test(name)),
      [],
    );
  });

  void it('is not vacuous: the certificate APIs are found in src/tls', async () => {
    const text = await readFile(path.join(SRC, 'tls', 'material.ts'), 'utf8');
    assert.match(text, CERTIFICATE_APIS);
  });
});
