/**
 * The copy of a workload that has no pod left (a Job whose pods were deleted, a CronJob that never ran, a
 * Deployment scaled to 0): built from its pod template, `spec.template` (`spec.jobTemplate.spec.template` of a
 * CronJob), as the controller would have made a pod of it, then copied like a pod (pod-copy.ts: labels and
 * annotations only with --keep-labels/--keep-annotations). Only what the controller adds that the pod needs
 * to be valid is added: a StatefulSet's claims from volumeClaimTemplates (ordinal 0's, which the volume policy
 * then empties or mounts read-only). The restartPolicy stays the template's (a Job's Never/OnFailure is valid
 * for a pod); everything else the API server defaults on create. Pure.
 */
import { UsageError } from '../../errors.js';
import { ANNOTATIONS, type JsonObject, type Pod } from '../../mutation/index.js';
import { cloneJson, objectAt, objectsAt, stringAt } from '../../mutation/json.js';
import { copyPod, type CopyOptions } from '../copy/pod-copy.js';
import { WORKLOAD_KINDS, targetText, type WorkloadKind } from './target.js';

/** The pod template of a workload object, or undefined when it has none. */
export function podTemplate(kind: WorkloadKind, workload: JsonObject): JsonObject | undefined {
  const spec = objectAt(workload, 'spec');
  return kind.kind === WORKLOAD_KINDS.cronjob.kind
    ? objectAt(objectAt(objectAt(spec, 'jobTemplate'), 'spec'), 'template')
    : objectAt(spec, 'template');
}

/** `TYPE/namespace/name`: the debug.dead/source of a copy made from a template. */
export function templateSource(kind: WorkloadKind, namespace: string, name: string): string {
  return `${kind.singular}/${namespace}/${name}`;
}

/** The claims a StatefulSet's controller adds to its pods (ordinal 0's), for mounts that name them. */
function claimVolumes(kind: WorkloadKind, workload: JsonObject, spec: JsonObject): JsonObject[] {
  if (kind.kind !== WORKLOAD_KINDS.statefulset.kind) return [];
  const name = stringAt(workload.metadata, 'name') ?? '';
  const existing = new Set(objectsAt(spec, 'volumes').map((volume) => stringAt(volume, 'name')));
  return objectsAt(workload.spec, 'volumeClaimTemplates').flatMap((claim) => {
    const claimName = stringAt(claim.metadata, 'name');
    if (claimName === undefined || existing.has(claimName)) return [];
    return [{ name: claimName, persistentVolumeClaim: { claimName: `${claimName}-${name}-0` } }];
  });
}

/** The pod the controller would make of the template, named after the workload (the copy's name says whose). */
export function podFromTemplate(kind: WorkloadKind, workload: JsonObject): Pod {
  const name = stringAt(workload.metadata, 'name');
  const namespace = stringAt(workload.metadata, 'namespace');
  const template = podTemplate(kind, workload);
  const text = targetText(kind, name ?? '');
  if (name === undefined || namespace === undefined || template === undefined) {
    throw new UsageError(
      `${text} has no pod template (spec${kind === WORKLOAD_KINDS.cronjob ? '.jobTemplate.spec' : ''}.template): nothing to copy`,
    );
  }
  const spec = cloneJson(objectAt(template, 'spec') ?? {});
  const claims = claimVolumes(kind, workload, spec);
  if (claims.length > 0) spec.volumes = [...objectsAt(spec, 'volumes'), ...claims];
  const metadata = objectAt(template, 'metadata') ?? {};
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace,
      ...(objectAt(metadata, 'labels') === undefined ? {} : { labels: cloneJson(objectAt(metadata, 'labels') ?? {}) }),
      ...(objectAt(metadata, 'annotations') === undefined
        ? {}
        : { annotations: cloneJson(objectAt(metadata, 'annotations') ?? {}) }),
    },
    spec,
  };
}

/** The annotated copy of a workload's template: a pod copy whose debug.dead/source is `TYPE/namespace/name`. */
export function copyTemplate(kind: WorkloadKind, workload: JsonObject, options: CopyOptions): Pod {
  const source = podFromTemplate(kind, workload);
  const copy = copyPod(source, options);
  const metadata = copy.metadata as { namespace: string; annotations: Record<string, string> };
  const name = stringAt(workload.metadata, 'name') ?? '';
  metadata.annotations[ANNOTATIONS.source] = templateSource(kind, metadata.namespace, name);
  return copy;
}
