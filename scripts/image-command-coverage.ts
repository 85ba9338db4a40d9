/**
 * `npx tsx scripts/image-command-coverage.ts`: for the repository's example pods (examples/*.yaml,
 * test/golden/pods/*.yaml), how many have an original command that is known: before #11 only where every
 * target container sets `command`; now also where the CLI can read the image's ENTRYPOINT/CMD, i.e. where
 * every target without `command` has an image reference the resolver accepts (the registry must then be
 * reachable with the credentials of §5: that part is a property of the cluster, not of the pod).
 * Each pod is taken as the CLI copies it (enabled, owner references dropped); pods the mutation still denies
 * (Windows, unknown container, bad TTL) are counted as not known either way.
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
let before = 0;
let now = 0;
const rows: string[] = [];
for (const file of files) {
  const pod = load(readFileSync(path.join(ROOT, file), 'utf8')) as Pod;
  // As the CLI's copy: enabled, without owner references (a controller's pod is copied as an orphan).
  const { ownerReferences: _owners, ...metadata } = (pod.metadata ?? {}) as {
    annotations?: Record<string, string>;
    ownerReferences?: unknown;
  };
  const enabled: Pod = {
    ...pod,
    metadata: { ...metadata, annotations: { ...metadata.annotations, 'debug.dead/enable': 'true' } },
  };
  const result = mutatePod(enabled, DEFAULT_MUTATION_CONFIG, { operation: 'CREATE' });
  if (result.outcome !== 'mutated') {
    rows.push(`  ${file.padEnd(52)} ${result.outcome}: not counted as known`);
    continue;
  }
  const targets = targetContainers(copyState(result.pod));
  const needing = containersNeedingImage(pod, targets);
  const resolvable = needing.every(
    (container) => !('problem' in referenceToResolve(container.image, container.imageID)),
  );
  if (needing.length === 0) before += 1;
  if (needing.length === 0 || resolvable) now += 1;
  rows.push(
    `  ${file.padEnd(52)} targets ${targets.join(',').padEnd(22)} ${needing.length === 0 ? 'command set: known before' : `no command in ${needing.map((c) => c.name).join(',')}: ${resolvable ? 'known now (from the registry)' : 'unknown'}`}`,
  );
}
console.log(rows.join('\n'));
const share = (count: number): string => `${count}/${files.length} (${Math.round((100 * count) / files.length)}%)`;
console.log(`original command known: before ${share(before)}, now ${share(now)}`);
