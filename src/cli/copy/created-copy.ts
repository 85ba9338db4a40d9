/**
 * The copy as the API server returned it from the create, read once into a typed value: where it is, which
 * object it is (uid, for deletes that must not hit a pod re-created under the same name), and what the webhook
 * (or --local) did to it. Everything after the create works from this, not from the pod's JSON.
 */
import { DEFAULT_MOUNT_PATH } from '../../mutation/config.js';
import type { Pod } from '../../mutation/index.js';
import { stringAt } from '../../mutation/json.js';
import { copyState, isMutated, targetContainers, type CopyState } from './copy-state.js';

export interface CreatedCopy {
  namespace: string;
  name: string;
  /** The uid the API server gave it; undefined only from a server that gives none (a dry run). */
  uid: string | undefined;
  /** True when the stored copy carries debug.dead/mutated: the webhook (or --local) rewrote it. */
  mutated: boolean;
  /** The webhook's summary and the original commands (debug.dead/mutated, debug.dead/original). */
  state: CopyState;
  /** The kept-alive containers, regular first, then init containers. */
  targets: string[];
  /** Where the tools are mounted in them (busybox, rerun, .profile). */
  mountPath: string;
  /** The pod as returned, for the report. */
  pod: Pod;
}

/** Reads the returned pod; `namespace` stands in when the answer names none. */
export function createdCopy(pod: Pod, namespace: string): CreatedCopy {
  const state = copyState(pod);
  return {
    namespace: stringAt(pod.metadata, 'namespace') ?? namespace,
    name: stringAt(pod.metadata, 'name') ?? '',
    uid: stringAt(pod.metadata, 'uid'),
    mutated: isMutated(pod),
    state,
    targets: targetContainers(state),
    mountPath: state.summary?.mountPath ?? DEFAULT_MOUNT_PATH,
    pod,
  };
}
