/**
 * Waiting for the copy: look at the pod and its events until the kept-alive containers run, showing the
 * phase and the events that matter (scheduling failures, a tools image that cannot be pulled, volumes that
 * cannot attach). A spinner on a terminal, one line per change otherwise. Bounded by --timeout; Ctrl-C (the
 * signal) stops it.
 *
 * The pod is watched when the client can (each change wakes the wait at once: the copy is reported the moment
 * its containers run), and looked at every `pollIntervalMs` as well: that refreshes the events, and is the
 * fallback when the watch is refused, breaks or ends.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { JsonObject, Pod } from '../../mutation/index.js';
import type { Output } from '../context.js';
import { numberAt, objectAt, objectsAt, stringAt } from '../../mutation/json.js';

export interface WaitTargets {
  containers: string[];
  initContainers: string[];
  toolsContainer: string;
  toolsImage: string;
}

export type WaitOutcome =
  | { kind: 'running'; pod: Pod }
  | { kind: 'interrupted'; pod: Pod | undefined }
  | { kind: 'timeout'; pod: Pod | undefined; status: string }
  | { kind: 'stopped'; pod: Pod | undefined; reason: string };

/** The part of the client the wait needs (the real KubeClient, or anything that answers the same). */
export interface PodWatcher {
  getPod(namespace: string, name: string, signal?: AbortSignal): Promise<Pod>;
  listPodEvents(namespace: string, name: string, uid: string | undefined, signal?: AbortSignal): Promise<JsonObject[]>;
  /** Each new state of the pod after `resourceVersion`, until the watch ends (or throws) or `signal` fires. */
  watchPod?(
    namespace: string,
    name: string,
    resourceVersion: string | undefined,
    signal: AbortSignal,
  ): AsyncIterable<Pod>;
}

export interface WaitOptions {
  namespace: string;
  name: string;
  uid: string | undefined;
  targets: WaitTargets;
  timeoutMs: number;
  pollIntervalMs: number;
  signal: AbortSignal;
  stderr: Output;
}

function containerStatus(pod: Pod, name: string): JsonObject | undefined {
  return [...objectsAt(pod.status, 'initContainerStatuses'), ...objectsAt(pod.status, 'containerStatuses')].find(
    (status) => stringAt(status, 'name') === name,
  );
}

/** True when every kept-alive container is running. */
export function targetsRunning(pod: Pod, targets: WaitTargets): boolean {
  const names = [...targets.containers, ...targets.initContainers];
  return (
    names.length > 0 &&
    names.every((name) => objectAt(objectAt(containerStatus(pod, name), 'state'), 'running') !== undefined)
  );
}

/**
 * Why the copy will never run: the pod is over (phase Failed or Succeeded), or a kept-alive init container
 * exited (init containers are not restarted once they completed, and a failed one means the keep-alive broke).
 */
export function stoppedReason(pod: Pod, targets?: WaitTargets): string | undefined {
  for (const name of targets?.initContainers ?? []) {
    const terminated = objectAt(objectAt(containerStatus(pod, name), 'state'), 'terminated');
    if (terminated !== undefined) {
      return `the kept-alive init container ${name} exited (${stringAt(terminated, 'reason') ?? 'terminated'}, exit ${numberAt(terminated, 'exitCode') ?? '?'})`;
    }
  }
  const phase = stringAt(pod.status, 'phase');
  if (phase !== 'Failed' && phase !== 'Succeeded') return undefined;
  const reason = stringAt(pod.status, 'reason');
  const message = stringAt(pod.status, 'message');
  return [`phase ${phase}`, reason, message].filter((part) => part !== undefined && part !== '').join(': ');
}

function describeState(status: JsonObject | undefined): string {
  const state = objectAt(status, 'state');
  const waiting = objectAt(state, 'waiting');
  if (waiting !== undefined) return stringAt(waiting, 'reason') ?? 'waiting';
  const terminated = objectAt(state, 'terminated');
  if (terminated !== undefined) {
    return `${stringAt(terminated, 'reason') ?? 'terminated'} (exit ${numberAt(terminated, 'exitCode') ?? '?'})`;
  }
  if (objectAt(state, 'running') !== undefined) return 'running';
  return 'not started';
}

/** One line: the phase, scheduling, the tools init container while it matters, and each kept-alive container. */
export function describeProgress(pod: Pod, targets: WaitTargets): string {
  const parts = [stringAt(pod.status, 'phase') ?? 'Pending'];
  const scheduled = objectsAt(pod.status, 'conditions').find(
    (condition) => stringAt(condition, 'type') === 'PodScheduled',
  );
  if (stringAt(scheduled, 'status') === 'False')
    parts.push(`not scheduled (${stringAt(scheduled, 'reason') ?? 'waiting'})`);
  const tools = containerStatus(pod, targets.toolsContainer);
  if (tools !== undefined && objectAt(objectAt(tools, 'state'), 'terminated') === undefined) {
    parts.push(`${targets.toolsContainer}: ${describeState(tools)}`);
  }
  for (const name of [...targets.initContainers, ...targets.containers]) {
    parts.push(`${name}: ${describeState(containerStatus(pod, name))}`);
  }
  return parts.join(', ');
}

