/**
 * The built CLI on a real pseudo-terminal (util-linux `script`): the built-in picker in raw mode reads real
 * keystrokes, and the wait draws its spinner. Skipped where `script` is missing.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { onTerminal as runOnTerminal, SCRIPT } from '../helpers/cli-process.js';
import { FakeApiServer } from './fake-apiserver.js';
import { barePod, deploymentPod } from './fixtures.js';

const BIN = path.join(import.meta.dirname, '..', '..', 'dist', 'cli', 'main.js');

/** Runs the CLI on a pty; `react` sees the output so far and may type. Resolves with everything printed. */
function onTerminal(
  args: string[],
  env: Record<string, string>,
  react: (output: string, type: (keys: string) => void) => void,
): Promise<{ code: number | null; output: string }> {
  return runOnTerminal([process.execPath, BIN, ...args], { HOME: '/nonexistent', ...env }, react);
}

describe('on a real terminal', { skip: !existsSync(SCRIPT) && `${SCRIPT} is not installed` }, () => {
  let fake: FakeApiServer;
  before(async () => {
    assert.ok(existsSync(BIN), `${BIN} is missing: run npm run build first`);
    fake = await FakeApiServer.start();
    fake.addNamespace('shop', { 'debug.dead/enable': 'true' });
    fake.addPod(deploymentPod());
    fake.addPod(barePod('heapster', 'monitoring'));
  });
  after(async () => {
    await fake.close();
  });

  it('the built-in picker: type to filter, arrows, Enter; then the spinner while waiting', async () => {
    let typed = false;
    const result = await onTerminal(['-A'], { KUBECONFIG: fake.kubeconfigPath }, (output, type) => {
      if (!typed && output.includes('dead container> ')) {
        typed = true;
        // Raw mode: keys arrive one by one. "sh" matches both rows, shop first (a word start); ↓ then ↑ comes back.
        type('sh');
        setTimeout(() => {
          type('\x1b[B');
          setTimeout(() => {
            type('\x1b[A');
            setTimeout(() => type('\r'), 100);
          }, 100);
        }, 100);
      }
    });
    assert.equal(result.code, 0, result.output);
    // The escape sequences the prompt and spinner draw with, written as ESC so the patterns stay readable.
    const text = result.output.replace(/\r/g, '').replaceAll('\u001b', 'ESC');
    assert.match(text, /dead container> sh/);
    assert.match(text, /> monitoring {3}heapster/, 'the highlight moved down');
    assert.match(
      text,
      /dead container> sh\n {2}2\/2\n {2}NAMESPACE[^\n]*\n> shop {9}web-7d4b9c8f6d-x2k9p[^\n]*\n {2}monitoring[^\n]*\nESC\[5AESC\[J(?!dead)/,
      'and back up before Enter',
    );
    assert.match(
      text,
      /ESC\[K[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏] waiting for debug-web-7d4b9c8f6d-x2k9p-[a-z0-9]{5}: Pending, debug-dead-tools: PodInitializing, app: ContainerCreating \(\ds\)/,
    );
    assert.match(
      text,
      /Running: shop\/debug-web-7d4b9c8f6d-x2k9p-[a-z0-9]{5}, a copy of shop\/web-7d4b9c8f6d-x2k9p with app kept alive\./,
    );
  });

  it('a failed Job with no pod left is a row; choosing it copies its template', async (t) => {
    // A failed Job whose pods are gone: a picker row of its own (only for this test: the others count rows).
    fake.addObject('jobs', {
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: { name: 'nightly-report', namespace: 'batch' },
      spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'report', image: 'report:3.1' }] } } },
      status: { failed: 3, conditions: [{ type: 'Failed', status: 'True', reason: 'BackoffLimitExceeded' }] },
    });
    t.after(() => {
      fake.objects.clear();
    });
    let typed = false;
    const result = await onTerminal(
      ['-A', '--dry-run=client', '-o', 'json'],
      { KUBECONFIG: fake.kubeconfigPath },
      (output, type) => {
        if (!typed && output.includes('dead container> ')) {
          typed = true;
          type('nightly');
          setTimeout(() => type('\r'), 200);
        }
      },
    );
    assert.equal(result.code, 0, result.output);
    const text = result.output.replace(/\r/g, '');
    assert.match(
      text,
      /> batch {8}job\/nightly-report {5}report {6}Failed {4}no pod left: copy from template {3}3 {10}-/,
    );
    assert.match(text, /"debug\.dead\/source": "job\/batch\/nightly-report"/);
    assert.match(text, /"restartPolicy": "Never"/);
  });

  it('Esc leaves the picker: exit 2, nothing created', async () => {
    const before = fake.requests.filter((request) => request.method === 'POST').length;
    let typed = false;
    const result = await onTerminal(['-A'], { KUBECONFIG: fake.kubeconfigPath }, (output, type) => {
      if (!typed && output.includes('dead container> ')) {
        typed = true;
        type('\x03');
      }
    });
    assert.equal(result.code, 2, result.output);
    assert.match(result.output, /error: nothing chosen: name a POD, or run again and pick a container/);
    assert.equal(fake.requests.filter((request) => request.method === 'POST').length, before);
  });
});
