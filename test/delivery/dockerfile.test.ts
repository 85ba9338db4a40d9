/**
 * The Dockerfile, read and checked for what matters: multi-stage on Node 24 LTS, a numeric non-root
 * USER, only production dependencies in the final stage, and an ENTRYPOINT that exists in the build
 * output (compiled here the way the Dockerfile compiles it). Plus a .dockerignore that keeps secrets,
 * node_modules and build output out of the context without hiding what the Dockerfile copies.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { ROOT } from './render.js';

const run = promisify(execFile);

interface Instruction {
  keyword: string;
  args: string;
}
interface Stage {
  image: string;
  name: string | undefined;
  instructions: Instruction[];
}

/** Dockerfile instructions, continuation lines joined and comments dropped, grouped by stage. */
function parseDockerfile(text: string): Stage[] {
  const logical: string[] = [];
  let current = '';
  for (const line of text.split('\n')) {
    if (/^\s*#/.test(line)) continue;
    if (line.endsWith('\\')) current += `${line.slice(0, -1)} `;
    else {
      current += line;
      if (current.trim() !== '') logical.push(current.trim());
      current = '';
    }
  }
  const stages: Stage[] = [];
  for (const line of logical) {
    const match = /^(\w+)\s+([\s\S]*)$/.exec(line);
    if (match === null) continue;
    const keyword = (match[1] ?? '').toUpperCase();
    const args = (match[2] ?? '').replace(/\s+/g, ' ').trim();
    if (keyword === 'FROM') {
      const from = /^(?:--platform=\S+\s+)?(\S+)(?:\s+AS\s+(\S+))?$/i.exec(args);
      stages.push({ image: from?.[1] ?? args, name: from?.[2], instructions: [] });
    } else stages.at(-1)?.instructions.push({ keyword, args });
  }
  return stages;
}

describe('Dockerfile', () => {
  let stages: Stage[];
  let final: Stage;

  before(async () => {
    stages = parseDockerfile(await readFile(path.join(ROOT, 'Dockerfile'), 'utf8'));
    const last = stages.at(-1);
    assert.ok(last, 'the Dockerfile has a FROM');
    final = last;
  });

  const stageNamed = (name: string) => stages.find((stage) => stage.name === name);
  const runs = (stage: Stage) => stage.instructions.filter((i) => i.keyword === 'RUN').map((i) => i.args);

  it('is multi-stage, every stage on Node 24 LTS (a tag of the 24 line, optionally a digest)', () => {
    assert.ok(stages.length >= 2, `${stages.length} stage(s)`);
    for (const stage of stages)
      assert.match(stage.image, /^node:24(\.\d+){0,2}(-[a-z0-9.]+)?(@sha256:[0-9a-f]{64})?$/, stage.image);
  });

  it('runs as a numeric non-root user in the final stage', () => {
    const users = final.instructions.filter((i) => i.keyword === 'USER');
    const user = users.at(-1);
    assert.ok(user, 'the final stage sets USER');
    assert.match(user.args, /^\d+(:\d+)?$/, 'numeric, so runAsNonRoot can verify it');
    const [uid, gid] = user.args.split(':').map(Number);
    assert.notEqual(uid, 0);
    assert.notEqual(gid, 0);
    const index = final.instructions.indexOf(user);
    assert.ok(
      final.instructions.slice(index).every((i) => i.keyword !== 'RUN'),
      'nothing runs as root after USER is set',
    );
  });

  it('ships only production dependencies: node_modules comes from an npm ci --omit=dev stage', () => {
    for (const command of runs(final))
      assert.doesNotMatch(command, /\bnpm (ci|install|i)\b/, 'no install in the final stage');
    const copies = final.instructions.filter((i) => i.keyword === 'COPY' && /node_modules/.test(i.args));
    assert.equal(copies.length, 1, 'node_modules is copied once');
    const from = /--from=(\S+)/.exec(copies[0]?.args ?? '')?.[1];
    const source = stageNamed(from ?? '');
    assert.ok(source, `node_modules comes from stage ${String(from)}`);
    const installs = runs(source).filter((command) => /\bnpm (ci|install|i)\b/.test(command));
    assert.ok(installs.length > 0);
    for (const command of installs) assert.match(command, /--omit=dev/, `${command}: dev dependencies excluded`);
    const buildStage = stages.find((stage) => runs(stage).some((command) => /tsc|npm run build/.test(command)));
    assert.ok(buildStage && buildStage !== source, 'the compiler runs in another stage');
    assert.ok(
      final.instructions.some(
        (i) => i.keyword === 'COPY' && i.args.includes(`--from=${buildStage.name ?? ''}`) && /dist/.test(i.args),
      ),
      'the final stage takes only dist/ from the build stage',
    );
    assert.match(runs(final).join('\n'), /rm -rf[^\n]*npm/, 'npm itself is removed from the final image');
  });

  it('the webhook is the ENTRYPOINT, and it exists in the build output', async () => {
    const entrypoint = final.instructions.find((i) => i.keyword === 'ENTRYPOINT');
    assert.ok(entrypoint);
    const argv = JSON.parse(entrypoint.args) as string[];
    assert.equal(argv[0], 'node');
    const workdir = final.instructions.filter((i) => i.keyword === 'WORKDIR').at(-1)?.args ?? '/';
    const script = path.posix.relative(workdir, path.posix.resolve(workdir, argv[1] ?? ''));
    assert.equal(script, 'dist/webhook/main.js');

    const out = await mkdtemp(path.join(os.tmpdir(), 'debugdead-dist-'));
    try {
      // The Dockerfile's compile step, into a temporary directory (type errors elsewhere still emit).
      await run(
        path.join(ROOT, 'node_modules', '.bin', 'node'),
        [path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.build.json', '--outDir', out],
        { cwd: ROOT, timeout: 180_000 },
      ).catch((error: unknown) => error);
      for (const entry of ['webhook/main.js', 'bootstrap/main.js', 'certs/main.js'])
        assert.ok(existsSync(path.join(out, entry)), `dist/${entry} is built (src/${entry.replace('.js', '.ts')})`);
    } finally {
      await rm(out, { recursive: true, force: true });
    }
  });

  it('the package version matches the image tag the Makefile builds', async () => {
    const { version } = JSON.parse(await readFile(path.join(ROOT, 'package.json'), 'utf8')) as { version: string };
    const makefile = await readFile(path.join(ROOT, 'Makefile'), 'utf8');
    assert.match(makefile, /^IMAGE_REPO \?= ghcr\.io\/debugdead\/debugdead-webhook$/m);
    assert.match(makefile, /^IMAGE \?= \$\(IMAGE_REPO\):\$\(VERSION\)$/m);
    assert.ok(version.length > 0);
  });
});

describe('.dockerignore', () => {
  let patterns: string[];
  let copied: string[];
  after(() => undefined);

  before(async () => {
    patterns = (await readFile(path.join(ROOT, '.dockerignore'), 'utf8'))
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => line !== '' && !line.startsWith('#'));
    copied = parseDockerfile(await readFile(path.join(ROOT, 'Dockerfile'), 'utf8'))
      .flatMap((stage) => stage.instructions)
      .filter((i) => i.keyword === 'COPY' && !i.args.includes('--from='))
      .flatMap((i) => i.args.split(' ').slice(0, -1));
  });

  it('keeps node_modules, build output, certificates and git out of the build context', () => {
    for (const excluded of ['node_modules', 'dist', 'certs', '.git']) assert.ok(patterns.includes(excluded), excluded);
  });

  it('does not hide a file the Dockerfile copies, and every copied file exists', () => {
    assert.deepEqual([...new Set(copied)].sort(), [
      'package-lock.json',
      'package.json',
      'src',
      'tsconfig.build.json',
      'tsconfig.json',
    ]);
    for (const file of copied) {
      assert.ok(existsSync(path.join(ROOT, file)), `${file} exists`);
      assert.ok(!patterns.includes(file), `${file} is not ignored`);
    }
    assert.ok(!patterns.some((pattern) => pattern === '*.json' || pattern === 'src' || pattern === '*'));
  });
});
