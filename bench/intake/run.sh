#!/usr/bin/env bash
# HTTP intake benchmark of the sidekick, with two nginx ceilings: the static "return 200", and a
# forwarder in C (nginx proxy_pass over keep-alive to an nginx sink: one HTTP request in, one out,
# nothing on disk), i.e. what the sidekick does minus the durable spool.
#
# Starts (and stops, by PID, on exit) everything it uses: nginx (the webhook sink the sidekick
# delivers to + the ceiling servers) and the sidekick with a durable spool (fsync on) and one webhook
# output. All traffic goes to 127.0.0.1. Every load step is bounded in time and count.
# Per run: both ceilings with wrk, then the sidekick idle (its CPU with no traffic), then at fixed
# rates (LoadGen, open loop; CPU per alert and where it went by thread), then flat out with the same
# wrk settings as the ceilings. Prints medians over RUNS, the sidekick's ratio to both ceilings and
# its CPU per alert at each rate over its CPU per alert flat out.
#
#   bench/intake/run.sh                     # build, then 3 runs
#   SKIP_BUILD=1 RUNS=1 DURATION=10 bench/intake/run.sh
#   PROFILE=1 ...                           # also record a JFR profile of the sidekick's last max step
#   PROFILE=1 PROFILE_AT=sidekick-1000 ...  # ... of other steps instead (sidekick-idle, sidekick-<rate>; several: "sidekick-1000 sidekick-100")
#   ASYNC_PROFILER=/path/libasyncProfiler.so PROFILE=1 ...   # async-profiler (cpu, collapsed stacks) instead of JFR
#
# Needs wrk and nginx (Debian: apt-get install -y wrk nginx-light) and JDK 25.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
export JAVA_HOME=${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}
JAVA="$JAVA_HOME/bin/java"
RUNS=${RUNS:-3}
DURATION=${DURATION:-20}          # seconds measured per step
WARMUP=${WARMUP:-5}               # seconds sent but not measured before each step
JIT_WARMUP=${JIT_WARMUP:-60}      # seconds of load on the fresh sidekick before the first step
RATES=${RATES-"5000 1000 100"}    # fixed rates, alerts/s, high first: the JIT's late compiles land there ("" = only the max steps)
NGINX_RATES=${NGINX_RATES-1}      # 0: skip LoadGen against nginx (return 200, and the forwarder) at each rate
IDLE=${IDLE:-20}                  # seconds of the sidekick's CPU measured with no traffic (0 = no idle step)
CONNECTIONS=${CONNECTIONS:-64}    # wrk connections, for both nginx and the sidekick
WRK_THREADS=${WRK_THREADS:-2}
SIDEKICK_PORT=${SIDEKICK_PORT:-2801}
GRPC_PORT=${GRPC_PORT:-2803}
SINK_PORT=${SINK_PORT:-18080}
CEILING_PORT=${CEILING_PORT:-18081}
PROXY_PORT=${PROXY_PORT:-18082}
PROXY_SINK_PORT=${PROXY_SINK_PORT:-18083}
SIDEKICK_JVM_OPTS=${SIDEKICK_JVM_OPTS:-"-Xms1g -Xmx1g -XX:+UseParallelGC"}  # as ./run.sh starts it, plus a fixed heap
SPOOL_FSYNC=${SPOOL_FSYNC:-true}  # false: the spool survives a killed process but not a lost machine
SIDEKICK_ARGS=${SIDEKICK_ARGS:-}  # extra --key=value for the sidekick (not one that run.sh sets already)
OUT=${OUT:-$ROOT/bench/target/intake-$(date -u +%Y%m%dT%H%M%SZ)}
ALERTS=${ALERTS:-$ROOT/bench/src/main/resources/falco/sample_alerts.jsonl}
export ALERTS

for tool in wrk nginx curl; do
  command -v "$tool" >/dev/null || { echo "needs $tool (apt-get install -y wrk nginx-light curl)" >&2; exit 1; }
done
for port in "$SIDEKICK_PORT" "$GRPC_PORT" "$SINK_PORT" "$CEILING_PORT" "$PROXY_PORT" "$PROXY_SINK_PORT"; do
  if ss -Htln "sport = :$port" | grep -q .; then echo "port $port is in use; set the *_PORT variables" >&2; exit 1; fi
