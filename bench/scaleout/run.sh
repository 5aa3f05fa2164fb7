#!/usr/bin/env bash
# Scale-out benchmark (issue 19): alerts/s through the sidekick flat out (wrk, closed loop), with
# its local SQLite spool, and with the shared Kafka log and 1 and 2 replicas, all on this machine.
# Each replica gets an equal share of the connections (one wrk per replica, as a load balancer
# would spread them); every replica delivers to the same webhook sink (nginx, which logs each
# delivery). Per step: accepted alerts/s (HTTP 200: in the spool, or acknowledged by Kafka),
# delivered alerts/s over the same window, p50/p99 of intake, and CPU ms per alert of the
# replicas and of the broker. Waits for delivery to catch up between steps and checks that every
# accepted alert reached the sink. Medians over RUNS.
#
#   bench/scaleout/run.sh                          # build (-Pscaleout), then 3 runs of each mode
#   SKIP_BUILD=1 RUNS=1 DURATION=10 bench/scaleout/run.sh
#
# The broker is an embedded KRaft broker in a process of its own (dev.peregrine.bench.scaleout.
# KafkaServer). Everything on 127.0.0.1; every process started here is stopped by its PID on exit.
# Needs JDK 25, wrk, nginx, curl (Debian: apt-get install -y wrk nginx-light curl).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
export JAVA_HOME=${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}
JAVA="$JAVA_HOME/bin/java"
RUNS=${RUNS:-3}
DURATION=${DURATION:-15}            # measured seconds per step
WARMUP=${WARMUP:-20}                # unmeasured load after starting a mode (JIT, topics, groups)
CONNECTIONS=${CONNECTIONS:-64}      # in total, split between the replicas
MODES=${MODES:-"spool kafka-1 kafka-2"}
PARTITIONS=${PARTITIONS:-12}
SINK_PORT=${SINK_PORT:-18090}
CEILING_PORT=${CEILING_PORT:-18091}
BASE_PORT=${BASE_PORT:-2820}        # replica i: HTTP BASE_PORT+10i, gRPC BASE_PORT+10i+2
SIDEKICK_JVM_OPTS=${SIDEKICK_JVM_OPTS:-"-Xms512m -Xmx512m"}
SIDEKICK_ARGS=${SIDEKICK_ARGS:-}    # more --key=value arguments for every replica (A/B of settings)
OUT=${OUT:-$ROOT/bench/target/scaleout-$(date +%Y%m%d-%H%M%S)}
export ALERTS=${ALERTS:-$ROOT/bench/src/main/resources/falco/sample_alerts.jsonl}

for tool in wrk nginx curl; do
  command -v "$tool" >/dev/null || { echo "needs $tool (apt-get install -y wrk nginx-light curl)" >&2; exit 1; }
done
if [[ "${SKIP_BUILD:-0}" != 1 ]]; then
  (cd "$ROOT" && ./mvnw -q -B -ntp -Pscaleout -pl sidekick,bench -am package -DskipTests)
fi
JAR=$ROOT/sidekick/target/sidekick.jar
BENCH_CP="$ROOT/bench/target/bench.jar:$ROOT/bench/target/lib/*"

mkdir -p "$OUT"
echo "results in $OUT"
PIDS=()
stop() { # one process we started, by PID: TERM, then KILL after 30 s
  local pid=$1
  kill -0 "$pid" 2>/dev/null || return 0
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 300); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.1; done
  kill -KILL "$pid" 2>/dev/null || true
}
cleanup() { for p in "${PIDS[@]}"; do stop "$p"; done; }
trap cleanup EXIT INT TERM

wait_http() { # url, seconds
  for _ in $(seq $(($2 * 10))); do curl -fs -o /dev/null "$1" && return 0; sleep 0.1; done
  echo "no answer from $1 after $2 s" >&2; return 1
}
TICK_MS=$((1000 / $(getconf CLK_TCK)))
cpu_ms() { # CPU time (user + system, ms) of the given processes
  local t=0 p
  for p in "$@"; do
    [[ -r /proc/$p/stat ]] && t=$((t + $(awk '{ sub(/.*\) /, ""); print $12 + $13 }' "/proc/$p/stat")))
  done
  echo $((t * TICK_MS))
}
delivered() { grep -c '^200 ' "$OUT/sink-access.log" 2>/dev/null || echo 0; }

