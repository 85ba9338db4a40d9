// Builds the CLI as `npm run build` ships it: dist/cli/main.js (kubectl-debugdead) and dist/cli/complete-main.js
// (kubectl_complete-debugdead), bundled from src/cli with esbuild, and dist/cli/chunks/, the code they load
// later. Start-up time (issue 10 item 4, bench/cli-startup.bench.ts): resolving, reading and linking some 35
// small modules cost `mutate` more than running them. Every dynamic import() stays a chunk that is loaded only
// when the command reaches it (a command, the YAML code, the Kubernetes client), so --help and mutate still load
// only what they need (test/cli/main.test.ts checks it through the chunks' source maps). npm packages are not
// bundled: they are loaded from node_modules as before (package.json dependencies).
// tsc does not emit src/cli (tsconfig.build.json): dist/cli holds the bundle only. `npm run lint` type-checks it.
import { rmSync } from 'node:fs';
import path from 'node:path';
import { build } from 'esbuild';

const ROOT = path.join(import.meta.dirname, '..');
const OUT = path.join(ROOT, 'dist', 'cli');

// Chunk names carry a content hash: remove the previous build's chunks rather than let them pile up.
rmSync(OUT, { recursive: true, force: true });
await build({
  absWorkingDir: ROOT,
  entryPoints: { main: 'src/cli/main.ts', 'complete-main': 'src/cli/complete-main.ts' },
  outdir: OUT,
  chunkNames: 'chunks/[name]-[hash]',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node24',
  packages: 'external',
  // The sources each chunk holds (its map's "sources"), and stack traces with --enable-source-maps.
  sourcemap: 'linked',
  logLevel: 'warning',
});
