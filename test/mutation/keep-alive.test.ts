/**
 * The keep-alive really runs: through a real /bin/sh for the quoting property, and through the real static
 * busybox (as PID 1 of its own PID namespace when possible) for applets, rerun, .profile and SIGTERM.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { lstatSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import fc from 'fast-check';
import {
  escapeKubeletExpansion,
  KEEP_ALIVE_SCRIPT,
  keepAliveCommand,
  postStartWait,
  readyMarker,
  type KeepAliveInput,
} from '../../src/mutation/keep-alive.js';
import { expandKubelet } from '../helpers/kubelet.js';
import {
  busyboxUnavailableReason,
  cleanUp,
  startKeepAlive,
  terminate,
  toolsDirectory,
  type StartOptions,
} from '../helpers/keep-alive-run.js';

/** A program that prints its arguments NUL-terminated, after a START marker. */
const PRINT_ARGS = ['/usr/bin/printf', '%s\\0', 'START'];

function decode(stdout: Buffer): string[] {
  const parts = stdout.toString('utf8').split('\0');
  assert.equal(parts.pop(), '', 'output ends with NUL');
  assert.equal(parts.shift(), 'START');
  return parts;
}

/** Runs the keep-alive in a fresh tools directory, hands it to `use`, and always cleans up. */
async function withKeepAlive(
  kind: 'real' | 'stand-in',
  input: Omit<KeepAliveInput, 'mountPath'>,
  options: Omit<StartOptions, 'command'>,
  use: (directory: string, child: ChildProcess) => Promise<void>,
): Promise<void> {
  const directory = toolsDirectory(kind);
  let child: ChildProcess | undefined;
  try {
    child = await startKeepAlive(directory, {
      ...options,
      command: keepAliveCommand({ ...input, mountPath: directory }),
    });
    await use(directory, child);
  } finally {
    cleanUp(child);
    rmSync(directory, { recursive: true, force: true });
  }
}

/** Runs `rerun` with /bin/sh (dash) and returns the argv the original program received. */
function rerunArgv(directory: string, extra: string[] = []): { argv: string[]; status: number | null } {
  const result = spawnSync('/bin/sh', [path.join(directory, 'rerun'), ...extra], { env: {} });
  return { argv: decode(result.stdout), status: result.status };
}

const awkward = fc.constantFrom(
  ...[
    "'",
    "''",
    '"',
    '$',
    '$$',
    '$HOME',
    '`id`',
    '\\',
    '\n',
    ' ',
    '',
    '\t',
    '*',
    '!',
    '%s',
    'é',
    '日本',
    '$(X)',
    '$(Y)',
    '$$(X)',
    '-n',
    '--',
  ],
);
const argument = fc.oneof(
  awkward,
  fc.string({ unit: 'binary', maxLength: 12 }).map((text) => text.replaceAll('\0', '')),
  fc.array(awkward, { maxLength: 4 }).map((parts) => parts.join('')),
);

describe('keep-alive under a real /bin/sh', () => {
  test('rerun reproduces any argv byte for byte, after the same $(VAR) expansion the kubelet did', async () => {
    const env = { X: 'it\'s $HOME `and` "more"', Y: '' };
    await fc.assert(
      fc.asyncProperty(
        fc.array(argument, { maxLength: 6 }),
        fc.array(argument, { maxLength: 3 }),
        async (args, extra) => {
          const input = { containerName: 'app', command: PRINT_ARGS.slice(0, 2), args: ['START', ...args] };
          await withKeepAlive('stand-in', input, { env }, async (directory, child) => {
            assert.deepEqual(await terminate(child), { code: 0, signal: null });
            const expected = args.map((arg) => expandKubelet(arg, env));
            assert.deepEqual(rerunArgv(directory), { argv: expected, status: 0 });
            assert.deepEqual(rerunArgv(directory, extra), { argv: [...expected, ...extra], status: 0 });
          });
        },
      ),
      { numRuns: 60 },
    );
  });

  test('entrypoint mode: without an entrypoint rerun explains and exits 2; with one it appends the args', async () => {
    const args = ['--port', "8080 it's"];
    await withKeepAlive('stand-in', { containerName: 'web', command: null, args }, {}, async (directory, child) => {
      assert.deepEqual(await terminate(child), { code: 0, signal: null });
      const alone = spawnSync('/bin/sh', [path.join(directory, 'rerun')], { encoding: 'utf8' });
      assert.deepEqual(
        { status: alone.status, stdout: alone.stdout, stderr: alone.stderr },
        {
          status: 2,
          stdout: '',
          stderr:
            'debugdead: container web had no command in its pod spec: it ran its image ENTRYPOINT, which is not known here.\n' +
            `Run: ${directory}/rerun ENTRYPOINT   (the image ENTRYPOINT, e.g. from: crane config IMAGE)\n` +
            'It ran with these args, which rerun appends:\n' +
            '  --port\n' +
            "  8080 it's\n",
        },
      );
      assert.deepEqual(rerunArgv(directory, PRINT_ARGS), { argv: args, status: 0 });
    });
  });

  test('entrypoint mode without args says the image CMD applied', async () => {
    await withKeepAlive('stand-in', { containerName: 'web', command: [], args: null }, {}, async (directory, child) => {
      await terminate(child);
      const alone = spawnSync('/bin/sh', [path.join(directory, 'rerun')], { encoding: 'utf8' });
      assert.equal(alone.status, 2);
      assert.match(alone.stderr, /no args either: the image CMD followed the ENTRYPOINT/);
      assert.deepEqual(rerunArgv(directory, PRINT_ARGS), { argv: [], status: 0 });
    });
  });

  test('the script reaches the shell unchanged through kubelet expansion, even with look-alike env names', () => {
    const env = { d: 'x', s: 'y', 'PATH:+$PATH:': 'z', pid: 'w', $: 'v' };
    assert.equal(expandKubelet(escapeKubeletExpansion(KEEP_ALIVE_SCRIPT), env), KEEP_ALIVE_SCRIPT);
  });
});

