/** What the TLS bootstrap needs from the Kubernetes API: by-name reads and writes only (RBAC resourceNames). */

/** PEM material of a kubernetes.io/tls Secret, decoded from base64. */
export interface TlsSecretData {
  'tls.crt'?: string;
  'tls.key'?: string;
  'ca.crt'?: string;
}

export interface StoredSecret {
  resourceVersion: string | undefined;
  labels: Record<string, string>;
  data: TlsSecretData;
}

export interface WebhookEntry {
  name: string;
  /** The PEM bundle decoded from clientConfig.caBundle; undefined when unset. */
  caBundle: string | undefined;
}

/** One RFC 6902 operation of the caBundle patch. */
export interface CaBundlePatchOperation {
  op: 'test' | 'add';
  path: string;
  value: string;
}

export interface BootstrapApi {
  /** undefined when the Secret does not exist. */
  readSecret(namespace: string, name: string): Promise<StoredSecret | undefined>;
  /** 'exists' when another writer created it first (HTTP 409). */
  createSecret(
    namespace: string,
    name: string,
    labels: Record<string, string>,
    data: Required<TlsSecretData>,
  ): Promise<'created' | 'exists'>;
  /** Replaces the Secret's data, guarded by resourceVersion. */
  replaceSecret(
    namespace: string,
    name: string,
    resourceVersion: string | undefined,
    labels: Record<string, string>,
    data: Required<TlsSecretData>,
  ): Promise<void>;
  /** undefined when the MutatingWebhookConfiguration does not exist. */
  readWebhookConfiguration(name: string): Promise<WebhookEntry[] | undefined>;
  /** Applies a JSON patch (application/json-patch+json) to the MutatingWebhookConfiguration. */
  patchWebhookConfiguration(name: string, operations: CaBundlePatchOperation[]): Promise<void>;
}
