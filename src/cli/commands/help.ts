/** Help texts, in kubectl's layout (description, Examples, Options, Usage). Plain strings: cheap to load. */
import type { Subcommand } from './subcommand.js';

interface Option {
  flags: string;
  text: string;
}

function options(list: readonly Option[]): string {
  return list.map((option) => `    ${option.flags}:\n\t${option.text}\n`).join('\n');
}

const CLUSTER_OPTIONS: readonly Option[] = [
  { flags: "--context=''", text: 'The name of the kubeconfig context to use (default: the current context).' },
  {
    flags: "--kubeconfig=''",
    text: 'Path to the kubeconfig file (default: $KUBECONFIG, a list separated by ":", else ~/.kube/config).',
  },
  {
    flags: "-n, --namespace=''",
    text: 'The namespace (default: the context\'s namespace, else "default").',
  },
];

const MUTATION_OPTIONS: readonly Option[] = [
  {
    flags: "-c, --container=''",
    text:
      'Container(s) to keep alive: a comma list (init containers allowed) or *. Default: the\n\t' +
      'kubectl.kubernetes.io/default-container annotation, else the first container. (debug.dead/container)',
  },
  {
    flags: "--image=''",
    text: 'Tools image holding a static /bin/busybox (default: busybox:1.37.0-musl). (debug.dead/image)',
  },
  {
    flags: '--keep-probes=false',
    text: 'Keep the liveness, readiness and startup probes of the kept-alive container(s). (debug.dead/keep-probes)',
  },
  {
    flags: "--ttl=''",
    text: 'How long the copy may live, e.g. 30m, 8h, 2d (default 24h); it becomes activeDeadlineSeconds. (debug.dead/ttl)',
  },
  {
    flags: "--volumes=''",
    text:
      'What to do with PVC and generic ephemeral volumes: empty (replace by an empty directory, the default) or\n\t' +
      'readonly (keep them, mounted read-only). (debug.dead/volumes)',
  },
];

const HELP_OPTION: Option = { flags: '-h, --help=false', text: 'Show this help.' };

function byFlag(list: readonly Option[]): Option[] {
  const key = (option: Option): string => option.flags.replace(/^-., /, '').replace(/^--/, '');
  return [...list].sort((a, b) => key(a).localeCompare(key(b)));
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
${options(
  byFlag([
    ...CLUSTER_OPTIONS,
    ...MUTATION_OPTIONS,
    HELP_OPTION,
    { flags: '-A, --all-namespaces=false', text: 'With no POD: pick among the dead containers of all namespaces.' },
    {
      flags: "--dry-run=''",
      text:
        'client: print the annotated copy, create nothing. server: send the create with dryRun=All and print what\n\t' +
        'the API server (and so the webhook) would store.',
    },
    { flags: '--exec=false', text: 'Open the shell in the copy at once (kubectl exec -it when kubectl is on PATH).' },
    {
      flags: '--keep-annotations=false',
      text: "Keep the source pod's annotations (debug.dead/* and kubectl.kubernetes.io/default-container always are).",
    },
    {
      flags: '--keep-labels=false',
      text: "Keep the source pod's labels (labels that let a controller adopt the copy are removed).",
    },
    {
      flags: '--local=false',
      text: 'Apply the rewrite in this command and create the rewritten pod; no webhook needed.',
    },
    { flags: '--no-wait=false', text: 'Return once the copy is created.' },
    { flags: '--version=false', text: 'Print the version, the commit it was built from and the Node.js version.' },
    { flags: '--pick=false', text: "With TYPE/NAME: choose among the workload's pods from a list." },
    { flags: "-o, --output=''", text: 'With --dry-run: yaml (default) or json.' },
    { flags: '--rm=false', text: 'With --exec: delete the copy when the shell exits.' },
    { flags: '--same-node=false', text: "Put the copy on the source pod's node (keeps spec.nodeName)." },
    { flags: '--timeout=5m', text: 'How long to wait for the copy to run before deleting it and failing.' },
  ]),
)}
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
${options(
  byFlag([
    ...MUTATION_OPTIONS,
    HELP_OPTION,
    { flags: "-f, --filename=''", text: 'The Pod manifest to read; - reads stdin.' },
    { flags: "-o, --output=''", text: 'yaml (default) or json.' },
  ]),
)}
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
${options(
  byFlag([
    ...CLUSTER_OPTIONS,
    HELP_OPTION,
    { flags: '-A, --all-namespaces=false', text: 'List the copies of all namespaces.' },
  ]),
)}
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
${options(
  byFlag([
    ...CLUSTER_OPTIONS,
    HELP_OPTION,
    { flags: '-A, --all-namespaces=false', text: 'With --all: the copies of all namespaces.' },
    { flags: '--all=false', text: 'Delete every copy in the namespace (or all namespaces with -A).' },
  ]),
)}
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
${options(
  byFlag([
    ...CLUSTER_OPTIONS,
    HELP_OPTION,
    { flags: "-c, --container=''", text: 'The kept-alive container to copy from or to (default: the first one).' },
  ]),
)}
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
${options([HELP_OPTION])}
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
