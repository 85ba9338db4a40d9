/**
 * `kubectl debugdead TYPE/NAME` under a real kube-apiserver and kube-controller-manager with the webhook as
 * shipped (test/helpers/real-cluster.ts): a Deployment, a StatefulSet and a DaemonSet (no node here: it has no
 * pod, so its template is copied), a Job whose pods the Job controller deleted when it failed (its
 * activeDeadlineSeconds ran out), and a CronJob that never ran, under Pod Security `restricted`. Each copy is
 * stored mutated, and no controller adopts it after they have all synced again.
 *
 * No kubelet and no scheduler run: pods stay Pending, so the CLI runs with --no-wait.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DEFAULT_TOOLS_NAME } from '../../src/mutation/index.js';
import { runCliInProcess, type RunResult } from '../cli/harness.js';
import { START_TIMEOUT_MS, apiServerUnavailableReason, waitFor, type ApiServer } from '../helpers/apiserver.js';
import { startRealCluster, type RealCluster } from '../helpers/real-cluster.js';

const reason = apiServerUnavailableReason();
if (reason !== undefined) console.log(`# skipping workload targets against a real API server: ${reason}`);

const MUTATED = 'debug.dead/mutated';
const SOURCE = 'debug.dead/source';
const COPY_OF = 'debug.dead/copy-of';

interface Metadata {
  name: string;
  namespace: string;
  uid: string;
  generation?: number;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: { uid: string; controller?: boolean; kind: string }[];
  deletionTimestamp?: string;
}
interface KubeObject {
  metadata: Metadata;
  spec: Record<string, unknown> & {
    initContainers?: { name: string }[];
    containers?: { name: string }[];
    restartPolicy?: string;
    volumes?: { name: string; emptyDir?: unknown; persistentVolumeClaim?: unknown }[];
  };
  status?: { observedGeneration?: number; conditions?: { type: string; status: string; reason?: string }[] };
}
interface List {
  items: KubeObject[];
}

/** A container that meets Pod Security `restricted`. */
const RESTRICTED_CONTAINER = {
  securityContext: {
    allowPrivilegeEscalation: false,
    capabilities: { drop: ['ALL'] },
    runAsNonRoot: true,
    runAsUser: 10001,
    seccompProfile: { type: 'RuntimeDefault' },
  },
};

function podTemplate(labels: Record<string, string>, container: Record<string, unknown>, extra: object = {}) {
  return {
    metadata: { labels, annotations: { 'example.com/team': 'billing' } },
    spec: {
      containers: [
        {
          name: 'app',
          image: 'registry.invalid/app:1',
          command: ['/app'],
          livenessProbe: { exec: { command: ['/healthy'] } },
          ...container,
        },
      ],
      ...extra,
    },
  };
}