describe('keep-alive under the real static busybox', { skip: busyboxUnavailableReason() }, () => {
  test('as PID 1: installs applets, writes rerun and .profile, exits 0 on SIGTERM', async (t) => {
    const pid1 = spawnSync('unshare', ['--pid', '--fork', 'true']).status === 0;
    if (!pid1) t.diagnostic('unshare --pid is not permitted here: the keep-alive runs as an ordinary process');
    const input = { containerName: 'app', command: ['/usr/bin/printf', '%s\\0'], args: ['START', 'a b', "c'd"] };
    await withKeepAlive('real', input, { pid1 }, async (directory, child) => {
      for (const applet of ['ls', 'sh', 'vi', 'wget', 'nslookup', 'ps']) {
        assert.ok(lstatSync(path.join(directory, applet)).isSymbolicLink(), `${applet} is a symlink`);
        assert.equal(readlinkSync(path.join(directory, applet)), path.join(directory, 'busybox'));
      }
      assert.equal(lstatSync(path.join(directory, 'rerun')).mode & 0o777, 0o755);
      // Its ready marker, written last; nothing of the temporary names is left.
      assert.deepEqual(
        readdirSync(directory)
          .filter((file) => file.startsWith('.'))
          .sort(),
        ['.profile', '.ready-app'],
      );
      assert.equal(readFileSync(path.join(directory, 'rerun'), 'utf8').split('\n')[0], `#!${directory}/busybox sh`);
      assert.deepEqual(decode(spawnSync(path.join(directory, 'rerun'), [], { env: {} }).stdout), ['a b', "c'd"]);
      const profile = spawnSync(
        path.join(directory, 'busybox'),
        ['sh', '-c', `. ${directory}/.profile; echo "$PATH"; which nslookup`],
        {
          encoding: 'utf8',
          env: { PATH: '/nonexistent' },
        },
      );
      assert.equal(
        profile.stdout,
        `debugdead: busybox tools from ${directory} are on PATH; run ${directory}/rerun to reproduce the crash.\n` +
          `/nonexistent:${directory}\n${directory}/nslookup\n`,
      );
      if (pid1) {
        const unsharePid = String(child.pid);
        const inner = Number(
          readFileSync(`/proc/${unsharePid}/task/${unsharePid}/children`, 'utf8').trim().split(' ')[0],
        );
        const ended = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
        process.kill(inner, 'SIGTERM');
        assert.equal(await ended, 0, 'the keep-alive as PID 1 exits 0 on SIGTERM');
      } else {
        assert.deepEqual(await terminate(child), { code: 0, signal: null });
      }
    });
  });

  test('the postStart hook waits for the ready marker, then exits 0; it exits 0 at once when the marker is there', async () => {
    const directory = toolsDirectory('real');
    try {
      const [file = '', ...args] = (postStartWait(directory, 'app').postStart as { exec: { command: string[] } }).exec
        .command;
      const hook = spawn(file, args, { stdio: 'ignore' });
      const ended = new Promise<number | null>((resolve) => hook.once('exit', (code) => resolve(code)));
      await delay(400);
      assert.equal(hook.exitCode, null, 'still waiting while there is no marker');
      writeFileSync(readyMarker(directory, 'app'), '');
      assert.equal(await ended, 0);
      const again = spawnSync(file, args);
      assert.equal(again.status, 0);
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  });
});

describe('the postStart hook with a busybox that cannot sleep', () => {
  test('it exits 0 at once rather than fail (a failed postStart hook kills the container)', () => {
    const directory = toolsDirectory('stand-in');
    try {
      writeFileSync(
        path.join(directory, 'busybox'),
        '#!/bin/sh\ncase "$1" in sh) shift; exec /bin/sh "$@" ;; esac\nexit 127\n',
      );
      const [file = '', ...args] = (postStartWait(directory, 'app').postStart as { exec: { command: string[] } }).exec
        .command;
      assert.equal(spawnSync(file, args, { timeout: 10_000 }).status, 0);
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  });
});