done

if [[ "${SKIP_BUILD:-0}" != 1 ]]; then
  (cd "$ROOT" && ./mvnw -q -B -DskipTests package)
fi
JAR=${SIDEKICK_JAR:-$ROOT/sidekick/target/sidekick.jar} # another build of the sidekick, for A/B
BENCH_CP="$ROOT/bench/target/bench.jar:$ROOT/bench/target/lib/*"
[[ -f $JAR && -f $ROOT/bench/target/bench.jar ]] || { echo "build first: ./mvnw -q -B -DskipTests package" >&2; exit 1; }

mkdir -p "$OUT"
# Falco's samples are dated 2025-11; sent as they are, the dashboard's store would delete each within
# seconds (retention's max-age is 30 days) and its writer would do about twice the work live alerts
# cause. Sent dated yesterday (same time of day), so they are kept as live ones are.
sed -E 's/"time":"[0-9]{4}-[0-9]{2}-[0-9]{2}T/"time":"'"$(date -u -d yesterday +%F)"'T/' "$ALERTS" > "$OUT/alerts.jsonl"
ALERTS=$OUT/alerts.jsonl
echo "results in $OUT"
NGINX_PID=""
SIDEKICK_PID=""
stop() { # stop one process we started, by PID: TERM, then KILL after 30 s
  local pid=$1
  [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null || return 0
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 300); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.1; done
  kill -KILL "$pid" 2>/dev/null || true
}
cleanup() { stop "$SIDEKICK_PID"; stop "$NGINX_PID"; }
trap cleanup EXIT INT TERM

wait_http() { # url, seconds
  for _ in $(seq $(($2 * 10))); do curl -fs -o /dev/null "$1" && return 0; sleep 0.1; done
  echo "no answer from $1 after $2 s" >&2; return 1
}

TICK_MS=$((1000 / $(getconf CLK_TCK)))
cpu_ms() { # CPU time (user + system, ms) of a process and its children (nginx's workers)
  local t=0 p
  for p in "$1" $(pgrep -P "$1" || true); do
    [[ -r /proc/$p/stat ]] && t=$((t + $(awk '{ sub(/.*\) /, ""); print $12 + $13 }' "/proc/$p/stat")))
  done
  echo $((t * TICK_MS))
}
load1() { cut -d' ' -f1 /proc/loadavg; }
threads_ms() { # per thread of a process: "tid ms name", names as the kernel keeps them (15 chars)
  local t
  for t in /proc/"$1"/task/*; do
    [[ -r $t/stat ]] || continue
    awk -v k="$TICK_MS" -v tid="${t##*/}" '{ n = $0; sub(/^[^(]*\(/, "", n); sub(/\) .*/, "", n); gsub(/ /, "_", n)
      sub(/.*\) /, ""); printf "%s %d %s\n", tid, ($12 + $13) * k, n }' "$t/stat" 2>/dev/null || true
  done
}
threads_diff() { # before-file after-file -> CPU ms per thread name (digits folded: send-sink-0..3 -> send-sink-#), largest first
  awk 'NR == FNR { b[$1] = $2; next } { d = $2 - ($1 in b ? b[$1] : 0); n = $3; gsub(/[0-9]+/, "#", n); s[n] += d; t += d }
    END { for (n in s) if (s[n] > 0) printf "%8d ms %5.1f %%  %s\n", s[n], t ? 100 * s[n] / t : 0, n; printf "%8d ms total\n", t }' "$1" "$2" |
    sort -rn
}

threads_begin() { # label pid: the sidekick's CPU per thread before a step
  threads_ms "$2" > "$OUT/$1.threads0"
}
threads_end() { # label pid: ... and after it, as <label>.threads.txt (CPU ms per thread over the step)
  threads_ms "$2" > "$OUT/$1.threads1"
  threads_diff "$OUT/$1.threads0" "$OUT/$1.threads1" > "$OUT/$1.threads.txt"
  rm -f "$OUT/$1.threads0" "$OUT/$1.threads1"
}
gc_counts() { # the sidekick's collections so far, from jstat: "young_count young_s full_count full_s"
  "$JAVA_HOME/bin/jstat" -gc "$SIDEKICK_PID" 2>/dev/null |
    awk 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i } NR == 2 { print $c["YGC"], $c["YGCT"], $c["FGC"], $c["FGCT"] }'
}
gc_diff() { # before-file after-file -> the collections between them, and their pause time
  paste "$1" "$2" | awk '{ printf "young %d (%.0f ms), full %d (%.0f ms)\n", $5 - $1, 1000 * ($6 - $2), $7 - $3, 1000 * ($8 - $4) }'
}

