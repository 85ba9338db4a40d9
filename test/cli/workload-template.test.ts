/** The copy of a workload with no pod left, from its pod template: whole objects, and what the mutation makes of it. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_MUTATION_CONFIG, mutatePod, type JsonObject } from '../../src/mutation/index.js';
import { copyTemplate, podFromTemplate } from '../../src/cli/workload/template-copy.js';
import { WORKLOAD_KINDS, type WorkloadKind } from '../../src/cli/workload/target.js';
import { keepAwayFromController } from '../../src/cli/workload/adoption.js';
import { podProblems } from '../helpers/pod-check.js';

const JOB_TEMPLATE = {
  metadata: {
    labels: {
      'batch.kubernetes.io/controller-uid': '5a0c',
      'batch.kubernetes.io/job-name': 'nightly-report',
      'controller-uid': '5a0c',
      'job-name': 'nightly-report',
      team: 'billing',
    },
    annotations: { 'sidecar.istio.io/inject': 'false' },
  },
  spec: {
    restartPolicy: 'Never',
    containers: [{ name: 'report', image: 'registry.example.com/report:3.1', args: ['--since=24h'] }],
  },
};

const job: JsonObject = {
  apiVersion: 'batch/v1',
  kind: 'Job',
  metadata: { name: 'nightly-report', namespace: 'billing', uid: '5a0c', resourceVersion: '9' },
  spec: {
    backoffLimit: 2,
    selector: { matchLabels: { 'batch.kubernetes.io/controller-uid': '5a0c' } },
    template: JOB_TEMPLATE,
  },
  status: { failed: 3, conditions: [{ type: 'Failed', status: 'True' }] },
};

const cronJob: JsonObject = {
  apiVersion: 'batch/v1',
  kind: 'CronJob',
  metadata: { name: 'etl', namespace: 'data', uid: 'c1' },
  spec: {
    schedule: '0 2 * * *',
    jobTemplate: {
      spec: {
        template: {
          spec: { restartPolicy: 'OnFailure', containers: [{ name: 'etl', image: 'etl:2', command: ['/etl'] }] },
        },
      },
    },
  },
};

const statefulSet: JsonObject = {
  apiVersion: 'apps/v1',
  kind: 'StatefulSet',
  metadata: { name: 'db', namespace: 'data', uid: 's1' },
  spec: {
    replicas: 0,
    serviceName: 'db',
    selector: { matchLabels: { app: 'db' } },
    template: {
      metadata: { labels: { app: 'db' } },
      spec: {
        containers: [
          {
            name: 'db',
            image: 'postgres:17',
            volumeMounts: [
              { name: 'data', mountPath: '/var/lib/postgresql' },
              { name: 'config', mountPath: '/etc/db' },
            ],
          },
        ],
        volumes: [{ name: 'config', configMap: { name: 'db-config' } }],
      },
    },
    volumeClaimTemplates: [
      {
        metadata: { name: 'data' },
        spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } },
      },
    ],
  },
};

void describe('the copy of a pod template', () => {
  void it('a Job: the template as a pod; labels and annotations dropped; restartPolicy kept; source TYPE/ns/name', () => {
    assert.deepEqual(copyTemplate(WORKLOAD_KINDS.job, job, { suffix: 'abc12' }), {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        name: 'debug-nightly-report-abc12',
        namespace: 'billing',
        labels: { 'debug.dead/copy-of': 'nightly-report' },
        annotations: { 'debug.dead/enable': 'true', 'debug.dead/source': 'job/billing/nightly-report' },
      },
      spec: {
        restartPolicy: 'Never',
        containers: [{ name: 'report', image: 'registry.example.com/report:3.1', args: ['--since=24h'] }],
      },
    });
  });

  void it('a Job with --keep-labels --keep-annotations: the template’s, the mutation then removes the adoption labels', () => {
    const copy = copyTemplate(WORKLOAD_KINDS.job, job, { suffix: 'abc12', keepLabels: true, keepAnnotations: true });
    assert.deepEqual(copy.metadata, {
      name: 'debug-nightly-report-abc12',
      namespace: 'billing',
      labels: { ...JOB_TEMPLATE.metadata.labels, 'debug.dead/copy-of': 'nightly-report' },
      annotations: {
        'sidecar.istio.io/inject': 'false',
        'debug.dead/enable': 'true',
        'debug.dead/source': 'job/billing/nightly-report',
      },
    });
    const mutated = mutatePod(copy, DEFAULT_MUTATION_CONFIG, { operation: 'CREATE' });
    if (mutated.outcome !== 'mutated') assert.fail(`expected a mutation, got ${mutated.outcome}`);
    assert.deepEqual((mutated.pod.metadata as { labels: unknown }).labels, {
      team: 'billing',
      'debug.dead/copy-of': 'nightly-report',
    });
    assert.deepEqual(podProblems(mutated.pod), []);
    assert.equal((mutated.pod.spec as { restartPolicy: string }).restartPolicy, 'Never');
  });

  void it('a CronJob: spec.jobTemplate.spec.template', () => {
    assert.deepEqual(copyTemplate(WORKLOAD_KINDS.cronjob, cronJob, { suffix: 'zz999', ttl: '2h' }), {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        name: 'debug-etl-zz999',
        namespace: 'data',
        labels: { 'debug.dead/copy-of': 'etl' },
        annotations: { 'debug.dead/enable': 'true', 'debug.dead/ttl': '2h', 'debug.dead/source': 'cronjob/data/etl' },
      },
      spec: { restartPolicy: 'OnFailure', containers: [{ name: 'etl', image: 'etl:2', command: ['/etl'] }] },
    });
  });

  void it('a StatefulSet: the claims of volumeClaimTemplates are added (ordinal 0’s), then emptied by the mutation', () => {
    const pod = podFromTemplate(WORKLOAD_KINDS.statefulset, statefulSet);
    assert.deepEqual((pod.spec as { volumes: unknown }).volumes, [
      { name: 'config', configMap: { name: 'db-config' } },
      { name: 'data', persistentVolumeClaim: { claimName: 'data-db-0' } },
    ]);
    const mutated = mutatePod(
      copyTemplate(WORKLOAD_KINDS.statefulset, statefulSet, { suffix: 'aaaaa' }),
      DEFAULT_MUTATION_CONFIG,
      {
        operation: 'CREATE',
      },
    );
    if (mutated.outcome !== 'mutated') assert.fail(`expected a mutation, got ${mutated.outcome}`);
    assert.deepEqual(podProblems(mutated.pod), [], 'every volumeMount names a volume');
    const volumes = (mutated.pod.spec as { volumes: { name: string; emptyDir?: unknown }[] }).volumes;
    assert.deepEqual(
      volumes.find((volume) => volume.name === 'data'),
      { name: 'data', emptyDir: {} },
    );
  });

  void it('a workload without a template is refused, naming the field', () => {
    assert.throws(
      () => podFromTemplate(WORKLOAD_KINDS.cronjob, { metadata: { name: 'x', namespace: 'y' }, spec: {} }),
      /cronjob\/x has no pod template \(spec\.jobTemplate\.spec\.template\): nothing to copy/,
    );
  });
});

void describe('--keep-labels and controllers that adopt by selector', () => {
  const daemonSet: JsonObject = {
    metadata: { name: 'agent', namespace: 'ops' },
    spec: {
      selector: { matchLabels: { app: 'agent' } },
      template: {
        metadata: { labels: { app: 'agent', tier: 'node' } },
        spec: { containers: [{ name: 'a', image: 'a' }] },
      },
    },
  };
  const cases: {
    name: string;
    kind: WorkloadKind;
    selector?: Record<string, string>;
    labels: Record<string, string>;
    after: Record<string, string>;
    note?: string;
  }[] = [
    {
      name: 'a DaemonSet: its selector labels are dropped, the others kept',
      kind: WORKLOAD_KINDS.daemonset,
      labels: { app: 'agent', tier: 'node', 'debug.dead/copy-of': 'agent' },
      after: { tier: 'node', 'debug.dead/copy-of': 'agent' },
      note: '--keep-labels: not keeping app=agent: the selector of daemonset/agent, whose controller would adopt the copy',
    },
    {
      name: 'a ReplicaSet the same way',
      kind: WORKLOAD_KINDS.replicaset,
      labels: { app: 'agent', 'debug.dead/copy-of': 'agent' },
      after: { 'debug.dead/copy-of': 'agent' },
      note: '--keep-labels: not keeping app=agent: the selector of replicaset/agent, whose controller would adopt the copy',
    },
    {
      name: 'a selector on a label the mutation removes (a Deployment’s ReplicaSet): nothing dropped',
      kind: WORKLOAD_KINDS.replicaset,
      selector: { app: 'agent', 'pod-template-hash': '7d4b' },
      labels: { app: 'agent', 'pod-template-hash': '7d4b', 'debug.dead/copy-of': 'agent' },
      after: { app: 'agent', 'pod-template-hash': '7d4b', 'debug.dead/copy-of': 'agent' },
    },
    {
      name: 'labels that do not match the selector are left alone',
      kind: WORKLOAD_KINDS.daemonset,
      labels: { app: 'other', 'debug.dead/copy-of': 'agent' },
      after: { app: 'other', 'debug.dead/copy-of': 'agent' },
    },
    {
      name: 'a StatefulSet adopts only pods named after it: nothing dropped',
      kind: WORKLOAD_KINDS.statefulset,
      labels: { app: 'agent', 'debug.dead/copy-of': 'agent' },
      after: { app: 'agent', 'debug.dead/copy-of': 'agent' },
    },
  ];
  for (const item of cases) {
    void it(item.name, () => {
      const copy = {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: 'debug-agent-aaaaa', labels: { ...item.labels } },
        spec: {},
      };
      const owner =
        item.selector === undefined ? daemonSet : { ...daemonSet, spec: { selector: { matchLabels: item.selector } } };
      const note = keepAwayFromController(copy, item.kind, owner, 'agent');
      assert.deepEqual({ labels: copy.metadata.labels, note }, { labels: item.after, note: item.note });
    });
  }
});
