/**
 * fast-check arbitraries of pods as the API server would send them on CREATE: valid by construction
 * (unique names, mounts of existing volumes, unique paths), with the awkward parts on purpose: names the
 * injected ones would collide with, mounts at /debug-dead, PVCs and generic ephemeral volumes, raw block
 * devices, native sidecars, hostPorts, adoption labels, existing deadlines and gates, owners, image commands
 * (debug.dead/image-command) for some containers.
 */
import fc from 'fast-check';
import type { JsonObject, Pod } from '../../src/mutation/index.js';

const NAME_POOL = [
  'app',
  'web',
  'sidecar',
  'init',
  'debug-dead-tools',
  'debug-dead-tools-2',
  'debug-dead-tools-3',
  'x',
];
const PATH_POOL = [
  '/debug-dead',
  '/debug-dead/cache',
  '/debug-dead-2',
  '/data',
  '/etc/app',
  '/var/run/secrets/kubernetes.io/serviceaccount',
  '/tmp',
];
const DEVICE_POOL = ['/dev/xvda', '/dev/xvdb'];
const ADOPTION = ['pod-template-hash', 'controller-revision-hash', 'statefulset.kubernetes.io/pod-name', 'job-name'];

const dnsLabel = fc.oneof(fc.constantFrom(...NAME_POOL), fc.stringMatching(/^[a-z][a-z0-9-]{0,20}[a-z0-9]$/));
const argv = fc.array(fc.string({ maxLength: 10 }), { maxLength: 4 });
const IMAGE_DIGEST = `sha256:${'ab'.repeat(32)}`;

const volumeSource = fc.oneof(
  fc.constant({ emptyDir: {} }),
  fc.constant({ configMap: { name: 'cfg' } }),
  fc.constant({ secret: { secretName: 's' } }),
  fc.record({ persistentVolumeClaim: fc.record({ claimName: dnsLabel }, { requiredKeys: ['claimName'] }) }),
  fc.constant({
    ephemeral: {
      volumeClaimTemplate: { spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } },
    },
  }),
  fc.constant({ projected: { sources: [{ serviceAccountToken: { path: 'token', expirationSeconds: 3607 } }] } }),
  fc.constant({ hostPath: { path: '/var/log' } }),
);

const probe = fc.constant({ exec: { command: ['/bin/true'] } });
const restrictedContext = fc.constant({
  allowPrivilegeEscalation: false,
  capabilities: { drop: ['ALL'] },
  runAsNonRoot: true,
  seccompProfile: { type: 'RuntimeDefault' },
});

interface Shape {
  volumes: { name: string; source: object }[];
}
interface Mount {
  name: string;
  mountPath: string;
  readOnly?: boolean | undefined;
}
interface Device {
  name: string;
  devicePath: string;
}

