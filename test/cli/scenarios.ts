/**
 * The CLI's flows as scenario functions over a ClusterDriver: each sets up its own namespace, runs the CLI
 * in-process against driver.kubeconfigPath, and asserts the output, the cluster's state afterwards (no copy
 * left behind by a failed run) and, when the driver records them, the exact requests. flows.test.ts runs them
 * against the fake API server, test/integration/cli-flows.test.ts against the real kube-apiserver harness.
 * What a driver cannot do the same way is a property of the driver (ClusterDriver), never a copy of a scenario.
 */
import assert from 'node:assert/strict';
import { load } from 'js-yaml';
import {
  DEFAULT_MUTATION_CONFIG,
  DEFAULT_TTL_SECONDS,
  mutatePod,
  type JsonObject,
  type Pod,
} from '../../src/mutation/index.js';
import { copyPod } from '../../src/cli/copy/pod-copy.js';
import type { ClusterDriver } from './cluster-driver.js';
import { pendingStep, runningStep, type KubeletStep, type RecordedRequest } from './fake-apiserver.js';
import { deploymentPod } from './fixtures.js';
import { copyEvent } from '../../src/cli/kube/events.js';
import { HARNESS_NOW, runCliInProcess, startCli } from './harness.js';

export const SOURCE = 'web-7d4b9c8f6d-x2k9p';
export const SUFFIX = 'k3x9q';
export const COPY = `debug-${SOURCE}-${SUFFIX}`;
const COPY_OF = 'debug.dead/copy-of';

/** Method, path, query and body of each request: what the CLI asked for. */
export function simplify(
  requests: readonly RecordedRequest[],
): { method: string; path: string; query?: Record<string, string>; body?: unknown }[] {
  return requests.map((request) => ({
    method: request.method,
    path: request.path,
    ...(Object.keys(request.query).length === 0 ? {} : { query: request.query }),
    ...(request.body === undefined ? {} : { body: request.body }),
  }));
}

function podPath(namespace: string, name?: string): string {
  return `/api/v1/namespaces/${namespace}/pods${name === undefined ? '' : `/${name}`}`;
}

function eventsRequest(
  namespace: string,
  name: string,
  uid: string,
): { method: string; path: string; query: Record<string, string> } {
  return {
    method: 'GET',
    path: `/api/v1/namespaces/${namespace}/events`,
    query: { fieldSelector: `involvedObject.kind=Pod,involvedObject.name=${name},involvedObject.uid=${uid}` },
  };
}

/** The DebugCopyCreated event the CLI records on the source once the copy is stored (the harness's clock). */
function copyEventRequest(
  driver: ClusterDriver,
  namespace: string,
  source: Pod,
): { method: string; path: string; body: unknown } {
  return {
    method: 'POST',
    path: `/api/v1/namespaces/${namespace}/events`,
    body: copyEvent(
      { apiVersion: 'v1', kind: 'Pod', namespace, name: SOURCE, uid: uidOf(source) },
      COPY,
      driver.contextName,
      new Date(HARNESS_NOW),
    ),
  };
}

/**
 * The requests apart from the wait's watch of the copy (src/cli/kube/wait.ts), which runs beside the polls and so
 * has no fixed place among them; asserts that there was exactly one, on the copy, after a state it had read.
 */
function withoutCopyWatch(
  requests: readonly RecordedRequest[],
  namespace: string,
  copy: string,
): readonly RecordedRequest[] {
  const watches = requests.filter((request) => request.query.watch !== undefined);
  assert.deepEqual(
    simplify(watches).map((watch) => ({
      ...watch,
      query: { ...watch.query, resourceVersion: /^\d+$/.test(watch.query?.resourceVersion ?? '') },
    })),
    [
      {
        method: 'GET',
        path: podPath(namespace),
        query: {
          watch: 'true',
          fieldSelector: `metadata.name=${copy}`,
          resourceVersion: true,
          allowWatchBookmarks: 'false',
        },
      },
    ],
    'the wait watches the copy',
  );
  return requests.filter((request) => request.query.watch === undefined);
}

function uidOf(pod: Pod | undefined): string {
  return String((pod?.metadata as JsonObject | undefined)?.uid ?? '');
}

/** Creates the namespace and the source pod; returns the source as the cluster stores it (what the CLI copies). */
async function setUp(
  driver: ClusterDriver,
  namespace: string,
  webhook: boolean,
  source: Pod = deploymentPod({ namespace }),
): Promise<Pod> {
  await driver.createNamespace(namespace, webhook ? { 'debug.dead/enable': 'true' } : {});
  await driver.createPod(source);
  const stored = await driver.getPod(namespace, String((source.metadata as JsonObject).name));
  assert.ok(stored, 'the source pod exists');
  driver.setKubelet((pod) => [pendingStep(pod), runningStep(pod)]);
  driver.clearRequests();
  return structuredClone(stored);
}

