/** JSON values as they arrive from the API server or a manifest, and the results of the mutation. */
import type { UntouchedCode } from './gate.js';

export type JsonPrimitive = string | number | boolean | null;
export type JsonValue = JsonPrimitive | JsonValue[] | JsonObject;
export interface JsonObject {
  [key: string]: JsonValue;
}

/** A Pod as plain JSON (what the API server sends in an AdmissionReview, or a parsed manifest). */
export type Pod = JsonObject;

/** One RFC 6902 operation. The mutation only emits add, remove and replace. */
export type JsonPatchOperation =
  | { op: 'add'; path: string; value: JsonValue }
  | { op: 'replace'; path: string; value: JsonValue }
  | { op: 'remove'; path: string };

/** What the debug.dead/mutated annotation records (JSON). */
export interface MutationSummary {
  /** Target regular containers. */
  containers: string[];
  /** Target init containers (§3.6). */
  initContainers: string[];
  /** Probes removed, per container. */
  probesRemoved: Record<string, string[]>;
  /** Containers whose lifecycle hooks were removed. */
  lifecycleRemoved: string[];
  /** Containers whose hostPorts were cleared (in a hostNetwork pod: whose ports lists were removed). */
  hostPortsCleared: string[];
  /** Volumes replaced by an emptyDir (volume policy "empty", and generic ephemeral volumes). */
  volumesReplaced: string[];
  /** Volumes kept but made read-only (volume policy "readonly"). */
  volumesReadOnly: string[];
  /** Labels removed so that no controller adopts the pod. */
  labelsRemoved: string[];
  /** The requested time to live. */
  ttlSeconds: number;
  /** The resulting spec.activeDeadlineSeconds (never above what the pod had). */
  activeDeadlineSeconds: number;
  toolsImage: string;
  /** Where the tools are mounted in the target containers (busybox, rerun, .profile). */
  mountPath: string;
  /** Name of the injected init container. */
  toolsContainer: string;
  /** Name of the injected emptyDir volume. */
  toolsVolume: string;
}

/**
 * What the debug.dead/original annotation records (JSON): per target container, its command and args (null
 * where the spec had none), and, when its image command is known (debug.dead/image-command), the argv the
 * runtime really ran.
 */
export type OriginalCommands = Record<string, { command: string[] | null; args: string[] | null; argv?: string[] }>;

export type MutationResult =
  /** Nothing to do: the pod is returned as it came (code for metrics and adapters, reason for logs). */
  | { outcome: 'untouched'; code: UntouchedCode; reason: string }
  /** The user's mistake or a pod that must not be mutated; the message names the field and the fix. */
  | { outcome: 'denied'; message: string }
  /** A patch valid against exactly the input object, the resulting pod, and warnings (each ≤ 120 chars). */
  | {
      outcome: 'mutated';
      patch: JsonPatchOperation[];
      pod: Pod;
      warnings: string[];
      summary: MutationSummary;
      original: OriginalCommands;
    };