function container(shape: Shape, kind: 'regular' | 'init' | 'sidecar', hostNetwork: boolean): fc.Arbitrary<JsonObject> {
  const volumeNames = shape.volumes.map((volume) => volume.name);
  const blockNames = shape.volumes
    .filter((volume) => 'persistentVolumeClaim' in volume.source || 'ephemeral' in volume.source)
    .map((v) => v.name);
  const mounts: fc.Arbitrary<Mount[]> =
    volumeNames.length === 0
      ? fc.constant([])
      : fc.uniqueArray(
          fc.record({
            name: fc.constantFrom(...volumeNames),
            mountPath: fc.constantFrom(...PATH_POOL),
            readOnly: fc.option(fc.boolean(), { nil: undefined }),
          }),
          {
            selector: (mount) => mount.mountPath,
            maxLength: 3,
          },
        );
  const devices: fc.Arbitrary<Device[]> =
    blockNames.length === 0
      ? fc.constant([])
      : fc.uniqueArray(
          fc.record({ name: fc.constantFrom(...blockNames), devicePath: fc.constantFrom(...DEVICE_POOL) }),
          { selector: (device) => device.devicePath, maxLength: 1 },
        );
  const ports = fc.uniqueArray(
    fc.integer({ min: 1, max: 65535 }).chain((containerPort) =>
      fc.record(
        {
          containerPort: fc.constant(containerPort),
          hostPort: hostNetwork ? fc.constant(containerPort) : fc.integer({ min: 1, max: 65535 }),
          protocol: fc.constant('TCP'),
        },
        { requiredKeys: ['containerPort'] },
      ),
    ),
    { selector: (port) => port.containerPort, maxLength: 2 },
  );
  const probes =
    kind === 'init'
      ? fc.constant({})
      : fc.record({ livenessProbe: probe, readinessProbe: probe, startupProbe: probe }, { requiredKeys: [] });
  const lifecycle =
    kind === 'init'
      ? fc.constant({})
      : fc.record({ lifecycle: fc.constant({ postStart: { exec: { command: ['/missing'] } } }) }, { requiredKeys: [] });
  return fc
    .record({
      image: fc.constantFrom('registry.example/app:1', 'gcr.io/distroless/static:nonroot'),
      command: fc.option(argv, { nil: undefined }),
      args: fc.option(argv, { nil: undefined }),
      volumeMounts: mounts,
      volumeDevices: devices,
      ports,
      probes,
      lifecycle,
      securityContext: fc.option(restrictedContext, { nil: undefined }),
    })
    .map(({ probes: p, lifecycle: l, volumeMounts, volumeDevices, ports: portList, ...rest }) => {
      const mountPaths = new Set(volumeMounts.map((mount) => mount.mountPath));
      const result = JSON.parse(JSON.stringify({ ...rest, ...p, ...l })) as JsonObject; // drops undefined fields
      const cleanMounts = JSON.parse(JSON.stringify(volumeMounts)) as JsonObject[];
      if (cleanMounts.length > 0) result.volumeMounts = cleanMounts;
      const cleanDevices = volumeDevices.filter((device) => !mountPaths.has(device.devicePath));
      if (cleanDevices.length > 0) result.volumeDevices = cleanDevices.map((device) => ({ ...device }));
      if (portList.length > 0) result.ports = portList;
      if (kind === 'sidecar') result.restartPolicy = 'Always';
      return result;
    });
}

export interface PodOptions {
  /** Put debug.dead/enable: "true" on the pod (default: always). */
  enabled?: fc.Arbitrary<boolean>;
}

