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

/**
 * The Options section of a command, sorted by long name as kubectl sorts them (Go's sort.Strings: byte order).
 * Not localeCompare: its first call builds an ICU collator, which cost --help some 14 ms of its start-up.
 */
function options(specs: FlagSpecs): string {
  return Object.entries<FlagSpec>(specs)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
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

  # A workload: its pod whose container is not running (most restarts), else the newest; with no pod left
  # (a failed Job whose pods were deleted, a CronJob that never ran, a Deployment scaled to 0), its pod template
  kubectl debugdead deploy/web -n shop
  kubectl debugdead job/nightly-report -n batch

  # Choose among the workload's pods yourself
  kubectl debugdead sts/db --pick

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
  cp          Copy files into and out of a debug copy (with its own tar)
  completion  Print the shell completion script (bash or zsh)

Options:
${options(COMMAND_FLAGS[''])}
Usage:
  kubectl debugdead [POD | TYPE/NAME] [-n NAMESPACE] [-c CONTAINER] [options]
    TYPE: pod, deploy, rs, sts, ds, job or cronjob (kubectl's names, short names and TYPE.GROUP forms)
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

const CP = `Copy files and directories into and out of a debug copy, in kubectl cp's syntax. kubectl cp runs tar from the
container's PATH, which a distroless or scratch image does not have; this runs the busybox tar of the copy's tools
directory instead. Directories and symlinks are copied and file modes kept. Only debug copies made by debugdead
have the tools directory: any other pod is refused.

Examples:
  # Get a core file out of the copy
  kubectl debugdead cp -n shop debug-web-7d4b9c8f6d-x2k9p-k3x9q:/tmp/core.1234 ./core.1234

  # A directory, from a copy in another namespace, out of a chosen container
  kubectl debugdead cp monitoring/debug-heapster-k3x9q:/var/log/app ./app-logs -c heapster

  # Put a tool or a config into the copy
  kubectl debugdead cp ./strace debug-web-7d4b9c8f6d-x2k9p-k3x9q:/tmp/strace

Options:
${options(COMMAND_FLAGS['cp'])}
Usage:
  kubectl debugdead cp [NAMESPACE/]POD:PATH LOCAL_PATH [options]
  kubectl debugdead cp LOCAL_PATH [NAMESPACE/]POD:PATH [options]
`;

const COMPLETION = `Print the shell completion script of kubectl-debugdead for bash or zsh: subcommands, flags, pod and workload
names, namespaces and contexts, read from the cluster the line points at. For \`kubectl debugdead <TAB>\`, kubectl's
own completion calls kubectl_complete-debugdead (installed with the plugin): nothing to load.

Examples:
  # bash, in this shell
  source <(kubectl debugdead completion bash)

  # zsh, in every new shell
  kubectl debugdead completion zsh > "\${fpath[1]}/_kubectl-debugdead"

Options:
${options(COMMAND_FLAGS['completion'])}
Usage:
  kubectl debugdead completion bash|zsh
`;

export function helpText(command: Subcommand | undefined): string {
  switch (command) {
    case 'completion':
      return COMPLETION;
    case 'cp':
      return CP;
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
