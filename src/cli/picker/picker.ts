/** With no POD: list the dead containers and let the user choose one (fzf, else the built-in prompt). */
import { UsageError } from '../../errors.js';
import type { CliContext } from '../context.js';
import { TABLE_HEADER, deadContainers, formatTable, rowCells, type DeadContainer } from './dead-containers.js';
import { pickWithFzf } from './fzf.js';
import type { KubeClient } from '../kube/kube-client.js';
import { builtInPicker } from './prompt.js';
import { findExecutable } from './which.js';
import { goneWorkloadRows } from '../workload/gone-rows.js';

export interface PickOptions {
  allNamespaces: boolean;
  /** -c given with no POD: only rows of that container. */
  container: string | undefined;
}

export async function pickDeadContainer(
  client: KubeClient,
  context: CliContext,
  options: PickOptions,
): Promise<DeadContainer> {
  const namespace = options.allNamespaces ? undefined : client.namespace;
  const pods = await client.listPods(namespace);
  const gone = await goneWorkloadRows(client, namespace, pods);
  const rows = [...deadContainers(pods), ...gone].filter(
    (row) => options.container === undefined || row.container === options.container,
  );
  const scope = namespace === undefined ? 'in any namespace' : `in namespace "${namespace}"`;
  if (rows.length === 0) {
    throw new UsageError(
      `no container that is not running ${scope}${options.container === undefined ? '' : ` named "${options.container}"`}: ` +
        `name a POD${namespace === undefined ? '' : ', or use -A to look in every namespace'}`,
    );
  }
  return chooseRow(rows, context);
}

/** Shows the rows and returns the one chosen (fzf, else the built-in prompt); without a terminal, prints them. */
export async function chooseRow(rows: readonly DeadContainer[], context: CliContext): Promise<DeadContainer> {
  const [header = '', ...lines] = formatTable(TABLE_HEADER, rows.map(rowCells));
  if (!context.stdinIsTTY || !context.stderr.isTTY) {
    context.stdout.write(`${[header, ...lines].join('\n')}\n`);
    throw new UsageError(
      'no POD given and no terminal to pick one: name a POD from the list above, e.g. ' +
        `kubectl debugdead -n ${rows[0]?.namespace ?? 'NAMESPACE'} ${rows[0]?.pod ?? 'POD'} -c ${rows[0]?.container ?? 'CONTAINER'}`,
    );
  }
  const fzf = findExecutable('fzf', context.searchPath);
  const index =
    fzf === undefined
      ? await builtInPicker(lines, header, context.stdin, context.stderr)
      : await pickWithFzf(fzf, lines, header, context.childEnv);
  const chosen = index === undefined ? undefined : rows[index];
  if (chosen === undefined) throw new UsageError('nothing chosen: name a POD, or run again and pick a container');
  return chosen;
}
