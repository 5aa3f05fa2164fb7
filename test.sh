#!/usr/bin/env bash
# Builds everything and runs every test. Usage: ./test.sh [extra maven args]
set -euo pipefail
cd "$(dirname "$0")"
. scripts/env.sh
scripts/setup-host.sh
# The benchmarks' profiles too: their harnesses compile against the detector's and the sidekick's
# classes, so a change that breaks them fails here rather than on the day someone benchmarks.
profiles=(-Prules-engine,transport,outputs,scaleout,store,fleet)
# Where the container tests can run (root with dockerd, or a usable Docker socket), the reactor
# also builds the images they start (-Pimages: Jib, no daemon needed to build). Elsewhere those
# tests are skipped and nothing is spent on images.
if { [ "$(id -u)" -eq 0 ] && command -v dockerd >/dev/null; } || [ -w /var/run/docker.sock ]; then
  profiles+=(-Pimages)
fi
exec ./mvnw -B -ntp "${profiles[@]}" verify "$@"
