#!/usr/bin/env bash
# The CPU of one webhook delivery's HTTP exchange (issue 21): dev.peregrine.bench.outputs.HttpSendBench
# against an nginx on 127.0.0.1 answering `return 200` (the ceiling server of bench/intake/nginx.conf.template),
# started here with -p on a temporary directory and stopped by its PID on exit.
#
#   bench/outputs/http-send.sh                                  # build (-Poutputs), then RUNS runs
#   SKIP_BUILD=1 VARIANTS=A=/tmp/a-classes,B=/tmp/b-classes bench/outputs/http-send.sh
#       A/B in one JVM: each variant's Peregrine classes in a class loader of its own, the
#       directory given first (sidekick classes compiled from each build; "-": the built jar's),
#       steps alternated A B, B A, ... round by round; MEDIAN lines compare each to the first
#   ASYNC_PROFILER=/path/libasyncProfiler.so ...                # + a CPU profile (collapsed stacks) of the harness
#
# Needs nginx (Debian: apt-get install -y nginx-light) and JDK 25.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
export JAVA_HOME=${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}
RUNS=${RUNS:-3}
MODES=${MODES:-sender,webhook,delivery}
THREADS=${THREADS:-1,4}
SECONDS_PER_STEP=${SECONDS_PER_STEP:-8}
WARMUP=${WARMUP:-8}                 # per step, unmeasured, in the first (JIT) round only
SETTLE=${SETTLE:-2}                 # per step of every measured round: new connections before the count starts
VARIANTS=${VARIANTS:-main=-}
PORT=${PORT:-18090}
OUT=${OUT:-$(mktemp -d /tmp/http-send.XXXXXX)}

if [[ "${SKIP_BUILD:-0}" != 1 ]]; then
  (cd "$ROOT" && ./mvnw -q -B -ntp -DskipTests -Poutputs package -pl sidekick,bench -am)
fi
CP="$ROOT/bench/target/bench.jar:$ROOT/bench/target/lib/*"

mkdir -p "$OUT"
sed -e "s#@RUN@#$OUT#g" -e "s#@CEILING_PORT@#$PORT#" -e "s#@SINK_PORT@#$((PORT + 1))#" \
  -e "s#@PROXY_SINK_PORT@#$((PORT + 2))#" -e "s#@PROXY_PORT@#$((PORT + 3))#" \
  "$ROOT/bench/intake/nginx.conf.template" > "$OUT/nginx.conf"
nginx -p "$OUT" -c "$OUT/nginx.conf" > "$OUT/nginx.out" 2>&1 &
NGINX_PID=$!
trap 'kill "$NGINX_PID" 2>/dev/null; wait "$NGINX_PID" 2>/dev/null || true' EXIT
for _ in $(seq 1 50); do
  curl -s -o /dev/null -X POST "http://127.0.0.1:$PORT/" && break
  sleep 0.1
done

AGENT=()
if [[ -n ${ASYNC_PROFILER:-} ]]; then
  AGENT=("-agentpath:$ASYNC_PROFILER=start,event=cpu,interval=1ms,file=$OUT/profile.collapsed,collapsed")
fi
timeout 600 "$JAVA_HOME/bin/java" -Xms256m -Xmx256m "${AGENT[@]}" -cp "$CP" dev.peregrine.bench.outputs.HttpSendBench \
  --url "http://127.0.0.1:$PORT/" --mode "$MODES" --threads "$THREADS" --seconds "$SECONDS_PER_STEP" \
  --warmup-seconds "$WARMUP" --settle-seconds "$SETTLE" --runs "$RUNS" --variants "$VARIANTS" --results "$OUT/results.txt" \
  --alerts-file "$ROOT/bench/src/main/resources/falco/sample_alerts.jsonl"
echo "results in $OUT"
