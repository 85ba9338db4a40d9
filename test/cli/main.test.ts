/**
 * The built bin (dist/cli/main.js, the bundle scripts/bundle-cli.ts makes, run by Node 24 like a user would): help
 * for every command, exit codes, which modules a command loads, and a real SIGINT during the wait. `npm test` builds
 * first.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, openSync, readFileSync, statSync } from 'node:fs';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { FakeApiServer, pendingStep } from './fake-apiserver.js';
import { deploymentPod } from './fixtures.js';

const ROOT = path.join(import.meta.dirname, '..', '..');
const BIN = path.join(ROOT, 'dist', 'cli', 'main.js');
const HEAPSTER = path.join(ROOT, 'examples', 'heapster-pod.yaml');

/** The bins package.json declares: what `npx kubectl-debugdead` (README) and an installed plugin run. */
function declaredBins(): Record<string, string> {
  const manifest = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
    bin?: Record<string, string>;
  };
  return manifest.bin ?? {};
}

/** The source files (src/...) a chunk of the bundle holds, from its source map. */
async function bundledSources(url: string): Promise<string[]> {
  const file = fileURLToPath(url);
  const map = JSON.parse(await readFile(`${file}.map`, 'utf8')) as { sources: string[] };
  return map.sources.map((source) => path.relative(ROOT, path.resolve(path.dirname(file), source)));
}

interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

function runBin(
  args: string[],
  options: {
    env?: Record<string, string>;
    stdin?: string;
    nodeArgs?: string[];
    onStderr?: (text: string, child: ReturnType<typeof spawn>) => void;
  } = {},
): Promise<Exit> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...(options.nodeArgs ?? []), BIN, ...args], {
      env: { PATH: process.env.PATH ?? '', HOME: tmpdir(), ...options.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
      options.onStderr?.(stderr, child);
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.once('error', reject);
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
    if (options.stdin === undefined) child.stdin.end();
    else child.stdin.end(options.stdin);
  });
}

