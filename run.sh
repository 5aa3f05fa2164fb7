#!/usr/bin/env bash
# Builds (if needed) and starts the sidekick with its embedded defaults: Falco JSON on :2801,
# gRPC on :2803, alerts printed to stdout, spool under ./var/spool. Stop it with Ctrl-C.
set -euo pipefail
cd "$(dirname "$0")"
. scripts/env.sh
if [ ! -f sidekick/target/sidekick.jar ] || [ -n "$(find sidekick/src src/proto -newer sidekick/target/sidekick.jar -print -quit)" ]; then
  ./mvnw -q -B -ntp -DskipTests -pl sidekick -am package
fi
echo "Peregrine sidekick: Falco JSON on http://localhost:2801/, gRPC on :2803,"
echo "metrics on http://localhost:2801/actuator/prometheus, spool under ./var/spool. Ctrl-C stops it."
exec "$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED -jar sidekick/target/sidekick.jar "$@"
