/**
 * One registry conversation over fetch: the bearer-token challenge flow (realm, service, scope) and basic
 * authentication, redirects followed by hand so that credentials never leave the registry's host, bodies read
 * with a size bound, everything under the caller's AbortSignal. Credentials go only over TLS, or plain HTTP
 * to a loopback registry.
 */
import { parseChallenges } from './challenge.js';
import type { BasicCredential, DirectCredential } from './credentials.js';
import { isLoopbackHost } from './reference.js';
import { PROBLEM_KINDS, RegistryProblem } from './registry-problem.js';

export type Fetch = typeof fetch;

export const USER_AGENT = 'kubectl-debugdead/0.1.0';
const MAX_REDIRECTS = 5;
const MAX_TOKEN_BODY = 64 * 1024;

/**
 * Token services known to belong to a registry on another host (the registry's own documentation says so):
 * credentials for the registry may be sent there, and nowhere else off its host.
 */
export const TRUSTED_TOKEN_HOSTS: Readonly<Record<string, readonly string[]>> = {
  'registry-1.docker.io': ['auth.docker.io'],
  'registry.gitlab.com': ['gitlab.com'],
};

export interface Answer {
  status: number;
  headers: Headers;
  body: Buffer;
  url: string;
}

export interface SessionOptions {
  /** `https://host[:port]` or, for loopback, `http://…`. */
  baseUrl: string;
  repository: string;
  credential: DirectCredential | undefined;
  signal: AbortSignal;
  fetch: Fetch;
}

/** Reads at most `limit` bytes of a body; more is a `too-large` problem. */
async function readBounded(response: Response, limit: number, what: string): Promise<Buffer> {
  const declared = Number(response.headers.get('content-length') ?? '');
  if (Number.isFinite(declared) && declared > limit) {
    await response.body?.cancel();
    throw new RegistryProblem(
      PROBLEM_KINDS.tooLarge,
      `${what} is ${declared} bytes, more than the ${limit} debugdead reads`,
    );
  }
  const chunks: Buffer[] = [];
  let total = 0;
  if (response.body === null) return Buffer.alloc(0);
  const reader = response.body.getReader() as ReadableStreamDefaultReader<Uint8Array>;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > limit) {
      await reader.cancel();
      throw new RegistryProblem(PROBLEM_KINDS.tooLarge, `${what} is more than the ${limit} bytes debugdead reads`);
    }
    chunks.push(Buffer.from(value));
  }
  return Buffer.concat(chunks);
}

function hostOf(url: string): string {
  return new URL(url).host.toLowerCase();
}

/** May credentials for `registryUrl` be sent to `url`? Only to the registry's own host (or a known token service), over TLS or loopback. */
export function mayCarryCredentials(registryUrl: string, url: string, purpose: 'registry' | 'token'): boolean {
  const target = new URL(url);
  const registry = new URL(registryUrl);
  if (target.protocol !== 'https:' && !(target.protocol === 'http:' && isLoopbackHost(target.host))) return false;
  if (target.host.toLowerCase() === registry.host.toLowerCase()) return true;
  return (
    purpose === 'token' && (TRUSTED_TOKEN_HOSTS[registry.host.toLowerCase()] ?? []).includes(target.host.toLowerCase())
  );
}

function describeNetworkError(error: unknown, url: string, signal: AbortSignal): RegistryProblem {
  if (signal.aborted) {
    return new RegistryProblem(PROBLEM_KINDS.timeout, `no answer from ${hostOf(url)} in time`, { cause: error });
  }
  const cause = (error as { cause?: { code?: unknown; message?: unknown } }).cause;
  const code = typeof cause?.code === 'string' ? cause.code : undefined;
  const detail = code ?? (typeof cause?.message === 'string' ? cause.message : (error as Error).message);
  return new RegistryProblem(PROBLEM_KINDS.network, `cannot reach ${hostOf(url)} (${detail})`, { cause: error });
}

export class RegistrySession {
  private authorization: string | undefined;
  private readonly registryHost: string;

  constructor(private readonly options: SessionOptions) {
    this.registryHost = hostOf(options.baseUrl);
  }

