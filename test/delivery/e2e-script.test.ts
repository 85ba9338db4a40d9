/**
 * The kind e2e (make e2e) cannot run here (no Docker engine, no kind): these tests check that its scripts
 * parse, that it skips with a printed reason and exit 0 where a tool is missing (and fails instead under
 * E2E_REQUIRED=1), that it reads the tools image from the built code, that it runs the steps the real node
 * runs through the in-cluster Service (test/node/journey.test.ts), and that its fixtures are the journey's.
 */
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, it } from 'node:test';
import { promisify } from 'node:util';
import { DEFAULT_TOOLS_IMAGE } from '../../src/mutation/config.js';
import { e2eWorkloads, E2E_SKIPPED_NAMESPACES } from '../e2e/workloads.js';
import { IMAGES } from '../node/images.js';
import { WORKLOADS } from '../node/workloads.js';
import { ROOT } from './render.js';
import { schemaErrors, type KubeObject } from './schema.js';

const run = promisify(execFile);
const E2E = path.join(ROOT, 'test', 'e2e');
const SCRIPTS = ['run.sh', 'journey.sh', 'kind.sh'].map((name) => path.join(E2E, name));

function has(command: string, args: string[]): boolean {
  try {
    execFileSync(command, args, { stdio: 'ignore', timeout: 20_000 });
    return true;
  } catch {
    return false;
  }
}

async function e2e(env: NodeJS.ProcessEnv): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run('bash', [path.join(E2E, 'run.sh')], {
      cwd: ROOT,
      env: { ...process.env, ...env },
      timeout: 60_000,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failure = error as { code?: number; stdout?: string; stderr?: string };
    return { code: failure.code ?? -1, stdout: failure.stdout ?? '', stderr: failure.stderr ?? '' };
  }
}