async function assertNoCopies(driver: ClusterDriver, namespace: string): Promise<void> {
  assert.deepEqual(await driver.listPods(namespace, COPY_OF), [], `no debug copy is left in ${namespace}`);
}

function cli(
  driver: ClusterDriver,
  argv: string[],
  extra: Parameters<typeof runCliInProcess>[1] = {},
): ReturnType<typeof runCliInProcess> {
  return runCliInProcess(argv, {
    kubeconfig: driver.kubeconfigPath,
    ...(driver.pollIntervalMs === undefined ? {} : { pollIntervalMs: driver.pollIntervalMs }),
    ...extra,
  });
}

const PROGRESS = `waiting for ${COPY}: `;

/**
 * The stderr of a run that waited for the copy. With a kubelet that moves one step per GET
 * (driver.kubeletStepPerGet) it is compared exactly. With a stand-in kubelet on its own clock, the CLI may first
 * see the copy as created, before any status was written (`created`: the progress line of that pod, such as
 * "Pending, app: not started"), and may miss a step overwritten between two looks; then every line other than
 * the progress lines is still compared exactly and in order, at least one progress line was printed, and the
 * progress lines are, in order, a subsequence of [created, ...the expected progress lines].
 */
function assertWaitStderr(driver: ClusterDriver, actual: string, expected: string, created: string): void {
  if (driver.kubeletStepPerGet) {
    assert.equal(actual, expected);
    return;
  }
  const progress = (text: string): string[] => text.split('\n').filter((line) => line.startsWith(PROGRESS));
  const other = (text: string): string =>
    text
      .split('\n')
      .filter((line) => !line.startsWith(PROGRESS))
      .join('\n');
  assert.equal(other(actual), other(expected), `stderr without the progress lines; stderr:\n${actual}`);
  const allowed = [`${PROGRESS}${created}`, ...progress(expected)];
  const seen = progress(actual);
  assert.ok(seen.length > 0, `the wait showed its progress; stderr:\n${actual}`);
  let next = 0;
  for (const line of seen) {
    const index = allowed.indexOf(line, next);
    assert.ok(index >= 0, `progress line ${JSON.stringify(line)} is one of, in order, ${JSON.stringify(allowed)}`);
    next = index + 1;
  }
}

export function expectedReport(namespace: string): string {
  return `Running: ${namespace}/${COPY}, a copy of ${namespace}/${SOURCE} with app kept alive.

Open a shell in app with the tools on PATH:
  kubectl exec -it -n ${namespace} ${COPY} -c app -- /debug-dead/busybox env ENV=/debug-dead/.profile /debug-dead/busybox sh

Original command of app:
  command: none in the pod spec: the image ENTRYPOINT ran (it is in the image, not known here), with
  args:    --port=8080 --config=/etc/web/config.yaml

Reproduce the crash in the shell: /debug-dead/rerun

Tools image: busybox:1.37.0-musl (the default; --image chooses another)
Volumes replaced by empty directories (their data is not in the copy): data
Probes removed: app (livenessProbe)
Time to live: 1d, until 2025-03-02T10:00:01Z (then the pod stops; delete it earlier when done)

Clean up:
  kubectl debugdead clean -n ${namespace} ${COPY}
`;
}

/** Create, wait (Pending, then Running), print how to get in. */
export async function scenarioCreateWaitPrint(driver: ClusterDriver): Promise<void> {
  const namespace = 'flow-create';
  const source = await setUp(driver, namespace, true);
  const result = await cli(driver, [SOURCE, '-n', namespace]);
  assert.equal(result.code, 0, result.stderr);
  assert.equal(result.stdout, expectedReport(namespace));
  assertWaitStderr(
    driver,
    result.stderr,
    'Warning: volume data (PVC web-data) is now an emptyDir: the copy sees an empty /data\n' +
      `waiting for ${COPY}: Pending, debug-dead-tools: PodInitializing, app: ContainerCreating\n`,
    'Pending, app: not started',
  );
  const stored = await driver.getPod(namespace, COPY);
  assert.ok(stored, 'the copy exists');
  const annotations = (stored.metadata as JsonObject).annotations as Record<string, string>;
  assert.ok('debug.dead/mutated' in annotations);
  assert.equal(((stored.metadata as JsonObject).labels as Record<string, string>)[COPY_OF], SOURCE);
  const requests = driver.requests();
  if (requests !== undefined) {
    const uid = uidOf(stored);
    assert.deepEqual(simplify(withoutCopyWatch(requests, namespace, COPY)), [
      { method: 'GET', path: podPath(namespace, SOURCE) },
      { method: 'POST', path: podPath(namespace), body: copyPod(source, { suffix: SUFFIX }) },
      copyEventRequest(driver, namespace, source),
      { method: 'GET', path: podPath(namespace, COPY) },
      eventsRequest(namespace, COPY, uid),
      { method: 'GET', path: podPath(namespace, COPY) },
      eventsRequest(namespace, COPY, uid),
    ]);
  }
}

