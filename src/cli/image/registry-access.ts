/**
 * What the image-command resolution needs from the outside world, built in main.ts (the only place that
 * reads the environment): where the cache and the docker config are, the time budget, and fetch.
 */
export interface RegistryAccess {
  /** `$XDG_CACHE_HOME/debugdead/image-commands`, else `~/.cache/debugdead/image-commands`; undefined: no cache. */
  cacheDir: string | undefined;
  /** `$DOCKER_CONFIG/config.json`, else `~/.docker/config.json`. */
  dockerConfigPath: string | undefined;
  /** The whole resolution (every container, every registry call) takes at most this long. */
  budgetMs: number;
  fetch: typeof fetch;
}

/** A few seconds: enough for a token and three small requests to a registry across the world. */
export const DEFAULT_BUDGET_MS = 5000;

/** The paths as main.ts computes them from HOME, XDG_CACHE_HOME and DOCKER_CONFIG. */
export function registryAccessPaths(env: {
  home: string | undefined;
  xdgCacheHome: string | undefined;
  dockerConfig: string | undefined;
}): Pick<RegistryAccess, 'cacheDir' | 'dockerConfigPath'> {
  const cacheRoot =
    env.xdgCacheHome !== undefined && env.xdgCacheHome.startsWith('/')
      ? env.xdgCacheHome
      : env.home === undefined
        ? undefined
        : `${env.home}/.cache`;
  const dockerDir =
    env.dockerConfig !== undefined && env.dockerConfig !== ''
      ? env.dockerConfig
      : env.home === undefined
        ? undefined
        : `${env.home}/.docker`;
  return {
    cacheDir: cacheRoot === undefined ? undefined : `${cacheRoot}/debugdead/image-commands`,
    dockerConfigPath: dockerDir === undefined ? undefined : `${dockerDir}/config.json`,
  };
}
