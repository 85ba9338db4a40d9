/**
 * The built webhook (dist/webhook/main.js, `npm run build`) probed with `openssl s_client`, as an attacker
 * would (issue #14 item 5): a client offering only weak TLS 1.2 suites is refused, a client-initiated
 * renegotiation is refused, and a modern client is served. Another TLS implementation than the one the
 * server runs on, on the production code path. Skips, saying why, without openssl (fails with CI=true).
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { writeCertificates } from '../../src/tls/certificates.js';
import { startWebhookProcess, WEBHOOK_MAIN, type WebhookProcess } from '../helpers/webhook-process.js';
import { certificateSets } from '../webhook/helpers.js';

const [SET] = certificateSets();

function opensslMissing(): string | undefined {
  const probe = spawnSync('openssl', ['version'], { encoding: 'utf8' });
  if (probe.status === 0) return undefined;
  const reason = 'no openssl on PATH: the s_client probes of the built webhook need it';
  if (process.env.CI === 'true') throw new Error(`${reason} (CI=true: a missing part is a failure)`);
  return reason;
}

interface Probe {
  code: number | null;
  output: string;
}

/**
 * Runs `openssl s_client` against the webhook; `afterHandshake` is written to its stdin once the handshake
 * is done (s_client reads "R" as: renegotiate), then stdin is closed.
 */
function sClient(port: number, caPath: string, args: string[], afterHandshake?: string): Promise<Probe> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      'openssl',
      ['s_client', '-connect', `127.0.0.1:${port}`, '-servername', 'localhost', '-CAfile', caPath, ...args],
      { stdio: ['pipe', 'pipe', 'pipe'] },
    );
    let output = '';
    let sent = false;
    const onData = (chunk: string): void => {
      output += chunk;
      if (!sent && /Verify return code/.test(output)) {
        sent = true;
        if (afterHandshake === undefined) child.stdin.end();
        else {
          child.stdin.write(afterHandshake);
          setTimeout(() => child.stdin.end(), 2000);
        }
      }
    };
    child.stdout.setEncoding('utf8').on('data', onData);
    child.stderr.setEncoding('utf8').on('data', onData);
    child.stdin.on('error', () => undefined);
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    child.on('error', reject);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

const missing = opensslMissing();

void describe('the built webhook probed with openssl s_client', { skip: missing }, () => {
  let directory: string;
  let caPath: string;
  let webhook: WebhookProcess;

  before(async () => {
    assert.ok(existsSync(WEBHOOK_MAIN), `${WEBHOOK_MAIN} is missing: run npm run build first`);
    directory = await mkdtemp(path.join(tmpdir(), 'debugdead-openssl-'));
    const paths = await writeCertificates(directory, SET);
    caPath = paths['ca.crt'];
    webhook = await startWebhookProcess(['--tls-cert', paths['tls.crt'], '--tls-key', paths['tls.key']]);
  });
  after(async () => {
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- unset when `before` failed
    await webhook?.stop();
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- unset when `before` failed
    if (directory !== undefined) await rm(directory, { recursive: true, force: true });
  });

  for (const suite of [
    'AES128-SHA',
    'AES256-SHA256',
    'AES128-GCM-SHA256',
    'ECDHE-RSA-AES128-SHA',
    'ECDHE-RSA-AES256-SHA384',
  ])
    void it(`refuses a TLS 1.2 client offering only ${suite}`, async () => {
      const probe = await sClient(webhook.port, caPath, ['-tls1_2', '-cipher', suite]);
      assert.notEqual(probe.code, 0, probe.output);
      assert.match(probe.output, /alert handshake failure/);
      assert.match(probe.output, /Cipher is \(NONE\)/);
    });

  void it('serves TLS 1.3 and TLS 1.2 with ECDHE and AES-GCM', async () => {
    const modern = await sClient(webhook.port, caPath, []);
    assert.equal(modern.code, 0, modern.output);
    assert.match(modern.output, /New, TLSv1\.3, Cipher is TLS_AES_(128|256)_GCM_SHA(256|384)/);
    const tls12 = await sClient(webhook.port, caPath, ['-tls1_2']);
    assert.equal(tls12.code, 0, tls12.output);
    assert.match(tls12.output, /New, TLSv1\.2, Cipher is ECDHE-RSA-AES(128-GCM-SHA256|256-GCM-SHA384)/);
  });

  void it('refuses a client-initiated renegotiation', async () => {
    const probe = await sClient(webhook.port, caPath, ['-tls1_2'], 'R\n');
    assert.match(probe.output, /RENEGOTIATING/, 'the client asked');
    assert.match(probe.output, /no renegotiation/);
  });

  void it('still answers after the probes', async () => {
    const { status } = await webhook.get('/healthz', SET['ca.crt']);
    assert.equal(status, 200);
  });
});