# --- nginx: sink + ceiling ---
sed -e "s#@RUN@#$OUT#g" -e "s#@SINK_PORT@#$SINK_PORT#g" -e "s#@CEILING_PORT@#$CEILING_PORT#g" \
  -e "s#@PROXY_PORT@#$PROXY_PORT#g" -e "s#@PROXY_SINK_PORT@#$PROXY_SINK_PORT#g" \
  "$ROOT/bench/intake/nginx.conf.template" > "$OUT/nginx.conf"
nginx -p "$OUT" -c "$OUT/nginx.conf" > "$OUT/nginx.out" 2>&1 &
NGINX_PID=$!
wait_http "http://127.0.0.1:$CEILING_PORT/" 10
wait_http "http://127.0.0.1:$PROXY_PORT/" 10

# --- the sidekick ---
# shellcheck disable=SC2086
"$JAVA" $SIDEKICK_JVM_OPTS --enable-native-access=ALL-UNNAMED -jar "$JAR" \
  --server.port="$SIDEKICK_PORT" --spring.grpc.server.port="$GRPC_PORT" \
  --peregrine.spool.dir="$OUT/spool" --peregrine.spool.fsync="$SPOOL_FSYNC" \
  --peregrine.outputs.sink.type=webhook --peregrine.outputs.sink.url="http://127.0.0.1:$SINK_PORT/" \
  $SIDEKICK_ARGS > "$OUT/sidekick.log" 2>&1 &
SIDEKICK_PID=$!
wait_http "http://127.0.0.1:$SIDEKICK_PORT/ping" 180

metric() { # sum of the Prometheus samples whose line matches an awk regex (use [{] for a brace)
  { curl -fs "http://127.0.0.1:$SIDEKICK_PORT/actuator/prometheus" || true; } |
    awk -v re="^$1" '$0 ~ re { s += $NF } END { printf "%d", s }'
}
wait_drained() { # until the webhook output and the dashboard's store have nothing waiting, at most 180 s
  # Polled twice a second: a scrape is not free, and its cost lands in the CPU per alert. The
  # store's writer yields the CPU to intake and catches up afterwards: that is part of the cost too.
  for _ in $(seq 360); do
    [[ $(metric 'peregrine_spool_depth[{].*output="sink"') == 0 && $(metric 'peregrine_store_queue ') == 0 ]] && return 0
    sleep 0.5
  done
  echo "warning: spool or store not drained after 180 s" >&2
}

