#!/usr/bin/env node
/**
 * kubectl_complete-debugdead: what kubectl's completion runs (kubectl ≥ 1.26) for `kubectl debugdead <TAB>`,
 * with the words after the plugin's name. It is kubectl-debugdead's hidden `__complete`.
 */
process.argv.splice(2, 0, '__complete');
await import('./main.js');