# --- nginx: the webhook sink ---
sed -e "s#@RUN@#$OUT#g" -e "s#@SINK_PORT@#$SINK_PORT#g" -e "s#@CEILING_PORT@#$CEILING_PORT#g" -e "s#@PROXY_PORT@#$((SINK_PORT + 2))#g" -e "s#@PROXY_SINK_PORT@#$((SINK_PORT + 3))#g" \
  "$ROOT/bench/intake/nginx.conf.template" > "$OUT/nginx.conf"
nginx -p "$OUT" -c "$OUT/nginx.conf" > "$OUT/nginx.out" 2>&1 &
PIDS+=($!)
wait_http "http://127.0.0.1:$CEILING_PORT/" 10

# --- the broker ---
rm -f "$OUT/bootstrap"
"$JAVA" -Xms512m -Xmx1g -cp "$BENCH_CP" dev.peregrine.bench.scaleout.KafkaServer "$OUT/bootstrap" \
  > "$OUT/broker.log" 2>&1 &
BROKER_PID=$!
PIDS+=("$BROKER_PID")
for _ in $(seq 1200); do [[ -s "$OUT/bootstrap" ]] && break; sleep 0.1; done
BOOTSTRAP=$(cat "$OUT/bootstrap")
echo "broker at $BOOTSTRAP (pid $BROKER_PID)"

REPLICAS=()
start_replicas() { # mode count
  local mode=$1 n=$2 i
  REPLICAS=()
  for i in $(seq "$n"); do
    # The dashboard on the HTTP port, not its own 2802: several replicas share this host.
    local args=(--server.address=127.0.0.1 --server.port=$((BASE_PORT + 10 * i)) --peregrine.ui.port=$((BASE_PORT + 10 * i))
      --spring.grpc.server.address=127.0.0.1:$((BASE_PORT + 10 * i + 2))
      --peregrine.spool.dir="$OUT/$mode-$i"
      --peregrine.outputs.sink.type=webhook --peregrine.outputs.sink.url="http://127.0.0.1:$SINK_PORT/")
    if [[ $mode == kafka-* ]]; then
      args+=(--peregrine.log.mode=kafka --peregrine.log.kafka.bootstrap-servers="$BOOTSTRAP"
        --peregrine.log.kafka.partitions="$PARTITIONS"
        --peregrine.log.kafka.topic-prefix="bench-$mode." --peregrine.log.kafka.group-prefix="bench-$mode.")
    fi
    # shellcheck disable=SC2086
    "$JAVA" $SIDEKICK_JVM_OPTS -jar "$JAR" "${args[@]}" $SIDEKICK_ARGS > "$OUT/$mode-$i.log" 2>&1 &
    REPLICAS+=($!)
    PIDS+=($!)
  done
  for i in $(seq "$n"); do wait_http "http://127.0.0.1:$((BASE_PORT + 10 * i))/ping" 180; done
}
stop_replicas() { for p in "${REPLICAS[@]}"; do stop "$p"; done; }

# One wrk per replica, the connections split between them -> files $OUT/$label-$i.wrk.txt
load() { # label seconds count
  local label=$1 seconds=$2 n=$3 i pids=()
  for i in $(seq "$n"); do
    timeout $((seconds + 30)) wrk -t1 -c$((CONNECTIONS / n)) -d"${seconds}s" --latency -s "$ROOT/bench/intake/post.lua" \
      "http://127.0.0.1:$((BASE_PORT + 10 * i))/" > "$OUT/$label-$i.wrk.txt" 2>&1 &
    pids+=($!)
  done
  for p in "${pids[@]}"; do wait "$p"; done
}
# wrk outputs -> "accepted_rps p50_ms p99_ms errors accepted_total" (p50/p99: the worst replica's)
parse_wrk() {
  awk '
    function ms(v) { if (v ~ /us$/) return v / 1000; if (v ~ /ms$/) return v + 0; if (v ~ /s$/) return v * 1000; return v }
    /^ +50%/ { v = ms($2); if (v > p50) p50 = v } /^ +99%/ { v = ms($2); if (v > p99) p99 = v }
    /requests in/ { total += $1 }
    /^Requests\/sec:/ { rps += $2 }
    /Non-2xx or 3xx responses:/ { err += $NF }
    /Socket errors:/ { gsub(",", ""); err += $4 + $6 + $8 + $10 }
    END { printf "%.0f %.3f %.3f %d %d\n", rps, p50, p99, err, total - err }' "$@"
}
wait_delivered() { # until the sink has at least $1 deliveries, at most 300 s
  for _ in $(seq 600); do [[ $(delivered) -ge $1 ]] && return 0; sleep 0.5; done
  echo "warning: $(delivered) of $1 delivered after 300 s" >&2
}

