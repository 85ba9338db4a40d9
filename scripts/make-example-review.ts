/**
 * Writes examples/admission-review.json: the AdmissionReview (admission.k8s.io/v1, CREATE) that
 * kube-apiserver sends the webhook when examples/heapster-pod.yaml is created with the debug.dead/enable
 * annotation. The pod is shown as it is at that point: defaulted (imagePullPolicy, terminationMessage*,
 * probe timings, dnsPolicy, ...), with the service-account token volume and mounts, the default tolerations
 * and the priority filled by the admission plugins that run before webhooks, managedFields from
 * `kubectl create`, and no metadata.uid or creationTimestamp yet (both are set after admission), matching
 * what test/golden/reviews/01-heapster.request.json captured from a real kube-apiserver.
 * Deterministic: running it again produces the same file.
 *
 *   node --import tsx scripts/make-example-review.ts
 */
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { load as loadYaml } from 'js-yaml';
import { format, resolveConfig } from 'prettier';

type Json = string | number | boolean | null | Json[] | { [key: string]: Json };
type JsonMap = Record<string, Json>;

const root = path.resolve(import.meta.dirname, '..');
const REQUEST_UID = '705ab4f5-6393-11e8-b7cc-42010a800002';
const CREATED = '2025-01-15T09:30:00Z';
const TOKEN_VOLUME = 'kube-api-access-q8x4m';
const PRIORITY_BY_CLASS: Record<string, number> = {
  'system-cluster-critical': 2000000000,
  'system-node-critical': 2000001000,
};

