/**
 * A ClusterDriver (test/cli/cluster-driver.ts) for the real control plane of test/helpers/real-cluster.ts:
 * kube-apiserver + kube-controller-manager + the built debugdead webhook registered as shipped. Namespaces,
 * pods and events go through the API as the admin; the CLI under test reaches the same server through the
 * admin kubeconfig.
 *
 * THERE IS NO KUBELET HERE (and no scheduler): nothing would ever write a pod's status. The statuses the
 * scenarios script with `setKubelet` are written BY THIS TEST CODE, STANDING IN FOR THE KUBELET: a background
 * loop watches pods, and for each pod created by someone else (the CLI) in a namespace this driver created, it
 * writes the scripted statuses one after the other through the pod's `status` subresource
 * (`PATCH /api/v1/namespaces/NS/pods/NAME/status`, the endpoint a kubelet writes to), `stepIntervalMs` apart,
 * plus the step's events (`POST /api/v1/namespaces/NS/events`); status.qosClass stays the one the API server
 * computed (it refuses any change, and a kubelet never makes one). Bounded: one pod's work ends after its steps
 * (each request bounded by the helper's timeout), and the watch ends at close(). So a "Running" copy here proves
 * what the API server stores and what the CLI makes of it, not that a container ran (the kind e2e covers that).
 *
 * Differences from the fake (FakeClusterDriver), which the scenarios take into account through the driver:
 * - `kubeletStepPerGet` is false: the stand-in writes steps on its own clock, so the CLI may see a copy before
 *   its first step and may miss a step; the fake moves one step per GET.
 * - `requests()` is undefined: a real API server does not tell which requests a client made.
 * - `contextName` is the harness kubeconfig's context; objects carry the real creation time.
 *
 * Source pods (`createPod`) are made acceptable to a real API server the way a real cluster would have them:
 * server-written metadata (uid, resourceVersion, creationTimestamp, managedFields, ...) is left to the server;
 * ownerReferences are dropped (the garbage collector would delete a pod whose owner does not exist — the real
 * Deployment → ReplicaSet → Pod chain is tested in cli.test.ts); the ServiceAccount and PriorityClass the pod
 * names are created first (admission rejects a pod naming missing ones, and the Priority plugin recomputes
 * spec.priority from the class); ephemeral containers, which cannot be set on create, are added through the
 * `ephemeralcontainers` subresource as `kubectl debug` does; the status is written through `status`.
 */
import https from 'node:https';
import { setTimeout as sleep } from 'node:timers/promises';
import { readFile } from 'node:fs/promises';
import { load } from 'js-yaml';
import type { JsonObject, Pod } from '../../src/mutation/index.js';
import type { ClusterDriver } from '../cli/cluster-driver.js';
import type { KubeletStep, RecordedRequest } from '../cli/fake-apiserver.js';
import { createNamespace, type ApiResponse, type ApiServer } from '../helpers/apiserver.js';
import type { RealCluster } from '../helpers/real-cluster.js';

/** Default pause between two steps of the stand-in kubelet. */
export const STEP_INTERVAL_MS = 250;
/** Poll interval of in-process CLI runs against this driver (the harness default of 1 ms would flood it). */
export const CLI_POLL_INTERVAL_MS = 20;

const JSON_PATCH = 'application/json-patch+json';

export interface RealClusterDriverOptions {
  /** Pause between two scripted statuses of one pod (default STEP_INTERVAL_MS). */
  stepIntervalMs?: number;
}

function metadataOf(object: unknown): JsonObject {
  const metadata = (object as { metadata?: unknown } | undefined)?.metadata;
  return typeof metadata === 'object' && metadata !== null ? (metadata as JsonObject) : {};
}

function field(object: unknown, key: string): string | undefined {
  const value = metadataOf(object)[key];
  return typeof value === 'string' ? value : undefined;
}

function expectStatus(response: ApiResponse, allowed: readonly number[], what: string): void {
  if (!allowed.includes(response.status)) throw new Error(`${what}: HTTP ${response.status} ${response.text}`);
}

/** Seconds-precision RFC 3339, as the API server writes times. */
function nowTime(): string {
  return new Date().toISOString().replace(/\.\d+Z$/, 'Z');
}

let eventCounter = 0;

