/**
 * Which kept-alive containers the CLI waits for itself before it reports the copy Running (ready-wait.ts): the
 * plain init containers, which may carry no postStart hook; regular containers and native sidecars have the
 * hook, which the kubelet waits for.
 */
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { test } from 'node:test';
import { DEFAULT_MUTATION_CONFIG, mutatePod, type JsonObject, type Pod } from '../../src/mutation/index.js';
import type { CliContext } from '../../src/cli/context.js';
import { KubeClient } from '../../src/cli/kube/kube-client.js';
import { initTargetsWithoutHook, waitForInitKeepAlives } from '../../src/cli/kube/ready-wait.js';
import { FakeApiServer } from './fake-apiserver.js';

const source: Pod = {
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'web', annotations: { 'debug.dead/enable': 'true', 'debug.dead/container': 'migrate,proxy,app' } },
  spec: {
    initContainers: [
      { name: 'migrate', image: 'm:1' },
      { name: 'proxy', image: 'p:1', restartPolicy: 'Always' },
    ],
    containers: [{ name: 'app', image: 'a:1' }],
  },
};

test('only a kept-alive plain init container is waited for by the CLI; a sidecar and a container have the hook', () => {
  const result = mutatePod(source, DEFAULT_MUTATION_CONFIG);
  assert.ok(result.outcome === 'mutated');
  assert.deepEqual(result.summary.initContainers, ['migrate', 'proxy']);
  assert.deepEqual(initTargetsWithoutHook(result.pod, result.summary.initContainers), ['migrate']);
  assert.deepEqual(initTargetsWithoutHook(result.pod, []), []);
});

test('a wait whose exec is never answered (a proxy that swallows the upgrade) ends at its bound', async () => {
  const fake = await FakeApiServer.start();
  try {
    fake.holdExecUpgrades = true;
    const mutated = mutatePod(source, DEFAULT_MUTATION_CONFIG);
    assert.ok(mutated.outcome === 'mutated');
    fake.addPod({ ...mutated.pod, metadata: { ...(mutated.pod.metadata as JsonObject), namespace: 'default' } });
    const client = await KubeClient.connect(
      { namespace: 'default' },
      { kubeconfigEnv: fake.kubeconfigPath, homeDir: undefined },
    );
    // Only what the wait reads of the context: no kubectl on the search path, so the library's exec runs.
    const context = { searchPath: '', childEnv: {} } as unknown as CliContext;
    const target = {
      namespace: 'default',
      name: 'web',
      pod: mutated.pod,
      initTargets: mutated.summary.initContainers,
      mountPath: '/debug-dead',
      kubectlFlags: [],
    };
    const ended = await Promise.race([
      waitForInitKeepAlives(context, client, target, 300).then(() => 'ended' as const),
      sleep(20_000, 'still waiting' as const),
    ]);
    assert.equal(ended, 'ended');
    assert.equal(fake.execRequests.length, 1, 'the wait was asked for, in the one plain init container');
    assert.match(fake.execRequests[0]?.path ?? '', /\/pods\/web\/exec$/);
  } finally {
    await fake.close();
  }
});
