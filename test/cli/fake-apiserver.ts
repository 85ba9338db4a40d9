/**
 * A fake of the Kubernetes HTTP API at the network boundary: an HTTPS server on 127.0.0.1 (its own CA, a
 * bearer token) that serves the core/v1 pod and event endpoints the CLI uses plus the discovery documents
 * kubectl needs, stores pods in memory, records every request, and simulates the debugdead webhook with the
 * real mutation (mutatePod + the JSON patch, applied with fast-json-patch) in namespaces labelled
 * debug.dead/enable=true. A "kubelet" script decides which status a created pod shows at each GET. The pods/exec
 * websocket (fake-exec.ts) runs an "exec" script per connection.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { STATUS_CODES, type IncomingMessage } from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Duplex } from 'node:stream';
import jsonpatch from 'fast-json-patch';
import {
  DEFAULT_MUTATION_CONFIG,
  mutatePod,
  type JsonObject,
  type MutationResult,
  type Pod,
} from '../../src/mutation/index.js';
import { generateCertificates, type CertificateSet } from '../../src/tls/certificates.js';
import { ExecSession, V4, V5, acceptKey, exitAtOnce, type ExecRequest, type ExecScript } from './fake-exec.js';

export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  body?: unknown;
  authorization?: string | undefined;
  userAgent?: string | undefined;
}

/** What a created pod looks like at its n-th GET (the last step repeats), and the events that appear then. */
export interface KubeletStep {
  status: JsonObject;
  events?: JsonObject[];
}

export interface FailureRule {
  method: string;
  /** Matches the request path (without query). */
  path: RegExp;
  status: number;
  message: string;
  reason?: string;
  details?: JsonObject;
  /** Fail only this many times (default: always). */
  times?: number;
}

export interface FakeApiServerOptions {
  /** The fixed time stamped on created objects. */
  now?: string;
  /** Namespace of the kubeconfig's context (omitted: the context has none). */
  contextNamespace?: string;
  /** The admission the fake's "webhook" applies; default: the real mutation with the default config. */
  webhook?: (pod: Pod) => MutationResult;
  /** Name the API server gives the webhook in denial messages. */
  webhookName?: string;
}

let certificates: CertificateSet | undefined;
function serverCertificates(): CertificateSet {
  certificates ??= generateCertificates({
    dnsNames: ['localhost'],
    ipAddresses: ['127.0.0.1'],
    now: new Date(),
    keyBits: 2048,
  });
  return certificates;
}

function status(code: number, reason: string, message: string, details?: JsonObject): JsonObject {
  return {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message,
    reason,
    ...(details ? { details } : {}),
    code,
  };
}

function matchesLabelSelector(labels: Record<string, string>, selector: string | undefined): boolean {
  if (selector === undefined || selector === '') return true;
  return selector.split(',').every((term) => {
    const notEqual = /^([^!=]+)!=(.*)$/.exec(term);
    if (notEqual) return labels[notEqual[1] ?? ''] !== notEqual[2];
    const equal = /^([^!=]+)==?(.*)$/.exec(term);
    if (equal) return labels[equal[1] ?? ''] === equal[2];
    if (term.startsWith('!')) return !(term.slice(1) in labels);
    return term in labels;
  });
}

function fieldValue(object: unknown, dotted: string): unknown {
  let current: unknown = object;
  for (const part of dotted.split('.')) current = (current as Record<string, unknown> | undefined)?.[part];
  return current;
}

function matchesFieldSelector(object: unknown, selector: string | undefined): boolean {
  if (selector === undefined || selector === '') return true;
  return selector.split(',').every((term) => {
    const [field = '', value = ''] = term.split('=');
    return fieldValue(object, field) === value;
  });
}