describe('test/e2e (kind)', () => {
  it('its scripts are valid bash', async () => {
    for (const script of SCRIPTS) await run('bash', ['-n', script], { timeout: 20_000 });
  });

  it(
    'its scripts pass shellcheck',
    { skip: has('shellcheck', ['--version']) ? false : 'shellcheck is not installed (apt-get install shellcheck)' },
    async () => {
      await run('shellcheck', SCRIPTS, { timeout: 60_000 });
    },
  );

  it('skips with a printed reason and exit 0 when kind or docker is missing', async () => {
    const noKind = await e2e({ KIND: '/nonexistent/kind' });
    assert.equal(noKind.code, 0);
    assert.match(noKind.stdout, /^e2e: SKIPPED: kind is not installed/m);
    const noDocker = await e2e({ DOCKER: '/nonexistent/docker' });
    assert.equal(noDocker.code, 0);
    assert.match(noDocker.stdout, /^e2e: SKIPPED: docker is not installed/m);
  });

  it('fails instead of skipping under E2E_REQUIRED=1', async () => {
    const required = await e2e({ KIND: '/nonexistent/kind', E2E_REQUIRED: '1' });
    assert.equal(required.code, 1);
    assert.match(required.stderr, /e2e: FAILED: kind is not installed/);
  });

  const dockerAndKind = has('docker', ['info']) && has('kind', ['version']);
  it(
    'skips on this machine, saying why',
    { skip: dockerAndKind ? 'Docker and kind are available: run make e2e for the real thing' : false },
    async () => {
      const result = await e2e({});
      assert.equal(result.code, 0, result.stderr);
      assert.match(
        result.stdout,
        /^e2e: SKIPPED: (docker is not installed|kind is not installed|no Docker engine|kubectl)/m,
      );
    },
  );

  it(
    'loads the tools image the built webhook defaults to',
    {
      skip: existsSync(path.join(ROOT, 'dist', 'mutation', 'config.js')) ? false : 'dist/ is not built (npm run build)',
    },
    async () => {
      const { stdout } = await run('bash', [path.join(E2E, 'kind.sh'), 'tools-image'], { cwd: ROOT, timeout: 60_000 });
      assert.equal(stdout.trim(), DEFAULT_TOOLS_IMAGE);
    },
  );

  it('drives the whole scenario of the issue', async () => {
    const script =
      (await readFile(path.join(E2E, 'run.sh'), 'utf8')) + (await readFile(path.join(E2E, 'journey.sh'), 'utf8'));
    for (const step of [
      /"\$DOCKER" build -t "\$IMAGE" \./,
      /kind\.sh up "\$CLUSTER" "\$IMAGE"/,
      /k apply -k manifests\//,
      /wait --for=condition=complete job\/debugdead-tls-bootstrap/,
      /rollout status deployment\/debugdead-webhook/,
      /label namespace "\$NS" debug\.dead\/enable=true/,
      /test\/e2e\/workloads\.ts "\$PREFIX"/,
      /CrashLoopBackOff/,
      /debugdead "\$SOURCE" -n "\$ns"$/m,
      /livenessProbe readinessProbe startupProbe/,
      /\/debug-dead\/rerun/,
      /shell_says "rerun exit=\$CRASH_EXIT_CODE"/,
      /persistentVolumeClaim/,
      /script -qfec .*--exec --rm/,
      /plain_pod plain ''/,
      /debugdead clean --all/,
      /k delete -k manifests\//,
    ])
      assert.match(script, step);
    assert.match(script, /trap finish EXIT/, 'cleans up on failure too');
  });

  /** The titles of the tests in `source` between `from` and `to` (the first string of each `void it(`). */
  function testTitles(source: string, from: string, to: string): string[] {
    const start = source.indexOf(from);
    const end = source.indexOf(to, start);
    assert.ok(start >= 0 && end > start, `${from} ... ${to} in journey.test.ts`);
    return [...source.slice(start, end).matchAll(/void it\(\s*(['`])(.*?)\1/gs)].map((match) => match[2] ?? '');
  }

  it('runs each case of the shipped install and of the journey through the in-cluster Service, named as the node names it', async () => {
    const journey = await readFile(path.join(ROOT, 'test', 'node', 'journey.test.ts'), 'utf8');
    const cases = [
      ...testTitles(journey, 'function journey(', "void describe('through the webhook on the host"),
      ...testTitles(journey, "void describe('the shipped install", 'function kernelTunables'),
    ].map((title) => title.replace('${webhook.name}', 'a webhook pod'));
    assert.ok(cases.length >= 15, `the cases: ${cases.join('; ')}`);
    const script = await readFile(path.join(E2E, 'journey.sh'), 'utf8');
    const steps = [...script.matchAll(/^log "(.*)"$/gm)].map((match) => match[1]);
    assert.deepEqual(
      cases.filter((title) => !steps.includes(title)),
      // It needs typing on a terminal as the picker draws (the node's test does it with a pseudo-terminal).
      ['with no POD, the picker on a terminal offers the crash-looping container and copies it'],
      'the e2e runs every other case, as a step of the same name',
    );
  });

  it("its fixtures: the journey's workloads, valid, in the images its Dockerfile builds FROM scratch", async () => {
    const list = e2eWorkloads('debugdead-e2e-');
    const objects = list.items as KubeObject[];
    for (const object of objects) assert.deepEqual(await schemaErrors(object), [], object.kind);
    const used = Object.keys(WORKLOADS).filter((key) => !E2E_SKIPPED_NAMESPACES.includes(key));
    assert.deepEqual(
      objects.filter((object) => object.kind === 'Namespace').map((object) => object.metadata.name),
      used.map((key) => `debugdead-e2e-${key}`),
    );
    assert.deepEqual(
      objects.filter((object) => object.kind !== 'Namespace').map(({ metadata, ...rest }) => ({ ...rest, metadata })),
      used.flatMap((key) =>
        (WORKLOADS[key]?.objects ?? []).map((object) => {
          const { metadata, ...rest } = object as KubeObject;
          return { ...rest, metadata: { ...metadata, namespace: `debugdead-e2e-${key}` } };
        }),
      ),
      'the very objects of the journey, each in its prefixed namespace',
    );
    const run = await readFile(path.join(E2E, 'run.sh'), 'utf8');
    assert.match(
      run,
      new RegExp(
        `^JOURNEY_IMAGES=\\(${[IMAGES.crash, IMAGES.distroless, IMAGES.shellApp].join(' ').replaceAll('.', '\\.')}\\)$`,
        'm',
      ),
      'the e2e builds and loads the images under the names the node uses',
    );
    assert.match(
      await readFile(path.join(E2E, 'journey.sh'), 'utf8'),
      new RegExp(`^CRASH_IMAGE=${IMAGES.crash.replaceAll('.', '\\.')}$`, 'm'),
    );
    const images = objects.flatMap(
      (object) =>
        JSON.stringify(object)
          .match(/"image":"[^"]+"/g)
          ?.map((field) => field.slice(9, -1)) ?? [],
    );
    assert.deepEqual(
      [...new Set(images)].sort(),
      [IMAGES.crash, IMAGES.distroless, IMAGES.shellApp].sort(),
      'every image the workloads use is built by the e2e',
    );
    const dockerfile = await readFile(path.join(E2E, 'crash', 'Dockerfile'), 'utf8');
    assert.match(dockerfile, /^FROM scratch$/m);
    assert.match(dockerfile, /^FROM scratch AS distroless$/m);
    assert.match(dockerfile, /^FROM busybox:1\.37\.0-musl AS shell-app$/m);
    assert.match(await readFile(path.join(E2E, 'crash', 'main.go'), 'utf8'), /os\.Exit\(3\)/);
  });
});
