/**
 * The Event a copy leaves on what it was made from (a pod, or the workload whose template was copied):
 * reason DebugCopyCreated, naming the copy and the kubeconfig context that made it, so `kubectl describe` of the
 * source shows that someone is debugging it. A bonus: where the user may not create events (403) nothing is
 * said; any other failure is one line on stderr, never a failed command.
 */
import type { JsonObject } from '../../mutation/index.js';
import type { Output } from '../context.js';
import type { KubeClient } from './kube-client.js';

export const EVENT_REASON = 'DebugCopyCreated';
export const EVENT_COMPONENT = 'kubectl-debugdead';

export interface EventSource {
  apiVersion: string;
  kind: string;
  namespace: string;
  name: string;
  uid: string | undefined;
}

/** Seconds-precision RFC 3339, as Event times are written. */
function eventTime(now: Date): string {
  return now.toISOString().replace(/\.\d+Z$/, 'Z');
}

/** The core/v1 Event. Pure. */
export function copyEvent(source: EventSource, copyName: string, contextName: string, now: Date): JsonObject {
  const time = eventTime(now);
  return {
    apiVersion: 'v1',
    kind: 'Event',
    metadata: { generateName: `${source.name}.`, namespace: source.namespace },
    involvedObject: {
      apiVersion: source.apiVersion,
      kind: source.kind,
      namespace: source.namespace,
      name: source.name,
      ...(source.uid === undefined ? {} : { uid: source.uid }),
    },
    reason: EVENT_REASON,
    message: `debug copy ${copyName} created with kubectl debugdead (kubeconfig context "${contextName}")`,
    type: 'Normal',
    source: { component: EVENT_COMPONENT },
    reportingComponent: EVENT_COMPONENT,
    reportingInstance: contextName,
    firstTimestamp: time,
    lastTimestamp: time,
    count: 1,
  };
}

export async function recordCopyEvent(
  client: KubeClient,
  stderr: Output,
  source: EventSource,
  copyName: string,
  now: Date,
): Promise<void> {
  try {
    await client.createEvent(source.namespace, copyEvent(source, copyName, client.contextName, now));
  } catch (error) {
    if ((error as { statusCode?: unknown }).statusCode === 403) return;
    stderr.write(
      `note: the ${EVENT_REASON} event on ${source.kind.toLowerCase()}/${source.name} was not recorded: ${(error as Error).message}\n`,
    );
  }
}