describe('the kubectl-debugdead binary', () => {
  let dir: string;
  let hook: string;
  before(async () => {
    assert.ok(existsSync(BIN), `${BIN} is missing: run npm run build first`);
    dir = await mkdtemp(path.join(tmpdir(), 'debugdead-bin-'));
    hook = path.join(dir, 'record-modules.mjs');
    const { load } = await import('js-yaml');
    await writeFile(path.join(dir, 'heapster.json'), JSON.stringify(load(await readFile(HEAPSTER, 'utf8'))));
    // Records every module URL the program resolves, and at exit Node's own modules it loaded (as node:NAME). Not
    // ESM imports of node:fs/node:module: those would load modules of their own.
    await writeFile(
      hook,
      "const { registerHooks } = process.getBuiltinModule('node:module');\n" +
        "const { appendFileSync } = process.getBuiltinModule('node:fs');\n" +
        'registerHooks({ resolve(specifier, context, next) { const result = next(specifier, context); ' +
        'appendFileSync(process.env.MODULE_RECORD, result.url + "\\n"); return result; } });\n' +
        "process.on('exit', () => appendFileSync(process.env.MODULE_RECORD, process.moduleLoadList" +
        ".filter((name) => name.startsWith('NativeModule ')).map((name) => `node:${name.slice(13)}\\n`).join('')));\n",
    );
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const helps: { args: string[]; first: string; usage: string }[] = [
    {
      args: ['--help'],
      first: 'Make a debuggable copy of a dead pod',
      usage: '  kubectl debugdead [POD | TYPE/NAME] [-n NAMESPACE] [-c CONTAINER] [options]',
    },
    {
      args: ['-h'],
      first: 'Make a debuggable copy of a dead pod',
      usage: '  kubectl debugdead [POD | TYPE/NAME] [-n NAMESPACE] [-c CONTAINER] [options]',
    },
    {
      args: ['mutate', '--help'],
      first: 'Apply the debug rewrite to a Pod manifest',
      usage: '  kubectl debugdead mutate -f FILENAME [options]',
    },
    {
      args: ['help', 'mutate'],
      first: 'Apply the debug rewrite to a Pod manifest',
      usage: '  kubectl debugdead mutate -f FILENAME [options]',
    },
    {
      args: ['list', '-h'],
      first: 'List the debug copies',
      usage: '  kubectl debugdead list [-n NAMESPACE | -A] [options]',
    },
    {
      args: ['clean', '--help'],
      first: 'Delete debug copies',
      usage: '  kubectl debugdead clean (POD... | --all) [-n NAMESPACE | -A] [options]',
    },
    {
      args: ['-n', 'shop', 'clean', '--help'],
      first: 'Delete debug copies',
      usage: '  kubectl debugdead clean (POD... | --all) [-n NAMESPACE | -A] [options]',
    },
  ];
  for (const help of helps) {
    it(`${help.args.join(' ')}: help with examples, exit 0`, async () => {
      const result = await runBin(help.args);
      assert.equal(result.code, 0, result.stderr);
      assert.equal(result.stderr, '');
      assert.ok(result.stdout.startsWith(help.first), result.stdout.slice(0, 80));
      assert.match(result.stdout, /\nExamples:\n {2}# /);
      assert.match(result.stdout, /\nOptions:\n {4}-/);
      assert.ok(result.stdout.includes(`\nUsage:\n${help.usage}\n`), result.stdout);
    });
  }

  const heavy = ['@kubernetes/client-node', 'express', 'pino', 'prom-client', 'undici', 'node-forge'];
  // Node's own modules that a short command never needs (making process.stdout/stdin, or an ESM import of node:fs
  // or node:util, loads them): output goes out with write(2), built-ins are taken with process.getBuiltinModule.
  const heavyBuiltins = [
    'node:stream',
    'node:net',
    'node:tty',
    'node:internal/fs/promises',
    'node:readline',
    'node:worker_threads',
  ];
  // The bin is a bundle (scripts/bundle-cli.ts): which of our modules a command loads is read from the source maps
  // of the chunks it loads. js-yaml is imported where YAML is read or written, and only there.
  const loads: { args: string[]; forbidden: string[]; required: string[] }[] = [
    {
      args: ['--help'],
      forbidden: [...heavy, ...heavyBuiltins, 'js-yaml', 'src/mutation/mutate.ts', 'src/cli/text/yaml.ts'],
      required: ['src/cli/commands/help.ts'],
    },
    {
      args: ['mutate', '-f', HEAPSTER],
      forbidden: [...heavy, ...heavyBuiltins, 'src/cli/commands/debug.ts', 'src/cli/kube/kube-client.ts'],
      required: ['src/mutation/mutate.ts', 'js-yaml', 'node:vm'],
    },
    {
      args: ['mutate', '-f', 'JSON'],
      forbidden: [...heavy, ...heavyBuiltins],
      required: ['src/mutation/mutate.ts', 'js-yaml'],
    },
    {
      args: ['mutate', '-f', 'JSON', '-o', 'json'],
      forbidden: [...heavy, ...heavyBuiltins, 'js-yaml'],
      required: ['src/mutation/mutate.ts'],
    },
  ];
  for (const load of loads) {
    it(`${load.args.join(' ').replace(ROOT, '.')} loads only what it needs`, async () => {
      const record = path.join(dir, `modules-${load.args.length}-${load.args.at(-1) ?? ''}`.replace(/[^\w.-]/g, '_'));
      const args = load.args.map((arg) => (arg === 'JSON' ? path.join(dir, 'heapster.json') : arg));
      const result = await runBin(args, {
        nodeArgs: ['--import', pathToFileURL(hook).href],
        env: { MODULE_RECORD: record },
      });
      assert.equal(result.code, 0, result.stderr);
      const urls = [...new Set((await readFile(record, 'utf8')).split('\n').filter((line) => line !== ''))];
      const ours = urls.filter((url) => url.startsWith(pathToFileURL(ROOT).href) && !url.includes('/node_modules/'));
      const bundle = pathToFileURL(path.join(ROOT, 'dist', 'cli')).href;
      assert.deepEqual(
        ours.filter((url) => !url.startsWith(`${bundle}/main.js`) && !url.startsWith(`${bundle}/chunks/`)),
        [],
        'the bundle is what runs: no module outside dist/cli/main.js and dist/cli/chunks/',
      );
      const sources = (await Promise.all(ours.map(async (url) => bundledSources(url)))).flat();
      assert.ok(sources.includes('src/cli/main.ts'), sources.join(' '));
      const loaded = (name: string): string[] =>
        name.startsWith('src/')
          ? sources.filter((source) => source === name)
          : name.startsWith('node:')
            ? urls.filter((url) => url === name)
            : urls.filter((url) => url.includes(`/node_modules/${name}/`));
      for (const name of load.forbidden) assert.deepEqual(loaded(name), [], `${name} is not loaded`);
      for (const name of load.required) assert.notDeepEqual(loaded(name), [], `${name} is loaded`);
    });
  }

  it("js-yaml's code cache: written after the first YAML run, used by the next, rewritten when V8 refuses it", async () => {
    const cacheRoot = path.join(dir, 'compile-cache');
    const env = { NODE_COMPILE_CACHE: cacheRoot };
    const cacheFiles = async (): Promise<string[]> =>
      (await readdir(cacheRoot, { recursive: true })).filter((name) => /debugdead-js-yaml-.*\.v8$/.test(name));
    const first = await runBin(['mutate', '-f', HEAPSTER], { env });
    assert.equal(first.code, 0, first.stderr);
    const [cache] = await cacheFiles();
    assert.ok(cache !== undefined, 'the code cache was written');
    const written = await readFile(path.join(cacheRoot, cache));
    const second = await runBin(['mutate', '-f', HEAPSTER], { env });
    assert.deepEqual(second, first, 'the same output from the cache');
    assert.deepEqual(await readFile(path.join(cacheRoot, cache)), written, 'an accepted cache is left as it is');
    await writeFile(path.join(cacheRoot, cache), 'not V8 code cache data');
    const third = await runBin(['mutate', '-f', HEAPSTER], { env });
    assert.deepEqual(third, first, 'a refused cache changes nothing the user sees');
    assert.ok((await readFile(path.join(cacheRoot, cache))).length > 1000, 'and is written again');
  });

  it('mutate reads stdin', async () => {
    const result = await runBin(['mutate', '-f', '-', '-o', 'json'], { stdin: await readFile(HEAPSTER, 'utf8') });
    assert.equal(result.code, 0, result.stderr);
    assert.equal(
      (JSON.parse(result.stdout) as { metadata: { annotations: Record<string, string> } }).metadata.annotations[
        'debug.dead/enable'
      ],
      'true',
    );
  });

  const codes: { args: string[]; env?: Record<string, string>; code: number; stderr: string | RegExp }[] = [
    { args: ['--bogus'], code: 2, stderr: "error: unknown flag: --bogus\nSee 'kubectl debugdead --help' for usage.\n" },
    {
      args: ['mutate', '-f', '/nonexistent.yaml'],
      code: 2,
      stderr: 'error: cannot read -f /nonexistent.yaml: no such file\n',
    },
    {
      args: ['some-pod'],
      code: 1,
      stderr: /^error: no kubeconfig: .*\.kube\/config does not exist and KUBECONFIG is not set\. /,
    },
    {
      args: ['list'],
      env: { KUBECONFIG: '/nonexistent/config' },
      code: 1,
      stderr: /^error: no kubeconfig: none of the files in KUBECONFIG exists \(\/nonexistent\/config\)/,
    },
  ];
  for (const testCase of codes) {
    it(`${testCase.args.join(' ')}: exit ${testCase.code}`, async () => {
      const result = await runBin(testCase.args, { env: { HOME: dir, ...testCase.env } });
      assert.equal(result.code, testCase.code);
      if (typeof testCase.stderr === 'string') assert.equal(result.stderr, testCase.stderr);
      else assert.match(result.stderr, testCase.stderr);
    });
  }

  describe('against the fake API server', () => {
    let fake: FakeApiServer;
    before(async () => {
      fake = await FakeApiServer.start();
      fake.addNamespace('shop', { 'debug.dead/enable': 'true' });
      fake.addPod(deploymentPod());
    });
    after(async () => {
      await fake.close();
    });

    it('a real SIGINT during the wait stops waiting, prints the cleanup command, leaves the copy, exits 1', async () => {
      fake.kubelet = (pod) => [pendingStep(pod)];
      let sent = false;
      const result = await runBin(['web-7d4b9c8f6d-x2k9p', '-n', 'shop'], {
        env: { KUBECONFIG: fake.kubeconfigPath },
        onStderr: (text, child) => {
          if (!sent && text.includes('waiting for')) {
            sent = true;
            child.kill('SIGINT');
          }
        },
      });
      assert.equal(result.code, 1, result.stderr);
      const copy = fake.podsWithLabel('debug.dead/copy-of')[0];
      assert.ok(copy, 'the copy is left');
      const name = (copy.metadata as { name: string }).name;
      assert.match(name, /^debug-web-7d4b9c8f6d-x2k9p-[a-z0-9]{5}$/);
      assert.ok(result.stderr.endsWith(`  Delete it: kubectl debugdead clean -n shop ${name}\n`), result.stderr);
    });
  });

  const systemNode = '/usr/bin/node';
  const systemMajor = existsSync(systemNode)
    ? Number(spawnSync(systemNode, ['-p', 'process.versions.node'], { encoding: 'utf8' }).stdout.split('.')[0])
    : Number.NaN;
  it(
    'an older node on PATH gets a clear message, exit 1',
    { skip: !(systemMajor < 24) && 'no Node < 24 at /usr/bin/node' },
    () => {
      const result = spawnSync(systemNode, [BIN, '--help'], { encoding: 'utf8' });
      assert.equal(result.status, 1);
      assert.equal(result.stdout, '');
      assert.match(
        result.stderr,
        /^error: kubectl-debugdead needs Node\.js 24 or later; the node on your PATH is v\d+\.\d+\.\d+ \(\/usr\/bin\/node\)\. /,
      );
    },
  );

  describe('when stdout cannot be written', () => {
    /** A pod whose mutated YAML is far larger than a pipe's buffer (64 KiB). */
    async function bigPod(): Promise<string> {
      const dir = await mkdtemp(path.join(tmpdir(), 'debugdead-big-'));
      const file = path.join(dir, 'big.json');
      const pod = {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: 'big', annotations: { note: 'y'.repeat(300_000) } },
        spec: { containers: [{ name: 'app', image: 'busybox', command: ['false'] }] },
      };
      await writeFile(file, JSON.stringify(pod));
      return file;
    }

    it('a full disk (ENOSPC on /dev/full): one line on stderr naming standard output, exit 1, no stack trace', async (t) => {
      if (!existsSync('/dev/full')) {
        t.skip('no /dev/full on this machine');
        return;
      }
      const file = await bigPod();
      const result = spawnSync(process.execPath, [BIN, 'mutate', '-f', file], {
        stdio: ['ignore', openSync('/dev/full', 'w'), 'pipe'],
        encoding: 'utf8',
      });
      await rm(path.dirname(file), { recursive: true });
      assert.equal(result.status, 1);
      assert.equal(
        result.stderr,
        'kubectl-debugdead: cannot write to standard output: ENOSPC: no space left on device, write\n',
      );
    });

    it('a reader that goes away (| head -c 10): exit 0, nothing on stderr', async () => {
      const file = await bigPod();
      const result = await new Promise<Exit>((resolve, reject) => {
        const child = spawn(process.execPath, [BIN, 'mutate', '-f', file], { stdio: ['ignore', 'pipe', 'pipe'] });
        let stderr = '';
        child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
        // Read one chunk, then close our end of the pipe: the next write gets EPIPE.
        child.stdout.once('data', () => child.stdout.destroy());
        child.once('error', reject);
        child.once('close', (code, signal) => resolve({ code, signal, stdout: '', stderr }));
      });
      await rm(path.dirname(file), { recursive: true });
      assert.deepEqual(
        { code: result.code, signal: result.signal, stderr: result.stderr },
        { code: 0, signal: null, stderr: '' },
      );
    });
  });

  it('with nothing waiting for Ctrl-C, SIGINT ends the process as usual', async () => {
    const result = await new Promise<Exit>((resolve) => {
      const child = spawn(process.execPath, [BIN, 'mutate', '-f', '-'], { stdio: ['pipe', 'pipe', 'pipe'] });
      setTimeout(() => child.kill('SIGINT'), 300);
      child.once('close', (code, signal) => {
        resolve({ code, signal, stdout: '', stderr: '' });
      });
    });
    assert.equal(result.signal, 'SIGINT');
  });
});

describe('the bins package.json declares, as built', () => {
  const bins = Object.entries(declaredBins());

  it('are kubectl-debugdead, kubectl_complete-debugdead and debugdead-webhook', () => {
    assert.deepEqual(bins.map(([name]) => name).sort(), [
      'debugdead-webhook',
      'kubectl-debugdead',
      'kubectl_complete-debugdead',
    ]);
  });

  for (const [name, file] of bins) {
    // `npx kubectl-debugdead` in the checkout (README) runs the file itself: it needs the mode and the shebang.
    it(`${name}: executable, with a node shebang, and runs by itself (--help exits 0)`, () => {
      const built = path.join(ROOT, file);
      assert.equal(statSync(built).mode & 0o111, 0o111, `${file} must be executable (npm run build sets 755)`);
      assert.equal(readFileSync(built, 'utf8').split('\n')[0], '#!/usr/bin/env node');
      const result = spawnSync(built, ['--help'], {
        encoding: 'utf8',
        env: { PATH: `${path.dirname(process.execPath)}${path.delimiter}${process.env.PATH ?? ''}`, HOME: tmpdir() },
      });
      assert.equal(result.error, undefined);
      assert.equal(result.status, 0, result.stderr);
      if (name === 'kubectl_complete-debugdead') {
        // What kubectl's completion gets for `kubectl debugdead --help<TAB>`: the flag, then Cobra's directive.
        assert.equal(result.stdout, '--help\n:4\n');
        return;
      }
      assert.match(
        result.stdout,
        new RegExp(`Usage:.*${name === 'kubectl-debugdead' ? 'kubectl debugdead' : name}`, 's'),
      );
    });
  }
});
