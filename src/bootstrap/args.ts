/** Command line of the TLS bootstrap (`node dist/bootstrap/main.js`, the Job of manifests/bootstrap). */
import { parseArgs } from 'node:util';
import { UsageError } from '../errors.js';
import {
  DEFAULT_CA_VALIDITY_DAYS,
  DEFAULT_CLUSTER_DOMAIN,
  DEFAULT_VALIDITY_DAYS,
  INSTALL_NAMES,
} from '../tls/install-names.js';

export const DEFAULT_RENEW_BEFORE_DAYS = 30;

export const BOOTSTRAP_USAGE = `Usage: node dist/bootstrap/main.js [options]

Creates the webhook's TLS Secret when it is missing (keeps it when present) and patches the caBundle of the
MutatingWebhookConfiguration so the API server trusts it. Idempotent; run by the Job in manifests/bootstrap.

Options:
  --namespace NAME              namespace of the Secret and Service (default: $POD_NAMESPACE, else the
                                service account's namespace, else ${INSTALL_NAMES.namespace})
  --secret NAME                 TLS Secret (default ${INSTALL_NAMES.secret})
  --service NAME                webhook Service (default ${INSTALL_NAMES.service})
  --webhook-configuration NAME  MutatingWebhookConfiguration (default ${INSTALL_NAMES.webhookConfiguration})
  --cluster-domain NAME         cluster DNS domain (default ${DEFAULT_CLUSTER_DOMAIN})
  --validity-days N             serving certificate validity (default ${DEFAULT_VALIDITY_DAYS})
  --ca-validity-days N          CA validity (default ${DEFAULT_CA_VALIDITY_DAYS})
  --renew-before-days N         renew a Secret this bootstrap created when it expires within N days
                                (default ${DEFAULT_RENEW_BEFORE_DAYS}; 0 never renews)
  --kubeconfig FILE             talk to the cluster of FILE (default: $KUBECONFIG, else in-cluster)
  -h, --help                    this help`;

export interface BootstrapArgs {
  help: boolean;
  namespace: string | undefined;
  secretName: string;
  serviceName: string;
  webhookConfigurationName: string;
  clusterDomain: string;
  validityDays: number;
  caValidityDays: number;
  renewBeforeDays: number;
  kubeconfig: string | undefined;
}

function integer(flag: string, value: string | undefined, fallback: number, min: number): number {
  if (value === undefined) return fallback;
  const parsed = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(parsed) || parsed < min || parsed > 36500)
    throw new UsageError(
      `--${flag} must be a whole number of days between ${min} and 36500, not ${JSON.stringify(value)}`,
    );
  return parsed;
}

export function parseBootstrapArgs(argv: readonly string[]): BootstrapArgs {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        namespace: { type: 'string' },
        secret: { type: 'string' },
        service: { type: 'string' },
        'webhook-configuration': { type: 'string' },
        'cluster-domain': { type: 'string' },
        'validity-days': { type: 'string' },
        'ca-validity-days': { type: 'string' },
        'renew-before-days': { type: 'string' },
        kubeconfig: { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }));
  } catch (error) {
    throw new UsageError(`${(error as Error).message}\n\n${BOOTSTRAP_USAGE}`, { cause: error });
  }
  const validityDays = integer('validity-days', values['validity-days'], DEFAULT_VALIDITY_DAYS, 1);
  const renewBeforeDays = integer('renew-before-days', values['renew-before-days'], DEFAULT_RENEW_BEFORE_DAYS, 0);
  if (renewBeforeDays >= validityDays)
    throw new UsageError('--renew-before-days must be smaller than --validity-days (it would renew on every run)');
  return {
    help: values.help,
    namespace: values.namespace,
    secretName: values.secret ?? INSTALL_NAMES.secret,
    serviceName: values.service ?? INSTALL_NAMES.service,
    webhookConfigurationName: values['webhook-configuration'] ?? INSTALL_NAMES.webhookConfiguration,
    clusterDomain: values['cluster-domain'] ?? DEFAULT_CLUSTER_DOMAIN,
    validityDays,
    caValidityDays: integer('ca-validity-days', values['ca-validity-days'], DEFAULT_CA_VALIDITY_DAYS, 1),
    renewBeforeDays,
    kubeconfig: values.kubeconfig,
  };
}
