/** Manifest media types of Docker schema 2 and OCI, and what each one is. Pure. */

export const MEDIA_TYPES = {
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  dockerManifestList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  dockerConfig: 'application/vnd.docker.container.image.v1+json',
  ociConfig: 'application/vnd.oci.image.config.v1+json',
} as const;

/** What the client accepts for a manifest request, most specific first. */
export const MANIFEST_ACCEPT = [
  MEDIA_TYPES.ociIndex,
  MEDIA_TYPES.dockerManifestList,
  MEDIA_TYPES.ociManifest,
  MEDIA_TYPES.dockerManifest,
].join(', ');

export type ManifestKind = 'index' | 'manifest';

/** The kind of a manifest from its media type (Content-Type parameters ignored), or undefined if unknown. */
export function manifestKind(mediaType: string | undefined): ManifestKind | undefined {
  const bare = (mediaType ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  switch (bare) {
    case MEDIA_TYPES.dockerManifestList:
    case MEDIA_TYPES.ociIndex:
      return 'index';
    case MEDIA_TYPES.dockerManifest:
    case MEDIA_TYPES.ociManifest:
      return 'manifest';
    default:
      return undefined;
  }
}

/**
 * The kind of a parsed manifest: its `mediaType` field, else the Content-Type, else its shape (an OCI
 * manifest may omit `mediaType`: `manifests` makes an index, `config` a manifest).
 */
export function kindOfManifest(
  body: Record<string, unknown>,
  contentType: string | undefined,
): ManifestKind | undefined {
  const field = typeof body.mediaType === 'string' ? body.mediaType : undefined;
  const byType = manifestKind(field) ?? manifestKind(contentType);
  if (byType !== undefined) return byType;
  if (field !== undefined) return undefined;
  if (Array.isArray(body.manifests)) return 'index';
  if (typeof body.config === 'object' && body.config !== null) return 'manifest';
  return undefined;
}
