/**
 * What the user names on the command line: `POD`, `pod/NAME`, or `TYPE/NAME` of a workload, with kubectl's
 * spellings (kind, singular, plural, short name, any case) and its `TYPE.GROUP` and `TYPE.VERSION.GROUP` forms
 * (`deployments.apps/web`, `jobs.v1.batch/nightly`). Pure.
 */
import { UsageError } from '../../errors.js';

export interface WorkloadKind {
  /** The object's kind, as in ownerReferences. */
  readonly kind: string;
  readonly group: string;
  readonly version: string;
  /** The plural resource of the API path. */
  readonly resource: string;
  /** Lower-case singular: how debugdead writes the type (debug.dead/source, messages). */
  readonly singular: string;
  readonly shortNames: readonly string[];
}

export const WORKLOAD_KINDS = {
  deployment: {
    kind: 'Deployment',
    group: 'apps',
    version: 'v1',
    resource: 'deployments',
    singular: 'deployment',
    shortNames: ['deploy'],
  },
  replicaset: {
    kind: 'ReplicaSet',
    group: 'apps',
    version: 'v1',
    resource: 'replicasets',
    singular: 'replicaset',
    shortNames: ['rs'],
  },
  statefulset: {
    kind: 'StatefulSet',
    group: 'apps',
    version: 'v1',
    resource: 'statefulsets',
    singular: 'statefulset',
    shortNames: ['sts'],
  },
  daemonset: {
    kind: 'DaemonSet',
    group: 'apps',
    version: 'v1',
    resource: 'daemonsets',
    singular: 'daemonset',
    shortNames: ['ds'],
  },
  job: { kind: 'Job', group: 'batch', version: 'v1', resource: 'jobs', singular: 'job', shortNames: [] },
  cronjob: {
    kind: 'CronJob',
    group: 'batch',
    version: 'v1',
    resource: 'cronjobs',
    singular: 'cronjob',
    shortNames: ['cj'],
  },
} as const satisfies Record<string, WorkloadKind>;

export type Target = { type: 'pod'; name: string } | { type: 'workload'; kind: WorkloadKind; name: string };

const POD = { group: '', version: 'v1', names: ['pod', 'pods', 'po'] } as const;

/** The type names a user may write, for messages and shell completion. */
export const TYPE_NAMES: readonly string[] = [
  'pod',
  ...Object.values(WORKLOAD_KINDS).flatMap((kind) => [kind.singular, ...kind.shortNames]),
];

function namesOf(kind: WorkloadKind): string[] {
  return [kind.singular, kind.resource, kind.kind.toLowerCase(), ...kind.shortNames];
}

/** `deploy`, `deployments.apps`, `deployments.v1.apps` → the kind; undefined when it names no known type. */
function lookUpType(text: string): WorkloadKind | typeof POD | undefined {
  const [name = '', ...rest] = text.toLowerCase().split('.');
  const suffix = rest.join('.');
  const matches = (group: string, version: string): boolean =>
    suffix === '' || suffix === group || suffix === `${version}.${group}`;
  if ((POD.names as readonly string[]).includes(name) && (suffix === '' || suffix === POD.version)) return POD;
  return Object.values(WORKLOAD_KINDS).find(
    (kind: WorkloadKind) => namesOf(kind).includes(name) && matches(kind.group, kind.version),
  );
}

const TYPE_LIST = 'pod, deploy, rs, sts, ds, job or cronjob';

/** Parses the positional argument; a type debugdead cannot debug is a usage error that lists those it can. */
export function parseTarget(argument: string): Target {
  const slash = argument.indexOf('/');
  if (slash < 0) return { type: 'pod', name: argument };
  const typeText = argument.slice(0, slash);
  const name = argument.slice(slash + 1);
  if (name === '' || name.includes('/')) {
    throw new UsageError(`"${argument}" is not TYPE/NAME: write e.g. deploy/web or job/nightly-report`);
  }
  const type = lookUpType(typeText);
  if (type === undefined) {
    throw new UsageError(
      `"${argument}": debugdead copies pods and the pods of workloads, not "${typeText}". Name a POD, or TYPE/NAME with TYPE one of ${TYPE_LIST}`,
    );
  }
  return type === POD ? { type: 'pod', name } : { type: 'workload', kind: type as WorkloadKind, name };
}

/** How debugdead writes a target: `deployment/web`. */
export function targetText(kind: WorkloadKind, name: string): string {
  return `${kind.singular}/${name}`;
}

/** The workload kind of a controller reference (apiVersion + kind), when debugdead knows it. */
export function kindOf(apiVersion: string | undefined, kind: string | undefined): WorkloadKind | undefined {
  return Object.values(WORKLOAD_KINDS).find(
    (candidate: WorkloadKind) => candidate.kind === kind && apiVersion === `${candidate.group}/${candidate.version}`,
  );
}
