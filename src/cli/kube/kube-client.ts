/**
 * The few Kubernetes API calls the CLI makes (pods and events, core/v1), on plain JSON. The library does what
 * it is good at — kubeconfig, credentials (tokens, client certificates, exec plugins), TLS and proxies — and
 * the objects travel untouched: its typed models would drop fields they do not know and turn timestamps into
 * Dates, and a copy must carry every field of the source pod. Loaded lazily (commands that talk to a cluster
 * pay for it, --help and mutate do not).
 */
import type { RequestContext } from '@kubernetes/client-node';
import { EnvironmentError } from '../../errors.js';
import type { JsonObject, Pod } from '../../mutation/index.js';
import { translateNetworkError, translateStatus, type ApiEndpoint, type ApiOperation } from './api-errors.js';
import { isObject, objectsAt } from '../../mutation/json.js';
import {
  resolveKubeconfig,
  type ClusterFlags,
  type KubeconfigLocation,
  type ResolvedKubeconfig,
} from './kubeconfig.js';

/** A resource of an API group: its plural name and group/version. */
export interface ApiResource {
  resource: string;
  /** Undefined: core/v1. */
  group?: { name: string; version: string } | undefined;
}

type Library = typeof import('./kube-library.js');
type Dispatcher = NonNullable<ReturnType<RequestContext['getDispatcher']>>;

export const USER_AGENT = 'kubectl-debugdead/0.1.0';
/** No single API call may take longer than this. */
export const REQUEST_TIMEOUT_MS = 30_000;

export interface KubeClientOptions {
  /** Called with each warning the API server returns (admission warnings: "the copy sees an empty /data"). */
  onWarning?: (warning: string) => void;
}

interface Call {
  operation: ApiOperation;
  method: 'GET' | 'POST' | 'DELETE';
  query?: Record<string, string>;
  body?: unknown;
  signal?: AbortSignal | undefined;
}

/** `299 - "text"` entries of a Warning header (several are comma-joined). */
export function parseWarningHeader(header: string | undefined): string[] {
  if (header === undefined) return [];
  return [...header.matchAll(/\d{3} \S+ "((?:[^"\\]|\\.)*)"/g)].map((match) =>
    (match[1] ?? '').replace(/\\(.)/g, '$1'),
  );
}

function resourcePath(operation: ApiOperation): string {
  const namespace = operation.namespace === undefined ? '' : `/namespaces/${encodeURIComponent(operation.namespace)}`;
  const name =
    operation.name === undefined || operation.verb === 'create' ? '' : `/${encodeURIComponent(operation.name)}`;
  const api = operation.group === undefined ? '/api/v1' : `/apis/${operation.group.name}/${operation.group.version}`;
  return `${api}${namespace}/${operation.resource}${name}`;
}

