import assert from 'node:assert/strict';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { after, before, beforeEach, describe, it } from 'node:test';
import type { JsonObject, Pod } from '../../src/mutation/index.js';
import {
  deadContainers,
  formatTable,
  rowCells,
  TABLE_HEADER,
  type DeadContainer,
} from '../../src/cli/picker/dead-containers.js';
import { fuzzyFilter, fuzzyScore } from '../../src/cli/picker/fuzzy.js';
import {
  builtInPicker,
  initialState,
  pressKey,
  renderPrompt,
  type PromptKey,
  type PromptState,
} from '../../src/cli/picker/prompt.js';
import { FakeApiServer } from './fake-apiserver.js';
import { T0, barePod, deploymentPod } from './fixtures.js';
import { startCli } from './harness.js';

function pod(
  name: string,
  status: JsonObject,
  extra: { labels?: Record<string, string>; annotations?: Record<string, string>; deleting?: boolean } = {},
): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace: 'ops',
      ...(extra.labels ? { labels: extra.labels } : {}),
      ...(extra.annotations ? { annotations: extra.annotations } : {}),
      ...(extra.deleting === true ? { deletionTimestamp: T0 } : {}),
    },
    spec: { containers: [] },
    status,
  };
}

function cs(name: string, state: JsonObject, restartCount = 0, lastState: JsonObject = {}): JsonObject {
  return { name, state, lastState, ready: false, restartCount, image: 'x', imageID: '' };
}

describe('deadContainers: the picker rows from real-looking pod statuses', () => {
  const cases: { name: string; pods: Pod[]; rows: Omit<DeadContainer, 'namespace'>[] }[] = [
    {
      name: 'CrashLoopBackOff with the last exit code; the running sidecar and the completed init container are left out',
      pods: [deploymentPod({ namespace: 'ops' })],
      rows: [
        {
          pod: 'web-7d4b9c8f6d-x2k9p',
          container: 'app',
          init: false,
          state: 'Waiting',
          reason: 'CrashLoopBackOff',
          restarts: 17,
          lastExitCode: 2,
        },
      ],
    },
    {
      name: 'OOMKilled terminated container (restartPolicy Never)',
      pods: [
        pod('batch-1', {
          phase: 'Failed',
          containerStatuses: [
            cs('worker', { terminated: { exitCode: 137, reason: 'OOMKilled', startedAt: T0, finishedAt: T0 } }),
          ],
        }),
      ],
      rows: [
        {
          pod: 'batch-1',
          container: 'worker',
          init: false,
          state: 'Terminated',
          reason: 'OOMKilled',
          restarts: 0,
          lastExitCode: 137,
        },
      ],
    },
    {
      name: 'a failed Job pod (Error, exit 1)',
      pods: [
        pod('job-x', {
          phase: 'Failed',
          containerStatuses: [cs('job', { terminated: { exitCode: 1, reason: 'Error' } })],
        }),
      ],
      rows: [
        {
          pod: 'job-x',
          container: 'job',
          init: false,
          state: 'Terminated',
          reason: 'Error',
          restarts: 0,
          lastExitCode: 1,
        },
      ],
    },
    {
      name: 'ImagePullBackOff and CreateContainerConfigError (never ran: no exit code)',
      pods: [
        pod('pull', {
          phase: 'Pending',
          containerStatuses: [
            cs('app', { waiting: { reason: 'ImagePullBackOff', message: 'Back-off pulling image' } }),
          ],
        }),
        pod('config', {
          phase: 'Pending',
          containerStatuses: [
            cs('app', { waiting: { reason: 'CreateContainerConfigError', message: 'secret "db" not found' } }),
          ],
        }),
      ],
      rows: [
        {
          pod: 'config',
          container: 'app',
          init: false,
          state: 'Waiting',
          reason: 'CreateContainerConfigError',
          restarts: 0,
          lastExitCode: undefined,
        },
        {
          pod: 'pull',
          container: 'app',
          init: false,
          state: 'Waiting',
          reason: 'ImagePullBackOff',
          restarts: 0,
          lastExitCode: undefined,
        },
      ],
    },
    {
      name: 'a crash-looping init container (Init:CrashLoopBackOff); the regular containers wait in PodInitializing and are left out',
      pods: [
        pod('migrating', {
          phase: 'Pending',
          initContainerStatuses: [
            cs('migrate', { waiting: { reason: 'CrashLoopBackOff' } }, 5, {
              terminated: { exitCode: 3, reason: 'Error' },
            }),
          ],
          containerStatuses: [cs('app', { waiting: { reason: 'PodInitializing' } })],
        }),
      ],
      rows: [
        {
          pod: 'migrating',
          container: 'migrate',
          init: true,
          state: 'Waiting',
          reason: 'CrashLoopBackOff',
          restarts: 5,
          lastExitCode: 3,
        },
      ],
    },
    {
      name: 'starting, running, succeeded, terminating pods and debug copies are left out',
      pods: [
        pod('starting', {
          phase: 'Pending',
          containerStatuses: [cs('app', { waiting: { reason: 'ContainerCreating' } })],
        }),
        pod('running', {
          phase: 'Running',
          containerStatuses: [cs('app', { running: { startedAt: T0 } }, 3, { terminated: { exitCode: 1 } })],
        }),
        pod('done', {
          phase: 'Succeeded',
          containerStatuses: [cs('app', { terminated: { exitCode: 0, reason: 'Completed' } })],
        }),
        pod(
          'going',
          { phase: 'Running', containerStatuses: [cs('app', { waiting: { reason: 'CrashLoopBackOff' } })] },
          { deleting: true },
        ),
        pod(
          'debug-x-aaaaa',
          { phase: 'Running', containerStatuses: [cs('app', { waiting: { reason: 'CrashLoopBackOff' } })] },
          { labels: { 'debug.dead/copy-of': 'x' } },
        ),
        pod('unscheduled', {
          phase: 'Pending',
          conditions: [{ type: 'PodScheduled', status: 'False', reason: 'Unschedulable' }],
        }),
      ],
      rows: [],
    },
  ];
  for (const testCase of cases) {
    it(testCase.name, () => {
      const expected = testCase.rows.map((row) => ({
        namespace: testCase.pods[0] === undefined ? '' : String((testCase.pods[0].metadata as JsonObject).namespace),
        ...row,
      }));
      assert.deepEqual(deadContainers(testCase.pods), expected);
    });
  }
  it('renders as a kubectl-style table, sorted by namespace and pod', () => {
    const rows = deadContainers([
      deploymentPod({ namespace: 'shop' }),
      pod('migrating', {
        initContainerStatuses: [
          cs('migrate', { waiting: { reason: 'CrashLoopBackOff' } }, 5, { terminated: { exitCode: 3 } }),
        ],
      }),
    ]);
    assert.deepEqual(formatTable(TABLE_HEADER, rows.map(rowCells)), [
      'NAMESPACE   POD                    CONTAINER        STATE     REASON             RESTARTS   LAST EXIT',
      'ops         migrating              migrate (init)   Waiting   CrashLoopBackOff   5          3',
      'shop        web-7d4b9c8f6d-x2k9p   app              Waiting   CrashLoopBackOff   17         2',
    ]);
  });
});

