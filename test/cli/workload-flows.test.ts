/**
 * `kubectl debugdead TYPE/NAME` against the fake API server: the workload's pod chosen (and said why), --pick,
 * the template copy of a workload with no pod left, and the picker's rows for failed Jobs with no pod left.
 */
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { after, before, beforeEach, describe, it } from 'node:test';
import type { JsonObject, Pod } from '../../src/mutation/index.js';
import { FakeApiServer } from './fake-apiserver.js';
import { T0, deploymentPod } from './fixtures.js';
import { runCliInProcess, startCli } from './harness.js';

const RS_UID = '5e1c8a7d-8d4b-4b7f-a1d0-3b2f6c9e8d70';

function deployment(replicas: number): JsonObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: 'shop', uid: 'deploy-web' },
    spec: {
      replicas,
      selector: { matchLabels: { app: 'web' } },
      template: {
        metadata: { labels: { app: 'web', tier: 'frontend' } },
        spec: { containers: [{ name: 'app', image: 'registry.example.com/shop/web:1.4.2', args: ['--port=8080'] }] },
      },
    },
  };
}

const replicaSet: JsonObject = {
  apiVersion: 'apps/v1',
  kind: 'ReplicaSet',
  metadata: {
    name: 'web-7d4b9c8f6d',
    namespace: 'shop',
    uid: RS_UID,
    labels: { app: 'web', 'pod-template-hash': '7d4b9c8f6d' },
    ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', uid: 'deploy-web', controller: true }],
  },
  spec: { selector: { matchLabels: { app: 'web', 'pod-template-hash': '7d4b9c8f6d' } } },
};

/** A healthy replica of the same ReplicaSet, newer than the crash-looping fixture. */
function healthyReplica(): Pod {
  const pod = deploymentPod({ name: 'web-7d4b9c8f6d-h3alt' });
  (pod.metadata as JsonObject).creationTimestamp = '2025-03-01T10:10:00Z';
  pod.status = {
    phase: 'Running',
    containerStatuses: [{ name: 'app', state: { running: { startedAt: T0 } }, restartCount: 0 }],
  };
  return pod;
}

const failedJob: JsonObject = {
  apiVersion: 'batch/v1',
  kind: 'Job',
  metadata: { name: 'nightly-report', namespace: 'shop', uid: 'job-nightly', creationTimestamp: T0 },
  spec: {
    backoffLimit: 2,
    selector: { matchLabels: { 'batch.kubernetes.io/controller-uid': 'job-nightly' } },
    template: {
      metadata: { labels: { 'batch.kubernetes.io/controller-uid': 'job-nightly', 'job-name': 'nightly-report' } },
      spec: { restartPolicy: 'Never', containers: [{ name: 'report', image: 'registry.example.com/report:3.1' }] },
    },
  },
  status: { failed: 3, conditions: [{ type: 'Failed', status: 'True', reason: 'BackoffLimitExceeded' }] },
};

const annotationsOf = (stdout: string): Record<string, string> =>
  (JSON.parse(stdout) as { metadata: { annotations: Record<string, string> } }).metadata.annotations;

