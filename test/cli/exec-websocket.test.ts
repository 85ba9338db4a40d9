/**
 * --exec with no kubectl on PATH: the shell opens through the client library's websocket exec, against the
 * fake API server's pods/exec endpoint (fake-exec.ts). What goes over the wire (the command, the container,
 * the stream flags, stdin byte for byte) and what comes back (stdout, stderr, the exit status), and every way
 * the session can end: a status, a dropped connection, a refused upgrade, Ctrl-C.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { after, afterEach, before, beforeEach, describe, it } from 'node:test';
import { shellCommand } from '../../src/cli/text/report.js';
import { findExecutable } from '../../src/cli/picker/which.js';
import type { JsonObject } from '../../src/mutation/index.js';
import { FakeApiServer, defaultKubelet } from './fake-apiserver.js';
import { CHANNEL, EXEC_SUCCESS, V4, V5, execExitCode, exitAtOnce, type ExecSession } from './fake-exec.js';
import { deploymentPod } from './fixtures.js';
import { startCli, type RunHandle, type RunOptions, type RunResult } from './harness.js';
import { COPY, SOURCE } from './scenarios.js';

const NS = 'shop';
const POD_PATH = `/api/v1/namespaces/${NS}/pods`;
const EXEC_PATH = `${POD_PATH}/${COPY}/exec`;
/** The shell the report tells users to open (report.ts shellCommand), after `--`. */
const SHELL = ['/debug-dead/busybox', 'env', 'ENV=/debug-dead/.profile', '/debug-dead/busybox', 'sh'];
const CLEAN = `kubectl debugdead clean -n ${NS} ${COPY}`;
/** Every wait in this file ends: a CLI that hangs fails the test instead of stalling the run. */
const BOUND_MS = 15_000;
const ROOT = path.join(import.meta.dirname, '..', '..');
const SCRIPT = '/usr/bin/script';

interface ProcessResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * The real entry point (src/cli/main.ts through tsx: process.stdin/stdout, no harness) in a child process.
 * `input` is written to its stdin, which is then closed; otherwise `react` sees stdout so far and may type.
 * Killed after BOUND_MS.
 */
function runProcess(
  command: string,
  args: string[],
  env: Record<string, string>,
  io: { input: string } | { react: (stdout: string, write: (text: string) => void) => void },
): Promise<ProcessResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: ROOT, env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), BOUND_MS);
    const write = (text: string): void => {
      child.stdin.write(text);
    };
    if ('input' in io) child.stdin.end(io.input);
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
      if ('react' in io) io.react(stdout, write);
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

const MAIN = [process.execPath, '--import', 'tsx', path.join(ROOT, 'src', 'cli', 'main.ts')];

