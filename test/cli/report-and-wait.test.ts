import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { JsonObject, Pod } from '../../src/mutation/index.js';
import { copyState } from '../../src/cli/copy/copy-state.js';
import { originalLines, renderReport, shellCommand } from '../../src/cli/text/report.js';
import { shellJoin, shellQuote } from '../../src/cli/text/shell-quote.js';
import {
  describeProgress,
  eventLines,
  stoppedReason,
  targetsRunning,
  type WaitTargets,
} from '../../src/cli/kube/wait.js';

function podWithOriginal(original: JsonObject): Pod {
  return { metadata: { annotations: { 'debug.dead/original': JSON.stringify(original) } } };
}

describe('the original command, said plainly', () => {
  const cases: { name: string; entry: JsonObject; lines: string[] }[] = [
    {
      name: 'neither command nor args: the image ENTRYPOINT and CMD',
      entry: { command: null, args: null },
      lines: [
        '  command: none in the pod spec: the image ENTRYPOINT and CMD ran (they are in the image, not known here)',
      ],
    },
    {
      name: 'args only: the image ENTRYPOINT with these args',
      entry: { command: null, args: ['--port=8080', 'a b'] },
      lines: [
        '  command: none in the pod spec: the image ENTRYPOINT ran (it is in the image, not known here), with',
        "  args:    --port=8080 'a b'",
      ],
    },
    {
      name: 'command only (the image CMD is ignored then)',
      entry: { command: ['/heapster', "--source=kubernetes.summary_api:''"], args: null },
      lines: ["  command: /heapster '--source=kubernetes.summary_api:'\\'''\\'''"],
    },
    {
      name: 'both, with quoting that survives a copy-paste',
      entry: { command: ['sh', '-c'], args: ['echo "$HOME" && exit 3', ''] },
      lines: ['  command: sh -c', `  args:    'echo "$HOME" && exit 3' ''`],
    },
  ];
  for (const testCase of cases) {
    it(testCase.name, () => {
      assert.deepEqual(originalLines(copyState(podWithOriginal({ app: testCase.entry })), 'app'), testCase.lines);
    });
  }
  it('a container missing from the annotation', () => {
    assert.deepEqual(originalLines(copyState(podWithOriginal({})), 'app'), [
      '  (not recorded: the copy has no debug.dead/original entry for app)',
    ]);
  });
});

describe('printed commands', () => {
  it('shellQuote keeps safe words bare and quotes the rest', () => {
    assert.deepEqual(['a', '--x=y', '', "it's", 'a b', '$HOME', '/path/with space', 'ünï'].map(shellQuote), [
      'a',
      '--x=y',
      "''",
      "'it'\\''s'",
      "'a b'",
      "'$HOME'",
      "'/path/with space'",
      "'ünï'",
    ]);
  });
  it('the exec line repeats --kubeconfig/--context and uses the mount path', () => {
    assert.equal(
      shellJoin(
        shellCommand('shop', 'debug-x-aaaaa', 'app', '/debug-dead-2', [
          '--kubeconfig',
          '/home/me/my config',
          '--context',
          'prod',
        ]),
      ),
      "kubectl exec -it --kubeconfig '/home/me/my config' --context prod -n shop debug-x-aaaaa -c app -- /debug-dead-2/busybox env ENV=/debug-dead-2/.profile /debug-dead-2/busybox sh",
    );
  });
  it('a copy the webhook did not describe still gets a cleanup command', () => {
    const text = renderReport(
      { metadata: { name: 'debug-x-aaaaa', namespace: 'shop' } },
      { kubectlFlags: [], running: false },
    );
    assert.equal(
      text,
      'Created: shop/debug-x-aaaaa, a copy of (unknown source).\n' +
        'It is not running yet (--no-wait): kubectl get pod -n shop debug-x-aaaaa -w\n\n' +
        'Reproduce the crash in the shell: /debug-dead/rerun\n\n' +
        'Clean up:\n  kubectl debugdead clean -n shop debug-x-aaaaa\n',
    );
  });
});

const TARGETS: WaitTargets = {
  containers: ['app'],
  initContainers: [],
  toolsContainer: 'debug-dead-tools',
  toolsImage: 'busybox:1.37.0-musl',
};

function status(extra: JsonObject): Pod {
  return { metadata: { name: 'c' }, status: extra };
}

