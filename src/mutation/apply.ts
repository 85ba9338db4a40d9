/** Carries a plan out (plan.ts): a new pod, copy-on-write, so untouched subtrees keep their references. */
import { objectArray } from './json.js';
import type { FieldEdit, Plan } from './plan.js';
import { nameOf } from './subject.js';
import type { JsonObject, Pod } from './types.js';

function edited(object: JsonObject, edit: FieldEdit | undefined): JsonObject {
  if (edit === undefined) return object;
  const next: JsonObject = { ...object };
  for (const key of edit.remove) Reflect.deleteProperty(next, key);
  return Object.assign(next, edit.set);
}

export function applyPlan(pod: Pod, metadata: JsonObject, spec: JsonObject, plan: Plan): Pod {
  const container = (item: JsonObject) => edited(item, plan.containers.get(nameOf(item)));
  const nextSpec = edited(spec, {
    set: {
      initContainers: [plan.toolsContainer, ...(objectArray(spec.initContainers) ?? []).map(container)],
      containers: (objectArray(spec.containers) ?? []).map(container),
      ...plan.spec.set,
    },
    remove: plan.spec.remove,
  });
  return { ...pod, metadata: edited(metadata, plan.metadata), spec: nextSpec };
}
