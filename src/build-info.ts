/**
 * The package version and the commit it was built from (dist/build-info.json, written by
 * scripts/write-build-info.ts at build time), for `kubectl debugdead --version` (with the Node.js version
 * running it) and the webhook's debugdead_build_info. Run from the sources (tsx),
 * there is no build: the version comes from package.json and the commit is "unknown".
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export interface BuildInfo {
  version: string;
  commit: string;
}

function readJson(file: string): Record<string, unknown> | undefined {
  try {
    const value = JSON.parse(readFileSync(file, 'utf8')) as unknown;
    return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** Reads the build information next to the code: `<dist>/build-info.json`, else the package.json above src/. */
export function readBuildInfo(moduleUrl: string = import.meta.url): BuildInfo {
  const root = path.dirname(fileURLToPath(moduleUrl));
  const built = readJson(path.join(root, 'build-info.json'));
  if (typeof built?.version === 'string' && typeof built.commit === 'string') {
    return { version: built.version, commit: built.commit };
  }
  const version = readJson(path.join(root, '..', 'package.json'))?.version;
  return { version: typeof version === 'string' ? version : 'unknown', commit: 'unknown' };
}

export function versionText(nodeVersion: string, info: BuildInfo = readBuildInfo()): string {
  return `kubectl-debugdead ${info.version} (commit ${info.commit}, Node.js ${nodeVersion})\n`;
}
