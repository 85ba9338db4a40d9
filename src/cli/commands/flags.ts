/**
 * Every flag of every command, declared once. From these tables come the parser (args.ts), the Options of the
 * help (help.ts) and the flags that take a value (subcommand.ts). An option flag names the mutation option it
 * stands for (its debug.dead/* annotation); the mutation's validator judges its value (copy/option-flags.ts).
 * Light on purpose: `--help` loads this and the two constant modules below, nothing else.
 */
import { DEFAULT_TOOLS_IMAGE, DEFAULT_TTL_SECONDS } from '../../mutation/config.js';
import { formatDuration } from '../../mutation/duration.js';
import type { OptionName } from '../../mutation/options.js';

export interface FlagSpec {
  readonly type: 'string' | 'boolean';
  /** The one-letter shorthand: -n for --namespace. */
  readonly short?: string;
  /** The help text; a second line starts with "\n\t". */
  readonly help: string;
  /** The default the help shows after the flag (`--timeout=5m`); without it: '' for a string, false for a boolean. */
  readonly shownDefault?: string;
  /** The mutation option (and so the debug.dead/* annotation) this flag sets; its validator judges the value. */
  readonly option?: OptionName;
}
export type FlagSpecs = Readonly<Record<string, FlagSpec>>;

/** How long the CLI waits for the copy to run (--timeout). */
export const DEFAULT_TIMEOUT = '5m';

/** Flags of every command that talks to a cluster. */
export const CLUSTER_FLAGS = {
  context: { type: 'string', help: 'The name of the kubeconfig context to use (default: the current context).' },
  kubeconfig: {
    type: 'string',
    help: 'Path to the kubeconfig file (default: $KUBECONFIG, a list separated by ":", else ~/.kube/config).',
  },
  namespace: { type: 'string', short: 'n', help: 'The namespace (default: the context\'s namespace, else "default").' },
} as const satisfies FlagSpecs;

/** The option flags of the main command and `mutate`: each sets the debug.dead/* annotation of its option. */
export const OPTION_FLAGS = {
  container: {
    type: 'string',
    short: 'c',
    option: 'container',
    help:
      'Container(s) to keep alive: a comma list (init containers allowed) or *. Default: the\n\t' +
      'kubectl.kubernetes.io/default-container annotation, else the first container. (debug.dead/container)',
  },
  image: {
    type: 'string',
    option: 'image',
    help: `Tools image holding a static /bin/busybox (default: ${DEFAULT_TOOLS_IMAGE}). (debug.dead/image)`,
  },
  'keep-probes': {
    type: 'boolean',
    option: 'keepProbes',
    help: 'Keep the liveness, readiness and startup probes of the kept-alive container(s). (debug.dead/keep-probes)',
  },
  ttl: {
    type: 'string',
    option: 'ttl',
    help: `How long the copy may live, e.g. 30m, 8h, 2d (default ${formatDuration(DEFAULT_TTL_SECONDS)}); it becomes activeDeadlineSeconds. (debug.dead/ttl)`,
  },
  volumes: {
    type: 'string',
    option: 'volumes',
    help:
      'What to do with PVC and generic ephemeral volumes: empty (replace by an empty directory, the default) or\n\t' +
      'readonly (keep them, mounted read-only). (debug.dead/volumes)',
  },
} as const satisfies FlagSpecs;

export const HELP_FLAG = {
  help: { type: 'boolean', short: 'h', help: 'Show this help.' },
} as const satisfies FlagSpecs;

