#!/usr/bin/env bash
# Starts the whole product on this host with embedded defaults:
#   - the sidekick: Falco JSON on :2801, gRPC on :2803, alerts printed to this terminal, spool
#     under ./var/spool;
#   - the detector (needs root for eBPF): Falco's stable rules, alerts streamed to the sidekick,
#     node spool under ./var/detector-spool, metrics on :8765/metrics.
# Ctrl-C stops both within 5 s, saying what it waits for; a second Ctrl-C kills them. Arguments go to the sidekick
# (--KEY=VALUE settings; ./run.sh --help lists them).
set -euo pipefail
cd "$(dirname "$0")"
. scripts/env.sh

# The jars carry the reproducible build's fixed timestamp, so they always look older than the
# sources: a stamp written after each successful build says when they were built.
stamp=var/build.stamp
if [ ! -f sidekick/target/sidekick.jar ] || [ ! -f detector/target/detector.jar ] || [ ! -f "$stamp" ] \
   || [ -n "$(find sidekick/src detector/src wal/src bpf src/proto pom.xml sidekick/pom.xml detector/pom.xml \
                   wal/pom.xml -newer "$stamp" -print -quit)" ]; then
  echo "building (first run takes a minute)..."
  ./mvnw -q -B -ntp -Dstyle.color=never -DskipTests -pl sidekick,detector -am package
  mkdir -p var && touch "$stamp"
fi
mkdir -p var/log
# --enable-native-access: the detector loads libbpf through the FFM API and the spool's SQLite
# driver loads its native library; both are meant, so Java need not warn about them.
# --sun-misc-unsafe-memory-access=allow: Netty and protobuf (gRPC) still use sun.misc.Unsafe for
# their buffers until they move to the FFM API; Java 24+ warns about each such use.
JAVA=("$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED --sun-misc-unsafe-memory-access=allow)

if [ "${1:-}" = "--help" ] || [ "${1:-}" = "-h" ]; then
  exec "${JAVA[@]}" -jar sidekick/target/sidekick.jar --help
fi

detector_pid=""
sidekick_pid=""

# Stops one process: SIGTERM, then up to $3 tenths of a second for it to finish, then SIGKILL.
stop_process() {
  local name=$1 pid=$2 tenths=$3 what=$4 i
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 0
  echo "  $name (pid $pid): $what"
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < tenths; i++)); do
    if ! kill -0 "$pid" 2>/dev/null; then
      wait "$pid" 2>/dev/null || true
      echo "  $name stopped"
      return 0
    fi
    sleep 0.1
  done
  echo "  $name still running after $((tenths / 10)) s: killed (nothing is lost: its spool survives a kill)"
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}

# A second Ctrl-C while stopping: kill both at once rather than leave either running behind.
force_stop() {
  trap - INT TERM EXIT
  echo
  echo "  second signal: killing what still runs (nothing is lost: the spools survive a kill)"
  for pid in $detector_pid $sidekick_pid; do
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  exit 130
}

stop() {
  local code=${1:-0}
  trap force_stop INT TERM
  trap - EXIT
  echo
  echo "stopping:"
  # The detector first: its stream to the sidekick ends, so the sidekick waits on no call.
  stop_process detector "$detector_pid" 20 "closing the capture, flushing its node spool"
  detector_pid=""
  stop_process sidekick "$sidekick_pid" 30 "finishing the deliveries in flight, closing its spool"
  sidekick_pid=""
  exit "$code"
}
trap stop INT TERM EXIT

# Both run in the background of this script (they ignore the terminal's Ctrl-C, which this
# script handles: it stops them in order and says what it waits for).
# The throughput collector: the sidekick's work is short-lived per-alert garbage; with it the
# sidekick used 16-31 % less CPU per alert than with G1 (docs/benchmarks.md, B, session 6).
# Short shutdown grace periods: this is a terminal session, Ctrl-C should not wait for clients.
"${JAVA[@]}" -XX:+UseParallelGC -jar sidekick/target/sidekick.jar \
  --spring.grpc.server.shutdown-grace-period=1s --spring.lifecycle.timeout-per-shutdown-phase=2s "$@" &
sidekick_pid=$!
if [ "$(id -u)" -eq 0 ]; then
  detector_line="detector   starts once the sidekick listens on :2803; log var/log/detector.log"
else
  detector_line="detector   not started: it needs root for eBPF (sudo ./run.sh)"
fi
cat <<INFO
Peregrine
  sidekick   pid $sidekick_pid, this terminal: Falco JSON on http://localhost:2801/ , gRPC on :2803,
             metrics http://localhost:2801/actuator/prometheus (also /metrics), alerts below as JSON lines
  $detector_line
  Ctrl-C stops both.
INFO
if [ "$(id -u)" -eq 0 ]; then
  # The detector retries a sidekick that is not there yet with a growing backoff (up to 30 s):
  # started once the sidekick listens, it connects at once. At most 5 minutes of waiting.
  for ((i = 0; i < 3000; i++)); do
    kill -0 "$sidekick_pid" 2>/dev/null || break
    if (exec 3<>/dev/tcp/127.0.0.1/2803) 2>/dev/null; then
      "${JAVA[@]}" -jar detector/target/detector.jar run --sidekick 127.0.0.1:2803 --spool-dir var/detector-spool \
        >var/log/detector-alerts.jsonl 2>var/log/detector.log &
      detector_pid=$!
      echo "detector pid $detector_pid started: eBPF capture + Falco stable rules -> sidekick;" \
        "metrics http://localhost:8765/metrics; log var/log/detector.log"
      break
    fi
    sleep 0.1
  done
fi
# Returns when the sidekick exits (a configuration error, say) or a signal comes.
code=0
wait "$sidekick_pid" || code=$?
sidekick_pid=""
stop "$code"
