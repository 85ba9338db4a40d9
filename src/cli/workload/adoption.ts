/**
 * --keep-labels on a ReplicaSet or DaemonSet: their controllers adopt any orphan whose labels match their
 * selector (PITFALLS 19), and the mutation's list of adoption labels does not cover a selector made of the
 * application's own labels (app=agent). The copy of such a workload keeps its labels except those of the
 * selector's matchLabels, and the user is told which. (A Deployment's ReplicaSets select on pod-template-hash, a
 * Job on its controller-uid, both removed by the mutation; a StatefulSet adopts only pods named after it.) Pure.
 */
import { LABELS, type JsonObject, type Pod } from '../../mutation/index.js';
import { ADOPTION_LABELS } from '../../mutation/plan.js';
import { objectAt, stringMapAt } from '../../mutation/json.js';
import { WORKLOAD_KINDS, targetText, type WorkloadKind } from './target.js';

const ADOPT_BY_SELECTOR: readonly string[] = [WORKLOAD_KINDS.replicaset.kind, WORKLOAD_KINDS.daemonset.kind];

/**
 * Removes from the copy's labels those of the workload's selector (matchLabels) when its controller would adopt
 * the copy by them; returns the note to print, or undefined when nothing was removed.
 */
export function keepAwayFromController(
  copy: Pod,
  kind: WorkloadKind,
  workload: JsonObject,
  name: string,
): string | undefined {
  if (!ADOPT_BY_SELECTOR.includes(kind.kind)) return undefined;
  const labels = objectAt(copy.metadata, 'labels');
  if (labels === undefined) return undefined;
  const selector = stringMapAt(objectAt(workload.spec, 'selector'), 'matchLabels');
  // A selector on a label the mutation removes (a Deployment's ReplicaSet selects on pod-template-hash) cannot
  // match the stored copy: nothing to leave out.
  if (Object.keys(selector).some((key) => ADOPTION_LABELS.includes(key))) return undefined;
  const removed = Object.entries(selector).filter(([key, value]) => labels[key] === value && key !== LABELS.copyOf);
  if (removed.length === 0) return undefined;
  for (const [key] of removed) Reflect.deleteProperty(labels, key);
  const list = removed.map(([key, value]) => `${key}=${value}`).join(', ');
  return `--keep-labels: not keeping ${list}: the selector of ${targetText(kind, name)}, whose controller would adopt the copy`;
}
