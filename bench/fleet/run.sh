#!/usr/bin/env bash
# Fleet scale (issue 19): thousands of simulated detector links against one sidekick on loopback.
# For each N in LINKS: a fresh sidekick (the packaged jar, its spool in a temp dir, one webhook
# output to an nginx sink), its idle RSS and live heap; FleetLoad with N links (one gRPC channel and
# stream each, the detector's link settings), RATE alerts/s each plus bursts; after WARMUP s,
# DURATION s measured: the sidekick's CPU (/proc/PID/stat), RSS and live heap with N connected,
# acked alerts/s, ack latency p50/p99. Then the sidekick is killed (-9) and started again on the
# same spool: how long until every link has an ack again, with the links' backoff and jitter.
# Starts, and stops by PID on exit, everything it uses; all on 127.0.0.1; every wait bounded.
#
# MODE=kafka REPLICAS=2: the sidekicks share a Kafka log instead (peregrine.log.mode: kafka; a KRaft
# broker in a process of its own, as bench/scaleout/run.sh starts it); link i starts on replica
# i mod REPLICAS and each later stream of a link goes to a random replica (a Kubernetes Service
# picks an endpoint per new connection). CPU and memory are summed over the replicas; the
# broker's CPU is reported beside them. The restart step kills -9 replica 1 only, measures how
# long until its links had an ack again (on the other replica or the restarted one), and restarts
# it. In both modes every uuid acknowledged DURABLE is checked against the sink's log afterwards:
# lost ones are counted (and must be 0), repeats too.
#
#   bench/fleet/run.sh                              # build (-Pfleet), RUNS runs of 1,000 / 2,500 / 5,000 links
#   SKIP_BUILD=1 RUNS=1 LINKS=500 DURATION=20 bench/fleet/run.sh
#   MODE=kafka REPLICAS=2 RUNS=1 LINKS=1000 bench/fleet/run.sh   # build with -Pfleet,scaleout
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
export JAVA_HOME=${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}
JAVA="$JAVA_HOME/bin/java"
RUNS=${RUNS:-3}
LINKS=${LINKS:-"1000 2500 5000"}
RATE=${RATE:-1}                 # alerts/s per link
BURST=${BURST:-10}              # extra alerts at once, per link ...
BURST_EVERY=${BURST_EVERY:-60}  # ... once every this many seconds (random second per link)
RAMP=${RAMP:-10}                # links start spread over this many seconds
WARMUP=${WARMUP:-20}
DURATION=${DURATION:-60}
RESTART=${RESTART:-1}           # 0: no restart step
MAX_AGE=${MAX_AGE:-}            # peregrine.intake.grpc-max-connection-age of the sidekicks ("": their default)
SPREAD_WAIT=${SPREAD_WAIT:-0}   # after the restart step, report every 10 s for this long how links are spread
MODE=${MODE:-spool}             # spool: one sidekick; kafka: REPLICAS sidekicks sharing a Kafka log
REPLICAS=${REPLICAS:-1}         # replica r: HTTP_PORT+10(r-1), GRPC_PORT+10(r-1)
PARTITIONS=${PARTITIONS:-12}
HTTP_PORT=${HTTP_PORT:-2811}
GRPC_PORT=${GRPC_PORT:-2813}
SINK_PORT=${SINK_PORT:-18180}
SIDEKICK_JVM_OPTS=${SIDEKICK_JVM_OPTS:-"-Xmx2g"}   # no -Xms: RSS follows what is used
SIDEKICK_ARGS=${SIDEKICK_ARGS:-}   # more --key=value arguments for every sidekick (e.g. --peregrine.ui.enabled=false)
# INFO logging (bench's logback.xml, named here too for a bench.jar built before it): logback's
# default, DEBUG, had the shaded Netty log every HTTP/2 frame of every link.
LOAD_JVM_OPTS=${LOAD_JVM_OPTS:-"-Xmx2g --enable-native-access=ALL-UNNAMED -Dlogback.configurationFile=$ROOT/bench/src/main/resources/logback.xml"}
LOCK=${LOCK:-/tmp/peregrine-bench.lock}
OUT=${OUT:-$ROOT/bench/target/fleet-$(date -u +%Y%m%dT%H%M%SZ)}

