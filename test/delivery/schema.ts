/**
 * Offline validation of rendered Kubernetes objects.
 *
 * 1. kubernetes-models (npm): JSON-schema validators generated from the Kubernetes OpenAPI spec (types,
 *    required fields, enums, formats) and from cert-manager's CRDs. Always available (devDependency).
 * 2. Unknown fields: the OpenAPI schemas do not forbid extra properties, so a misspelt field passes (1)
 *    and is silently dropped by the API server. `unknownFields` walks an object against the OpenAPI v3
 *    spec of k8s.io/kubernetes (api/openapi-spec/v3) from the Go module cache, where the API server
 *    harness (test/apiserver) puts it; without it that check is skipped with a printed reason.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [field: string]: unknown;
}

interface Model {
  validate(): void;
}
type ModelClass = new (data: unknown) => Model;

/** The kubernetes-models module that holds apiVersion's models. */
function modelModule(apiVersion: string): string {
  const [group, version] = apiVersion.includes('/') ? apiVersion.split('/') : ['', apiVersion];
  if (group === undefined || version === undefined) throw new Error(`bad apiVersion ${apiVersion}`);
  if (group.endsWith('cert-manager.io')) return `@kubernetes-models/cert-manager/${group}/${version}`;
  return group === '' ? `kubernetes-models/${version}` : `kubernetes-models/${group}/${version}`;
}

/**
 * kustomize wraps long base64 values (Secret data, a replaced caBundle) over several lines. The API
 * server decodes them with Go's base64 decoder, which ignores CR and LF; the schema's "byte" format
 * does not, so line breaks are removed before validating (anything else stays invalid).
 */
function withUnwrappedBase64(object: KubeObject): KubeObject {
  const copy = structuredClone(object);
  const unwrap = (value: unknown): unknown => (typeof value === 'string' ? value.replace(/[\r\n]/g, '') : value);
  if (copy.kind === 'Secret' && copy.data !== null && typeof copy.data === 'object')
    for (const [key, value] of Object.entries(copy.data)) (copy.data as Record<string, unknown>)[key] = unwrap(value);
  if (Array.isArray(copy.webhooks))
    for (const webhook of copy.webhooks as { clientConfig?: { caBundle?: unknown } }[])
      if (webhook.clientConfig?.caBundle !== undefined)
        webhook.clientConfig.caBundle = unwrap(webhook.clientConfig.caBundle);
  return copy;
}

/** Validates with kubernetes-models; returns the error messages (empty when valid). */
export async function schemaErrors(object: KubeObject): Promise<string[]> {
  const module = (await import(modelModule(object.apiVersion))) as Record<string, unknown>;
  const Class = module[object.kind];
  if (typeof Class !== 'function') return [`no schema for ${object.apiVersion} ${object.kind}`];
  try {
    new (Class as ModelClass)(withUnwrappedBase64(object)).validate();
    return [];
  } catch (error) {
    const details = (error as { errors?: { instancePath?: string; message?: string }[] }).errors;
    if (Array.isArray(details)) return details.map((detail) => `${detail.instancePath ?? ''} ${detail.message ?? ''}`);
    return [(error as Error).message];
  }
}

// ---- unknown fields against the upstream OpenAPI v3 spec -------------------------------------------------

interface OpenApiSchema {
  $ref?: string;
  allOf?: OpenApiSchema[];
  properties?: Record<string, OpenApiSchema>;
  additionalProperties?: OpenApiSchema | boolean;
  items?: OpenApiSchema;
  'x-kubernetes-preserve-unknown-fields'?: boolean;
  'x-kubernetes-group-version-kind'?: { group: string; version: string; kind: string }[];
}
interface OpenApiDocument {
  components: { schemas: Record<string, OpenApiSchema> };
}

function goModuleCache(): string | undefined {
  if (process.env.GOMODCACHE) return process.env.GOMODCACHE;
  try {
    const fromGo = execFileSync('go', ['env', 'GOMODCACHE'], { encoding: 'utf8', timeout: 20_000 }).trim();
    if (fromGo !== '') return fromGo;
  } catch {
    // no Go toolchain: try the default location
  }
  return path.join(process.env.GOPATH ?? path.join(os.homedir(), 'go'), 'pkg', 'mod');
}