function isMap(value: Json | undefined): value is JsonMap {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function map(value: Json | undefined): JsonMap {
  return isMap(value) ? value : {};
}

function list(value: Json | undefined): JsonMap[] {
  return Array.isArray(value) ? value.filter(isMap) : [];
}

/** Copies `source` with keys in `order` first (the order kube-apiserver serialises), then the rest. */
function ordered(source: JsonMap, order: readonly string[]): JsonMap {
  const result: JsonMap = {};
  for (const key of order) {
    const value = source[key];
    if (value !== undefined) result[key] = value;
  }
  for (const [key, value] of Object.entries(source)) if (!(key in result)) result[key] = value;
  return result;
}

function defaultProbe(probe: Json | undefined): Json | undefined {
  if (!isMap(probe)) return undefined;
  const result: JsonMap = { ...probe };
  if (isMap(probe.httpGet)) result.httpGet = { ...probe.httpGet, scheme: probe.httpGet.scheme ?? 'HTTP' };
  return ordered(
    {
      timeoutSeconds: 1,
      periodSeconds: 10,
      successThreshold: 1,
      failureThreshold: 3,
      ...result,
    },
    ['exec', 'httpGet', 'tcpSocket', 'grpc', 'initialDelaySeconds', 'timeoutSeconds', 'periodSeconds'],
  );
}

function defaultContainer(container: JsonMap): JsonMap {
  const image = typeof container.image === 'string' ? container.image : '';
  const env = list(container.env).map((variable) => {
    const fieldRef = map(map(variable.valueFrom).fieldRef);
    return isMap(variable.valueFrom) && isMap(variable.valueFrom.fieldRef)
      ? { ...variable, valueFrom: { fieldRef: { apiVersion: 'v1', ...fieldRef } } }
      : variable;
  });
  const result: JsonMap = {
    ...container,
    ports: list(container.ports).map((port) => ({ ...port, protocol: port.protocol ?? 'TCP' })),
    volumeMounts: [
      ...list(container.volumeMounts),
      { name: TOKEN_VOLUME, readOnly: true, mountPath: '/var/run/secrets/kubernetes.io/serviceaccount' },
    ],
    terminationMessagePath: '/dev/termination-log',
    terminationMessagePolicy: 'File',
    imagePullPolicy: image.endsWith(':latest') || !image.includes(':') ? 'Always' : 'IfNotPresent',
  };
  if (env.length > 0) result.env = env;
  if (list(container.ports).length === 0) delete result.ports;
  for (const probe of ['livenessProbe', 'readinessProbe', 'startupProbe']) {
    const defaulted = defaultProbe(container[probe]);
    if (defaulted !== undefined) result[probe] = defaulted;
  }
  return ordered(result, [
    'name',
    'image',
    'command',
    'args',
    'workingDir',
    'ports',
    'envFrom',
    'env',
    'resources',
    'volumeMounts',
    'livenessProbe',
    'readinessProbe',
    'startupProbe',
    'lifecycle',
    'terminationMessagePath',
    'terminationMessagePolicy',
    'imagePullPolicy',
    'securityContext',
  ]);
}

/** FieldsV1 of what `kubectl create` sent: associative lists keyed as the server keys them. */
function fieldsOf(value: Json, top = false): JsonMap {
  if (Array.isArray(value) || !isMap(value)) return {};
  const result: JsonMap = top ? {} : { '.': {} };
  for (const [key, child] of Object.entries(value)) {
    if (Array.isArray(child) && child.every(isMap) && child.length > 0) {
      const items: JsonMap = {};
      for (const item of child) {
        const itemKey =
          'containerPort' in item
            ? { containerPort: item.containerPort ?? null, protocol: item.protocol ?? 'TCP' }
            : { name: item.name ?? null };
        items[`k:${JSON.stringify(itemKey)}`] = fieldsOf(key === 'ports' ? { protocol: 'TCP', ...item } : item);
      }
      result[`f:${key}`] = { '.': {}, ...items };
    } else {
      result[`f:${key}`] = isMap(child) ? fieldsOf(child) : {};
    }
  }
  return result;
}

async function main(): Promise<void> {
  const manifest = loadYaml(await readFile(path.join(root, 'examples', 'heapster-pod.yaml'), 'utf8')) as JsonMap;
  const metadata = map(manifest.metadata);
  const annotations = { ...map(metadata.annotations), 'debug.dead/enable': 'true' };
  const sent: JsonMap = { ...manifest, metadata: { ...metadata, annotations } };
  const spec = map(manifest.spec);
  const serviceAccount = typeof spec.serviceAccountName === 'string' ? spec.serviceAccountName : 'default';
  const priorityClass = typeof spec.priorityClassName === 'string' ? spec.priorityClassName : undefined;

  const pod: JsonMap = {
    kind: 'Pod',
    apiVersion: 'v1',
    metadata: ordered(
      {
        ...metadata,
        annotations,
        managedFields: [
          {
            manager: 'kubectl-create',
            operation: 'Update',
            apiVersion: 'v1',
            time: CREATED,
            fieldsType: 'FieldsV1',
            fieldsV1: { 'f:metadata': fieldsOf(map(sent.metadata), true), 'f:spec': fieldsOf(spec, true) },
          },
        ],
      },
      ['name', 'namespace', 'labels', 'annotations', 'managedFields'],
    ),
    spec: ordered(
      {
        ...spec,
        volumes: [
          ...list(spec.volumes),
          {
            name: TOKEN_VOLUME,
            projected: {
              sources: [
                { serviceAccountToken: { expirationSeconds: 3607, path: 'token' } },
                { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
                {
                  downwardAPI: {
                    items: [{ path: 'namespace', fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } }],
                  },
                },
              ],
              defaultMode: 420,
            },
          },
        ],
        containers: list(spec.containers).map(defaultContainer),
        restartPolicy: spec.restartPolicy ?? 'Always',
        terminationGracePeriodSeconds: spec.terminationGracePeriodSeconds ?? 30,
        dnsPolicy: spec.dnsPolicy ?? 'ClusterFirst',
        serviceAccountName: serviceAccount,
        serviceAccount,
        securityContext: spec.securityContext ?? {},
        schedulerName: 'default-scheduler',
        tolerations: [
          { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
          { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
        ],
        priority: priorityClass === undefined ? 0 : (PRIORITY_BY_CLASS[priorityClass] ?? 0),
        enableServiceLinks: true,
        preemptionPolicy: 'PreemptLowerPriority',
      },
      [
        'volumes',
        'initContainers',
        'containers',
        'restartPolicy',
        'terminationGracePeriodSeconds',
        'dnsPolicy',
        'serviceAccountName',
        'serviceAccount',
        'securityContext',
        'schedulerName',
        'tolerations',
        'priorityClassName',
        'priority',
        'enableServiceLinks',
        'preemptionPolicy',
      ],
    ),
    status: {},
  };

  const review = {
    kind: 'AdmissionReview',
    apiVersion: 'admission.k8s.io/v1',
    request: {
      uid: REQUEST_UID,
      kind: { group: '', version: 'v1', kind: 'Pod' },
      resource: { group: '', version: 'v1', resource: 'pods' },
      requestKind: { group: '', version: 'v1', kind: 'Pod' },
      requestResource: { group: '', version: 'v1', resource: 'pods' },
      name: metadata.name ?? '',
      namespace: metadata.namespace ?? 'default',
      operation: 'CREATE',
      userInfo: { username: 'kubernetes-admin', groups: ['kubeadm:cluster-admins', 'system:authenticated'] },
      object: pod,
      oldObject: null,
      dryRun: false,
      options: { kind: 'CreateOptions', apiVersion: 'meta.k8s.io/v1', fieldManager: 'kubectl-create' },
    },
  };

  const target = path.join(root, 'examples', 'admission-review.json');
  const options = (await resolveConfig(target)) ?? {};
  await writeFile(target, await format(JSON.stringify(review), { ...options, filepath: target }));
  console.log(`wrote ${path.relative(process.cwd(), target)}`);
}

await main();
