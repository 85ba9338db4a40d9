/**
 * What a flow scenario needs from a cluster, so the same scenarios run against the fake API server
 * (fake-apiserver.ts) and against the real kube-apiserver harness (test/integration/real-cluster-driver.ts): a kubeconfig,
 * namespaces, source pods with a status, a stand-in for the kubelet, and — only the fake can — the exact
 * requests the CLI made.
 */
import type { JsonObject, Pod } from '../../src/mutation/index.js';
import { FakeApiServer, type KubeletStep, type RecordedRequest } from './fake-apiserver.js';

export interface ClusterDriver {
  readonly name: string;
  /** A kubeconfig whose current context reaches the cluster. */
  readonly kubeconfigPath: string;
  /** The name of that current context (error messages name it). */
  readonly contextName: string;
  /**
   * True when a created pod shows the next kubelet step at each GET (the fake): the CLI then sees every step
   * exactly once and its progress lines are exact. False when a stand-in kubelet writes the steps on its own
   * clock (a real API server): the CLI may see the pod before the first step and may miss a step.
   */
  readonly kubeletStepPerGet: boolean;
  /** Pause between two looks of in-process CLI runs when a scenario does not choose one (harness default: 1 ms). */
  readonly pollIntervalMs?: number;
  /** True when pods created with debug.dead/enable in a namespace labelled debug.dead/enable=true are rewritten. */
  readonly webhook: boolean;
  createNamespace(name: string, labels?: Record<string, string>): Promise<void>;
  /** Creates a pod with the given status (as its kubelet would have reported it). */
  createPod(pod: Pod): Promise<void>;
  getPod(namespace: string, name: string): Promise<Pod | undefined>;
  listPods(namespace: string, labelSelector?: string): Promise<Pod[]>;
  /** The statuses a pod created from now on goes through (the kubelet's part). */
  setKubelet(script: (pod: Pod) => KubeletStep[]): void;
  /** Adds an event about a pod. */
  addEvent(pod: Pod, event: JsonObject): Promise<void>;
  /** The requests made since the last clear; undefined when the cluster cannot record them. */
  requests(): RecordedRequest[] | undefined;
  clearRequests(): void;
  close(): Promise<void>;
}

export class FakeClusterDriver implements ClusterDriver {
  readonly name = 'fake API server';
  readonly contextName = 'fake';
  readonly webhook = true;
  readonly kubeletStepPerGet = true;

  private constructor(readonly fake: FakeApiServer) {}

  static async start(): Promise<FakeClusterDriver> {
    return new FakeClusterDriver(await FakeApiServer.start());
  }

  get kubeconfigPath(): string {
    return this.fake.kubeconfigPath;
  }

  createNamespace(name: string, labels: Record<string, string> = {}): Promise<void> {
    this.fake.addNamespace(name, labels);
    return Promise.resolve();
  }

  createPod(pod: Pod): Promise<void> {
    this.fake.addPod(pod);
    return Promise.resolve();
  }

  getPod(namespace: string, name: string): Promise<Pod | undefined> {
    return Promise.resolve(this.fake.getPod(namespace, name));
  }

  listPods(namespace: string, labelSelector?: string): Promise<Pod[]> {
    return Promise.resolve(
      [...this.fake.pods.values()].filter((pod) => {
        const metadata = pod.metadata as JsonObject;
        const labels = (metadata.labels ?? {}) as Record<string, string>;
        return metadata.namespace === namespace && (labelSelector === undefined || labelSelector in labels);
      }),
    );
  }

  setKubelet(script: (pod: Pod) => KubeletStep[]): void {
    this.fake.kubelet = script;
  }

  addEvent(pod: Pod, event: JsonObject): Promise<void> {
    this.fake.addEvent(pod, event);
    return Promise.resolve();
  }

  requests(): RecordedRequest[] {
    return this.fake.requests;
  }

  clearRequests(): void {
    this.fake.requests.length = 0;
  }

  close(): Promise<void> {
    return this.fake.close();
  }
}
