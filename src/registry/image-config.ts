/**
 * From a reference to the image config's Entrypoint and Cmd, for one platform, with one credential (or none):
 * the manifest or index (Docker schema 2 or OCI), the platform's manifest, the config blob; every body
 * bounded in size and checked against its digest.
 */
import { createHash } from 'node:crypto';
import type { DirectCredential } from './credentials.js';
import { RegistrySession, type Answer, type Fetch } from './http.js';
import { kindOfManifest, MANIFEST_ACCEPT, MEDIA_TYPES } from './media-types.js';
import { pickPlatform, platformText, type IndexEntry, type Platform } from './platform.js';
import { registryBaseUrl, type ImageReference } from './reference.js';
import { PROBLEM_KINDS, RegistryProblem } from './registry-problem.js';

/** The image command as SPEC §2's `debug.dead/image-command` carries it for one container. */
export interface ImageCommand {
  entrypoint: string[] | null;
  cmd: string[] | null;
  /** The digest the reference resolved to (what a tag pointed at, or the digest asked for). */
  digest: string;
}

export const LIMITS = {
  /** Manifests and indexes (the distribution spec's servers accept up to 4 MiB). */
  manifestBytes: 4 * 1024 * 1024,
  /** The config blob: real ones are a few KiB to a few hundred; a bigger one is not read. */
  configBytes: 1024 * 1024,
} as const;

function sha256(body: Buffer): string {
  return `sha256:${createHash('sha256').update(body).digest('hex')}`;
}

function parseJsonObject(answer: Answer, what: string, host: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(answer.body.toString('utf8'));
  } catch {
    throw new RegistryProblem(PROBLEM_KINDS.badAnswer, `${host} answered ${what} with something that is not JSON`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new RegistryProblem(PROBLEM_KINDS.badAnswer, `${host} answered ${what} with JSON that is not an object`);
  }
  return parsed as Record<string, unknown>;
}

function checkDigest(body: Buffer, expected: string | undefined, what: string, host: string): string {
  const actual = sha256(body);
  if (expected !== undefined && expected.startsWith('sha256:') && expected !== actual) {
    throw new RegistryProblem(
      PROBLEM_KINDS.badAnswer,
      `${host} answered ${what} with content whose digest is not ${expected}`,
    );
  }
  return actual;
}

function stringArrayOrNull(value: unknown, field: string, host: string): string[] | null {
  if (value === undefined || value === null) return null;
  if (Array.isArray(value) && value.every((part) => typeof part === 'string')) return value;
  throw new RegistryProblem(
    PROBLEM_KINDS.badAnswer,
    `${host} has an image config whose ${field} is not a list of strings`,
  );
}

function statusProblem(
  answer: Answer,
  what: string,
  host: string,
  credential: DirectCredential | undefined,
  foreignRealm: string | undefined,
): RegistryProblem {
  if (answer.status === 401 || answer.status === 403) {
    if (foreignRealm !== undefined) {
      return new RegistryProblem(
        PROBLEM_KINDS.auth,
        `the token service of ${host} is on another host (${foreignRealm}): debugdead does not send your credentials there`,
      );
    }
    return new RegistryProblem(
      PROBLEM_KINDS.auth,
      credential === undefined
        ? `${host} needs credentials for ${what} (HTTP ${answer.status})`
        : `${host} refused the credentials from ${credential.source} for ${what} (HTTP ${answer.status})`,
    );
  }
  if (answer.status === 404) return new RegistryProblem(PROBLEM_KINDS.notFound, `${what} is not on ${host} (HTTP 404)`);
  return new RegistryProblem(PROBLEM_KINDS.badAnswer, `${host} answered HTTP ${answer.status} for ${what}`);
}

function descriptor(value: unknown): IndexEntry | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const record = value as Record<string, unknown>;
  if (typeof record.digest !== 'string') return undefined;
  const platform = record.platform as Record<string, unknown> | undefined;
  return {
    digest: record.digest,
    mediaType: typeof record.mediaType === 'string' ? record.mediaType : undefined,
    size: typeof record.size === 'number' ? record.size : undefined,
    platform:
      typeof platform?.os === 'string' && typeof platform.architecture === 'string'
        ? {
            os: platform.os,
            architecture: platform.architecture,
            variant: typeof platform.variant === 'string' ? platform.variant : undefined,
          }
        : undefined,
  };
}

export interface ReadOptions {
  reference: ImageReference;
  platform: Platform;
  credential: DirectCredential | undefined;
  signal: AbortSignal;
  fetch: Fetch;
}

