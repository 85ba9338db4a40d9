/**
 * The wait watches the copy when the client can: a change wakes it at once, long before its next poll; a
 * watch that is refused or ends leaves the polls, which still find the copy running. The clients here are
 * in-memory PodWatchers (the wait's own seam); the real watch runs against the real API server in the node
 * journey (test/node) and the benchmark.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { JsonObject, Pod } from '../../src/mutation/index.js';
import { waitForCopy, type PodWatcher, type WaitOptions } from '../../src/cli/kube/wait.js';

const targets = { containers: ['app'], initContainers: [], toolsContainer: 'debug-dead-tools', toolsImage: 'b:1' };

function pod(resourceVersion: string, state: 'pending' | 'running'): Pod {
  return {
    metadata: { name: 'copy', namespace: 'ns', resourceVersion },
    status: {
      phase: state === 'running' ? 'Running' : 'Pending',
      containerStatuses: [
        {
          name: 'app',
          state: state === 'running' ? { running: { startedAt: 'now' } } : { waiting: { reason: 'PodInitializing' } },
        },
      ],
    },
  };
}

function options(overrides: Partial<WaitOptions>): WaitOptions {
  const lines: string[] = [];
  return {
    namespace: 'ns',
    name: 'copy',
    uid: undefined,
    targets,
    timeoutMs: 600_000,
    pollIntervalMs: 600_000,
    signal: new AbortController().signal,
    stderr: { isTTY: false, write: (text: string) => lines.push(text) },
    ...overrides,
  };
}

/** A client whose GET always says Pending; what its watch does is up to the test. */
class Client implements PodWatcher {
  gets = 0;
  watchedFrom: (string | undefined)[] = [];
  constructor(private readonly watch?: (signal: AbortSignal) => AsyncIterable<Pod>) {}
  getPod(): Promise<Pod> {
    this.gets += 1;
    return Promise.resolve(pod(String(this.gets), 'pending'));
  }
  listPodEvents(): Promise<JsonObject[]> {
    return Promise.resolve([]);
  }
  get watchPod(): PodWatcher['watchPod'] {
    const watch = this.watch;
    if (watch === undefined) return undefined;
    return (_namespace, _name, resourceVersion, signal) => {
      this.watchedFrom.push(resourceVersion);
      return watch(signal);
    };
  }
}

void describe('the wait, watching the copy', () => {
  void it(
    'returns as soon as the watch shows the copy running, without waiting for a poll',
    { timeout: 10_000 },
    async () => {
      const client = new Client(async function* () {
        await Promise.resolve();
        yield pod('7', 'pending');
        yield pod('8', 'running');
      });
      // A poll every 10 minutes: only the watch can end this wait within the test's timeout.
      const outcome = await waitForCopy(client, options({}));
      assert.equal(outcome.kind, 'running');
      assert.deepEqual(outcome.pod, pod('8', 'running'));
      assert.equal(client.gets, 1, 'one GET, then the watch');
      assert.deepEqual(client.watchedFrom, ['1'], 'the watch starts after the state that was read');
    },
  );

  void it('stops the watch when the wait ends', async () => {
    let stopped = false;
    const client = new Client(async function* (signal) {
      yield pod('2', 'running');
      await new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true }));
      stopped = true;
    });
    assert.equal((await waitForCopy(client, options({}))).kind, 'running');
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(stopped, true);
  });

  void it('falls back to polling when the watch is refused', async () => {
    let gets = 0;
    const client: PodWatcher = {
      getPod: () => {
        gets += 1;
        return Promise.resolve(pod(String(gets), gets < 3 ? 'pending' : 'running'));
      },
      listPodEvents: () => Promise.resolve([]),
      // eslint-disable-next-line require-yield -- a watch that fails before its first event
      watchPod: async function* () {
        await Promise.resolve();
        throw Object.assign(new Error('Forbidden'), { statusCode: 403 });
      },
    };
    const outcome = await waitForCopy(client, options({ pollIntervalMs: 5 }));
    assert.equal(outcome.kind, 'running');
    assert.equal(gets, 3, 'found by the third poll');
  });

  void it('polls on when the watch ends without the copy running', async () => {
    let gets = 0;
    const client: PodWatcher = {
      getPod: () => {
        gets += 1;
        return Promise.resolve(pod(String(gets), gets < 2 ? 'pending' : 'running'));
      },
      listPodEvents: () => Promise.resolve([]),
      watchPod: async function* () {
        await Promise.resolve();
        yield pod('1', 'pending');
      },
    };
    assert.equal((await waitForCopy(client, options({ pollIntervalMs: 5 }))).kind, 'running');
    assert.equal(gets, 2);
  });

  void it('a copy deleted while watched ends the wait as stopped (the next look gets a 404)', async () => {
    let gets = 0;
    const client: PodWatcher = {
      getPod: () => {
        gets += 1;
        if (gets > 1) return Promise.reject(Object.assign(new Error('not found'), { statusCode: 404 }));
        return Promise.resolve(pod('1', 'pending'));
      },
      listPodEvents: () => Promise.resolve([]),
      watchPod: async function* () {
        await Promise.resolve();
        yield pod('2', 'pending');
      },
    };
    const outcome = await waitForCopy(client, options({ pollIntervalMs: 5 }));
    assert.deepEqual(
      { kind: outcome.kind, reason: outcome.kind === 'stopped' ? outcome.reason : undefined },
      { kind: 'stopped', reason: 'the copy was deleted while waiting for it' },
    );
  });
});