  private basicHeader(credential: BasicCredential): string {
    return `Basic ${Buffer.from(`${credential.username}:${credential.password}`).toString('base64')}`;
  }

  /** One fetch, following redirects by hand: the Authorization header goes only to the registry's host. */
  private async send(url: string, headers: Record<string, string>, limit: number, what: string): Promise<Answer> {
    let current = url;
    for (let hop = 0; hop <= MAX_REDIRECTS; hop += 1) {
      const sent: Record<string, string> = { 'User-Agent': USER_AGENT, ...headers };
      if (this.authorization !== undefined && mayCarryCredentials(this.options.baseUrl, current, 'registry')) {
        sent.Authorization = this.authorization;
      }
      let response: Response;
      try {
        response = await this.options.fetch(current, {
          headers: sent,
          redirect: 'manual',
          signal: this.options.signal,
        });
      } catch (error) {
        throw describeNetworkError(error, current, this.options.signal);
      }
      if ([301, 302, 303, 307, 308].includes(response.status)) {
        await response.body?.cancel();
        const location = response.headers.get('location');
        if (location === null) {
          throw new RegistryProblem(
            PROBLEM_KINDS.badAnswer,
            `${hostOf(current)} redirected ${what} without a Location`,
          );
        }
        const next = new URL(location, current);
        if (next.protocol !== 'https:' && !(next.protocol === 'http:' && isLoopbackHost(next.host))) {
          throw new RegistryProblem(
            PROBLEM_KINDS.refused,
            `${hostOf(current)} redirected ${what} to ${next.protocol}//${next.host}, which is not HTTPS: not followed`,
          );
        }
        current = next.toString();
        continue;
      }
      // An error answer's body is never used: not read, whatever its size.
      if (response.status < 200 || response.status >= 300) {
        await response.body?.cancel().catch(() => undefined);
        return { status: response.status, headers: response.headers, body: Buffer.alloc(0), url: current };
      }
      const body = await this.read(() => readBounded(response, limit, what), current);
      return { status: response.status, headers: response.headers, body, url: current };
    }
    throw new RegistryProblem(
      PROBLEM_KINDS.badAnswer,
      `${this.registryHost} redirected ${what} more than ${MAX_REDIRECTS} times`,
    );
  }

  /** A body read under the signal: an abort or a broken connection mid-body is a one-line problem too. */
  private async read(body: () => Promise<Buffer>, url: string): Promise<Buffer> {
    try {
      return await body();
    } catch (error) {
      if (error instanceof RegistryProblem) throw error;
      throw describeNetworkError(error, url, this.options.signal);
    }
  }

  /** GET `path` of the registry API; answers 401 with the challenge once, then gives the answer as it is. */
  async get(path: string, accept: string, limit: number, what: string): Promise<Answer> {
    const url = `${this.options.baseUrl}${path}`;
    const answer = await this.send(url, { Accept: accept }, limit, what);
    if (answer.status !== 401 || this.authorization !== undefined) return answer;
    await this.authenticate(answer);
    return this.send(url, { Accept: accept }, limit, what);
  }

  /** Answers a 401: a bearer token from the realm (credentials only where allowed), or basic credentials. */
  private async authenticate(answer: Answer): Promise<void> {
    const challenges = parseChallenges(answer.headers.get('www-authenticate'));
    const bearer = challenges.find((challenge) => challenge.scheme === 'bearer');
    const credential = this.options.credential;
    if (bearer !== undefined) {
      this.authorization = `Bearer ${await this.token(bearer.params)}`;
      return;
    }
    if (challenges.some((challenge) => challenge.scheme === 'basic')) {
      if (credential === undefined) {
        throw new RegistryProblem(PROBLEM_KINDS.auth, `${this.registryHost} needs credentials (basic authentication)`);
      }
      if (credential.kind === 'identity') {
        throw new RegistryProblem(
          PROBLEM_KINDS.auth,
          `${this.registryHost} wants basic authentication, and ${credential.source} has only an identity token for it`,
        );
      }
      if (!mayCarryCredentials(this.options.baseUrl, this.options.baseUrl, 'registry')) {
        throw new RegistryProblem(
          PROBLEM_KINDS.refused,
          `${this.registryHost} is not spoken to over TLS: credentials not sent`,
        );
      }
      this.authorization = this.basicHeader(credential);
      return;
    }
    throw new RegistryProblem(
      PROBLEM_KINDS.auth,
      `${this.registryHost} answered 401 without a challenge debugdead knows (${(answer.headers.get('www-authenticate') ?? 'none').slice(0, 80)})`,
    );
  }

