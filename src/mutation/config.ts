/** Defaults of the mutation; the webhook and CLI entry points override them from flags and environment. */

/**
 * The tools image: a static (musl) busybox, pinned to an exact tag. This is the one place it is set.
 * It must contain a static busybox at /bin/busybox.
 */
export const DEFAULT_TOOLS_IMAGE = 'busybox:1.37.0-musl';
export const DEFAULT_TTL_SECONDS = 24 * 60 * 60;
export const DEFAULT_MOUNT_PATH = '/debug-dead';
/** Name of the injected init container and of the tools volume (a suffix is added on collision). */
export const DEFAULT_TOOLS_NAME = 'debug-dead-tools';
/** UID of the tools init container when the pod sets no non-root runAsUser (distroless "nonroot"). */
export const DEFAULT_TOOLS_UID = 65532;

export interface MutationConfig {
  /** Default tools image; a pod can override it with the debug.dead/image annotation. */
  toolsImage: string;
  /** Default time to live in seconds; a pod can override it with the debug.dead/ttl annotation. */
  defaultTtlSeconds: number;
  /** Where the tools volume is mounted in target containers (another path is chosen on collision). */
  mountPath: string;
}

export const DEFAULT_MUTATION_CONFIG: Readonly<MutationConfig> = Object.freeze({
  toolsImage: DEFAULT_TOOLS_IMAGE,
  defaultTtlSeconds: DEFAULT_TTL_SECONDS,
  mountPath: DEFAULT_MOUNT_PATH,
});
