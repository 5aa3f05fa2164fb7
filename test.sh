#!/usr/bin/env bash
# Builds everything and runs every test. Usage: ./test.sh [extra maven args]
set -euo pipefail
cd "$(dirname "$0")"
. scripts/env.sh
scripts/setup-host.sh
exec ./mvnw -B -ntp verify "$@"
