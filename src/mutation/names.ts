/** The API users write: annotation and label keys of SPEC §2, in one place. */
export const ANNOTATIONS = {
  enable: 'debug.dead/enable',
  container: 'debug.dead/container',
  image: 'debug.dead/image',
  ttl: 'debug.dead/ttl',
  volumes: 'debug.dead/volumes',
  keepProbes: 'debug.dead/keep-probes',
  allowOwned: 'debug.dead/allow-owned',
  /** JSON per container name: the image config's entrypoint and cmd and their digest (SPEC §2). */
  imageCommand: 'debug.dead/image-command',
  mutated: 'debug.dead/mutated',
  original: 'debug.dead/original',
  source: 'debug.dead/source',
} as const;

export const LABELS = {
  /** Namespace opt-in label. */
  enable: 'debug.dead/enable',
  /** Put by the CLI on a copy: the source pod's name (truncated to 63). */
  copyOf: 'debug.dead/copy-of',
} as const;

/** Condition type of the readiness gate that keeps a copy from ever becoming Ready. */
export const NOT_SERVING_GATE = 'debug.dead/not-serving';

/** The Kubelet marks static pods' API mirrors with this annotation. */
export const MIRROR_ANNOTATION = 'kubernetes.io/config.mirror';

export const DEFAULT_CONTAINER_ANNOTATION = 'kubectl.kubernetes.io/default-container';

export const VOLUME_POLICIES = { empty: 'empty', readonly: 'readonly' } as const;
export type VolumePolicy = (typeof VOLUME_POLICIES)[keyof typeof VOLUME_POLICIES];