RESULTS=$OUT/results.txt
echo "# mode run accepted/s delivered/s p50_ms p99_ms errors sidekick_cpu_us/alert broker_cpu_us/alert load1" > "$RESULTS"
EXPECTED=0
for mode in $MODES; do
  n=1
  [[ $mode == kafka-* ]] && n=${mode#kafka-}
  start_replicas "$mode" "$n"
  load "$mode-warmup" "$WARMUP" "$n"
  EXPECTED=$((EXPECTED + $(parse_wrk "$OUT/$mode-warmup-"*.wrk.txt | awk '{ print $5 }')))
  wait_delivered "$EXPECTED"
  for run in $(seq "$RUNS"); do
    d0=$(delivered); s0=$(cpu_ms "${REPLICAS[@]}"); b0=$(cpu_ms "$BROKER_PID")
    load "$mode-r$run" "$DURATION" "$n"
    d1=$(delivered); l=$(cut -d' ' -f1 /proc/loadavg)
    read -r rps p50 p99 err accepted <<< "$(parse_wrk "$OUT/$mode-r$run-"*.wrk.txt)"
    EXPECTED=$((EXPECTED + accepted))
    wait_delivered "$EXPECTED" # the deliveries of these alerts are part of their cost
    s1=$(cpu_ms "${REPLICAS[@]}"); b1=$(cpu_ms "$BROKER_PID")
    awk -v m="$mode" -v r="$run" -v rps="$rps" -v d=$((d1 - d0)) -v t="$DURATION" -v p50="$p50" -v p99="$p99" \
      -v e="$err" -v s=$((s1 - s0)) -v b=$((b1 - b0)) -v a="$accepted" -v l="$l" \
      'BEGIN { printf "%s %s %s %.0f %s %s %s %.0f %.0f %s\n", m, r, rps, d / t, p50, p99, e, s * 1000 / a, b * 1000 / a, l }' |
      tee -a "$RESULTS"
  done
  stop_replicas
done

# Delivered at least once: the sink's count against everything accepted (duplicates would add).
echo "accepted $EXPECTED, delivered $(delivered) (sink log, duplicates included)" | tee "$OUT/delivery.txt"
{
  echo "# medians over $RUNS runs: mode accepted/s delivered/s p50_ms p99_ms sidekick_cpu_us/alert broker_cpu_us/alert"
  for mode in $MODES; do
    awk -v m="$mode" '$1 == m { print }' "$RESULTS" | sort -k3 -n |
      awk -v m="$mode" '{ a[NR] = $3; d[NR] = $4; p5[NR] = $5; p9[NR] = $6; s[NR] = $8; b[NR] = $9 }
        function med(x, n,   t, i, j) { for (i = 1; i <= n; i++) t[i] = x[i]; for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (t[j] < t[i]) { v = t[i]; t[i] = t[j]; t[j] = v }
          return n % 2 ? t[(n + 1) / 2] : (t[n / 2] + t[n / 2 + 1]) / 2 }
        END { printf "%s %.0f %.0f %.2f %.2f %.0f %.0f\n", m, med(a, NR), med(d, NR), med(p5, NR), med(p9, NR), med(s, NR), med(b, NR) }'
  done
} | tee "$OUT/summary.txt"
