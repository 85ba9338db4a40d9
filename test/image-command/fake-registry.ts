/**
 * Misbehaving registries at the network boundary: small HTTP servers on loopback addresses (127.0.0.1 for
 * "the registry", 127.0.0.2 for "another host") that answer what a test scripts, and record every request
 * with its Authorization header, so tests can assert that no credential reached the wrong host.
 */
import { createHash } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface SeenRequest {
  method: string;
  url: string;
  authorization: string | undefined;
}

export interface FakeServer {
  /** `127.0.0.x:PORT` */
  host: string;
  seen: SeenRequest[];
  close(): Promise<void>;
}

export type Handler = (request: http.IncomingMessage, response: http.ServerResponse) => void;

export async function fakeServer(address: '127.0.0.1' | '127.0.0.2', handler: Handler): Promise<FakeServer> {
  const seen: SeenRequest[] = [];
  const server = http.createServer((request, response) => {
    seen.push({ method: request.method ?? '', url: request.url ?? '', authorization: request.headers.authorization });
    handler(request, response);
  });
  await new Promise<void>((resolve) => server.listen(0, address, resolve));
  const { port } = server.address() as AddressInfo;
  return {
    host: `${address}:${port}`,
    seen,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export function digestOf(body: string | Buffer): string {
  return `sha256:${createHash('sha256').update(body).digest('hex')}`;
}

export function json(response: http.ServerResponse, status: number, body: unknown, type = 'application/json'): void {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  response.writeHead(status, { 'Content-Type': type, 'Content-Length': Buffer.byteLength(text) });
  response.end(text);
}

/** A valid image: its config, and a Docker schema 2 manifest that points at it. */
export function image(
  entrypoint: string[] | null,
  cmd: string[] | null,
): { config: string; manifest: string; configDigest: string } {
  const config = JSON.stringify({ architecture: 'amd64', os: 'linux', config: { Entrypoint: entrypoint, Cmd: cmd } });
  const configDigest = digestOf(config);
  const manifest = JSON.stringify({
    schemaVersion: 2,
    mediaType: 'application/vnd.docker.distribution.manifest.v2+json',
    config: {
      mediaType: 'application/vnd.docker.container.image.v1+json',
      size: Buffer.byteLength(config),
      digest: configDigest,
    },
    layers: [],
  });
  return { config, manifest, configDigest };
}