for tool in nginx curl flock jcmd; do command -v "$tool" >/dev/null || { echo "needs $tool" >&2; exit 1; }; done
# One descriptor per link on each side, plus the JVMs' own.
ulimit -n "$(ulimit -Hn)"
max_links=$(tr ' ' '\n' <<<"$LINKS" | sort -n | tail -1)
if (($(ulimit -n) < max_links + 2000)); then echo "ulimit -n $(ulimit -n) is too low for $max_links links" >&2; exit 1; fi
[[ $MODE == spool && $REPLICAS != 1 ]] && { echo "MODE=spool runs one sidekick (REPLICAS=1)" >&2; exit 1; }
[[ $MODE == spool || $MODE == kafka ]] || { echo "MODE is spool or kafka, not $MODE" >&2; exit 1; }
replica_ports=()
for r in $(seq "$REPLICAS"); do replica_ports+=($((HTTP_PORT + 10 * (r - 1))) $((GRPC_PORT + 10 * (r - 1)))); done
for port in "${replica_ports[@]}" "$SINK_PORT" $((SINK_PORT + 1)); do
  if ss -Htln "sport = :$port" | grep -q .; then echo "port $port is in use; set the *_PORT variables" >&2; exit 1; fi
done
if [[ "${SKIP_BUILD:-0}" != 1 ]]; then
  profiles=-Pfleet
  [[ $MODE == kafka ]] && profiles=-Pfleet,scaleout
  (cd "$ROOT" && ./mvnw -q -B -ntp -DskipTests "$profiles" package -pl sidekick,bench -am)
fi
BENCH_CP="$ROOT/bench/target/bench.jar:$ROOT/bench/target/lib/*"
[[ -n $(cd "$ROOT/bench/target/lib" && ls detector-*.jar 2>/dev/null) ]] || { echo "build with -Pfleet first" >&2; exit 1; }
if [[ $MODE == kafka ]]; then
  [[ $(unzip -l "$ROOT/bench/target/bench.jar") == *scaleout/KafkaServer* ]] || { echo "build with -Pfleet,scaleout first" >&2; exit 1; }
fi
mkdir -p "$OUT"
SPOOLS=$(mktemp -d /var/tmp/peregrine-fleet.XXXXXX)
echo "results in $OUT (spools in $SPOOLS)"

NGINX_PID="" LOAD_PID="" BROKER_PID=""
SIDEKICK_PIDS=()   # by replica, 1-based: "" when not running
stop() { # TERM, then KILL after 30 s; only processes this script started
  local pid=$1
  [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null || return 0
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 300); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.1; done
  kill -KILL "$pid" 2>/dev/null || true
}
stop_sidekicks() { local r; for r in $(seq "$REPLICAS"); do stop "${SIDEKICK_PIDS[$r]:-}"; SIDEKICK_PIDS[r]=""; done; }
cleanup() { stop "$LOAD_PID"; stop_sidekicks; stop "$BROKER_PID"; stop "$NGINX_PID"; rm -rf "$SPOOLS"; }
trap cleanup EXIT
trap 'exit 130' INT TERM   # exit runs cleanup once
wait_http() { for _ in $(seq $(($2 * 10))); do curl -fs -o /dev/null "$1" && return 0; sleep 0.1; done; echo "no answer from $1" >&2; return 1; }
wait_line() { # file pattern seconds pid: the line, once it is there
  for _ in $(seq $(($3 * 10))); do
    grep -m1 "$2" "$1" 2>/dev/null && return 0
    kill -0 "$4" 2>/dev/null || { grep -m1 "$2" "$1" 2>/dev/null && return 0; return 1; }
    sleep 0.1
  done
  return 1
}
field() { tr ' ' '\n' <<<"$1" | awk -F= -v f="$2" '$1 == f { print $2 }'; }