void describe('workload targets against a real kube-apiserver with the webhook', { skip: reason }, () => {
  let cluster: RealCluster | undefined;
  const api = (): ApiServer => {
    assert.ok(cluster, 'the cluster did not start');
    return cluster.server;
  };

  before(
    async () => {
      cluster = await startRealCluster();
    },
    { timeout: START_TIMEOUT_MS + 60_000 },
  );
  after(
    async () => {
      await cluster?.stop();
    },
    { timeout: 120_000 },
  );

  function runCli(args: string[], suffix: string): Promise<RunResult> {
    return runCliInProcess(args, { kubeconfig: api().kubeconfigPath, suffix, pollIntervalMs: 20 });
  }

  async function get(path: string): Promise<KubeObject> {
    const res = await api().request<KubeObject>('GET', path);
    assert.equal(res.status, 200, `GET ${path}: ${res.text}`);
    return res.body;
  }

  async function create(path: string, body: object): Promise<KubeObject> {
    const res = await api().request<KubeObject>('POST', path, { body });
    assert.equal(res.status, 201, `POST ${path}: ${res.text}`);
    return res.body;
  }

  async function pods(ns: string): Promise<KubeObject[]> {
    return (await api().request<List>('GET', `/api/v1/namespaces/${ns}/pods`)).body.items;
  }

  /** The copy is stored mutated by the webhook, owned by nothing, and records its source. */
  async function storedCopy(ns: string, name: string, source: string): Promise<KubeObject> {
    const copy = await get(`/api/v1/namespaces/${ns}/pods/${name}`);
    const annotations = copy.metadata.annotations ?? {};
    assert.ok(MUTATED in annotations, `stored mutated: ${JSON.stringify(copy.metadata)}`);
    assert.deepEqual(
      copy.spec.initContainers?.map((container) => container.name),
      [DEFAULT_TOOLS_NAME],
    );
    assert.equal(annotations[SOURCE], source);
    assert.equal(copy.metadata.ownerReferences, undefined, 'owned by nothing');
    assert.equal(copy.metadata.deletionTimestamp, undefined);
    return copy;
  }

  /** Patches spec.minReadySeconds and waits until the workload's controller has synced that generation. */
  async function resync(path: string, minReadySeconds: number): Promise<void> {
    const patched = await api().request<KubeObject>('PATCH', path, {
      contentType: 'application/merge-patch+json',
      body: { spec: { minReadySeconds } },
    });
    assert.equal(patched.status, 200, patched.text);
    const generation = patched.body.metadata.generation ?? 0;
    await waitFor(
      `${path} to be synced at generation ${generation}`,
      async () => ((await get(path)).status?.observedGeneration ?? 0) >= generation || undefined,
      { timeoutMs: 60_000 },
    );
  }

  void it(
    'deploy/web, sts/db and ds/agent: a replica or the template, stored mutated, never adopted after the controllers synced',
    { timeout: 240_000 },
    async () => {
      const ns = 'wl-apps';
      assert.ok(cluster);
      await cluster.optIn(ns);
      const deployPath = `/apis/apps/v1/namespaces/${ns}/deployments`;
      await create(deployPath, {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: 'web' },
        spec: {
          replicas: 1,
          selector: { matchLabels: { app: 'web' } },
          template: podTemplate({ app: 'web' }, {}),
        },
      });
      const stsPath = `/apis/apps/v1/namespaces/${ns}/statefulsets`;
      await create(stsPath, {
        apiVersion: 'apps/v1',
        kind: 'StatefulSet',
        metadata: { name: 'db' },
        spec: {
          replicas: 1,
          serviceName: 'db',
          selector: { matchLabels: { app: 'db' } },
          template: podTemplate({ app: 'db' }, { volumeMounts: [{ name: 'data', mountPath: '/data' }] }),
          volumeClaimTemplates: [
            {
              metadata: { name: 'data' },
              spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } },
            },
          ],
        },
      });
      const dsPath = `/apis/apps/v1/namespaces/${ns}/daemonsets`;
      await create(dsPath, {
        apiVersion: 'apps/v1',
        kind: 'DaemonSet',
        metadata: { name: 'agent' },
        spec: {
          selector: { matchLabels: { app: 'agent' } },
          template: podTemplate(
            { app: 'agent' },
            { ports: [{ containerPort: 9100, hostPort: 9100 }] },
            { hostNetwork: true },
          ),
        },
      });
      const replicas = await waitFor(
        'the Deployment and StatefulSet replicas',
        async () => {
          const all = await pods(ns);
          const web = all.find((pod) => pod.metadata.ownerReferences?.[0]?.kind === 'ReplicaSet');
          const db = all.find((pod) => pod.metadata.name === 'db-0');
          return web !== undefined && db !== undefined ? { web, db } : undefined;
        },
        { timeoutMs: 60_000 },
      );

      const web = await runCli(['-n', ns, 'deploy/web', '--no-wait'], 'dep01');
      assert.equal(web.code, 0, web.stderr);
      assert.match(
        web.stderr,
        new RegExp(
          `^deployment/web: debugging pod ${replicas.web.metadata.name}: app is Pending, 0 restarts; the only one of 1 pod whose app is not running$`,
          'm',
        ),
      );
      const webCopy = `debug-${replicas.web.metadata.name}-dep01`;
      await storedCopy(ns, webCopy, `${ns}/${replicas.web.metadata.name}`);

      const db = await runCli(['-n', ns, 'statefulsets.apps/db', '--no-wait', '--keep-labels'], 'sts01');
      assert.equal(db.code, 0, db.stderr);
      await storedCopy(ns, 'debug-db-0-sts01', `${ns}/db-0`);

      // No node, so the DaemonSet has no pod: its template is copied (hostNetwork: the mutation drops the ports).
      const agent = await runCli(['-n', ns, 'ds/agent', '--no-wait'], 'ds001');
      assert.equal(agent.code, 0, agent.stderr);
      assert.match(agent.stderr, /^daemonset\/agent has no pod left: copying its pod template \(spec\.template\)$/m);
      const agentCopy = await storedCopy(ns, 'debug-agent-ds001', `daemonset/${ns}/agent`);
      assert.equal(agentCopy.metadata.labels?.[COPY_OF], 'agent');
      assert.equal('app' in (agentCopy.metadata.labels ?? {}), false, 'labels only with --keep-labels');
      assert.equal(
        agentCopy.metadata.annotations?.['example.com/team'],
        undefined,
        'annotations only with --keep-annotations',
      );

      const keptAgent = await runCli(['-n', ns, 'ds/agent', '--no-wait', '--keep-labels'], 'ds002');
      assert.equal(keptAgent.code, 0, keptAgent.stderr);
      assert.match(
        keptAgent.stderr,
        /^note: --keep-labels: not keeping app=agent: the selector of daemonset\/agent, whose controller would adopt the copy$/m,
      );
      assert.equal(
        (await storedCopy(ns, 'debug-agent-ds002', `daemonset/${ns}/agent`)).metadata.labels?.app,
        undefined,
      );

      // A StatefulSet scaled to 0: the template, with the claim volume the controller would add (then emptied).
      const scaled = await api().request('PATCH', `${stsPath}/db`, {
        contentType: 'application/merge-patch+json',
        body: { spec: { replicas: 0 } },
      });
      assert.equal(scaled.status, 200, scaled.text);
      await waitFor(
        'db-0 to be deleted',
        async () =>
          (await pods(ns)).some((pod) => pod.metadata.name === 'db-0' && pod.metadata.deletionTimestamp === undefined)
            ? undefined
            : true,
        { timeoutMs: 60_000 },
      );
      const fromTemplate = await runCli(['-n', ns, 'sts/db', '--no-wait'], 'sts02');
      assert.equal(fromTemplate.code, 0, fromTemplate.stderr);
      const dbCopy = await storedCopy(ns, 'debug-db-sts02', `statefulset/${ns}/db`);
      assert.deepEqual(
        dbCopy.spec.volumes?.find((volume) => volume.name === 'data'),
        { name: 'data', emptyDir: {} },
        'the claim of volumeClaimTemplates, emptied by the volume policy',
      );

      // Let every controller act: each sync claims matching orphans and records the generation it observed.
      for (const seconds of [1, 2]) {
        await resync(`${deployPath}/web`, seconds);
        await resync(`${stsPath}/db`, seconds);
        await resync(`${dsPath}/agent`, seconds);
      }
      for (const [name, source] of [
        [webCopy, `${ns}/${replicas.web.metadata.name}`],
        ['debug-db-0-sts01', `${ns}/db-0`],
        ['debug-agent-ds001', `daemonset/${ns}/agent`],
        ['debug-agent-ds002', `daemonset/${ns}/agent`],
        ['debug-db-sts02', `statefulset/${ns}/db`],
      ] as const) {
        await storedCopy(ns, name, source);
      }
      // Control: the DaemonSet controller does adopt an orphan carrying its selector's labels.
      await create(`/api/v1/namespaces/${ns}/pods`, {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: 'orphan-agent', labels: { app: 'agent' } },
        spec: { containers: [{ name: 'app', image: 'registry.invalid/app:1' }] },
      });
      await resync(`${dsPath}/agent`, 3);
      await waitFor(
        'the DaemonSet to claim (or remove) the orphan carrying its labels',
        async () => {
          const res = await api().request<KubeObject>('GET', `/api/v1/namespaces/${ns}/pods/orphan-agent`);
          if (res.status === 404 || res.body.metadata.deletionTimestamp !== undefined) return true;
          return res.body.metadata.ownerReferences?.some((ref) => ref.kind === 'DaemonSet') === true ? true : undefined;
        },
        { timeoutMs: 30_000 },
      );
      await storedCopy(ns, 'debug-agent-ds001', `daemonset/${ns}/agent`);
    },
  );

  void it(
    'job/report after it failed and its pods were deleted, and cj/nightly that never ran, under Pod Security restricted',
    { timeout: 180_000 },
    async () => {
      const ns = 'wl-batch';
      assert.ok(cluster);
      await cluster.optIn(ns, { 'pod-security.kubernetes.io/enforce': 'restricted' });
      const restricted = {
        restartPolicy: 'Never',
        securityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } },
      };
      await create(`/apis/batch/v1/namespaces/${ns}/jobs`, {
        apiVersion: 'batch/v1',
        kind: 'Job',
        metadata: { name: 'report' },
        // No kubelet: the pod never runs, the deadline fails the Job and the controller deletes its pods.
        spec: {
          backoffLimit: 0,
          activeDeadlineSeconds: 2,
          template: podTemplate({}, RESTRICTED_CONTAINER, restricted),
        },
      });
      await waitFor(
        'the Job to fail and its pods to be gone',
        async () => {
          const job = await get(`/apis/batch/v1/namespaces/${ns}/jobs/report`);
          const failed = job.status?.conditions?.some((c) => c.type === 'Failed' && c.status === 'True') === true;
          const left = (await pods(ns)).filter((pod) => pod.metadata.labels?.['job-name'] === 'report');
          for (const pod of left) await api().request('DELETE', `/api/v1/namespaces/${ns}/pods/${pod.metadata.name}`);
          return failed && left.length === 0 ? true : undefined;
        },
        { timeoutMs: 60_000 },
      );
      await create(`/apis/batch/v1/namespaces/${ns}/cronjobs`, {
        apiVersion: 'batch/v1',
        kind: 'CronJob',
        metadata: { name: 'nightly' },
        spec: {
          schedule: '0 3 * * *',
          suspend: true,
          jobTemplate: {
            spec: {
              template: podTemplate({ app: 'nightly' }, RESTRICTED_CONTAINER, {
                ...restricted,
                restartPolicy: 'OnFailure',
              }),
            },
          },
        },
      });

      // The picker (no terminal here: it prints its rows) offers the Job with no pod left.
      const listed = await runCli(['-n', ns], 'pick1');
      assert.equal(listed.code, 2, listed.stderr);
      assert.match(
        listed.stdout,
        new RegExp(`^${ns} +job/report +app +Failed +no pod left: copy from template +\\d+ +-$`, 'm'),
      );

      const job = await runCli(['-n', ns, 'job/report', '--no-wait'], 'job01');
      assert.equal(job.code, 0, job.stderr);
      assert.match(job.stderr, /^job\/report has no pod left: copying its pod template \(spec\.template\)$/m);
      const jobCopy = await storedCopy(ns, 'debug-report-job01', `job/${ns}/report`);
      // The DebugCopyCreated event is on the Job (the admin may create events).
      const events = await api().request<{
        items: { involvedObject: { kind: string; name: string }; message: string }[];
      }>(
        'GET',
        `/api/v1/namespaces/${ns}/events?fieldSelector=${encodeURIComponent('reason=DebugCopyCreated,involvedObject.name=report')}`,
      );
      assert.equal(events.status, 200, events.text);
      assert.deepEqual(events.body.items.map((event) => [event.involvedObject.kind, event.message]).slice(0, 1), [
        ['Job', 'debug copy debug-report-job01 created with kubectl debugdead (kubeconfig context "debugdead")'],
      ]);
      assert.equal(jobCopy.spec.restartPolicy, 'Never', 'the Job template’s restartPolicy, valid for a pod');

      const keep = await runCli(
        ['-n', ns, 'jobs.batch/report', '--no-wait', '--keep-labels', '--keep-annotations'],
        'job02',
      );
      assert.equal(keep.code, 0, keep.stderr);
      const kept = await storedCopy(ns, 'debug-report-job02', `job/${ns}/report`);
      assert.equal(kept.metadata.annotations?.['example.com/team'], 'billing');
      for (const label of [
        'controller-uid',
        'batch.kubernetes.io/controller-uid',
        'job-name',
        'batch.kubernetes.io/job-name',
      ]) {
        assert.equal(kept.metadata.labels?.[label], undefined, `${label} is removed: the Job cannot adopt the copy`);
      }

      const cron = await runCli(['-n', ns, 'cj/nightly', '--no-wait'], 'cj001');
      assert.equal(cron.code, 0, cron.stderr);
      assert.match(
        cron.stderr,
        /^cronjob\/nightly has no pod left: copying its pod template \(spec\.jobTemplate\.spec\.template\)$/m,
      );
      const cronCopy = await storedCopy(ns, 'debug-nightly-cj001', `cronjob/${ns}/nightly`);
      assert.equal(cronCopy.spec.restartPolicy, 'OnFailure');

      // Control: the same template without runAsNonRoot is refused by Pod Security in this namespace.
      const refused = await api().request('POST', `/api/v1/namespaces/${ns}/pods?dryRun=All`, {
        body: { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'plain' }, spec: podTemplate({}, {}).spec },
      });
      assert.equal(refused.status, 403, refused.text);
      assert.match((refused.body as { message?: string }).message ?? '', /violates PodSecurity "restricted:/);

      // Nothing adopts the copies: the CronJob is suspended and the Job is finished; both stay orphans.
      await new Promise((resolve) => setTimeout(resolve, 3000));
      for (const [name, source] of [
        ['debug-report-job01', `job/${ns}/report`],
        ['debug-report-job02', `job/${ns}/report`],
        ['debug-nightly-cj001', `cronjob/${ns}/nightly`],
      ] as const) {
        await storedCopy(ns, name, source);
      }
    },
  );
});