/** The namespace has no webhook: the unrewritten copy is deleted and the fix is printed. */
export async function scenarioWebhookNotActive(driver: ClusterDriver): Promise<void> {
  const namespace = 'flow-nowebhook';
  const source = await setUp(driver, namespace, false);
  const result = await cli(driver, [SOURCE, '-n', namespace]);
  assert.equal(result.code, 1);
  assert.equal(result.stdout, '');
  assert.equal(
    result.stderr,
    `error: the copy ${namespace}/${COPY} came back without the debug.dead/mutated marker: the debugdead webhook is not active in ` +
      `namespace "${namespace}", so the copy would only crash again. The copy was deleted. Fix: install the webhook ` +
      `(kubectl apply -k manifests/) and opt the namespace in (kubectl label ns ${namespace} debug.dead/enable=true), or run ` +
      'again with --local to apply the rewrite here, without a webhook\n',
  );
  await assertNoCopies(driver, namespace);
  const requests = driver.requests();
  if (requests !== undefined) {
    const created = requests.find((request) => request.method === 'DELETE');
    const uid = (created?.body as { preconditions?: { uid?: string } } | undefined)?.preconditions?.uid ?? '';
    assert.notEqual(uid, '');
    assert.deepEqual(simplify(requests), [
      { method: 'GET', path: podPath(namespace, SOURCE) },
      { method: 'POST', path: podPath(namespace), body: copyPod(source, { suffix: SUFFIX }) },
      {
        method: 'DELETE',
        path: podPath(namespace, COPY),
        body: { apiVersion: 'v1', kind: 'DeleteOptions', preconditions: { uid } },
      },
    ]);
  }
}

/** --local: the CLI applies the rewrite and creates the rewritten pod; no webhook needed. */
export async function scenarioLocal(driver: ClusterDriver): Promise<void> {
  const namespace = 'flow-local';
  const source = await setUp(driver, namespace, false);
  const result = await cli(driver, [SOURCE, '-n', namespace, '--local']);
  assert.equal(result.code, 0, result.stderr);
  assert.equal(result.stdout, expectedReport(namespace));
  const local = mutatePod(copyPod(source, { suffix: SUFFIX }), DEFAULT_MUTATION_CONFIG, { operation: 'CREATE' });
  if (local.outcome !== 'mutated') assert.fail(`expected a mutation, got ${local.outcome}`);
  const requests = driver.requests();
  if (requests !== undefined) {
    const polls = withoutCopyWatch(requests, namespace, COPY);
    assert.deepEqual(simplify(polls).slice(0, 2), [
      { method: 'GET', path: podPath(namespace, SOURCE) },
      { method: 'POST', path: podPath(namespace), body: local.pod },
    ]);
    assert.equal(polls.length, 7, 'read, create, the DebugCopyCreated event, then the wait');
  }
  assert.ok(await driver.getPod(namespace, COPY));
}

/** --dry-run=client: only the source is read; the annotated copy (or, with --local, the rewritten one) is printed. */
export async function scenarioDryRunClient(driver: ClusterDriver): Promise<void> {
  const namespace = 'flow-dryrun-client';
  const source = await setUp(driver, namespace, true);
  const json = await cli(driver, [
    SOURCE,
    '-n',
    namespace,
    '--dry-run=client',
    '-o',
    'json',
    '--ttl',
    '90m',
    '-c',
    'app',
  ]);
  assert.equal(json.code, 0, json.stderr);
  assert.equal(json.stderr, '');
  const expected = copyPod(source, { suffix: SUFFIX, ttl: '90m', container: 'app' });
  assert.deepEqual(JSON.parse(json.stdout), expected);
  const requests = driver.requests();
  if (requests !== undefined)
    assert.deepEqual(simplify(requests), [{ method: 'GET', path: podPath(namespace, SOURCE) }]);

  const yaml = await cli(driver, [SOURCE, '-n', namespace, '--dry-run=client', '--local']);
  assert.equal(yaml.code, 0, yaml.stderr);
  const local = mutatePod(copyPod(source, { suffix: SUFFIX }), DEFAULT_MUTATION_CONFIG, { operation: 'CREATE' });
  if (local.outcome !== 'mutated') assert.fail(`expected a mutation, got ${local.outcome}`);
  assert.deepEqual(load(yaml.stdout), local.pod);
  await assertNoCopies(driver, namespace);
}

