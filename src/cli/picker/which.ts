/** Finding an executable on PATH (kubectl, fzf), as the shell would. */
import { accessSync, constants, statSync } from 'node:fs';
import path from 'node:path';

export function findExecutable(name: string, searchPath: string | undefined): string | undefined {
  for (const directory of (searchPath ?? '').split(path.delimiter)) {
    if (directory === '') continue;
    const candidate = path.join(directory, name);
    try {
      accessSync(candidate, constants.X_OK);
      if (statSync(candidate).isFile()) return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}
