/**
 * A fake of the few Kubernetes API endpoints the TLS bootstrap uses, at the HTTP boundary: an HTTPS
 * server on 127.0.0.1 (its own CA in the kubeconfig, as a real cluster's) that stores Secrets and MutatingWebhookConfigurations, applies JSON patches with
 * fast-json-patch, answers like the API server (Status bodies, 404, 409) and records every request.
 */
import https from 'node:https';
import type http from 'node:http';
import type { AddressInfo } from 'node:net';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import fastJsonPatch, { type Operation } from 'fast-json-patch';
import { generateCertificates, type CertificateSet } from '../../src/tls/certificates.js';

export interface RecordedRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  contentType: string | undefined;
  authorization: string | undefined;
  body: unknown;
}

export interface SecretObject {
  apiVersion: 'v1';
  kind: 'Secret';
  metadata: { name: string; namespace: string; resourceVersion?: string; labels?: Record<string, string> };
  type?: string;
  data?: Record<string, string>;
}

export interface WebhookConfigurationObject {
  apiVersion: 'admissionregistration.k8s.io/v1';
  kind: 'MutatingWebhookConfiguration';
  metadata: { name: string; resourceVersion?: string };
  webhooks: { name: string; clientConfig: { caBundle?: string; service?: Record<string, unknown> } }[];
}

const SECRET = /^\/api\/v1\/namespaces\/([^/]+)\/secrets(?:\/([^/]+))?$/;
const WEBHOOK = /^\/apis\/admissionregistration\.k8s\.io\/v1\/mutatingwebhookconfigurations(?:\/([^/]+))?$/;
export const TOKEN = 'fake-bootstrap-token';

let shared: CertificateSet | undefined;
/** The fake's serving certificate, generated once per process (RSA key generation is slow). */
function serverCertificates(): CertificateSet {
  shared ??= generateCertificates({ dnsNames: ['localhost'], ipAddresses: ['127.0.0.1'], now: new Date() });
  return shared;
}

export class FakeKubeApi {
  readonly secrets = new Map<string, SecretObject>();
  readonly webhookConfigurations = new Map<string, WebhookConfigurationObject>();
  readonly requests: RecordedRequest[] = [];
  /** Answer 403 to requests whose "METHOD path" is in here. */
  readonly forbidden = new Set<string>();
  /** Called when a Secret create arrives, before it is stored: lets a test create it "concurrently". */
  beforeCreate: (() => void) | undefined;
  private version = 100;
  private server: https.Server | undefined;
  private readonly tls: CertificateSet = serverCertificates();
  url = '';

