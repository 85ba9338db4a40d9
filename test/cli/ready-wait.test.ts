/**
 * Which kept-alive containers the CLI waits for itself before it reports the copy Running (ready-wait.ts): the
 * plain init containers, which may carry no postStart hook; regular containers and native sidecars have the
 * hook, which the kubelet waits for.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEFAULT_MUTATION_CONFIG, mutatePod, type Pod } from '../../src/mutation/index.js';
import { initTargetsWithoutHook } from '../../src/cli/kube/ready-wait.js';

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
