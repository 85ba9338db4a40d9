/** Table-driven tests of the mutation, one group per bullet of SPEC §3. Every mutated case also checks the patch. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  DEFAULT_MUTATION_CONFIG,
  mutatePod,
  selectContainers,
  type JsonObject,
  type MutationConfig,
  type MutationRequest,
  type MutationResult,
  type MutationSummary,
  type Pod,
  type Selection,
} from '../../src/mutation/index.js';
import { keepAliveCommand, POST_START_WAIT_SCRIPT, postStartWait } from '../../src/mutation/keep-alive.js';
import { podProblems } from '../helpers/pod-check.js';
import { annotationsOf, assertPatchYieldsPod, pod, spec } from '../helpers/pods.js';

function run(input: Pod, config: MutationConfig = DEFAULT_MUTATION_CONFIG, operation?: string): MutationResult {
  const frozen = structuredClone(input);
  const result = mutatePod(input, config, operation === undefined ? {} : { operation });
  assert.deepEqual(input, frozen, 'the input is not modified');
  assertPatchYieldsPod(input, result);
  if (result.outcome === 'mutated') assert.deepEqual(podProblems(result.pod), []);
  return result;
}

function summary(result: MutationResult): MutationSummary {
  return JSON.parse(annotationsOf(result)['debug.dead/mutated'] ?? 'null') as MutationSummary;
}

const BASE_SUMMARY: MutationSummary = {
  containers: ['app'],
  initContainers: [],
  probesRemoved: {},
  lifecycleRemoved: [],
  hostPortsCleared: [],
  volumesReplaced: [],
  volumesReadOnly: [],
  labelsRemoved: [],
  ttlSeconds: 86400,
  activeDeadlineSeconds: 86400,
  toolsImage: 'busybox:1.37.0-musl',
  mountPath: '/debug-dead',
  toolsContainer: 'debug-dead-tools',
  toolsVolume: 'debug-dead-tools',
};

const TOOLS_CONTAINER: JsonObject = {
  name: 'debug-dead-tools',
  image: 'busybox:1.37.0-musl',
  imagePullPolicy: 'IfNotPresent',
  command: ['/bin/busybox', 'cp', '/bin/busybox', '/debug-dead/busybox'],
  resources: { requests: { cpu: '10m', memory: '16Mi' }, limits: { memory: '32Mi' } },
  securityContext: {
    runAsUser: 65532,
    runAsNonRoot: true,
    allowPrivilegeEscalation: false,
    readOnlyRootFilesystem: true,
    capabilities: { drop: ['ALL'] },
    seccompProfile: { type: 'RuntimeDefault' },
  },
  terminationMessagePolicy: 'FallbackToLogsOnError',
  volumeMounts: [{ name: 'debug-dead-tools', mountPath: '/debug-dead' }],
};

const TOOLS_MOUNT = { name: 'debug-dead-tools', mountPath: '/debug-dead' };

describe('§3.1 target containers', () => {
  test('a minimal pod: the whole mutated pod', () => {
    const result = run(pod());
    assert.ok(result.outcome === 'mutated');
    assert.deepEqual(result.pod, {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        name: 'web',
        namespace: 'team',
        annotations: {
          'debug.dead/enable': 'true',
          'debug.dead/mutated': JSON.stringify(BASE_SUMMARY),
          'debug.dead/original': JSON.stringify({ app: { command: null, args: null } }),
        },
      },
      spec: {
        containers: [
          {
            name: 'app',
            image: 'registry.example/app:1.0',
            lifecycle: {
              postStart: {
                exec: {
                  command: [
                    '/debug-dead/busybox',
                    'sh',
                    '-c',
                    POST_START_WAIT_SCRIPT,
                    'debugdead-wait-ready',
                    '/debug-dead/.ready-app',
                    '/debug-dead/busybox',
                  ],
                },
              },
            },
            command: keepAliveCommand({ mountPath: '/debug-dead', containerName: 'app', command: null, args: null }),
            volumeMounts: [TOOLS_MOUNT],
          },
        ],
        initContainers: [TOOLS_CONTAINER],
        volumes: [{ name: 'debug-dead-tools', emptyDir: {} }],
        activeDeadlineSeconds: 86400,
        readinessGates: [{ conditionType: 'debug.dead/not-serving' }],
      },
    });
    assert.deepEqual(result.warnings, []);
    assert.deepEqual(result.summary, BASE_SUMMARY);
    assert.deepEqual(result.original, { app: { command: null, args: null } });
  });

  test("probes and lifecycle hooks are removed (the keep-alive's own postStart wait replaces them); command and args recorded, args removed", () => {
    const app = {
      name: 'app',
      image: 'app:1',
      command: ['/app', '--serve'],
      args: ['--port', '8080'],
      livenessProbe: { httpGet: { path: '/healthz', port: 8080 } },
      readinessProbe: { tcpSocket: { port: 8080 } },
      startupProbe: { exec: { command: ['/check'] } },
      lifecycle: { postStart: { exec: { command: ['/missing'] } }, preStop: { sleep: { seconds: 5 } } },
      volumeMounts: [{ name: 'config', mountPath: '/etc/app' }],
    };
    const result = run(pod({ spec: { containers: [app], volumes: [{ name: 'config', configMap: { name: 'app' } }] } }));
    assert.deepEqual(spec(result).containers, [
      {
        name: 'app',
        image: 'app:1',
        lifecycle: postStartWait('/debug-dead', 'app'),
        command: keepAliveCommand({
          mountPath: '/debug-dead',
          containerName: 'app',
          command: app.command,
          args: app.args,
        }),
        volumeMounts: [{ name: 'config', mountPath: '/etc/app' }, TOOLS_MOUNT],
      },
    ]);
    assert.deepEqual(summary(result).probesRemoved, { app: ['livenessProbe', 'readinessProbe', 'startupProbe'] });
    assert.deepEqual(summary(result).lifecycleRemoved, ['app']);
    assert.deepEqual(JSON.parse(annotationsOf(result)['debug.dead/original'] ?? ''), {
      app: { command: ['/app', '--serve'], args: ['--port', '8080'] },
    });
  });

  test("keep-probes keeps probes but still replaces lifecycle hooks by the keep-alive's postStart wait", () => {
    const probes = { livenessProbe: { exec: { command: ['true'] } }, startupProbe: { exec: { command: ['true'] } } };
    const result = run(
      pod({
        annotations: { 'debug.dead/keep-probes': 'true' },
        spec: {
          containers: [{ name: 'app', image: 'a', ...probes, lifecycle: { preStop: { exec: { command: ['x'] } } } }],
        },
      }),
    );
    const [app] = spec(result).containers as JsonObject[];
    assert.deepEqual(
      { livenessProbe: app?.livenessProbe, startupProbe: app?.startupProbe, lifecycle: app?.lifecycle },
      { ...probes, lifecycle: postStartWait('/debug-dead', 'app') },
    );
    assert.deepEqual(summary(result).probesRemoved, {});
  });

  test('only target containers are changed; others keep their probes and command', () => {
    const sidecar = {
      name: 'proxy',
      image: 'proxy:1',
      command: ['/proxy'],
      readinessProbe: { tcpSocket: { port: 1 } },
    };
    const result = run(pod({ spec: { containers: [{ name: 'app', image: 'a' }, sidecar] } }));
    assert.deepEqual((spec(result).containers as JsonObject[])[1], sidecar);
  });

  test('hostPorts are cleared on every container so the copy schedules beside the original', () => {
    const result = run(
      pod({
        spec: {
          containers: [
            {
              name: 'app',
              image: 'a',
              ports: [{ containerPort: 80, hostPort: 80, protocol: 'TCP' }, { containerPort: 81 }],
            },
            { name: 'metrics', image: 'm', ports: [{ containerPort: 9100, hostPort: 9100 }] },
          ],
        },
      }),
    );
    const containers = spec(result).containers as JsonObject[];
    assert.deepEqual(
      containers.map((container) => container.ports),
      [[{ containerPort: 80, protocol: 'TCP' }, { containerPort: 81 }], [{ containerPort: 9100 }]],
    );
    assert.deepEqual(summary(result).hostPortsCleared, ['app', 'metrics']);
  });

  test('a hostNetwork pod loses its ports lists (they only reserve host ports there) and is warned about', () => {
    const result = run(
      pod({
        spec: {
          hostNetwork: true,
          containers: [
            { name: 'app', image: 'a', ports: [{ name: 'metrics', containerPort: 9100, hostPort: 9100 }] },
            { name: 'proxy', image: 'p', ports: [{ containerPort: 9101, hostPort: 9101, protocol: 'TCP' }] },
            { name: 'plain', image: 'q' },
          ],
        },
      }),
    );
    assert.ok(result.outcome === 'mutated');
    assert.deepEqual(
      (spec(result).containers as JsonObject[]).map((container) => [container.name, container.ports]),
      [
        ['app', undefined],
        ['proxy', undefined],
        ['plain', undefined],
      ],
    );
    assert.deepEqual(result.summary.hostPortsCleared, ['app', 'proxy']);
    assert.deepEqual(result.warnings, [
      "hostNetwork pod: ports removed; the copy shares the node's network, so rerun may find a port taken",
    ]);
  });

  test('a hostNetwork pod without ports is still warned that it shares the node network', () => {
    const result = run(pod({ spec: { hostNetwork: true, containers: [{ name: 'app', image: 'a' }] } }));
    assert.ok(result.outcome === 'mutated');
    assert.deepEqual(result.warnings, [
      "hostNetwork pod: the copy shares the node's network, so rerun may find a port taken by the original",
    ]);
  });
});

describe('target selection', () => {
  const three = {
    containers: [
      { name: 'app', image: 'a' },
      { name: 'worker', image: 'w' },
      { name: 'proxy', image: 'p' },
    ],
  };
  const cases: { name: string; annotations: Record<string, string>; containers: string[]; warnings: string[] }[] = [
    { name: 'the first container by default', annotations: {}, containers: ['app'], warnings: [] },
    {
      name: 'kubectl.kubernetes.io/default-container',
      annotations: { 'kubectl.kubernetes.io/default-container': 'worker' },
      containers: ['worker'],
      warnings: [],
    },
    {
      name: 'a stale default-container falls back to the first, with a warning',
      annotations: { 'kubectl.kubernetes.io/default-container': 'gone' },
      containers: ['app'],
      warnings: ['kubectl.kubernetes.io/default-container names no container ("gone"); debugging app'],
    },
    {
      name: 'a comma list, in pod order, spaces and repeats ignored',
      annotations: { 'debug.dead/container': ' proxy, app ,proxy' },
      containers: ['app', 'proxy'],
      warnings: [],
    },
    {
      name: '* is every container',
      annotations: { 'debug.dead/container': '*' },
      containers: ['app', 'worker', 'proxy'],
      warnings: [],
    },
    {
      name: 'debug.dead/container wins over default-container',
      annotations: { 'debug.dead/container': 'proxy', 'kubectl.kubernetes.io/default-container': 'worker' },
      containers: ['proxy'],
      warnings: [],
    },
  ];
  for (const { name, annotations, containers, warnings } of cases) {
    test(name, () => {
      const result = run(pod({ annotations, spec: three }));
      assert.ok(result.outcome === 'mutated');
      assert.deepEqual({ containers: result.summary.containers, warnings: result.warnings }, { containers, warnings });
      const changed = (result.pod.spec as { containers: JsonObject[] }).containers.filter(
        (container) => container.command !== undefined,
      );
      assert.deepEqual(
        changed.map((container) => container.name),
        containers,
      );
    });
  }
});

describe('§3.3 the tools init container and names that never collide', () => {
  test('it is the first init container, before existing init containers and native sidecars', () => {
    const migrate = { name: 'migrate', image: 'm', command: ['/migrate'] };
    const sidecar = {
      name: 'mesh',
      image: 'mesh',
      restartPolicy: 'Always',
      startupProbe: { tcpSocket: { port: 15021 } },
    };
    const result = run(pod({ spec: { initContainers: [migrate, sidecar] } }));
    assert.deepEqual(spec(result).initContainers, [TOOLS_CONTAINER, migrate, sidecar]);
    assert.ok(
      result.outcome === 'mutated' &&
        result.patch.some((op) => op.op === 'add' && op.path === '/spec/initContainers/0'),
    );
  });

  test('the pod runAsUser is used when it is a non-root number, else 65532', () => {
    for (const [runAsUser, expected] of [
      [1000, 1000],
      [0, 65532],
      ['x', 65532],
    ] as const) {
      const result = run(pod({ spec: { securityContext: { runAsUser } } }));
      const tools = (spec(result).initContainers as JsonObject[])[0] as { securityContext: { runAsUser: number } };
      assert.equal(tools.securityContext.runAsUser, expected, `runAsUser ${String(runAsUser)}`);
    }
  });

  test('container, volume and mount-path names taken by the pod are skipped', () => {
    const result = run(
      pod({
        spec: {
          initContainers: [{ name: 'debug-dead-tools-2', image: 'i' }],
          containers: [
            {
              name: 'app',
              image: 'a',
              volumeMounts: [
                { name: 'debug-dead-tools', mountPath: '/debug-dead/cache' },
                { name: 'x', mountPath: '/debug-dead-2' },
              ],
            },
            { name: 'debug-dead-tools', image: 'b' },
          ],
          volumes: [
            { name: 'debug-dead-tools', emptyDir: {} },
            { name: 'x', emptyDir: {} },
          ],
        },
      }),
    );
    const s = summary(result);
    assert.deepEqual(
      { toolsContainer: s.toolsContainer, toolsVolume: s.toolsVolume, mountPath: s.mountPath },
      { toolsContainer: 'debug-dead-tools-3', toolsVolume: 'debug-dead-tools-2', mountPath: '/debug-dead-3' },
    );
    const [app] = spec(result).containers as JsonObject[];
    assert.deepEqual((app?.volumeMounts as JsonObject[]).at(-1), {
      name: 'debug-dead-tools-2',
      mountPath: '/debug-dead-3',
    });
    assert.equal((app?.command as string[])[0], '/debug-dead-3/busybox');
  });

  test('mount paths the API server would reject (empty, root-like, relative) never block the choice', () => {
    for (const mountPath of ['', '/', '//', 'relative/path']) {
      const input = pod({
        spec: {
          containers: [{ name: 'app', image: 'a', volumeMounts: [{ name: 'v', mountPath }] }],
          volumes: [{ name: 'v', emptyDir: {} }],
        },
      });
      const result = mutatePod(input, DEFAULT_MUTATION_CONFIG);
      assert.equal(result.outcome === 'mutated' && result.summary.mountPath, '/debug-dead', JSON.stringify(mountPath));
    }
  });

  test('an ephemeral container name is also taken', () => {
    const input = pod({ spec: { ephemeralContainers: [{ name: 'debug-dead-tools', image: 'x' }] } });
    const result = mutatePod(input, DEFAULT_MUTATION_CONFIG);
    assert.equal(result.outcome === 'mutated' && result.summary.toolsContainer, 'debug-dead-tools-2');
  });

  test('config sets the tools image, mount path and TTL; debug.dead/image overrides the image', () => {
    const config = { toolsImage: 'mirror.example/busybox:1.36.1-musl', defaultTtlSeconds: 3600, mountPath: '/opt/dd' };
    const fromConfig = summary(run(pod(), config));
    assert.deepEqual(
      [fromConfig.toolsImage, fromConfig.mountPath, fromConfig.ttlSeconds],
      ['mirror.example/busybox:1.36.1-musl', '/opt/dd', 3600],
    );
    const overridden = summary(
      run(
        pod({
          annotations: {
            'debug.dead/image': 'registry.example:5000/tools/busybox:1.37.0-musl@sha256:' + 'a'.repeat(64),
          },
        }),
        config,
      ),
    );
    assert.equal(overridden.toolsImage, 'registry.example:5000/tools/busybox:1.37.0-musl@sha256:' + 'a'.repeat(64));
  });
});

describe('§3.4 volumes', () => {
  const volumes: JsonObject[] = [
    { name: 'data', persistentVolumeClaim: { claimName: 'data-0' } },
    {
      name: 'scratch',
      ephemeral: {
        volumeClaimTemplate: { spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } },
      },
    },
    { name: 'config', configMap: { name: 'cfg' } },
  ];
  const containers: JsonObject[] = [
    {
      name: 'app',
      image: 'a',
      volumeMounts: [
        { name: 'data', mountPath: '/data' },
        { name: 'scratch', mountPath: '/scratch' },
        { name: 'config', mountPath: '/etc/cfg' },
      ],
    },
    { name: 'backup', image: 'b', volumeMounts: [{ name: 'data', mountPath: '/backup', readOnly: false }] },
  ];

  test('empty (default): PVC and generic ephemeral volumes become emptyDir under the same name, with warnings', () => {
    const result = run(pod({ spec: { containers, volumes } }));
    assert.deepEqual(spec(result).volumes, [
      { name: 'data', emptyDir: {} },
      { name: 'scratch', emptyDir: {} },
      { name: 'config', configMap: { name: 'cfg' } },
      { name: 'debug-dead-tools', emptyDir: {} },
    ]);
    assert.deepEqual(summary(result).volumesReplaced, ['data', 'scratch']);
    assert.ok(result.outcome === 'mutated');
    assert.deepEqual(result.warnings, [
      'volume data (PVC data-0) is now an emptyDir: the copy sees an empty /data',
      'volume scratch (generic ephemeral, a new PVC per pod) is now an emptyDir: the copy sees an empty /scratch',
    ]);
  });

  test('readonly: PVCs kept read-only in the volume and in every mount; ephemeral still replaced', () => {
    const result = run(pod({ annotations: { 'debug.dead/volumes': 'readonly' }, spec: { containers, volumes } }));
    assert.deepEqual((spec(result).volumes as JsonObject[]).slice(0, 2), [
      { name: 'data', persistentVolumeClaim: { claimName: 'data-0', readOnly: true } },
      { name: 'scratch', emptyDir: {} },
    ]);
    const mounts = (spec(result).containers as JsonObject[]).map((container) => container.volumeMounts);
    assert.deepEqual(mounts, [
      [
        { name: 'data', mountPath: '/data', readOnly: true },
        { name: 'scratch', mountPath: '/scratch' },
        { name: 'config', mountPath: '/etc/cfg' },
        TOOLS_MOUNT,
      ],
      [{ name: 'data', mountPath: '/backup', readOnly: true }],
    ]);
    const s = summary(result);
    assert.deepEqual([s.volumesReplaced, s.volumesReadOnly], [['scratch'], ['data']]);
    assert.ok(result.outcome === 'mutated');
    assert.deepEqual(result.warnings, [
      'volume data: PVC data-0 is mounted read-only; a ReadWriteOnce claim only attaches on its node',
      'volume scratch (generic ephemeral, a new PVC per pod) is now an emptyDir: the copy sees an empty /scratch',
    ]);
  });

  test('a raw block device from a replaced PVC is dropped (an emptyDir cannot be a device)', () => {
    const result = run(
      pod({
        spec: {
          containers: [{ name: 'app', image: 'a', volumeDevices: [{ name: 'disk', devicePath: '/dev/xvda' }] }],
          volumes: [{ name: 'disk', persistentVolumeClaim: { claimName: 'raw' } }],
        },
      }),
    );
    assert.equal((spec(result).containers as JsonObject[])[0]?.volumeDevices, undefined);
    assert.ok(
      result.outcome === 'mutated' &&
        result.warnings.includes('container app: raw block device /dev/xvda dropped with volume disk'),
    );
  });
});

describe('§3.4 TTL, labels, readiness gate', () => {
  const ttlCases: { name: string; existing?: number; ttl?: string; expected: number; ttlSeconds: number }[] = [
    { name: 'default TTL when the pod has no deadline', expected: 86400, ttlSeconds: 86400 },
    { name: 'annotation 90m', ttl: '90m', expected: 5400, ttlSeconds: 5400 },
    { name: 'annotation 2d', ttl: '2d', expected: 172800, ttlSeconds: 172800 },
    {
      name: 'never raised above an existing shorter deadline',
      existing: 600,
      ttl: '8h',
      expected: 600,
      ttlSeconds: 28800,
    },
    { name: 'lowered from an existing longer deadline', existing: 999999, ttl: '1h', expected: 3600, ttlSeconds: 3600 },
  ];
  for (const { name, existing, ttl, expected, ttlSeconds } of ttlCases) {
    test(`activeDeadlineSeconds: ${name}`, () => {
      const result = run(
        pod({
          annotations: ttl === undefined ? {} : { 'debug.dead/ttl': ttl },
          spec: existing === undefined ? {} : { activeDeadlineSeconds: existing },
        }),
      );
      assert.deepEqual([spec(result).activeDeadlineSeconds, summary(result).ttlSeconds], [expected, ttlSeconds]);
    });
  }

  test('labels that make controllers adopt the pod are removed, others kept', () => {
    const labels = {
      app: 'web',
      'pod-template-hash': '5d4f',
      'controller-revision-hash': 'abc',
      'statefulset.kubernetes.io/pod-name': 'web-0',
      'apps.kubernetes.io/pod-index': '0',
      'controller-uid': 'u',
      'batch.kubernetes.io/controller-uid': 'u',
      'batch.kubernetes.io/job-name': 'j',
      'job-name': 'j',
    };
    const result = run(pod({ metadata: { labels } }));
    assert.ok(result.outcome === 'mutated');
    assert.deepEqual((result.pod.metadata as JsonObject).labels, { app: 'web' });
    assert.deepEqual(result.summary.labelsRemoved, Object.keys(labels).slice(1));
    assert.ok(
      result.patch.some(
        (op) => op.op === 'remove' && op.path === '/metadata/labels/statefulset.kubernetes.io~1pod-name',
      ),
    );
  });

  test('the not-serving readiness gate is appended to existing gates, never twice', () => {
    const gate = { conditionType: 'example.com/ready' };
    assert.deepEqual(spec(run(pod({ spec: { readinessGates: [gate] } }))).readinessGates, [
      gate,
      { conditionType: 'debug.dead/not-serving' },
    ]);
    const already = [{ conditionType: 'debug.dead/not-serving' }];
    assert.deepEqual(spec(run(pod({ spec: { readinessGates: already } }))).readinessGates, already);
  });
});

describe('§3.6 init containers as targets', () => {
  test('a crashing init container is kept alive; the ones after it never run (warned)', () => {
    const result = run(
      pod({
        annotations: { 'debug.dead/container': 'migrate' },
        spec: {
          initContainers: [
            { name: 'migrate', image: 'm', command: ['/migrate', 'up'] },
            { name: 'seed', image: 's' },
          ],
        },
      }),
    );
    const init = spec(result).initContainers as JsonObject[];
    assert.deepEqual(
      init.map((container) => container.name),
      ['debug-dead-tools', 'migrate', 'seed'],
    );
    assert.deepEqual(init[1], {
      name: 'migrate',
      image: 'm',
      command: keepAliveCommand({
        mountPath: '/debug-dead',
        containerName: 'migrate',
        command: ['/migrate', 'up'],
        args: null,
      }),
      volumeMounts: [TOOLS_MOUNT],
    });
    assert.deepEqual(init[2], { name: 'seed', image: 's' });
    assert.ok(result.outcome === 'mutated');
    assert.deepEqual([result.summary.containers, result.summary.initContainers], [[], ['migrate']]);
    assert.deepEqual(result.warnings, ['init container migrate is kept alive: the containers after it will not start']);
    assert.equal((spec(result).containers as JsonObject[])[0]?.command, undefined);
  });

  test('a native sidecar target gets no such warning', () => {
    const result = run(
      pod({
        annotations: { 'debug.dead/container': 'mesh' },
        spec: { initContainers: [{ name: 'mesh', image: 'm', restartPolicy: 'Always' }] },
      }),
    );
    assert.ok(result.outcome === 'mutated');
    assert.deepEqual([result.summary.initContainers, result.warnings], [['mesh'], []]);
  });
});

describe('selectContainers: the selection rule, for surfaces that check early', () => {
  const input = pod({
    annotations: { 'kubectl.kubernetes.io/default-container': 'worker' },
    spec: {
      containers: [
        { name: 'app', image: 'a' },
        { name: 'worker', image: 'w' },
      ],
      initContainers: [{ name: 'migrate', image: 'm' }],
    },
  });
  const cases: [string[] | undefined, Selection][] = [
    [undefined, { containers: ['worker'], initContainers: [], unknown: [], warnings: [] }],
    [['*'], { containers: ['app', 'worker'], initContainers: [], unknown: [], warnings: [] }],
    [['migrate', 'api', 'app'], { containers: ['app'], initContainers: ['migrate'], unknown: ['api'], warnings: [] }],
  ];
  for (const [requested, expected] of cases) {
    test(JSON.stringify(requested), () => assert.deepEqual(selectContainers(input, requested), expected));
  }
});

describe('§3.5 untouched', () => {
  const cases: { name: string; input: unknown; operation?: string; code: string; reason: string }[] = [
    {
      name: 'no annotation',
      input: { ...pod(), metadata: { name: 'web' } },
      code: 'not-annotated',
      reason: 'no debug.dead/enable: "true" annotation',
    },
    {
      name: 'annotation "True"',
      input: pod({ annotations: { 'debug.dead/enable': 'True' } }),
      code: 'not-annotated',
      reason: 'no debug.dead/enable: "true" annotation',
    },
    {
      name: 'annotation "false"',
      input: pod({ annotations: { 'debug.dead/enable': 'false' } }),
      code: 'not-annotated',
      reason: 'no debug.dead/enable: "true" annotation',
    },
    {
      name: 'already mutated',
      input: pod({ annotations: { 'debug.dead/mutated': '{}' } }),
      code: 'already-mutated',
      reason: 'already mutated',
    },
    {
      name: 'a mirror pod',
      input: pod({ annotations: { 'kubernetes.io/config.mirror': 'abc' } }),
      code: 'mirror-pod',
      reason: 'mirror pod',
    },
    { name: 'UPDATE', input: pod(), operation: 'UPDATE', code: 'not-create', reason: 'operation UPDATE is not CREATE' },
    { name: 'DELETE', input: pod(), operation: 'DELETE', code: 'not-create', reason: 'operation DELETE is not CREATE' },
    {
      name: 'CONNECT',
      input: pod(),
      operation: 'CONNECT',
      code: 'not-create',
      reason: 'operation CONNECT is not CREATE',
    },
    { name: 'a Deployment', input: { ...pod(), kind: 'Deployment' }, code: 'not-a-pod', reason: 'not a Pod' },
    { name: 'null', input: null, code: 'not-a-pod', reason: 'not a Pod' },
    { name: 'an array', input: [pod()], code: 'not-a-pod', reason: 'not a Pod' },
    { name: 'a string', input: 'Pod', code: 'not-a-pod', reason: 'not a Pod' },
  ];
  for (const { name, input, operation, code, reason } of cases) {
    test(name, () => {
      assert.deepEqual(mutatePod(input, DEFAULT_MUTATION_CONFIG, operation === undefined ? {} : { operation }), {
        outcome: 'untouched',
        code,
        reason,
      });
    });
  }

  test('the request as an admission adapter passes it: only a core/v1 Pod, no subresource', () => {
    const podKind = { group: '', version: 'v1', kind: 'Pod' };
    const pods = { group: '', version: 'v1', resource: 'pods' };
    const requests: [MutationRequest, string][] = [
      [{ operation: 'CREATE', kind: podKind, resource: pods }, 'mutated'],
      [{ operation: 'CREATE', kind: podKind, resource: pods, subResource: '' }, 'mutated'],
      [{ operation: 'CREATE', kind: podKind, resource: pods, subResource: 'ephemeralcontainers' }, 'not-a-pod'],
      [{ operation: 'CREATE', kind: { ...podKind, group: 'example.com' }, resource: pods }, 'not-a-pod'],
      [{ operation: 'CREATE', kind: podKind, resource: { ...pods, version: 'v2' } }, 'not-a-pod'],
      [{ operation: 'CREATE', kind: 'Pod' }, 'not-a-pod'],
      [{ operation: '' }, 'not-create'],
    ];
    assert.deepEqual(
      requests.map(([request]) => {
        const result = mutatePod(pod(), DEFAULT_MUTATION_CONFIG, request);
        return result.outcome === 'untouched' ? result.code : result.outcome;
      }),
      requests.map(([, expected]) => expected),
    );
  });

  test('mutating the result again is untouched (idempotent)', () => {
    const first = run(pod());
    assert.ok(first.outcome === 'mutated');
    assert.deepEqual(mutatePod(first.pod, DEFAULT_MUTATION_CONFIG), {
      outcome: 'untouched',
      code: 'already-mutated',
      reason: 'already mutated',
    });
  });
});

describe('§3.5 denied, with a message that names the field and the fix', () => {
  const two = {
    containers: [
      { name: 'app', image: 'a' },
      { name: 'proxy', image: 'p' },
    ],
    initContainers: [{ name: 'migrate', image: 'm' }],
  };
  const cases: { name: string; input: Pod; message: string }[] = [
    {
      name: 'unknown container',
      input: pod({ annotations: { 'debug.dead/container': 'api' }, spec: two }),
      message:
        'annotation debug.dead/container: no container named "api" in this pod; containers: app, proxy; init containers: migrate (or "*" for all containers)',
    },
    {
      name: 'empty container list',
      input: pod({ annotations: { 'debug.dead/container': ' , ' } }),
      message:
        'annotation debug.dead/container: " , " names no container; use a comma list of container names, or "*" for all containers',
    },
    {
      name: 'bad duration',
      input: pod({ annotations: { 'debug.dead/ttl': 'forever' } }),
      message:
        'annotation debug.dead/ttl: "forever" is not a duration; use a positive Go duration such as 90m, 8h, 1h30m or 2d (units s, m, h, d)',
    },
    {
      name: 'zero duration',
      input: pod({ annotations: { 'debug.dead/ttl': '0s' } }),
      message:
        'annotation debug.dead/ttl: "0s" is not a duration; use a positive Go duration such as 90m, 8h, 1h30m or 2d (units s, m, h, d)',
    },
    {
      name: 'duration too long for activeDeadlineSeconds',
      input: pod({ annotations: { 'debug.dead/ttl': '30000d' } }),
      message:
        'annotation debug.dead/ttl: "30000d" is longer than Kubernetes allows (2147483647s, about 68 years); use a positive Go duration such as 90m, 8h, 1h30m or 2d (units s, m, h, d)',
    },
    {
      name: 'unknown volume policy',
      input: pod({ annotations: { 'debug.dead/volumes': 'keep' } }),
      message:
        'annotation debug.dead/volumes: "keep" is not a volume policy; use "empty" (PVCs become emptyDir, the default) or "readonly" (PVCs kept, mounted read-only)',
    },
    {
      name: 'keep-probes not a boolean',
      input: pod({ annotations: { 'debug.dead/keep-probes': 'yes' } }),
      message: 'annotation debug.dead/keep-probes: "yes" is not valid; use "true" or "false"',
    },
    {
      name: 'allow-owned not a boolean',
      input: pod({ annotations: { 'debug.dead/allow-owned': '1' } }),
      message: 'annotation debug.dead/allow-owned: "1" is not valid; use "true" or "false"',
    },
    {
      name: 'not an image reference',
      input: pod({ annotations: { 'debug.dead/image': 'Busybox Latest' } }),
      message:
        'annotation debug.dead/image: "Busybox Latest" is not an image reference; use e.g. busybox:1.37.0-musl (a static busybox at /bin/busybox)',
    },
    {
      name: 'a misspelt debugdead annotation',
      input: pod({ annotations: { 'debug.dead/containers': 'app' } }),
      message:
        'annotation debug.dead/containers is not a debugdead annotation; did you mean debug.dead/container? Known: debug.dead/enable, debug.dead/container, debug.dead/image, debug.dead/ttl, debug.dead/volumes, debug.dead/keep-probes, debug.dead/allow-owned, debug.dead/image-command, debug.dead/mutated, debug.dead/original, debug.dead/source',
    },
    {
      name: 'a Windows pod (spec.os)',
      input: pod({ spec: { os: { name: 'windows' } } }),
      message:
        'this is a Windows pod: debugdead injects a Linux busybox and cannot debug it; use kubectl debug with a Windows image instead',
    },
    {
      name: 'a Windows pod (nodeSelector)',
      input: pod({ spec: { nodeSelector: { 'kubernetes.io/os': 'windows' } } }),
      message:
        'this is a Windows pod: debugdead injects a Linux busybox and cannot debug it; use kubectl debug with a Windows image instead',
    },
    {
      name: 'a pod with a controller owner',
      input: pod({
        metadata: {
          ownerReferences: [
            { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web-5d4f', uid: 'u', controller: true },
          ],
        },
      }),
      message:
        'this pod is controlled by ReplicaSet/web-5d4f: mutating it would put every replica to sleep. Copy one pod with "kubectl debugdead POD", or set the annotation debug.dead/allow-owned: "true" to mutate it anyway',
    },
    {
      name: 'spec.containers is not a list',
      input: { ...pod(), spec: { containers: { name: 'app' } } },
      message: 'spec.containers must be a list of objects with a name: this is not a valid pod',
    },
    {
      name: 'a command that is not a list of strings',
      input: pod({ spec: { containers: [{ name: 'app', image: 'a', command: '/app' }] } }),
      message: 'spec.containers[0].command must be a list of strings: this is not a valid pod',
    },
  ];
  for (const { name, input, message } of cases) {
    test(name, () => assert.deepEqual(mutatePod(input, DEFAULT_MUTATION_CONFIG), { outcome: 'denied', message }));
  }

  test('an owned pod is mutated with debug.dead/allow-owned: "true"; a non-controller owner needs nothing', () => {
    const owner = { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web-5d4f', uid: 'u', controller: true };
    assert.equal(
      run(pod({ annotations: { 'debug.dead/allow-owned': 'true' }, metadata: { ownerReferences: [owner] } })).outcome,
      'mutated',
    );
    assert.equal(run(pod({ metadata: { ownerReferences: [{ ...owner, controller: false }] } })).outcome, 'mutated');
  });
});
