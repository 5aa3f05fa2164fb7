#!/usr/bin/env bash
# Detector -> sidekick transport benchmark (issue 6). Starts, and stops by PID on exit, everything
# it uses; all traffic on 127.0.0.1; every step bounded in count and time. Both spools durable
# (fsync on every commit).
#   1. throughput: the detector's real node spool + gRPC link (TransportLoad) fed with COUNT
#      synthetic alerts as fast as the spool takes them -> acknowledged alerts/s. The sidekick
#      delivers them to an nginx webhook sink meanwhile.
#   2. drain: the sidekick is killed (-9); DRAIN_COUNT alerts pile up in the node spool while the
#      link keeps failing; the sidekick restarts -> time until every alert is acknowledged.
#   3. latency: the real detector (eBPF, stable rules) and a program opening /etc/shadow RATE
#      times a second; the sidekick's webhook is LatencySink, which measures syscall -> webhook.
#
#   bench/transport/run.sh                 # build, then RUNS runs of each step
#   SKIP_BUILD=1 RUNS=1 bench/transport/run.sh
#   OUTPUT=down PARTS=transport ...        # the transport alone (the sidekick's output is down)
#   SIDEKICK_ARGS='--peregrine.intake.stream-window=1024' ...   # extra sidekick arguments
#   SIDEKICK_JAR=/tmp/a/sidekick.jar ...   # another build of the sidekick (A/B)
#   SIDEKICK_JVM_OPTS='-Xms1g -Xmx1g' ...  # the sidekick's JVM options (default: as ./run.sh, plus a fixed heap)
#   LINK_WINDOW=4096 ...   # the detector link's window of alerts in flight (default 1024, the detector's)
#   ASYNC_PROFILER=/path/libasyncProfiler.so ...   # step 1 profiled (cpu, collapsed stacks): the
#       sidekick from the end of the warm-up to the last ack, the load JVM (detector side) whole
# Needs root (step 3), nginx, gcc or clang, JDK 25.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
export JAVA_HOME=${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}
JAVA="$JAVA_HOME/bin/java --enable-native-access=ALL-UNNAMED"
RUNS=${RUNS:-3}
COUNT=${COUNT:-200000}
WARMUP_COUNT=${WARMUP_COUNT:-150000}   # unmeasured, first: C2 is still compiling after 50,000
DRAIN_COUNT=${DRAIN_COUNT:-100000}
RATE=${RATE:-100}
LATENCY_SECONDS=${LATENCY_SECONDS:-40}
HTTP_PORT=${HTTP_PORT:-2801}
GRPC_PORT=${GRPC_PORT:-2803}
SINK_PORT=${SINK_PORT:-18080}
LATENCY_PORT=${LATENCY_PORT:-18090}
CLOSED_PORT=${CLOSED_PORT:-18099}   # nothing listens here (OUTPUT=down)
METRICS_PORT=${METRICS_PORT:-18765}
OUT=${OUT:-$ROOT/bench/target/transport-$(date -u +%Y%m%dT%H%M%SZ)}
# Steps 1 and 2: what the sidekick's one output does meanwhile. webhook: delivers every alert to
# nginx (the whole pipeline); down: its URL is a closed port, so alerts pile up in the sidekick's
# spool and the transport is measured on its own.
OUTPUT=${OUTPUT:-webhook}
# The sidekick's collector as ./run.sh and its image start it (the throughput collector), plus a fixed heap.
SIDEKICK_JVM_OPTS=${SIDEKICK_JVM_OPTS:-"-Xms1g -Xmx1g -XX:+UseParallelGC"}
PARTS=${PARTS:-"transport latency"}   # transport: steps 1 and 2 (one sidekick); latency: step 3

for tool in nginx curl; do command -v "$tool" >/dev/null || { echo "needs $tool" >&2; exit 1; }; done
for port in "$HTTP_PORT" "$GRPC_PORT" "$SINK_PORT" "$LATENCY_PORT" "$METRICS_PORT"; do
  if ss -Htln "sport = :$port" | grep -q .; then echo "port $port is in use; set the *_PORT variables" >&2; exit 1; fi
done
if [[ "${SKIP_BUILD:-0}" != 1 ]]; then
  (cd "$ROOT" && ./mvnw -q -B -ntp -DskipTests -Ptransport package -pl sidekick,detector,bench -am)
fi
BENCH_CP="$ROOT/bench/target/bench.jar:$ROOT/bench/target/lib/*"
# The load JVMs log at INFO (bench's logback.xml; named here too for a bench.jar built before it).
LOAD_LOG="-Dlogback.configurationFile=$ROOT/bench/src/main/resources/logback.xml"
[[ -f $ROOT/bench/target/lib/$(cd "$ROOT/bench/target/lib" && ls detector-*.jar 2>/dev/null | head -1) ]] ||
  { echo "build with -Ptransport first" >&2; exit 1; }