/** --dry-run=server: the create goes with dryRun=All; what the API server (and webhook) would store is printed. */
export async function scenarioDryRunServer(driver: ClusterDriver): Promise<void> {
  const namespace = 'flow-dryrun-server';
  const source = await setUp(driver, namespace, true);
  const result = await cli(driver, [SOURCE, '-n', namespace, '--dry-run=server', '-o', 'json']);
  assert.equal(result.code, 0, result.stderr);
  const printed = JSON.parse(result.stdout) as Pod;
  const annotations = (printed.metadata as JsonObject).annotations as Record<string, string>;
  assert.ok('debug.dead/mutated' in annotations, 'the webhook rewrote the dry-run object');
  assert.equal((printed.metadata as JsonObject).name, COPY);
  await assertNoCopies(driver, namespace);
  const requests = driver.requests();
  if (requests !== undefined) {
    assert.deepEqual(simplify(requests), [
      { method: 'GET', path: podPath(namespace, SOURCE) },
      { method: 'POST', path: podPath(namespace), query: { dryRun: 'All' }, body: copyPod(source, { suffix: SUFFIX }) },
    ]);
  }

  const bare = 'flow-dryrun-server-bare';
  await setUp(driver, bare, false);
  const unmutated = await cli(driver, [SOURCE, '-n', bare, '--dry-run=server']);
  assert.equal(unmutated.code, 1);
  assert.equal((load(unmutated.stdout) as { metadata: { name: string } }).metadata.name, COPY);
  assert.match(
    unmutated.stderr,
    /^error: the copy flow-dryrun-server-bare\/debug-web-7d4b9c8f6d-x2k9p-k3x9q came back without the debug\.dead\/mutated marker: .* Fix: install the webhook/,
  );
  assert.doesNotMatch(unmutated.stderr, /The copy was deleted/);
  await assertNoCopies(driver, bare);
}

/** list shows the copies; clean deletes only copies, by name or --all. */
export async function scenarioListAndClean(driver: ClusterDriver): Promise<void> {
  const namespace = 'flow-list';
  const source = await setUp(driver, namespace, true);
  // Copies no kubelet starts: they stay as created (Pending, no start time), whatever the driver.
  driver.setKubelet(() => []);
  const createdAt: number[] = [];
  for (const suffix of ['aaaa1', 'bbbb2']) {
    const created = await cli(driver, [SOURCE, '-n', namespace, '--no-wait'], { suffix });
    assert.equal(created.code, 0, created.stderr);
    const copy = await driver.getPod(namespace, `debug-${SOURCE}-${suffix}`);
    createdAt.push(Date.parse(String((copy?.metadata as JsonObject | undefined)?.creationTimestamp)));
  }
  // The list's clock: 30 minutes after the first copy was created. The fake stamps every object
  // 2025-03-01T10:00:00Z (so: 10:30:00, both copies 30m old); a real API server stamps the real time, and the
  // second copy may be a second younger.
  const now = (createdAt[0] ?? Number.NaN) + 30 * 60_000;
  assert.equal(
    (await cli(driver, ['list', '-n', namespace], { now: new Date(now).toISOString() })).stdout,
    listOutput(
      namespace,
      createdAt.map((created) => (now - created) / 1000),
    ),
  );

  driver.clearRequests();
  const one = await cli(driver, ['clean', '-n', namespace, `debug-${SOURCE}-aaaa1`]);
  assert.equal(one.code, 0, one.stderr);
  assert.equal(one.stdout, `pod "debug-${SOURCE}-aaaa1" deleted from namespace "${namespace}"\n`);
  const requests = driver.requests();
  if (requests !== undefined) {
    const uid = (requests[1]?.body as { preconditions: { uid: string } }).preconditions.uid;
    assert.deepEqual(simplify(requests), [
      { method: 'GET', path: podPath(namespace, `debug-${SOURCE}-aaaa1`) },
      {
        method: 'DELETE',
        path: podPath(namespace, `debug-${SOURCE}-aaaa1`),
        body: { apiVersion: 'v1', kind: 'DeleteOptions', preconditions: { uid } },
      },
    ]);
  }

  const refused = await cli(driver, ['clean', '-n', namespace, SOURCE]);
  assert.equal(refused.code, 1);
  assert.equal(
    refused.stderr,
    `error: pod "${SOURCE}" in namespace "${namespace}" is not a debug copy (no debug.dead/copy-of label): not deleted. clean only deletes copies made by debugdead\n`,
  );
  assert.ok(await driver.getPod(namespace, SOURCE), 'the source pod is still there');

  const all = await cli(driver, ['clean', '--all', '-n', namespace]);
  assert.equal(all.code, 0, all.stderr);
  assert.equal(all.stdout, `pod "debug-${SOURCE}-bbbb2" deleted from namespace "${namespace}"\n`);
  await assertNoCopies(driver, namespace);
  assert.ok(await driver.getPod(namespace, (source.metadata as JsonObject).name as string));

  const empty = await cli(driver, ['list', '-n', namespace]);
  assert.equal(empty.code, 0);
  assert.equal(empty.stdout, '');
  assert.equal(empty.stderr, `No debug copies found in namespace "${namespace}".\n`);
}