# wrk output -> "rps p50_ms p99_ms errors"
parse_wrk() {
  awk '
    function ms(v) { if (v ~ /us$/) return v / 1000; if (v ~ /ms$/) return v + 0; if (v ~ /s$/) return v * 1000; return v }
    /^ +50%/ { p50 = ms($2) } /^ +99%/ { p99 = ms($2) }
    /^Requests\/sec:/ { rps = $2 }
    /Non-2xx or 3xx responses:/ { err += $NF }
    /Socket errors:/ { gsub(",", ""); err += $4 + $6 + $8 + $10 }
    END { printf "%.0f %.3f %.3f %d\n", rps, p50, p99, err }' "$1"
}
run_wrk() { # label url server-pid -> "label rps p50 p99 errors cpu_us_per_alert load1"
  local log="$OUT/$1.wrk.txt" c0 c1 n
  timeout $((WARMUP + 30)) wrk -t"$WRK_THREADS" -c"$CONNECTIONS" -d"${WARMUP}s" -s "$ROOT/bench/intake/post.lua" "$2" > /dev/null
  if [[ $3 == "$SIDEKICK_PID" ]]; then wait_drained; threads_begin "$1" "$3"; gc_counts > "$OUT/$1.gc0"; fi
  c0=$(cpu_ms "$3")
  timeout $((DURATION + 30)) wrk -t"$WRK_THREADS" -c"$CONNECTIONS" -d"${DURATION}s" --latency \
    -s "$ROOT/bench/intake/post.lua" "$2" > "$log" 2>&1
  local l=$(load1)
  if [[ $3 == "$SIDEKICK_PID" ]]; then
    gc_counts > "$OUT/$1.gc1" # the collections while wrk sent, before the drain after it
    wait_drained              # the deliveries of these alerts are part of their cost
    threads_end "$1" "$3"
    gc_diff "$OUT/$1.gc0" "$OUT/$1.gc1" > "$OUT/$1.gc.txt"
    rm -f "$OUT/$1.gc0" "$OUT/$1.gc1"
  fi
  c1=$(cpu_ms "$3")
  n=$(awk '/requests in/ { print $1 }' "$log")
  echo "$1 $(parse_wrk "$log") $(awk -v c=$((c1 - c0)) -v n="${n:-0}" 'BEGIN { printf "%.0f", n ? c * 1000 / n : 0 }') $l"
}
run_rate() { # label rate url server-pid -> "label rps p50 p99 errors cpu_us_per_alert load1"
  local log="$OUT/$1.loadgen.txt" c0 c1 l
  if [[ $4 == "$SIDEKICK_PID" ]]; then wait_drained; threads_begin "$1" "$4"; fi
  c0=$(cpu_ms "$4")
  timeout $((WARMUP + DURATION + 90)) "$JAVA" -cp "$BENCH_CP" dev.peregrine.bench.intake.LoadGen \
    --url "$3" --rate "$2" --duration "$DURATION" --warmup "$WARMUP" \
    --alerts "$ALERTS" --label "$1" > "$log" 2>&1 || true
  l=$(load1)
  if [[ $4 == "$SIDEKICK_PID" ]]; then wait_drained; fi # the deliveries of these alerts are part of their cost
  c1=$(cpu_ms "$4")
  if [[ $4 == "$SIDEKICK_PID" ]]; then threads_end "$1" "$4"; fi
  awk -v c=$((c1 - c0)) -v l="$l" '/^RESULT/ { for (i = 2; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
       printf "%s %.0f %.3f %.3f %d %.0f %s\n", v["label"], v["achieved_rps"], v["p50_ms"], v["p99_ms"], v["errors"],
         v["ok"] ? c * 1000 / v["ok"] : 0, l }' "$log"
}
PROFILE_AT=${PROFILE_AT:-sidekick-max}
profile() { # start|stop step run: profiles the sidekick over one step of the last run, if asked
  [[ "${PROFILE:-0}" == 1 && " $PROFILE_AT " == *" $2 "* && $3 == "$RUNS" ]] || return 0
  local jcmd=$JAVA_HOME/bin/jcmd
  if [[ -n ${ASYNC_PROFILER:-} ]]; then
    # jcmd reads a bare key=value as its own argument: the agent's options go in quotes
    if [[ $1 == start ]]; then
      "$jcmd" "$SIDEKICK_PID" JVMTI.agent_load "$ASYNC_PROFILER" '"start,event=cpu,interval=1ms,threads"' > /dev/null
    else
      "$jcmd" "$SIDEKICK_PID" JVMTI.agent_load "$ASYNC_PROFILER" "\"stop,collapsed,file=$OUT/$2.collapsed\"" > /dev/null
      echo "async-profiler stacks of $2: $OUT/$2.collapsed" >&2
    fi
  elif [[ $1 == start ]]; then
    "$jcmd" "$SIDEKICK_PID" JFR.start name=bench settings=profile > /dev/null
  else
    "$jcmd" "$SIDEKICK_PID" JFR.stop name=bench filename="$OUT/$2.jfr" > /dev/null
    "$JAVA" -cp "$BENCH_CP" dev.peregrine.bench.profile.JfrTop "$OUT/$2.jfr" 40 > "$OUT/$2.profile.txt" || true
    echo "profile of $2: $OUT/$2.profile.txt" >&2
  fi
}