/** A core/v1 Event about `pod`, shaped like the fake's (FakeApiServer.addEvent) but with the real time. */
export function podEvent(pod: Pod, event: JsonObject): JsonObject {
  const metadata = metadataOf(pod);
  const { involvedObject, ...rest } = event;
  eventCounter += 1;
  const time = nowTime();
  return {
    apiVersion: 'v1',
    kind: 'Event',
    metadata: {
      name: `${String(metadata.name)}.${Date.now().toString(16)}${eventCounter.toString(16)}`,
      namespace: metadata.namespace ?? null,
    },
    involvedObject: {
      kind: 'Pod',
      name: metadata.name ?? null,
      namespace: metadata.namespace ?? null,
      uid: metadata.uid ?? null,
      apiVersion: 'v1',
      ...(involvedObject as JsonObject | undefined),
    },
    type: 'Normal',
    count: 1,
    firstTimestamp: time,
    lastTimestamp: time,
    source: { component: 'debugdead-test-stand-in-kubelet' },
    ...rest,
  };
}

export class RealClusterDriver implements ClusterDriver {
  readonly name = 'real kube-apiserver';
  readonly webhook = true;
  readonly kubeletStepPerGet = false;
  readonly pollIntervalMs = CLI_POLL_INTERVAL_MS;
  readonly kubeconfigPath: string;
  /** Failures of the stand-in kubelet (a status the API server refused...); tests assert it stays empty. */
  readonly standInErrors: string[] = [];

  private script: ((pod: Pod) => KubeletStep[]) | undefined;
  /** Namespaces created through this driver: only their pods get the scripted statuses. */
  private readonly namespaces = new Set<string>();
  /** `ns/name` of the pods this driver created itself (sources: they keep the status they were given). */
  private readonly ownPods = new Set<string>();
  /** uids already handled (or present when the driver started). */
  private readonly seen = new Set<string>();
  private readonly playing = new Set<Promise<void>>();
  private readonly abort = new AbortController();
  private watching: Promise<void> | undefined;
  private readonly stepIntervalMs: number;

  private constructor(
    readonly cluster: RealCluster,
    readonly contextName: string,
    options: RealClusterDriverOptions,
  ) {
    this.kubeconfigPath = cluster.server.kubeconfigPath;
    this.stepIntervalMs = options.stepIntervalMs ?? STEP_INTERVAL_MS;
  }

  /** A driver on `cluster`, its stand-in kubelet watching. close() stops the stand-in, not the cluster. */
  static async start(cluster: RealCluster, options: RealClusterDriverOptions = {}): Promise<RealClusterDriver> {
    const kubeconfig = load(await readFile(cluster.server.kubeconfigPath, 'utf8')) as { 'current-context'?: string };
    const driver = new RealClusterDriver(cluster, kubeconfig['current-context'] ?? '', options);
    const resourceVersion = await driver.relist();
    driver.watching = driver.watchLoop(resourceVersion);
    return driver;
  }

  private get server(): ApiServer {
    return this.cluster.server;
  }

  async createNamespace(name: string, labels: Record<string, string> = {}): Promise<void> {
    this.namespaces.add(name);
    await createNamespace(this.server, name, labels);
  }

  async createPod(pod: Pod): Promise<void> {
    const metadata = metadataOf(pod);
    const namespace = String(metadata.namespace);
    const name = String(metadata.name);
    const spec = (pod.spec ?? {}) as JsonObject;
    const serviceAccount = spec.serviceAccountName;
    if (typeof serviceAccount === 'string' && serviceAccount !== 'default') {
      const res = await this.server.request('POST', `/api/v1/namespaces/${namespace}/serviceaccounts`, {
        body: { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: serviceAccount } },
      });
      expectStatus(res, [201, 409], `creating ServiceAccount ${namespace}/${serviceAccount}`);
    }
    const priorityClass = spec.priorityClassName;
    if (typeof priorityClass === 'string') {
      const res = await this.server.request('POST', '/apis/scheduling.k8s.io/v1/priorityclasses', {
        body: {
          apiVersion: 'scheduling.k8s.io/v1',
          kind: 'PriorityClass',
          metadata: { name: priorityClass },
          value: typeof spec.priority === 'number' ? spec.priority : 1000,
        },
      });
      expectStatus(res, [201, 409], `creating PriorityClass ${priorityClass}`);
    }

