/**
 * Renders the shipped kustomizations with the real kubectl (its built-in kustomize), as
 * `kubectl apply -k` would, and stages a copy of manifests/ beside a generated certs/cluster/ for the
 * overlay that reads the `certs` command's output.
 */
import { execFile } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { cp, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { loadAll } from 'js-yaml';
import { generateCerts } from '../../src/tls/certs-directory.js';
import { DEFAULT_CA_VALIDITY_DAYS, DEFAULT_CLUSTER_DOMAIN, INSTALL_NAMES } from '../../src/tls/install-names.js';
import type { KubeObject } from './schema.js';

const run = promisify(execFile);
export const ROOT = path.resolve(import.meta.dirname, '..', '..');
export const MANIFESTS = path.join(ROOT, 'manifests');

/** kubectl from $KUBECTL, /usr/bin/kubectl or PATH; undefined when there is none. */
export function findKubectl(): string | undefined {
  const candidates = [
    process.env.KUBECTL,
    '/usr/bin/kubectl',
    ...(process.env.PATH ?? '').split(path.delimiter).map((dir) => path.join(dir, 'kubectl')),
  ];
  for (const candidate of candidates) {
    if (candidate === undefined || candidate === '') continue;
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // next
    }
  }
  return undefined;
}

export async function kustomize(kubectl: string, directory: string): Promise<KubeObject[]> {
  const { stdout } = await run(kubectl, ['kustomize', directory], { timeout: 60_000, maxBuffer: 32 * 1024 * 1024 });
  return loadAll(stdout).filter(
    (document): document is KubeObject => document !== null && typeof document === 'object',
  );
}

export interface StagedCopy {
  root: string;
  manifests: string;
  certs: string;
  cleanup(): Promise<void>;
}

/** A temporary copy of manifests/ with certs/cluster/ generated beside it, as after `npm run certs`. */
export async function stageWithCerts(now = new Date()): Promise<StagedCopy> {
  const root = await mkdtemp(path.join(os.tmpdir(), 'debugdead-delivery-'));
  const manifests = path.join(root, 'manifests');
  const certs = path.join(root, 'certs', 'cluster');
  await cp(MANIFESTS, manifests, { recursive: true });
  await generateCerts(
    {
      outDir: certs,
      service: INSTALL_NAMES.service,
      namespace: INSTALL_NAMES.namespace,
      secretName: INSTALL_NAMES.secret,
      clusterDomain: DEFAULT_CLUSTER_DOMAIN,
      validityDays: 365,
      caValidityDays: DEFAULT_CA_VALIDITY_DAYS,
      force: false,
    },
    now,
  );
  return { root, manifests, certs, cleanup: () => rm(root, { recursive: true, force: true }) };
}

export function find(objects: readonly KubeObject[], kind: string, name?: string): KubeObject {
  const found = objects.find((object) => object.kind === kind && (name === undefined || object.metadata.name === name));
  if (found === undefined) throw new Error(`no ${kind}${name === undefined ? '' : ` ${name}`} in the rendered objects`);
  return found;
}
