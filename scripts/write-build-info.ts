// Writes dist/build-info.json for `kubectl debugdead --version`: the package version and the commit built
// (git rev-parse; "unknown" outside a git checkout, as in an image build without .git).
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';

const { version } = JSON.parse(readFileSync('package.json', 'utf8')) as { version: string };
let commit = 'unknown';
try {
  commit = execFileSync('git', ['rev-parse', '--short=12', 'HEAD'], { stdio: ['ignore', 'pipe', 'ignore'] })
    .toString()
    .trim();
  const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], {
    stdio: ['ignore', 'pipe', 'ignore'],
  }).toString();
  if (dirty.trim() !== '') commit += '-dirty';
} catch {
  // not a git checkout
}
writeFileSync('dist/build-info.json', `${JSON.stringify({ version, commit })}\n`);
