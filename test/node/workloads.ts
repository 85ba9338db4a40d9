/**
 * The workloads the journey debugs (test/node/journey.test.ts), by namespace: created once at the start, so
 * their crash loops run while the tests do. The kind e2e (test/e2e/run.sh) applies the very same objects
 * (test/e2e/workloads.ts prints them), with images of the same names built by Docker.
 */
import { IMAGES } from './images.js';

const OPT_IN = { 'debug.dead/enable': 'true' };
const RESTRICTED = { 'pod-security.kubernetes.io/enforce': 'restricted' };

/** Restricted-compliant security settings for a container. */
const RESTRICTED_CONTAINER = {
  allowPrivilegeEscalation: false,
  capabilities: { drop: ['ALL'] },
};

/** A namespace of the journey: its labels and the objects created in it at the start. */
export interface Workload {
  readonly labels: Readonly<Record<string, string>>;
  readonly objects: readonly object[];
}

/** The workloads the journey debugs, by namespace. */
export const WORKLOADS: Readonly<Record<string, Workload>> = {
  // The basic journey, in a restricted namespace: a scratch-image Deployment that crash-loops.
  journey: {
    labels: { ...OPT_IN, ...RESTRICTED },
    objects: [
      {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: 'shop' },
        spec: {
          replicas: 1,
          selector: { matchLabels: { app: 'shop' } },
          template: {
            metadata: { labels: { app: 'shop' } },
            spec: {
              terminationGracePeriodSeconds: 30,
              securityContext: { runAsNonRoot: true, runAsUser: 65534, seccompProfile: { type: 'RuntimeDefault' } },
              containers: [
                {
                  name: 'app',
                  image: IMAGES.crash,
                  imagePullPolicy: 'Never',
                  command: ['/crash'],
                  args: ['--config', '$(CONFIG_PATH)', '--listen=:8080'],
                  env: [{ name: 'CONFIG_PATH', value: '/etc/shop/app.yaml' }],
                  livenessProbe: { httpGet: { path: '/healthz', port: 8080 } },
                  readinessProbe: { httpGet: { path: '/ready', port: 8080 } },
                  securityContext: RESTRICTED_CONTAINER,
                },
              ],
            },
          },
        },
      },
    ],
  },
  // A distroless-like image: non-root USER from the image, read-only root filesystem, no shell.
  nonroot: {
    labels: OPT_IN,
    objects: [
      {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: 'api' },
        spec: {
          securityContext: { runAsNonRoot: true },
          containers: [
            {
              name: 'api',
              image: IMAGES.distroless,
              imagePullPolicy: 'Never',
              command: ['/app/server'],
              args: ['--listen=:9090'],
              securityContext: { readOnlyRootFilesystem: true, ...RESTRICTED_CONTAINER },
            },
          ],
        },
      },
    ],
  },
  // The container that crashes is an init container; the image has a shell and the pod spec sets the command.
  init: {
    labels: OPT_IN,
    objects: [
      {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: 'web' },
        spec: {
          initContainers: [
            {
              name: 'migrate',
              image: IMAGES.shellApp,
              imagePullPolicy: 'Never',
              command: ['sh', '-c', 'echo "migrating with $(cat /app/config.yaml | wc -l) settings"; exit 4'],
            },
          ],
          containers: [{ name: 'web', image: IMAGES.shellApp, imagePullPolicy: 'Never', command: ['sleep', '3600'] }],
        },
      },
    ],
  },
  // A pod with a PersistentVolumeClaim that nothing binds: the copy gets an emptyDir instead.
  volumes: {
    labels: OPT_IN,
    objects: [
      {
        apiVersion: 'v1',
        kind: 'PersistentVolumeClaim',
        metadata: { name: 'data' },
        spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '16Mi' } } },
      },
      {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: 'db' },
        spec: {
          containers: [
            {
              name: 'db',
              image: IMAGES.shellApp,
              imagePullPolicy: 'Never',
              command: ['sh', '-c', 'cat /data/PG_VERSION || exit 5'],
              volumeMounts: [{ name: 'data', mountPath: '/data' }],
            },
          ],
          volumes: [{ name: 'data', persistentVolumeClaim: { claimName: 'data' } }],
        },
      },
    ],
  },
  // Every container must declare limits (the quota), and the LimitRange bounds them (no minimum: see the
  // README, a minimum above the tools container's 100m is issue 14 item 8).
  quota: {
    labels: OPT_IN,
    objects: [
      {
        apiVersion: 'v1',
        kind: 'LimitRange',
        metadata: { name: 'bounds' },
        spec: { limits: [{ type: 'Container', max: { cpu: '1', memory: '256Mi' } }] },
      },
      {
        apiVersion: 'v1',
        kind: 'ResourceQuota',
        metadata: { name: 'compute' },
        spec: { hard: { 'limits.cpu': '2', 'limits.memory': '1Gi', pods: '10' } },
      },
      {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: 'worker' },
        spec: {
          containers: [
            {
              name: 'worker',
              image: IMAGES.crash,
              imagePullPolicy: 'Never',
              command: ['/crash', '--queue=jobs'],
              resources: { limits: { cpu: '200m', memory: '64Mi' } },
            },
          ],
        },
      },
    ],
  },
  // No webhook here (no opt-in label): --local does the rewrite in the CLI.
  local: {
    labels: {},
    objects: [
      {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: 'plain' },
        spec: {
          containers: [
            { name: 'plain', image: IMAGES.crash, imagePullPolicy: 'Never', command: ['/crash', '--mode=local'] },
          ],
        },
      },
    ],
  },
};
