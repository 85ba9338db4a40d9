/**
 * Real-looking pods as the API server returns them (defaulted fields, projected service-account volume,
 * ownerReferences, managedFields, status), for the copy, picker and flow tests.
 */
import type { JsonObject, Pod } from '../../src/mutation/index.js';

export const T0 = '2025-03-01T10:00:00Z';

function apiAccessVolume(): JsonObject {
  return {
    name: 'kube-api-access-7xq2m',
    projected: {
      defaultMode: 420,
      sources: [
        { serviceAccountToken: { expirationSeconds: 3607, path: 'token' } },
        { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
        {
          downwardAPI: {
            items: [{ fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' }, path: 'namespace' }],
          },
        },
      ],
    },
  };
}

/** A Deployment's replica in CrashLoopBackOff, with every server-written field a copy must drop. */
export function deploymentPod(overrides: { name?: string; namespace?: string } = {}): Pod {
  const name = overrides.name ?? 'web-7d4b9c8f6d-x2k9p';
  const namespace = overrides.namespace ?? 'shop';
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      generateName: 'web-7d4b9c8f6d-',
      namespace,
      uid: '0b8f2f4e-3f7c-4d55-9a57-0e3c1d2b4a11',
      resourceVersion: '48213',
      generation: 1,
      creationTimestamp: T0,
      selfLink: `/api/v1/namespaces/${namespace}/pods/${name}`,
      labels: { app: 'web', 'pod-template-hash': '7d4b9c8f6d', tier: 'frontend' },
      annotations: {
        'kubectl.kubernetes.io/default-container': 'app',
        'kubectl.kubernetes.io/restartedAt': '2025-03-01T09:59:00Z',
        'prometheus.io/scrape': 'true',
      },
      ownerReferences: [
        {
          apiVersion: 'apps/v1',
          kind: 'ReplicaSet',
          name: 'web-7d4b9c8f6d',
          uid: '5e1c8a7d-8d4b-4b7f-a1d0-3b2f6c9e8d70',
          controller: true,
          blockOwnerDeletion: true,
        },
      ],
      finalizers: ['example.com/keep'],
      managedFields: [
        {
          manager: 'kube-controller-manager',
          operation: 'Update',
          apiVersion: 'v1',
          time: T0,
          fieldsType: 'FieldsV1',
          fieldsV1: { 'f:metadata': { 'f:labels': { '.': {}, 'f:app': {} } } },
        },
      ],
    },
    spec: {
      initContainers: [
        {
          name: 'migrate',
          image: 'registry.example.com/shop/web:1.4.2',
          command: ['/app/migrate'],
          resources: {},
          terminationMessagePath: '/dev/termination-log',
          terminationMessagePolicy: 'File',
          imagePullPolicy: 'IfNotPresent',
          volumeMounts: [
            {
              name: 'kube-api-access-7xq2m',
              readOnly: true,
              mountPath: '/var/run/secrets/kubernetes.io/serviceaccount',
            },
          ],
        },
      ],
      containers: [
        {
          name: 'app',
          image: 'registry.example.com/shop/web:1.4.2',
          args: ['--port=8080', '--config=/etc/web/config.yaml'],
          ports: [{ name: 'http', containerPort: 8080, hostPort: 8080, protocol: 'TCP' }],
          livenessProbe: {
            httpGet: { path: '/healthz', port: 8080, scheme: 'HTTP' },
            timeoutSeconds: 1,
            periodSeconds: 10,
            successThreshold: 1,
            failureThreshold: 3,
          },
          resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { memory: '256Mi' } },
          volumeMounts: [
            { name: 'data', mountPath: '/data' },
            {
              name: 'kube-api-access-7xq2m',
              readOnly: true,
              mountPath: '/var/run/secrets/kubernetes.io/serviceaccount',
            },
          ],
          terminationMessagePath: '/dev/termination-log',
          terminationMessagePolicy: 'File',
          imagePullPolicy: 'IfNotPresent',
        },
        {
          name: 'metrics',
          image: 'registry.example.com/exporter:0.9',
          resources: {},
          terminationMessagePath: '/dev/termination-log',
          terminationMessagePolicy: 'File',
          imagePullPolicy: 'IfNotPresent',
        },
      ],
      ephemeralContainers: [
        {
          name: 'debugger-abcde',
          image: 'busybox:1.37',
          terminationMessagePolicy: 'File',
          imagePullPolicy: 'IfNotPresent',
        },
      ],
      volumes: [{ name: 'data', persistentVolumeClaim: { claimName: 'web-data' } }, apiAccessVolume()],
      restartPolicy: 'Always',
      terminationGracePeriodSeconds: 30,
      dnsPolicy: 'ClusterFirst',
      serviceAccountName: 'web',
      serviceAccount: 'web',
      nodeName: 'worker-2',
      hostname: 'web-0',
      subdomain: 'web-headless',
      securityContext: {},
      schedulerName: 'default-scheduler',
      tolerations: [
        { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
      ],
      priorityClassName: 'shop-high',
      priority: 100000,
      preemptionPolicy: 'PreemptLowerPriority',
      enableServiceLinks: true,
    },
    status: {
      phase: 'Running',
      conditions: [{ type: 'Ready', status: 'False', lastProbeTime: null, lastTransitionTime: T0 }],
      hostIP: '10.0.0.12',
      podIP: '10.244.2.17',
      startTime: T0,
      initContainerStatuses: [
        {
          name: 'migrate',
          state: {
            terminated: {
              exitCode: 0,
              reason: 'Completed',
              startedAt: T0,
              finishedAt: T0,
              containerID: 'containerd://1',
            },
          },
          lastState: {},
          ready: true,
          restartCount: 0,
          image: 'registry.example.com/shop/web:1.4.2',
          imageID: 'registry.example.com/shop/web@sha256:aa',
          started: false,
        },
      ],
      containerStatuses: [
        {
          name: 'app',
          state: {
            waiting: { reason: 'CrashLoopBackOff', message: 'back-off 5m0s restarting failed container=app pod=web' },
          },
          lastState: {
            terminated: { exitCode: 2, reason: 'Error', startedAt: T0, finishedAt: T0, containerID: 'containerd://2' },
          },
          ready: false,
          restartCount: 17,
          image: 'registry.example.com/shop/web:1.4.2',
          imageID: 'registry.example.com/shop/web@sha256:aa',
          started: false,
        },
        {
          name: 'metrics',
          state: { running: { startedAt: T0 } },
          lastState: {},
          ready: true,
          restartCount: 0,
          image: 'registry.example.com/exporter:0.9',
          imageID: 'registry.example.com/exporter@sha256:bb',
          started: true,
        },
      ],
      qosClass: 'Burstable',
    },
  };
}

/** A scratch-image pod without owner, as a user creates it by hand (the heapster example, shortened). */
export function barePod(name = 'heapster', namespace = 'monitoring'): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace,
      uid: 'a1b2c3d4-0000-4000-8000-000000000001',
      resourceVersion: '777',
      creationTimestamp: T0,
      labels: { 'k8s-app': 'heapster' },
    },
    spec: {
      containers: [
        {
          name: 'heapster',
          image: 'registry.k8s.io/heapster-amd64:v1.5.4',
          command: ['/heapster', "--source=kubernetes.summary_api:''"],
          resources: {},
        },
      ],
      restartPolicy: 'Always',
      nodeName: 'worker-1',
    },
    status: {
      phase: 'Running',
      containerStatuses: [
        {
          name: 'heapster',
          state: { waiting: { reason: 'CrashLoopBackOff' } },
          lastState: { terminated: { exitCode: 1, reason: 'Error', startedAt: T0, finishedAt: T0 } },
          ready: false,
          restartCount: 4,
          image: 'registry.k8s.io/heapster-amd64:v1.5.4',
          imageID: '',
        },
      ],
    },
  };
}