function versionKey(directory: string): number[] {
  return (/@v(\d+)\.(\d+)\.(\d+)/.exec(directory)?.slice(1) ?? []).map(Number);
}

/** The newest api/openapi-spec/v3 directory of k8s.io/kubernetes in the Go module cache, if any. */
export function findOpenApiSpec(): string | undefined {
  const cache = goModuleCache();
  if (cache === undefined) return undefined;
  const parent = path.join(cache, 'k8s.io');
  if (!existsSync(parent)) return undefined;
  const candidates = readdirSync(parent)
    .filter((name) => /^kubernetes@v\d+\.\d+\.\d+$/.test(name))
    .map((name) => path.join(parent, name, 'api', 'openapi-spec', 'v3'))
    .filter((dir) => existsSync(dir))
    .sort((a, b) => {
      const [x, y] = [versionKey(a), versionKey(b)];
      for (let i = 0; i < 3; i += 1) if ((x[i] ?? 0) !== (y[i] ?? 0)) return (y[i] ?? 0) - (x[i] ?? 0);
      return 0;
    });
  return candidates[0];
}

export class OpenApiSpec {
  private readonly documents = new Map<string, OpenApiDocument>();
  constructor(readonly directory: string) {}

  private document(apiVersion: string): OpenApiDocument | undefined {
    const [group, version] = apiVersion.includes('/') ? apiVersion.split('/') : ['', apiVersion];
    const file =
      group === '' ? `api__${version ?? ''}_openapi.json` : `apis__${group ?? ''}__${version ?? ''}_openapi.json`;
    const cached = this.documents.get(file);
    if (cached !== undefined) return cached;
    const full = path.join(this.directory, file);
    if (!existsSync(full)) return undefined;
    const parsed = JSON.parse(readFileSync(full, 'utf8')) as OpenApiDocument;
    this.documents.set(file, parsed);
    return parsed;
  }

  /** Paths of the fields of `object` that its schema does not know; undefined when no schema (a CRD). */
  unknownFields(object: KubeObject): string[] | undefined {
    const document = this.document(object.apiVersion);
    if (document === undefined) return undefined;
    const [group, version] = object.apiVersion.includes('/') ? object.apiVersion.split('/') : ['', object.apiVersion];
    const root = Object.values(document.components.schemas).find((schema) =>
      (schema['x-kubernetes-group-version-kind'] ?? []).some(
        (gvk) => gvk.group === group && gvk.version === version && gvk.kind === object.kind,
      ),
    );
    if (root === undefined) return undefined;
    const unknown: string[] = [];
    this.walk(object, root, document, '', unknown, 0);
    return unknown;
  }

  private resolve(schema: OpenApiSchema, document: OpenApiDocument): OpenApiSchema {
    let current = schema;
    for (let hops = 0; hops < 20; hops += 1) {
      const reference = current.$ref ?? (current.allOf?.length === 1 ? current.allOf[0]?.$ref : undefined);
      if (reference === undefined) return current;
      const target = document.components.schemas[reference.replace('#/components/schemas/', '')];
      if (target === undefined) return current;
      current = target;
    }
    return current;
  }

  private walk(
    value: unknown,
    schema: OpenApiSchema,
    document: OpenApiDocument,
    at: string,
    unknown: string[],
    depth: number,
  ): void {
    if (depth > 64) return;
    const resolved = this.resolve(schema, document);
    if (resolved['x-kubernetes-preserve-unknown-fields'] === true) return;
    if (Array.isArray(value)) {
      if (resolved.items !== undefined)
        value.forEach((item, index) => {
          this.walk(item, resolved.items as OpenApiSchema, document, `${at}[${index}]`, unknown, depth + 1);
        });
      return;
    }
    if (value === null || typeof value !== 'object') return;
    for (const [key, child] of Object.entries(value)) {
      const property = resolved.properties?.[key];
      if (property !== undefined) this.walk(child, property, document, `${at}.${key}`, unknown, depth + 1);
      else if (typeof resolved.additionalProperties === 'object')
        this.walk(child, resolved.additionalProperties, document, `${at}.${key}`, unknown, depth + 1);
      else if (resolved.properties !== undefined && resolved.additionalProperties !== true)
        unknown.push(`${at}.${key}`);
    }
  }
}