describe('fuzzy matching', () => {
  const lines = [
    'shop   web-7d4b9c8f6d-x2k9p   app              Waiting   CrashLoopBackOff',
    'ops    migrating              migrate (init)   Waiting   CrashLoopBackOff',
    'ops    batch-1                worker           Terminated   OOMKilled',
  ];
  const cases: [string, number[]][] = [
    ['', [0, 1, 2]],
    ['oom', [2]],
    ['web app', [0]],
    ['init', [1]],
    ['mig', [1]],
    ['crash', [0, 1]],
    ['zzz', []],
    ['OPS', [1, 2, 0]],
    ['ops ', [1, 2, 0]],
  ];
  for (const [query, expected] of cases) {
    it(`"${query}"`, () => {
      assert.deepEqual(fuzzyFilter(query, lines), expected);
    });
  }
  it('contiguous and word-start matches rank higher', () => {
    const [contiguous = 0, scattered = 0] = [fuzzyScore('app', 'app-server'), fuzzyScore('app', 'a-p-p')];
    assert.ok(contiguous > scattered, `${contiguous} > ${scattered}`);
  });
});

describe('the built-in prompt', () => {
  const lines = [
    'shop web app CrashLoopBackOff',
    'ops migrating migrate (init) CrashLoopBackOff',
    'ops batch-1 worker OOMKilled',
  ];
  function keys(state: PromptState, sequence: PromptKey[]): ReturnType<typeof pressKey> {
    let step: ReturnType<typeof pressKey> = { kind: 'continue', state };
    for (const key of sequence) {
      if (step.kind !== 'continue') break;
      step = pressKey(step.state, key, lines);
    }
    return step;
  }
  const type = (text: string): PromptKey[] => Array.from(text, (char) => ({ sequence: char, name: char }));
  const cases: { name: string; keys: PromptKey[]; expected: ReturnType<typeof pressKey> }[] = [
    { name: 'Enter picks the first line', keys: [{ name: 'return' }], expected: { kind: 'chosen', index: 0 } },
    {
      name: 'Down, Down, Up, Enter',
      keys: [{ name: 'down' }, { name: 'down' }, { name: 'up' }, { name: 'return' }],
      expected: { kind: 'chosen', index: 1 },
    },
    {
      name: 'Ctrl-N past the end stays on the last',
      keys: [...Array.from({ length: 5 }, () => ({ name: 'n', ctrl: true })), { name: 'return' }],
      expected: { kind: 'chosen', index: 2 },
    },
    { name: 'typing filters', keys: [...type('oom'), { name: 'return' }], expected: { kind: 'chosen', index: 2 } },
    {
      name: 'backspace widens again',
      keys: [...type('oomx'), { name: 'backspace' }, { name: 'return' }],
      expected: { kind: 'chosen', index: 2 },
    },
    {
      name: 'Enter with no match does nothing',
      keys: [...type('zzz'), { name: 'return' }],
      expected: { kind: 'continue', state: { query: 'zzz', selected: 0, matches: [] } },
    },
    { name: 'Esc gives up', keys: [{ name: 'escape' }], expected: { kind: 'cancelled' } },
    { name: 'Ctrl-C gives up', keys: [...type('mi'), { name: 'c', ctrl: true }], expected: { kind: 'cancelled' } },
  ];
  for (const testCase of cases) {
    it(testCase.name, () => {
      assert.deepEqual(keys(initialState(lines), testCase.keys), testCase.expected);
    });
  }
  it('renders the query, the count, the header and the highlighted line, best match first', () => {
    const step = keys(initialState(lines), [...type('crash'), { name: 'down' }]);
    if (step.kind !== 'continue') assert.fail(`expected the prompt to go on, got ${step.kind}`);
    {
      assert.deepEqual(renderPrompt(step.state, lines, 'HEADER', 10), [
        'dead container> crash',
        '  2/3',
        '  HEADER',
        '  shop web app CrashLoopBackOff',
        '> ops migrating migrate (init) CrashLoopBackOff',
      ]);
    }
  });
  it('scrolls to keep the highlighted line visible', () => {
    const many = Array.from({ length: 20 }, (_, index) => `line ${index}`);
    let state = initialState(many);
    for (let index = 0; index < 15; index += 1) {
      const step = pressKey(state, { name: 'down' }, many);
      if (step.kind === 'continue') state = step.state;
    }
    const block = renderPrompt(state, many, 'H', 5);
    assert.deepEqual(block.slice(3), ['  line 11', '  line 12', '  line 13', '  line 14', '> line 15']);
  });
  it('reads keypresses from a stream and resolves with the chosen index', async () => {
    const input = new PassThrough();
    let drawn = '';
    const chosen = builtInPicker(lines, 'HEADER', input, { write: (text: string) => (drawn += text), isTTY: true });
    input.write('batch');
    input.write('\r');
    assert.equal(await chosen, 2);
    assert.match(drawn, /dead container> batch/);
  });
  it('resolves undefined when the stream ends', async () => {
    const input = new PassThrough();
    const chosen = builtInPicker(lines, 'HEADER', input, { write: () => true, isTTY: true });
    input.end();
    assert.equal(await chosen, undefined);
  });
});

