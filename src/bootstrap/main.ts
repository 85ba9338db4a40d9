#!/usr/bin/env node
/**
 * Entry point of the in-cluster TLS bootstrap (the Job and CronJob of manifests/bootstrap).
 * Reads flags and environment here only. Exit codes: 0 done, 1 failure, 2 usage error.
 */
import { readFileSync } from 'node:fs';
import { EnvironmentError, UsageError } from '../errors.js';
import { INSTALL_NAMES } from '../tls/install-names.js';
import { BOOTSTRAP_USAGE, parseBootstrapArgs } from './args.js';
import { createKubeBootstrapApi, type KubeSource } from './kube-api.js';
import { bootstrapTls } from '../tls/bootstrap.js';

const SERVICE_ACCOUNT_NAMESPACE = '/var/run/secrets/kubernetes.io/serviceaccount/namespace';

function serviceAccountNamespace(): string | undefined {
  try {
    return readFileSync(SERVICE_ACCOUNT_NAMESPACE, 'utf8').trim() || undefined;
  } catch {
    return undefined;
  }
}

function kubeSource(flag: string | undefined): KubeSource {
  const fromEnv = process.env.KUBECONFIG?.split(':').find((entry) => entry !== '');
  const kubeconfigPath = flag ?? fromEnv;
  if (kubeconfigPath !== undefined) return { kubeconfigPath };
  if (process.env.KUBERNETES_SERVICE_HOST !== undefined) return { inCluster: true };
  throw new EnvironmentError(
    'no cluster to talk to: not running in a pod and neither --kubeconfig nor KUBECONFIG is set',
  );
}

async function main(argv: readonly string[]): Promise<number> {
  const args = parseBootstrapArgs(argv);
  if (args.help) {
    process.stdout.write(`${BOOTSTRAP_USAGE}\n`);
    return 0;
  }
  const namespace =
    args.namespace ?? (process.env.POD_NAMESPACE || undefined) ?? serviceAccountNamespace() ?? INSTALL_NAMES.namespace;
  const api = await createKubeBootstrapApi(kubeSource(args.kubeconfig));
  const result = await bootstrapTls(api, {
    namespace,
    secretName: args.secretName,
    serviceName: args.serviceName,
    webhookConfigurationName: args.webhookConfigurationName,
    clusterDomain: args.clusterDomain,
    validityDays: args.validityDays,
    caValidityDays: args.caValidityDays,
    renewBeforeDays: args.renewBeforeDays,
    now: new Date(),
  });
  const secret = `Secret ${namespace}/${args.secretName}`;
  const what = {
    created: `created ${secret}`,
    kept: `kept the existing ${secret}`,
    'kept-concurrent': `kept ${secret} (created concurrently by another run)`,
    renewed: `renewed ${secret}`,
  }[result.secret];
  const patched =
    result.patchedWebhooks.length === 0
      ? `caBundle of MutatingWebhookConfiguration ${args.webhookConfigurationName} already trusts it`
      : `patched the caBundle of ${result.patchedWebhooks.join(', ')} in MutatingWebhookConfiguration ${args.webhookConfigurationName}`;
  const until = result.notAfter === undefined ? '' : `; certificate valid until ${result.notAfter.toISOString()}`;
  process.stdout.write(`debugdead-tls-bootstrap: ${what}; ${patched}${until}\n`);
  for (const warning of result.warnings) process.stderr.write(`debugdead-tls-bootstrap: warning: ${warning}\n`);
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`debugdead-tls-bootstrap: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = error instanceof UsageError ? 2 : 1;
  },
);
