/**
 * The kustomization the `certs` command writes next to the certificates. The overlay
 * `manifests/overlays/certs` includes that directory as a resource, which is allowed by kustomize's
 * load restrictor (files outside a kustomization root are not, directories holding a kustomization are).
 * The CA private key stays on disk: only ca.crt, tls.crt and tls.key go into the Secret.
 */
export function certsKustomization(namespace: string, secretName: string): string {
  return [
    '# Written by the debugdead `certs` command; regenerate rather than edit (npm run certs -- --force).',
    '# Used by manifests/overlays/certs: kubectl apply -k manifests/overlays/certs',
    'apiVersion: kustomize.config.k8s.io/v1beta1',
    'kind: Kustomization',
    `namespace: ${JSON.stringify(namespace)}`,
    'generatorOptions:',
    '  disableNameSuffixHash: true',
    '  labels:',
    '    app.kubernetes.io/part-of: debugdead',
    '    app.kubernetes.io/managed-by: debugdead-certs',
    'secretGenerator:',
    `  - name: ${JSON.stringify(secretName)}`,
    '    type: kubernetes.io/tls',
    '    files:',
    '      - tls.crt',
    '      - tls.key',
    '      - ca.crt',
    '',
  ].join('\n');
}
