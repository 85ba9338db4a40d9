/**
 * `kubectl debugdead clean [POD… | --all] [-n NS | -A]`: deletes debug copies. Only pods carrying the
 * debug.dead/copy-of label are ever deleted, and each delete carries the uid that was checked (a pod re-created
 * under the same name in between is not touched).
 */
import { UsageError } from '../../errors.js';
import { LABELS, type Pod } from '../../mutation/index.js';
import { booleanFlag, clusterFlags, parseFlags } from './args.js';
import { CLEAN_FLAGS } from './flags.js';
import { RefusedError } from '../cli-errors.js';
import type { CliContext } from '../context.js';
import { EXIT_OK } from '../exit-code.js';
import { stringAt, stringMapAt } from '../../mutation/json.js';
import { KubeClient } from '../kube/kube-client.js';

export async function runClean(args: string[], context: CliContext): Promise<number> {
  const { values, positionals } = parseFlags('clean', args, CLEAN_FLAGS);
  const all = booleanFlag(values, 'all') === true;
  const allNamespaces = booleanFlag(values, 'all-namespaces') === true;
  checkCleanArguments(all, allNamespaces, positionals);
  const client = await KubeClient.connect(clusterFlags(values), {
    kubeconfigEnv: context.kubeconfigEnv,
    homeDir: context.homeDir,
  });
  try {
    let found: FoundCopies;
    if (all) {
      const namespace = allNamespaces ? undefined : client.namespace;
      found = { targets: await client.listPods(namespace, LABELS.copyOf), failures: [] };
      if (found.targets.length === 0) {
        context.stderr.write(
          `No debug copies found ${namespace === undefined ? 'in any namespace' : `in namespace "${namespace}"`}.\n`,
        );
        return EXIT_OK;
      }
    } else {
      found = await namedCopies(client, positionals);
    }
    const failures = [...found.failures, ...(await deleteCopies(client, found.targets, context))];
    if (failures.length > 0) throw new RefusedError(failures.join('\nerror: '));
    return EXIT_OK;
  } finally {
    await client.close();
  }
}

/** POD names or --all, never both nor neither; -A only with --all. */
function checkCleanArguments(all: boolean, allNamespaces: boolean, positionals: readonly string[]): void {
  if (all && positionals.length > 0) throw new UsageError('give either POD names or --all, not both');
  if (!all && positionals.length === 0) {
    throw new UsageError('name the copies to delete, or use --all (kubectl debugdead list shows them)');
  }
  if (allNamespaces && !all)
    throw new UsageError('-A/--all-namespaces goes with --all: name pods with -n NAMESPACE instead');
}

/** The pods to delete, and why some named ones will not be. */
interface FoundCopies {
  targets: Pod[];
  failures: string[];
}

/** Reads each named pod; one that is missing or is not a debug copy becomes a failure, not a target. */
async function namedCopies(client: KubeClient, positionals: readonly string[]): Promise<FoundCopies> {
  const found: FoundCopies = { targets: [], failures: [] };
  for (const argument of positionals) {
    const name = argument.replace(/^(pod|pods|po)\//i, '');
    try {
      const pod = await client.getPod(client.namespace, name);
      if (!(LABELS.copyOf in stringMapAt(pod.metadata, 'labels'))) {
        found.failures.push(
          `pod "${name}" in namespace "${client.namespace}" is not a debug copy (no ${LABELS.copyOf} label): not deleted. ` +
            'clean only deletes copies made by debugdead',
        );
        continue;
      }
      found.targets.push(pod);
    } catch (error) {
      found.failures.push((error as Error).message);
    }
  }
  return found;
}

/** Deletes each copy by the uid that was checked, reporting each on stdout; returns the failures. */
async function deleteCopies(client: KubeClient, targets: readonly Pod[], context: CliContext): Promise<string[]> {
  const failures: string[] = [];
  for (const pod of targets) {
    const namespace = stringAt(pod.metadata, 'namespace') ?? client.namespace;
    const name = stringAt(pod.metadata, 'name') ?? '';
    try {
      const deleted = await client.deletePod(namespace, name, stringAt(pod.metadata, 'uid'));
      context.stdout.write(`pod "${name}" ${deleted ? 'deleted' : 'already gone'} from namespace "${namespace}"\n`);
    } catch (error) {
      failures.push((error as Error).message);
    }
  }
  return failures;
}