  async start(): Promise<void> {
    this.server = https.createServer({ cert: this.tls['tls.crt'], key: this.tls['tls.key'] }, (request, response) => {
      let raw = '';
      request.on('data', (chunk: Buffer) => (raw += chunk.toString()));
      request.on('end', () => {
        this.handle(request, raw, response);
      });
    });
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    this.url = `https://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (server === undefined) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) =>
      server.close(() => {
        resolve();
      }),
    );
  }

  /** A kubeconfig file for this server in `directory`. */
  async writeKubeconfig(directory: string): Promise<string> {
    const file = path.join(directory, 'kubeconfig');
    await writeFile(
      file,
      [
        'apiVersion: v1',
        'kind: Config',
        'clusters:',
        '  - name: fake',
        `    cluster: { server: "${this.url}", certificate-authority-data: "${Buffer.from(this.tls['ca.crt']).toString('base64')}" }`,
        'users:',
        `  - name: bootstrap`,
        `    user: { token: "${TOKEN}" }`,
        'contexts:',
        '  - name: fake',
        '    context: { cluster: fake, user: bootstrap }',
        'current-context: fake',
        '',
      ].join('\n'),
    );
    return file;
  }

  nextVersion(): string {
    this.version += 1;
    return String(this.version);
  }

  writes(): RecordedRequest[] {
    return this.requests.filter((request) => request.method !== 'GET');
  }

  private handle(request: http.IncomingMessage, raw: string, response: http.ServerResponse): void {
    const url = new URL(request.url ?? '/', 'http://fake');
    const method = request.method ?? 'GET';
    let body: unknown;
    try {
      body = raw === '' ? undefined : JSON.parse(raw);
    } catch {
      body = raw;
    }
    this.requests.push({
      method,
      path: url.pathname,
      query: url.searchParams,
      contentType: request.headers['content-type'],
      authorization: request.headers.authorization,
      body,
    });
    const send = (code: number, payload: unknown): void => {
      response.writeHead(code, { 'content-type': 'application/json' });
      response.end(JSON.stringify(payload));
    };
    const status = (code: number, reason: string, message: string): void => {
      send(code, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code });
    };
    if (request.headers.authorization !== `Bearer ${TOKEN}`) {
      status(401, 'Unauthorized', 'Unauthorized');
      return;
    }
    if (this.forbidden.has(`${method} ${url.pathname}`)) {
      status(403, 'Forbidden', `${method} ${url.pathname} is forbidden: User "system:serviceaccount:x:y" cannot`);
      return;
    }

    const secret = SECRET.exec(url.pathname);
    if (secret !== null) {
      const [, namespace = '', name] = secret;
      const key = `${namespace}/${name ?? ''}`;
      if (method === 'GET' && name !== undefined) {
        const stored = this.secrets.get(key);
        if (stored === undefined) status(404, 'NotFound', `secrets "${name}" not found`);
        else send(200, stored);
        return;
      }
      if (method === 'POST' && name === undefined) {
        this.beforeCreate?.();
        const created = structuredClone(body) as SecretObject;
        const createdKey = `${namespace}/${created.metadata.name}`;
        if (this.secrets.has(createdKey)) {
          status(409, 'AlreadyExists', `secrets "${created.metadata.name}" already exists`);
          return;
        }
        created.metadata.resourceVersion = this.nextVersion();
        this.secrets.set(createdKey, created);
        send(201, created);
        return;
      }
      if (method === 'PUT' && name !== undefined) {
        const stored = this.secrets.get(key);
        const replacement = structuredClone(body) as SecretObject;
        if (stored === undefined) {
          status(404, 'NotFound', `secrets "${name}" not found`);
          return;
        }
        if (replacement.metadata.resourceVersion !== stored.metadata.resourceVersion) {
          status(409, 'Conflict', 'the object has been modified; please apply your changes to the latest version');
          return;
        }
        replacement.metadata.resourceVersion = this.nextVersion();
        this.secrets.set(key, replacement);
        send(200, replacement);
        return;
      }
    }

    const webhook = WEBHOOK.exec(url.pathname);
    if (webhook?.[1] !== undefined) {
      const name = webhook[1];
      const stored = this.webhookConfigurations.get(name);
      if (stored === undefined) {
        status(404, 'NotFound', `mutatingwebhookconfigurations.admissionregistration.k8s.io "${name}" not found`);
        return;
      }
      if (method === 'GET') {
        send(200, stored);
        return;
      }
      if (method === 'PATCH') {
        if (request.headers['content-type'] !== 'application/json-patch+json') {
          status(415, 'UnsupportedMediaType', `unsupported patch type ${String(request.headers['content-type'])}`);
          return;
        }
        try {
          const patched = fastJsonPatch.applyPatch(
            structuredClone(stored),
            body as Operation[],
            true,
            false,
          ).newDocument;
          patched.metadata.resourceVersion = this.nextVersion();
          this.webhookConfigurations.set(name, patched);
          send(200, patched);
        } catch (error) {
          status(422, 'Invalid', `the patch does not apply: ${(error as Error).message}`);
        }
        return;
      }
    }
    status(404, 'NotFound', `the fake has no ${method} ${url.pathname}`);
  }
}
