/**
 * Help texts, in kubectl's layout (description, Examples, Options, Usage). The Options come from each command's
 * flag table (flags.ts), defaults included; the rest is prose. Cheap to load: no mutation code.
 */
import { COMMAND_FLAGS, type FlagSpec, type FlagSpecs } from './flags.js';
import type { Subcommand } from './subcommand.js';

/** `-c, --container=''`, `--keep-probes=false`, `--timeout=5m`. */
function flagLine(name: string, spec: FlagSpec): string {
  const value = spec.shownDefault ?? (spec.type === 'boolean' ? 'false' : "''");
  return `${spec.short === undefined ? '' : `-${spec.short}, `}--${name}=${value}`;
}

/** The Options section of a command, sorted by long name as kubectl sorts them. */
function options(specs: FlagSpecs): string {
  return Object.entries<FlagSpec>(specs)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([name, spec]) => `    ${flagLine(name, spec)}:\n\t${spec.help}\n`)
    .join('\n');
}

const MAIN = `Make a debuggable copy of a dead pod: same image, env, mounts and service account, the target container kept
alive by a static busybox injected into a shared volume, its probes removed, its PVCs neutralised. Then get a
shell with the tools on PATH inside the original container's filesystem, and /debug-dead/rerun to reproduce the
crash by hand.

 The copy is created with the annotation debug.dead/enable="true"; the debugdead webhook rewrites it. Where no
webhook runs, --local applies the same rewrite in this command. With no POD, pick a container that is not
running from a list (fzf when installed).

Examples:
  # Copy a crash-looping pod, wait until it runs, print how to get in
  kubectl debugdead web-7d4b9c8f6d-x2k9p -n shop

  # Pick the dead container from a list, across all namespaces
  kubectl debugdead -A

  # Keep the init container "migrate" alive instead, and open a shell at once; delete the copy on exit
  kubectl debugdead web-7d4b9c8f6d-x2k9p -c migrate --exec --rm

  # No webhook installed: apply the rewrite here
  kubectl debugdead heapster -n monitoring --local

  # Write the annotated copy to a file instead of creating it (kubectl create -f works on it)
  kubectl debugdead heapster -n monitoring --dry-run=client -o yaml > copy.yaml

  # A pod named like a command
  kubectl debugdead pod/list

Available Commands:
  mutate      Apply the debug rewrite to a Pod manifest, offline
  list        List debug copies
  clean       Delete debug copies

Options:
${options(COMMAND_FLAGS[''])}
Usage:
  kubectl debugdead [POD] [-n NAMESPACE] [-c CONTAINER] [options]
  kubectl debugdead [command] [options]

Exit codes: 0 done, 1 failed (the message says why and what to do), 2 wrong usage.
Use "kubectl debugdead <command> --help" for more information about a given command.
`;

const MUTATE = `Apply the debug rewrite to a Pod manifest (YAML or JSON) offline, as the webhook would for a pod annotated
debug.dead/enable="true", and print the rewritten Pod. The option flags act like the debug.dead/* annotations and
override those already in the manifest. Nothing is sent to a cluster.

Examples:
  # The scratch-image heapster pod: no shell in the image, yet the copy gets one
  kubectl debugdead mutate -f examples/heapster-pod.yaml

  # From stdin, as JSON, keeping the probes and living 2 hours
  kubectl get pod heapster -n monitoring -o json | kubectl debugdead mutate -f - -o json --keep-probes --ttl 2h

Options:
${options(COMMAND_FLAGS['mutate'])}
Usage:
  kubectl debugdead mutate -f FILENAME [options]

Exit codes: 0 printed, 1 the rewrite was denied (the message says why), 2 not a Pod, unreadable, or a wrong flag.
`;

const LIST = `List the debug copies (pods labelled debug.dead/copy-of): their source pod, kept-alive container, age, expiry
and phase.

Examples:
  # Copies in the current namespace
  kubectl debugdead list

  # Copies in every namespace
  kubectl debugdead list -A

Options:
${options(COMMAND_FLAGS['list'])}
Usage:
  kubectl debugdead list [-n NAMESPACE | -A] [options]
`;

const CLEAN = `Delete debug copies. Only pods carrying the debug.dead/copy-of label are ever deleted: naming any other pod
is refused.

Examples:
  # Delete one copy
  kubectl debugdead clean debug-web-7d4b9c8f6d-x2k9p-k3x9q -n shop

  # Delete every copy in the current namespace
  kubectl debugdead clean --all

  # Delete every copy in every namespace
  kubectl debugdead clean --all -A

Options:
${options(COMMAND_FLAGS['clean'])}
Usage:
  kubectl debugdead clean (POD... | --all) [-n NAMESPACE | -A] [options]
`;

export function helpText(command: Subcommand | undefined): string {
  switch (command) {
    case 'mutate':
      return MUTATE;
    case 'list':
      return LIST;
    case 'clean':
      return CLEAN;
    default:
      return MAIN;
  }
}
