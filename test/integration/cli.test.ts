/**
 * kubectl-debugdead under a real kube-apiserver (issue 4, part 4): the real control plane with the built
 * webhook registered as shipped (test/helpers/real-cluster.ts), a real Deployment whose ReplicaSet makes the
 * pod that is copied, the documented user Role, and users without it.
 *
 * No kubelet and no scheduler run here: pods stay Pending. Where a copy has to "run" for the CLI's wait to end,
 * the statuses are written by this test standing in for the kubelet (real-cluster-driver.ts), and only for the
 * copies. The CLI runs as a user runs it — the built dist/cli/main.js as a child process with --kubeconfig —
 * and, where that is all the same, in-process (test/cli/harness.ts) with a fixed copy-name suffix.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, afterEach, before, describe, it } from 'node:test';
import { load } from 'js-yaml';
import { copyPod } from '../../src/cli/copy/pod-copy.js';
import { DEFAULT_MUTATION_CONFIG, DEFAULT_TOOLS_NAME, mutatePod, type Pod } from '../../src/mutation/index.js';
import { pendingStep, runningStep } from '../cli/fake-apiserver.js';
import { runCliInProcess, type RunResult } from '../cli/harness.js';
import { START_TIMEOUT_MS, apiServerUnavailableReason, waitFor, type ApiServer } from '../helpers/apiserver.js';
import { startRealCluster, type RealCluster } from '../helpers/real-cluster.js';
import { runBuiltCli as runCliProcess } from '../helpers/cli-process.js';
import { REPO_ROOT } from '../helpers/webhook-process.js';
import { CLI_POLL_INTERVAL_MS, RealClusterDriver } from './real-cluster-driver.js';

const reason = apiServerUnavailableReason();
if (reason !== undefined) console.log(`# skipping the CLI against a real API server: ${reason}`);

const USER_ROLE = path.join(REPO_ROOT, 'manifests', 'rbac', 'debugdead-user-role.yaml');
const COPY_OF = 'debug.dead/copy-of';
const MUTATED = 'debug.dead/mutated';
const SOURCE_ANNOTATION = 'debug.dead/source';
const OPT_IN = { 'debug.dead/enable': 'true' };

interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
}
interface Metadata {
  name: string;
  namespace: string;
  uid: string;
  generation?: number;
  creationTimestamp?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: OwnerReference[];
  deletionTimestamp?: string;
}
interface KubePod {
  metadata: Metadata;
  spec: {
    initContainers?: { name: string; image: string }[];
    containers: { name: string; command?: string[]; livenessProbe?: unknown }[];
    activeDeadlineSeconds?: number;
  };
  status?: { phase?: string };
}
interface ReplicaSet {
  metadata: Metadata;
  spec: { replicas: number; minReadySeconds?: number; selector: { matchLabels: Record<string, string> } };
  status: { replicas?: number; observedGeneration?: number };
}
interface Deployment {
  metadata: Metadata;
  status?: { observedGeneration?: number };
}
interface List<T> {
  items: T[];
}

/** A copy is a debug copy of `source`, stored mutated by debugdead, owned by nothing, adoptable by nothing. */
function assertStoredCopy(copy: KubePod, source: KubePod): void {
  const annotations = copy.metadata.annotations ?? {};
  const labels = copy.metadata.labels ?? {};
  assert.ok(MUTATED in annotations, `the copy is stored mutated: ${JSON.stringify(copy.metadata)}`);
  const summary = JSON.parse(annotations[MUTATED] ?? '{}') as { toolsContainer?: string; containers?: string[] };
  assert.equal(summary.toolsContainer, DEFAULT_TOOLS_NAME);
  assert.deepEqual(
    copy.spec.initContainers?.map((container) => container.name),
    [DEFAULT_TOOLS_NAME],
    'the tools init container is injected',
  );
  assert.equal(copy.metadata.ownerReferences, undefined, 'the copy has no owner');
  assert.equal('pod-template-hash' in labels, false, `no pod-template-hash label: ${JSON.stringify(labels)}`);
  assert.equal(labels[COPY_OF], source.metadata.name);
  assert.equal(annotations[SOURCE_ANNOTATION], `${source.metadata.namespace}/${source.metadata.name}`);
  assert.equal(copy.metadata.deletionTimestamp, undefined, 'the copy is not being deleted');
}

function controllerUid(object: { metadata: Metadata }): string | undefined {
  return object.metadata.ownerReferences?.find((ref) => ref.controller === true)?.uid;
}