/** The parsed body of a response; undefined when it is empty or not JSON. */
function parseJsonOrUndefined(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

export class KubeClient {
  /** The namespace commands act in: -n, else the context's, else "default". */
  readonly namespace: string;
  readonly contextName: string;
  readonly server: string;
  private dispatcher: Dispatcher | undefined;
  private readonly http: InstanceType<Library['IsomorphicFetchHttpLibrary']>;

  private constructor(
    private readonly library: Library,
    private readonly resolved: ResolvedKubeconfig,
    private readonly options: KubeClientOptions,
  ) {
    this.namespace = resolved.namespace;
    this.contextName = resolved.contextName;
    this.server = resolved.server.replace(/\/+$/, '');
    this.http = new library.IsomorphicFetchHttpLibrary();
  }

  static async connect(
    flags: ClusterFlags,
    location: KubeconfigLocation,
    options: KubeClientOptions = {},
  ): Promise<KubeClient> {
    const resolved = await resolveKubeconfig(flags, location);
    const library = await import('./kube-library.js');
    return new KubeClient(library, resolved, options);
  }

  private get endpoint(): ApiEndpoint {
    return { server: this.server, contextName: this.contextName };
  }

  private async call(call: Call): Promise<unknown> {
    const context = await this.request(call);
    const { status, text } = await this.send(context, call);
    const body = parseJsonOrUndefined(text);
    if (status >= 400) throw translateStatus(status, body, text, call.operation, this.endpoint);
    if (!isObject(body)) {
      throw translateStatus(502, undefined, `not a JSON object: ${text.slice(0, 200)}`, call.operation, this.endpoint);
    }
    return body;
  }

  /** The request of a call: its URL, headers and body, credentials, the shared connection pool and a timeout. */
  private async request(call: Call): Promise<RequestContext> {
    const url = new URL(`${this.server}${resourcePath(call.operation)}`);
    for (const [key, value] of Object.entries(call.query ?? {})) url.searchParams.set(key, value);
    const context = new this.library.RequestContext(url.toString(), call.method);
    context.setHeaderParam('Accept', 'application/json');
    context.setHeaderParam('User-Agent', USER_AGENT);
    if (call.body !== undefined) {
      context.setHeaderParam('Content-Type', 'application/json');
      context.setBody(JSON.stringify(call.body));
    }
    await this.authenticate(context);
    // One connection pool for the whole command (the library builds a new one for every request).
    if (this.dispatcher === undefined) this.dispatcher = context.getDispatcher();
    else context.setDispatcher(this.dispatcher);
    const timeout = AbortSignal.timeout(REQUEST_TIMEOUT_MS);
    context.setSignal(call.signal === undefined ? timeout : AbortSignal.any([timeout, call.signal]));
    return context;
  }

  /** Adds the context's credentials (token, client certificate, exec plugin); a failure names the kubeconfig user. */
  private async authenticate(context: RequestContext): Promise<void> {
    try {
      await this.resolved.config.applySecurityAuthentication(context);
    } catch (error) {
      throw new EnvironmentError(
        `cannot get credentials for context "${this.contextName}": ${(error as Error).message}. ` +
          'Check the user entry of the kubeconfig (an exec plugin that is not installed? an expired login?)',
        { cause: error },
      );
    }
  }

  /** Sends the request: its status and text, its warnings passed on; a failure to get an answer is translated. */
  private async send(context: RequestContext, call: Call): Promise<{ status: number; text: string }> {
    let status: number;
    let text: string;
    let warning: string | undefined;
    try {
      const response = await this.http.send(context).toPromise();
      status = response.httpStatusCode;
      warning = response.headers.warning;
      text = await response.body.text();
    } catch (error) {
      if (call.signal?.aborted === true) throw call.signal.reason;
      throw translateNetworkError(error, call.operation, this.endpoint);
    }
    for (const message of parseWarningHeader(warning)) this.options.onWarning?.(message);
    return { status, text };
  }

  async getPod(namespace: string, name: string, signal?: AbortSignal): Promise<Pod> {
    return (await this.call({
      operation: { verb: 'get', resource: 'pods', namespace, name },
      method: 'GET',
      signal,
    })) as Pod;
  }

  /** A Secret (the image resolution reads the pod's pull secrets, where the user may). */
  async getSecret(namespace: string, name: string, signal?: AbortSignal): Promise<JsonObject> {
    return (await this.call({
      operation: { verb: 'get', resource: 'secrets', namespace, name },
      method: 'GET',
      signal,
    })) as JsonObject;
  }

  /** A Node (the image resolution reads its platform from status.nodeInfo, where the user may). */
  async getNode(name: string, signal?: AbortSignal): Promise<JsonObject> {
    return (await this.call({
      operation: { verb: 'get', resource: 'nodes', name },
      method: 'GET',
      signal,
    })) as JsonObject;
  }

  /** Pods of a namespace, or of all namespaces when namespace is undefined. Items get apiVersion and kind. */
  async listPods(namespace: string | undefined, labelSelector?: string): Promise<Pod[]> {
    const list = await this.call({
      operation: { verb: 'list', resource: 'pods', namespace },
      method: 'GET',
      ...(labelSelector === undefined ? {} : { query: { labelSelector } }),
    });
    return objectsAt(list, 'items').map((item) => ({ apiVersion: 'v1', kind: 'Pod', ...item }));
  }

  /** Creates the pod (dryRun: the API server and its webhooks answer, nothing is stored). */
  async createPod(pod: Pod, options: { dryRun?: boolean; signal?: AbortSignal } = {}): Promise<Pod> {
    const metadata = isObject(pod.metadata) ? pod.metadata : {};
    const namespace = typeof metadata.namespace === 'string' ? metadata.namespace : this.namespace;
    const name = typeof metadata.name === 'string' ? metadata.name : undefined;
    return (await this.call({
      operation: { verb: 'create', resource: 'pods', namespace, name },
      method: 'POST',
      body: pod,
      ...(options.dryRun === true ? { query: { dryRun: 'All' } } : {}),
      signal: options.signal,
    })) as Pod;
  }

  /**
   * Deletes a pod; with uid, only that very pod (a precondition: a pod re-created under the same name is not
   * touched). Returns false when it was already gone.
   */
  async deletePod(namespace: string, name: string, uid?: string): Promise<boolean> {
    try {
      await this.call({
        operation: { verb: 'delete', resource: 'pods', namespace, name },
        method: 'DELETE',
        ...(uid === undefined ? {} : { body: { apiVersion: 'v1', kind: 'DeleteOptions', preconditions: { uid } } }),
      });
      return true;
    } catch (error) {
      if ((error as { statusCode?: unknown }).statusCode === 404) return false;
      throw error;
    }
  }

  /**
   * Each new state of one pod after `resourceVersion` (a watch, through the library's streaming client).
   * Ends when the pod is deleted or the server closes the watch; throws when the watch is refused or breaks.
   */
  async *watchPod(
    namespace: string,
    name: string,
    resourceVersion: string | undefined,
    signal: AbortSignal,
  ): AsyncGenerator<Pod> {
    const queue: Pod[] = [];
    // Written by the watch's callbacks: an object, so that the loop below reads them afresh.
    const state: { ended: boolean; failure: Error | undefined } = { ended: false, failure: undefined };
    let notify: (() => void) | undefined;
    const push = (): void => {
      notify?.();
    };
    const watch = new this.library.Watch(this.resolved.config);
    const controller = await watch.watch(
      `/api/v1/namespaces/${encodeURIComponent(namespace)}/pods`,
      { fieldSelector: `metadata.name=${name}`, resourceVersion, allowWatchBookmarks: false },
      (type: string, object: unknown) => {
        if ((type === 'ADDED' || type === 'MODIFIED') && isObject(object)) queue.push(object);
        else if (type === 'DELETED') state.ended = true;
        else if (type === 'ERROR') {
          state.ended = true;
          state.failure = new Error(`the watch of pod ${namespace}/${name} failed: ${JSON.stringify(object)}`);
        }
        push();
      },
      (error: unknown) => {
        state.ended = true;
        if (error !== null && error !== undefined)
          state.failure ??=
            error instanceof Error
              ? error
              : new Error(`the watch of pod ${namespace}/${name} ended: ${JSON.stringify(error)}`);
        push();
      },
    );
    const abort = (): void => {
      controller.abort();
    };
    signal.addEventListener('abort', abort, { once: true });
    try {
      for (;;) {
        const next = queue.shift();
        if (next !== undefined) {
          yield next;
          continue;
        }
        if (state.ended || signal.aborted) break;
        await new Promise<void>((resolve) => {
          notify = resolve;
        });
        notify = undefined;
      }
      if (state.failure !== undefined && !signal.aborted) throw state.failure;
    } finally {
      signal.removeEventListener('abort', abort);
      controller.abort();
    }
  }

  /** Events about one pod, oldest first. */
  async listPodEvents(
    namespace: string,
    name: string,
    uid: string | undefined,
    signal?: AbortSignal,
  ): Promise<JsonObject[]> {
    const selector = [
      `involvedObject.kind=Pod`,
      `involvedObject.name=${name}`,
      ...(uid === undefined ? [] : [`involvedObject.uid=${uid}`]),
    ];
    const list = await this.call({
      operation: { verb: 'list', resource: 'events', namespace },
      method: 'GET',
      query: { fieldSelector: selector.join(',') },
      signal,
    });
    return objectsAt(list, 'items');
  }

  /** One object of a namespaced resource of an API group (apps/v1 deployments, batch/v1 jobs), as JSON. */
  async getObject(resource: ApiResource, namespace: string, name: string): Promise<JsonObject> {
    return (await this.call({
      operation: { verb: 'get', resource: resource.resource, group: resource.group, namespace, name },
      method: 'GET',
    })) as JsonObject;
  }

  /** The objects of a namespaced resource of an API group in one namespace (all with undefined). */
  async listObjects(
    resource: ApiResource,
    namespace: string | undefined,
    labelSelector?: string,
  ): Promise<JsonObject[]> {
    const list = await this.call({
      operation: { verb: 'list', resource: resource.resource, group: resource.group, namespace },
      method: 'GET',
      ...(labelSelector === undefined ? {} : { query: { labelSelector } }),
    });
    return objectsAt(list, 'items');
  }

  /** Creates a core/v1 Event. */
  async createEvent(namespace: string, event: JsonObject): Promise<JsonObject> {
    return (await this.call({
      operation: { verb: 'create', resource: 'events', namespace },
      method: 'POST',
      body: event,
    })) as JsonObject;
  }

  /** The library's KubeConfig, for the websocket exec fallback. */
  get kubeConfig(): ResolvedKubeconfig['config'] {
    return this.resolved.config;
  }

  async close(): Promise<void> {
    const dispatcher = this.dispatcher;
    this.dispatcher = undefined;
    if (dispatcher !== undefined) await dispatcher.close();
  }
}