# Measurements wait for other benchmarks on this machine (and they for this one); the servers and
# the load do not inherit the lock's descriptor.
exec 9>"$LOCK"
echo "waiting for $LOCK"
flock -w 900 9 || { echo "$LOCK still held after 15 min" >&2; exit 1; }

sed -e "s#@RUN@#$OUT#g" -e "s#@SINK_PORT@#$SINK_PORT#g" -e "s#@CEILING_PORT@#$((SINK_PORT + 1))#g" -e "s#@PROXY_PORT@#$((SINK_PORT + 2))#g" -e "s#@PROXY_SINK_PORT@#$((SINK_PORT + 3))#g" \
  "$ROOT/bench/intake/nginx.conf.template" > "$OUT/nginx.conf"
nginx -p "$OUT" -c "$OUT/nginx.conf" > "$OUT/nginx.out" 2>&1 9>&- &
NGINX_PID=$!
wait_http "http://127.0.0.1:$SINK_PORT/" 10

if [[ $MODE == kafka ]]; then
  rm -f "$OUT/bootstrap"
  $JAVA -Xms512m -Xmx1g -cp "$BENCH_CP" dev.peregrine.bench.scaleout.KafkaServer "$OUT/bootstrap" > "$OUT/broker.log" 2>&1 9>&- &
  BROKER_PID=$!
  for _ in $(seq 1200); do [[ -s "$OUT/bootstrap" ]] && break; sleep 0.1; done
  [[ -s "$OUT/bootstrap" ]] || { echo "the broker did not start (see $OUT/broker.log)" >&2; exit 1; }
  BOOTSTRAP=$(cat "$OUT/bootstrap")
  echo "broker at $BOOTSTRAP (pid $BROKER_PID)"
fi
http_port() { echo $((HTTP_PORT + 10 * ($1 - 1))); }
grpc_port() { echo $((GRPC_PORT + 10 * ($1 - 1))); }
start_sidekick() { # replica spool-dir log topic-prefix
  # The dashboard on the HTTP port, not its own 2802: several replicas share this host.
  local args=(--server.port="$(http_port "$1")" --peregrine.ui.port="$(http_port "$1")" --server.address=127.0.0.1
    --spring.grpc.server.address="127.0.0.1:$(grpc_port "$1")"
    --peregrine.spool.dir="$2" --peregrine.outputs.sink.type=webhook
    --peregrine.outputs.sink.url="http://127.0.0.1:$SINK_PORT/")
  [[ -n $MAX_AGE ]] && args+=(--peregrine.intake.grpc-max-connection-age="$MAX_AGE")
  # shellcheck disable=SC2206
  args+=($SIDEKICK_ARGS)
  if [[ $MODE == kafka ]]; then
    args+=(--peregrine.log.mode=kafka --peregrine.log.kafka.bootstrap-servers="$BOOTSTRAP"
      --peregrine.log.kafka.partitions="$PARTITIONS"
      --peregrine.log.kafka.topic-prefix="$4" --peregrine.log.kafka.group-prefix="$4")
  fi
  # shellcheck disable=SC2086
  $JAVA $SIDEKICK_JVM_OPTS -jar "$ROOT/sidekick/target/sidekick.jar" "${args[@]}" >> "$3" 2>&1 9>&- &
  SIDEKICK_PIDS[$1]=$!
}
sum() { local t=0 v; for v in "$@"; do t=$((t + ${v:-0})); done; echo "$t"; }
each() { # function: its value for every running replica, summed
  local r vs=()
  for r in $(seq "$REPLICAS"); do [[ -n ${SIDEKICK_PIDS[$r]:-} ]] && vs+=("$("$1" "${SIDEKICK_PIDS[$r]}")"); done
  sum "${vs[@]}"
}
fds() { find "/proc/$1/fd" -mindepth 1 -maxdepth 1 | wc -l; }
TICK_MS=$((1000 / $(getconf CLK_TCK)))
cpu_ms() { awk -v t="$TICK_MS" '{ sub(/.*\) /, ""); print ($12 + $13) * t }' "/proc/$1/stat"; }
rss_mb() { awk '/^VmRSS/ { printf "%.0f", $2 / 1024 }' "/proc/$1/status"; }
threads() { awk '/^Threads/ { print $2 }' "/proc/$1/status"; }
# Live heap: used after a full GC (jcmd attaches to the sidekick; it is its own process, not a load).
heap_mb() {
  jcmd "$1" GC.run >/dev/null 2>&1 || true
  jcmd "$1" GC.heap_info 2>/dev/null | awk '/garbage-first heap/ { for (i = 1; i <= NF; i++) if ($i == "used") { sub(/K,?/, "", $(i + 1)); printf "%.0f", $(i + 1) / 1024 } }'
}