/** A plain pod as a user creates it: one container that crashes, nothing debugdead about it. */
function plainPod(name: string, extra: { labels?: Record<string, string>; annotations?: Record<string, string> } = {}) {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, ...extra },
    spec: {
      containers: [
        {
          name: 'app',
          image: 'registry.invalid/shop/api:2.1',
          command: ['/api', '--listen=:8080'],
          livenessProbe: { httpGet: { path: '/healthz', port: 8080 } },
        },
      ],
    },
  };
}

/** Copies get Pending, then Running, from the stand-in kubelet; every other pod is left as it is. */
function copiesStart(pod: Pod): ReturnType<typeof pendingStep>[] {
  const labels = (pod.metadata as { labels?: Record<string, string> } | undefined)?.labels ?? {};
  return COPY_OF in labels ? [pendingStep(pod), runningStep(pod)] : [];
}

void describe('kubectl-debugdead against a real kube-apiserver with the webhook', { skip: reason }, () => {
  let cluster: RealCluster | undefined;
  let driver: RealClusterDriver | undefined;
  let home = '';

  const real = (): RealClusterDriver => {
    assert.ok(driver, 'the cluster did not start');
    return driver;
  };
  const api = (): ApiServer => real().cluster.server;

  /** The built CLI as a child process, as a user runs it: --kubeconfig given, no KUBECONFIG, an empty HOME. */
  const runBuiltCli = (args: readonly string[], kubeconfig: string): Promise<RunResult> =>
    runCliProcess(args, { kubeconfig, home });

  /** The CLI in-process against the admin kubeconfig, with a fixed copy-name suffix. */
  function runCli(args: string[], options: { suffix?: string; kubeconfig?: string } = {}): Promise<RunResult> {
    return runCliInProcess(args, {
      kubeconfig: options.kubeconfig ?? api().kubeconfigPath,
      pollIntervalMs: CLI_POLL_INTERVAL_MS,
      ...(options.suffix === undefined ? {} : { suffix: options.suffix }),
    });
  }

  async function getJson<T>(apiPath: string): Promise<T> {
    const res = await api().request<T>('GET', apiPath);
    assert.equal(res.status, 200, `GET ${apiPath}: ${res.text}`);
    return res.body;
  }

  async function createPod(namespace: string, pod: object): Promise<KubePod> {
    const res = await api().request<KubePod>('POST', `/api/v1/namespaces/${namespace}/pods`, { body: pod });
    assert.equal(res.status, 201, res.text);
    return res.body;
  }

  async function pods(namespace: string, labelSelector?: string): Promise<KubePod[]> {
    const query = labelSelector === undefined ? '' : `?labelSelector=${encodeURIComponent(labelSelector)}`;
    return (await getJson<List<KubePod>>(`/api/v1/namespaces/${namespace}/pods${query}`)).items;
  }

  const names = (items: readonly KubePod[]): string[] => items.map((item) => item.metadata.name).sort();

  /** Waits until `user` may `verb` `resource` in `namespace` (the RBAC authorizer sees bindings through an informer). */
  async function waitForRbac(user: string, verb: string, resource: string, namespace: string): Promise<void> {
    await waitFor(
      `${user} may ${verb} ${resource} in ${namespace}`,
      async () => {
        const answer = await api().kubectl(['auth', 'can-i', verb, resource, '-n', namespace], { user });
        return answer.stdout.trim() === 'yes' ? true : undefined;
      },
      { timeoutMs: 30_000 },
    );
  }

  before(
    async () => {
      home = await mkdtemp(path.join(tmpdir(), 'debugdead-cli-home-'));
      cluster = await startRealCluster();
      driver = await RealClusterDriver.start(cluster);
      driver.setKubelet(copiesStart);
    },
    { timeout: START_TIMEOUT_MS + 60_000 },
  );

  after(
    async () => {
      try {
        await driver?.close();
      } finally {
        await cluster?.stop();
        if (home !== '') await rm(home, { recursive: true, force: true });
      }
      assert.deepEqual(driver?.standInErrors ?? [], [], 'the stand-in kubelet wrote every scripted status');
    },
    { timeout: 120_000 },
  );

  afterEach(() => {
    assert.deepEqual(driver?.standInErrors ?? [], [], 'the stand-in kubelet wrote every scripted status');
  });

  void it(
    "copies a Deployment's Pending pod: stored mutated, never adopted, the ReplicaSet keeps exactly its own pods",
    { timeout: 180_000 },
    async () => {
      const ns = 'cli-deployment';
      await real().createNamespace(ns, OPT_IN);
      const created = await api().request<Deployment>('POST', `/apis/apps/v1/namespaces/${ns}/deployments`, {
        body: {
          apiVersion: 'apps/v1',
          kind: 'Deployment',
          metadata: { name: 'web' },
          spec: {
            replicas: 2,
            selector: { matchLabels: { app: 'web' } },
            template: {
              metadata: {
                labels: { app: 'web', tier: 'frontend' },
                annotations: { 'kubectl.kubernetes.io/default-container': 'app' },
              },
              spec: {
                containers: [
                  {
                    name: 'app',
                    image: 'registry.invalid/shop/web:1.4.2',
                    args: ['--port=8080'],
                    ports: [{ name: 'http', containerPort: 8080 }],
                    livenessProbe: { httpGet: { path: '/healthz', port: 8080 } },
                    readinessProbe: { httpGet: { path: '/ready', port: 8080 } },
                  },
                  { name: 'metrics', image: 'registry.invalid/exporter:0.9' },
                ],
              },
            },
          },
        },
      });
      assert.equal(created.status, 201, created.text);
      const deployment = created.body;

      /** The Deployment's ReplicaSet once the controller has observed its latest spec and made its pods. */
      const settledReplicaSet = (minGeneration = 1): Promise<{ rs: ReplicaSet; owned: KubePod[] }> =>
        waitFor(
          `the ReplicaSet of ${ns}/web to settle (generation ≥ ${minGeneration})`,
          async () => {
            const d = await getJson<Deployment>(`/apis/apps/v1/namespaces/${ns}/deployments/web`);
            if (d.status?.observedGeneration !== d.metadata.generation) return undefined;
            const list = await getJson<List<ReplicaSet>>(`/apis/apps/v1/namespaces/${ns}/replicasets`);
            const rs = list.items.find((item) => controllerUid(item) === deployment.metadata.uid);
            if (rs === undefined || (rs.metadata.generation ?? 0) < minGeneration) return undefined;
            if (rs.status.observedGeneration !== rs.metadata.generation) return undefined;
            const owned = (await pods(ns)).filter((pod) => controllerUid(pod) === rs.metadata.uid);
            return rs.status.replicas === rs.spec.replicas && owned.length === rs.spec.replicas
              ? { rs, owned }
              : undefined;
          },
          { timeoutMs: 60_000 },
        );

      const { rs, owned } = await settledReplicaSet();
      assert.equal(owned.length, 2);
      const hash = rs.spec.selector.matchLabels['pod-template-hash'];
      assert.ok(hash !== undefined && hash !== '', 'the ReplicaSet selects on pod-template-hash');
      const replicas = names(owned);
      const source = owned.find((pod) => pod.metadata.name === replicas[0])!;
      assert.equal(source.status?.phase, 'Pending', 'no kubelet here: the replica stays Pending');
      assert.equal(source.metadata.labels?.['pod-template-hash'], hash);

      // As a user runs it: the built CLI, waiting until the (stand-in) kubelet reports the copy running.
      const run = await runBuiltCli([source.metadata.name, '-n', ns], api().kubeconfigPath);
      assert.equal(run.code, 0, run.stderr);
      const match = new RegExp(
        `^Running: ${ns}/(debug-${source.metadata.name}-[a-z0-9]{5}), a copy of ${ns}/${source.metadata.name} with app kept alive\\.$`,
        'm',
      ).exec(run.stdout);
      assert.ok(match?.[1], run.stdout);
      const copyName = match[1];
      assert.match(run.stdout, new RegExp(`kubectl debugdead clean --kubeconfig \\S+ -n ${ns} ${copyName}`));
      assert.match(run.stdout, /Probes removed: app \(livenessProbe, readinessProbe\)/);
      // The copy that keeps the source's labels: only the mutation's removal of pod-template-hash keeps it
      // away from the ReplicaSet (its app=web still matches the Deployment's selector).
      const kept = await runCli([source.metadata.name, '-n', ns, '--keep-labels', '--no-wait'], { suffix: 'kept1' });
      assert.equal(kept.code, 0, kept.stderr);
      const keptName = `debug-${source.metadata.name}-kept1`;

      const copy = await getJson<KubePod>(`/api/v1/namespaces/${ns}/pods/${copyName}`);
      assertStoredCopy(copy, source);
      assert.equal(copy.status?.phase, 'Running', 'the stand-in kubelet reported it running');
      const keptCopy = await getJson<KubePod>(`/api/v1/namespaces/${ns}/pods/${keptName}`);
      assertStoredCopy(keptCopy, source);
      assert.deepEqual(
        { app: keptCopy.metadata.labels?.app, tier: keptCopy.metadata.labels?.tier },
        { app: 'web', tier: 'frontend' },
        '--keep-labels kept the app labels',
      );
      const keptSummary = JSON.parse(keptCopy.metadata.annotations?.[MUTATED] ?? '{}') as { labelsRemoved?: string[] };
      assert.deepEqual(keptSummary.labelsRemoved, ['pod-template-hash']);

      // Give the controllers time to act, observably: each change of the Deployment's minReadySeconds makes the
      // Deployment controller update the ReplicaSet, whose controller then runs a full sync (claiming any
      // matching orphan) and records the generation it observed. Two rounds, each bounded.
      let generation = rs.metadata.generation ?? 1;
      for (const minReadySeconds of [1, 2]) {
        const patched = await api().request('PATCH', `/apis/apps/v1/namespaces/${ns}/deployments/web`, {
          contentType: 'application/merge-patch+json',
          body: { spec: { minReadySeconds } },
        });
        assert.equal(patched.status, 200, patched.text);
        const settled = await settledReplicaSet(generation + 1);
        assert.equal(settled.rs.spec.minReadySeconds, minReadySeconds);
        assert.equal(settled.rs.metadata.uid, rs.metadata.uid, 'the same ReplicaSet (the template did not change)');
        generation = settled.rs.metadata.generation ?? generation + 1;
      }

      const after = await pods(ns);
      for (const name of [copyName, keptName]) {
        const stored = after.find((pod) => pod.metadata.name === name);
        assert.ok(stored, `${name} still exists`);
        assertStoredCopy(stored, source);
      }
      assert.deepEqual(
        names(after.filter((pod) => controllerUid(pod) === rs.metadata.uid)),
        replicas,
        'the ReplicaSet owns exactly its own replicas',
      );
      const finalRs = await getJson<ReplicaSet>(`/apis/apps/v1/namespaces/${ns}/replicasets/${rs.metadata.name}`);
      assert.deepEqual({ spec: finalRs.spec.replicas, status: finalRs.status.replicas }, { spec: 2, status: 2 });

      // Control: an orphan that does carry the ReplicaSet's labels is claimed under the same conditions, so the
      // "never adopted" above is the controller's verdict, not its absence.
      await createPod(
        ns,
        plainPod('orphan-with-hash', { labels: { app: 'web', tier: 'frontend', 'pod-template-hash': hash } }),
      );
      await waitFor(
        'the ReplicaSet to claim (or remove) the orphan carrying its pod-template-hash',
        async () => {
          const res = await api().request<KubePod>('GET', `/api/v1/namespaces/${ns}/pods/orphan-with-hash`);
          if (res.status === 404 || res.body.metadata.deletionTimestamp !== undefined) return true;
          return controllerUid(res.body) === rs.metadata.uid ? true : undefined;
        },
        { timeoutMs: 30_000 },
      );
      for (const name of [copyName, keptName]) {
        assert.equal(
          (await getJson<KubePod>(`/api/v1/namespaces/${ns}/pods/${name}`)).metadata.ownerReferences,
          undefined,
          `${name} is still nobody's`,
        );
      }
    },
  );

  void it(
    '--dry-run=server returns the pod the webhook mutated and stores nothing; kubectl create -f of --dry-run=client output = the CLI’s create',
    { timeout: 60_000 },
    async () => {
      const ns = 'cli-dry-run';
      await real().createNamespace(ns, OPT_IN);
      await createPod(ns, plainPod('api'));
      const reviews = await real().cluster.reviewCount();

      const result = await runCli(['api', '-n', ns, '--dry-run=server', '-o', 'json'], { suffix: 'dry01' });
      assert.equal(result.code, 0, result.stderr);
      const printed = JSON.parse(result.stdout) as KubePod;
      assert.equal(printed.metadata.name, 'debug-api-dry01');
      assert.ok(MUTATED in (printed.metadata.annotations ?? {}), 'the webhook mutated the dry-run object');
      assert.deepEqual(
        printed.spec.initContainers?.map((container) => container.name),
        [DEFAULT_TOOLS_NAME],
      );
      assert.equal(printed.spec.containers[0]?.livenessProbe, undefined, 'the probe is removed');
      assert.ok((await real().cluster.reviewCount()) > reviews, 'the webhook answered the dry-run create');

      const notStored = await api().request('GET', `/api/v1/namespaces/${ns}/pods/debug-api-dry01`);
      assert.equal(notStored.status, 404, 'the dry-run copy is not stored');
      assert.deepEqual(names(await pods(ns)), ['api'], 'only the source is in the namespace');

      // --dry-run=client: the annotated copy, unmutated (kubectl create -f of it goes through the webhook).
      const client = await runCli(['api', '-n', ns, '--dry-run=client', '-o', 'yaml'], { suffix: 'dry02' });
      assert.equal(client.code, 0, client.stderr);
      const annotated = load(client.stdout) as KubePod;
      assert.equal(annotated.metadata.annotations?.['debug.dead/enable'], 'true');
      assert.equal(MUTATED in (annotated.metadata.annotations ?? {}), false);
      assert.deepEqual(names(await pods(ns)), ['api']);

      // The supported workflow: kubectl create -f of that output stores what the CLI's own create stores.
      const kubectl = await api().kubectl(['create', '-f', '-', '-o', 'json'], { input: client.stdout });
      assert.equal(kubectl.code, 0, kubectl.stderr);
      const viaKubectl = JSON.parse(kubectl.stdout) as KubePod;
      const own = await runCli(['api', '-n', ns, '--no-wait'], { suffix: 'dry03' });
      assert.equal(own.code, 0, own.stderr);
      const viaCli = await getJson<KubePod>(`/api/v1/namespaces/${ns}/pods/debug-api-dry03`);
      assertStoredCopy(viaKubectl, await getJson<KubePod>(`/api/v1/namespaces/${ns}/pods/api`));
      assert.deepEqual(viaKubectl.spec, viaCli.spec);
      assert.deepEqual(
        { labels: viaKubectl.metadata.labels, annotations: viaKubectl.metadata.annotations },
        { labels: viaCli.metadata.labels, annotations: viaCli.metadata.annotations },
      );
    },
  );

  void it(
    'without the opt-in label the webhook is not active: the copy is deleted again and the CLI exits 1 with the fix',
    { timeout: 60_000 },
    async () => {
      const ns = 'cli-no-webhook';
      await real().createNamespace(ns);
      await createPod(ns, plainPod('api'));
      const reviews = await real().cluster.reviewCount();

      const result = await runBuiltCli(['api', '-n', ns], api().kubeconfigPath);
      assert.equal(result.code, 1, result.stderr);
      assert.equal(result.stdout, '');
      assert.match(
        result.stderr,
        new RegExp(
          `^error: the copy ${ns}/debug-api-[a-z0-9]{5} came back without the debug\\.dead/mutated marker: the debugdead webhook is not active in namespace "${ns}"`,
        ),
      );
      assert.match(result.stderr, /The copy was deleted\./);
      assert.ok(
        result.stderr.includes(`kubectl label ns ${ns} debug.dead/enable=true`),
        `the fix is printed: ${result.stderr}`,
      );
      assert.deepEqual(await pods(ns, COPY_OF), [], 'no copy is left');
      assert.deepEqual(names(await pods(ns)), ['api']);
      assert.equal(await real().cluster.reviewCount(), reviews, 'the namespaceSelector kept the webhook out of it');
    },
  );

  void it(
    '--local in a namespace without the label: the CLI applies the rewrite and the stored pod is mutated',
    { timeout: 60_000 },
    async () => {
      const ns = 'cli-local';
      await real().createNamespace(ns);
      const source = await createPod(ns, plainPod('api'));
      const reviews = await real().cluster.reviewCount();

      const result = await runCli(['api', '-n', ns, '--local'], { suffix: 'loc01' });
      assert.equal(result.code, 0, result.stderr);
      assert.match(
        result.stdout,
        new RegExp(`^Running: ${ns}/debug-api-loc01, a copy of ${ns}/api with app kept alive\\.`),
      );
      assert.match(result.stdout, /Original command of app:\n {2}command: \/api --listen=:8080\n/);

      const stored = await getJson<KubePod>(`/api/v1/namespaces/${ns}/pods/debug-api-loc01`);
      assertStoredCopy(stored, source);
      const sourceNow = await getJson<Pod>(`/api/v1/namespaces/${ns}/pods/api`);
      const local = mutatePod(copyPod(sourceNow, { suffix: 'loc01' }), DEFAULT_MUTATION_CONFIG, {
        operation: 'CREATE',
      });
      if (local.outcome !== 'mutated') assert.fail(`expected a mutation, got ${local.outcome}`);
      const localAnnotations = (local.pod.metadata as { annotations: Record<string, string> }).annotations;
      assert.equal(stored.metadata.annotations?.[MUTATED], localAnnotations[MUTATED], 'the CLI’s own rewrite');
      assert.equal(
        stored.spec.activeDeadlineSeconds,
        (local.pod.spec as { activeDeadlineSeconds: number }).activeDeadlineSeconds,
      );
      assert.equal(await real().cluster.reviewCount(), reviews, 'no webhook was involved');
    },
  );

  void it(
    'list shows the copies; clean deletes only pods carrying debug.dead/copy-of',
    { timeout: 60_000 },
    async () => {
      const ns = 'cli-list-clean';
      await real().createNamespace(ns, OPT_IN);
      const source = await createPod(ns, plainPod('api'));
      for (const suffix of ['aaaa1', 'bbbb2']) {
        const made = await runCli(['api', '-n', ns, '--no-wait'], { suffix });
        assert.equal(made.code, 0, made.stderr);
      }
      // Decoys: a plain pod, and a pod the webhook mutated that is not a CLI copy (no copy-of label).
      await createPod(ns, plainPod('decoy'));
      const mutatedDecoy = await createPod(ns, plainPod('decoy-mutated', { annotations: OPT_IN }));
      assert.ok(MUTATED in (mutatedDecoy.metadata.annotations ?? {}), 'the webhook mutated the annotated decoy');

      // The stand-in kubelet starts copies: list once it has reported both running.
      await waitFor(
        'both copies to be reported running',
        async () => {
          const running = (await pods(ns, COPY_OF)).filter((pod) => pod.status?.phase === 'Running');
          return running.length === 2 ? true : undefined;
        },
        { timeoutMs: 30_000 },
      );
      const list = await runBuiltCli(['list', '-n', ns], api().kubeconfigPath);
      assert.equal(list.code, 0, list.stderr);
      const rows = list.stdout.trimEnd().split('\n');
      assert.match(rows[0] ?? '', /^NAME\s+SOURCE\s+CONTAINER\s+PHASE\s+AGE\s+EXPIRES$/);
      assert.deepEqual(
        rows.slice(1).map((row) => row.split(/\s+/).slice(0, 4)),
        [
          ['debug-api-aaaa1', `${ns}/api`, 'app', 'Running'],
          ['debug-api-bbbb2', `${ns}/api`, 'app', 'Running'],
        ],
      );
      const everywhere = await runCli(['list', '-A']);
      assert.equal(everywhere.code, 0, everywhere.stderr);
      assert.match(everywhere.stdout, /^NAMESPACE\s+NAME\s+SOURCE/);
      assert.match(everywhere.stdout, new RegExp(`^${ns}\\s+debug-api-aaaa1\\s+${ns}/api\\s`, 'm'));

      const refused = await runCli(['clean', '-n', ns, 'decoy-mutated']);
      assert.equal(refused.code, 1);
      assert.match(refused.stderr, /pod "decoy-mutated" in namespace "cli-list-clean" is not a debug copy/);

      const clean = await runBuiltCli(['clean', '--all', '-n', ns], api().kubeconfigPath);
      assert.equal(clean.code, 0, clean.stderr);
      assert.equal(
        clean.stdout,
        `pod "debug-api-aaaa1" deleted from namespace "${ns}"\npod "debug-api-bbbb2" deleted from namespace "${ns}"\n`,
      );
      assert.deepEqual(names(await pods(ns)), ['api', 'decoy', 'decoy-mutated'], 'the source and the decoys survive');
      assert.equal((await getJson<KubePod>(`/api/v1/namespaces/${ns}/pods/api`)).metadata.uid, source.metadata.uid);

      const empty = await runCli(['list', '-n', ns]);
      assert.deepEqual(empty, { code: 0, stdout: '', stderr: `No debug copies found in namespace "${ns}".\n` });
    },
  );

  void it(
    'admission refusals are shown as what they are (LimitRange 403, ValidatingAdmissionPolicy 422), not as missing RBAC; no copy is left',
    { timeout: 120_000 },
    async () => {
      const ns = 'cli-admission';
      await real().createNamespace(ns, OPT_IN);
      // The source was created before the namespace's limits: its 128Mi limit no longer fits a 64Mi maximum,
      // whatever the mutation gives the tools container.
      const source = plainPod('api');
      Object.assign(source.spec.containers[0]!, { resources: { limits: { memory: '128Mi' } } });
      await createPod(ns, source);
      const limits = await api().request('POST', `/api/v1/namespaces/${ns}/limitranges`, {
        body: {
          apiVersion: 'v1',
          kind: 'LimitRange',
          metadata: { name: 'small' },
          spec: { limits: [{ type: 'Container', max: { memory: '64Mi' } }] },
        },
      });
      assert.equal(limits.status, 201, limits.text);

      const limited = await runBuiltCli(['api', '-n', ns], api().kubeconfigPath);
      assert.equal(limited.code, 1, limited.stderr);
      assert.match(
        limited.stderr,
        new RegExp(
          `^error: a LimitRange in namespace "${ns}" rejected pod "debug-api-[a-z0-9]{5}": pods "debug-api-[a-z0-9]{5}" is ` +
            'forbidden: maximum memory usage per Container is 64Mi, but limit is 128Mi\\. It is a limit of the namespace, ' +
            `not a missing permission: see it with kubectl describe limitrange -n ${ns}\\n$`,
        ),
      );
      assert.doesNotMatch(limited.stderr, /RBAC/);
      assert.deepEqual(await pods(ns, COPY_OF), [], 'nothing was created');
      const removed = await api().request('DELETE', `/api/v1/namespaces/${ns}/limitranges/small`);
      assert.equal(removed.status, 200, removed.text);

      // A ValidatingAdmissionPolicy that refuses debug copies in this namespace only.
      const policy = await api().request('POST', '/apis/admissionregistration.k8s.io/v1/validatingadmissionpolicies', {
        body: {
          apiVersion: 'admissionregistration.k8s.io/v1',
          kind: 'ValidatingAdmissionPolicy',
          metadata: { name: 'no-debug-copies' },
          spec: {
            failurePolicy: 'Fail',
            matchConstraints: {
              resourceRules: [{ apiGroups: [''], apiVersions: ['v1'], operations: ['CREATE'], resources: ['pods'] }],
            },
            validations: [
              {
                expression: `!has(object.metadata.labels) || !('${COPY_OF}' in object.metadata.labels)`,
                message: 'debug copies are not allowed here',
              },
            ],
          },
        },
      });
      assert.equal(policy.status, 201, policy.text);
      const binding = await api().request(
        'POST',
        '/apis/admissionregistration.k8s.io/v1/validatingadmissionpolicybindings',
        {
          body: {
            apiVersion: 'admissionregistration.k8s.io/v1',
            kind: 'ValidatingAdmissionPolicyBinding',
            metadata: { name: 'no-debug-copies-admission' },
            spec: {
              policyName: 'no-debug-copies',
              validationActions: ['Deny'],
              matchResources: { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': ns } } },
            },
          },
        },
      );
      assert.equal(binding.status, 201, binding.text);
      try {
        // The API server compiles policies in the background: run until the policy is in force.
        const refused = await waitFor(
          'the ValidatingAdmissionPolicy to refuse the copy',
          async () => {
            const run = await runCli(['api', '-n', ns, '--no-wait'], { suffix: 'vap01' });
            if (run.code === 0) {
              await api().request('DELETE', `/api/v1/namespaces/${ns}/pods/debug-api-vap01`);
              return undefined;
            }
            return run;
          },
          { timeoutMs: 30_000 },
        );
        assert.equal(refused.code, 1, refused.stderr);
        assert.equal(
          refused.stderr,
          `error: the ValidatingAdmissionPolicy "no-debug-copies" (binding "no-debug-copies-admission") in namespace "${ns}" ` +
            `rejected pod "debug-api-vap01": pods "debug-api-vap01" is forbidden: ValidatingAdmissionPolicy 'no-debug-copies' ` +
            "with binding 'no-debug-copies-admission' denied request: debug copies are not allowed here. It is a policy of the " +
            'cluster, not a missing permission: change the pod to meet it, or ask whoever runs the policy\n',
        );
        assert.deepEqual(await pods(ns, COPY_OF), [], 'nothing was created');
      } finally {
        await api().request(
          'DELETE',
          '/apis/admissionregistration.k8s.io/v1/validatingadmissionpolicybindings/no-debug-copies-admission',
        );
        await api().request(
          'DELETE',
          '/apis/admissionregistration.k8s.io/v1/validatingadmissionpolicies/no-debug-copies',
        );
      }
    },
  );

  void it(
    'a user bound to the documented Role can copy, dry-run, list and clean; one without create pods gets the translated forbidden error',
    { timeout: 120_000 },
    async () => {
      const ns = 'cli-rbac';
      await real().createNamespace(ns, OPT_IN);
      await createPod(ns, plainPod('api'));
      const applied = await api().kubectl(['apply', '-n', ns, '-f', USER_ROLE]);
      assert.equal(applied.code, 0, applied.stderr);
      const bound = await api().kubectl([
        'create',
        'rolebinding',
        'debugdead-user',
        '-n',
        ns,
        '--role=debugdead-user',
        '--user=alice',
      ]);
      assert.equal(bound.code, 0, bound.stderr);
      // bob may read pods and events, but not create or delete them.
      const reader = await api().kubectl([
        'create',
        'role',
        'pod-reader',
        '-n',
        ns,
        '--verb=get,list,watch',
        '--resource=pods,events',
      ]);
      assert.equal(reader.code, 0, reader.stderr);
      const readerBinding = await api().kubectl([
        'create',
        'rolebinding',
        'pod-reader',
        '-n',
        ns,
        '--role=pod-reader',
        '--user=bob',
      ]);
      assert.equal(readerBinding.code, 0, readerBinding.stderr);
      await waitForRbac('alice', 'create', 'pods', ns);
      await waitForRbac('bob', 'get', 'pods', ns);

      const alice = api().users.alice?.kubeconfigPath;
      const bob = api().users.bob?.kubeconfigPath;
      assert.ok(alice !== undefined && bob !== undefined, 'the harness made kubeconfigs for alice and bob');

      // alice: the whole flow, waiting included (get pod, list events).
      const copied = await runBuiltCli(['api', '-n', ns], alice);
      assert.equal(copied.code, 0, copied.stderr);
      const copyName = new RegExp(`^Running: ${ns}/(debug-api-[a-z0-9]{5}), a copy`, 'm').exec(copied.stdout)?.[1];
      assert.ok(copyName, copied.stdout);
      assert.doesNotMatch(copied.stderr, /events are not shown/, 'the Role lets the wait read events');
      assertStoredCopy(
        await getJson<KubePod>(`/api/v1/namespaces/${ns}/pods/${copyName}`),
        await getJson<KubePod>(`/api/v1/namespaces/${ns}/pods/api`),
      );

      const server = await runBuiltCli(['api', '-n', ns, '--dry-run=server', '-o', 'json'], alice);
      assert.equal(server.code, 0, server.stderr);
      assert.ok(MUTATED in ((JSON.parse(server.stdout) as KubePod).metadata.annotations ?? {}));
      const client = await runCli(['api', '-n', ns, '--dry-run=client'], { kubeconfig: alice, suffix: 'cli01' });
      assert.equal(client.code, 0, client.stderr);
      assert.equal((load(client.stdout) as KubePod).metadata.name, 'debug-api-cli01');
      assert.deepEqual(names(await pods(ns, COPY_OF)), [copyName], 'the dry runs stored nothing');

      const list = await runBuiltCli(['list', '-n', ns], alice);
      assert.equal(list.code, 0, list.stderr);
      assert.match(list.stdout, new RegExp(`^${copyName}\\s+${ns}/api\\s+app\\s+Running\\s`, 'm'));
      // The Role is namespaced, as its comment says: -A needs the same rules cluster-wide.
      const everywhere = await runCli(['list', '-A'], { kubeconfig: alice });
      assert.equal(everywhere.code, 1);
      assert.match(
        everywhere.stderr,
        /may not list pods in any namespace \(cluster-wide\)\. Ask for RBAC permission to "list" "pods" cluster-wide \(a ClusterRole and ClusterRoleBinding\)/,
      );

      // bob: reading works, creating does not; the CLI names the verb and resource, and nothing is created.
      const denied = await runBuiltCli(['api', '-n', ns], bob);
      assert.equal(denied.code, 1, denied.stderr);
      assert.match(
        denied.stderr,
        new RegExp(
          `^error: forbidden: context "debugdead" may not create pods in namespace "${ns}"\\. ` +
            `Ask for RBAC permission to "create" "pods" in namespace "${ns}" \\(a Role and RoleBinding\\)\\. ` +
            `The API server said: .*User "bob" cannot create resource "pods"`,
        ),
      );
      const deniedDryRun = await runCli(['api', '-n', ns, '--dry-run=server'], { kubeconfig: bob });
      assert.equal(deniedDryRun.code, 1);
      assert.match(deniedDryRun.stderr, /may not create pods in namespace "cli-rbac"/);
      const deniedClean = await runCli(['clean', '--all', '-n', ns], { kubeconfig: bob });
      assert.equal(deniedClean.code, 1);
      assert.match(deniedClean.stderr, /may not delete pods in namespace "cli-rbac"/);
      assert.deepEqual(names(await pods(ns, COPY_OF)), [copyName], 'bob created and deleted nothing');

      // alice cleans up after herself; --local works for her too.
      const local = await runCli(['api', '-n', ns, '--local', '--no-wait'], { kubeconfig: alice, suffix: 'loc02' });
      assert.equal(local.code, 0, local.stderr);
      assertStoredCopy(
        await getJson<KubePod>(`/api/v1/namespaces/${ns}/pods/debug-api-loc02`),
        await getJson<KubePod>(`/api/v1/namespaces/${ns}/pods/api`),
      );
      const clean = await runBuiltCli(['clean', '--all', '-n', ns], alice);
      assert.equal(clean.code, 0, clean.stderr);
      assert.deepEqual(await pods(ns, COPY_OF), []);
      assert.deepEqual(names(await pods(ns)), ['api']);
    },
  );
});