  private async token(params: Record<string, string>): Promise<string> {
    const realmText = params.realm;
    let realm: URL;
    try {
      realm = new URL(realmText ?? '');
    } catch {
      throw new RegistryProblem(
        PROBLEM_KINDS.badAnswer,
        `${this.registryHost} sent a bearer challenge without a usable realm`,
      );
    }
    if (realm.protocol !== 'https:' && !(realm.protocol === 'http:' && isLoopbackHost(realm.host))) {
      throw new RegistryProblem(
        PROBLEM_KINDS.refused,
        `the token service of ${this.registryHost} (${realm.host}) is not HTTPS: not used`,
      );
    }
    if (params.service !== undefined) realm.searchParams.set('service', params.service);
    realm.searchParams.set('scope', params.scope ?? `repository:${this.options.repository}:pull`);
    const foreign = !mayCarryCredentials(this.options.baseUrl, realm.toString(), 'token');
    // Held back from a token service on another host: it is asked anonymously.
    const credential = foreign ? undefined : this.options.credential;
    const headers: Record<string, string> = { 'User-Agent': USER_AGENT, Accept: 'application/json' };
    const init: RequestInit = { headers, redirect: 'manual', signal: this.options.signal };
    if (credential?.kind === 'basic') headers.Authorization = this.basicHeader(credential);
    if (credential?.kind === 'identity') {
      // The OAuth2 refresh-token grant (distribution token spec): a POST form, the token in the body.
      const form = new URLSearchParams({
        grant_type: 'refresh_token',
        refresh_token: credential.identityToken,
        client_id: 'kubectl-debugdead',
        service: params.service ?? '',
        scope: realm.searchParams.get('scope') ?? '',
      });
      init.method = 'POST';
      init.body = form.toString();
      headers['Content-Type'] = 'application/x-www-form-urlencoded';
    }
    let response: Response;
    try {
      // No redirects for the token request: a redirect would be one more host to trust with the credentials.
      response = await this.options.fetch(realm, init);
    } catch (error) {
      throw describeNetworkError(error, realm.toString(), this.options.signal);
    }
    const body = await this.read(() => readBounded(response, MAX_TOKEN_BODY, 'the token answer'), realm.toString());
    if (response.status === 401 || response.status === 403) {
      throw new RegistryProblem(
        PROBLEM_KINDS.auth,
        foreign && this.options.credential !== undefined
          ? `the token service of ${this.registryHost} is on another host (${realm.host}): debugdead does not send your credentials there`
          : credential === undefined
            ? `${this.registryHost} needs credentials (its token service refused an anonymous token)`
            : `${this.registryHost} refused the credentials from ${credential.source} (HTTP ${response.status})`,
      );
    }
    if (response.status < 200 || response.status >= 300) {
      throw new RegistryProblem(
        PROBLEM_KINDS.badAnswer,
        `the token service of ${this.registryHost} answered HTTP ${response.status}`,
      );
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(body.toString('utf8'));
    } catch {
      throw new RegistryProblem(
        PROBLEM_KINDS.badAnswer,
        `the token service of ${this.registryHost} answered something that is not JSON`,
      );
    }
    const record = (typeof parsed === 'object' && parsed !== null ? parsed : {}) as Record<string, unknown>;
    const token = typeof record.token === 'string' && record.token !== '' ? record.token : record.access_token;
    if (typeof token !== 'string' || token === '' || /[\r\n]/.test(token)) {
      throw new RegistryProblem(
        PROBLEM_KINDS.badAnswer,
        `the token service of ${this.registryHost} answered without a token`,
      );
    }
    if (foreign && this.options.credential !== undefined) this.foreignRealm = realm.host;
    return token;
  }

  /** Set when credentials were held back from a token service on another host (for the message of a later 401). */
  foreignRealm: string | undefined;
}
