/**
 * `npm run bench`: runs every bench/*.bench.ts in its own Node 24 process, one after another, so that one
 * benchmark's heap and JIT state never colour the next. Each prints its own figures and targets.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import path from 'node:path';

const here = import.meta.dirname;
const only = process.argv.slice(2);
const files = readdirSync(here)
  .filter((name) => name.endsWith('.bench.ts'))
  .filter((name) => only.length === 0 || only.some((word) => name.includes(word)))
  .sort();
let failed = 0;
for (const name of files) {
  console.log(`\n=== ${name} ===`);
  const result = spawnSync(process.execPath, ['--import', 'tsx', path.join(here, name)], { stdio: 'inherit' });
  if (result.status !== 0) {
    failed += 1;
    console.log(`${name} exited with ${result.status ?? result.signal ?? 'unknown'}`);
  }
}
console.log(`\nbenchmarks: ${files.length - failed} ran, ${failed} failed`);
process.exitCode = failed === 0 ? 0 : 1;