describe('what the wait shows and decides', () => {
  const cases: {
    name: string;
    pod: Pod;
    targets?: WaitTargets;
    progress: string;
    running: boolean;
    stopped?: string;
  }[] = [
    { name: 'no status yet', pod: status({}), progress: 'Pending, app: not started', running: false },
    {
      name: 'unschedulable',
      pod: status({
        phase: 'Pending',
        conditions: [{ type: 'PodScheduled', status: 'False', reason: 'Unschedulable' }],
      }),
      progress: 'Pending, not scheduled (Unschedulable), app: not started',
      running: false,
    },
    {
      name: 'tools image pulling fails',
      pod: status({
        phase: 'Pending',
        initContainerStatuses: [{ name: 'debug-dead-tools', state: { waiting: { reason: 'ImagePullBackOff' } } }],
        containerStatuses: [{ name: 'app', state: { waiting: { reason: 'PodInitializing' } } }],
      }),
      progress: 'Pending, debug-dead-tools: ImagePullBackOff, app: PodInitializing',
      running: false,
    },
    {
      name: 'the keep-alive crashes (exec format error on the wrong architecture)',
      pod: status({
        phase: 'Running',
        containerStatuses: [{ name: 'app', state: { terminated: { reason: 'Error', exitCode: 126 } } }],
      }),
      progress: 'Running, app: Error (exit 126)',
      running: false,
    },
    {
      name: 'running',
      pod: status({ phase: 'Running', containerStatuses: [{ name: 'app', state: { running: {} } }] }),
      progress: 'Running, app: running',
      running: true,
    },
    {
      name: 'over: deadline exceeded',
      pod: status({
        phase: 'Failed',
        reason: 'DeadlineExceeded',
        message: 'Pod was active on the node longer than the specified deadline',
      }),
      progress: 'Failed, app: not started',
      running: false,
      stopped: 'phase Failed: DeadlineExceeded: Pod was active on the node longer than the specified deadline',
    },
    {
      name: 'a kept-alive init container that exited will not run again',
      pod: status({
        phase: 'Pending',
        initContainerStatuses: [{ name: 'migrate', state: { terminated: { reason: 'Error', exitCode: 1 } } }],
      }),
      targets: { ...TARGETS, containers: [], initContainers: ['migrate'] },
      progress: 'Pending, migrate: Error (exit 1)',
      running: false,
      stopped: 'the kept-alive init container migrate exited (Error, exit 1)',
    },
  ];
  for (const testCase of cases) {
    it(testCase.name, () => {
      const targets = testCase.targets ?? TARGETS;
      assert.equal(describeProgress(testCase.pod, targets), testCase.progress);
      assert.equal(targetsRunning(testCase.pod, targets), testCase.running);
      assert.equal(stoppedReason(testCase.pod, targets), testCase.stopped);
    });
  }

  const events: { name: string; event: JsonObject; lines: string[] }[] = [
    {
      name: 'a pull failure of the tools image gets the --image hint',
      event: {
        type: 'Warning',
        reason: 'Failed',
        message: 'Failed to pull image "busybox:1.37.0-musl": not found',
        involvedObject: { fieldPath: 'spec.initContainers{debug-dead-tools}' },
      },
      lines: [
        '  Warning Failed: Failed to pull image "busybox:1.37.0-musl": not found',
        '    → the tools image busybox:1.37.0-musl cannot be pulled here: pass --image with a static busybox the cluster can pull (a copy in your registry)',
      ],
    },
    {
      name: "a pull failure of the app's own image gets no tools hint",
      event: {
        type: 'Warning',
        reason: 'Failed',
        message: 'Failed to pull image "registry.example.com/web:1": unauthorized',
        involvedObject: { fieldPath: 'spec.containers{app}' },
      },
      lines: ['  Warning Failed: Failed to pull image "registry.example.com/web:1": unauthorized'],
    },
    {
      name: 'a volume that cannot attach',
      event: { type: 'Warning', reason: 'FailedAttachVolume', message: 'Multi-Attach error for volume "pvc-1"' },
      lines: [
        '  Warning FailedAttachVolume: Multi-Attach error for volume "pvc-1"',
        '    → a volume cannot follow the copy (a ReadWriteOnce claim in use elsewhere?): use --volumes=empty or --same-node',
      ],
    },
  ];
  for (const testCase of events) {
    it(testCase.name, () => {
      assert.deepEqual(eventLines(testCase.event, TARGETS), testCase.lines);
    });
  }
});
