/**
 * The keep-alive (SPEC §3.2): the command that replaces a target container's command. It runs the injected
 * static busybox's shell, which
 *   1. installs the busybox applets as symlinks into the tools directory,
 *   2. writes `<tools>/rerun`, a script that runs the argv the runtime ran (the spec's command and args, or,
 *      without a command, the image's ENTRYPOINT and CMD from debug.dead/image-command), each argument
 *      shell-quoted so that any argv survives byte for byte (or, when the spec had no command and the image
 *      command is not known, explains that the image ENTRYPOINT is not known and runs `rerun ENTRYPOINT`
 *      with the original args),
 *   3. writes `<tools>/.profile`, which appends the tools directory to PATH,
 *   4. writes its ready marker `<tools>/.ready-<container>`,
 *   5. sleeps in a loop that exits at once on SIGTERM (a shell as PID 1 ignores it without a trap).
 * Everything is written into the tools volume, so a read-only root filesystem is fine. rerun and .profile are
 * written under a temporary name and renamed, so that a restarted container never shows half a file.
 *
 * The kubelet reports a container running once it has started, a moment before the keep-alive has written
 * anything: a shell opened then has no tools on PATH and no rerun. So the target gets a postStart hook
 * (`postStartWait`) that waits for the ready marker: the kubelet reports the container Running only once its
 * postStart hook has returned, so whoever sees Running (the CLI, `kubectl get`, a watch) finds the files there.
 *
 * The original argv is not quoted here but passed as separate arguments after the script: the kubelet then
 * expands `$(VAR)` references in them exactly as it did for the original container, and the shell quotes
 * the expanded values at run time. The script's own text has every `$` doubled, which the kubelet turns
 * back into one `$` (its escape for a literal `$`), so the script reaches the shell as written here.
 */
import { runtimeArgv, type ImageCommand } from './image-command.js';
import type { JsonObject } from './types.js';

/**
 * The shell program. Positional parameters: tools dir, mode (command|entrypoint), container name, argv…
 * A template literal cannot hold the shell's `${`, so the text writes it `$\{` and the last line restores it.
 */
export const KEEP_ALIVE_SCRIPT = String.raw`d=$1 mode=$2 name=$3
shift 3
pid=
trap 'kill "$pid" 2>/dev/null; exit 0' TERM INT HUP
"$d/busybox" --install -s "$d" 2>/dev/null
sq="'"
q() {
  s=$1 r=
  while :; do
    case $s in
      *$sq*) pre=$\{s%%$sq*}; s=$\{s#*$sq}; r=$r$pre\'\\\'\' ;;
      *) break ;;
    esac
  done
  printf "'%s'" "$r$s"
}
quoted() { for a in "$@"; do printf ' '; q "$a"; done; }
t="$d/.$name"
{
  printf '#!%s/busybox sh\n' "$d"
  printf '# Written by debugdead: reruns the original command of container %s, to reproduce the crash by hand.\n' "$name"
  if [ "$mode" = command ]; then
    printf '# Extra arguments are appended to the original ones.\nexec'
    quoted "$@"
    printf ' "$@"\n'
  else
    printf 'if [ $# -eq 0 ]; then\n'
    printf '  echo "debugdead: container %s had no command in its pod spec: it ran its image ENTRYPOINT, which is not known here." >&2\n' "$name"
    printf '  echo "Run: %s/rerun ENTRYPOINT   (the image ENTRYPOINT, e.g. from: crane config IMAGE)" >&2\n' "$d"
    if [ $# -eq 0 ]; then
      printf '  echo "The pod spec had no args either: the image CMD followed the ENTRYPOINT." >&2\n'
    else
      printf '  echo "It ran with these args, which rerun appends:" >&2\n  set --'
      quoted "$@"
      printf '\n  for a in "$@"; do printf "  %%s\\n" "$a" >&2; done\n'
    fi
    printf '  exit 2\nfi\nexec "$@"'
    quoted "$@"
    printf '\n'
  fi
} >"$t.rerun"
"$d/busybox" chmod 755 "$t.rerun"
"$d/busybox" mv -f "$t.rerun" "$d/rerun"
printf 'export PATH="$\{PATH:+$PATH:}%s"\nPS1="debugdead:\\w\\$ "\necho "debugdead: busybox tools from %s are on PATH; run %s/rerun to reproduce the crash."\n' "$d" "$d" "$d" >"$t.profile"
"$d/busybox" mv -f "$t.profile" "$d/.profile"
: >"$d/.ready-$name"
while :; do
  "$d/busybox" sleep 86400 &
  pid=$!
  wait "$pid"
done
`.replaceAll('$\\{', '${');