{
  echo "date: $(date -u +%FT%TZ)"
  echo "host: $(nproc) CPUs, $(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo), $(free -g | awk '/^Mem/ { print $2 " GB" }')"
  echo "kernel: $(uname -r)"
  echo "java: $($JAVA -version 2>&1 | head -1)"
  echo "command: SIDEKICK_ARGS=\"$SIDEKICK_ARGS\" MAX_AGE=$MAX_AGE SPREAD_WAIT=$SPREAD_WAIT MODE=$MODE REPLICAS=$REPLICAS RUNS=$RUNS LINKS=\"$LINKS\" RATE=$RATE BURST=$BURST BURST_EVERY=$BURST_EVERY WARMUP=$WARMUP DURATION=$DURATION bench/fleet/run.sh"
} > "$OUT/machine.txt"

RESULTS=$OUT/results.txt
: > "$RESULTS"
for run in $(seq "$RUNS"); do
  for n in $LINKS; do
    echo "== run $run/$RUNS, $n links, $MODE x $REPLICAS"
    prefix="fleet-r$run-$n."   # topics and groups of their own per step: no backlog from the last one
    targets=()
    for r in $(seq "$REPLICAS"); do
      start_sidekick "$r" "$SPOOLS/r$run-$n-$r" "$OUT/sidekick-r$run-$n-$r.log" "$prefix"
      targets+=("127.0.0.1:$(grpc_port "$r")")
    done
    for r in $(seq "$REPLICAS"); do wait_http "http://127.0.0.1:$(http_port "$r")/ping" 180; done
    sleep 5
    idle_heap=$(each heap_mb)
    idle_rss=$(each rss_mb)
    idle_threads=$(each threads)
    load_out="$OUT/load-r$run-$n.txt"
    acked_file="$OUT/acked-r$run-$n.txt"
    restart_flag=""
    [[ $RESTART == 1 ]] && restart_flag="--restart --restart-target ${targets[0]} --spread-wait $SPREAD_WAIT"
    # shellcheck disable=SC2086
    timeout $((RAMP + WARMUP + DURATION + SPREAD_WAIT + 900)) $JAVA $LOAD_JVM_OPTS -cp "$BENCH_CP" dev.peregrine.bench.fleet.FleetLoad \
      --sidekick "$(IFS=,; echo "${targets[*]}")" --links "$n" --rate "$RATE" --burst "$BURST" --burst-every "$BURST_EVERY" \
      --ramp "$RAMP" --warmup "$WARMUP" --duration "$DURATION" --acked-file "$acked_file" $restart_flag > "$load_out" 2>&1 9>&- &
    LOAD_PID=$!
    if ! wait_line "$load_out" '^MEASURE_START' $((RAMP + WARMUP + 240)) "$LOAD_PID" >/dev/null; then
      echo "run $run, $n links: never measured (see $load_out)" | tee -a "$RESULTS"
      stop "$LOAD_PID"; LOAD_PID=""; stop_sidekicks; continue
    fi
    c0=$(each cpu_ms); b0=0; [[ -n $BROKER_PID ]] && b0=$(cpu_ms "$BROKER_PID"); t0=$(date +%s%N)
    wait_line "$load_out" '^MEASURE_END' $((DURATION + 60)) "$LOAD_PID" >/dev/null || true
    c1=$(each cpu_ms); b1=0; [[ -n $BROKER_PID ]] && b1=$(cpu_ms "$BROKER_PID"); t1=$(date +%s%N)
    rss=$(each rss_mb); thr=$(each threads); nfd=$(each fds)
    heap=$(each heap_mb)
    result=$(wait_line "$load_out" '^RESULT' 30 "$LOAD_PID" | sed 's/^RESULT //') || result=""
    acked=$(field "$result" acked_per_s)
    line=$(awk -v c="$((c1 - c0))" -v b="$((b1 - b0))" -v t="$(((t1 - t0) / 1000000))" -v a="${acked:-0}" -v n="$n" \
      -v rss="$rss" -v irss="$idle_rss" -v heap="$heap" -v iheap="$idle_heap" 'BEGIN {
        printf "cpu_pct=%.0f cpu_us_per_alert=%.0f broker_cpu_pct=%.0f broker_us_per_alert=%.0f rss_mb=%d idle_rss_mb=%d rss_kb_per_link=%.0f heap_mb=%d idle_heap_mb=%d heap_kb_per_link=%.0f",
          100 * c / t, (a > 0 ? c * 1000 / (a * t / 1000) : 0), 100 * b / t, (a > 0 ? b * 1000 / (a * t / 1000) : 0),
          rss, irss, (rss - irss) * 1024 / n, heap, iheap, (heap - iheap) * 1024 / n }')
    echo "steady run=$run links=$n mode=$MODE replicas=$REPLICAS load1=$(cut -d' ' -f1 /proc/loadavg) $line threads=$thr idle_threads=$idle_threads fds=$nfd $result" | tee -a "$RESULTS"

    if [[ $RESTART == 1 ]]; then
      # Replica 1 only (with one sidekick: the sidekick); in kafka mode its links go to the others.
      wait_line "$load_out" '^AWAIT_RESTART' 60 "$LOAD_PID" >/dev/null || true
      kill -KILL "${SIDEKICK_PIDS[1]}"; wait "${SIDEKICK_PIDS[1]}" 2>/dev/null || true; SIDEKICK_PIDS[1]=""
      killed_ms=$(date +%s%3N)
      wait_line "$load_out" '^LOST' 120 "$LOAD_PID" >/dev/null || true
      start_ms=$(date +%s%3N)
      start_sidekick 1 "$SPOOLS/r$run-$n-1" "$OUT/sidekick-r$run-$n-1.log" "$prefix"
      wait_http "http://127.0.0.1:$(http_port 1)/ping" 180
      up_ms=$(date +%s%3N)
      r=$(wait_line "$load_out" '^RESTART_RESULT' 600 "$LOAD_PID" | sed 's/^RESTART_RESULT //') || r=""
      # Times after the restarted sidekick answered (one sidekick: nothing can ack before), and
      # after the kill (kafka: the other replicas take the links at once).
      line=$(awk -v up="$up_ms" -v st="$start_ms" -v k="$killed_ms" -v r="$r" 'BEGIN {
        n = split(r, kv, " "); for (i = 1; i <= n; i++) { split(kv[i], p, "="); v[p[1]] = p[2] }
        if (!("all_ms" in v)) { print "error=" r; exit }
        printf "watched_links=%s sidekick_start_s=%.1f first_after_up_s=%.1f half_after_up_s=%.1f p90_after_up_s=%.1f p99_after_up_s=%.1f all_after_up_s=%.1f drained_after_up_s=%.1f",
          v["links"], (up - st) / 1000, (v["first_ms"] - up) / 1000, (v["half_ms"] - up) / 1000, (v["p90_ms"] - up) / 1000,
          (v["p99_ms"] - up) / 1000, (v["all_ms"] - up) / 1000, (v["drained_ms"] > 0 ? (v["drained_ms"] - up) / 1000 : -1)
        printf " first_after_kill_s=%.1f half_after_kill_s=%.1f p99_after_kill_s=%.1f all_after_kill_s=%.1f drained_after_kill_s=%.1f backlog=%s attempts=%s peak_attempts_per_s=%s",
          (v["first_ms"] - k) / 1000, (v["half_ms"] - k) / 1000, (v["p99_ms"] - k) / 1000, (v["all_ms"] - k) / 1000,
          (v["drained_ms"] > 0 ? (v["drained_ms"] - k) / 1000 : -1), v["backlog"], v["attempts"], v["peak_attempts_per_s"] }')
      echo "restart run=$run links=$n mode=$MODE replicas=$REPLICAS load1=$(cut -d' ' -f1 /proc/loadavg) $line" | tee -a "$RESULTS"
      grep -m1 '^BACK_ON' "$load_out" || true
      if ((SPREAD_WAIT > 0)); then
        wait_line "$load_out" '^DONE' $((SPREAD_WAIT + 120)) "$LOAD_PID" >/dev/null || true
        grep '^SPREAD' "$load_out" | sed "s/^/spread run=$run links=$n load1=$(cut -d' ' -f1 /proc/loadavg) /" | tee -a "$RESULTS"
      fi
    fi
    wait_line "$load_out" '^DONE' 120 "$LOAD_PID" >/dev/null || true
    stop "$LOAD_PID"; LOAD_PID=""
    # Nothing acknowledged may be lost: every acked uuid must reach the sink (its Idempotency-Key
    # header in the access log), waited for up to 300 s; repeats are allowed (at least once).
    if [[ -s $acked_file ]]; then
      sort -u "$acked_file" > "$OUT/acked.sorted"
      missing=-1
      for _ in $(seq 60); do
        awk '$1 == 200 { print $2 }' "$OUT/sink-access.log" | sort -u > "$OUT/delivered.sorted"
        missing=$(comm -23 "$OUT/acked.sorted" "$OUT/delivered.sorted" | wc -l)
        ((missing == 0)) && break
        sleep 5
      done
      repeats=$(awk '$1 == 200 { print $2 }' "$OUT/sink-access.log" | sort | uniq -d | wc -l)
      echo "delivery run=$run links=$n mode=$MODE replicas=$REPLICAS acked=$(wc -l < "$OUT/acked.sorted") lost=$missing delivered_twice_or_more=$repeats" | tee -a "$RESULTS"
      comm -23 "$OUT/acked.sorted" "$OUT/delivered.sorted" | head -20 > "$OUT/lost-r$run-$n.txt"
      : > "$OUT/sink-access.log"   # the next step counts its own (nginx appends to the same file)
      rm -f "$OUT/acked.sorted" "$OUT/delivered.sorted"
    fi
    stop_sidekicks
    rm -rf "$SPOOLS/r$run-$n-"*
  done
done

{
  echo "medians over $RUNS runs"
  for n in $LINKS; do
    for key in steady:cpu_pct steady:cpu_us_per_alert steady:acked_per_s steady:rss_mb steady:idle_rss_mb \
      steady:rss_kb_per_link steady:heap_kb_per_link steady:p50_ms steady:p99_ms steady:threads \
      restart:sidekick_start_s restart:first_after_up_s restart:half_after_up_s restart:p99_after_up_s \
      restart:all_after_up_s restart:drained_after_up_s restart:first_after_kill_s restart:all_after_kill_s \
      restart:drained_after_kill_s restart:peak_attempts_per_s steady:broker_cpu_pct delivery:lost; do
      step=${key%%:*} f=${key##*:}
      grep "^$step .*links=$n " "$RESULTS" | tr ' ' '\n' | awk -F= -v f="$f" '$1 == f { print $2 }' | sort -g |
        awk -v k="$key" -v n="$n" '{ v[NR] = $1 } END { if (NR) printf "links=%-5s %-26s %s (runs: %d)\n", n, k, NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2, NR }'
    done
  done
} | tee "$OUT/summary.txt"
