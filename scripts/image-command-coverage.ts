/**
 * `npx tsx scripts/image-command-coverage.ts`: for the repository's example pods (examples/*.yaml,
 * test/golden/pods/*.yaml), how many have an original command that is known: before #11 only where every
 * target container sets `command`; now also where the CLI can read the image's ENTRYPOINT/CMD, i.e. where
 * every target without `command` has an image reference the resolver accepts (the registry must then be
 * reachable with the credentials of §5: that part is a property of the cluster, not of the pod).
 * Two views: the pods as written (their own debug.dead/* annotations choose the targets, as the webhook sees
 * them; a pod the mutation denies counts as not known), and as `kubectl debugdead POD` copies them with its
 * default flags (enabled; owner references and the source's debug.dead/* annotations dropped).
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { load } from 'js-yaml';
import { containersNeedingImage } from '../src/cli/image/image-commands.js';
import { copyState, targetContainers } from '../src/cli/copy/copy-state.js';
import { DEFAULT_MUTATION_CONFIG, mutatePod, type Pod } from '../src/mutation/index.js';
import { referenceToResolve } from '../src/registry/reference.js';

const ROOT = path.join(import.meta.dirname, '..');
const files = ['examples', 'test/golden/pods'].flatMap((dir) =>
  readdirSync(path.join(ROOT, dir))
    .filter((name) => name.endsWith('.yaml'))
    .map((name) => path.join(dir, name)),
);

type Verdict = 'denied' | 'known before' | 'known now' | 'unknown';

function verdict(pod: Pod): { verdict: Verdict; targets: string[] } {
  const result = mutatePod(pod, DEFAULT_MUTATION_CONFIG, { operation: 'CREATE' });
  if (result.outcome !== 'mutated') return { verdict: 'denied', targets: [] };
  const targets = targetContainers(copyState(result.pod));
  const needing = containersNeedingImage(pod, targets);
  if (needing.length === 0) return { verdict: 'known before', targets };
  const resolvable = needing.every(
    (container) => !('problem' in referenceToResolve(container.image, container.imageID)),
  );
  return { verdict: resolvable ? 'known now' : 'unknown', targets };
}

function withAnnotations(pod: Pod, keep: (key: string) => boolean, dropOwners: boolean): Pod {
  const { ownerReferences, ...rest } = (pod.metadata ?? {}) as {
    annotations?: Record<string, string>;
    ownerReferences?: unknown;
  };
  const annotations = Object.fromEntries(Object.entries(rest.annotations ?? {}).filter(([key]) => keep(key)));
  return {
    ...pod,
    metadata: {
      ...rest,
      ...(dropOwners || ownerReferences === undefined ? {} : { ownerReferences }),
      annotations: { ...annotations, 'debug.dead/enable': 'true' },
    } as Pod['metadata'],
  };
}

const views = {
  'as written': (pod: Pod) => withAnnotations(pod, () => true, false),
  'as the CLI copies': (pod: Pod) => withAnnotations(pod, (key) => !key.startsWith('debug.dead/'), true),
};
for (const [view, prepare] of Object.entries(views)) {
  let before = 0;
  let now = 0;
  console.log(`${view}:`);
  for (const file of files) {
    const pod = load(readFileSync(path.join(ROOT, file), 'utf8')) as Pod;
    const { verdict: found, targets } = verdict(prepare(pod));
    if (found === 'known before') before += 1;
    if (found === 'known before' || found === 'known now') now += 1;
    console.log(`  ${file.padEnd(52)} ${targets.join(',').padEnd(18)} ${found}`);
  }
  const share = (count: number): string => `${count}/${files.length} (${Math.round((100 * count) / files.length)}%)`;
  console.log(`  original command known: before ${share(before)}, now ${share(now)}\n`);
}
