// Builds the CLI as `npm run build` ships it: dist/cli/main.js (kubectl-debugdead) and dist/cli/complete-main.js
// (kubectl_complete-debugdead), bundled from src/cli with esbuild, and dist/cli/chunks/, the code they load
// later. Start-up time (issue 10 item 4, bench/cli-startup.bench.ts): resolving, reading and linking some 35
// small modules cost `mutate` more than running them. Every dynamic import() stays a chunk that is loaded only
// when the command reaches it (a command, the YAML code, the Kubernetes client), so --help and mutate still load
// only what they need (test/cli/main.test.ts checks it through the chunks' source maps). npm packages are not
// bundled: they are loaded from node_modules as before (package.json dependencies).
// tsc does not emit src/cli (tsconfig.build.json): dist/cli holds the bundle only. `npm run lint` type-checks it.
import { readFileSync, rmSync } from 'node:fs';
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
    plugin.onResolve({ filter: /^[a-z0-9_/:]+$/ }, ({ path: specifier, importer, kind }) => {
      if (!isBuiltin(specifier) || entries.has(importer)) return undefined;
      const name = specifier.replace(/^node:/, '');
      // A require() of the bundled CommonJS packages (the Kubernetes client's undici, ws...) gets the module itself.
      if (kind === 'require-call') return { path: name, namespace: 'builtin-require' };
      return kind === 'import-statement' ? { path: name, namespace: 'builtin' } : undefined;
    });
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
    plugin.onLoad({ filter: /.*/, namespace: 'builtin-require' }, ({ path: name }) => ({
      contents: `module.exports = process.getBuiltinModule(${JSON.stringify(`node:${name}`)});`,
      loader: 'js',
    }));
  },
};

/**
 * The Kubernetes client is bundled, and read as free of side effects so that only what src/cli/kube/kube-library.ts
 * names is kept (its index would load some 870 modules, every generated API and model: 0.4–0.9 s before a command's
 * first request; bundled, that chunk loads in about a tenth of it). The packages it pulls in (undici, ws, socks...)
 * are not the project's dependencies, so they are bundled into that chunk too; the project's dependencies stay in
 * node_modules.
 */
const BUNDLED = '@kubernetes/client-node';
const manifest = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
  dependencies: Record<string, string>;
};
const EXTERNAL = Object.keys(manifest.dependencies).filter((name) => name !== BUNDLED);
const kubeClientPure: Plugin = {
  name: 'kube-client-pure',
  setup(plugin) {
    const inLibrary = (file: string): boolean => file.includes(`/node_modules/${BUNDLED}/`);
    plugin.onResolve({ filter: /.*/ }, async (args) => {
      if (args.pluginData === 'resolving') return undefined;
      if (args.path !== BUNDLED && !(args.path.startsWith('.') && inLibrary(args.importer))) return undefined;
      const resolved = await plugin.resolve(args.path, {
        kind: args.kind,
        importer: args.importer,
        resolveDir: args.resolveDir,
        pluginData: 'resolving',
      });
      return resolved.errors.length > 0 || !inLibrary(resolved.path) ? resolved : { ...resolved, sideEffects: false };
    });
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
  // npm packages stay in node_modules, as package.json's dependencies, except the Kubernetes client.
  external: EXTERNAL,
  // The sources each chunk holds (its map's "sources"), and stack traces with --enable-source-maps.
  sourcemap: 'linked',
  plugins: [builtinsOnUse, kubeClientPure],
  logLevel: 'warning',
});
