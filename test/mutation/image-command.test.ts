/**
 * debug.dead/image-command (SPEC §2, §3.2): the argv the runtime ran, by Kubernetes' rules, and rerun running
 * exactly that under the real static busybox: the pod spec's parts after the kubelet's `$(VAR)` expansion,
 * the image's parts literally.
 */
import assert from 'node:assert/strict';
import { spawnSync, type ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { runtimeArgv, type ImageCommand } from '../../src/mutation/image-command.js';
import { DEFAULT_MUTATION_CONFIG, mutatePod, type JsonObject } from '../../src/mutation/index.js';
import { keepAliveCommand } from '../../src/mutation/keep-alive.js';
import { expandKubelet } from '../helpers/kubelet.js';
import {
  busyboxUnavailableReason,
  cleanUp,
  startKeepAlive,
  terminate,
  toolsDirectory,
} from '../helpers/keep-alive-run.js';
import { annotationsOf, pod, spec } from '../helpers/pods.js';

const DIGEST = `sha256:${'0123456789abcdef'.repeat(4)}`;

function image(entrypoint: string[] | null, cmd: string[] | null): ImageCommand {
  return { entrypoint, cmd, digest: DIGEST };
}

describe("the argv the runtime ran: Kubernetes' command/args rules", () => {
  const cases: [string, string[] | null, string[] | null, ImageCommand | undefined, string[] | undefined][] = [
    ['no command, no args: ENTRYPOINT + CMD', null, null, image(['/app'], ['--serve']), ['/app', '--serve']],
    ['no command, args: ENTRYPOINT + args, CMD dropped', null, ['--x'], image(['/app'], ['--serve']), ['/app', '--x']],
    ['empty command and args count as none', [], [], image(['/app'], ['--serve']), ['/app', '--serve']],
    ['command: command + args, image ignored', ['/bin/x'], ['-v'], image(['/app'], ['--serve']), ['/bin/x', '-v']],
    ['command without args: CMD still ignored', ['/bin/x'], null, image(['/app'], ['--serve']), ['/bin/x']],
    ['CMD only', null, null, image(null, ['/bin/sh', '-c', 'run']), ['/bin/sh', '-c', 'run']],
    ['args replace a CMD-only image', null, ['/other'], image(null, ['/bin/sh']), ['/other']],
    ['ENTRYPOINT only', null, null, image(['/app'], null), ['/app']],
    ['an ENTRYPOINT of [""] is none (containerd, Docker)', null, null, image([''], ['/cmd']), ['/cmd']],
    ['neither: nothing to run', null, null, image(null, null), []],
    ['no image command and no command: unknown', null, ['--x'], undefined, undefined],
    ['no image command but a command: known', ['/bin/x'], ['a'], undefined, ['/bin/x', 'a']],
  ];
  for (const [name, command, args, img, expected] of cases) {
    test(name, () =>
      assert.deepEqual(
        runtimeArgv(command, args, img)?.map((part) => part.value),
        expected,
      ),
    );
  }

  test('each part says whether the kubelet expands it (pod spec) or not (image)', () => {
    assert.deepEqual(runtimeArgv(null, ['$(A)'], image(['$(B)'], ['$(C)'])), [
      { spec: false, value: '$(B)' },
      { spec: true, value: '$(A)' },
    ]);
  });
});

describe('the mutation with debug.dead/image-command', () => {
  const imageCommand = JSON.stringify({
    app: { entrypoint: ['/app', '$(HOME)'], cmd: ['--serve', "it's"], digest: DIGEST },
    worker: { entrypoint: ['/worker'], cmd: ['--queue'], digest: DIGEST },
    other: { entrypoint: ['/unused'], cmd: null, digest: DIGEST },
  });
  const containers: JsonObject[] = [
    { name: 'app', image: 'app:1' },
    { name: 'worker', image: 'worker:1', args: ['--queue=$(QUEUE)'] },
    { name: 'tool', image: 'tool:1', command: ['/tool'], args: ['x'] },
    { name: 'plain', image: 'plain:1', args: ['y'] },
  ];
  const input = pod({
    annotations: { 'debug.dead/container': '*', 'debug.dead/image-command': imageCommand },
    spec: { containers },
  });

  test('debug.dead/original records the argv where the image command is known', () => {
    assert.deepEqual(
      JSON.parse(annotationsOf(mutatePod(input, DEFAULT_MUTATION_CONFIG))['debug.dead/original'] ?? ''),
      {
        app: { command: null, args: null, argv: ['/app', '$(HOME)', '--serve', "it's"] },
        worker: { command: null, args: ['--queue=$(QUEUE)'], argv: ['/worker', '--queue=$(QUEUE)'] },
        tool: { command: ['/tool'], args: ['x'] },
        plain: { command: null, args: ['y'] },
      },
    );
  });

  test('the keep-alive runs the image parts escaped for the kubelet, the spec parts as written', () => {
    const result = mutatePod(input, DEFAULT_MUTATION_CONFIG);
    const commands = (spec(result).containers as JsonObject[]).map((container) => container.command);
    const tail = (name: string, mode: string, argv: string[]) => [
      ...keepAliveCommand({ mountPath: '/debug-dead', containerName: name, command: null, args: null }).slice(0, 6),
      mode,
      name,
      ...argv,
    ];
    assert.deepEqual(commands, [
      tail('app', 'command', ['/app', '$$(HOME)', '--serve', "it's"]),
      tail('worker', 'command', ['/worker', '--queue=$(QUEUE)']),
      tail('tool', 'command', ['/tool', 'x']),
      tail('plain', 'entrypoint', ['y']),
    ]);
  });

  const denied: [string, string][] = [
    ['{not json', 'is not JSON'],
    [
      JSON.stringify({ app: { entrypoint: '/app', digest: DIGEST } }),
      'is not valid: container "app" "entrypoint" must be a list of strings or null',
    ],
  ];
  for (const [value, reason] of denied) {
    test(`a malformed value is denied naming the annotation: ${reason}`, () => {
      const result = mutatePod(pod({ annotations: { 'debug.dead/image-command': value } }), DEFAULT_MUTATION_CONFIG);
      assert.deepEqual(result, {
        outcome: 'denied',
        message:
          `annotation debug.dead/image-command: ${JSON.stringify(value.length > 80 ? `${value.slice(0, 77)}...` : value)} ` +
          `${reason}; use JSON per container name: ` +
          '{"entrypoint": [strings] or null, "cmd": [strings] or null, "digest": "sha256:<64 hex digits>"}',
      });
    });
  }
});

/** A program that prints its arguments NUL-terminated, after a START marker. */
const PRINTF = ['/usr/bin/printf', '%s\\0', 'START'];
const awkward = fc.constantFrom(
  "'",
  '"',
  '$',
  '$$',
  '$HOME',
  '$(X)',
  '$$(X)',
  '$(Y',
  '`id`',
  '\\',
  '\n',
  ' ',
  '',
  '*',
  '%s',
  'é',
  '-n',
  '--',
);
const argument = fc.oneof(
  awkward,
  fc.string({ unit: 'binary', maxLength: 10 }).map((text) => text.replaceAll('\0', '')),
  fc.array(awkward, { maxLength: 4 }).map((parts) => parts.join('')),
);
const argvList = fc.array(argument, { maxLength: 4 });

/**
 * Where printf comes from: the spec's command, the image ENTRYPOINT, or the image CMD (no ENTRYPOINT). The
 * rest of each list is hostile text; what the runtime ran is computed here from the rules, independently.
 */
const scenario = fc.oneof(
  fc.record({
    from: fc.constant('command' as const),
    command: argvList,
    args: fc.option(argvList, { nil: null }),
    entrypoint: fc.option(argvList, { nil: null }),
    cmd: fc.option(argvList, { nil: null }),
  }),
  fc.record({
    from: fc.constant('entrypoint' as const),
    command: fc.constant([]),
    args: fc.option(argvList, { nil: null }),
    entrypoint: argvList,
    cmd: fc.option(argvList, { nil: null }),
  }),
  fc.record({
    from: fc.constant('cmd' as const),
    command: fc.constant([]),
    args: fc.constant(null),
    entrypoint: fc.constant(null),
    cmd: argvList,
  }),
);

describe(
  'rerun runs exactly what the runtime ran, under the real static busybox',
  { skip: busyboxUnavailableReason() },
  () => {
    test('for every command, args and image command', async () => {
      const env = { X: 'it\'s $HOME `and` "more"', HOME: '/home/x' };
      const expand = (parts: string[]) => parts.map((part) => expandKubelet(part, env));
      await fc.assert(
        fc.asyncProperty(scenario, async ({ from, command, args, entrypoint, cmd }) => {
          const spec = { command: from === 'command' ? [...PRINTF, ...command] : null, args };
          const img = image(
            from === 'entrypoint' ? [...PRINTF, ...entrypoint] : entrypoint,
            from === 'cmd' ? [...PRINTF, ...cmd] : cmd,
          );
          // What printf printed after START when the runtime ran the container (kubelet expansion on spec parts).
          const expected =
            from === 'command'
              ? expand([...command, ...(args ?? [])])
              : from === 'entrypoint'
                ? [...entrypoint, ...(args !== null && args.length > 0 ? expand(args) : (cmd ?? []))]
                : cmd;
          const directory = toolsDirectory('real');
          let child: ChildProcess | undefined;
          try {
            const keepAlive = keepAliveCommand({ mountPath: directory, containerName: 'app', ...spec, image: img });
            child = await startKeepAlive(directory, { command: keepAlive, env });
            assert.deepEqual(await terminate(child), { code: 0, signal: null });
            const run = spawnSync(path.join(directory, 'rerun'), [], { env: {} });
            const printed = run.stdout.toString('utf8').split('\0');
            assert.equal(printed.pop(), '');
            assert.equal(printed.shift(), 'START');
            assert.deepEqual({ argv: printed, status: run.status }, { argv: expected, status: 0 });
          } finally {
            cleanUp(child);
            rmSync(directory, { recursive: true, force: true });
          }
        }),
        { numRuns: 40 },
      );
    });
  },
);
