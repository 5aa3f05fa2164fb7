#!/usr/bin/env bash
# Builds the product's container images and loads them into the local Docker daemon:
#   peregrine/detector:VERSION, peregrine/sidekick:VERSION   (Jib, from the Maven build)
#   peregrine/prometheus:bookworm, peregrine/alertmanager:bookworm (Debian's binaries, for compose)
# all on the base images/build-base.sh makes from Debian packages. No registry is involved.
#
# Usage: scripts/build-images.sh [--no-load] [extra Maven arguments]
#   --no-load   only write the tars (detector/target/jib-image.tar, sidekick/target/jib-image.tar,
#               target/images/*.tar); no Docker needed
# Prints one "loaded IMAGE" line per image.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/env.sh
load=1
if [ "${1:-}" = --no-load ]; then
  load=0
  shift
fi
./mvnw -B -ntp -q -Pimages -pl detector,sidekick -am package -DskipTests "$@"
[ "$load" = 1 ] || exit 0
# Debian's CLI matches Debian's daemon; another docker earlier in PATH may not.
docker=$(command -v /usr/bin/docker || command -v docker)
for tar in detector/target/jib-image.tar sidekick/target/jib-image.tar \
  target/images/prometheus.tar target/images/alertmanager.tar; do
  loaded=$("$docker" load -q -i "$tar" | sed -n 's/^Loaded image: //p')
  echo "loaded $loaded"
done
# Earlier builds that a tag no longer names (all made here: they carry the base's label), unless a
# container still uses them.
"$docker" images -q --filter dangling=true --filter label=dev.peregrine.base \
  | xargs -r "$docker" rmi >/dev/null 2>&1 || true