/** kubectl-style age: the two most significant non-zero units of d, h, m, s. */
function age(seconds: number): string {
  let rest = Math.floor(seconds);
  const parts: string[] = [];
  for (const [unit, size] of [
    ['d', 86400],
    ['h', 3600],
    ['m', 60],
    ['s', 1],
  ] as const) {
    if (rest >= size) parts.push(`${Math.floor(rest / size)}${unit}`);
    rest %= size;
  }
  return parts.length === 0 ? '0s' : parts.slice(0, 2).join('');
}

/** The list of the copies aaaa1 and bbbb2 (the default ttl, 24h), given their ages in seconds. With both
 * 30 minutes old (the fake):
 * NAME                               SOURCE                           CONTAINER   PHASE     AGE   EXPIRES
 * debug-web-7d4b9c8f6d-x2k9p-aaaa1   flow-list/web-7d4b9c8f6d-x2k9p   app         Pending   30m   in 23h30m
 * debug-web-7d4b9c8f6d-x2k9p-bbbb2   flow-list/web-7d4b9c8f6d-x2k9p   app         Pending   30m   in 23h30m */
function listOutput(namespace: string, ages: number[]): string {
  const rows = [
    ['NAME', 'SOURCE', 'CONTAINER', 'PHASE', 'AGE', 'EXPIRES'],
    ...['aaaa1', 'bbbb2'].map((suffix, index) => [
      `debug-${SOURCE}-${suffix}`,
      `${namespace}/${SOURCE}`,
      'app',
      'Pending',
      age(ages[index] ?? Number.NaN),
      `in ${age(DEFAULT_TTL_SECONDS - (ages[index] ?? Number.NaN))}`,
    ]),
  ];
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  const line = (row: string[]): string =>
    row.map((cell, column) => (column === row.length - 1 ? cell : cell.padEnd(widths[column]! + 3))).join('');
  return `${rows.map(line).join('\n')}\n`;
}

/** A pod that does not exist: the message names the namespace searched. */
export async function scenarioNotFound(driver: ClusterDriver): Promise<void> {
  const namespace = 'flow-notfound';
  await setUp(driver, namespace, true);
  const result = await cli(driver, ['no-such-pod', '-n', namespace]);
  assert.equal(result.code, 1);
  assert.equal(
    result.stderr,
    `error: pod "no-such-pod" not found in namespace "${namespace}" (context "${driver.contextName}"). List the pods with kubectl get pods -n ${namespace}, ` +
      'use -n for another namespace, or run kubectl debugdead -A with no POD to pick a dead container anywhere\n',
  );
  await assertNoCopies(driver, namespace);
}

/** Flags are checked against the pod before anything is created. */
export async function scenarioUnknownContainer(driver: ClusterDriver): Promise<void> {
  const namespace = 'flow-badcontainer';
  await setUp(driver, namespace, true);
  const result = await cli(driver, [SOURCE, '-n', namespace, '-c', 'nope']);
  assert.equal(result.code, 2);
  assert.equal(
    result.stderr,
    `error: container "nope" not found in pod "${SOURCE}": -c/--container must name one of app, metrics (init containers: migrate), or *\n`,
  );
  const requests = driver.requests();
  if (requests !== undefined)
    assert.deepEqual(simplify(requests), [{ method: 'GET', path: podPath(namespace, SOURCE) }]);
  await assertNoCopies(driver, namespace);
}

function schedulingFailure(): JsonObject {
  return {
    type: 'Warning',
    reason: 'FailedScheduling',
    message:
      '0/3 nodes are available: 3 Insufficient memory. preemption: 0/3 nodes are available: 3 No preemption victims found.',
    source: { component: 'default-scheduler' },
  };
}

