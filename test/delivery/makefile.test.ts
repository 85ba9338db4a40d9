/** The Makefile: every target of the issue is documented in `make help` and does what it says (make -n). */
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, it } from 'node:test';
import { promisify } from 'node:util';
import { ROOT } from './render.js';

const run = promisify(execFile);
const TARGETS = [
  'build',
  'test',
  'lint',
  'bench',
  'certs',
  'image',
  'deploy',
  'undeploy',
  'kind-up',
  'kind-down',
  'e2e',
];

function hasMake(): boolean {
  try {
    execFileSync('make', ['--version'], { stdio: 'ignore', timeout: 10_000 });
    return true;
  } catch {
    return false;
  }
}

const make = async (...args: string[]) =>
  (await run('make', ['--no-print-directory', ...args], { cwd: ROOT, timeout: 30_000 })).stdout;

describe('Makefile', { skip: hasMake() ? false : 'make is not installed' }, () => {
  it('documents every target in make help (the default goal)', async () => {
    const help = await make();
    assert.equal(help, await make('help'));
    for (const target of TARGETS) assert.match(help, new RegExp(`^  ${target} +\\S.+$`, 'm'), target);
  });

  it('deploy and undeploy apply the kustomization of the chosen TLS path', async () => {
    assert.match(await make('-n', 'deploy'), /^kubectl apply -k manifests$/m);
    assert.match(
      await make('-n', 'deploy', 'TLS=cert-manager'),
      /^kubectl apply -k manifests\/overlays\/cert-manager$/m,
    );
    assert.match(await make('-n', 'deploy', 'TLS=certs'), /^kubectl apply -k manifests\/overlays\/certs$/m);
    assert.match(await make('-n', 'undeploy'), /^kubectl delete -k manifests --ignore-not-found/m);
    await assert.rejects(make('-n', 'deploy', 'TLS=bogus'), /TLS must be bootstrap, certs or cert-manager/);
  });

  it('image builds the tag the manifests deploy', async () => {
    const { version } = JSON.parse(await readFile(path.join(ROOT, 'package.json'), 'utf8')) as { version: string };
    assert.match(
      await make('-n', 'image'),
      new RegExp(`^docker build -t ghcr\\.io/debugdead/debugdead-webhook:${version.replace(/\./g, '\\.')} \\.$`, 'm'),
    );
  });

  it('e2e and the kind targets call the scripts in test/e2e', async () => {
    assert.match(await make('-n', 'e2e'), /bash test\/e2e\/run\.sh/);
    assert.match(
      await make('-n', 'kind-up'),
      /bash test\/e2e\/kind\.sh up "debugdead" "ghcr\.io\/debugdead\/debugdead-webhook:/,
    );
    assert.match(await make('-n', 'kind-down'), /bash test\/e2e\/kind\.sh down "debugdead"/);
  });

  it('every npm script it runs exists in package.json', async () => {
    const makefile = await readFile(path.join(ROOT, 'Makefile'), 'utf8');
    const { scripts } = JSON.parse(await readFile(path.join(ROOT, 'package.json'), 'utf8')) as {
      scripts: Record<string, string>;
    };
    const used = [...makefile.matchAll(/npm (?:run ([\w:-]+)|(test))/g)].map((match) => match[1] ?? match[2] ?? '');
    assert.ok(used.includes('certs'));
    const missing = used.filter((name) => !(name in scripts));
    assert.deepEqual(missing, [], `package.json lacks the scripts ${missing.join(', ')}`);
  });
});
