/** Shared pieces of the webhook tests: the example review, an app with a captured log, certificates. */
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import tls from 'node:tls';
import { pino, type Logger } from 'pino';
import { DEFAULT_MUTATION_CONFIG } from '../../src/mutation/index.js';
import { generateCertificates, type CertificateSet } from '../../src/tls/certificates.js';
import { createApp, type AppDeps } from '../../src/webhook/app.js';
import { createMetrics, type WebhookMetrics } from '../../src/webhook/metrics.js';

export const ROOT = path.resolve(import.meta.dirname, '..', '..');
export const EXAMPLE_REVIEW_PATH = path.join(ROOT, 'examples', 'admission-review.json');
export const EXAMPLE_REVIEW_TEXT = readFileSync(EXAMPLE_REVIEW_PATH, 'utf8');

export type Json = string | number | boolean | null | Json[] | { [key: string]: Json };
export type JsonMap = Record<string, Json>;

/** An AdmissionReview answer as the tests read it. */
export interface ReviewAnswer {
  apiVersion: string;
  kind: string;
  response: {
    uid: string;
    allowed: boolean;
    patchType?: string;
    patch?: string;
    warnings?: string[];
    status?: { status: string; code: number; reason: string; message: string };
  };
}

/** A log record's field as text (pino records are plain JSON). */
export function field(record: JsonMap | undefined, name: string): string {
  const value = record?.[name];
  if (value === undefined) return '';
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/** A fresh deep copy of examples/admission-review.json (heapster, CREATE, debug.dead/enable: "true"). */
export function exampleReview(): JsonMap {
  return JSON.parse(EXAMPLE_REVIEW_TEXT) as JsonMap;
}

export function requestOf(review: JsonMap): JsonMap {
  return review.request as JsonMap;
}

export function podOf(review: JsonMap): JsonMap {
  return requestOf(review).object as JsonMap;
}

/** A pino logger writing JSON lines into an array (what main.ts writes to stdout). */
export function capturedLogger(level = 'info'): { logger: Logger; lines: string[]; records: () => JsonMap[] } {
  const lines: string[] = [];
  const logger = pino(
    { level },
    {
      write(chunk: string) {
        lines.push(...chunk.split('\n').filter((line) => line !== ''));
      },
    },
  );
  return { logger, lines, records: () => lines.map((line) => JSON.parse(line) as JsonMap) };
}

export interface TestApp {
  app: ReturnType<typeof createApp>;
  metrics: WebhookMetrics;
  lines: string[];
  records: () => JsonMap[];
}

export function testApp(overrides: Partial<AppDeps> = {}): TestApp {
  const { logger, lines, records } = capturedLogger();
  const metrics = overrides.metrics ?? createMetrics();
  const app = createApp({ mutation: DEFAULT_MUTATION_CONFIG, logger, metrics, ...overrides });
  return { app, metrics, lines, records };
}

/** Current value of one series of a metric, read from the registry like a scrape would. */
export async function metricValue(
  metrics: WebhookMetrics,
  name: string,
  labels: Record<string, string> = {},
): Promise<number> {
  const metric = metrics.registry.getSingleMetric(name);
  if (metric === undefined) throw new Error(`no metric ${name}`);
  const data = await metric.get();
  const sample = data.values.find((value) =>
    Object.entries(labels).every(([key, expected]) => String(value.labels[key]) === expected),
  );
  return sample?.value ?? 0;
}

/** Decodes the base64 JSON patch of an AdmissionReview response. */
export function decodePatch(patch: string): unknown {
  return JSON.parse(Buffer.from(patch, 'base64').toString('utf8')) as unknown;
}

let cachedSets: CertificateSet[] | undefined;
/** Two independent CA + localhost certificate sets (generated once per test process: RSA keygen is slow). */
export function certificateSets(): [CertificateSet, CertificateSet] {
  cachedSets ??= [0, 1].map(() =>
    generateCertificates({ dnsNames: ['localhost'], ipAddresses: ['127.0.0.1', '::1'], now: new Date() }),
  );
  return cachedSets as [CertificateSet, CertificateSet];
}

export function serialOf(pem: string): string {
  return new X509Certificate(pem).serialNumber;
}

/** Connects with TLS, verifying against `ca`, and returns the serial number of the certificate served. */
export function servedSerial(port: number, ca: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({ host: '127.0.0.1', port, ca, servername: 'localhost' }, () => {
      const serial = socket.getPeerX509Certificate()?.serialNumber ?? '';
      socket.end();
      resolve(serial);
    });
    socket.setTimeout(5000, () => socket.destroy(new Error('TLS connect timed out')));
    socket.on('error', reject);
  });
}

/** Polls `probe` until it returns true, at most `timeoutMs`. */
export async function eventually(
  probe: () => Promise<boolean> | boolean,
  timeoutMs = 5000,
  what = 'condition',
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await probe()) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