export function podArbitrary(options: PodOptions = {}): fc.Arbitrary<Pod> {
  const shape = fc.record({
    names: fc.uniqueArray(dnsLabel, { minLength: 1, maxLength: 6 }),
    volumes: fc.uniqueArray(fc.record({ name: dnsLabel, source: volumeSource }), {
      selector: (volume) => volume.name,
      maxLength: 5,
    }),
    hostNetwork: fc.boolean(),
  });
  return shape.chain(({ names, volumes, hostNetwork }) => {
    const s: Shape = { volumes };
    return fc
      .record({
        regularCount: fc.integer({ min: 1, max: names.length }),
        kinds: fc.array(fc.constantFrom('init' as const, 'sidecar' as const), {
          minLength: names.length,
          maxLength: names.length,
        }),
      })
      .chain(({ regularCount, kinds }) => {
        const regularNames = names.slice(0, regularCount);
        const initNames = names.slice(regularCount);
        return fc.record({
          containers: fc.tuple(
            ...regularNames.map((name) => container(s, 'regular', hostNetwork).map((c) => ({ name, ...c }))),
          ),
          initContainers: fc.tuple(
            ...initNames.map((name, index) =>
              container(s, kinds[index] ?? 'init', hostNetwork).map((c) => ({ name, ...c })),
            ),
          ),
          target: fc.option(
            fc.oneof(
              fc.constant('*'),
              fc.subarray(names, { minLength: 1 }).map((list) => list.join(',')),
            ),
            { nil: undefined },
          ),
          defaultContainer: fc.option(fc.constantFrom(...names, 'missing'), { nil: undefined }),
          enabled: options.enabled ?? fc.constant(true),
          ttl: fc.option(fc.constantFrom('90s', '15m', '8h', '2d', '1h30m'), { nil: undefined }),
          volumesPolicy: fc.option(fc.constantFrom('empty', 'readonly'), { nil: undefined }),
          keepProbes: fc.option(fc.constantFrom('true', 'false'), { nil: undefined }),
          owned: fc.boolean(),
          allowOwned: fc.boolean(),
          labels: fc.subarray(ADOPTION),
          deadline: fc.option(fc.integer({ min: 1, max: 10_000_000 }), { nil: undefined }),
          gates: fc.subarray(['example.com/ready', 'debug.dead/not-serving']),
          runAsUser: fc.option(fc.constantFrom(0, 1000, 65534), { nil: undefined }),
          restrictedPod: fc.boolean(),
          imageCommand: fc
            .subarray(names)
            .chain((chosen) =>
              fc
                .tuple(
                  ...chosen.map(() =>
                    fc.record({ entrypoint: fc.option(argv, { nil: null }), cmd: fc.option(argv, { nil: null }) }),
                  ),
                )
                .map((entries) =>
                  Object.fromEntries(chosen.map((name, index) => [name, { ...entries[index], digest: IMAGE_DIGEST }])),
                ),
            ),
        });
      })
      .map((draw): Pod => {
        const annotations: Record<string, string> = {};
        if (draw.enabled) annotations['debug.dead/enable'] = 'true';
        if (draw.target !== undefined) annotations['debug.dead/container'] = draw.target;
        if (draw.defaultContainer !== undefined)
          annotations['kubectl.kubernetes.io/default-container'] = draw.defaultContainer;
        if (draw.ttl !== undefined) annotations['debug.dead/ttl'] = draw.ttl;
        if (draw.volumesPolicy !== undefined) annotations['debug.dead/volumes'] = draw.volumesPolicy;
        if (draw.keepProbes !== undefined) annotations['debug.dead/keep-probes'] = draw.keepProbes;
        if (draw.owned && draw.allowOwned) annotations['debug.dead/allow-owned'] = 'true';
        if (Object.keys(draw.imageCommand).length > 0)
          annotations['debug.dead/image-command'] = JSON.stringify(draw.imageCommand);
        const metadata: JsonObject = {
          name: 'pod',
          namespace: 'team',
          uid: '00000000-0000-0000-0000-000000000001',
          labels: Object.fromEntries([['app', 'web'], ...draw.labels.map((label) => [label, 'v'])]) as JsonObject,
          annotations,
        };
        if (draw.owned)
          metadata.ownerReferences = [
            { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web-1', uid: 'u', controller: true },
          ];
        const spec: JsonObject = {
          containers: draw.containers,
          restartPolicy: 'Always',
          terminationGracePeriodSeconds: 30,
          dnsPolicy: hostNetwork ? 'ClusterFirstWithHostNet' : 'ClusterFirst',
        };
        if (draw.initContainers.length > 0) spec.initContainers = draw.initContainers;
        if (volumes.length > 0)
          spec.volumes = volumes.map((volume) => ({ name: volume.name, ...volume.source }) as JsonObject);
        if (hostNetwork) spec.hostNetwork = true;
        if (draw.deadline !== undefined) spec.activeDeadlineSeconds = draw.deadline;
        if (draw.gates.length > 0) spec.readinessGates = draw.gates.map((conditionType) => ({ conditionType }));
        const securityContext: JsonObject = {};
        if (draw.runAsUser !== undefined) securityContext.runAsUser = draw.runAsUser;
        if (draw.restrictedPod)
          Object.assign(securityContext, { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
        if (Object.keys(securityContext).length > 0) spec.securityContext = securityContext;
        // Through JSON, as the API server sends it (fast-check records have no prototype).
        return JSON.parse(JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata, spec })) as Pod;
      });
  });
}
