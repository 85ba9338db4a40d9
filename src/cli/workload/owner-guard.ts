/**
 * --keep-labels on a pod named directly: when its controller is a ReplicaSet or DaemonSet (which adopt by
 * selector alone), the copy leaves out the selector's labels as for `TYPE/NAME` (adoption.ts). Where the owner
 * cannot be read (gone, or not allowed), the copy is left as it is: the mutation's adoption labels still apply.
 */
import type { Pod } from '../../mutation/index.js';
import { objectsAt, stringAt } from '../../mutation/json.js';
import type { KubeClient } from '../kube/kube-client.js';
import { keepAwayFromController } from './adoption.js';
import { kindOf } from './target.js';
import { apiResource } from './workload-pods.js';

/** Returns the note to print, or undefined when nothing was removed. */
export async function guardAgainstOwner(client: KubeClient, source: Pod, copy: Pod): Promise<string | undefined> {
  const owner = objectsAt(source.metadata, 'ownerReferences').find((reference) => reference.controller === true);
  const kind = kindOf(stringAt(owner, 'apiVersion'), stringAt(owner, 'kind'));
  const name = stringAt(owner, 'name');
  const namespace = stringAt(source.metadata, 'namespace');
  if (kind === undefined || name === undefined || namespace === undefined) return undefined;
  try {
    const object = await client.getObject(apiResource(kind), namespace, name);
    return keepAwayFromController(copy, kind, object, name);
  } catch {
    return undefined;
  }
}
