/**
 * What the `certs` command does (src/certs only parses its flags): a CA and a serving certificate for the
 * webhook Service, written with the kustomization that turns them into the webhook's TLS Secret. Existing
 * certificates are kept while they are valid for the same names (so `make certs` can run twice); `force`
 * replaces them.
 */
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { EnvironmentError } from '../errors.js';
import { generateCertificates, writeCertificates } from './certificates.js';
import { checkServingCertificate } from './inspect.js';
import { serviceDnsNames } from './install-names.js';
import { keyPairMismatch } from './key-pair.js';
import { certsKustomization } from './kustomization.js';

export interface CertsOptions {
  /** Output directory (created if missing). */
  outDir: string;
  service: string;
  namespace: string;
  secretName: string;
  clusterDomain: string;
  validityDays: number;
  caValidityDays: number;
  /** Replace existing certificates even when they could be kept. */
  force: boolean;
}

export interface CertsResult {
  action: 'generated' | 'kept';
  outDir: string;
  dnsNames: string[];
  notAfter: Date;
  /** Paths of the files written or kept, the kustomization included. */
  files: string[];
}

/** Existing certificates are replaced (with --force) when they expire within this many days. */
export const KEEP_ONLY_IF_VALID_FOR_DAYS = 30;
const FILES = ['ca.crt', 'ca.key', 'tls.crt', 'tls.key'] as const;

async function readIfPresent(file: string): Promise<string | undefined> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new EnvironmentError(`cannot read ${file}: ${(error as Error).message}`, { cause: error });
  }
}

/** Why the certificates in `outDir` cannot be kept; undefined when there are none at all. */
async function problemsWithExisting(
  options: CertsOptions,
  names: string[],
  now: Date,
): Promise<{ problems: string[]; notAfter?: Date } | undefined> {
  const contents = await Promise.all(FILES.map((name) => readIfPresent(path.join(options.outDir, name))));
  const [caCrt, caKey, tlsCrt, tlsKey] = contents;
  if (contents.every((content) => content === undefined)) return undefined;
  const missing = FILES.filter((_, index) => contents[index] === undefined);
  if (caCrt === undefined || tlsCrt === undefined || tlsKey === undefined || caKey === undefined)
    return { problems: [`${missing.join(', ')} missing`] };
  const check = checkServingCertificate(tlsCrt, caCrt, names, now, KEEP_ONLY_IF_VALID_FOR_DAYS);
  const problems = [...check.problems];
  try {
    if (keyPairMismatch(new X509Certificate(tlsCrt), createPrivateKey(tlsKey)) !== undefined)
      problems.push('tls.key does not match tls.crt');
  } catch {
    problems.push('tls.crt or tls.key cannot be read');
  }
  return check.notAfter === undefined ? { problems } : { problems, notAfter: check.notAfter };
}

async function writeAtomically(file: string, content: string): Promise<void> {
  const temporary = `${file}.${process.pid}.tmp`;
  await writeFile(temporary, content, { mode: 0o644 });
  await rename(temporary, file);
}

export async function generateCerts(options: CertsOptions, now: Date): Promise<CertsResult> {
  const names = serviceDnsNames(options.service, options.namespace, options.clusterDomain);
  const kustomizationFile = path.join(options.outDir, 'kustomization.yaml');
  const files = [...FILES.map((name) => path.join(options.outDir, name)), kustomizationFile];
  if (!options.force) {
    const existing = await problemsWithExisting(options, names, now);
    if (existing !== undefined) {
      if (existing.problems.length > 0 || existing.notAfter === undefined)
        throw new EnvironmentError(
          `${options.outDir} already holds certificates that cannot be kept: ${existing.problems.join('; ')}. ` +
            'Run again with --force to replace them (a new CA: apply the manifests again afterwards).',
        );
      await writeAtomically(kustomizationFile, certsKustomization(options.namespace, options.secretName));
      return { action: 'kept', outDir: options.outDir, dnsNames: names, notAfter: existing.notAfter, files };
    }
  }
  const set = generateCertificates({
    dnsNames: names,
    now,
    validityDays: options.validityDays,
    caValidityDays: options.caValidityDays,
  });
  await writeCertificates(options.outDir, set);
  await writeAtomically(kustomizationFile, certsKustomization(options.namespace, options.secretName));
  return {
    action: 'generated',
    outDir: options.outDir,
    dnsNames: names,
    notAfter: new Date(new X509Certificate(set['tls.crt']).validTo),
    files,
  };
}