const PULL_REASONS = new Set([
  'Failed',
  'ErrImagePull',
  'ImagePullBackOff',
  'BackOff',
  'InspectFailed',
  'ErrImageNeverPull',
]);

/** The lines shown for a Warning event, with a hint when we know what to do about it. */
export function eventLines(event: JsonObject, targets: WaitTargets): string[] {
  const reason = stringAt(event, 'reason') ?? '';
  const message = (stringAt(event, 'message') ?? '').trim();
  const lines = [`  ${stringAt(event, 'type') ?? 'Warning'} ${reason}: ${message}`];
  const fieldPath = stringAt(objectAt(event, 'involvedObject'), 'fieldPath') ?? '';
  const aboutTools =
    (targets.toolsContainer !== '' && fieldPath.includes(`{${targets.toolsContainer}}`)) ||
    (targets.toolsImage !== '' && message.includes(targets.toolsImage));
  if (PULL_REASONS.has(reason) && aboutTools && /pull|image/i.test(message)) {
    lines.push(
      `    → the tools image ${targets.toolsImage} cannot be pulled here: pass --image with a static busybox the cluster can pull (a copy in your registry)`,
    );
  } else if (reason === 'FailedScheduling') {
    lines.push("    → the copy asks for the source pod's resources and placement: free capacity, or try --same-node");
  } else if (reason === 'FailedAttachVolume' || (reason === 'FailedMount' && /multi-attach|attach/i.test(message))) {
    lines.push(
      '    → a volume cannot follow the copy (a ReadWriteOnce claim in use elsewhere?): use --volumes=empty or --same-node',
    );
  }
  return lines;
}

function eventTime(event: JsonObject): string {
  return (
    stringAt(event, 'lastTimestamp') ??
    stringAt(event, 'eventTime') ??
    stringAt(event, 'firstTimestamp') ??
    stringAt(event.metadata, 'creationTimestamp') ??
    ''
  );
}

const FRAMES = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

/** The spinner on a terminal; plain lines (one per change) otherwise. */
class Progress {
  private status = '';
  private frame = 0;
  private readonly timer: NodeJS.Timeout | undefined;
  private readonly started = performance.now();

  constructor(
    private readonly out: Output,
    private readonly name: string,
  ) {
    if (out.isTTY) {
      this.timer = setInterval(() => {
        this.draw();
      }, 100);
      this.timer.unref();
    }
  }

  private draw(): void {
    this.frame = (this.frame + 1) % FRAMES.length;
    const seconds = Math.floor((performance.now() - this.started) / 1000);
    this.out.write(`\r\x1b[K${FRAMES[this.frame] ?? ''} waiting for ${this.name}: ${this.status} (${seconds}s)`);
  }

  update(status: string): void {
    if (status === this.status) return;
    this.status = status;
    if (this.out.isTTY) this.draw();
    else this.out.write(`waiting for ${this.name}: ${status}\n`);
  }

  print(lines: string[]): void {
    if (this.out.isTTY) this.out.write('\r\x1b[K');
    this.out.write(`${lines.join('\n')}\n`);
    if (this.out.isTTY) this.draw();
  }

  stop(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    if (this.out.isTTY) this.out.write('\r\x1b[K');
  }
}

/** Read through a call: after an await the signal may have fired, which narrowing on the property would hide. */
function aborted(signal: AbortSignal): boolean {
  return signal.aborted;
}

function statusCode(error: unknown): unknown {
  return (error as { statusCode?: unknown }).statusCode;
}

/**
 * The pod's changes, from a watch started after the first look: `next` sleeps until the next poll or until
 * the watch delivers a change, whichever comes first. A watch that fails or ends leaves only the polls.
 */
class PodChanges {
  private latest: Pod | undefined;
  private wake: (() => void) | undefined;
  private started = false;
  private readonly stop = new AbortController();

  constructor(
    private readonly client: PodWatcher,
    private readonly namespace: string,
    private readonly name: string,
  ) {}

  /** Starts watching after `pod` (its resourceVersion), once. */
  watchAfter(pod: Pod): void {
    if (this.started || this.client.watchPod === undefined) return;
    this.started = true;
    const resourceVersion = stringAt(pod.metadata, 'resourceVersion');
    const changes = this.client.watchPod(this.namespace, this.name, resourceVersion, this.stop.signal);
    void (async () => {
      try {
        for await (const changed of changes) {
          this.latest = changed;
          this.wake?.();
        }
      } catch {
        // The polls go on.
      }
    })();
  }

  /** The state the watch delivered since the last call, if any. */
  take(): Pod | undefined {
    const pod = this.latest;
    this.latest = undefined;
    return pod;
  }