describe('picking in the CLI (a terminal is simulated)', () => {
  let fake: FakeApiServer;
  let dir: string;
  before(async () => {
    fake = await FakeApiServer.start();
    dir = await mkdtemp(path.join(tmpdir(), 'debugdead-picker-'));
    await mkdir(path.join(dir, 'bin'));
    // A fake fzf: records its arguments and input, answers with the line FZF_PICK (or exits FZF_EXIT).
    await writeFile(
      path.join(dir, 'bin', 'fzf'),
      '#!/bin/sh\nprintf "%s\\n" "$@" > "$RECORD.args"\ncat > "$RECORD.input"\n[ -n "$FZF_EXIT" ] && exit "$FZF_EXIT"\nsed -n "${FZF_PICK}p" "$RECORD.input"\n',
    );
    await chmod(path.join(dir, 'bin', 'fzf'), 0o755);
  });
  after(async () => {
    await fake.close();
    await rm(dir, { recursive: true, force: true });
  });
  beforeEach(() => {
    fake.pods.clear();
    fake.addPod(deploymentPod({ namespace: 'shop' }));
    fake.addPod(barePod('heapster', 'monitoring'));
    fake.requests.length = 0;
  });
  const annotationsOf = (stdout: string): Record<string, string> =>
    (JSON.parse(stdout) as { metadata: { annotations: Record<string, string> } }).metadata.annotations;

  it('built-in prompt: type to filter, Enter picks; the copy targets the picked container', async () => {
    const input = new PassThrough();
    const run = startCli(['-A', '--dry-run=client', '-o', 'json'], {
      kubeconfig: fake.kubeconfigPath,
      stdin: input,
      stdinIsTTY: true,
      stderrIsTTY: true,
    });
    await run.waitForStderr('dead container> ');
    input.write('heap');
    input.write('\r');
    const result = await run.done;
    assert.equal(result.code, 0, result.stderr);
    assert.equal(annotationsOf(result.stdout)['debug.dead/source'], 'monitoring/heapster');
    assert.equal(annotationsOf(result.stdout)['debug.dead/container'], 'heapster');
    assert.deepEqual(
      fake.requests.map((request) => `${request.method} ${request.path}`),
      [
        'GET /api/v1/pods',
        'GET /apis/batch/v1/jobs',
        'GET /apis/batch/v1/cronjobs',
        'GET /api/v1/namespaces/monitoring/pods/heapster',
      ],
    );
  });

  it('fzf on PATH: rows go in as "<index>\\t<row>", the chosen line comes back', async () => {
    const record = path.join(dir, 'fzf');
    const result = await startCli(['-A', '--dry-run=client', '-o', 'json'], {
      kubeconfig: fake.kubeconfigPath,
      stdinIsTTY: true,
      stderrIsTTY: true,
      searchPath: path.join(dir, 'bin'),
      childEnv: { PATH: `${path.join(dir, 'bin')}:/usr/bin:/bin`, RECORD: record, FZF_PICK: '2' },
    }).done;
    assert.equal(result.code, 0, result.stderr);
    assert.equal(annotationsOf(result.stdout)['debug.dead/source'], 'shop/web-7d4b9c8f6d-x2k9p');
    assert.equal(
      await readFile(`${record}.input`, 'utf8'),
      '0\tmonitoring   heapster               heapster    Waiting   CrashLoopBackOff   4          1\n' +
        '1\tshop         web-7d4b9c8f6d-x2k9p   app         Waiting   CrashLoopBackOff   17         2\n',
    );
    assert.deepEqual((await readFile(`${record}.args`, 'utf8')).trimEnd().split('\n'), [
      '--delimiter=\t',
      '--with-nth=2..',
      '--no-multi',
      '--layout=reverse',
      '--height=40%',
      '--prompt=dead container> ',
      '--header=NAMESPACE    POD                    CONTAINER   STATE     REASON             RESTARTS   LAST EXIT',
    ]);
  });

  it('fzf cancelled (Esc): exit 2, nothing created', async () => {
    const result = await startCli(['-A'], {
      kubeconfig: fake.kubeconfigPath,
      stdinIsTTY: true,
      stderrIsTTY: true,
      searchPath: path.join(dir, 'bin'),
      childEnv: { PATH: `${path.join(dir, 'bin')}:/usr/bin:/bin`, RECORD: path.join(dir, 'fzf2'), FZF_EXIT: '130' },
    }).done;
    assert.equal(result.code, 2);
    assert.equal(result.stderr, 'error: nothing chosen: name a POD, or run again and pick a container\n');
    assert.deepEqual(
      fake.requests.map((request) => request.method),
      ['GET', 'GET', 'GET'],
      'the pods, Jobs and CronJobs were read; nothing was created',
    );
  });

  it('nothing dead in the namespace: exit 2 suggesting -A', async () => {
    fake.pods.clear();
    const result = await startCli(['-n', 'empty'], {
      kubeconfig: fake.kubeconfigPath,
      stdinIsTTY: true,
      stderrIsTTY: true,
    }).done;
    assert.equal(result.code, 2);
    assert.equal(
      result.stderr,
      'error: no container that is not running in namespace "empty": name a POD, or use -A to look in every namespace\n',
    );
  });
});
