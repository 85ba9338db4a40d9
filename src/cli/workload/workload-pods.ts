/**
 * A workload and its pods, from the API server: the workload object, and the pods it controls, followed
 * through the controller references kubectl follows (Deployment → ReplicaSets → pods, CronJob → Jobs → pods,
 * the others → pods). A pod is the workload's only when its controller reference's uid says so: a selector
 * alone would also match orphans and debug copies that kept the labels.
 */
import type { JsonObject, Pod } from '../../mutation/index.js';
import type { ApiResource, KubeClient } from '../kube/kube-client.js';
import { objectAt, objectsAt, stringAt } from '../../mutation/json.js';
import { WORKLOAD_KINDS, type WorkloadKind } from './target.js';

export function apiResource(kind: WorkloadKind): ApiResource {
  return { resource: kind.resource, group: { name: kind.group, version: kind.version } };
}

/** The uid of the object's controller, if any. */
export function controllerUid(object: JsonObject): string | undefined {
  const owner = objectsAt(object.metadata, 'ownerReferences').find((reference) => reference.controller === true);
  return stringAt(owner, 'uid');
}

/** A LabelSelector as the `labelSelector` query parameter; undefined when it cannot be written (then: no filter). */
export function selectorQuery(selector: JsonObject | undefined): string | undefined {
  if (selector === undefined) return undefined;
  const parts: string[] = [];
  for (const [key, value] of Object.entries(objectAt(selector, 'matchLabels') ?? {})) {
    if (typeof value !== 'string') return undefined;
    parts.push(`${key}=${value}`);
  }
  for (const expression of objectsAt(selector, 'matchExpressions')) {
    const key = stringAt(expression, 'key');
    const operator = stringAt(expression, 'operator');
    const values = Array.isArray(expression.values) ? expression.values.filter((v) => typeof v === 'string') : [];
    if (key === undefined) return undefined;
    if (operator === 'In') parts.push(`${key} in (${values.join(',')})`);
    else if (operator === 'NotIn') parts.push(`${key} notin (${values.join(',')})`);
    else if (operator === 'Exists') parts.push(key);
    else if (operator === 'DoesNotExist') parts.push(`!${key}`);
    else return undefined;
  }
  return parts.length === 0 ? undefined : parts.join(',');
}

/** The uids whose pods are the workload's: its own, or those of the ReplicaSets / Jobs it controls. */
async function podOwnerUids(client: KubeClient, kind: WorkloadKind, workload: JsonObject): Promise<Set<string>> {
  const uid = stringAt(workload.metadata, 'uid') ?? '';
  const namespace = stringAt(workload.metadata, 'namespace') ?? client.namespace;
  const middle =
    kind.kind === WORKLOAD_KINDS.deployment.kind
      ? WORKLOAD_KINDS.replicaset
      : kind.kind === WORKLOAD_KINDS.cronjob.kind
        ? WORKLOAD_KINDS.job
        : undefined;
  if (middle === undefined) return new Set([uid]);
  const selector = kind === WORKLOAD_KINDS.deployment ? selectorQuery(objectAt(workload.spec, 'selector')) : undefined;
  const children = await client.listObjects(apiResource(middle), namespace, selector);
  return new Set(
    children.filter((child) => controllerUid(child) === uid).map((child) => stringAt(child.metadata, 'uid') ?? ''),
  );
}

export interface WorkloadAndPods {
  workload: JsonObject;
  pods: Pod[];
}

export async function workloadPods(
  client: KubeClient,
  kind: WorkloadKind,
  namespace: string,
  name: string,
): Promise<WorkloadAndPods> {
  const workload = await client.getObject(apiResource(kind), namespace, name);
  const owners = await podOwnerUids(client, kind, workload);
  if (owners.size === 0) return { workload, pods: [] };
  const selector =
    kind.kind === WORKLOAD_KINDS.cronjob.kind ? undefined : selectorQuery(objectAt(workload.spec, 'selector'));
  const pods = await client.listPods(namespace, selector);
  return { workload, pods: pods.filter((pod) => owners.has(controllerUid(pod) ?? '')) };
}
