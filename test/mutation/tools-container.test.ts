/**
 * The tools init container's resources (SPEC §3.3, issue 14 item 8): taken from a target container, which
 * already passed the namespace's LimitRange, so that any min, max or ratio it meets the tools container meets.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DEFAULT_MUTATION_CONFIG, mutatePod, type JsonObject } from '../../src/mutation/index.js';
import { toolsResources } from '../../src/mutation/tools-container.js';
import { pod, spec } from '../helpers/pods.js';

const FALLBACK = { requests: { cpu: '10m', memory: '16Mi' }, limits: { memory: '32Mi' } };

describe('toolsResources', () => {
  const cases: [string, JsonObject | undefined, JsonObject][] = [
    [
      'no source container: small explicit requests, a memory limit, no CPU limit (it would throttle the start)',
      undefined,
      FALLBACK,
    ],
    ['a source without resources: the same', { name: 'app' }, FALLBACK],
    [
      'requests and limits of the source, exactly (LimitRange min/max/ratio met as the source met them)',
      { resources: { requests: { cpu: '250m', memory: '128Mi' }, limits: { cpu: '1', memory: '256Mi' } } },
      { requests: { cpu: '250m', memory: '128Mi' }, limits: { cpu: '1', memory: '256Mi' } },
    ],
    [
      'a request without a limit is copied alone (a fallback limit could fall below it)',
      { resources: { requests: { cpu: '200m' } } },
      { requests: { cpu: '200m', memory: '16Mi' }, limits: { memory: '32Mi' } },
    ],
    [
      'a limit without a request is copied alone (the API server defaults the request to it)',
      { resources: { limits: { cpu: '500m', memory: '1Gi' } } },
      { limits: { cpu: '500m', memory: '1Gi' } },
    ],
    [
      'ephemeral-storage is copied; GPUs and hugepages are not claimed again',
      {
        resources: {
          requests: { cpu: 2, 'nvidia.com/gpu': '1', 'ephemeral-storage': '1Gi', 'hugepages-2Mi': '64Mi' },
          limits: { 'nvidia.com/gpu': '1', 'hugepages-2Mi': '64Mi' },
        },
      },
      { requests: { cpu: 2, memory: '16Mi', 'ephemeral-storage': '1Gi' }, limits: { memory: '32Mi' } },
    ],
    [
      'odd values are ignored, never thrown on',
      { resources: { requests: { cpu: { odd: true } }, limits: 'none' } },
      FALLBACK,
    ],
  ];
  for (const [name, source, expected] of cases) test(name, () => assert.deepEqual(toolsResources(source), expected));
});

describe('the tools container takes the resources of a target', () => {
  const resources = (cpu: string) => ({ requests: { cpu, memory: '64Mi' }, limits: { cpu, memory: '64Mi' } });
  const cases: [string, Record<string, string>, JsonObject][] = [
    ['the default target', {}, resources('300m')],
    ['the first target regular container', { 'debug.dead/container': 'migrate,sidecar' }, resources('400m')],
    ['an init container when it is the only target', { 'debug.dead/container': 'migrate' }, resources('500m')],
  ];
  for (const [name, annotations, expected] of cases) {
    test(name, () => {
      const result = mutatePod(
        pod({
          annotations,
          spec: {
            containers: [
              { name: 'app', image: 'a', resources: resources('300m') },
              { name: 'sidecar', image: 's', resources: resources('400m') },
            ],
            initContainers: [{ name: 'migrate', image: 'm', resources: resources('500m') }],
          },
        }),
        DEFAULT_MUTATION_CONFIG,
      );
      assert.deepEqual((spec(result).initContainers as JsonObject[])[0]?.resources, expected);
    });
  }
});
