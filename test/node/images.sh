#!/usr/bin/env bash
# Builds the test node's container images from files, without a registry or Docker, as docker-archive
# tarballs (`ctr images import` reads them). Every image is one layer made with a reproducible tar.
#
#   images.sh OUT_DIR   writes OUT_DIR/<name>.tar for each image below and OUT_DIR/images.txt
#                       (one "<reference> <file>" per line)
#
# The images (references in test/node/images.ts, which the tests import):
#   busybox:1.37.0-musl            the tools image the manifests pin: Debian's static /bin/busybox and its
#                                  applets as symlinks, /etc/passwd and /etc/group, CMD ["sh"]
#   debugdead.test/pause:1         the pod sandbox (test/node/pause/main.go)
#   debugdead.test/crash:1         scratch: the only file is /crash (test/e2e/crash/main.go: prints its argv
#                                  on stderr, exits 3), run by ENTRYPOINT ["/crash"]
#   debugdead.test/distroless:1    distroless-like: /app/server (the same crash binary), /etc/passwd and
#                                  /etc/group naming nonroot 65532, USER 65532:65532, no shell
#   debugdead.test/shell-app:1     busybox as /bin/sh with its applets and /app/config.yaml, no ENTRYPOINT:
#                                  the pod spec sets the command
#
# Needs: /bin/busybox from busybox-static, and test/node/bin/{pause,crash} from scripts/build-node.sh.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
bin="${DEBUGDEAD_NODE_BIN_DIR:-$here/bin}"
busybox="${DEBUGDEAD_BUSYBOX:-/bin/busybox}"
out="${1:?usage: images.sh OUT_DIR}"

for f in "$bin/pause" "$bin/crash"; do
  [[ -x "$f" ]] || { echo "images: $f is missing; run bash scripts/build-node.sh" >&2; exit 1; }
done
# The tools image must hold a static busybox: a dynamic one would not run in a scratch container.
if ! "$busybox" true 2>/dev/null || ldd "$busybox" >/dev/null 2>&1; then
  echo "images: $busybox is not a static busybox (apt-get install busybox-static)" >&2
  exit 1
fi

mkdir -p "$out"
work="$(mktemp -d "$out/.work.XXXXXX")"
trap 'rm -rf "$work"' EXIT
: >"$out/images.txt"

# shellcheck source=test/node/docker-archive.sh
. "$here/docker-archive.sh"

# image FILE_NAME REFERENCE ROOTFS CONFIG_JSON: one-layer docker-archive tarball of ROOTFS, listed in images.txt.
image() {
  local name=$1 ref=$2 rootfs=$3 config=$4
  docker_archive "$work/$name" "$out/$name.tar" "$ref" "$rootfs" "$config"
  printf '%s %s\n' "$ref" "$out/$name.tar" >>"$out/images.txt"
}

path_env='"Env":["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"]'

# Files every rootfs starts from: owned by root, directories 755.
rootfs() {
  local r="$work/rootfs-$1"
  mkdir -p "$r"
  printf '%s' "$r"
}

# busybox: the tools image.
r="$(rootfs busybox)"
mkdir -p "$r"/{bin,etc,root,home,tmp,var}
chmod 1777 "$r/tmp"
cp "$busybox" "$r/bin/busybox"
for applet in $("$busybox" --list); do
  [[ "$applet" == busybox || -e "$r/bin/$applet" ]] || ln -s busybox "$r/bin/$applet"
done
printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/home:/bin/false\n' >"$r/etc/passwd"
printf 'root:x:0:\nnobody:x:65534:\n' >"$r/etc/group"
image busybox busybox:1.37.0-musl "$r" "{$path_env,\"Cmd\":[\"sh\"]}"

# pause: the sandbox.
r="$(rootfs pause)"
cp "$bin/pause" "$r/pause"
image pause debugdead.test/pause:1 "$r" '{"Entrypoint":["/pause"]}'

# crash: scratch, one static binary.
r="$(rootfs crash)"
cp "$bin/crash" "$r/crash"
image crash debugdead.test/crash:1 "$r" "{$path_env,\"Entrypoint\":[\"/crash\"]}"

# distroless: non-root user, no shell.
r="$(rootfs distroless)"
mkdir -p "$r"/{app,etc,home/nonroot,tmp}
chmod 1777 "$r/tmp"
chown 65532:65532 "$r/home/nonroot"
cp "$bin/crash" "$r/app/server"
printf 'root:x:0:0:root:/root:/sbin/nologin\nnonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n' >"$r/etc/passwd"
printf 'root:x:0:\nnonroot:x:65532:\n' >"$r/etc/group"
image distroless debugdead.test/distroless:1 "$r" \
  "{$path_env,\"User\":\"65532:65532\",\"WorkingDir\":\"/home/nonroot\",\"Entrypoint\":[\"/app/server\"]}"

# shell-app: a shell, and the command comes from the pod spec.
r="$(rootfs shell-app)"
mkdir -p "$r"/{bin,app,etc,tmp}
chmod 1777 "$r/tmp"
cp "$busybox" "$r/bin/busybox"
for applet in sh ls cat echo sleep; do ln -s busybox "$r/bin/$applet"; done
printf 'listen: ":8080"\ndatabase: postgres://db.invalid/shop\n' >"$r/app/config.yaml"
printf 'root:x:0:0:root:/root:/bin/sh\n' >"$r/etc/passwd"
image shell-app debugdead.test/shell-app:1 "$r" "{$path_env,\"WorkingDir\":\"/app\"}"

echo "images: $(wc -l <"$out/images.txt") images in $out" >&2
