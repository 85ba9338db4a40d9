/**
 * Which image of an index runs on a node: the node's `status.nodeInfo` (operatingSystem, architecture), else
 * the pod's `kubernetes.io/os`/`kubernetes.io/arch` node selector, else linux/amd64; matched as containerd
 * does (arm64 without a variant is v8, arm without one is v7). Pure.
 */

export interface Platform {
  os: string;
  architecture: string;
  variant?: string | undefined;
}

export interface PlatformSource {
  /** `node.status.nodeInfo` of the pod's node, when it could be read. */
  nodeInfo?: { operatingSystem?: unknown; architecture?: unknown } | undefined;
  /** The pod's `spec.nodeSelector`. */
  nodeSelector?: Record<string, string> | undefined;
}

export const DEFAULT_PLATFORM: Platform = { os: 'linux', architecture: 'amd64' };

export function wantedPlatform(source: PlatformSource): { platform: Platform; from: 'node' | 'selector' | 'default' } {
  const os = source.nodeInfo?.operatingSystem;
  const architecture = source.nodeInfo?.architecture;
  if (typeof os === 'string' && os !== '' && typeof architecture === 'string' && architecture !== '') {
    return { platform: { os, architecture }, from: 'node' };
  }
  const arch = source.nodeSelector?.['kubernetes.io/arch'];
  if (arch !== undefined && arch !== '') {
    return {
      platform: { os: source.nodeSelector?.['kubernetes.io/os'] ?? 'linux', architecture: arch },
      from: 'selector',
    };
  }
  return { platform: DEFAULT_PLATFORM, from: 'default' };
}

const DEFAULT_VARIANT: Record<string, string> = { arm64: 'v8', arm: 'v7' };

function variantOf(platform: Platform): string {
  return platform.variant !== undefined && platform.variant !== ''
    ? platform.variant
    : (DEFAULT_VARIANT[platform.architecture] ?? '');
}

export function platformText(platform: Platform): string {
  return `${platform.os}/${platform.architecture}${platform.variant === undefined || platform.variant === '' ? '' : `/${platform.variant}`}`;
}

export interface IndexEntry {
  digest: string;
  mediaType?: string | undefined;
  size?: number | undefined;
  platform?: Platform | undefined;
}

/**
 * The entry of an index for `wanted`: same os and architecture, and the same variant when the wanted
 * platform names one (else the architecture's default variant, or the first entry of that architecture).
 */
export function pickPlatform(entries: readonly IndexEntry[], wanted: Platform): IndexEntry | undefined {
  const candidates = entries.filter(
    (entry) => entry.platform?.os === wanted.os && entry.platform.architecture === wanted.architecture,
  );
  const wantedVariant = variantOf(wanted);
  return (
    candidates.find((entry) => entry.platform !== undefined && variantOf(entry.platform) === wantedVariant) ??
    (wanted.variant === undefined || wanted.variant === '' ? candidates[0] : undefined)
  );
}