/** The name `$0` takes in the keep-alive shell (shown by ps). */
export const KEEP_ALIVE_ARGV0 = 'debugdead-keep-alive';

/** Escapes text for a container command: the kubelet reads `$$` as a literal `$`. */
export function escapeKubeletExpansion(text: string): string {
  return text.replaceAll('$', () => '$$');
}

export interface KeepAliveInput {
  /** Tools directory (the tools volume's mountPath). */
  mountPath: string;
  containerName: string;
  /** The original command, or null when the spec had none (image ENTRYPOINT). */
  command: string[] | null;
  /** The original args, or null. */
  args: string[] | null;
  /** The image config's command (debug.dead/image-command), when known. */
  image?: ImageCommand | undefined;
}

const ESCAPED_SCRIPT = escapeKubeletExpansion(KEEP_ALIVE_SCRIPT);

/** The file the keep-alive of `containerName` writes once the applets, rerun and .profile are in place. */
export function readyMarker(mountPath: string, containerName: string): string {
  return `${mountPath}/.ready-${containerName}`;
}

/**
 * The postStart hook's program. Positional parameters: the ready marker, the busybox. It waits for the marker,
 * looking again after 5, 10, 20, 40 and 80 ms and then every 100 ms, at most about 30 s, and always exits 0: a
 * failing postStart hook gets the container killed (PITFALLS 12), and a keep-alive that is slow to write its
 * files must still be kept. Few looks, so that under a small CPU limit (the hook runs in the container's
 * cgroup) it leaves the CPU to the keep-alive; usually the files are there at the first look. Without usleep (a
 * tools image with a smaller busybox) it returns at once. The kubelet does not expand `$(VAR)` in hook
 * commands, and the text has no `$(` or `$$` anyway: it reads the same either way.
 */
export const POST_START_WAIT_SCRIPT = [
  'for t in 5000 10000 20000 40000 80000; do',
  '  [ -e "$1" ] && exit 0',
  '  "$2" usleep $t || exit 0',
  'done',
  'n=',
  'until [ -e "$1" ] || [ ${#n} -ge 300 ]; do',
  '  n=x$n',
  '  "$2" usleep 100000 || exit 0',
  'done',
  'exit 0',
  '',
].join('\n');

/** The name `$0` takes in the postStart hook's shell. */
export const POST_START_ARGV0 = 'debugdead-wait-ready';

/**
 * The postStart hook of a kept-alive container: wait until its keep-alive has written rerun and .profile, so
 * that the container is reported Running only then (the kubelet marks it running once the hook returned).
 */
export function postStartWait(mountPath: string, containerName: string): JsonObject {
  return { postStart: { exec: { command: postStartWaitCommand(mountPath, containerName) } } };
}

/** The hook's command: also what the CLI runs itself in a kept-alive init container, which has no hook. */
export function postStartWaitCommand(mountPath: string, containerName: string): string[] {
  return [
    `${mountPath}/busybox`,
    'sh',
    '-c',
    POST_START_WAIT_SCRIPT,
    POST_START_ARGV0,
    readyMarker(mountPath, containerName),
    `${mountPath}/busybox`,
  ];
}

const KEEP_ALIVE_BYTES = JSON.stringify(ESCAPED_SCRIPT).length + JSON.stringify(POST_START_WAIT_SCRIPT).length + 512;

/**
 * Bytes of a keep-alive command and its postStart hook in JSON besides the original argv and the container's
 * name (for the mutation's size limit).
 */
export function keepAliveBytes(): number {
  return KEEP_ALIVE_BYTES;
}

/**
 * The command that replaces the target container's command (its args are removed). When the argv the
 * runtime ran is known (a command in the spec, or the image command), rerun runs exactly that: the pod spec's
 * parts as written, so that the kubelet expands their `$(VAR)` as it did for the original, and the image's
 * parts escaped (`$` → `$$`), so that they reach rerun literally, as the runtime used them.
 */
export function keepAliveCommand(input: KeepAliveInput): string[] {
  const argv = runtimeArgv(input.command, input.args, input.image);
  const known = argv !== undefined && argv.length > 0;
  const head = [`${input.mountPath}/busybox`, 'sh', '-c', ESCAPED_SCRIPT, KEEP_ALIVE_ARGV0, input.mountPath];
  if (known) {
    const parts = argv.map((part) => (part.spec ? part.value : escapeKubeletExpansion(part.value)));
    return [...head, 'command', input.containerName, ...parts];
  }
  return [...head, 'entrypoint', input.containerName, ...(input.args ?? [])];
}

/** The command of the tools init container: copies the static busybox binary into the tools volume. */
export function toolsCopyCommand(mountPath: string): string[] {
  return ['/bin/busybox', 'cp', '/bin/busybox', `${mountPath}/busybox`];
}
