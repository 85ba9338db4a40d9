/**
 * The picker's rows for workloads whose pods are gone (PITFALLS 32): failed Jobs with no pod left, and
 * CronJobs whose last run failed and left no pod. Their row names `job/NAME` or `cronjob/NAME` in the POD
 * column and says "no pod left: copy from template"; choosing it copies the template. Listing Jobs and
 * CronJobs is a bonus: where the user may not (403) or the API has no batch/v1 (404), there are no such rows.
 */
import type { JsonObject, Pod } from '../../mutation/index.js';
import type { DeadContainer } from '../picker/dead-containers.js';
import type { KubeClient } from '../kube/kube-client.js';
import { numberAt, objectsAt, stringAt } from '../../mutation/json.js';
import { targetContainerName } from './choose-pod.js';
import { podFromTemplate } from './template-copy.js';
import { WORKLOAD_KINDS, targetText, type WorkloadKind } from './target.js';
import { apiResource, controllerUid } from './workload-pods.js';

export const NO_POD_LEFT = 'no pod left: copy from template';

function isFailed(job: JsonObject): boolean {
  return objectsAt(job.status, 'conditions').some(
    (condition) => stringAt(condition, 'type') === 'Failed' && stringAt(condition, 'status') === 'True',
  );
}

function time(text: string | undefined): number {
  const ms = text === undefined ? Number.NaN : Date.parse(text);
  return Number.isNaN(ms) ? 0 : ms;
}

function goneRow(kind: WorkloadKind, workload: JsonObject, failures: number): DeadContainer {
  let container = '';
  try {
    container = targetContainerName(podFromTemplate(kind, workload), undefined) ?? '';
  } catch {
    // No template: the row still says which workload failed.
  }
  return {
    namespace: stringAt(workload.metadata, 'namespace') ?? '',
    pod: targetText(kind, stringAt(workload.metadata, 'name') ?? ''),
    container,
    init: false,
    state: 'Failed',
    reason: NO_POD_LEFT,
    restarts: failures,
    lastExitCode: undefined,
  };
}

/**
 * Rows of failed Jobs (not run by a CronJob) and of CronJobs whose newest Job failed, that have no pod among
 * `pods` (the pods listed for the picker, in the same scope). Pure.
 */
export function goneRows(
  jobs: readonly JsonObject[],
  cronJobs: readonly JsonObject[],
  pods: readonly Pod[],
): DeadContainer[] {
  const podOwners = new Set(pods.map((pod) => controllerUid(pod)));
  const hasPods = (job: JsonObject): boolean => podOwners.has(stringAt(job.metadata, 'uid'));
  const failures = (job: JsonObject): number => numberAt(job.status, 'failed') ?? 0;
  const cronJobUids = new Set(cronJobs.map((cronJob) => stringAt(cronJob.metadata, 'uid')));
  const rows: DeadContainer[] = [];
  for (const job of jobs) {
    const owner = controllerUid(job);
    if (owner !== undefined && cronJobUids.has(owner)) continue;
    if (isFailed(job) && !hasPods(job)) rows.push(goneRow(WORKLOAD_KINDS.job, job, failures(job)));
  }
  for (const cronJob of cronJobs) {
    const uid = stringAt(cronJob.metadata, 'uid');
    const runs = jobs
      .filter((job) => controllerUid(job) === uid)
      .sort(
        (a, b) => time(stringAt(b.metadata, 'creationTimestamp')) - time(stringAt(a.metadata, 'creationTimestamp')),
      );
    const last = runs[0];
    if (last !== undefined) {
      if (isFailed(last) && !hasPods(last)) rows.push(goneRow(WORKLOAD_KINDS.cronjob, cronJob, failures(last)));
      continue;
    }
    // Its Jobs are gone too (history limits): the last run failed when it was scheduled after the last success.
    const scheduled = time(stringAt(cronJob.status, 'lastScheduleTime'));
    const succeeded = time(stringAt(cronJob.status, 'lastSuccessfulTime'));
    const active = objectsAt(cronJob.status, 'active').length;
    if (scheduled > 0 && scheduled > succeeded && active === 0) rows.push(goneRow(WORKLOAD_KINDS.cronjob, cronJob, 0));
  }
  return rows.sort((a, b) => `${a.namespace}/${a.pod}`.localeCompare(`${b.namespace}/${b.pod}`));
}

async function listOrNothing(
  client: KubeClient,
  kind: WorkloadKind,
  namespace: string | undefined,
): Promise<JsonObject[]> {
  try {
    return await client.listObjects(apiResource(kind), namespace);
  } catch (error) {
    const status = (error as { statusCode?: unknown }).statusCode;
    if (status === 403 || status === 404) return [];
    throw error;
  }
}

export async function goneWorkloadRows(
  client: KubeClient,
  namespace: string | undefined,
  pods: readonly Pod[],
): Promise<DeadContainer[]> {
  const [jobs, cronJobs] = await Promise.all([
    listOrNothing(client, WORKLOAD_KINDS.job, namespace),
    listOrNothing(client, WORKLOAD_KINDS.cronjob, namespace),
  ]);
  return goneRows(jobs, cronJobs, pods);
}