const RESOURCE_LIST = {
  kind: 'APIResourceList',
  groupVersion: 'v1',
  resources: [
    {
      name: 'events',
      singularName: 'event',
      namespaced: true,
      kind: 'Event',
      verbs: ['create', 'delete', 'get', 'list', 'watch'],
      shortNames: ['ev'],
    },
    {
      name: 'namespaces',
      singularName: 'namespace',
      namespaced: false,
      kind: 'Namespace',
      verbs: ['create', 'delete', 'get', 'list', 'watch'],
      shortNames: ['ns'],
    },
    {
      name: 'pods',
      singularName: 'pod',
      namespaced: true,
      kind: 'Pod',
      verbs: ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'],
      shortNames: ['po'],
      categories: ['all'],
    },
    { name: 'pods/status', singularName: '', namespaced: true, kind: 'Pod', verbs: ['get', 'patch', 'update'] },
  ],
};

export class FakeApiServer {
  readonly requests: RecordedRequest[] = [];
  readonly namespaces = new Map<string, Record<string, string>>();
  readonly pods = new Map<string, Pod>();
  readonly events: JsonObject[] = [];
  readonly failures: FailureRule[] = [];
  /** Steps of created pods; default: Pending, then every container running. */
  kubelet: (pod: Pod) => KubeletStep[] = defaultKubelet;
  private readonly scripts = new Map<string, { steps: KubeletStep[]; gets: number }>();
  /** What the "shell" does on each pods/exec websocket; default: exits 0 at once. */
  exec: ExecScript = exitAtOnce;
  /** The remote-command subprotocols the fake speaks, its preference first. */
  execProtocols: string[] = [V5, V4];
  /** Never answer exec upgrades (a proxy that swallows them): the request is recorded, the socket left open. */
  holdExecUpgrades = false;
  /** Every pods/exec upgrade request (also in `requests`, where repeated query keys collapse). */
  readonly execRequests: ExecRequest[] = [];
  readonly execSessions: ExecSession[] = [];
  /** Errors thrown by exec scripts (their session is dropped); tests assert it stays empty. */
  readonly execErrors: unknown[] = [];
  /** Live upgraded connections: no longer the HTTP server's, yet server.close() waits for them. */
  private readonly upgraded = new Set<Duplex>();
  private uidCounter = 0;
  private resourceVersion = 1000;
  kubeconfigPath = '';
  url = '';
  readonly ca: string;
  readonly token = 'fake-token-0123456789';

  private constructor(
    private readonly server: https.Server,
    private readonly directory: string,
    private readonly options: FakeApiServerOptions,
  ) {
    this.ca = serverCertificates()['ca.crt'];
  }