/** The copy never runs: the events that matter are shown, and after --timeout the copy is deleted. */
export async function scenarioTimeout(driver: ClusterDriver): Promise<void> {
  const namespace = 'flow-timeout';
  await setUp(driver, namespace, true);
  driver.setKubelet((): KubeletStep[] => [
    {
      status: {
        phase: 'Pending',
        conditions: [
          {
            type: 'PodScheduled',
            status: 'False',
            reason: 'Unschedulable',
            lastProbeTime: null,
            lastTransitionTime: '2025-03-01T10:00:01Z',
          },
        ],
        qosClass: 'Burstable',
      },
      events: [schedulingFailure()],
    },
  ]);
  const result = await cli(driver, [SOURCE, '-n', namespace, '--timeout', '1s'], { pollIntervalMs: 100 });
  assert.equal(result.code, 1);
  assertWaitStderr(
    driver,
    result.stderr,
    'Warning: volume data (PVC web-data) is now an emptyDir: the copy sees an empty /data\n' +
      `waiting for ${COPY}: Pending, not scheduled (Unschedulable), app: not started\n` +
      `  Warning FailedScheduling: ${String(schedulingFailure().message)}\n` +
      "    → the copy asks for the source pod's resources and placement: free capacity, or try --same-node\n" +
      `error: the copy ${namespace}/${COPY} was not running after 1s (Pending, not scheduled (Unschedulable), app: not started); it was deleted. ` +
      'The events above say why; wait longer with --timeout, or keep the copy to inspect it with --no-wait\n',
    'Pending, app: not started',
  );
  await assertNoCopies(driver, namespace);
  const requests = driver.requests();
  if (requests !== undefined) assert.equal(requests.at(-1)?.method, 'DELETE');
}

/** The tools image cannot be pulled: the event gets a hint naming --image. The pod then fails: deleted at once. */
export async function scenarioToolsImagePull(driver: ClusterDriver): Promise<void> {
  const namespace = 'flow-pull';
  await setUp(driver, namespace, true);
  const pullFailure: JsonObject = {
    type: 'Warning',
    reason: 'Failed',
    message:
      'Failed to pull image "busybox:1.37.0-musl": rpc error: code = Unknown desc = failed to resolve reference: i/o timeout',
    involvedObject: { kind: 'Pod', fieldPath: 'spec.initContainers{debug-dead-tools}' },
  };
  driver.setKubelet((pod): KubeletStep[] => {
    const pending = pendingStep(pod);
    const statuses = (pending.status.initContainerStatuses as JsonObject[]).map((status): JsonObject =>
      status.name === 'debug-dead-tools'
        ? { ...status, state: { waiting: { reason: 'ErrImagePull', message: 'i/o timeout' } } }
        : status,
    );
    return [
      { status: { ...pending.status, initContainerStatuses: statuses } },
      { status: { ...pending.status, initContainerStatuses: statuses }, events: [pullFailure] },
      {
        status: {
          phase: 'Failed',
          reason: 'DeadlineExceeded',
          message: 'Pod was active on the node longer than the specified deadline',
        },
      },
    ];
  });
  const result = await cli(driver, [SOURCE, '-n', namespace]);
  assert.equal(result.code, 1);
  const involved = (pullFailure.involvedObject as JsonObject).fieldPath;
  assert.equal(typeof involved, 'string');
  assertWaitStderr(
    driver,
    result.stderr,
    'Warning: volume data (PVC web-data) is now an emptyDir: the copy sees an empty /data\n' +
      `waiting for ${COPY}: Pending, debug-dead-tools: ErrImagePull, app: ContainerCreating\n` +
      `  Warning Failed: ${String(pullFailure.message)}\n` +
      '    → the tools image busybox:1.37.0-musl cannot be pulled here: pass --image with a static busybox the cluster can pull (a copy in your registry)\n' +
      `error: the copy ${namespace}/${COPY} stopped before it ran: phase Failed: DeadlineExceeded: Pod was active on the node longer than the specified deadline; it was deleted\n`,
    'Pending, app: not started',
  );
  await assertNoCopies(driver, namespace);
}

/** Ctrl-C during the wait: stop waiting, leave the copy, print how to delete it. */
export async function scenarioInterrupt(driver: ClusterDriver): Promise<void> {
  const namespace = 'flow-interrupt';
  await setUp(driver, namespace, true);
  driver.setKubelet((pod) => [pendingStep(pod)]);
  const run = startCli([SOURCE, '-n', namespace], { kubeconfig: driver.kubeconfigPath, pollIntervalMs: 50 });
  await run.waitForStderr('waiting for');
  assert.equal(run.interrupt(), true, 'the wait listens for Ctrl-C');
  const result = await run.done;
  assert.equal(result.code, 1);
  assertWaitStderr(
    driver,
    result.stderr,
    'Warning: volume data (PVC web-data) is now an emptyDir: the copy sees an empty /data\n' +
      `waiting for ${COPY}: Pending, debug-dead-tools: PodInitializing, app: ContainerCreating\n` +
      `error: stopped waiting for ${namespace}/${COPY}; the copy is left as it is.\n` +
      `  Watch it:  kubectl get pod -n ${namespace} ${COPY} -w\n` +
      `  Delete it: kubectl debugdead clean -n ${namespace} ${COPY}\n`,
    'Pending, app: not started',
  );
  assert.ok(await driver.getPod(namespace, COPY), 'the copy is left in place');
  const requests = driver.requests();
  if (requests !== undefined) assert.equal(requests.filter((request) => request.method === 'DELETE').length, 0);
}

