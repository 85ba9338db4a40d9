/**
 * The parts of @kubernetes/client-node the CLI uses, the only module that imports its values (the others
 * import types only, and this module lazily). Named here so that the bundle (scripts/bundle-cli.ts) keeps just
 * what these reach: the library's index loads some 870 modules, every generated API and model, which cost each
 * command that talks to a cluster 0.4–0.9 s before its first request.
 */
export { Exec, IsomorphicFetchHttpLibrary, KubeConfig, RequestContext, Watch } from '@kubernetes/client-node';