mkdir -p "$OUT"
echo "results in $OUT"
CC=$(command -v gcc || command -v clang)
"$CC" -O2 -o "$OUT/shadow-reader" "$ROOT/bench/transport/shadow-reader.c"

NGINX_PID="" SIDEKICK_PID="" DETECTOR_PID="" SINK_PID="" LOAD_PID=""
stop() { # TERM, then KILL after 30 s; only processes this script started
  local pid=$1
  [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null || return 0
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 300); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.1; done
  kill -KILL "$pid" 2>/dev/null || true
}
cleanup() { stop "$LOAD_PID"; stop "$DETECTOR_PID"; stop "$SIDEKICK_PID"; stop "$SINK_PID"; stop "$NGINX_PID"; }
trap cleanup EXIT INT TERM
wait_http() { for _ in $(seq $(($2 * 10))); do curl -fs -o /dev/null "$1" && return 0; sleep 0.1; done; echo "no answer from $1" >&2; return 1; }

sed -e "s#@RUN@#$OUT#g" -e "s#@SINK_PORT@#$SINK_PORT#g" -e "s#@CEILING_PORT@#$((SINK_PORT + 1))#g" -e "s#@PROXY_PORT@#$((SINK_PORT + 2))#g" -e "s#@PROXY_SINK_PORT@#$((SINK_PORT + 3))#g" \
  "$ROOT/bench/intake/nginx.conf.template" > "$OUT/nginx.conf"
nginx -p "$OUT" -c "$OUT/nginx.conf" > "$OUT/nginx.out" 2>&1 &
NGINX_PID=$!
wait_http "http://127.0.0.1:$SINK_PORT/" 10

start_sidekick() { # spool-dir webhook-url log
  # shellcheck disable=SC2086
  $JAVA $SIDEKICK_JVM_OPTS -jar "${SIDEKICK_JAR:-$ROOT/sidekick/target/sidekick.jar}" --server.port="$HTTP_PORT" \
    --server.address=127.0.0.1 --spring.grpc.server.address="127.0.0.1:$GRPC_PORT" \
    --peregrine.spool.dir="$1" --peregrine.outputs.sink.type=webhook --peregrine.outputs.sink.url="$2" \
    ${SIDEKICK_ARGS:-} >> "$3" 2>&1 &
  SIDEKICK_PID=$!
}
TICK_MS=$((1000 / $(getconf CLK_TCK)))
cpu_ms() { [[ -r /proc/$1/stat ]] && awk -v t="$TICK_MS" '{ sub(/.*\) /, ""); print ($12 + $13) * t }' "/proc/$1/stat" || echo 0; }
result() { awk '/^RESULT/ { sub(/^RESULT /, ""); print }' "$1"; }