run_idle() { # label -> "label cpu_percent_of_a_core load1": the sidekick's CPU over IDLE s with no traffic
  local c0 c1 l
  wait_drained
  sleep 2 # the last scrape and deliveries settle
  threads_begin "$1" "$SIDEKICK_PID"
  c0=$(cpu_ms "$SIDEKICK_PID")
  sleep "$IDLE"
  c1=$(cpu_ms "$SIDEKICK_PID")
  l=$(load1)
  threads_end "$1" "$SIDEKICK_PID"
  awk -v c=$((c1 - c0)) -v s="$IDLE" -v l="$l" -v n="$1" 'BEGIN { printf "%s %.2f %s\n", n, c / (s * 10), l }'
}

# JIT warm-up of the sidekick (not measured): C2 is still busy after 30 s on a loaded 2-core box
timeout $((JIT_WARMUP + 30)) wrk -t"$WRK_THREADS" -c"$CONNECTIONS" -d"${JIT_WARMUP}s" -s "$ROOT/bench/intake/post.lua" \
  "http://127.0.0.1:$SIDEKICK_PORT/" > "$OUT/jit-warmup.wrk.txt" 2>&1
wait_drained

RESULTS=$OUT/results.txt
IDLE_RESULTS=$OUT/idle.txt
echo "# step run alerts_per_s p50_ms p99_ms errors cpu_us_per_alert load1" > "$RESULTS"
echo "# step run cpu_percent_of_a_core load1" > "$IDLE_RESULTS"
for run in $(seq "$RUNS"); do
  echo "== run $run/$RUNS"
  read -r label rps p50 p99 err cpu l <<< "$(run_wrk "nginx-max-r$run" "http://127.0.0.1:$CEILING_PORT/" "$NGINX_PID")"
  echo "nginx-max $run $rps $p50 $p99 $err $cpu $l" | tee -a "$RESULTS"
  # nginx's CPU here is the forwarder's and its sink's: both are the C path's cost per alert
  read -r label rps p50 p99 err cpu l <<< "$(run_wrk "proxy-max-r$run" "http://127.0.0.1:$PROXY_PORT/" "$NGINX_PID")"
  echo "proxy-max $run $rps $p50 $p99 $err $cpu $l" | tee -a "$RESULTS"
  if ((IDLE > 0)); then
    profile start sidekick-idle "$run"
    read -r label pct l <<< "$(run_idle "sidekick-idle-r$run")"
    profile stop sidekick-idle "$run"
    echo "sidekick-idle $run $pct $l" | tee -a "$IDLE_RESULTS"
  fi
  for rate in $RATES; do
    # the same generator against nginx first: what the generator itself can do on this machine now,
    # and nginx's own CPU per request at this rate (return 200, and the forwarder with its sink)
    if [[ $NGINX_RATES == 1 ]]; then
      read -r label rps p50 p99 err cpu l <<< "$(run_rate "nginx-$rate-r$run" "$rate" "http://127.0.0.1:$CEILING_PORT/" "$NGINX_PID")"
      echo "nginx-$rate $run $rps $p50 $p99 $err $cpu $l" | tee -a "$RESULTS"
      read -r label rps p50 p99 err cpu l <<< "$(run_rate "proxy-$rate-r$run" "$rate" "http://127.0.0.1:$PROXY_PORT/" "$NGINX_PID")"
      echo "proxy-$rate $run $rps $p50 $p99 $err $cpu $l" | tee -a "$RESULTS"
    fi
    profile start "sidekick-$rate" "$run"
    read -r label rps p50 p99 err cpu l <<< "$(run_rate "sidekick-$rate-r$run" "$rate" "http://127.0.0.1:$SIDEKICK_PORT/" "$SIDEKICK_PID")"
    profile stop "sidekick-$rate" "$run"
    echo "sidekick-$rate $run $rps $p50 $p99 $err $cpu $l" | tee -a "$RESULTS"
  done
  profile start sidekick-max "$run"
  read -r label rps p50 p99 err cpu l <<< "$(run_wrk "sidekick-max-r$run" "http://127.0.0.1:$SIDEKICK_PORT/" "$SIDEKICK_PID")"
  echo "sidekick-max $run $rps $p50 $p99 $err $cpu $l" | tee -a "$RESULTS"
  profile stop sidekick-max "$run"
done

accepted=$(metric 'peregrine_intake_alerts_total[{].*status="accepted"')
sleep 1
delivered=$(wc -l < "$OUT/sink-access.log")
distinct=$(awk '{ print $2 }' "$OUT/sink-access.log" | sort -u | wc -l)
echo "accepted by the sidekick: $accepted; webhook deliveries logged by the sink: $delivered ($distinct distinct alerts)" |
  tee "$OUT/delivery.txt"
