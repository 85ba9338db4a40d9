/** Which pod of a workload is debugged, and the line that says why; which Jobs and CronJobs get a picker row. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { JsonObject, Pod } from '../../src/mutation/index.js';
import type { DeadContainer } from '../../src/cli/picker/dead-containers.js';
import { choosePod } from '../../src/cli/workload/choose-pod.js';
import { NO_POD_LEFT, goneRows } from '../../src/cli/workload/gone-rows.js';

interface Shape {
  name: string;
  created: string;
  /** The app container's status; undefined: no status yet (Pending, nothing reported). */
  state?: JsonObject;
  lastFinished?: string;
  restarts?: number;
  deleting?: boolean;
  /** Containers of the pod; default [app, sidecar]. */
  defaultContainer?: string;
}

function pod(shape: Shape): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: shape.name,
      namespace: 'shop',
      creationTimestamp: shape.created,
      ...(shape.deleting === true ? { deletionTimestamp: '2025-03-01T12:00:00Z' } : {}),
      ...(shape.defaultContainer === undefined
        ? {}
        : { annotations: { 'kubectl.kubernetes.io/default-container': shape.defaultContainer } }),
    },
    spec: {
      containers: [
        { name: 'app', image: 'app:1' },
        { name: 'sidecar', image: 'side:1' },
      ],
    },
    status: {
      phase: shape.state === undefined ? 'Pending' : 'Running',
      containerStatuses:
        shape.state === undefined
          ? []
          : [
              {
                name: 'app',
                state: shape.state,
                restartCount: shape.restarts ?? 0,
                ...(shape.lastFinished === undefined
                  ? {}
                  : { lastState: { terminated: { exitCode: 1, finishedAt: shape.lastFinished } } }),
              },
              { name: 'sidecar', state: { waiting: { reason: 'CrashLoopBackOff' } }, restartCount: 99 },
            ],
    },
  };
}

const running = { running: { startedAt: '2025-03-01T10:00:00Z' } };
const crashLoop = { waiting: { reason: 'CrashLoopBackOff' } };

void describe('choosePod', () => {
  const cases: { name: string; pods: Shape[]; container?: string; chosen: string | undefined; why?: string }[] = [
    { name: 'no pods', pods: [], chosen: undefined },
    {
      name: 'the only failing pod among running ones',
      pods: [
        { name: 'a', created: '2025-03-01T10:00:00Z', state: running },
        { name: 'b', created: '2025-03-01T09:00:00Z', state: crashLoop, restarts: 3 },
        { name: 'c', created: '2025-03-01T11:00:00Z', state: running },
      ],
      chosen: 'b',
      why: 'b: app is CrashLoopBackOff, 3 restarts; the only one of 3 pods whose app is not running',
    },
    {
      name: 'the most restarts wins over the most recent',
      pods: [
        {
          name: 'a',
          created: '2025-03-01T10:00:00Z',
          state: crashLoop,
          restarts: 2,
          lastFinished: '2025-03-01T11:59:00Z',
        },
        {
          name: 'b',
          created: '2025-03-01T09:00:00Z',
          state: crashLoop,
          restarts: 7,
          lastFinished: '2025-03-01T11:00:00Z',
        },
      ],
      chosen: 'b',
      why: 'b: app is CrashLoopBackOff, 7 restarts; the most restarts of 2 pods whose app is not running',
    },
    {
      name: 'equal restarts: the most recent failure',
      pods: [
        {
          name: 'a',
          created: '2025-03-01T10:00:00Z',
          state: crashLoop,
          restarts: 4,
          lastFinished: '2025-03-01T11:00:00Z',
        },
        {
          name: 'b',
          created: '2025-03-01T09:00:00Z',
          state: crashLoop,
          restarts: 4,
          lastFinished: '2025-03-01T11:30:00Z',
        },
      ],
      chosen: 'b',
      why: 'b: app is CrashLoopBackOff, 4 restarts; the most restarts, then the most recent, of 2 pods whose app is not running',
    },
    {
      name: 'a terminated (not completed) container counts, a completed one does not',
      pods: [
        { name: 'done', created: '2025-03-01T11:00:00Z', state: { terminated: { exitCode: 0, reason: 'Completed' } } },
        {
          name: 'oom',
          created: '2025-03-01T10:00:00Z',
          state: { terminated: { exitCode: 137, reason: 'OOMKilled', finishedAt: '2025-03-01T10:05:00Z' } },
        },
      ],
      chosen: 'oom',
      why: 'oom: app is OOMKilled, 0 restarts; the only one of 2 pods whose app is not running',
    },
    {
      name: 'all running: the newest',
      pods: [
        { name: 'old', created: '2025-03-01T09:00:00Z', state: running },
        { name: 'new', created: '2025-03-01T11:00:00Z', state: running },
      ],
      chosen: 'new',
      why: 'new: the newest of 2 pods, all with app running or completed',
    },
    {
      name: 'pods being deleted are left out',
      pods: [
        { name: 'going', created: '2025-03-01T09:00:00Z', state: crashLoop, restarts: 9, deleting: true },
        { name: 'ok', created: '2025-03-01T08:00:00Z', state: running },
      ],
      chosen: 'ok',
      why: 'ok: the newest of 1 pod, all with app running or completed',
    },
    {
      name: 'Pending without statuses: not running; the newest first',
      pods: [
        { name: 'p1', created: '2025-03-01T09:00:00Z' },
        { name: 'p2', created: '2025-03-01T10:00:00Z' },
      ],
      chosen: 'p2',
      why: 'p2: app is Pending, 0 restarts; the most restarts, then the most recent, of 2 pods whose app is not running',
    },
    {
      name: '-c names the container judged (the sidecar crash-loops everywhere)',
      container: 'sidecar',
      pods: [
        { name: 'a', created: '2025-03-01T09:00:00Z', state: running },
        { name: 'b', created: '2025-03-01T10:00:00Z', state: running },
      ],
      chosen: 'b',
      why: 'b: sidecar is CrashLoopBackOff, 99 restarts; the most restarts, then the most recent, of 2 pods whose sidecar is not running',
    },
    {
      name: 'the default-container annotation names the container judged',
      pods: [
        { name: 'a', created: '2025-03-01T09:00:00Z', state: running, defaultContainer: 'sidecar' },
        { name: 'b', created: '2025-03-01T10:00:00Z', state: running },
      ],
      chosen: 'a',
      why: 'a: sidecar is CrashLoopBackOff, 99 restarts; the only one of 2 pods whose sidecar is not running',
    },
  ];
  for (const item of cases) {
    void it(item.name, () => {
      const choice = choosePod(item.pods.map(pod), item.container);
      if (item.chosen === undefined) {
        assert.equal(choice, undefined);
        return;
      }
      assert.deepEqual(
        { name: (choice?.pod.metadata as { name?: string } | undefined)?.name, why: choice?.why },
        { name: item.chosen, why: item.why },
      );
    });
  }
});

