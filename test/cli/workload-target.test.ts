/** TYPE/NAME as kubectl spells it: every accepted form, and the refusals. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { UsageError } from '../../src/errors.js';
import { WORKLOAD_KINDS, kindOf, parseTarget, type Target } from '../../src/cli/workload/target.js';

const { deployment, replicaset, statefulset, daemonset, job, cronjob } = WORKLOAD_KINDS;

void describe('parseTarget', () => {
  const accepted: [string, Target][] = [
    ['web-7d4b9c8f6d-x2k9p', { type: 'pod', name: 'web-7d4b9c8f6d-x2k9p' }],
    ['pod/api', { type: 'pod', name: 'api' }],
    ['pods/api', { type: 'pod', name: 'api' }],
    ['po/api', { type: 'pod', name: 'api' }],
    ['Pod/api', { type: 'pod', name: 'api' }],
    ['pods.v1/api', { type: 'pod', name: 'api' }],
    ['deploy/web', { type: 'workload', kind: deployment, name: 'web' }],
    ['deployment/web', { type: 'workload', kind: deployment, name: 'web' }],
    ['deployments/web', { type: 'workload', kind: deployment, name: 'web' }],
    ['Deployment/web', { type: 'workload', kind: deployment, name: 'web' }],
    ['deployments.apps/web', { type: 'workload', kind: deployment, name: 'web' }],
    ['deployment.apps/web', { type: 'workload', kind: deployment, name: 'web' }],
    ['deployments.v1.apps/web', { type: 'workload', kind: deployment, name: 'web' }],
    ['rs/web-7d4b9c8f6d', { type: 'workload', kind: replicaset, name: 'web-7d4b9c8f6d' }],
    ['replicasets.apps/web-1', { type: 'workload', kind: replicaset, name: 'web-1' }],
    ['sts/db', { type: 'workload', kind: statefulset, name: 'db' }],
    ['statefulset.apps/db', { type: 'workload', kind: statefulset, name: 'db' }],
    ['ds/agent', { type: 'workload', kind: daemonset, name: 'agent' }],
    ['daemonsets/agent', { type: 'workload', kind: daemonset, name: 'agent' }],
    ['job/nightly-report', { type: 'workload', kind: job, name: 'nightly-report' }],
    ['jobs/nightly-report', { type: 'workload', kind: job, name: 'nightly-report' }],
    ['jobs.batch/nightly-report', { type: 'workload', kind: job, name: 'nightly-report' }],
    ['jobs.v1.batch/nightly-report', { type: 'workload', kind: job, name: 'nightly-report' }],
    ['cj/nightly', { type: 'workload', kind: cronjob, name: 'nightly' }],
    ['cronjob/nightly', { type: 'workload', kind: cronjob, name: 'nightly' }],
    ['cronjobs.batch/nightly', { type: 'workload', kind: cronjob, name: 'nightly' }],
    ['CronJob/nightly', { type: 'workload', kind: cronjob, name: 'nightly' }],
  ];
  for (const [argument, expected] of accepted) {
    void it(argument, () => {
      assert.deepEqual(parseTarget(argument), expected);
    });
  }

  const refused: [string, string][] = [
    [
      'svc/web',
      '"svc/web": debugdead copies pods and the pods of workloads, not "svc". Name a POD, or TYPE/NAME with TYPE one of pod, deploy, rs, sts, ds, job or cronjob',
    ],
    [
      'deployments.batch/web',
      '"deployments.batch/web": debugdead copies pods and the pods of workloads, not "deployments.batch". Name a POD, or TYPE/NAME with TYPE one of pod, deploy, rs, sts, ds, job or cronjob',
    ],
    [
      'jobs.apps/x',
      '"jobs.apps/x": debugdead copies pods and the pods of workloads, not "jobs.apps". Name a POD, or TYPE/NAME with TYPE one of pod, deploy, rs, sts, ds, job or cronjob',
    ],
    ['deploy/', '"deploy/" is not TYPE/NAME: write e.g. deploy/web or job/nightly-report'],
    ['deploy/a/b', '"deploy/a/b" is not TYPE/NAME: write e.g. deploy/web or job/nightly-report'],
  ];
  for (const [argument, message] of refused) {
    void it(`refuses ${argument}`, () => {
      assert.throws(() => parseTarget(argument), new UsageError(message));
    });
  }

  void it('kindOf maps controller references to kinds', () => {
    assert.equal(kindOf('apps/v1', 'ReplicaSet'), replicaset);
    assert.equal(kindOf('batch/v1', 'Job'), job);
    assert.equal(kindOf('extensions/v1beta1', 'ReplicaSet'), undefined);
    assert.equal(kindOf('v1', 'Node'), undefined);
  });
});
