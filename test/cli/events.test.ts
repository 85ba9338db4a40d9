/** The DebugCopyCreated event on the source pod or workload; a 403 on it is silent, another failure one note. */
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import type { JsonObject } from '../../src/mutation/index.js';
import { copyEvent } from '../../src/cli/kube/events.js';
import { FakeApiServer } from './fake-apiserver.js';
import { deploymentPod } from './fixtures.js';
import { HARNESS_NOW, runCliInProcess } from './harness.js';

const SOURCE = 'web-7d4b9c8f6d-x2k9p';
const COPY = `debug-${SOURCE}-k3x9q`;

void describe('the DebugCopyCreated event', () => {
  let fake: FakeApiServer;
  before(async () => {
    fake = await FakeApiServer.start();
  });
  after(async () => {
    await fake.close();
  });
  beforeEach(() => {
    fake.pods.clear();
    fake.objects.clear();
    fake.events.length = 0;
    fake.failures.length = 0;
    fake.addNamespace('shop', { 'debug.dead/enable': 'true' });
    fake.addPod(deploymentPod());
  });
  const recorded = (): JsonObject[] => fake.events.filter((event) => event.reason === 'DebugCopyCreated');

  void it('on the source pod, naming the copy and the context', async () => {
    const result = await runCliInProcess([SOURCE, '-n', 'shop', '--no-wait'], { kubeconfig: fake.kubeconfigPath });
    assert.equal(result.code, 0, result.stderr);
    const { metadata: _metadata, ...event } = recorded()[0] ?? {};
    const { metadata: _expected, ...expected } = copyEvent(
      { apiVersion: 'v1', kind: 'Pod', namespace: 'shop', name: SOURCE, uid: '0b8f2f4e-3f7c-4d55-9a57-0e3c1d2b4a11' },
      COPY,
      'fake',
      new Date(HARNESS_NOW),
    );
    assert.deepEqual(event, expected);
    assert.equal(expected.message, `debug copy ${COPY} created with kubectl debugdead (kubeconfig context "fake")`);
    assert.equal(recorded().length, 1);
  });

  void it('on the Job whose template was copied', async () => {
    fake.addObject('jobs', {
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: { name: 'nightly-report', namespace: 'shop', uid: 'job-uid-1' },
      spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'report', image: 'report:1' }] } } },
    });
    const result = await runCliInProcess(['job/nightly-report', '-n', 'shop', '--no-wait'], {
      kubeconfig: fake.kubeconfigPath,
    });
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(recorded()[0]?.involvedObject, {
      apiVersion: 'batch/v1',
      kind: 'Job',
      namespace: 'shop',
      name: 'nightly-report',
      uid: 'job-uid-1',
    });
  });

  void it('a 403 (the user may not create events) is silent', async () => {
    fake.fail({
      method: 'POST',
      path: /\/events$/,
      status: 403,
      reason: 'Forbidden',
      message:
        'events is forbidden: User "dev" cannot create resource "events" in API group "" in the namespace "shop"',
    });
    const result = await runCliInProcess([SOURCE, '-n', 'shop', '--no-wait'], { kubeconfig: fake.kubeconfigPath });
    assert.equal(result.code, 0, result.stderr);
    assert.doesNotMatch(result.stderr, /event/i);
    assert.deepEqual(recorded(), []);
    assert.ok(fake.getPod('shop', COPY), 'the copy is there');
  });

  void it('another failure is one note; the copy stays', async () => {
    fake.fail({ method: 'POST', path: /\/events$/, status: 500, reason: 'InternalError', message: 'etcd is sad' });
    const result = await runCliInProcess([SOURCE, '-n', 'shop', '--no-wait'], { kubeconfig: fake.kubeconfigPath });
    assert.equal(result.code, 0, result.stderr);
    assert.match(
      result.stderr,
      /^note: the DebugCopyCreated event on pod\/web-7d4b9c8f6d-x2k9p was not recorded: .*etcd is sad.*$/m,
    );
    assert.ok(fake.getPod('shop', COPY));
  });
});