async function within<T>(promise: Promise<T>, what: string, ms = BOUND_MS): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not finish within ${ms} ms (a hang)`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** A stdin that stays open until the test ends it (a terminal, or a pipe whose writer is still there). */
function openStdin(tty = false): PassThrough & { rawModes: boolean[]; setRawMode?: (mode: boolean) => unknown } {
  const stream = new PassThrough() as PassThrough & { rawModes: boolean[]; setRawMode?: (mode: boolean) => unknown };
  stream.rawModes = [];
  if (tty) {
    stream.setRawMode = (mode: boolean) => {
      stream.rawModes.push(mode);
      return stream;
    };
  }
  return stream;
}

describe('--exec without kubectl: the websocket exec, against the fake API server', () => {
  let fake: FakeApiServer;
  let dir: string;
  /** A PATH with no kubectl on it. */
  let bin: string;

  const start = (argv: string[], options: RunOptions = {}): RunHandle =>
    startCli(argv, { kubeconfig: fake.kubeconfigPath, searchPath: bin, childEnv: { PATH: bin }, ...options });
  const run = (argv: string[], options: RunOptions = {}): Promise<RunResult> =>
    within(start(argv, options).done, `kubectl-debugdead ${argv.join(' ')}`);

  /** The exec session the fake accepted (bounded). */
  function nextSession(): Promise<ExecSession> {
    return new Promise((resolve, reject) => {
      const script = fake.exec;
      fake.exec = (session) => {
        resolve(session);
        return script(session);
      };
      setTimeout(() => reject(new Error('no exec connection reached the fake')), BOUND_MS).unref();
    });
  }

  function copies(): JsonObject[] {
    return fake.podsWithLabel('debug.dead/copy-of');
  }
  function requestLines(): string[] {
    return fake.requests.map((request) => `${request.method} ${request.path}`);
  }

  before(async () => {
    fake = await FakeApiServer.start();
    dir = await mkdtemp(path.join(tmpdir(), 'debugdead-exec-ws-'));
    bin = path.join(dir, 'bin');
    await mkdir(bin);
    // No kubectl on the search path: the library path is the one under test.
    assert.equal(findExecutable('kubectl', bin), undefined);
  });
  after(async () => {
    await fake.close();
    await rm(dir, { recursive: true, force: true });
  });
  beforeEach(() => {
    fake.pods.clear();
    fake.events.length = 0;
    fake.failures.length = 0;
    fake.kubelet = defaultKubelet;
    fake.exec = exitAtOnce;
    fake.execProtocols = [V5, V4];
    fake.holdExecUpgrades = false;
    fake.execRequests.length = 0;
    fake.execSessions.length = 0;
    fake.execErrors.length = 0;
    fake.addNamespace(NS, { 'debug.dead/enable': 'true' });
    fake.addPod(deploymentPod());
    fake.requests.length = 0;
  });
  afterEach(() => {
    assert.deepEqual(fake.execErrors, [], 'a fake exec script failed');
  });

  it('runs the printed shell command in the target container; stdin goes in, stdout and stderr come out', async () => {
    fake.exec = async (session) => {
      const input = await session.stdinUntilEnd();
      session.stdout(Buffer.concat([Buffer.from('you said: '), input]));
      session.stderr('sh: a warning from the shell\n');
      session.status(EXEC_SUCCESS);
      session.close();
    };
    const stdin = 'echo héllo ✓\nexit\n';
    const result = await run([SOURCE, '-n', NS, '--exec'], { stdin });
    assert.equal(result.code, 0, result.stderr);

    // The very command users are told to run, as argv, in the container that is kept alive.
    const printed = shellCommand(NS, COPY, 'app', '/debug-dead', []);
    assert.deepEqual(printed.slice(printed.indexOf('--') + 1), SHELL);
    assert.ok(result.stdout.includes(`\n  kubectl exec -it -n ${NS} ${COPY} -c app -- ${SHELL.join(' ')}\n`));
    assert.equal(fake.execRequests.length, 1);
    const [request] = fake.execRequests;
    assert.equal(request?.path, EXEC_PATH);
    assert.deepEqual(request.query, {
      command: SHELL,
      container: ['app'],
      // stdin is not a terminal: no TTY, stdin still attached (as kubectl exec -i).
      stdin: ['true'],
      stdout: ['true'],
      stderr: ['true'],
      tty: ['false'],
    });
    assert.deepEqual(request.protocols.slice(0, 2), [V5, V4]);
    assert.equal(request.protocol, V5);
    assert.equal(request.authorization, `Bearer ${fake.token}`);

    // stdin arrived byte for byte, then its end as a v5 close-channel frame.
    const session = fake.execSessions[0]!;
    assert.deepEqual(session.stdin(), Buffer.from(stdin, 'utf8'));
    assert.ok(
      session.received.some((frame) => frame.channel === CHANNEL.close && frame.data.equals(Buffer.from([0]))),
      'stdin end sent as [255, 0]',
    );
    assert.ok(result.stdout.endsWith(`you said: ${stdin}`), result.stdout);
    assert.ok(result.stderr.includes('sh: a warning from the shell\n'), result.stderr);
    assert.ok(!result.stderr.includes('note:'), 'exit 0 is not remarked on');
    assert.ok(!result.stderr.includes('error:'), result.stderr);
    // Without --rm the copy stays.
    assert.equal(copies().length, 1);
    assert.ok(!requestLines().some((line) => line.startsWith('DELETE')));
  });

  it('a non-zero exit of the shell: noted, the CLI still succeeds, the copy stays', async () => {
    fake.exec = async (session) => {
      await session.stdinUntilEnd();
      session.stderr('sh: oops: not found\n');
      session.status(execExitCode(3));
      session.close();
    };
    const result = await run([SOURCE, '-n', NS, '--exec'], { stdin: 'oops\n' });
    assert.equal(result.code, 0, result.stderr);
    assert.ok(result.stderr.endsWith('sh: oops: not found\nnote: the shell exited with code 3\n'), result.stderr);
    assert.equal(copies().length, 1);
  });

  for (const [label, status, note] of [
    ['exit 0', EXEC_SUCCESS, undefined],
    ['exit 3', execExitCode(3), 'note: the shell exited with code 3\n'],
  ] as const) {
    it(`--rm deletes the copy once the websocket shell has ended (${label})`, async () => {
      const seen = { uid: undefined as unknown, requestsBeforeStatus: -1 };
      fake.exec = async (session) => {
        seen.uid = (fake.getPod(NS, COPY)?.metadata as JsonObject | undefined)?.uid;
        await session.stdinUntilEnd();
        seen.requestsBeforeStatus = fake.requests.length;
        session.status(status);
        session.close();
      };
      const result = await run([SOURCE, '-n', NS, '--exec', '--rm'], { stdin: 'exit\n' });
      assert.equal(result.code, 0, result.stderr);
      if (note === undefined) assert.ok(!result.stderr.includes('note:'), result.stderr);
      else assert.ok(result.stderr.endsWith(note), result.stderr);
      assert.ok(result.stdout.includes(`pod "${COPY}" deleted\n`), result.stdout);
      assert.deepEqual(requestLines().slice(-2), [`GET ${EXEC_PATH}`, `DELETE ${POD_PATH}/${COPY}`]);
      assert.equal(typeof seen.uid, 'string');
      // That very copy: the uid it had while the shell ran.
      assert.deepEqual((fake.requests.at(-1)?.body as JsonObject).preconditions, { uid: seen.uid });
      // Not while the shell ran: the DELETE arrived after the status was sent.
      assert.equal(seen.requestsBeforeStatus, fake.requests.length - 1);
      assert.deepEqual(copies(), []);
    });
  }

  it('a v4 server, a stdin still open: the session works on the older subprotocol', async () => {
    fake.execProtocols = [V4];
    fake.exec = async (session) => {
      await session.stdinContains('exit 3\n');
      session.stdout('bye\n');
      session.status(execExitCode(3));
      session.close();
    };
    const stdin = openStdin();
    stdin.write('exit 3\n');
    try {
      const result = await run([SOURCE, '-n', NS, '--exec'], { stdin });
      assert.equal(result.code, 0, result.stderr);
      assert.equal(fake.execRequests[0]?.protocol, V4);
      assert.ok(result.stdout.endsWith('bye\n'));
      assert.ok(result.stderr.endsWith('note: the shell exited with code 3\n'), result.stderr);
    } finally {
      stdin.end();
    }
  });

  it('the session over, stdin is let go: no listener left, not flowing (a real process can exit)', async () => {
    fake.exec = async (session) => {
      await session.stdinContains('exit\n');
      session.status(EXEC_SUCCESS);
      session.close();
    };
    const stdin = openStdin();
    stdin.write('exit\n');
    try {
      const result = await run([SOURCE, '-n', NS, '--exec'], { stdin });
      assert.equal(result.code, 0, result.stderr);
      assert.equal(stdin.listenerCount('data'), 0, 'a data listener still reads stdin');
      assert.notEqual(stdin.readableFlowing, true, 'stdin still flowing');
    } finally {
      stdin.end();
    }
  });

  it('a status followed by an abrupt drop: the status decides', async () => {
    fake.exec = async (session) => {
      await session.stdinUntilEnd();
      session.status(execExitCode(7));
      session.drop();
    };
    const result = await run([SOURCE, '-n', NS, '--exec'], { stdin: 'exit 7\n' });
    assert.equal(result.code, 0, result.stderr);
    assert.ok(result.stderr.endsWith('note: the shell exited with code 7\n'), result.stderr);
  });

  const lost =
    `error: the connection to the shell in ${NS}/${COPY} closed before the shell reported how it ended ` +
    `(the API server, a proxy or the network cut it). The copy is left in place; delete it with: ${CLEAN}\n`;

  it('a connection dropped without a status, stdin still open: no hang, reported, and --rm keeps the copy', async () => {
    fake.exec = async (session) => {
      await session.stdinContains('ls\n');
      session.stdout('bin  etc\n');
      session.drop();
    };
    const stdin = openStdin();
    stdin.write('ls\n');
    try {
      const result = await run([SOURCE, '-n', NS, '--exec', '--rm'], { stdin });
      assert.equal(result.code, 1);
      assert.ok(result.stdout.endsWith('bin  etc\n'));
      assert.ok(result.stderr.endsWith(lost), result.stderr);
      assert.ok(!requestLines().some((line) => line.startsWith('DELETE')), 'nothing deleted');
      assert.equal(copies().length, 1);
      assert.equal(stdin.listenerCount('data'), 0);
    } finally {
      stdin.end();
    }
  });

  it('a clean websocket close without a status is a lost session too, not a success', async () => {
    fake.exec = async (session) => {
      await session.stdinUntilEnd();
      session.close();
    };
    const result = await run([SOURCE, '-n', NS, '--exec'], { stdin: 'exit\n' });
    assert.equal(result.code, 1);
    assert.ok(result.stderr.endsWith(lost), result.stderr);
  });

  it('a v4 server and a stdin that ends: the library must close the connection; said so, no hang', async () => {
    fake.execProtocols = [V4];
    fake.exec = async (session) => {
      await session.stdinUntilEnd();
    };
    const result = await run([SOURCE, '-n', NS, '--exec'], { stdin: 'ls\n' });
    assert.equal(result.code, 1);
    const session = fake.execSessions[0]!;
    assert.ok(session.clientCloseFrame, 'the client closed the websocket at the end of stdin');
    assert.deepEqual(session.stdin(), Buffer.from('ls\n'));
    assert.ok(
      result.stderr.endsWith(
        `error: the connection to the shell in ${NS}/${COPY} closed before the shell reported how it ended: stdin ended, ` +
          `and the API server speaks ${V4}, which cannot pass the end of input on without closing the connection ` +
          '(Kubernetes 1.30 and later can, and so can kubectl on PATH). ' +
          `The copy is left in place; delete it with: ${CLEAN}\n`,
      ),
      result.stderr,
    );
  });

  it('a refused upgrade (403 on pods/exec): translated, names create on pods/exec; --rm keeps the copy', async () => {
    fake.fail({
      method: 'GET',
      path: /\/exec$/,
      status: 403,
      reason: 'Forbidden',
      message: `pods "${COPY}" is forbidden: User "dev" cannot create resource "pods/exec" in API group "" in the namespace "shop"`,
    });
    const result = await run([SOURCE, '-n', NS, '--exec', '--rm'], { stdin: '' });
    assert.equal(result.code, 1);
    assert.ok(
      result.stderr.endsWith(
        `error: forbidden: context "fake" may not create pods/exec in namespace "shop". Ask for RBAC permission to "create" ` +
          `"pods/exec" in namespace "shop" (a Role and RoleBinding). The API server said: Unexpected server response: 403. ` +
          `The copy is left in place; delete it with: ${CLEAN}\n`,
      ),
      result.stderr,
    );
    assert.equal(fake.execRequests.length, 1);
    assert.deepEqual(fake.execSessions, []);
    assert.equal(copies().length, 1);
  });

  it('a failure status without an exit code (the shell could not start): its message, exit 1', async () => {
    const message =
      'Internal error occurred: error executing command in container: failed to exec in container: ' +
      'exec: "/debug-dead/busybox": stat /debug-dead/busybox: no such file or directory';
    fake.exec = (session) => {
      session.status({ metadata: {}, status: 'Failure', message, reason: 'InternalError', code: 500 });
      session.close();
    };
    const result = await run([SOURCE, '-n', NS, '--exec', '--rm'], { stdin: '' });
    assert.equal(result.code, 1);
    assert.ok(
      result.stderr.endsWith(
        `error: cannot open a shell in ${NS}/${COPY}: ${message}. The copy is left in place; delete it with: ${CLEAN}\n`,
      ),
      result.stderr,
    );
    assert.equal(copies().length, 1);
  });

  it('a terminal: tty=true, raw mode on during the session and off after', async () => {
    const stdin = openStdin(true);
    const rawDuringSession: boolean[] = [];
    fake.exec = async (session) => {
      rawDuringSession.push(stdin.rawModes.at(-1) === true);
      await session.stdinContains('exit\r');
      session.status(EXEC_SUCCESS);
      session.close();
    };
    stdin.write('exit\r');
    try {
      const result = await run([SOURCE, '-n', NS, '--exec'], { stdin, stdinIsTTY: true });
      assert.equal(result.code, 0, result.stderr);
      const [request] = fake.execRequests;
      assert.deepEqual(request?.query.tty, ['true']);
      assert.deepEqual(request.query.stdin, ['true']);
      assert.deepEqual(rawDuringSession, [true]);
      assert.deepEqual(stdin.rawModes, [true, false]);
    } finally {
      stdin.end();
    }
  });

  it('a terminal and a dropped connection: raw mode is restored all the same', async () => {
    const stdin = openStdin(true);
    fake.exec = (session) => {
      session.drop();
    };
    try {
      const result = await run([SOURCE, '-n', NS, '--exec'], { stdin, stdinIsTTY: true });
      assert.equal(result.code, 1);
      assert.deepEqual(stdin.rawModes, [true, false]);
    } finally {
      stdin.end();
    }
  });

  it('a terminal and a refused upgrade: raw mode is restored all the same', async () => {
    const stdin = openStdin(true);
    fake.fail({ method: 'GET', path: /\/exec$/, status: 403, reason: 'Forbidden', message: 'forbidden' });
    try {
      const result = await run([SOURCE, '-n', NS, '--exec'], { stdin, stdinIsTTY: true });
      assert.equal(result.code, 1);
      assert.deepEqual(stdin.rawModes, [true, false]);
    } finally {
      stdin.end();
    }
  });

  it('Ctrl-C (no terminal) ends a session that never ends: the connection is closed, --rm applies', async () => {
    fake.exec = () => undefined;
    const accepted = nextSession();
    const stdin = openStdin();
    try {
      const handle = start([SOURCE, '-n', NS, '--exec', '--rm'], { stdin });
      const session = await accepted;
      assert.ok(handle.interrupt(), 'someone listens for Ctrl-C during the session');
      const result = await within(handle.done, 'the interrupted CLI');
      assert.equal(result.code, 0, result.stderr);
      assert.ok(result.stderr.endsWith('note: the shell exited with code 130\n'), result.stderr);
      await session.connectionClosed();
      assert.deepEqual(requestLines().slice(-2), [`GET ${EXEC_PATH}`, `DELETE ${POD_PATH}/${COPY}`]);
      assert.equal(stdin.listenerCount('data'), 0);
    } finally {
      stdin.end();
    }
  });

  it('Ctrl-C while the upgrade is never answered: the wait ends (ws has no handshake timeout)', async () => {
    fake.holdExecUpgrades = true;
    const handle = start([SOURCE, '-n', NS, '--exec'], { stdin: '' });
    try {
      await within(
        (async () => {
          while (fake.execRequests.length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
        })(),
        'the exec request',
      );
      assert.ok(handle.interrupt(), 'someone listens for Ctrl-C while the upgrade is pending');
      const result = await within(handle.done, 'the interrupted CLI');
      assert.equal(result.code, 0, result.stderr);
      assert.ok(result.stderr.endsWith('note: the shell exited with code 130\n'), result.stderr);
      assert.deepEqual(fake.execSessions, [], 'no session was ever opened');
    } finally {
      fake.dropExecConnections();
    }
  });

  it('the exec request carries --context/--kubeconfig choices: the server and token of that context', async () => {
    const result = await run([SOURCE, '-n', NS, '--exec', '--kubeconfig', fake.kubeconfigPath, '--context', 'fake'], {
      kubeconfig: undefined,
    });
    assert.equal(result.code, 0, result.stderr);
    const [request] = fake.execRequests;
    assert.equal(request?.authorization, `Bearer ${fake.token}`);
    assert.equal(request.path, EXEC_PATH);
  });
});

describe('--exec without kubectl, the real process (main.ts, process.stdin/stdout)', () => {
  let fake: FakeApiServer;
  let dir: string;
  let env: Record<string, string>;

  before(async () => {
    fake = await FakeApiServer.start();
    dir = await mkdtemp(path.join(tmpdir(), 'debugdead-exec-proc-'));
    const bin = path.join(dir, 'bin');
    await mkdir(bin);
    env = { PATH: bin, KUBECONFIG: fake.kubeconfigPath, HOME: dir, TERM: 'xterm' };
  });
  after(async () => {
    await fake.close();
    await rm(dir, { recursive: true, force: true });
  });
  beforeEach(() => {
    fake.pods.clear();
    fake.execRequests.length = 0;
    fake.execSessions.length = 0;
    fake.execErrors.length = 0;
    fake.addNamespace(NS, { 'debug.dead/enable': 'true' });
    fake.addPod(deploymentPod());
  });
  afterEach(() => {
    assert.deepEqual(fake.execErrors, [], 'a fake exec script failed');
  });

  it('pipes: stdin in, stdout out, and the CLI still writes to its stdout after the shell (--rm)', async () => {
    fake.exec = async (session) => {
      const input = await session.stdinUntilEnd();
      session.stdout(Buffer.concat([Buffer.from('you said: '), input]));
      session.status(execExitCode(3));
      session.close();
    };
    const result = await runProcess(MAIN[0]!, [...MAIN.slice(1), SOURCE, '-n', NS, '--exec', '--rm'], env, {
      input: 'echo real\n',
    });
    assert.equal(result.code, 0, result.stderr);
    const copy = /\/pods\/([^/]+)\/exec$/.exec(fake.execRequests[0]?.path ?? '')?.[1] ?? '';
    assert.match(copy, /^debug-web-7d4b9c8f6d-x2k9p-[a-z0-9]{5}$/);
    // In order on the one stdout: the shell's output, then the CLI's own line after the shell ended.
    assert.ok(result.stdout.endsWith(`you said: echo real\npod "${copy}" deleted\n`), result.stdout);
    assert.ok(result.stderr.endsWith('note: the shell exited with code 3\n'), result.stderr);
    assert.deepEqual(fake.podsWithLabel('debug.dead/copy-of'), []);
  });

  it(
    'a real terminal: tty=true, raw keys (CR and Ctrl-C reach the shell as bytes), a resize frame',
    { skip: !existsSync(SCRIPT) && `${SCRIPT} is not installed` },
    async () => {
      fake.exec = async (session) => {
        session.stdout('PROMPT$ ');
        await session.stdinContains('exit\r');
        session.status(EXEC_SUCCESS);
        session.close();
      };
      let typed = false;
      const command = MAIN.map((arg) => `'${arg}'`).join(' ') + ` ${SOURCE} -n ${NS} --exec`;
      const result = await runProcess(SCRIPT, ['-qfec', command, '/dev/null'], env, {
        react: (stdout, write) => {
          if (!typed && stdout.includes('PROMPT$ ')) {
            typed = true;
            write('\x03');
            write('exit\r');
          }
        },
      });
      assert.equal(result.code, 0, result.stdout + result.stderr);
      assert.deepEqual(fake.execRequests[0]?.query.tty, ['true']);
      const session = fake.execSessions[0]!;
      // Raw mode: no line discipline in between (cooked mode would turn CR into LF and Ctrl-C into SIGINT).
      assert.deepEqual(session.stdin(), Buffer.from('\x03exit\r'));
      const resize = session.received.find((frame) => frame.channel === CHANNEL.resize);
      assert.ok(resize, 'the terminal size was sent on channel 4');
      const size = JSON.parse(resize.data.toString('utf8')) as { width?: unknown; height?: unknown };
      assert.equal(typeof size.width, 'number');
      assert.equal(typeof size.height, 'number');
    },
  );
});
