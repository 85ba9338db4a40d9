/** --version: the package version, the commit the build came from, and the Node.js version running it. */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, it } from 'node:test';
import { readBuildInfo, versionText } from '../../src/build-info.js';
import { runCliInProcess } from './harness.js';

const ROOT = path.join(import.meta.dirname, '..', '..');
const { version } = JSON.parse(await readFile(path.join(ROOT, 'package.json'), 'utf8')) as { version: string };

void describe('--version', () => {
  void it('the built binary names its version, its commit and the Node.js that runs it', () => {
    const result = spawnSync(process.execPath, [path.join(ROOT, 'dist', 'cli', 'main.js'), '--version'], {
      encoding: 'utf8',
    });
    assert.equal(result.status, 0, result.stderr);
    const head = execFileSync('git', ['rev-parse', '--short=12', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).trim();
    assert.match(
      result.stdout,
      new RegExp(
        `^kubectl-debugdead ${version.replaceAll('.', '\\.')} \\(commit ${head}(-dirty)?, Node\\.js ${process.version}\\)\\n$`,
      ),
    );
  });

  void it('in-process, with flags before it; a subcommand or -- takes it as no version flag', async () => {
    assert.deepEqual(await runCliInProcess(['-n', 'shop', '--version']), {
      code: 0,
      stdout: versionText('v24.0.0-test'),
      stderr: '',
    });
    const afterDashes = await runCliInProcess(['list', '--version']);
    assert.equal(afterDashes.code, 2);
    assert.match(afterDashes.stderr, /unknown flag: --version/);
  });

  void it('reads the nearest dist/build-info.json above the module, else package.json with an unknown commit', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'debugdead-version-'));
    try {
      await mkdir(path.join(dir, 'dist', 'cli'), { recursive: true });
      await mkdir(path.join(dir, 'src', 'cli'), { recursive: true });
      await writeFile(path.join(dir, 'package.json'), JSON.stringify({ version: '9.8.7' }));
      await writeFile(
        path.join(dir, 'dist', 'build-info.json'),
        JSON.stringify({ version: '9.8.7', commit: 'abc123' }),
      );
      const module = (where: string): string => pathToFileURL(path.join(dir, where, 'build-info.js')).href;
      assert.deepEqual(readBuildInfo(module('dist')), { version: '9.8.7', commit: 'abc123' });
      // The bundled CLI's chunk that holds build-info.ts sits in dist/cli/chunks/.
      assert.deepEqual(readBuildInfo(module(path.join('dist', 'cli', 'chunks'))), {
        version: '9.8.7',
        commit: 'abc123',
      });
      assert.deepEqual(readBuildInfo(module('src')), { version: '9.8.7', commit: 'unknown' });
      assert.equal(
        versionText('v24.1.0', { version: '9.8.7', commit: 'abc123' }),
        'kubectl-debugdead 9.8.7 (commit abc123, Node.js v24.1.0)\n',
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
