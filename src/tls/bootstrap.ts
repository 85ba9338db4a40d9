/**
 * The in-cluster TLS bootstrap (src/bootstrap parses its flags and talks to the API server): makes sure
 * the webhook's TLS Secret exists and that every webhook of the MutatingWebhookConfiguration trusts its
 * CA. Idempotent: a second run reads and writes nothing new.
 *
 * - Secret missing: generate a CA and a serving certificate for the Service, create the Secret
 *   (ca.crt, tls.crt, tls.key; the CA key is discarded). A concurrent creator wins: its Secret is used.
 * - Secret present: kept as it is (it may come from `certs`, cert-manager or the user). Only a Secret this
 *   bootstrap created (label managed-by) is renewed, when it expires within `renewBeforeDays`; then the
 *   caBundle first trusts the new and the old CA, so pods still serving the old certificate keep working
 *   until the kubelet has swapped the mounted files.
 * - caBundle: patched (JSON patch, each index guarded by a `test` on the webhook's name) only where it does
 *   not already trust the Secret's CA.
 */
import { Buffer } from 'node:buffer';
import { EnvironmentError, KubeApiError } from '../errors.js';
import type {
  BootstrapApi,
  CaBundlePatchOperation,
  StoredSecret,
  TlsSecretData,
  WebhookEntry,
} from './bootstrap-api.js';
import { generateCertificates, type CertificateRequest, type CertificateSet } from './certificates.js';
import { checkServingCertificate, parseBundle } from './inspect.js';
import { serviceDnsNames } from './install-names.js';

export const MANAGED_BY_LABEL = 'app.kubernetes.io/managed-by';
export const MANAGED_BY_VALUE = 'debugdead-tls-bootstrap';

export interface BootstrapOptions {
  namespace: string;
  secretName: string;
  webhookConfigurationName: string;
  serviceName: string;
  clusterDomain: string;
  validityDays: number;
  caValidityDays: number;
  /** A Secret created by the bootstrap is renewed when its certificate expires within this many days. */
  renewBeforeDays: number;
  now: Date;
}

export interface BootstrapResult {
  secret: 'created' | 'kept' | 'renewed' | 'kept-concurrent';
  /** Names of the webhooks whose caBundle was patched (empty when nothing changed). */
  patchedWebhooks: string[];
  notAfter: Date | undefined;
  /** Things an operator should look at (a kept Secret that does not fit the Service, for example). */
  warnings: string[];
}

export type Generate = (request: CertificateRequest) => CertificateSet;

function secretLabels(): Record<string, string> {
  return { 'app.kubernetes.io/part-of': 'debugdead', [MANAGED_BY_LABEL]: MANAGED_BY_VALUE };
}

function tlsData(set: CertificateSet): Required<TlsSecretData> {
  return { 'ca.crt': set['ca.crt'], 'tls.crt': set['tls.crt'], 'tls.key': set['tls.key'] };
}

function fingerprints(pem: string | undefined): Set<string> {
  return new Set(parseBundle(pem ?? '').map((certificate) => certificate.fingerprint256));
}

/** True when `bundle` trusts every CA of `caPem`. */
function trustsAll(bundle: string | undefined, caPem: string): boolean {
  const trusted = fingerprints(bundle);
  const wanted = fingerprints(caPem);
  return wanted.size > 0 && [...wanted].every((fingerprint) => trusted.has(fingerprint));
}

function caBundlePatch(webhooks: readonly WebhookEntry[], caPem: string, force: boolean): CaBundlePatchOperation[] {
  const value = Buffer.from(caPem, 'utf8').toString('base64');
  return webhooks.flatMap((webhook, index) =>
    !force && trustsAll(webhook.caBundle, caPem)
      ? []
      : [
          { op: 'test' as const, path: `/webhooks/${index}/name`, value: webhook.name },
          { op: 'add' as const, path: `/webhooks/${index}/clientConfig/caBundle`, value },
        ],
  );
}

function completeData(secret: StoredSecret, where: string): Required<TlsSecretData> {
  const { 'ca.crt': ca, 'tls.crt': crt, 'tls.key': key } = secret.data;
  const missing = (['ca.crt', 'tls.crt', 'tls.key'] as const).filter((name) => secret.data[name] === undefined);
  if (ca === undefined || crt === undefined || key === undefined)
    throw new EnvironmentError(
      `Secret ${where} exists without ${missing.join(', ')}: the webhook configuration cannot trust it. ` +
        `Add the missing keys, or delete the Secret and run the bootstrap again to have one generated.`,
    );
  return { 'ca.crt': ca, 'tls.crt': crt, 'tls.key': key };
}

