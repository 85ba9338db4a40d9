/**
 * The keep-alive's files before the report (keep-alive.ts): a kept-alive regular container is reported running
 * by the kubelet only once its postStart hook has seen them, but a plain init container may have no hooks, so
 * for those the CLI runs the same wait itself, in the container, before it says Running. Never a failure: when
 * the wait cannot run (no `pods/exec` right, an old copy), the report comes as before.
 */
import { Writable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { objectsAt, stringAt } from '../../mutation/json.js';
import { postStartWaitCommand } from '../../mutation/keep-alive.js';
import type { JsonObject, Pod } from '../../mutation/index.js';
import type { CliContext } from '../context.js';
import { runInContainer } from './exec-command.js';
import type { KubeClient } from './kube-client.js';

/** The kept-alive init containers of `pod` that have no postStart hook (all but native sidecars). */
export function initTargetsWithoutHook(pod: Pod, initTargets: readonly string[]): string[] {
  return objectsAt(pod.spec, 'initContainers')
    .filter((container) => initTargets.includes(stringAt(container, 'name') ?? ''))
    .filter((container) => (container.lifecycle as JsonObject | undefined)?.postStart === undefined)
    .map((container) => stringAt(container, 'name') ?? '');
}

const discard = (): Writable =>
  new Writable({
    write(_chunk, _encoding, done) {
      done();
    },
  });

/**
 * A bound on one container's wait: the script gives up after about 30 s (as the hook does); this cuts off an
 * exec that hangs instead (a stuck connection), so the report is never held longer.
 */
export const INIT_WAIT_BOUND_MS = 35_000;

/** Waits, in each such init container, for its keep-alive's ready marker (at most as long as the hook would). */
export async function waitForInitKeepAlives(
  context: CliContext,
  client: KubeClient,
  target: {
    namespace: string;
    name: string;
    pod: Pod;
    initTargets: readonly string[];
    mountPath: string;
    kubectlFlags: string[];
  },
  boundMs = INIT_WAIT_BOUND_MS,
): Promise<void> {
  for (const container of initTargetsWithoutHook(target.pod, target.initTargets)) {
    const bound = new AbortController();
    try {
      await Promise.race([
        runInContainer(
          context,
          client,
          { namespace: target.namespace, name: target.name, container, kubectlFlags: target.kubectlFlags },
          postStartWaitCommand(target.mountPath, container),
          { stdout: discard(), stderr: discard() },
        ),
        sleep(boundMs, undefined, { signal: bound.signal }),
      ]);
    } catch {
      // The report comes anyway: the files are a moment away at worst.
    } finally {
      bound.abort();
    }
  }
}