/** `kubectl debugdead [POD]`. */
export const DEBUG_FLAGS = {
  ...CLUSTER_FLAGS,
  ...OPTION_FLAGS,
  ...HELP_FLAG,
  'all-namespaces': {
    type: 'boolean',
    short: 'A',
    help: 'With no POD: pick among the dead containers of all namespaces.',
  },
  'dry-run': {
    type: 'string',
    help:
      'client: print the annotated copy, create nothing. server: send the create with dryRun=All and print what\n\t' +
      'the API server (and so the webhook) would store.',
  },
  exec: { type: 'boolean', help: 'Open the shell in the copy at once (kubectl exec -it when kubectl is on PATH).' },
  'image-command': {
    type: 'string',
    shownDefault: 'registry',
    help:
      "registry: read the image's ENTRYPOINT and CMD from its registry (pull secrets, docker config, anonymous;\n\t" +
      'a few seconds at most, cached by digest) so rerun runs the exact command. none: do not look.',
  },
  'keep-annotations': {
    type: 'boolean',
    help:
      "Keep the source pod's annotations (kubectl.kubernetes.io/default-container always is; its debug.dead/*\n\t" +
      'options never are: the copy takes its options from these flags).',
  },
  'keep-labels': {
    type: 'boolean',
    help: "Keep the source pod's labels (labels that let a controller adopt the copy are removed).",
  },
  local: {
    type: 'boolean',
    help: 'Apply the rewrite in this command and create the rewritten pod; no webhook needed.',
  },
  'no-wait': { type: 'boolean', help: 'Return once the copy is created.' },
  output: { type: 'string', short: 'o', help: 'With --dry-run: yaml (default) or json.' },
  rm: { type: 'boolean', help: 'With --exec: delete the copy when the shell exits.' },
  'same-node': { type: 'boolean', help: "Put the copy on the source pod's node (keeps spec.nodeName)." },
  timeout: {
    type: 'string',
    shownDefault: DEFAULT_TIMEOUT,
    help: 'How long to wait for the copy to run before deleting it and failing.',
  },
  pick: { type: 'boolean', help: "With TYPE/NAME: choose among the workload's pods from a list." },
  version: { type: 'boolean', help: 'Print the version, the commit it was built from and the Node.js version.' },
} as const satisfies FlagSpecs;

/** `kubectl debugdead mutate`. */
export const MUTATE_FLAGS = {
  ...OPTION_FLAGS,
  ...HELP_FLAG,
  filename: { type: 'string', short: 'f', help: 'The Pod manifest to read; - reads stdin.' },
  output: { type: 'string', short: 'o', help: 'yaml (default) or json.' },
} as const satisfies FlagSpecs;

/** `kubectl debugdead list`. */
export const LIST_FLAGS = {
  ...CLUSTER_FLAGS,
  ...HELP_FLAG,
  'all-namespaces': { type: 'boolean', short: 'A', help: 'List the copies of all namespaces.' },
} as const satisfies FlagSpecs;

/** `kubectl debugdead clean`. */
export const CLEAN_FLAGS = {
  ...CLUSTER_FLAGS,
  ...HELP_FLAG,
  'all-namespaces': { type: 'boolean', short: 'A', help: 'With --all: the copies of all namespaces.' },
  all: { type: 'boolean', help: 'Delete every copy in the namespace (or all namespaces with -A).' },
} as const satisfies FlagSpecs;

/** `kubectl debugdead cp`. */
export const CP_FLAGS = {
  ...CLUSTER_FLAGS,
  ...HELP_FLAG,
  container: {
    type: 'string',
    short: 'c',
    help: 'The kept-alive container to copy from or to (default: the first one).',
  },
} as const satisfies FlagSpecs;

/** `kubectl debugdead completion`. */
export const COMPLETION_FLAGS = { ...HELP_FLAG } as const satisfies FlagSpecs;

/** Each command's flags; `''` is the main command. */
export const COMMAND_FLAGS = {
  '': DEBUG_FLAGS,
  mutate: MUTATE_FLAGS,
  list: LIST_FLAGS,
  clean: CLEAN_FLAGS,
  cp: CP_FLAGS,
  completion: COMPLETION_FLAGS,
} as const satisfies Record<string, FlagSpecs>;

/** `-c/--container` or `--ttl`: how messages name a flag. */
export function flagLabel(name: string, spec: FlagSpec): string {
  return spec.short === undefined ? `--${name}` : `-${spec.short}/--${name}`;
}

/** Every spelling of a flag that takes a value, in any command (`-n`, `--namespace`, …). */
export function valueFlagSpellings(): Set<string> {
  const spellings = new Set<string>();
  for (const specs of Object.values(COMMAND_FLAGS)) {
    for (const [name, spec] of Object.entries(specs) as [string, FlagSpec][]) {
      if (spec.type !== 'string') continue;
      spellings.add(`--${name}`);
      if (spec.short !== undefined) spellings.add(`-${spec.short}`);
    }
  }
  return spellings;
}
