#!/usr/bin/env bash
# Builds local stand-ins for the public images the tests need, because CI cannot pull from any
# container registry. Each image carries a label with a hash of its recipe; an image whose recipe
# is unchanged is kept, so a second run costs seconds.
#
# Network inside builds: on this machine `docker build` RUN steps DO reach the Debian mirror
# (checked with `RUN apt-get update` on the base image, legacy builder, default bridge network).
# The images below still avoid it, and the base ships redis-server so that images derived from it
# (e.g. the example system's cache) need no network at build time on CI either.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=scripts/ci/env.sh
source "$here/env.sh" # image names, DOCKER_BUILDKIT=0

label=lockstep.ci.recipe
log() { printf '    images: %s\n' "$*" >&2; } # stdout is only the export lines: eval "$(images.sh)"
recipe_of() { docker image inspect -f "{{index .Config.Labels \"$label\"}}" "$1" 2>/dev/null || true; }
image_id() { docker image inspect -f '{{.Id}}' "$1"; }
superseded=()
up_to_date() {
  if [[ "$(recipe_of "$1")" == "$2" ]]; then log "$1 up to date (${2:0:12})"; return 0; fi
  log "building $1 (recipe ${2:0:12})"
  superseded=("$(docker image inspect -f '{{.Id}}' "$1" 2>/dev/null)" "${superseded[@]}")
  return 1
}

work=$(mktemp -d /var/tmp/lockstep-images.XXXXXX)
cleanup() {
  # A failed debootstrap can leave proc/sys mounted inside the rootfs; never recurse into those.
  grep -o " $work/[^ ]*" /proc/mounts | sort -r | xargs -r umount -l || true
  rm -rf --one-file-system "$work"
}
trap cleanup EXIT

# --- base: minimal Debian bookworm from the default mirror ---------------------------------------
base_args=(--variant=minbase --include=ca-certificates,redis-server bookworm)
base_changes=('ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' 'CMD ["bash"]')
base_recipe=$(printf '%s\n' v1 "${base_args[@]}" "${base_changes[@]}" | sha256sum | cut -c1-64)
if ! up_to_date "$LOCKSTEP_BASE_IMAGE" "$base_recipe"; then
  rootfs=$work/rootfs
  debootstrap "${base_args[@]}" "$rootfs" >"$work/debootstrap.log" 2>&1 ||
    { tail -n 30 "$work/debootstrap.log"; exit 1; }
  # Package caches only add size; derived images run apt-get update if they need apt.
  rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/*
  changes=(--change "LABEL $label=$base_recipe")
  for c in "${base_changes[@]}"; do changes+=(--change "$c"); done
  tar -C "$rootfs" -c . | docker import "${changes[@]}" - "$LOCKSTEP_BASE_IMAGE" >/dev/null
  rm -rf --one-file-system "$rootfs"
fi
base_id=$(image_id "$LOCKSTEP_BASE_IMAGE")

# --- derived images: recipe = base image id + Dockerfile dir + the host files copied in ----------
# (bump the "v1" salts to force rebuilds after changing how images are built)
# build_derived NAME RECIPE_DIR HOST_FILE:CONTEXT_NAME...
build_derived() {
  local name=$1 dir=$2 spec recipe ctx
  shift 2
  recipe=$( { echo "v1 $base_id"; tar -C "$dir" -c --sort=name --mtime=@0 --owner=0 --group=0 .
    for spec in "$@"; do tar -C "$(dirname "${spec%%:*}")" -c --sort=name --mtime=@0 \
      --owner=0 --group=0 "$(basename "${spec%%:*}")"; done; } | sha256sum | cut -c1-64)
  up_to_date "$name" "$recipe" && return 0
  ctx=$work/$(basename "$dir")
  cp -a "$dir" "$ctx"
  for spec in "$@"; do cp -a "${spec%%:*}" "$ctx/${spec#*:}"; done
  docker build --build-arg "BASE=$LOCKSTEP_BASE_IMAGE" --label "$label=$recipe" -t "$name" "$ctx" \
    >"$work/build.log" 2>&1 || { cat "$work/build.log"; exit 1; }
  rm -rf "$ctx"
}

node_bin=$(readlink -f "$(command -v node)")
npm_dir=$(cd "$(dirname "$(readlink -f "$(command -v npm)")")/.." && pwd)
build_derived "$LOCKSTEP_NODE_IMAGE" "$here/images/node" "$node_bin:node" "$npm_dir:npm"
build_derived "$LOCKSTEP_REGISTRY_IMAGE" "$here/images/registry" "$(readlink -f /usr/bin/docker-registry):registry"

# Drop the untagged images a rebuild replaced (derived ones first, their base last) so repeated
# runs do not pile up layers; one still used by a container or another image stays.
for id in "${superseded[@]}"; do [[ -z "$id" ]] || docker image rm "$id" >/dev/null 2>&1 || true; done

node_version=$(docker run --rm "$LOCKSTEP_NODE_IMAGE" node -e 'console.log(process.version)')
[[ "$node_version" == "$(node -v)" ]] || { echo "node image runs $node_version, host has $(node -v)" >&2; exit 1; }
log "node image runs $node_version"
printf 'export %s\n' "LOCKSTEP_BASE_IMAGE=$LOCKSTEP_BASE_IMAGE" \
  "LOCKSTEP_NODE_IMAGE=$LOCKSTEP_NODE_IMAGE" "LOCKSTEP_REGISTRY_IMAGE=$LOCKSTEP_REGISTRY_IMAGE"