/** Debugging a copy debugs its source instead (a copy of a copy would keep the keep-alive). */
export async function scenarioCopyOfCopy(driver: ClusterDriver): Promise<void> {
  const namespace = 'flow-copyofcopy';
  const source = await setUp(driver, namespace, true);
  const first = await cli(driver, [SOURCE, '-n', namespace, '--no-wait'], { suffix: 'first' });
  assert.equal(first.code, 0, first.stderr);
  driver.clearRequests();
  const second = await cli(driver, [`debug-${SOURCE}-first`, '-n', namespace, '--dry-run=client', '-o', 'json'], {
    suffix: 'secnd',
  });
  assert.equal(second.code, 0, second.stderr);
  assert.equal(
    second.stderr,
    `note: ${namespace}/debug-${SOURCE}-first is a debug copy: copying its source ${namespace}/${SOURCE} instead\n`,
  );
  assert.deepEqual(JSON.parse(second.stdout), copyPod(source, { suffix: 'secnd' }));
  const requests = driver.requests();
  if (requests !== undefined) {
    assert.deepEqual(simplify(requests), [
      { method: 'GET', path: podPath(namespace, `debug-${SOURCE}-first`) },
      { method: 'GET', path: podPath(namespace, SOURCE) },
    ]);
  }
}

/**
 * A debug copy whose debug.dead/source points into another namespace (issue 14.10): the CLI says where it points
 * and stops (exit 1); it reads nothing there and creates nothing anywhere.
 */
export async function scenarioSourceInAnotherNamespace(driver: ClusterDriver): Promise<void> {
  const namespace = 'flow-tenant';
  const other = 'flow-prod';
  await driver.createNamespace(other);
  await driver.createPod(deploymentPod({ name: 'db-0', namespace: other }));
  const lure = deploymentPod({ name: 'crashy', namespace });
  const metadata = lure.metadata as JsonObject;
  metadata.labels = { [COPY_OF]: 'db-0' };
  metadata.annotations = { 'debug.dead/source': `${other}/db-0` };
  await setUp(driver, namespace, true, lure);
  const result = await cli(driver, ['crashy', '-n', namespace]);
  assert.deepEqual(result, {
    code: 1,
    stdout: '',
    stderr:
      `error: pod "crashy" in namespace "${namespace}" is a debug copy whose debug.dead/source points to pod "db-0" in ` +
      `namespace "${other}": debugdead follows it only within the same namespace, so nothing was copied. If that pod is ` +
      `the one to debug, name it yourself: kubectl debugdead db-0 -n ${other}\n`,
  });
  const requests = driver.requests();
  if (requests !== undefined)
    assert.deepEqual(simplify(requests), [{ method: 'GET', path: podPath(namespace, 'crashy') }]);
  const names = (pods: Pod[]): unknown[] => pods.map((pod) => (pod.metadata as JsonObject).name);
  assert.deepEqual(names(await driver.listPods(namespace, COPY_OF)), ['crashy'], 'only the lure carries copy-of');
  await assertNoCopies(driver, other);
}

/**
 * The source pod's own debug.dead/* annotations choose nothing (issue 14.11): the copy carries only what the flags
 * say, the webhook's default tools image is used, the report prints the image, and a note says what was left out.
 */
export async function scenarioSourceOptionsIgnored(driver: ClusterDriver): Promise<void> {
  const namespace = 'flow-srcopts';
  const planted = deploymentPod({ namespace });
  const metadata = planted.metadata as JsonObject;
  metadata.annotations = {
    ...(metadata.annotations as JsonObject),
    'debug.dead/image': 'registry.invalid/evil/tools:1',
    'debug.dead/ttl': '30d',
  };
  await setUp(driver, namespace, true, planted);
  const result = await cli(driver, [SOURCE, '-n', namespace, '--no-wait']);
  assert.equal(result.code, 0, result.stderr);
  assert.ok(
    result.stderr.startsWith(
      "note: the source pod's own debugdead options are not used: debug.dead/image=registry.invalid/evil/tools:1, " +
        "debug.dead/ttl=30d. The copy's options come from the flags and the defaults only (kubectl debugdead --help)\n",
    ),
    result.stderr,
  );
  assert.match(result.stdout, /^Tools image: busybox:1\.37\.0-musl \(the default; --image chooses another\)$/m);
  const stored = await driver.getPod(namespace, COPY);
  assert.ok(stored, 'the copy exists');
  const annotations = (stored.metadata as JsonObject).annotations as Record<string, string>;
  assert.equal(annotations['debug.dead/image'], undefined);
  assert.equal(annotations['debug.dead/ttl'], undefined);
  const init = ((stored.spec as JsonObject).initContainers as JsonObject[]).map((container) => container.image);
  assert.equal(init[0], DEFAULT_MUTATION_CONFIG.toolsImage, 'the tools init container runs the default image');
  assert.equal(init.includes('registry.invalid/evil/tools:1'), false);
  assert.equal((stored.spec as JsonObject).activeDeadlineSeconds, DEFAULT_TTL_SECONDS);

  // The flag chooses, and the report says so.
  const chosen = await cli(driver, [SOURCE, '-n', namespace, '--no-wait', '--image', 'mirror.invalid/busybox:1'], {
    suffix: 'image',
  });
  assert.equal(chosen.code, 0, chosen.stderr);
  assert.match(chosen.stdout, /^Tools image: mirror\.invalid\/busybox:1 \(from --image\)$/m);
}

