#!/usr/bin/env bash
# Builds everything and runs every test. Usage: ./test.sh [extra maven args]
set -euo pipefail
cd "$(dirname "$0")"
. scripts/env.sh
scripts/setup-host.sh
# Where the container tests can run (root with dockerd, or a usable Docker socket), the reactor
# also builds the images they start (-Pimages: Jib, no daemon needed to build). Elsewhere those
# tests are skipped and nothing is spent on images.
profiles=()
if { [ "$(id -u)" -eq 0 ] && command -v dockerd >/dev/null; } || [ -w /var/run/docker.sock ]; then
  profiles=(-Pimages)
fi
exec ./mvnw -B -ntp "${profiles[@]}" verify "$@"