async function readWebhooks(api: BootstrapApi, name: string): Promise<WebhookEntry[]> {
  const webhooks = await api.readWebhookConfiguration(name);
  if (webhooks === undefined)
    throw new KubeApiError(
      `MutatingWebhookConfiguration ${name} not found: apply the manifests first (kubectl apply -k manifests/)`,
      { statusCode: 404 },
    );
  if (webhooks.length === 0) throw new EnvironmentError(`MutatingWebhookConfiguration ${name} has no webhooks`);
  return webhooks;
}

/** Creates the missing Secret, or takes the one a concurrent run created first. */
async function createSecret(
  api: BootstrapApi,
  options: BootstrapOptions,
  fresh: () => Required<TlsSecretData>,
): Promise<{ action: 'created' | 'kept-concurrent'; data: Required<TlsSecretData> }> {
  const where = `${options.namespace}/${options.secretName}`;
  const created = fresh();
  if ((await api.createSecret(options.namespace, options.secretName, secretLabels(), created)) === 'created')
    return { action: 'created', data: created };
  const winner = await api.readSecret(options.namespace, options.secretName);
  if (winner === undefined) throw new KubeApiError(`Secret ${where} was created concurrently but cannot be read`);
  return { action: 'kept-concurrent', data: completeData(winner, where) };
}

/** The CA bundle that trusts the new CA and the old ones still valid, before the pods serve the new certificate. */
function renewalBundle(newCa: string, oldCas: string, now: Date): string {
  const oldStillValid = parseBundle(oldCas).filter((ca) => new Date(ca.validTo) > now);
  return [newCa.trim(), ...oldStillValid.map((ca) => ca.toString().trim())].join('\n') + '\n';
}

/** Replaces a Secret this bootstrap created, trusting the new and the old CA first. */
async function renewSecret(
  api: BootstrapApi,
  options: BootstrapOptions,
  webhooks: readonly WebhookEntry[],
  stored: StoredSecret,
  renewed: Required<TlsSecretData>,
  reasons: readonly string[],
): Promise<BootstrapResult> {
  const bundle = renewalBundle(renewed['ca.crt'], stored.data['ca.crt'] ?? '', options.now);
  await api.patchWebhookConfiguration(options.webhookConfigurationName, caBundlePatch(webhooks, bundle, true));
  await api.replaceSecret(options.namespace, options.secretName, stored.resourceVersion, secretLabels(), renewed);
  return {
    secret: 'renewed',
    patchedWebhooks: webhooks.map((webhook) => webhook.name),
    notAfter: new Date(parseBundle(renewed['tls.crt'])[0]?.validTo ?? NaN),
    warnings: reasons.map((problem) => `renewed because ${problem}`),
  };
}

export async function bootstrapTls(
  api: BootstrapApi,
  options: BootstrapOptions,
  generate: Generate = generateCertificates,
): Promise<BootstrapResult> {
  const where = `${options.namespace}/${options.secretName}`;
  const names = serviceDnsNames(options.serviceName, options.namespace, options.clusterDomain);
  const webhooks = await readWebhooks(api, options.webhookConfigurationName);
  const fresh = (): Required<TlsSecretData> =>
    tlsData(
      generate({
        dnsNames: names,
        now: options.now,
        validityDays: options.validityDays,
        caValidityDays: options.caValidityDays,
      }),
    );

  let action: BootstrapResult['secret'];
  let data: Required<TlsSecretData>;
  const stored = await api.readSecret(options.namespace, options.secretName);
  if (stored === undefined) {
    ({ action, data } = await createSecret(api, options, fresh));
  } else {
    data = completeData(stored, where);
    const managed = stored.labels[MANAGED_BY_LABEL] === MANAGED_BY_VALUE;
    const due = checkServingCertificate(data['tls.crt'], data['ca.crt'], names, options.now, options.renewBeforeDays);
    if (managed && due.problems.length > 0) return renewSecret(api, options, webhooks, stored, fresh(), due.problems);
    action = 'kept';
  }

  const check = checkServingCertificate(data['tls.crt'], data['ca.crt'], names, options.now);
  const warnings = action === 'created' ? [] : check.problems.map((problem) => `Secret ${where}: ${problem}`);
  const operations = caBundlePatch(webhooks, data['ca.crt'], false);
  if (operations.length > 0) await api.patchWebhookConfiguration(options.webhookConfigurationName, operations);
  return {
    secret: action,
    patchedWebhooks: webhooks
      .filter((_, index) => operations.some((op) => op.path.startsWith(`/webhooks/${index}/`)))
      .map((w) => w.name),
    notAfter: check.notAfter,
    warnings,
  };
}