function job(
  name: string,
  options: { failed?: boolean; owner?: string; created?: string; failures?: number } = {},
): JsonObject {
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: {
      name,
      namespace: 'shop',
      uid: `job-${name}`,
      creationTimestamp: options.created ?? '2025-03-01T02:00:00Z',
      ...(options.owner === undefined
        ? {}
        : {
            ownerReferences: [
              { apiVersion: 'batch/v1', kind: 'CronJob', name: 'x', uid: options.owner, controller: true },
            ],
          }),
    },
    spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'report', image: 'report:1' }] } } },
    status: {
      ...(options.failures === undefined ? {} : { failed: options.failures }),
      conditions:
        options.failed === true
          ? [{ type: 'Failed', status: 'True', reason: 'BackoffLimitExceeded' }]
          : [{ type: 'Complete', status: 'True' }],
    },
  };
}

function cronJob(name: string, status: JsonObject = {}): JsonObject {
  return {
    apiVersion: 'batch/v1',
    kind: 'CronJob',
    metadata: { name, namespace: 'shop', uid: `cj-${name}` },
    spec: {
      schedule: '0 2 * * *',
      jobTemplate: {
        spec: { template: { spec: { restartPolicy: 'OnFailure', containers: [{ name: 'etl', image: 'etl:1' }] } } },
      },
    },
    status,
  };
}

function ownedPod(owner: string): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: `${owner}-pod`, namespace: 'shop', ownerReferences: [{ uid: owner, controller: true }] },
    spec: {},
  };
}

const row = (pod: string, container: string, restarts: number): DeadContainer => ({
  namespace: 'shop',
  pod,
  container,
  init: false,
  state: 'Failed',
  reason: NO_POD_LEFT,
  restarts,
  lastExitCode: undefined,
});

void describe('goneRows: the picker rows of Jobs and CronJobs with no pod left', () => {
  const cases: { name: string; jobs: JsonObject[]; cronJobs: JsonObject[]; pods: Pod[]; rows: DeadContainer[] }[] = [
    {
      name: 'a failed Job whose pods were deleted',
      jobs: [job('nightly-report', { failed: true, failures: 3 })],
      cronJobs: [],
      pods: [],
      rows: [row('job/nightly-report', 'report', 3)],
    },
    {
      name: 'a failed Job that still has pods: the pod rows cover it',
      jobs: [job('nightly-report', { failed: true })],
      cronJobs: [],
      pods: [ownedPod('job-nightly-report')],
      rows: [],
    },
    { name: 'a complete Job', jobs: [job('ok')], cronJobs: [], pods: [], rows: [] },
    {
      name: 'a CronJob whose newest Job failed and left no pod (an older one succeeded)',
      jobs: [
        job('etl-1', { owner: 'cj-etl', created: '2025-03-01T02:00:00Z' }),
        job('etl-2', { owner: 'cj-etl', created: '2025-03-02T02:00:00Z', failed: true, failures: 1 }),
      ],
      cronJobs: [cronJob('etl')],
      pods: [],
      rows: [row('cronjob/etl', 'etl', 1)],
    },
    {
      name: 'a CronJob whose newest Job succeeded (an older failure is not listed)',
      jobs: [
        job('etl-1', { owner: 'cj-etl', created: '2025-03-01T02:00:00Z', failed: true }),
        job('etl-2', { owner: 'cj-etl', created: '2025-03-02T02:00:00Z' }),
      ],
      cronJobs: [cronJob('etl')],
      pods: [],
      rows: [],
    },
    {
      name: 'a CronJob whose Jobs are gone: scheduled after its last success, nothing active',
      jobs: [],
      cronJobs: [
        cronJob('etl', { lastScheduleTime: '2025-03-02T02:00:00Z', lastSuccessfulTime: '2025-03-01T02:05:00Z' }),
        cronJob('fine', { lastScheduleTime: '2025-03-02T02:00:00Z', lastSuccessfulTime: '2025-03-02T02:05:00Z' }),
        cronJob('never-ran'),
        cronJob('running', { lastScheduleTime: '2025-03-02T02:00:00Z', active: [{ name: 'running-1' }] }),
      ],
      pods: [],
      rows: [row('cronjob/etl', 'etl', 0)],
    },
  ];
  for (const item of cases) {
    void it(item.name, () => {
      assert.deepEqual(goneRows(item.jobs, item.cronJobs, item.pods), item.rows);
    });
  }
});