RESULTS=$OUT/results.txt
: > "$RESULTS"
for run in $(seq "$RUNS"); do
  echo "== run $run/$RUNS"
  if [[ " $PARTS " == *" transport "* ]]; then
  # 1. throughput
  if [[ $OUTPUT == down ]]; then SINK_URL="http://127.0.0.1:$CLOSED_PORT/"; else SINK_URL="http://127.0.0.1:$SINK_PORT/"; fi
  start_sidekick "$OUT/r$run/sidekick-spool" "$SINK_URL" "$OUT/sidekick-r$run.log"
  wait_http "http://127.0.0.1:$HTTP_PORT/ping" 120
  # WARMUP_COUNT alerts through both ends unmeasured (JIT), then COUNT measured, in one detector JVM
  profile=""
  [[ -n ${ASYNC_PROFILER:-} ]] && profile="-agentpath:$ASYNC_PROFILER=start,event=cpu,interval=1ms,collapsed,file=$OUT/detector-r$run.collapsed"
  # shellcheck disable=SC2086
  timeout 900 $JAVA $LOAD_LOG $profile -cp "$BENCH_CP" dev.peregrine.bench.transport.TransportLoad throughput \
    --sidekick "127.0.0.1:$GRPC_PORT" --spool "$OUT/r$run/node-spool" --warmup "$WARMUP_COUNT" --count "$COUNT" --window "${LINK_WINDOW:-1024}" \
    --max-seconds 840 > "$OUT/throughput-r$run.txt" 2>&1 &
  LOAD_PID=$!
  # the sidekick's CPU is counted from the end of the warm-up
  for _ in $(seq 9000); do grep -q '^WARM' "$OUT/throughput-r$run.txt" && break; kill -0 "$LOAD_PID" || break; sleep 0.1; done
  c0=$(cpu_ms "$SIDEKICK_PID")
  [[ -n ${ASYNC_PROFILER:-} ]] && "$JAVA_HOME/bin/jcmd" "$SIDEKICK_PID" JVMTI.agent_load "$ASYNC_PROFILER" '"start,event=cpu,interval=1ms"' >/dev/null
  wait "$LOAD_PID" || echo "throughput step failed: $OUT/throughput-r$run.txt"; LOAD_PID=""
  [[ -n ${ASYNC_PROFILER:-} ]] &&
    "$JAVA_HOME/bin/jcmd" "$SIDEKICK_PID" JVMTI.agent_load "$ASYNC_PROFILER" "\"stop,collapsed,file=$OUT/sidekick-r$run.collapsed\"" >/dev/null
  # the sidekick's CPU per acknowledged alert (with OUTPUT=webhook its deliveries meanwhile too)
  cpu_us=$(awk -v c=$(($(cpu_ms "$SIDEKICK_PID") - c0)) -v n="$COUNT" 'BEGIN { printf "%.0f", c * 1000 / n }')
  echo "throughput run=$run output=$OUTPUT load1=$(cut -d' ' -f1 /proc/loadavg) sidekick_cpu_us=$cpu_us $(result "$OUT/throughput-r$run.txt")" | tee -a "$RESULTS"

  # 2. drain after an outage
  kill -KILL "$SIDEKICK_PID"; wait "$SIDEKICK_PID" 2>/dev/null || true; SIDEKICK_PID=""
  $JAVA $LOAD_LOG -cp "$BENCH_CP" dev.peregrine.bench.transport.TransportLoad drain \
    --sidekick "127.0.0.1:$GRPC_PORT" --spool "$OUT/r$run/drain-spool" --count "$DRAIN_COUNT" \
    --ping "http://127.0.0.1:$HTTP_PORT/ping" --max-seconds 540 > "$OUT/drain-r$run.txt" 2>&1 &
  LOAD_PID=$!
  for _ in $(seq 3000); do grep -q '^FILLED' "$OUT/drain-r$run.txt" && break; kill -0 "$LOAD_PID" || break; sleep 0.1; done
  start_sidekick "$OUT/r$run/sidekick-spool" "$SINK_URL" "$OUT/sidekick-r$run.log"
  wait "$LOAD_PID" || true; LOAD_PID=""
  echo "drain run=$run load1=$(cut -d' ' -f1 /proc/loadavg) $(result "$OUT/drain-r$run.txt")" | tee -a "$RESULTS"
  stop "$SIDEKICK_PID"; SIDEKICK_PID=""
  fi

  # 3. latency syscall -> webhook, with the real detector
  if [[ " $PARTS " != *" latency "* ]]; then
    :
  elif [[ $(id -u) == 0 ]]; then
    $JAVA -cp "$BENCH_CP" dev.peregrine.bench.transport.LatencySink --port "$LATENCY_PORT" \
      --count $((RATE * (LATENCY_SECONDS - 10))) --skip $((RATE * 5)) --max-seconds $((LATENCY_SECONDS + 60)) \
      > "$OUT/latency-r$run.txt" 2>&1 &
    SINK_PID=$!
    start_sidekick "$OUT/r$run/latency-spool" "http://127.0.0.1:$LATENCY_PORT/" "$OUT/sidekick-latency-r$run.log"
    wait_http "http://127.0.0.1:$HTTP_PORT/ping" 120
    $JAVA -jar "$ROOT/detector/target/detector.jar" run --sidekick "127.0.0.1:$GRPC_PORT" \
      --spool-dir "$OUT/r$run/detector-spool" --metrics-port "$METRICS_PORT" --hostname bench-node \
      > "$OUT/detector-alerts-r$run.jsonl" 2> "$OUT/detector-r$run.log" &
    DETECTOR_PID=$!
    wait_http "http://127.0.0.1:$METRICS_PORT/metrics" 120
    timeout $((LATENCY_SECONDS + 30)) "$OUT/shadow-reader" "$RATE" "$LATENCY_SECONDS" > "$OUT/shadow-reader-r$run.txt"
    wait "$SINK_PID" || true; SINK_PID=""
    echo "latency run=$run rate=$RATE load1=$(cut -d' ' -f1 /proc/loadavg) $(result "$OUT/latency-r$run.txt")" | tee -a "$RESULTS"
    stop "$DETECTOR_PID"; DETECTOR_PID=""
    stop "$SIDEKICK_PID"; SIDEKICK_PID=""
  else
    echo "latency step skipped: needs root for the detector"
  fi
done

{
  echo "medians over $RUNS runs"
  for key in throughput:acked_per_s throughput:sidekick_cpu_us throughput:detector_cpu_us throughput:inflight_p50 drain:drain_per_s drain:total_s drain:reconnect_s latency:p50_ms latency:p99_ms; do
    step=${key%%:*} field=${key##*:}
    grep "^$step " "$RESULTS" | tr ' ' '\n' | awk -F= -v f="$field" '$1 == f { print $2 }' | sort -n |
      awk -v k="$key" '{ v[NR] = $1 } END { if (NR) printf "%-22s %s (runs: %d)\n", k, NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2, NR }'
  done
} | tee "$OUT/summary.txt"
