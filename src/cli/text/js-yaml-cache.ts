/**
 * Runs a dependency's CommonJS build (one self-contained file, no require calls) through node:vm with a V8 code
 * cache written after the process used it, so the next run starts with its functions already compiled. The
 * cache lives in Node's module compile cache directory (main.ts enables it) and is keyed by the file's path,
 * size and mtime and by Node's version; V8 itself refuses data made by another V8 or for other source.
 * Returns undefined when that cannot be done (no compile cache, an unexpected file), and the caller imports the
 * package normally.
 */
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import module, { createRequire } from 'node:module';
import path from 'node:path';
import vm from 'node:vm';

export async function loadWithCodeCache<T>(specifier: string): Promise<T | undefined> {
  const directory = module.getCompileCacheDir();
  if (directory === undefined) return undefined;
  const file = createRequire(import.meta.url).resolve(specifier);
  const source = readFileSync(file, 'utf8');
  if (/\brequire\(/.test(source)) return undefined;
  const { size, mtimeMs } = statSync(file);
  const key = `${specifier}-${process.version}-${size}-${Math.trunc(mtimeMs)}`.replace(/[^\w.-]/g, '_');
  const cachePath = path.join(directory, `debugdead-${key}.v8`);
  const cachedData = existsSync(cachePath) ? readFileSync(cachePath) : undefined;
  const script = new vm.Script(`(function (exports) {${source}\n})`, { filename: file, cachedData });
  const exports: Record<string, unknown> = {};
  (script.runInThisContext() as (target: object) => void)(exports);
  if (cachedData === undefined || script.cachedDataRejected === true) {
    // After the command has used it: the data then holds the functions it compiled.
    process.once('exit', () => {
      try {
        writeFileSync(cachePath, script.createCachedData());
      } catch {
        // A cache that cannot be written only costs the next run its compile time.
      }
    });
  }
  return Promise.resolve(exports as T);
}
