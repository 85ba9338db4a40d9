// Builds the CLI as `npm run build` ships it: dist/cli/main.js (kubectl-debugdead) and dist/cli/complete-main.js
// (kubectl_complete-debugdead), bundled from src/cli with esbuild, and dist/cli/chunks/, the code they load
// later. Start-up time (issue 10 item 4, bench/cli-startup.bench.ts): resolving, reading and linking some 35
// small modules cost `mutate` more than running them. Every dynamic import() stays a chunk that is loaded only
// when the command reaches it (a command, the YAML code, the Kubernetes client), so --help and mutate still load
// only what they need (test/cli/main.test.ts checks it through the chunks' source maps). npm packages are not
// bundled: they are loaded from node_modules as before (package.json dependencies).
// tsc does not emit src/cli (tsconfig.build.json): dist/cli holds the bundle only. `npm run lint` type-checks it.
import { rmSync } from 'node:fs';
import { isBuiltin } from 'node:module';
import path from 'node:path';
import { build, type Plugin } from 'esbuild';

const ROOT = path.join(import.meta.dirname, '..');
const OUT = path.join(ROOT, 'dist', 'cli');

const ENTRY_POINTS = { main: 'src/cli/main.ts', 'complete-main': 'src/cli/complete-main.ts' };

/**
 * Node's built-in modules, taken with process.getBuiltinModule (Node ≥ 20.16) instead of an ESM import. Importing
 * node:fs or node:util as ESM makes Node build a facade that reads every export, and their lazy getters load
 * fs/promises, the streams, readline, worker_threads, net...: some 35–45 internal modules and several ms of
 * `mutate`'s start-up that it never uses. As CommonJS, each use reads the property it needs. The entry points
 * keep plain imports: main.ts must run far enough on an old Node to say which Node it needs.
 */
const builtinsOnUse: Plugin = {
  name: 'builtins-on-use',
  setup(plugin) {
    const entries = new Set(Object.values(ENTRY_POINTS).map((entry) => path.join(ROOT, entry)));
    plugin.onResolve({ filter: /^[a-z_/:]+$/ }, ({ path: specifier, importer, kind }) =>
      isBuiltin(specifier) && kind === 'import-statement' && !entries.has(importer)
        ? { path: specifier.replace(/^node:/, ''), namespace: 'builtin' }
        : undefined,
    );
    // Each export is forwarded by a getter: the bundle's CommonJS interop copies a module's properties by their
    // descriptors, and reading the descriptor of one of Node's lazy exports (util.diff, fs.promises...) loads it.
    plugin.onLoad({ filter: /.*/, namespace: 'builtin' }, ({ path: name }) => ({
      contents: [
        `const builtin = process.getBuiltinModule(${JSON.stringify(`node:${name}`)});`,
        'for (const key of Object.getOwnPropertyNames(builtin))',
        '  Object.defineProperty(module.exports, key, { get: () => builtin[key], enumerable: true });',
      ].join('\n'),
      loader: 'js',
    }));
  },
};

// Chunk names carry a content hash: remove the previous build's chunks rather than let them pile up.
rmSync(OUT, { recursive: true, force: true });
await build({
  absWorkingDir: ROOT,
  entryPoints: ENTRY_POINTS,
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
  plugins: [builtinsOnUse],
  logLevel: 'warning',
});