void describe('workload targets against the fake API server', () => {
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
    fake.addNamespace('shop', { 'debug.dead/enable': 'true' });
    fake.addObject('deployments', deployment(2));
    fake.addObject('replicasets', replicaSet);
    fake.addObject('jobs', failedJob);
    fake.addPod(deploymentPod());
    fake.addPod(healthyReplica());
    // A pod with the Deployment's labels that is nobody's: never chosen.
    const orphan = deploymentPod({ name: 'web-orphan' });
    (orphan.metadata as JsonObject).ownerReferences = [];
    fake.addPod(orphan);
    fake.requests.length = 0;
  });

  void it('deploy/web: the crash-looping replica, said why; the copy is of that pod', async () => {
    const result = await runCliInProcess(['-n', 'shop', 'deploy/web', '--dry-run=client', '-o', 'json'], {
      kubeconfig: fake.kubeconfigPath,
    });
    assert.equal(result.code, 0, result.stderr);
    assert.equal(
      result.stderr,
      'deployment/web: debugging pod web-7d4b9c8f6d-x2k9p: app is CrashLoopBackOff, 17 restarts; the only one of 2 pods whose app is not running\n',
    );
    assert.equal(annotationsOf(result.stdout)['debug.dead/source'], 'shop/web-7d4b9c8f6d-x2k9p');
    assert.deepEqual(
      fake.requests.map((request) =>
        `${request.method} ${request.path} ${request.query.labelSelector ?? ''}`.trimEnd(),
      ),
      [
        'GET /apis/apps/v1/namespaces/shop/deployments/web',
        'GET /apis/apps/v1/namespaces/shop/replicasets app=web',
        'GET /api/v1/namespaces/shop/pods app=web',
        'GET /api/v1/namespaces/shop/pods/web-7d4b9c8f6d-x2k9p',
      ],
    );
  });

  void it('deployments.apps/web --pick: the built-in picker shows the workload’s pods, a running one too', async () => {
    const input = new PassThrough();
    const run = startCli(['-n', 'shop', 'deployments.apps/web', '--pick', '--dry-run=client', '-o', 'json'], {
      kubeconfig: fake.kubeconfigPath,
      stdin: input,
      stdinIsTTY: true,
      stderrIsTTY: true,
    });
    await run.waitForStderr('dead container> ');
    assert.match(run.stderr(), /web-7d4b9c8f6d-x2k9p/);
    assert.doesNotMatch(run.stderr(), /web-orphan/, 'a pod that is not the workload’s is not offered');
    assert.match(run.stderr(), /web-7d4b9c8f6d-h3alt +app +Running +Running/);
    input.write('h3alt\r');
    const result = await run.done;
    assert.equal(result.code, 0, result.stderr);
    assert.equal(annotationsOf(result.stdout)['debug.dead/container'], 'app');
    assert.equal(annotationsOf(result.stdout)['debug.dead/source'], 'shop/web-7d4b9c8f6d-h3alt');
  });

  void it('deploy/web scaled to 0: the copy of spec.template, source deployment/shop/web', async () => {
    fake.pods.clear();
    fake.addObject('deployments', deployment(0));
    const result = await runCliInProcess(['-n', 'shop', 'deploy/web', '--dry-run=client', '-o', 'json'], {
      kubeconfig: fake.kubeconfigPath,
    });
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stderr, 'deployment/web has no pod left: copying its pod template (spec.template)\n');
    assert.deepEqual(JSON.parse(result.stdout), {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        name: 'debug-web-k3x9q',
        namespace: 'shop',
        labels: { 'debug.dead/copy-of': 'web' },
        annotations: { 'debug.dead/enable': 'true', 'debug.dead/source': 'deployment/shop/web' },
      },
      spec: { containers: [{ name: 'app', image: 'registry.example.com/shop/web:1.4.2', args: ['--port=8080'] }] },
    });
  });

  void it('job/nightly-report after its pods were deleted: created from the template, -c checked against it', async () => {
    const result = await runCliInProcess(['-n', 'shop', 'jobs.batch/nightly-report', '--no-wait'], {
      kubeconfig: fake.kubeconfigPath,
    });
    assert.equal(result.code, 0, result.stderr);
    const copy = fake.getPod('shop', 'debug-nightly-report-k3x9q');
    assert.ok(copy, 'the copy was created');
    const metadata = copy.metadata as { annotations: Record<string, string> };
    assert.equal(metadata.annotations['debug.dead/source'], 'job/shop/nightly-report');
    assert.equal((copy.spec as { restartPolicy: string }).restartPolicy, 'Never');

    const wrong = await runCliInProcess(['-n', 'shop', 'job/nightly-report', '-c', 'app', '--dry-run=client'], {
      kubeconfig: fake.kubeconfigPath,
    });
    assert.equal(wrong.code, 2, wrong.stderr);
    assert.match(wrong.stderr, /"app"/);
    assert.match(wrong.stderr, /report/);
  });

  void it('a workload that does not exist: the API server’s not-found, worded for it', async () => {
    const result = await runCliInProcess(['-n', 'shop', 'cj/missing'], { kubeconfig: fake.kubeconfigPath });
    assert.equal(result.code, 1, result.stderr);
    assert.match(result.stderr, /cronjobs "missing" not found|cronjob "missing"/);
    assert.match(result.stderr, /namespace "shop"/);
  });

  void it('--keep-labels on a DaemonSet’s pod named directly: the selector’s labels are left out, with a note', async () => {
    fake.addObject('daemonsets', {
      apiVersion: 'apps/v1',
      kind: 'DaemonSet',
      metadata: { name: 'agent', namespace: 'shop', uid: 'ds-agent' },
      spec: { selector: { matchLabels: { app: 'agent' } } },
    });
    const pod = deploymentPod({ name: 'agent-x7k2p' });
    const metadata = pod.metadata as JsonObject;
    metadata.labels = { app: 'agent', tier: 'node', 'controller-revision-hash': '5d9c' };
    metadata.ownerReferences = [
      { apiVersion: 'apps/v1', kind: 'DaemonSet', name: 'agent', uid: 'ds-agent', controller: true },
    ];
    fake.addPod(pod);
    const result = await runCliInProcess(
      ['-n', 'shop', 'agent-x7k2p', '--keep-labels', '--dry-run=client', '-o', 'json'],
      {
        kubeconfig: fake.kubeconfigPath,
      },
    );
    assert.equal(result.code, 0, result.stderr);
    assert.match(
      result.stderr,
      /^note: --keep-labels: not keeping app=agent: the selector of daemonset\/agent, whose controller would adopt the copy$/m,
    );
    assert.deepEqual((JSON.parse(result.stdout) as { metadata: { labels: unknown } }).metadata.labels, {
      tier: 'node',
      'controller-revision-hash': '5d9c',
      'debug.dead/copy-of': 'agent-x7k2p',
    });
  });

  void it('--pick without a workload is a usage error', async () => {
    const result = await runCliInProcess(['api', '--pick'], { kubeconfig: fake.kubeconfigPath });
    assert.deepEqual(result, {
      code: 2,
      stdout: '',
      stderr:
        'error: --pick chooses among the pods of a workload: use it with TYPE/NAME (e.g. deploy/web); with no argument the picker opens anyway\n',
    });
  });

  void it('the picker lists the failed Job with no pod left; choosing it copies the template', async () => {
    const listed = await runCliInProcess(['-n', 'shop'], { kubeconfig: fake.kubeconfigPath });
    assert.equal(listed.code, 2);
    assert.match(
      listed.stdout,
      /^shop {8}job\/nightly-report {5}report {6}Failed {4}no pod left: copy from template {3}3 {10}-$/m,
    );
    const input = new PassThrough();
    const run = startCli(['-n', 'shop', '--dry-run=client', '-o', 'json'], {
      kubeconfig: fake.kubeconfigPath,
      stdin: input,
      stdinIsTTY: true,
      stderrIsTTY: true,
    });
    await run.waitForStderr('dead container> ');
    input.write('no pod left\r');
    const result = await run.done;
    assert.equal(result.code, 0, result.stderr);
    assert.equal(annotationsOf(result.stdout)['debug.dead/source'], 'job/shop/nightly-report');
    assert.equal(annotationsOf(result.stdout)['debug.dead/container'], 'report');
  });
});
