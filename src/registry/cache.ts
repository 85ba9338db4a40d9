/**
 * Image commands cached on disk by digest and platform (a digest names immutable content, so an entry never
 * goes stale): one small JSON file per entry under the directory the entry point chose
 * (`$XDG_CACHE_HOME/debugdead/image-commands`, else `~/.cache/debugdead/image-commands`). Best effort: an
 * unreadable or unwritable cache only costs a registry round trip.
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { ImageCommand } from './image-config.js';
import { platformText, type Platform } from './platform.js';

export interface ImageCommandCache {
  get(digest: string, platform: Platform): Promise<ImageCommand | undefined>;
  put(digest: string, platform: Platform, command: ImageCommand): Promise<void>;
}

function fileName(digest: string, platform: Platform): string {
  return `${createHash('sha256')
    .update(`${digest} ${platformText(platform)}`)
    .digest('hex')}.json`;
}

function isCommand(value: unknown): value is ImageCommand {
  if (typeof value !== 'object' || value === null) return false;
  const record = value as Record<string, unknown>;
  const list = (part: unknown): boolean =>
    part === null || (Array.isArray(part) && part.every((item) => typeof item === 'string'));
  return list(record.entrypoint) && list(record.cmd) && typeof record.digest === 'string';
}

export function directoryCache(directory: string): ImageCommandCache {
  return {
    async get(digest, platform) {
      try {
        const parsed: unknown = JSON.parse(await readFile(path.join(directory, fileName(digest, platform)), 'utf8'));
        return isCommand(parsed) && parsed.digest === digest ? parsed : undefined;
      } catch {
        return undefined;
      }
    },
    async put(digest, platform, command) {
      try {
        await mkdir(directory, { recursive: true, mode: 0o700 });
        const target = path.join(directory, fileName(digest, platform));
        const temporary = `${target}.${process.pid}.tmp`;
        await writeFile(temporary, JSON.stringify(command), { mode: 0o600 });
        await rename(temporary, target);
      } catch {
        // best effort
      }
    },
  };
}
