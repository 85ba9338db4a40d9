#!/usr/bin/env bash
# Sourced by test/node/images.sh and scripts/build-webhook-image.sh: one function that turns a directory
# into a one-layer docker-archive tarball (`ctr images import` and `docker load` read it), reproducibly.
#
#   docker_archive WORK_DIR OUT_TAR REFERENCE ROOTFS CONFIG_JSON
#
# CONFIG_JSON is the image's "config" object (Entrypoint, Cmd, User, Env, WorkingDir, ExposedPorts, Labels).
# The layer keeps the owners and modes of ROOTFS (numeric), sorts names and sets every time to 0, so the
# same files give the same layer digest.

docker_archive() {
  local dir=$1 out=$2 ref=$3 rootfs=$4 config=$5
  mkdir -p "$dir"
  tar --sort=name --numeric-owner --mtime=@0 --format=gnu -C "$rootfs" -cf "$dir/layer.tar" .
  local layer
  layer="$(sha256sum "$dir/layer.tar" | cut -d' ' -f1)"
  mkdir -p "$dir/$layer"
  mv "$dir/layer.tar" "$dir/$layer/layer.tar"
  printf '{"architecture":"amd64","os":"linux","created":"1970-01-01T00:00:00Z","config":%s,"rootfs":{"type":"layers","diff_ids":["sha256:%s"]},"history":[{"created":"1970-01-01T00:00:00Z","created_by":"%s"}]}' \
    "$config" "$layer" "${0##*/}" >"$dir/config.json"
  local digest
  digest="$(sha256sum "$dir/config.json" | cut -d' ' -f1)"
  mv "$dir/config.json" "$dir/$digest.json"
  printf '[{"Config":"%s.json","RepoTags":["%s"],"Layers":["%s/layer.tar"]}]\n' "$digest" "$ref" "$layer" >"$dir/manifest.json"
  tar --numeric-owner --owner=0 --group=0 --mtime=@0 -C "$dir" -cf "$out" manifest.json "$digest.json" "$layer"
  rm -rf "$dir"
}