  static async start(options: FakeApiServerOptions = {}): Promise<FakeApiServer> {
    const set = serverCertificates();
    const directory = await mkdtemp(path.join(tmpdir(), 'debugdead-fake-api-'));
    const holder: { fake?: FakeApiServer } = {};
    const server = https.createServer({ cert: set['tls.crt'], key: set['tls.key'] }, (request, response) => {
      holder.fake?.handle(request, response);
    });
    server.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
      holder.fake?.upgrade(request, socket, head);
    });
    const fake = new FakeApiServer(server, directory, options);
    holder.fake = fake;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    fake.url = `https://127.0.0.1:${port}`;
    fake.kubeconfigPath = path.join(directory, 'kubeconfig');
    await writeFile(fake.kubeconfigPath, fake.kubeconfig());
    return fake;
  }

  /** A kubeconfig for this server (context "fake"), optionally for another server address. */
  kubeconfig(server = this.url): string {
    const namespace =
      this.options.contextNamespace === undefined ? '' : `\n    namespace: ${this.options.contextNamespace}`;
    return `apiVersion: v1
kind: Config
clusters:
- name: fake
  cluster:
    server: ${server}
    certificate-authority-data: ${Buffer.from(this.ca).toString('base64')}
users:
- name: fake-user
  user:
    token: ${this.token}
contexts:
- name: fake
  context:
    cluster: fake
    user: fake-user${namespace}
current-context: fake
`;
  }

  get directoryPath(): string {
    return this.directory;
  }

  now(): string {
    return this.options.now ?? '2025-03-01T10:00:00Z';
  }

  addNamespace(name: string, labels: Record<string, string> = {}): void {
    this.namespaces.set(name, { 'kubernetes.io/metadata.name': name, ...labels });
  }

  addPod(pod: Pod): void {
    const metadata = pod.metadata as JsonObject;
    const namespace = String(metadata.namespace);
    if (!this.namespaces.has(namespace)) this.addNamespace(namespace);
    this.pods.set(`${namespace}/${String(metadata.name)}`, structuredClone(pod));
  }

  /**
   * Objects of API groups (apps/v1 deployments, batch/v1 jobs…), keyed `group/version/resource/namespace/name`,
   * served by GET (one, or a namespace's or all namespaces' list, labelSelector applied).
   */
  readonly objects = new Map<string, JsonObject>();

  /** Adds an object of an API group; `resource` is its plural (deployments). Gets a uid when it has none. */
  addObject(resource: string, object: JsonObject): JsonObject {
    const metadata = object.metadata as JsonObject;
    const namespace = String(metadata.namespace);
    if (!this.namespaces.has(namespace)) this.addNamespace(namespace);
    const stored = structuredClone(object);
    (stored.metadata as JsonObject).uid ??= `uid-${resource}-${String(metadata.name)}`;
    this.objects.set(`${String(object.apiVersion)}/${resource}/${namespace}/${String(metadata.name)}`, stored);
    return stored;
  }

  getPod(namespace: string, name: string): Pod | undefined {
    return this.pods.get(`${namespace}/${name}`);
  }

  /** Pods of a namespace carrying a label (for "no copy left behind" checks). */
  podsWithLabel(label: string): Pod[] {
    return [...this.pods.values()].filter(
      (pod) => label in (((pod.metadata as JsonObject).labels as JsonObject | undefined) ?? {}),
    );
  }

  fail(rule: FailureRule): void {
    this.failures.push(rule);
  }

  /** Cuts every upgraded connection (answered or held). */
  dropExecConnections(): void {
    for (const socket of this.upgraded) socket.destroy();
  }

  async close(): Promise<void> {
    // Upgraded connections are no longer the HTTP server's: end them here (also those of earlier tests).
    this.dropExecConnections();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    await rm(this.directory, { recursive: true, force: true });
  }

  private handle(request: import('node:http').IncomingMessage, response: import('node:http').ServerResponse): void {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const url = new URL(request.url ?? '/', 'https://fake');
      const text = Buffer.concat(chunks).toString('utf8');
      let body: unknown;
      if (text !== '') {
        try {
          body = JSON.parse(text);
        } catch {
          body = text;
        }
      }
      const recorded: RecordedRequest = {
        method: request.method ?? 'GET',
        path: url.pathname,
        query: Object.fromEntries(url.searchParams),
        ...(body === undefined ? {} : { body }),
        authorization: request.headers.authorization,
        userAgent: request.headers['user-agent'],
      };
      this.requests.push(recorded);
      const send = (code: number, payload: unknown, headers: Record<string, string | string[]> = {}): void => {
        response.writeHead(code, { 'Content-Type': 'application/json', ...headers });
        response.end(JSON.stringify(payload));
      };
      if (request.headers.authorization !== `Bearer ${this.token}`) {
        send(401, status(401, 'Unauthorized', 'Unauthorized'));
        return;
      }
      const failure = this.takeFailure(recorded);
      if (failure !== undefined) {
        send(failure.status, status(failure.status, failure.reason ?? 'Failure', failure.message, failure.details));
        return;
      }
      try {
        this.route(recorded, send);
      } catch (error) {
        send(500, status(500, 'InternalError', `fake: ${(error as Error).message}`));
      }
    });
  }

  /** The first failure rule that matches the request (used up when it has a count). */
  private takeFailure(request: RecordedRequest): FailureRule | undefined {
    const failure = this.failures.find((rule) => rule.method === request.method && rule.path.test(request.path));
    if (failure?.times !== undefined) {
      failure.times -= 1;
      if (failure.times <= 0) this.failures.splice(this.failures.indexOf(failure), 1);
    }
    return failure;
  }

  /**
   * GET /api/v1/namespaces/NS/pods/NAME/exec with Upgrade: websocket. Refusals are plain HTTP answers with a
   * Status body, as the API server gives them (authentication, injected failures, unknown pod or container);
   * otherwise 101 with the first of execProtocols the client offers, and the exec script runs the session.
   */
  private upgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void {
    socket.on('error', () => undefined);
    this.upgraded.add(socket);
    socket.once('close', () => this.upgraded.delete(socket));
    const url = new URL(request.url ?? '/', 'https://fake');
    const query: Record<string, string[]> = {};
    for (const [key, value] of url.searchParams) (query[key] ??= []).push(value);
    const offered = (request.headers['sec-websocket-protocol'] ?? '')
      .split(',')
      .map((protocol) => protocol.trim())
      .filter((protocol) => protocol !== '');
    const execRequest: ExecRequest = {
      path: url.pathname,
      query,
      protocols: offered,
      protocol: '',
      authorization: request.headers.authorization,
    };
    this.execRequests.push(execRequest);
    const recorded: RecordedRequest = {
      method: request.method ?? 'GET',
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      authorization: request.headers.authorization,
      userAgent: request.headers['user-agent'],
    };
    this.requests.push(recorded);
    const refuse = (code: number, reason: string, message: string, details?: JsonObject): void => {
      const body = JSON.stringify(status(code, reason, message, details));
      socket.end(
        `HTTP/1.1 ${code} ${STATUS_CODES[code] ?? ''}\r\nContent-Type: application/json\r\n` +
          `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
      );
    };
    if (request.headers.authorization !== `Bearer ${this.token}`) {
      refuse(401, 'Unauthorized', 'Unauthorized');
      return;
    }
    const failure = this.takeFailure(recorded);
    if (failure !== undefined) {
      refuse(failure.status, failure.reason ?? 'Failure', failure.message, failure.details);
      return;
    }
    const match = /^\/api\/v1\/namespaces\/([^/]+)\/pods\/([^/]+)\/exec$/.exec(url.pathname);
    if (request.method !== 'GET' || !match) {
      refuse(404, 'NotFound', 'the server could not find the requested resource');
      return;
    }
    const name = decodeURIComponent(match[2] ?? '');
    const pod = this.pods.get(`${decodeURIComponent(match[1] ?? '')}/${name}`);
    if (pod === undefined) {
      refuse(404, 'NotFound', `pods "${name}" not found`, { name, kind: 'pods' });
      return;
    }
    const containers = [...names(pod, 'containers'), ...names(pod, 'initContainers')];
    const container = query.container?.[0];
    if (container === undefined || !containers.includes(container)) {
      refuse(400, 'BadRequest', `container ${String(container)} is not valid for pod ${name}`);
      return;
    }
    const key = request.headers['sec-websocket-key'];
    if (
      String(request.headers.upgrade).toLowerCase() !== 'websocket' ||
      request.headers['sec-websocket-version'] !== '13' ||
      typeof key !== 'string'
    ) {
      refuse(400, 'BadRequest', 'fake: not a websocket upgrade (RFC 6455 version 13)');
      return;
    }
    if (this.holdExecUpgrades) return;
    const protocol = this.execProtocols.find((candidate) => offered.includes(candidate));
    if (protocol === undefined) {
      refuse(400, 'BadRequest', `fake: none of the offered subprotocols ${offered.join(', ')} is spoken here`);
      return;
    }
    execRequest.protocol = protocol;
    socket.write(
      'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
        `Sec-WebSocket-Accept: ${acceptKey(key)}\r\nSec-WebSocket-Protocol: ${protocol}\r\n\r\n`,
    );
    if (head.length > 0) socket.unshift(head);
    const session = new ExecSession(execRequest, socket);
    this.execSessions.push(session);
    const script = this.exec;
    Promise.resolve()
      .then(() => script(session))
      .catch((error: unknown) => {
        this.execErrors.push(error);
        session.drop();
      });
  }

  private route(
    request: RecordedRequest,
    send: (code: number, payload: unknown, headers?: Record<string, string | string[]>) => void,
  ): void {
    const { method, path: pathname } = request;
    if (method === 'GET' && pathname === '/api') {
      send(200, {
        kind: 'APIVersions',
        versions: ['v1'],
        serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress: '127.0.0.1' }],
      });
      return;
    }
    if (method === 'GET' && pathname === '/apis') {
      send(200, { kind: 'APIGroupList', apiVersion: 'v1', groups: [] });
      return;
    }
    if (method === 'GET' && pathname === '/api/v1') {
      send(200, RESOURCE_LIST);
      return;
    }
    if (method === 'GET' && pathname === '/version') {
      send(200, { major: '1', minor: '32', gitVersion: 'v1.32.0-fake', platform: 'linux/amd64' });
      return;
    }
    if (method === 'GET' && pathname === '/api/v1/namespaces') {
      const items = [...this.namespaces.entries()].map(([name, labels]) => ({ metadata: { name, labels } }));
      send(200, { kind: 'NamespaceList', apiVersion: 'v1', metadata: {}, items });
      return;
    }
    let match = /^\/api\/v1\/namespaces\/([^/]+)\/pods\/([^/]+)$/.exec(pathname);
    if (match) {
      const namespace = decodeURIComponent(match[1] ?? '');
      const name = decodeURIComponent(match[2] ?? '');
      if (method === 'GET') this.getPodRoute(namespace, name, send);
      else if (method === 'DELETE') this.deletePodRoute(namespace, name, request.body, send);
      else send(405, status(405, 'MethodNotAllowed', `fake: ${method} not served`));
      return;
    }
    match = /^\/api\/v1(?:\/namespaces\/([^/]+))?\/pods$/.exec(pathname);
    if (match) {
      const namespace = match[1] === undefined ? undefined : decodeURIComponent(match[1]);
      if (method === 'GET') {
        const items = [...this.pods.values()]
          .filter((pod) => namespace === undefined || (pod.metadata as JsonObject).namespace === namespace)
          .filter((pod) =>
            matchesLabelSelector(
              ((pod.metadata as JsonObject).labels ?? {}) as Record<string, string>,
              request.query.labelSelector,
            ),
          )
          .map((pod) => {
            const { apiVersion: _a, kind: _k, ...rest } = pod;
            return rest;
          });
        send(200, {
          kind: 'PodList',
          apiVersion: 'v1',
          metadata: { resourceVersion: String(this.resourceVersion) },
          items,
        });
      } else if (method === 'POST' && namespace !== undefined) {
        this.createPodRoute(namespace, request, send);
      } else {
        send(405, status(405, 'MethodNotAllowed', `fake: ${method} not served`));
      }
      return;
    }
    match = /^\/apis\/([^/]+\/[^/]+)(?:\/namespaces\/([^/]+))?\/([^/]+)(?:\/([^/]+))?$/.exec(pathname);
    if (match && method === 'GET') {
      const [, apiVersion = '', namespace, resource = '', name] = match;
      const prefix = `${apiVersion}/${resource}/`;
      const found = [...this.objects.entries()]
        .filter(([key]) => key.startsWith(prefix))
        .map(([, object]) => object)
        .filter((object) => namespace === undefined || (object.metadata as JsonObject).namespace === namespace);
      if (name !== undefined) {
        const object = found.find((item) => (item.metadata as JsonObject).name === name);
        if (object === undefined) {
          send(
            404,
            status(404, 'NotFound', `${resource}.${apiVersion.split('/')[0] ?? ''} "${name}" not found`, {
              name,
              kind: resource,
            }),
          );
        } else send(200, object);
        return;
      }
      if (!['deployments', 'replicasets', 'statefulsets', 'daemonsets', 'jobs', 'cronjobs'].includes(resource)) {
        send(404, status(404, 'NotFound', 'the server could not find the requested resource'));
        return;
      }
      const items = found.filter((object) =>
        matchesLabelSelector(
          ((object.metadata as JsonObject).labels ?? {}) as Record<string, string>,
          request.query.labelSelector,
        ),
      );
      send(200, { kind: 'List', apiVersion, metadata: {}, items });
      return;
    }
    match = /^\/api\/v1\/namespaces\/([^/]+)\/events$/.exec(pathname);
    if (match && method === 'POST') {
      const namespace = decodeURIComponent(match[1] ?? '');
      const event = { ...(request.body as JsonObject) };
      const metadata: JsonObject = { ...(event.metadata as JsonObject), namespace };
      metadata.name ??= `${String(metadata.generateName ?? 'event.')}${this.events.length + 1}`;
      delete metadata.generateName;
      const stored = { ...event, metadata };
      this.events.push(stored);
      send(201, stored);
      return;
    }
    if (match && method === 'GET') {
      const namespace = decodeURIComponent(match[1] ?? '');
      const items = this.events.filter(
        (event) =>
          fieldValue(event, 'metadata.namespace') === namespace &&
          matchesFieldSelector(event, request.query.fieldSelector),
      );
      send(200, { kind: 'EventList', apiVersion: 'v1', metadata: {}, items });
      return;
    }
    send(404, status(404, 'NotFound', 'the server could not find the requested resource'));
  }

  private getPodRoute(namespace: string, name: string, send: (code: number, payload: unknown) => void): void {
    const key = `${namespace}/${name}`;
    const pod = this.pods.get(key);
    if (pod === undefined) {
      send(404, status(404, 'NotFound', `pods "${name}" not found`, { name, kind: 'pods' }));
      return;
    }
    const script = this.scripts.get(key);
    if (script !== undefined && script.steps.length > 0) {
      const index = Math.min(script.gets, script.steps.length - 1);
      const step = script.steps[index];
      script.gets += 1;
      if (step !== undefined) {
        pod.status = structuredClone(step.status);
        if (script.gets - 1 === index) for (const event of step.events ?? []) this.addEvent(pod, event);
      }
    }
    send(200, pod);
  }

  addEvent(pod: Pod, event: JsonObject): void {
    const metadata = pod.metadata as JsonObject;
    const { involvedObject, ...rest } = event;
    this.events.push({
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name: `${String(metadata.name)}.${this.events.length + 1}`, namespace: metadata.namespace ?? null },
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
      firstTimestamp: this.now(),
      lastTimestamp: this.now(),
      ...rest,
    });
  }

  private deletePodRoute(
    namespace: string,
    name: string,
    body: unknown,
    send: (code: number, payload: unknown) => void,
  ): void {
    const key = `${namespace}/${name}`;
    const pod = this.pods.get(key);
    if (pod === undefined) {
      send(404, status(404, 'NotFound', `pods "${name}" not found`, { name, kind: 'pods' }));
      return;
    }
    const wanted = (body as { preconditions?: { uid?: string } } | undefined)?.preconditions?.uid;
    const uid = (pod.metadata as JsonObject).uid;
    if (wanted !== undefined && wanted !== uid) {
      send(
        409,
        status(
          409,
          'Conflict',
          `Operation cannot be fulfilled on pods "${name}": Precondition failed: UID in precondition: ${wanted}, UID in object meta: ${String(uid)}`,
          {
            name,
            kind: 'pods',
          },
        ),
      );
      return;
    }
    this.pods.delete(key);
    this.scripts.delete(key);
    send(200, pod);
  }

  private createPodRoute(
    namespace: string,
    request: RecordedRequest,
    send: (code: number, payload: unknown, headers?: Record<string, string | string[]>) => void,
  ): void {
    const input = request.body as Pod;
    const metadata = { ...((input.metadata ?? {}) as JsonObject) };
    if (metadata.namespace !== undefined && metadata.namespace !== namespace) {
      send(
        400,
        status(
          400,
          'BadRequest',
          'the namespace of the provided object does not match the namespace sent on the request',
        ),
      );
      return;
    }
    if (!this.namespaces.has(namespace)) {
      send(
        404,
        status(404, 'NotFound', `namespaces "${namespace}" not found`, { name: namespace, kind: 'namespaces' }),
      );
      return;
    }
    const name = typeof metadata.name === 'string' ? metadata.name : undefined;
    if (
      name === undefined ||
      !/^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/.test(name) ||
      name.length > 253
    ) {
      send(
        422,
        status(422, 'Invalid', `Pod "${String(name)}" is invalid: metadata.name: Invalid value`, {
          name: name ?? '',
          kind: 'Pod',
        }),
      );
      return;
    }
    for (const [key, value] of Object.entries((metadata.labels ?? {}) as Record<string, string>)) {
      if (value.length > 63 || !/^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/.test(value)) {
        send(
          422,
          status(
            422,
            'Invalid',
            `Pod "${name}" is invalid: metadata.labels: Invalid value: "${value}" (label ${key})`,
            { name, kind: 'Pod' },
          ),
        );
        return;
      }
    }
    const spec = (input.spec ?? {}) as JsonObject;
    if ('ephemeralContainers' in spec) {
      send(
        422,
        status(
          422,
          'Invalid',
          `Pod "${name}" is invalid: spec.ephemeralContainers: Forbidden: cannot be set on create`,
          { name, kind: 'Pod' },
        ),
      );
      return;
    }
    if ('priority' in spec) {
      send(
        403,
        status(
          403,
          'Forbidden',
          `pods "${name}" is forbidden: the integer value of priority (${String(spec.priority)}) must not be provided in pod spec; priority admission controller computed 0 from the given PriorityClass name`,
          {
            name,
            kind: 'pods',
          },
        ),
      );
      return;
    }
    if (this.pods.has(`${namespace}/${name}`)) {
      send(409, status(409, 'AlreadyExists', `pods "${name}" already exists`, { name, kind: 'pods' }));
      return;
    }
    let pod: Pod = structuredClone({ ...input, metadata: { ...metadata, namespace } });
    const headers: Record<string, string[]> = {};
    const annotations = (metadata.annotations ?? {}) as Record<string, string>;
    if (
      this.namespaces.get(namespace)?.['debug.dead/enable'] === 'true' &&
      annotations['debug.dead/enable'] === 'true'
    ) {
      const result = (
        this.options.webhook ?? ((object: Pod) => mutatePod(object, DEFAULT_MUTATION_CONFIG, { operation: 'CREATE' }))
      )(pod);
      if (result.outcome === 'denied') {
        const webhook = this.options.webhookName ?? 'pods.debug.dead';
        send(400, status(400, 'BadRequest', `admission webhook "${webhook}" denied the request: ${result.message}`));
        return;
      }
      if (result.outcome === 'mutated') {
        pod = jsonpatch.applyPatch(
          structuredClone(pod),
          result.patch as jsonpatch.Operation[],
          true,
          false,
        ).newDocument;
        if (result.warnings.length > 0)
          headers.Warning = result.warnings.map((warning) => `299 - "${warning.replace(/["\\]/g, '\\$&')}"`);
      }
    }
    this.uidCounter += 1;
    this.resourceVersion += 1;
    const stored: Pod = {
      ...pod,
      metadata: {
        ...(pod.metadata as JsonObject),
        uid: `00000000-0000-4000-8000-${String(this.uidCounter).padStart(12, '0')}`,
        resourceVersion: String(this.resourceVersion),
        creationTimestamp: this.now(),
      },
      status: { phase: 'Pending', qosClass: 'Burstable' },
    };
    if (request.query.dryRun === 'All') {
      send(201, stored, headers);
      return;
    }
    this.pods.set(`${namespace}/${name}`, stored);
    this.scripts.set(`${namespace}/${name}`, { steps: this.kubelet(stored), gets: 0 });
    send(201, stored, headers);
  }
}

