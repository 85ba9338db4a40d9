/**
 * What each position of a command line completes to, in the protocol of the kubectl plugins' completion
 * (Cobra's `__complete`): candidates one per line, then `:DIRECTIVE`. kubectl calls `kubectl_complete-debugdead`
 * with the words after `kubectl debugdead`; the bash and zsh scripts of `completion` call `kubectl-debugdead
 * __complete` the same way. Pure: the cluster is behind `CompletionSource`.
 */
import { COMMAND_FLAGS as TABLES, type FlagSpecs } from '../commands/flags.js';
import { WORKLOAD_KINDS, parseTarget, type WorkloadKind } from '../workload/target.js';

/** Cobra's ShellCompDirective bits. */
export const DIRECTIVE = { default: 0, error: 1, noSpace: 2, noFileComp: 4 } as const;

export interface Completion {
  candidates: string[];
  directive: number;
}

/** Where names come from: the cluster (namespace and context as the flags on the line say). */
export interface CompletionSource {
  namespaces(): Promise<string[]>;
  contexts(): Promise<string[]>;
  pods(): Promise<string[]>;
  /** Debug copies (pods labelled debug.dead/copy-of). */
  copies(): Promise<string[]>;
  workloads(kind: WorkloadKind): Promise<string[]>;
  /** Containers (and init containers) of a pod. */
  containers(pod: string): Promise<string[]>;
}

export const COMMANDS = ['mutate', 'list', 'clean', 'cp', 'completion'] as const;

const COMMAND_FLAGS: Record<string, FlagSpecs> = TABLES;

const FIXED_VALUES: Record<string, string[]> = {
  volumes: ['empty', 'readonly'],
  output: ['yaml', 'json'],
  'dry-run': ['none', 'client', 'server'],
};
const FILE_VALUES = new Set(['kubeconfig', 'filename']);

/** The long name of `-n`, `--namespace` in a command's flags; undefined when it is not a flag of it. */
function flagName(specs: FlagSpecs, word: string): string | undefined {
  if (word.startsWith('--')) {
    const name = word.slice(2).split('=')[0] ?? '';
    return name in specs ? name : undefined;
  }
  if (/^-[A-Za-z]$/.test(word)) return Object.entries(specs).find(([, spec]) => spec.short === word.slice(1))?.[0];
  return undefined;
}

/** The subcommand and the positional arguments before the word being completed. */
function analyse(args: readonly string[]): {
  command: string;
  positionals: string[];
  specs: FlagSpecs;
  pending?: string;
} {
  let command = '';
  let specs = COMMAND_FLAGS[''] ?? {};
  const positionals: string[] = [];
  let pending: string | undefined;
  let flagsEnded = false;
  for (const word of args) {
    if (pending !== undefined) {
      pending = undefined;
      continue;
    }
    if (!flagsEnded && word === '--') {
      flagsEnded = true;
      continue;
    }
    if (!flagsEnded && word.startsWith('-')) {
      pending = flagAwaitingValue(specs, word);
      continue;
    }
    if (command === '' && positionals.length === 0 && isCommand(word)) {
      command = word;
      specs = COMMAND_FLAGS[word] ?? {};
      continue;
    }
    positionals.push(word);
  }
  return pending === undefined ? { command, positionals, specs } : { command, positionals, specs, pending };
}

/** A flag word whose value is the next word (`-n`, `--namespace` without `=`): its long name; else undefined. */
function flagAwaitingValue(specs: FlagSpecs, word: string): string | undefined {
  const name = flagName(specs, word) ?? flagName(COMMAND_FLAGS[''] ?? {}, word);
  const spec = name === undefined ? undefined : specs[name];
  return spec?.type === 'string' && !word.includes('=') ? name : undefined;
}

function isCommand(word: string): boolean {
  return (COMMANDS as readonly string[]).includes(word);
}

function flagWords(specs: FlagSpecs): string[] {
  return Object.entries(specs)
    .flatMap(([name, spec]) => [`--${name}`, ...(spec.short === undefined ? [] : [`-${spec.short}`])])
    .sort();
}

const startsWith = (prefix: string) => (candidate: string) => candidate.startsWith(prefix);

async function valueOf(flag: string, positionals: readonly string[], source: CompletionSource): Promise<Completion> {
  if (FILE_VALUES.has(flag)) return { candidates: [], directive: DIRECTIVE.default };
  const fixed = FIXED_VALUES[flag];
  if (fixed !== undefined) return { candidates: fixed, directive: DIRECTIVE.noFileComp };
  if (flag === 'namespace') return { candidates: await source.namespaces(), directive: DIRECTIVE.noFileComp };
  if (flag === 'context') return { candidates: await source.contexts(), directive: DIRECTIVE.noFileComp };
  if (flag === 'container') {
    const target = positionals[0];
    if (target === undefined) return { candidates: [], directive: DIRECTIVE.noFileComp };
    const remote = /^(?:[^/:]+\/)?([^/:]+):/.exec(target)?.[1];
    let pod: string | undefined = remote;
    if (pod === undefined) {
      const parsed = safeTarget(target);
      pod = parsed?.type === 'pod' ? parsed.name : undefined;
    }
    return { candidates: pod === undefined ? [] : await source.containers(pod), directive: DIRECTIVE.noFileComp };
  }
  return { candidates: [], directive: DIRECTIVE.noFileComp };
}

