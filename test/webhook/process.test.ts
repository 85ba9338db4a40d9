/**
 * The built entry point `dist/webhook/main.js` as a process (run `npm run build` first; `npm test` does):
 * the embedded localhost default (certificate generated, then reused, the printed curl line works),
 * usage errors, and a graceful SIGTERM that finishes the review in flight and exits 0.
 */
import assert from 'node:assert/strict';
import { spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import https from 'node:https';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startWebhookProcess, WEBHOOK_MAIN, type WebhookProcess } from '../helpers/webhook-process.js';
import { EXAMPLE_REVIEW_TEXT, ROOT, eventually, field, type JsonMap } from './helpers.js';

const UID = '705ab4f5-6393-11e8-b7cc-42010a800002';
let certsDir: string;
const children: ChildProcessWithoutNullStreams[] = [];

before(async () => {
  assert.ok(existsSync(WEBHOOK_MAIN), `${WEBHOOK_MAIN} is missing: run npm run build first`);
  certsDir = await mkdtemp(path.join(tmpdir(), 'debugdead-certs-'));
});

after(async () => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  await rm(certsDir, { recursive: true, force: true });
});

type Webhook = WebhookProcess;

/** Starts the built webhook (test/helpers/webhook-process.ts) and remembers it for the cleanup. */
async function startWebhook(args: string[]): Promise<Webhook> {
  const webhook = await startWebhookProcess(args);
  children.push(webhook.child);
  return webhook;
}

function caPem(): string {
  return readFileSync(path.join(certsDir, 'ca.crt'), 'utf8');
}

function get(port: number, pathname: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = https.get(
      { host: '127.0.0.1', port, path: pathname, ca: caPem(), servername: 'localhost', agent: false },
      (res) => {
        let body = '';
        res.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
        res.on('end', () => {
          resolve({ status: res.statusCode ?? 0, body });
        });
      },
    );
    req.setTimeout(5000, () => req.destroy(new Error('timed out')));
    req.on('error', reject);
  });
}

/** Sends the headers and the first part of a review, and holds the rest until `finish` is called. */
function slowReview(
  port: number,
  text = EXAMPLE_REVIEW_TEXT,
): { finish: () => void; response: Promise<{ status: number; body: string }> } {
  const body = Buffer.from(text);
  const cut = Math.floor(body.length / 2);
  let req: ReturnType<typeof https.request> | undefined;
  const response = new Promise<{ status: number; body: string }>((resolve, reject) => {
    req = https.request(
      {
        host: '127.0.0.1',
        port,
        path: '/mutate',
        method: 'POST',
        ca: caPem(),
        servername: 'localhost',
        agent: false,
        headers: { 'Content-Type': 'application/json', 'Content-Length': body.length },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
        res.on('end', () => {
          resolve({ status: res.statusCode ?? 0, body: text });
        });
      },
    );
    req.setTimeout(15_000, () => req?.destroy(new Error('timed out')));
    req.on('error', reject);
    req.flushHeaders();
    req.write(body.subarray(0, cut));
  });
  return { finish: () => req?.end(body.subarray(cut)), response };
}

async function inFlight(port: number): Promise<number> {
  const { body } = await get(port, '/metrics');
  return Number(/^debugdead_admission_reviews_in_flight (\d+)$/m.exec(body)?.[1] ?? Number.NaN);
}

async function waitExit(webhook: Webhook): Promise<number | null> {
  const timer = setTimeout(() => webhook.child.kill('SIGKILL'), 10_000);
  const [code] = await webhook.exited;
  clearTimeout(timer);
  return code;
}