/** Statuses of a pod whose every container starts: Pending with ContainerCreating, then Running. */
export function defaultKubelet(pod: Pod): KubeletStep[] {
  return [pendingStep(pod), runningStep(pod)];
}

function names(pod: Pod, key: string): string[] {
  return (((pod.spec as JsonObject)[key] ?? []) as JsonObject[]).map((container) => String(container.name));
}

export function pendingStep(pod: Pod, events: JsonObject[] = []): KubeletStep {
  return {
    status: {
      phase: 'Pending',
      conditions: [
        { type: 'PodScheduled', status: 'True', lastProbeTime: null, lastTransitionTime: '2025-03-01T10:00:01Z' },
      ],
      startTime: '2025-03-01T10:00:01Z',
      initContainerStatuses: names(pod, 'initContainers').map((name) => ({
        name,
        state: { waiting: { reason: 'PodInitializing' } },
        ready: false,
        restartCount: 0,
        image: '',
        imageID: '',
      })),
      containerStatuses: names(pod, 'containers').map((name): JsonObject => ({
        name,
        state: { waiting: { reason: 'ContainerCreating' } },
        ready: false,
        restartCount: 0,
        image: '',
        imageID: '',
      })),
      qosClass: 'Burstable',
    },
    events,
  };
}

/** The init containers the webhook keeps alive (from its debug.dead/mutated summary). */
function keptAliveInitContainers(pod: Pod): string[] {
  const annotations = ((pod.metadata as JsonObject).annotations ?? {}) as Record<string, string>;
  try {
    const summary = JSON.parse(annotations['debug.dead/mutated'] ?? '{}') as { initContainers?: string[] };
    return summary.initContainers ?? [];
  } catch {
    return [];
  }
}