function safeTarget(text: string): ReturnType<typeof parseTarget> | undefined {
  try {
    return parseTarget(text);
  } catch {
    return undefined;
  }
}

/** `TYPE/` typed: the workloads of that type, written as the user started to write the type. */
async function workloadNames(toComplete: string, source: CompletionSource): Promise<string[] | undefined> {
  const slash = toComplete.indexOf('/');
  if (slash < 0) return undefined;
  const parsed = safeTarget(`${toComplete.slice(0, slash)}/x`);
  if (parsed === undefined) return [];
  const type = toComplete.slice(0, slash + 1);
  const names = parsed.type === 'pod' ? await source.pods() : await source.workloads(parsed.kind);
  return names.map((name) => `${type}${name}`);
}

const TYPE_PREFIXES = Object.values(WORKLOAD_KINDS).map(
  (kind: WorkloadKind) => `${kind.shortNames[0] ?? kind.singular}/`,
);

async function positional(
  command: string,
  positionals: readonly string[],
  toComplete: string,
  source: CompletionSource,
): Promise<Completion> {
  const none = { candidates: [], directive: DIRECTIVE.noFileComp };
  switch (command) {
    case '': {
      if (positionals.length > 0) return none;
      const workloads = await workloadNames(toComplete, source);
      if (workloads !== undefined) return { candidates: workloads, directive: DIRECTIVE.noFileComp };
      const pods = await source.pods();
      return { candidates: [...COMMANDS, ...TYPE_PREFIXES, ...pods], directive: DIRECTIVE.noFileComp };
    }
    case 'clean':
      return {
        candidates: (await source.copies()).filter((name) => !positionals.includes(name)),
        directive: DIRECTIVE.noFileComp,
      };
    case 'completion':
      return positionals.length === 0 ? { candidates: ['bash', 'zsh'], directive: DIRECTIVE.noFileComp } : none;
    case 'cp': {
      if (positionals.length > 1) return none;
      // A local path, or POD: of a debug copy (no space after it: the path follows).
      if (toComplete.includes(':') || toComplete.startsWith('/') || toComplete.startsWith('.')) {
        return { candidates: [], directive: DIRECTIVE.default };
      }
      const copies = (await source.copies()).map((name) => `${name}:`);
      return { candidates: copies, directive: DIRECTIVE.noSpace };
    }
    default:
      return none;
  }
}

/** What `toComplete`, the word after `args`, completes to. */
export async function complete(
  args: readonly string[],
  toComplete: string,
  source: CompletionSource,
): Promise<Completion> {
  const { command, positionals, specs, pending } = analyse(args);
  let result: Completion;
  if (pending !== undefined) result = await valueOf(pending, positionals, source);
  else if (toComplete.startsWith('-')) {
    const equals = /^--([^=]+)=(.*)$/.exec(toComplete);
    if (equals !== null && (equals[1] ?? '') in specs) {
      const values = await valueOf(equals[1] ?? '', positionals, source);
      result = { ...values, candidates: values.candidates.map((value) => `--${equals[1] ?? ''}=${value}`) };
    } else result = { candidates: flagWords(specs), directive: DIRECTIVE.noFileComp };
  } else result = await positional(command, positionals, toComplete, source);
  return { ...result, candidates: result.candidates.filter(startsWith(toComplete)) };
}

/** Cobra's output: one candidate per line, then `:DIRECTIVE`. */
export function formatCompletion(completion: Completion): string {
  return [...completion.candidates, `:${completion.directive}`].join('\n') + '\n';
}

/** The cluster flags on the line (so that names come from the namespace and context the user is typing). */
export function clusterFlagsOf(args: readonly string[]): { namespace?: string; context?: string; kubeconfig?: string } {
  const result: { namespace?: string; context?: string; kubeconfig?: string } = {};
  for (let index = 0; index < args.length; index += 1) {
    const word = args[index] ?? '';
    const equals = /^--(namespace|context|kubeconfig)=(.*)$/.exec(word);
    if (equals !== null) {
      result[equals[1] as 'namespace' | 'context' | 'kubeconfig'] = equals[2] ?? '';
      continue;
    }
    const name = word === '-n' ? 'namespace' : /^--(namespace|context|kubeconfig)$/.exec(word)?.[1];
    const value = args[index + 1];
    if (name !== undefined && value !== undefined) {
      result[name as 'namespace' | 'context' | 'kubeconfig'] = value;
      index += 1;
    }
  }
  return result;
}