void describe('debugdead-webhook (built entry point)', { timeout: 120_000 }, () => {
  let firstSerial = '';

  void it('with no --tls-cert, generates a localhost certificate, logs the CA and prints a curl line that works', async () => {
    const webhook = await startWebhook(['--certs-dir', certsDir]);
    const generated = webhook.records.find((record) => record.generated === true);
    assert.equal(generated?.caPath, path.join(certsDir, 'ca.crt'));
    assert.match(field(generated, 'msg'), /generated a self-signed certificate for localhost; its CA is /);
    const cert = new X509Certificate(readFileSync(path.join(certsDir, 'tls.crt')));
    assert.ok(cert.checkHost('localhost') !== undefined && cert.checkIP('127.0.0.1') !== undefined);
    assert.ok(cert.verify(new X509Certificate(caPem()).publicKey));
    firstSerial = cert.serialNumber;

    // The curl line goes to stderr after the "listening" log line goes to stdout: two pipes, no order between
    // them, so wait for the line itself (reading stderr at once failed on a busy machine, issue 14.13).
    const curlPattern = /^ {2}(curl .*)$/m;
    await eventually(() => curlPattern.test(webhook.stderr()), 10_000, 'the curl line on stderr');
    const curlLine = curlPattern.exec(webhook.stderr())?.[1];
    assert.equal(
      curlLine,
      `curl --cacert ${path.join(certsDir, 'ca.crt')} -H 'Content-Type: application/json' --data @examples/admission-review.json https://127.0.0.1:${webhook.port}/mutate`,
    );
    const curl = spawnSync('curl', ['--version']);
    if (curl.status === 0) {
      const run = spawnSync('sh', ['-c', `${curlLine} --silent --show-error --max-time 10`], {
        cwd: ROOT,
        encoding: 'utf8',
      });
      assert.equal(run.status, 0, run.stderr);
      const answer = JSON.parse(run.stdout) as { response: JsonMap };
      assert.equal(answer.response.uid, UID);
      assert.equal(answer.response.allowed, true);
    }
    assert.deepEqual(await get(webhook.port, '/readyz'), { status: 200, body: 'ok\n' });
    webhook.child.kill('SIGTERM');
    assert.equal(await waitExit(webhook), 0);
  });

  void it('reuses the certificate it generated before while it is valid', async () => {
    assert.notEqual(firstSerial, '', 'runs after the generating test');
    const webhook = await startWebhook(['--certs-dir', certsDir]);
    const reused = webhook.records.find((record) => record.generated === false);
    assert.equal(reused?.serialNumber, firstSerial);
    assert.match(field(reused, 'msg'), /reusing the localhost certificate/);
    webhook.child.kill('SIGTERM');
    assert.equal(await waitExit(webhook), 0);
  });

  void it('on SIGTERM stops accepting, finishes the review in flight and exits 0', async () => {
    const webhook = await startWebhook(['--certs-dir', certsDir]);
    const review = slowReview(webhook.port);
    await eventually(async () => (await inFlight(webhook.port)) === 1, 10_000, 'the review to be in flight');

    webhook.child.kill('SIGTERM');
    await eventually(
      () => webhook.records.some((record) => field(record, 'msg').startsWith('shutting down')),
      5000,
      'the shutdown log line',
    );
    await assert.rejects(get(webhook.port, '/healthz'), /ECONNREFUSED/, 'no new connections once shutting down');

    review.finish();
    const { status, body } = await review.response;
    assert.equal(status, 200);
    const answer = JSON.parse(body) as { response: JsonMap };
    assert.equal(answer.response.uid, UID);
    assert.equal(answer.response.patchType, 'JSONPatch');

    assert.equal(await waitExit(webhook), 0);
    const logged = webhook.records.find((record) => record.msg === 'admission review');
    assert.equal(logged?.uid, UID);
    assert.equal(webhook.records.find((record) => record.msg === 'stopped')?.forced, false);
  });

  void it('on SIGTERM finishes a large review in its worker thread, then stops the workers and exits 0', async () => {
    const webhook = await startWebhook(['--certs-dir', certsDir]);
    const large = JSON.parse(EXAMPLE_REVIEW_TEXT) as { request: { object: { spec: JsonMap } } };
    large.request.object.spec.tolerations = Array.from({ length: 100_000 }, () => ({}));
    const review = slowReview(webhook.port, JSON.stringify(large));
    await eventually(async () => (await inFlight(webhook.port)) === 1, 10_000, 'the review to be in flight');

    webhook.child.kill('SIGTERM');
    await eventually(
      () => webhook.records.some((record) => field(record, 'msg').startsWith('shutting down')),
      5000,
      'the shutdown log line',
    );
    review.finish();
    const { status, body } = await review.response;
    assert.equal(status, 200);
    assert.equal((JSON.parse(body) as { response: JsonMap }).response.uid, UID);

    assert.equal(await waitExit(webhook), 0);
    assert.deepEqual(
      webhook.records
        .filter((record) => ['admission review', 'admission review failed', 'stopped'].includes(field(record, 'msg')))
        .map((record) => [record.msg, record.outcome ?? record.forced]),
      [
        ['admission review', 'mutated'],
        ['stopped', false],
      ],
    );
  });

  void it('on SIGTERM with a client that never finishes, cuts it after --shutdown-timeout and still exits 0', async () => {
    const webhook = await startWebhook(['--certs-dir', certsDir, '--shutdown-timeout', '1s']);
    const review = slowReview(webhook.port);
    await eventually(async () => (await inFlight(webhook.port)) === 1, 10_000, 'the review to be in flight');
    webhook.child.kill('SIGTERM');
    await assert.rejects(review.response, /socket hang up|ECONNRESET/);
    assert.equal(await waitExit(webhook), 0);
    assert.equal(webhook.records.find((record) => record.msg === 'stopped')?.forced, true);
  });

  void it('with its stdout closed (EPIPE), still answers reviews and exits 0 on SIGTERM', async () => {
    const webhook = await startWebhook(['--certs-dir', certsDir]);
    webhook.child.stdout.destroy();
    const review = slowReview(webhook.port);
    review.finish();
    assert.equal((await review.response).status, 200);
    webhook.child.kill('SIGTERM');
    assert.equal(await waitExit(webhook), 0);
  });

  void it('exits 2 with the message and a pointer to --help on a bad flag', () => {
    const run = spawnSync(process.execPath, [WEBHOOK_MAIN, '--port', 'https'], { encoding: 'utf8', env: {} });
    assert.equal(run.status, 2);
    assert.equal(
      run.stderr,
      'debugdead-webhook: --port: "https" is not a port; use a number from 0 to 65535, like 8443\nRun debugdead-webhook --help for the options.\n',
    );
  });

  void it('reads DEBUGDEAD_* variables (a bad one is reported by name)', () => {
    const run = spawnSync(process.execPath, [WEBHOOK_MAIN], {
      encoding: 'utf8',
      env: { DEBUGDEAD_DEFAULT_TTL: 'soon' },
    });
    assert.equal(run.status, 2);
    assert.match(run.stderr, /^debugdead-webhook: DEBUGDEAD_DEFAULT_TTL: "soon" is not a duration/);
  });

  void it('prints the help and exits 0 on --help', () => {
    const run = spawnSync(process.execPath, [WEBHOOK_MAIN, '--help'], { encoding: 'utf8', env: {} });
    assert.equal(run.status, 0);
    assert.match(run.stdout, /^debugdead-webhook: the debugdead mutating admission webhook/);
  });

  void it('exits 1 with a log line naming the flag when the certificate cannot be read', () => {
    const run = spawnSync(
      process.execPath,
      [WEBHOOK_MAIN, '--port', '0', '--tls-cert', '/nonexistent/tls.crt', '--tls-key', '/nonexistent/tls.key'],
      {
        encoding: 'utf8',
        env: {},
        timeout: 20_000,
      },
    );
    assert.equal(run.status, 1);
    const fatal = JSON.parse(run.stdout.trim().split('\n').at(-1) ?? '{}') as JsonMap;
    assert.equal(fatal.level, 60);
    assert.match(
      field(fatal, 'msg'),
      /^cannot start: cannot read the TLS certificate or key .*check --tls-cert \/nonexistent\/tls\.crt/,
    );
  });
});
