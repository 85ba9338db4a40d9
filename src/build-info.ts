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

/**
 * Reads the build information of the code: the nearest `build-info.json` in the module's directory or above it
 * (`<dist>/build-info.json`; the bundled CLI's chunks sit in dist/cli/chunks/), else, once a directory holds a
 * package.json (run from the sources), that package's version.
 */
export function readBuildInfo(moduleUrl: string = import.meta.url): BuildInfo {
  let directory = path.dirname(fileURLToPath(moduleUrl));
  for (;;) {
    const built = readJson(path.join(directory, 'build-info.json'));
    if (typeof built?.version === 'string' && typeof built.commit === 'string') {
      return { version: built.version, commit: built.commit };
    }
    const manifest = readJson(path.join(directory, 'package.json'));
    const parent = path.dirname(directory);
    if (manifest !== undefined || parent === directory) {
      const version = manifest?.version;
      return { version: typeof version === 'string' ? version : 'unknown', commit: 'unknown' };
    }
    directory = parent;
  }
}

export function versionText(nodeVersion: string, info: BuildInfo = readBuildInfo()): string {
  return `kubectl-debugdead ${info.version} (commit ${info.commit}, Node.js ${nodeVersion})\n`;
}
