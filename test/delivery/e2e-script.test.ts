/**
 * The kind e2e (make e2e) cannot run here (no Docker engine, no kind): these tests check that its scripts
 * parse, that it skips with a printed reason and exit 0 where a tool is missing (and fails instead under
 * E2E_REQUIRED=1), that it reads the tools image from the built code, and that its fixtures are valid.
 */
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, it } from 'node:test';
import { promisify } from 'node:util';
import { loadAll } from 'js-yaml';
import { DEFAULT_TOOLS_IMAGE } from '../../src/mutation/config.js';
import { ROOT } from './render.js';
import { schemaErrors, type KubeObject } from './schema.js';

const run = promisify(execFile);
const E2E = path.join(ROOT, 'test', 'e2e');
const SCRIPTS = ['run.sh', 'kind.sh'].map((name) => path.join(E2E, name));

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
    const script = await readFile(path.join(E2E, 'run.sh'), 'utf8');
    for (const step of [
      /"\$DOCKER" build -t "\$IMAGE" \./,
      /kind\.sh up "\$CLUSTER" "\$IMAGE"/,
      /k apply -k manifests\//,
      /wait --for=condition=complete job\/debugdead-tls-bootstrap/,
      /rollout status deployment\/debugdead-webhook/,
      /label namespace "\$NS" debug\.dead\/enable=true/,
      /CrashLoopBackOff/,
      /"\$KUBECTL" debugdead "\$POD" -n "\$NS"/,
      /\/debug-dead\/busybox uname/,
      /livenessProbe readinessProbe startupProbe/,
      /\/debug-dead\/rerun/,
      /\[\[ "\$rerun_code" == "\$crash_code" \]\]/,
      /persistentVolumeClaim/,
      /plain_pod plain ''/,
      /debugdead clean --all/,
      /k delete -k manifests\//,
    ])
      assert.match(script, step);
    assert.match(script, /trap finish EXIT/, 'cleans up on failure too');
  });

  it('its fixtures: a valid crashing Deployment with probes and a PVC, built FROM scratch', async () => {
    const objects = loadAll(await readFile(path.join(E2E, 'crash-app.yaml'), 'utf8')) as KubeObject[];
    for (const object of objects) assert.deepEqual(await schemaErrors(object), [], object.kind);
    const deployment = objects.find((object) => object.kind === 'Deployment') as unknown as {
      spec: { template: { spec: { containers: Record<string, unknown>[]; volumes: Record<string, unknown>[] } } };
    };
    const [container] = deployment.spec.template.spec.containers;
    assert.ok(container?.livenessProbe && container.readinessProbe && container.command);
    assert.ok(deployment.spec.template.spec.volumes.some((volume) => 'persistentVolumeClaim' in volume));
    const dockerfile = await readFile(path.join(E2E, 'crash', 'Dockerfile'), 'utf8');
    assert.match(dockerfile, /^FROM scratch$/m);
    assert.match(await readFile(path.join(E2E, 'crash', 'main.go'), 'utf8'), /os\.Exit\(3\)/);
  });
});