stored=$(metric 'peregrine_store_written_total')
if [[ $stored != 0 ]]; then
  echo "dashboard store: $stored written, $(metric 'peregrine_store_dropped_total') left out (queue full)" |
    tee -a "$OUT/delivery.txt"
fi

echo
{
  echo "medians over $RUNS runs (alerts/s; latency ms; CPU of the server, us per alert; 1-min load average)"
  printf "%-16s %10s %9s %9s %7s %8s %6s\n" step alerts/s p50_ms p99_ms errors cpu_us load1
  awk '!/^#/ { k = $1; c = ++n[k]; for (f = 3; f <= 8; f++) v[k, f, c] = $f }
    function med(k, f, c,   i, j, t, a) { for (i = 1; i <= c; i++) a[i] = v[k, f, i]
      for (i = 1; i <= c; i++) for (j = i + 1; j <= c; j++) if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
      return c % 2 ? a[(c + 1) / 2] : (a[c / 2] + a[c / 2 + 1]) / 2 }
    END { for (k in n) { e = 0; for (i = 1; i <= n[k]; i++) e += v[k, 6, i]
      printf "%-16s %10.0f %9.3f %9.3f %7d %8.0f %6.2f\n", k, med(k, 3, n[k]), med(k, 4, n[k]), med(k, 5, n[k]), e, med(k, 7, n[k]), med(k, 8, n[k]) } }' "$RESULTS" | sort
  awk '!/^#/ && $1 == "nginx-max" { ng[$2] = $3; ngc[$2] = $7 } !/^#/ && $1 == "proxy-max" { px[$2] = $3; pxc[$2] = $7 }
    !/^#/ && $1 == "sidekick-max" { sk[$2] = $3; skc[$2] = $7 }
    !/^#/ && $1 ~ /^sidekick-[0-9]+$/ { r = $1; sub(/sidekick-/, "", r); rcv[$2, r] = $7 }
    !/^#/ && $1 ~ /^nginx-[0-9]+$/ { r = $1; sub(/nginx-/, "", r); ngr[$2, r] = $7 }
    !/^#/ && $1 ~ /^proxy-[0-9]+$/ { r = $1; sub(/proxy-/, "", r); pxr[$2, r] = $7 }
    END { for (r in sk) if (ng[r] > 0 && px[r] > 0 && skc[r] > 0) {
      printf "run %s: max sidekick/nginx-return = %.3f, sidekick/nginx-proxy = %.3f; CPU per alert nginx-return/sidekick = %.3f, nginx-proxy/sidekick = %.3f\n",
        r, sk[r] / ng[r], sk[r] / px[r], ngc[r] / skc[r], pxc[r] / skc[r]
      out = ""; for (k in rcv) { split(k, kk, SUBSEP); if (kk[1] == r) out = out sprintf(" %s/s %.2fx", kk[2], rcv[k] / skc[r]) }
      if (out != "") printf "run %s: sidekick CPU per alert at a fixed rate over flat out:%s\n", r, out
      out = ""; for (k in ngr) { split(k, kk, SUBSEP); if (kk[1] == r && ngc[r] > 0) out = out sprintf(" %s/s %.2fx", kk[2], ngr[k] / ngc[r]) }
      if (out != "") printf "run %s: nginx return 200 CPU per request at a fixed rate over flat out:%s\n", r, out
      out = ""; for (k in pxr) { split(k, kk, SUBSEP); if (kk[1] == r && pxc[r] > 0) out = out sprintf(" %s/s %.2fx", kk[2], pxr[k] / pxc[r]) }
      if (out != "") printf "run %s: nginx forwarder CPU per alert at a fixed rate over flat out:%s\n", r, out } }' "$RESULTS" | sort
  awk '!/^#/ { v[++n] = $3; l = l " " $3 "%" }
    END { for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (v[j] < v[i]) { t = v[i]; v[i] = v[j]; v[j] = t }
      if (n) printf "sidekick idle: %.2f %% of a core (median of %d:%s)\n", n % 2 ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2, n, l }' "$IDLE_RESULTS"
} | tee "$OUT/summary.txt"