/**
 * Every container running, as a kubelet reports it. A kept-alive init container (SPEC §3.6) runs and holds
 * back the init containers after it and all regular containers: the pod stays Pending.
 */
export function runningStep(pod: Pod, events: JsonObject[] = []): KubeletStep {
  const kept = keptAliveInitContainers(pod);
  const inits = names(pod, 'initContainers');
  const held = kept.length === 0 ? inits.length : inits.findIndex((name) => kept.includes(name));
  const state = (index: number): JsonObject =>
    index < held
      ? {
          terminated: {
            exitCode: 0,
            reason: 'Completed',
            startedAt: '2025-03-01T10:00:02Z',
            finishedAt: '2025-03-01T10:00:03Z',
          },
        }
      : index === held
        ? { running: { startedAt: '2025-03-01T10:00:04Z' } }
        : { waiting: { reason: 'PodInitializing' } };
  return {
    status: {
      phase: kept.length === 0 ? 'Running' : 'Pending',
      conditions: [
        {
          type: 'Ready',
          status: 'False',
          reason: kept.length === 0 ? 'ReadinessGatesNotReady' : 'ContainersNotReady',
          lastProbeTime: null,
          lastTransitionTime: '2025-03-01T10:00:05Z',
        },
      ],
      startTime: '2025-03-01T10:00:01Z',
      hostIP: '10.0.0.13',
      podIP: '10.244.1.40',
      initContainerStatuses: inits.map((name, index) => ({
        name,
        state: state(index),
        ready: index < held,
        restartCount: 0,
        image: '',
        imageID: '',
      })),
      containerStatuses: names(pod, 'containers').map((name): JsonObject => ({
        name,
        state:
          kept.length === 0
            ? { running: { startedAt: '2025-03-01T10:00:04Z' } }
            : { waiting: { reason: 'PodInitializing' } },
        ready: false,
        restartCount: 0,
        image: '',
        imageID: '',
        started: kept.length === 0,
      })),
      qosClass: 'Burstable',
    },
    events,
  };
}