/** Reads the image command; throws a RegistryProblem with a one-line message. */
export async function readImageCommand(options: ReadOptions): Promise<ImageCommand> {
  const { reference, platform } = options;
  const baseUrl = registryBaseUrl(reference.registry);
  const host = new URL(baseUrl).host;
  const session = new RegistrySession({
    baseUrl,
    repository: reference.repository,
    credential: options.credential,
    signal: options.signal,
    fetch: options.fetch,
  });
  const repo = reference.repository;
  const wanted = reference.digest ?? reference.tag ?? 'latest';
  const fail = (answer: Answer, what: string): RegistryProblem =>
    statusProblem(answer, what, host, options.credential, session.foreignRealm);

  const what = `the manifest of ${repo}:${wanted}`.replace(':sha256:', '@sha256:');
  const top = await session.get(`/v2/${repo}/manifests/${wanted}`, MANIFEST_ACCEPT, LIMITS.manifestBytes, what);
  if (top.status !== 200) throw fail(top, what);
  const digest = checkDigest(top.body, reference.digest, what, host);
  let manifest = parseJsonObject(top, what, host);
  let kind = kindOfManifest(manifest, top.headers.get('content-type') ?? undefined);
  if (kind === undefined) {
    throw new RegistryProblem(
      PROBLEM_KINDS.badAnswer,
      `${host} answered ${what} with a media type debugdead does not read (${typeof manifest.mediaType === 'string' ? manifest.mediaType : (top.headers.get('content-type') ?? 'none')}; Docker schema 2 and OCI are supported)`,
    );
  }
  if (kind === 'index') {
    const entries = (Array.isArray(manifest.manifests) ? manifest.manifests : []).flatMap(
      (entry) => descriptor(entry) ?? [],
    );
    const picked = pickPlatform(entries, platform);
    if (picked === undefined) {
      const offered = entries.flatMap((entry) => (entry.platform === undefined ? [] : [platformText(entry.platform)]));
      throw new RegistryProblem(
        PROBLEM_KINDS.noPlatform,
        `${reference.registry}/${repo} has no image for ${platformText(platform)} (it has: ${offered.join(', ') || 'none'})`,
      );
    }
    const platformWhat = `the ${platformText(platform)} manifest of ${repo}`;
    const answer = await session.get(
      `/v2/${repo}/manifests/${picked.digest}`,
      MANIFEST_ACCEPT,
      LIMITS.manifestBytes,
      platformWhat,
    );
    if (answer.status !== 200) throw fail(answer, platformWhat);
    checkDigest(answer.body, picked.digest, platformWhat, host);
    manifest = parseJsonObject(answer, platformWhat, host);
    kind = kindOfManifest(manifest, answer.headers.get('content-type') ?? undefined);
    if (kind !== 'manifest') {
      throw new RegistryProblem(
        PROBLEM_KINDS.badAnswer,
        `${host} answered ${platformWhat} with something that is not an image manifest`,
      );
    }
  }
  const config = descriptor(manifest.config);
  if (config === undefined)
    throw new RegistryProblem(PROBLEM_KINDS.badAnswer, `${host} has a manifest for ${repo} without a config`);
  if (
    config.mediaType !== undefined &&
    config.mediaType !== MEDIA_TYPES.dockerConfig &&
    config.mediaType !== MEDIA_TYPES.ociConfig
  ) {
    throw new RegistryProblem(
      PROBLEM_KINDS.badAnswer,
      `${reference.registry}/${repo} is not a container image (config ${config.mediaType})`,
    );
  }
  if (config.size !== undefined && config.size > LIMITS.configBytes) {
    throw new RegistryProblem(
      PROBLEM_KINDS.tooLarge,
      `the image config of ${repo} is ${config.size} bytes, more than the ${LIMITS.configBytes} debugdead reads`,
    );
  }
  const configWhat = `the image config of ${repo}`;
  const blob = await session.get(
    `/v2/${repo}/blobs/${config.digest}`,
    `${MEDIA_TYPES.ociConfig}, ${MEDIA_TYPES.dockerConfig}, */*`,
    LIMITS.configBytes,
    configWhat,
  );
  if (blob.status !== 200) throw fail(blob, configWhat);
  checkDigest(blob.body, config.digest, configWhat, host);
  const image = parseJsonObject(blob, configWhat, host);
  const inner = image.config;
  const runConfig = typeof inner === 'object' && inner !== null ? (inner as Record<string, unknown>) : {};
  return {
    entrypoint: stringArrayOrNull(runConfig.Entrypoint, 'Entrypoint', host),
    cmd: stringArrayOrNull(runConfig.Cmd, 'Cmd', host),
    digest,
  };
}