  /** Sleeps `ms` or until a change arrives; 'change' or 'poll'. Rejects when `signal` fires. */
  async next(ms: number, signal: AbortSignal): Promise<'change' | 'poll'> {
    if (this.latest !== undefined) return 'change';
    const timer = new AbortController();
    const changed = new Promise<'change'>((resolve) => {
      this.wake = () => {
        resolve('change');
      };
    });
    try {
      return await Promise.race([
        changed,
        sleep(ms, 'poll' as const, { signal: AbortSignal.any([signal, timer.signal]) }),
      ]);
    } finally {
      this.wake = undefined;
      timer.abort();
    }
  }

  close(): void {
    this.stop.abort();
  }
}

/** The copy's Warning events, each printed once; a 403 turns them off, with a note saying so. */
class WarningEvents {
  private readonly seen = new Set<string>();
  private readable = true;

  constructor(
    private readonly client: PodWatcher,
    private readonly options: WaitOptions,
    private readonly progress: Progress,
  ) {}

  /** Prints the Warning events not printed yet; 'interrupted' when the signal fired during the read. */
  async printNew(): Promise<'interrupted' | undefined> {
    if (!this.readable) return undefined;
    const { namespace, name, uid, targets, signal } = this.options;
    try {
      const events = await this.client.listPodEvents(namespace, name, uid, signal);
      const fresh = events
        .filter((event) => stringAt(event, 'type') === 'Warning')
        .filter((event) => !this.seen.has(eventKey(event)))
        .sort((a, b) => eventTime(a).localeCompare(eventTime(b)));
      for (const event of fresh) {
        this.seen.add(eventKey(event));
        this.progress.print(eventLines(event, targets));
      }
    } catch (error) {
      if (aborted(signal)) return 'interrupted';
      if (statusCode(error) !== 403) throw error;
      this.readable = false;
      this.progress.print([`  (events are not shown: ${(error as Error).message.split('. ')[0] ?? 'forbidden'})`]);
    }
    return undefined;
  }
}

function eventKey(event: JsonObject): string {
  return stringAt(event.metadata, 'name') ?? JSON.stringify(event);
}

/** Polls the pod and watches it from then on; `over` when the poll ends the wait (interrupted, or deleted). */
async function poll(
  client: PodWatcher,
  changes: PodChanges,
  options: WaitOptions,
  previous: Pod | undefined,
): Promise<{ pod: Pod } | { over: WaitOutcome }> {
  const { namespace, name, signal } = options;
  let pod: Pod;
  try {
    pod = await client.getPod(namespace, name, signal);
  } catch (error) {
    if (aborted(signal)) return { over: { kind: 'interrupted', pod: previous } };
    if (statusCode(error) === 404) {
      return { over: { kind: 'stopped', pod: previous, reason: 'the copy was deleted while waiting for it' } };
    }
    throw error;
  }
  changes.watchAfter(pod);
  return { pod };
}

/** The end of the wait that the pod's state decides: its kept-alive containers run, or it never will. */
function verdictOf(pod: Pod, targets: WaitTargets): WaitOutcome | undefined {
  if (targetsRunning(pod, targets)) return { kind: 'running', pod };
  const stopped = stoppedReason(pod, targets);
  return stopped === undefined ? undefined : { kind: 'stopped', pod, reason: stopped };
}

export async function waitForCopy(client: PodWatcher, options: WaitOptions): Promise<WaitOutcome> {
  const { targets, signal } = options;
  const progress = new Progress(options.stderr, options.name);
  const changes = new PodChanges(client, options.namespace, options.name);
  const events = new WarningEvents(client, options, progress);
  const deadline = performance.now() + options.timeoutMs;
  const maxLooks = Math.ceil(options.timeoutMs / Math.max(1, options.pollIntervalMs)) + 2;
  let pod: Pod | undefined;
  try {
    // `look` counts the polls only: changes from the watch come on top, bounded by the deadline.
    for (let look = 0; look < maxLooks;) {
      if (aborted(signal)) return { kind: 'interrupted', pod };
      const changed = changes.take();
      if (changed === undefined) look += 1;
      const current = changed === undefined ? await poll(client, changes, options, pod) : { pod: changed };
      if ('over' in current) return current.over;
      pod = current.pod;
      const verdict = verdictOf(pod, targets);
      if (verdict === undefined) progress.update(describeProgress(pod, targets));
      if ((await events.printNew()) === 'interrupted') return { kind: 'interrupted', pod };
      if (verdict !== undefined) return verdict;
      const remaining = deadline - performance.now();
      if (remaining <= 0) break;
      try {
        await changes.next(Math.min(options.pollIntervalMs, remaining), signal);
      } catch {
        return { kind: 'interrupted', pod };
      }
    }
    return { kind: 'timeout', pod, status: pod === undefined ? 'never seen' : describeProgress(pod, targets) };
  } finally {
    changes.close();
    progress.stop();
  }
}