/** No POD and no terminal: the dead containers are listed and the user is asked for a POD (exit 2). */
export async function scenarioPickerWithoutTerminal(driver: ClusterDriver): Promise<void> {
  const namespace = 'flow-picker';
  await setUp(driver, namespace, true);
  const result = await cli(driver, ['-n', namespace]);
  assert.equal(result.code, 2);
  assert.equal(
    result.stdout,
    [
      'NAMESPACE     POD                    CONTAINER   STATE     REASON             RESTARTS   LAST EXIT',
      `${namespace}   ${SOURCE}   app         Waiting   CrashLoopBackOff   17         2`,
      '',
    ].join('\n'),
  );
  assert.equal(
    result.stderr,
    `error: no POD given and no terminal to pick one: name a POD from the list above, e.g. kubectl debugdead -n ${namespace} ${SOURCE} -c app\n`,
  );
}

/** -c naming an init container: it is kept alive, the pod stays Pending, the report says what that means. */
export async function scenarioInitContainer(driver: ClusterDriver): Promise<void> {
  const namespace = 'flow-init';
  await setUp(driver, namespace, true);
  const result = await cli(driver, [SOURCE, '-n', namespace, '-c', 'migrate']);
  assert.equal(result.code, 0, result.stderr);
  assert.equal(
    result.stdout,
    `Running: ${namespace}/${COPY}, a copy of ${namespace}/${SOURCE} with migrate (init container) kept alive.

Open a shell in migrate with the tools on PATH:
  kubectl exec -it -n ${namespace} ${COPY} -c migrate -- /debug-dead/busybox env ENV=/debug-dead/.profile /debug-dead/busybox sh

Original command of migrate:
  command: /app/migrate

Reproduce the crash in the shell: /debug-dead/rerun
The containers after migrate do not start while it is kept alive.

Tools image: busybox:1.37.0-musl (the default; --image chooses another)
Volumes replaced by empty directories (their data is not in the copy): data
Time to live: 1d, until 2025-03-02T10:00:01Z (then the pod stops; delete it earlier when done)

Clean up:
  kubectl debugdead clean -n ${namespace} ${COPY}
`,
  );
  assertWaitStderr(
    driver,
    result.stderr,
    'Warning: volume data (PVC web-data) is now an emptyDir: the copy sees an empty /data\n' +
      'Warning: init container migrate is kept alive: the containers after it will not start\n' +
      `waiting for ${COPY}: Pending, debug-dead-tools: PodInitializing, migrate: PodInitializing\n`,
    'Pending, migrate: not started',
  );
}

export const SCENARIOS: Record<string, (driver: ClusterDriver) => Promise<void>> = {
  '-c on an init container keeps it alive': scenarioInitContainer,
  'create, wait and print how to get in': scenarioCreateWaitPrint,
  'webhook not active: the copy is deleted and the fix printed': scenarioWebhookNotActive,
  '--local creates the rewritten pod without a webhook': scenarioLocal,
  '--dry-run=client prints the copy, reading only the source': scenarioDryRunClient,
  '--dry-run=server prints what the API server would store': scenarioDryRunServer,
  'list and clean': scenarioListAndClean,
  'not found names the namespace searched': scenarioNotFound,
  'an unknown container is refused before anything is created': scenarioUnknownContainer,
  'timeout: events shown, copy deleted': scenarioTimeout,
  'tools image pull failure: hint, then the failed copy is deleted': scenarioToolsImagePull,
  'Ctrl-C stops waiting and prints the cleanup command': scenarioInterrupt,
  'a copy of a copy copies the source': scenarioCopyOfCopy,
  'picker without a terminal lists and exits 2': scenarioPickerWithoutTerminal,
  'a copy whose source is in another namespace is not followed': scenarioSourceInAnotherNamespace,
  "the source pod's debug.dead options are not taken; the tools image is printed": scenarioSourceOptionsIgnored,
};
