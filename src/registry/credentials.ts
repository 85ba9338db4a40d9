/**
 * Registry credentials as the kubelet and docker find them: `.dockerconfigjson` (`{"auths": {…}}`) and the
 * legacy `.dockercfg` (the map itself) of image pull secrets, and `~/.docker/config.json` (`auths`,
 * `credHelpers`, `credsStore`). Which entry serves a registry: keys are matched by host (`https://`,
 * `http://` and a path are ignored; Docker Hub's keys `https://index.docker.io/v1/`, `docker.io`, … all
 * serve Docker Hub; `*.example.com` globs one label, as the kubelet does). Pure.
 */
export interface BasicCredential {
  kind: 'basic';
  username: string;
  password: string;
  /** Where it came from, for messages (never the secret itself): `pull secret team/regcred`, `~/.docker/config.json`. */
  source: string;
}

/**
 * An identity token (docker's `identitytoken`, or a helper's answer with Username `<token>`): a refresh token
 * traded at the registry's token service for an access token (the OAuth2 POST of the distribution spec).
 */
export interface IdentityCredential {
  kind: 'identity';
  identityToken: string;
  source: string;
}

/** A credential helper to ask (`docker-credential-NAME get`). */
export interface HelperCredential {
  kind: 'helper';
  helper: string;
  /** The server URL to ask it for (the key it knows). */
  serverUrl: string;
  source: string;
}

/** What a registry request can carry. */
export type DirectCredential = BasicCredential | IdentityCredential;

export type Credential = DirectCredential | HelperCredential;

const DOCKER_HUB_KEYS = new Set(['docker.io', 'index.docker.io', 'registry-1.docker.io', 'registry.hub.docker.com']);

/** `https://index.docker.io/v1/` → `index.docker.io`; `Registry.Example.com:5000/path` → `registry.example.com:5000`. */
function keyHost(key: string): string {
  return key
    .trim()
    .replace(/^[a-z]+:\/\//i, '')
    .replace(/\/.*$/s, '')
    .toLowerCase();
}

function canonicalHost(host: string): string {
  return DOCKER_HUB_KEYS.has(host) ? 'docker.io' : host;
}

/** Does a config key serve this registry? */
export function keyMatches(key: string, registry: string): boolean {
  const wanted = canonicalHost(registry.toLowerCase());
  const host = canonicalHost(keyHost(key));
  if (host === wanted) return true;
  if (!host.includes('*')) return false;
  // Kubelet globs: each dot-separated label matched on its own, same number of labels, same port.
  const [hostName = '', hostPort] = host.split(/:(?=\d+$)/);
  const [wantedName = '', wantedPort] = wanted.split(/:(?=\d+$)/);
  if (hostPort !== wantedPort) return false;
  const patterns = hostName.split('.');
  const labels = wantedName.split('.');
  if (patterns.length !== labels.length) return false;
  return patterns.every((pattern, index) => {
    const re = new RegExp(
      `^${pattern
        .split('*')
        .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
        .join('[^.]*')}$`,
    );
    return re.test(labels[index] ?? '');
  });
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** One `auths` entry: `identitytoken`, `auth` (base64 of user:password) or `username` + `password`. */
function entryCredential(entry: unknown, source: string): DirectCredential | undefined {
  if (!isRecord(entry)) return undefined;
  if (typeof entry.identitytoken === 'string' && entry.identitytoken !== '') {
    return { kind: 'identity', identityToken: entry.identitytoken, source };
  }
  if (typeof entry.auth === 'string' && entry.auth !== '') {
    const decoded = Buffer.from(entry.auth, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon > 0)
      return { kind: 'basic', username: decoded.slice(0, colon), password: decoded.slice(colon + 1), source };
  }
  if (typeof entry.username === 'string' && entry.username !== '' && typeof entry.password === 'string') {
    return { kind: 'basic', username: entry.username, password: entry.password, source };
  }
  return undefined;
}

/** The credentials of an `auths` map for a registry, most specific key first. */
function fromAuths(auths: unknown, registry: string, source: string): DirectCredential[] {
  if (!isRecord(auths)) return [];
  const matches = Object.keys(auths)
    .filter((key) => keyMatches(key, registry))
    .sort((a, b) => Number(keyHost(a).includes('*')) - Number(keyHost(b).includes('*')));
  return matches.flatMap((key) => entryCredential(auths[key], source) ?? []);
}

/** A pull secret's data: `.dockerconfigjson` or `.dockercfg` (already base64-decoded JSON text). */
export function pullSecretCredentials(
  secret: { type?: string; dockerconfigjson?: string; dockercfg?: string },
  registry: string,
  source: string,
): DirectCredential[] {
  const parse = (text: string | undefined): unknown => {
    if (text === undefined) return undefined;
    try {
      return JSON.parse(text) as unknown;
    } catch {
      return undefined;
    }
  };
  const config = parse(secret.dockerconfigjson);
  if (isRecord(config)) return fromAuths(config.auths, registry, source);
  return fromAuths(parse(secret.dockercfg), registry, source);
}

/** `~/.docker/config.json`: a credHelpers entry for the registry, else `auths`, plus credsStore for it. */
export function dockerConfigCredentials(config: unknown, registry: string, source: string): Credential[] {
  if (!isRecord(config)) return [];
  const result: Credential[] = [];
  const serverUrl = canonicalHost(registry.toLowerCase()) === 'docker.io' ? 'https://index.docker.io/v1/' : registry;
  if (isRecord(config.credHelpers)) {
    const key = Object.keys(config.credHelpers).find((candidate) => keyMatches(candidate, registry));
    const helper = key === undefined ? undefined : config.credHelpers[key];
    if (typeof helper === 'string' && /^[\w.-]+$/.test(helper)) {
      // The helper knows the key as written in the config.
      result.push({ kind: 'helper', helper, serverUrl: key ?? serverUrl, source: `${source} credHelpers` });
      return result;
    }
  }
  const auths = fromAuths(config.auths, registry, source);
  result.push(...auths);
  if (auths.length === 0 && typeof config.credsStore === 'string' && /^[\w.-]+$/.test(config.credsStore)) {
    result.push({ kind: 'helper', helper: config.credsStore, serverUrl, source: `${source} credsStore` });
  }
  return result;
}
