/**
 * Mutation cost (issue 2, benchmark (a)): microseconds per mutatePod call for a small pod, the heapster
 * example and a large pod (50 containers, 200 volumes, 1 MiB of env), and how the cost grows with size.
 * Target: < 50 µs for the heapster pod, growth no worse than linear in the pod's size, and a 10,000-container
 * pod with target "*" denied (target limit) in under 20 ms instead of a 30 MiB patch.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { load } from 'js-yaml';
import { DEFAULT_MUTATION_CONFIG, mutatePod, type JsonObject, type Pod } from '../src/mutation/index.js';

const root = path.resolve(import.meta.dirname, '..');

function annotated(pod: Pod): Pod {
  const metadata = pod.metadata as JsonObject;
  return {
    ...pod,
    metadata: { ...metadata, annotations: { ...(metadata.annotations as JsonObject), 'debug.dead/enable': 'true' } },
  };
}

function small(): Pod {
  return annotated({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'small', namespace: 'team' },
    spec: { containers: [{ name: 'app', image: 'app:1', command: ['/app'] }] },
  });
}

function heapster(): Pod {
  return annotated(load(readFileSync(path.join(root, 'examples/heapster-pod.yaml'), 'utf8')) as Pod);
}

function large(): Pod {
  const volumes = Array.from({ length: 200 }, (_, index): JsonObject =>
    index % 4 === 0
      ? { name: `data-${index}`, persistentVolumeClaim: { claimName: `claim-${index}` } }
      : { name: `cfg-${index}`, configMap: { name: `cfg-${index}` } },
  );
  const envPerContainer = Math.ceil((1024 * 1024) / 50 / 100); // ~1 MiB of env in total, 100-byte values
  const containers = Array.from({ length: 50 }, (_, index): JsonObject => ({
    name: `c-${index}`,
    image: `registry.example/app-${index}:1.0`,
    command: ['/app', `--id=${index}`],
    env: Array.from({ length: envPerContainer }, (_, item) => ({ name: `VAR_${item}`, value: 'x'.repeat(100) })),
    volumeMounts: volumes
      .slice(index * 4, index * 4 + 4)
      .map((volume) => ({ name: String(volume.name), mountPath: `/mnt/${String(volume.name)}` })),
    livenessProbe: { httpGet: { path: '/healthz', port: 8080 } },
  }));
  const pod = annotated({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'large', namespace: 'team' },
    spec: { containers, volumes },
  });
  (pod.metadata as JsonObject).annotations = {
    ...((pod.metadata as JsonObject).annotations as JsonObject),
    'debug.dead/container': '*',
  };
  return pod;
}

/** 10,000 containers with target "*": legal, and denied by the target limit before any work (issue 14 item 3). */
function huge(): Pod {
  const containers = Array.from({ length: 10_000 }, (_, index): JsonObject => ({
    name: `c-${index}`,
    image: 'registry.example/app:1.0',
    command: ['/app'],
  }));
  const pod = annotated({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'huge', namespace: 'team' },
    spec: { containers },
  });
  (pod.metadata as JsonObject).annotations = {
    ...((pod.metadata as JsonObject).annotations as JsonObject),
    'debug.dead/container': '*',
  };
  return pod;
}

function measure(pod: Pod, outcome: 'mutated' | 'denied' = 'mutated'): { microseconds: number; bytes: number } {
  const bytes = JSON.stringify(pod).length;
  const result = mutatePod(pod, DEFAULT_MUTATION_CONFIG);
  if (result.outcome !== outcome) throw new Error(`bench pod not ${outcome}: ${JSON.stringify(result).slice(0, 500)}`);
  for (let warm = 0; warm < 200; warm += 1) mutatePod(pod, DEFAULT_MUTATION_CONFIG);
  const samples: number[] = [];
  const deadline = performance.now() + 1500;
  while (performance.now() < deadline) {
    const batch = 20;
    const start = process.hrtime.bigint();
    for (let index = 0; index < batch; index += 1) mutatePod(pod, DEFAULT_MUTATION_CONFIG);
    samples.push(Number(process.hrtime.bigint() - start) / 1000 / batch);
  }
  samples.sort((a, b) => a - b);
  return { microseconds: samples[Math.floor(samples.length / 2)] ?? Number.NaN, bytes };
}

const rows = [
  ['small pod', small()],
  ['heapster example', heapster()],
  ['large pod (50 containers, 200 volumes, 1 MiB env, target *)', large()],
] as const;
const results = rows.map(([name, pod]) => ({ name, ...measure(pod) }));
const denied = { name: '10,000 containers, target * (denied: at most 100 targets)', ...measure(huge(), 'denied') };
for (const { name, microseconds, bytes } of [...results, denied]) {
  console.log(
    `${name.padEnd(62)} ${microseconds.toFixed(1).padStart(9)} µs/op  (${(bytes / 1024).toFixed(1)} KiB of JSON)`,
  );
}
const typical = results[1]!;
const big = results[2]!;
const costRatio = big.microseconds / typical.microseconds;
const sizeRatio = big.bytes / typical.bytes;
console.log(
  `large/typical: cost ×${costRatio.toFixed(1)} for size ×${sizeRatio.toFixed(0)} (linear growth would be ×${sizeRatio.toFixed(0)})`,
);
console.log(
  `target heapster < 50 µs: ${typical.microseconds < 50 ? 'met' : 'MISSED'}; growth at most linear: ${costRatio <= sizeRatio ? 'met' : 'MISSED'}; ` +
    `10,000-container pod denied < 20 ms: ${denied.microseconds < 20_000 ? 'met' : 'MISSED'}`,
);
