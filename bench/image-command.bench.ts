/**
 * What the image-command lookup adds to a CLI run: `kubectl-debugdead POD --dry-run=client` (in-process) against
 * the real API server of the tests, for a pod whose imageID names an image in the real test registry (bearer
 * token, pull secret), run three ways, interleaved round by round: `--image-command=none` (the baseline),
 * `registry` with an empty cache (cold: token, manifest, config blob), and `registry` with the cache filled
 * by an earlier run (warm: no request). Prints medians and the added time of cold and warm over the baseline,
 * and the registry requests a cold and a warm run make. The registry is on loopback, so the cold figure is the
 * client's own cost; over a network add about one round trip per request (plus the TLS handshakes).
 * Targets (medians): cold adds ≤ 150 ms on loopback, warm adds ≤ 20 ms.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runCliInProcess } from '../test/cli/harness.js';
import { apiServerUnavailableReason, createNamespace, startApiServer } from '../test/helpers/apiserver.js';
import { registryUnavailableReason, startRegistry } from '../test/helpers/registry.js';

const ROUNDS = Number(process.env.ROUNDS ?? 30);

const missing = apiServerUnavailableReason() ?? registryUnavailableReason();
if (missing !== undefined) {
  console.log(`skipped: ${missing}`);
  process.exit(0);
}

const [api, registry] = await Promise.all([
  startApiServer(),
  startRegistry({
    logRequests: true,
    images: [
      {
        repository: 'team/app',
        tag: 'v1',
        index: true,
        platforms: [
          { os: 'linux', architecture: 'amd64', entrypoint: ['/app'], cmd: ['--serve'] },
          { os: 'linux', architecture: 'arm64', variant: 'v8', entrypoint: ['/app'], cmd: ['--serve'] },
        ],
      },
    ],
  }),
]);
const scratch = mkdtempSync(path.join(tmpdir(), 'debugdead-bench-imgcmd-'));
try {
  const ns = 'bench';
  await createNamespace(api, ns);
  const auth = Buffer.from(`${registry.username}:${registry.password}`).toString('base64');
  const post = async (apiPath: string, body: unknown): Promise<void> => {
    const res = await api.request('POST', apiPath, { body });
    if (res.status !== 201) throw new Error(`${apiPath}: ${res.status} ${res.text}`);
  };
  await post(`/api/v1/namespaces/${ns}/secrets`, {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 'regcred' },
    type: 'kubernetes.io/dockerconfigjson',
    data: {
      '.dockerconfigjson': Buffer.from(JSON.stringify({ auths: { [registry.bearer]: { auth } } })).toString('base64'),
    },
  });
  const digest = registry.images['team/app:v1']?.digest ?? '';
  await post(`/api/v1/namespaces/${ns}/pods`, {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'app' },
    spec: {
      imagePullSecrets: [{ name: 'regcred' }],
      containers: [{ name: 'app', image: `${registry.bearer}/team/app:v1` }],
    },
  });
  const pod = (await api.request<Record<string, unknown>>('GET', `/api/v1/namespaces/${ns}/pods/app`)).body;
  await api.request('PUT', `/api/v1/namespaces/${ns}/pods/app/status`, {
    body: {
      ...pod,
      status: {
        phase: 'Running',
        containerStatuses: [
          {
            name: 'app',
            image: `${registry.bearer}/team/app:v1`,
            imageID: `${registry.bearer}/team/app@${digest}`,
            ready: false,
            restartCount: 3,
            state: { waiting: { reason: 'CrashLoopBackOff' } },
          },
        ],
      },
    },
  });

  // In-process (the test harness's context, with the registry access main.ts would build): a separate process
  // per run would add Node's start-up, which on a shared 2-core machine varies by more than the lookup costs.
  const run = async (mode: 'none' | 'registry', cacheDir: string): Promise<{ ms: number; requests: number }> => {
    const before = registry.requests().length;
    const started = performance.now();
    const result = await runCliInProcess(
      ['app', '-n', ns, '--dry-run=client', '-o', 'json', `--image-command=${mode}`],
      {
        kubeconfig: api.kubeconfigPath,
        registry: { cacheDir, dockerConfigPath: undefined, budgetMs: 5000, fetch },
      },
    );
    const ms = performance.now() - started;
    if (result.code !== 0) throw new Error(`exit ${result.code}: ${result.stderr}`);
    const annotated = result.stdout.includes('debug.dead/image-command');
    if (annotated !== (mode === 'registry'))
      throw new Error(`mode ${mode}: annotation ${annotated ? 'present' : 'missing'}\n${result.stderr}`);
    await delay(20); // the registry's request lines arrive on its stdout
    return { ms, requests: registry.requests().length - before };
  };
  const warmCache = path.join(scratch, 'warm');
  await run('registry', warmCache);
  for (let index = 0; index < 2; index += 1) await run('none', warmCache); // warm-up
  const times = { none: [] as number[], cold: [] as number[], warm: [] as number[] };
  const requests = { cold: 0, warm: 0 };
  for (let round = 0; round < ROUNDS; round += 1) {
    const order = [0, 1, 2].map((offset) => (offset + round) % 3);
    for (const which of order) {
      if (which === 0) times.none.push((await run('none', warmCache)).ms);
      if (which === 1) {
        const cold = await run('registry', path.join(scratch, `cold-${round}`));
        times.cold.push(cold.ms);
        requests.cold = cold.requests;
      }
      if (which === 2) {
        const warm = await run('registry', warmCache);
        times.warm.push(warm.ms);
        requests.warm = warm.requests;
      }
    }
  }
  const median = (values: number[]): number =>
    [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? Number.NaN;
  const base = median(times.none);
  console.log(
    `Node ${process.version}, ${ROUNDS} interleaved rounds, wall time of an in-process CLI run in ms (median)`,
  );
  console.log(`  --image-command=none            ${base.toFixed(1)}`);
  console.log(
    `  registry, cold (empty cache)    ${median(times.cold).toFixed(1)}  (+${(median(times.cold) - base).toFixed(1)}; ${requests.cold} registry requests)`,
  );
  const warmAdded = median(times.warm) - base;
  console.log(
    `  registry, warm (cached digest)  ${median(times.warm).toFixed(1)}  (+${warmAdded.toFixed(1)}; ${requests.warm} registry requests)`,
  );
  const coldAdded = median(times.cold) - base;
  console.log(
    `  targets: cold adds ≤ 150 ms: ${coldAdded <= 150 ? 'met' : 'MISSED'}; warm adds ≤ 20 ms: ${warmAdded <= 20 ? 'met' : 'MISSED'}`,
  );
} finally {
  await Promise.all([api.stop(), registry.stop()]);
  rmSync(scratch, { recursive: true, force: true });
}