    const {
      uid: _uid,
      resourceVersion: _resourceVersion,
      creationTimestamp: _creationTimestamp,
      generation: _generation,
      selfLink: _selfLink,
      managedFields: _managedFields,
      ownerReferences: _ownerReferences,
      deletionTimestamp: _deletionTimestamp,
      ...keptMetadata
    } = metadata;
    const { ephemeralContainers, ...keptSpec } = spec;
    const body = { apiVersion: 'v1', kind: 'Pod', metadata: keptMetadata, spec: keptSpec };
    this.ownPods.add(`${namespace}/${name}`);
    const podPath = `/api/v1/namespaces/${namespace}/pods/${name}`;
    const created = await this.server.request('POST', `/api/v1/namespaces/${namespace}/pods`, { body });
    expectStatus(created, [201], `creating pod ${namespace}/${name}`);
    if (Array.isArray(ephemeralContainers) && ephemeralContainers.length > 0) {
      const res = await this.server.request('PATCH', `${podPath}/ephemeralcontainers`, {
        contentType: JSON_PATCH,
        body: [{ op: 'add', path: '/spec/ephemeralContainers', value: ephemeralContainers }],
      });
      expectStatus(res, [200], `adding ephemeral containers to ${namespace}/${name}`);
    }
    if (pod.status !== undefined) {
      const res = await this.server.request('PATCH', `${podPath}/status`, {
        contentType: JSON_PATCH,
        body: [{ op: 'replace', path: '/status', value: pod.status }],
      });
      expectStatus(res, [200], `writing the status of ${namespace}/${name}`);
    }
    // The pod a scenario copies must be the one it describes, as far as a real API server allows.
    const stored = await this.getPod(namespace, name);
    const storedSpec = (stored?.spec ?? {}) as JsonObject;
    const wanted = Array.isArray(ephemeralContainers) ? ephemeralContainers.length : 0;
    const got = Array.isArray(storedSpec.ephemeralContainers) ? storedSpec.ephemeralContainers.length : 0;
    if (got !== wanted || (spec.priority !== undefined && storedSpec.priority !== spec.priority)) {
      throw new Error(`pod ${namespace}/${name} is not stored as asked: ${JSON.stringify(storedSpec)}`);
    }
  }

  async getPod(namespace: string, name: string): Promise<Pod | undefined> {
    const res = await this.server.request<Pod>('GET', `/api/v1/namespaces/${namespace}/pods/${name}`);
    if (res.status === 404) return undefined;
    expectStatus(res, [200], `reading pod ${namespace}/${name}`);
    return res.body;
  }

  async listPods(namespace: string, labelSelector?: string): Promise<Pod[]> {
    const query = labelSelector === undefined ? '' : `?labelSelector=${encodeURIComponent(labelSelector)}`;
    const res = await this.server.request<{ items: Pod[] }>('GET', `/api/v1/namespaces/${namespace}/pods${query}`);
    expectStatus(res, [200], `listing pods in ${namespace}`);
    return res.body.items;
  }

  setKubelet(script: (pod: Pod) => KubeletStep[]): void {
    this.script = script;
  }

  async addEvent(pod: Pod, event: JsonObject): Promise<void> {
    const namespace = String(metadataOf(pod).namespace);
    const res = await this.server.request('POST', `/api/v1/namespaces/${namespace}/events`, {
      body: podEvent(pod, event),
    });
    expectStatus(res, [201], `creating an event in ${namespace}`);
  }

  requests(): RecordedRequest[] | undefined {
    return undefined;
  }

  clearRequests(): void {
    // Nothing recorded.
  }

  /** Stops the stand-in kubelet (waits for the statuses being written); the cluster keeps running. */
  async close(): Promise<void> {
    this.abort.abort();
    await this.watching;
    await Promise.allSettled([...this.playing]);
  }

  /** Marks every existing pod as seen; returns the list's resourceVersion to watch from. */
  private async relist(): Promise<string> {
    const res = await this.server.request<{ metadata: { resourceVersion: string }; items: Pod[] }>(
      'GET',
      '/api/v1/pods',
    );
    expectStatus(res, [200], 'listing pods');
    for (const pod of res.body.items) {
      if (!this.seen.has(field(pod, 'uid') ?? '')) this.added(pod);
    }
    return res.body.metadata.resourceVersion;
  }

  /** Watches pods cluster-wide until close(); reconnects (after a relist) when a watch ends or fails. */
  private async watchLoop(initial: string): Promise<void> {
    let resourceVersion = initial;
    let failures = 0;
    while (!this.isClosed()) {
      try {
        const outcome = await this.watchOnce(resourceVersion, (rv) => {
          resourceVersion = rv;
        });
        failures = 0;
        if (outcome === 'expired') resourceVersion = await this.relist();
      } catch (error) {
        if (this.isClosed()) return;
        // A relist catches up with what a broken watch missed; only a watch that keeps failing is a problem.
        failures += 1;
        if (failures === 3) this.standInErrors.push(`watch keeps failing: ${(error as Error).message}`);
        try {
          await sleep(200, undefined, { signal: this.abort.signal });
          resourceVersion = await this.relist();
        } catch {
          if (this.isClosed()) return;
        }
      }
    }
  }

  private isClosed(): boolean {
    return this.abort.signal.aborted;
  }

  private watchOnce(resourceVersion: string, advance: (rv: string) => void): Promise<'ended' | 'expired'> {
    const url = new URL(
      `/api/v1/pods?watch=true&allowWatchBookmarks=true&timeoutSeconds=120&resourceVersion=${resourceVersion}`,
      this.server.url,
    );
    return new Promise((resolve, reject) => {
      const request = https.request(
        url,
        {
          ca: this.server.caPem,
          headers: { Authorization: `Bearer ${this.server.adminToken}`, Accept: 'application/json' },
          signal: this.abort.signal,
        },
        (response) => {
          if (response.statusCode !== 200) {
            response.resume();
            reject(new Error(`watch answered HTTP ${response.statusCode ?? '?'}`));
            return;
          }
          let buffer = '';
          let expired = false;
          response.setEncoding('utf8');
          response.on('data', (chunk: string) => {
            buffer += chunk;
            for (let newline = buffer.indexOf('\n'); newline >= 0; newline = buffer.indexOf('\n')) {
              const line = buffer.slice(0, newline).trim();
              buffer = buffer.slice(newline + 1);
              if (line === '') continue;
              const event = JSON.parse(line) as { type: string; object: JsonObject };
              if (event.type === 'ERROR') {
                expired = true;
                continue;
              }
              const rv = field(event.object, 'resourceVersion');
              if (rv !== undefined) advance(rv);
              if (event.type === 'ADDED') this.added(event.object);
            }
          });
          response.on('end', () => {
            resolve(expired ? 'expired' : 'ended');
          });
          response.on('error', reject);
        },
      );
      request.on('error', reject);
      request.end();
    });
  }

  /** A pod appeared: when it is the CLI's in one of our namespaces, play the script on it. */
  private added(pod: Pod): void {
    const uid = field(pod, 'uid') ?? '';
    if (this.seen.has(uid)) return;
    this.seen.add(uid);
    const namespace = field(pod, 'namespace') ?? '';
    const name = field(pod, 'name') ?? '';
    if (!this.namespaces.has(namespace) || this.ownPods.has(`${namespace}/${name}`)) return;
    const steps = this.script?.(pod) ?? [];
    if (steps.length === 0) return;
    const playing = this.play(pod, steps).catch((error: unknown) => {
      this.standInErrors.push(`${namespace}/${name}: ${(error as Error).message}`);
    });
    this.playing.add(playing);
    void playing.finally(() => this.playing.delete(playing));
  }

  /** The stand-in kubelet's work on one pod: each step's status, then its events, stepIntervalMs apart. */
  private async play(pod: Pod, steps: readonly KubeletStep[]): Promise<void> {
    const namespace = field(pod, 'namespace') ?? '';
    const name = field(pod, 'name') ?? '';
    const uid = field(pod, 'uid') ?? '';
    const podPath = `/api/v1/namespaces/${namespace}/pods/${name}`;
    // The API server computes status.qosClass at create and refuses any change: a kubelet never touches it.
    const qosClass = ((pod.status ?? {}) as JsonObject).qosClass;
    for (const [index, step] of steps.entries()) {
      if (index > 0) {
        try {
          await sleep(this.stepIntervalMs, undefined, { signal: this.abort.signal });
        } catch {
          return;
        }
      }
      if (this.isClosed()) return;
      // The uid test: a pod re-created under the same name is not this one.
      const res = await this.server.request('PATCH', `${podPath}/status`, {
        contentType: JSON_PATCH,
        body: [
          { op: 'test', path: '/metadata/uid', value: uid },
          {
            op: 'replace',
            path: '/status',
            value: qosClass === undefined ? step.status : { ...step.status, qosClass },
          },
        ],
      });
      if (res.status !== 200) {
        // Deleted (or replaced) meanwhile: its kubelet would stop too. Anything else is a failure of the test.
        const now = await this.getPod(namespace, name);
        if (now === undefined || field(now, 'uid') !== uid) return;
        expectStatus(res, [200], `writing step ${index} of ${namespace}/${name}`);
      }
      for (const event of step.events ?? []) await this.addEvent(pod, event);
    }
  }
}
