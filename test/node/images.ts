/**
 * The images test/node/images.sh builds from files and test/node/cluster.sh imports into the node's
 * containerd: nothing is pulled, so pods use them with `imagePullPolicy: Never`.
 */
import { DEFAULT_TOOLS_IMAGE } from '../../src/mutation/index.js';

export const IMAGES = {
  /** The tools image under the reference the manifests pin: Debian's static busybox at /bin/busybox. */
  tools: DEFAULT_TOOLS_IMAGE,
  /** scratch: its only file is /crash, run by ENTRYPOINT ["/crash"]. */
  crash: 'debugdead.test/crash:1',
  /** distroless-like: /app/server (the same crash binary) as ENTRYPOINT, USER 65532:65532, no shell. */
  distroless: 'debugdead.test/distroless:1',
  /** busybox as /bin/sh (sh, ls, cat, echo, sleep) and /app/config.yaml; no ENTRYPOINT: the pod sets the command. */
  shellApp: 'debugdead.test/shell-app:1',
} as const;

/** What /crash and /app/server do (test/e2e/crash/main.go): print their argv on stderr, exit 3. */
export const CRASH_EXIT_CODE = 3;
export const crashMessage = (args: readonly string[]): string =>
  `crash: cannot load config [${args.join(' ')}]: no such file or directory`;

/** The user of the distroless image. */
export const DISTROLESS_UID = 65532;
