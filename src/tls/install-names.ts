/**
 * Names of the objects the shipped manifests (`manifests/`) create. The `certs` command and the TLS
 * bootstrap default to them; `test/delivery` checks that the manifests use exactly these.
 */
export const INSTALL_NAMES = {
  namespace: 'debugdead-system',
  /** The Service in front of the webhook pods; the serving certificate is issued for its DNS names. */
  service: 'debugdead-webhook',
  /** The kubernetes.io/tls Secret mounted by the webhook pods (tls.crt, tls.key, ca.crt). */
  secret: 'debugdead-webhook-tls',
  /** The cluster-scoped MutatingWebhookConfiguration whose caBundle must trust the serving certificate. */
  webhookConfiguration: 'debugdead',
} as const;

export const DEFAULT_CLUSTER_DOMAIN = 'cluster.local';
/** Serving certificate validity (days) of the `certs` command and the bootstrap. */
export const DEFAULT_VALIDITY_DAYS = 365;
/** CA validity (days). */
export const DEFAULT_CA_VALIDITY_DAYS = 3650;

/**
 * The DNS names the API server may use to reach a Service: `svc.ns.svc` is what it dials for a webhook's
 * `clientConfig.service`; the shorter and the fully qualified forms cover in-cluster clients and tools.
 */
export function serviceDnsNames(service: string, namespace: string, clusterDomain = DEFAULT_CLUSTER_DOMAIN): string[] {
  return [
    service,
    `${service}.${namespace}`,
    `${service}.${namespace}.svc`,
    `${service}.${namespace}.svc.${clusterDomain}`,
  ];
}
