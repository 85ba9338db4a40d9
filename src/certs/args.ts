/** Command line of the `certs` command. */
import { parseArgs } from 'node:util';
import { UsageError } from '../errors.js';
import type { CertsOptions } from '../tls/certs-directory.js';
import {
  DEFAULT_CA_VALIDITY_DAYS,
  DEFAULT_CLUSTER_DOMAIN,
  DEFAULT_VALIDITY_DAYS,
  INSTALL_NAMES,
} from '../tls/install-names.js';

/** Where `npm run certs` writes: a subdirectory of the git-ignored certs/ that manifests/overlays/certs reads. */
export const DEFAULT_CERTS_DIR = 'certs/cluster';

export const CERTS_USAGE = `Usage: npm run certs -- [options]
       node dist/certs/main.js [options]

Generates a CA and a serving certificate for the debugdead webhook Service, plus the kustomization that
turns them into the webhook's TLS Secret; then install with: kubectl apply -k manifests/overlays/certs

Options:
  --out DIR               output directory (default ${DEFAULT_CERTS_DIR})
  --service NAME          webhook Service name (default ${INSTALL_NAMES.service})
  --namespace NAME        namespace of the Service and the Secret (default ${INSTALL_NAMES.namespace})
  --secret NAME           name of the TLS Secret (default ${INSTALL_NAMES.secret})
  --cluster-domain NAME   cluster DNS domain (default ${DEFAULT_CLUSTER_DOMAIN})
  --validity-days N       serving certificate validity (default ${DEFAULT_VALIDITY_DAYS})
  --ca-validity-days N    CA validity (default ${DEFAULT_CA_VALIDITY_DAYS})
  --force                 replace certificates that could be kept
  -h, --help              this help

Existing certificates are kept when they cover the same names and stay valid for 30 more days.`;

export type CertsCommand = { help: true } | { help: false; options: CertsOptions };

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

function days(flag: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const parsed = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(parsed) || parsed < 1 || parsed > 36500)
    throw new UsageError(`--${flag} must be a whole number of days between 1 and 36500, not ${JSON.stringify(value)}`);
  return parsed;
}

function dnsName(flag: string, value: string | undefined, fallback: string, pattern: RegExp): string {
  const name = value ?? fallback;
  if (name.length > 63 && pattern === DNS_LABEL) throw new UsageError(`--${flag} must be at most 63 characters`);
  if (!pattern.test(name)) throw new UsageError(`--${flag} must be a lowercase DNS name, not ${JSON.stringify(name)}`);
  return name;
}

export function parseCertsArgs(argv: readonly string[]): CertsCommand {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        out: { type: 'string' },
        service: { type: 'string' },
        namespace: { type: 'string' },
        secret: { type: 'string' },
        'cluster-domain': { type: 'string' },
        'validity-days': { type: 'string' },
        'ca-validity-days': { type: 'string' },
        force: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (error) {
    throw new UsageError(`${(error as Error).message}\n\n${CERTS_USAGE}`, { cause: error });
  }
  const { values } = parsed;
  if (values.help) return { help: true };
  const out = values.out ?? DEFAULT_CERTS_DIR;
  if (out.trim() === '') throw new UsageError('--out must name a directory');
  return {
    help: false,
    options: {
      outDir: out,
      service: dnsName('service', values.service, INSTALL_NAMES.service, DNS_LABEL),
      namespace: dnsName('namespace', values.namespace, INSTALL_NAMES.namespace, DNS_LABEL),
      secretName: dnsName('secret', values.secret, INSTALL_NAMES.secret, DNS_SUBDOMAIN),
      clusterDomain: dnsName('cluster-domain', values['cluster-domain'], DEFAULT_CLUSTER_DOMAIN, DNS_SUBDOMAIN),
      validityDays: days('validity-days', values['validity-days'], DEFAULT_VALIDITY_DAYS),
      caValidityDays: days('ca-validity-days', values['ca-validity-days'], DEFAULT_CA_VALIDITY_DAYS),
      force: values.force,
    },
  };
}
