/**
 * Image references as Docker and the kubelet read them: `nginx` is `docker.io/library/nginx:latest`,
 * `index.docker.io/x` is `docker.io/x`, a first component with a `.` or a `:` (or `localhost`) is a registry
 * host. Pure.
 */

export interface ImageReference {
  /** The registry as named (`docker.io`, `ghcr.io`, `127.0.0.1:5000`). */
  registry: string;
  /** `library/nginx`, `team/app`. */
  repository: string;
  tag: string | undefined;
  /** `sha256:…` */
  digest: string | undefined;
}

/** Docker Hub's names; its API is served at registry-1.docker.io. */
const DOCKER_HUB = 'docker.io';
const DOCKER_HUB_ALIASES = new Set(['docker.io', 'index.docker.io', 'registry-1.docker.io']);
export const DOCKER_HUB_API_HOST = 'registry-1.docker.io';

const DIGEST = /^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]{32,}$/;
const TAG = /^[\w][\w.-]{0,127}$/;
const REPOSITORY = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$/;
const HOST =
  /^(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*|\[[0-9a-fA-F:.]+\])(?::[0-9]+)?$/;

/** Why a reference does not parse, or the reference. */
export function parseReference(text: string): ImageReference | { problem: string } {
  let rest = text.trim();
  if (rest === '') return { problem: 'the image reference is empty' };
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!DIGEST.test(digest)) return { problem: `"${text}" has an invalid digest "${digest}"` };
  }
  let tag: string | undefined;
  const lastSlash = rest.lastIndexOf('/');
  const colon = rest.lastIndexOf(':');
  if (colon > lastSlash) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!TAG.test(tag)) return { problem: `"${text}" has an invalid tag "${tag}"` };
  }
  let registry = DOCKER_HUB;
  let repository = rest;
  const slash = rest.indexOf('/');
  if (slash >= 0) {
    const first = rest.slice(0, slash);
    if (first.includes('.') || first.includes(':') || first === 'localhost' || first.startsWith('[')) {
      registry = first;
      repository = rest.slice(slash + 1);
      if (!HOST.test(registry)) return { problem: `"${text}" has an invalid registry host "${registry}"` };
    }
  }
  if (DOCKER_HUB_ALIASES.has(registry.toLowerCase())) {
    registry = DOCKER_HUB;
    if (!repository.includes('/')) repository = `library/${repository}`;
  }
  if (!REPOSITORY.test(repository)) return { problem: `"${text}" has an invalid repository name "${repository}"` };
  if (tag === undefined && digest === undefined) tag = 'latest';
  return { registry, repository, tag, digest };
}

/** The host the distribution API of this registry is served on. */
export function apiHost(registry: string): string {
  return registry === DOCKER_HUB ? DOCKER_HUB_API_HOST : registry;
}

/** `registry/repository[:tag][@digest]` in the normalised form. */
export function formatReference(reference: ImageReference): string {
  return (
    `${reference.registry}/${reference.repository}` +
    (reference.tag === undefined ? '' : `:${reference.tag}`) +
    (reference.digest === undefined ? '' : `@${reference.digest}`)
  );
}

/**
 * What the kubelet ran: `status.containerStatuses[].imageID` when it names a repository and digest
 * (`docker.io/library/nginx@sha256:…`, `docker-pullable://nginx@sha256:…`); else the spec's `image`. A bare
 * `sha256:…` (a runtime that reports the image ID, i.e. the config digest, for an image without a repository
 * digest) names no manifest, so the spec's `image` is used then too.
 */
export function referenceToResolve(
  image: string,
  imageID: string | undefined,
): { reference: ImageReference; fromStatus: boolean } | { problem: string } {
  const id = (imageID ?? '').replace(/^[a-z-]+:\/\//, '');
  if (id.includes('@')) {
    const fromStatus = parseReference(id);
    if (!('problem' in fromStatus) && fromStatus.digest !== undefined)
      return { reference: { ...fromStatus, tag: undefined }, fromStatus: true };
  }
  const spec = parseReference(image);
  if ('problem' in spec) return spec;
  return { reference: spec, fromStatus: false };
}

/** Loopback registries (127.0.0.0/8, ::1, localhost) are spoken to in plain HTTP, as docker and containerd allow. */
export function isLoopbackHost(registry: string): boolean {
  const host = registry.startsWith('[') ? registry.slice(1, registry.indexOf(']')) : registry.replace(/:\d+$/, '');
  const lower = host.toLowerCase();
  return lower === 'localhost' || lower === '::1' || /^127(?:\.\d{1,3}){3}$/.test(lower);
}

/** The base URL of a registry's API: https, except http for loopback hosts. */
export function registryBaseUrl(registry: string): string {
  return `${isLoopbackHost(registry) ? 'http' : 'https'}://${apiHost(registry)}`;
}
