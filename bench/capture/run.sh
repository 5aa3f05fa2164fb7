#!/usr/bin/env bash
# Capture benchmark (issue 5): the detector's eBPF capture, end to end (decode, tables, Falco's
# stable rules), against a bare C libbpf consumer of the same BPF object (the ceiling) and against
# no capture at all. Starts, and stops by PID on exit, everything it uses; every step is bounded
# in count and time. Needs root, gcc, libbpf-dev, curl and JDK 25.
#
# Per run (RUNS), for each mode in turn (none, bare, detector; the order rotates per run):
#   start the consumer (bare: bare.c; detector: `detector.jar run`), warm up (unmeasured, for the
#   JIT: WARMUP s of openat, WARMUP/2 s of fork+exec), then four generator steps: openat+close on 1 and 2
#   threads (OPEN_COUNT ops), fork+exec(/bin/true) on 1 and 2 threads (FORK_COUNT ops), each
#   also cut at STEP_SECONDS. Per step: the generator's ops/s and time; the records the consumer
#   took from the ring buffer from the step's start until it had drained them, per second; kernel
#   drops; the consumer's CPU time per record.
# Then (REAL_RUNS times, none vs detector, alternating) a realistic workload: unpack a tarball of
# REAL_SRC (default /usr/include) with tar+gzip and pack it again; wall time.
# Then memory: a fresh detector under fork+exec load (2 threads) for MEM_SECONDS; RSS and table
# sizes from its metrics every MEM_SAMPLE s.
#
#   bench/capture/run.sh                      # build the detector jar, then everything
#   SKIP_BUILD=1 RUNS=1 REAL_RUNS=1 MEM_SECONDS=30 bench/capture/run.sh   # a quick look
#   PARTS="throughput" ...                    # any of: throughput real memory
#   PROFILE=1 ...                             # JFR (settings=profile) of the detector in the throughput part
#
# Results: $OUT/results.txt (one line per step), $OUT/summary.txt (medians and ratios),
# $OUT/real.txt, $OUT/memory.txt, logs of every process.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
export JAVA_HOME=${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}
JAVA="$JAVA_HOME/bin/java"
RUNS=${RUNS:-3}
PARTS=${PARTS:-"throughput real memory"}
OPEN_COUNT=${OPEN_COUNT:-4000000}  # openat+close pairs per step (split over the threads); 1M made 2-3 s steps, too short on a noisy host
FORK_COUNT=${FORK_COUNT:-4000}     # fork+exec+wait per step
STEP_SECONDS=${STEP_SECONDS:-30}   # a step also ends after this
WARMUP=${WARMUP:-10}               # seconds of unmeasured openat load after a consumer starts
REAL_RUNS=${REAL_RUNS:-3}
REAL_SRC=${REAL_SRC:-/usr/include}
REAL_TIMEOUT=${REAL_TIMEOUT:-300}
MEM_SECONDS=${MEM_SECONDS:-240}
MEM_SAMPLE=${MEM_SAMPLE:-15}
METRICS_PORT=${METRICS_PORT:-18766}
DETECTOR_JVM_OPTS=${DETECTOR_JVM_OPTS:-}   # none by default, as ./run.sh starts it
DETECTOR_ARGS=${DETECTOR_ARGS:-}           # more flags for `detector.jar run`, e.g. "--anomaly --anomaly-learning 5s"
PROFILE=${PROFILE:-0}
OUT=${OUT:-$ROOT/bench/target/capture-$(date -u +%Y%m%dT%H%M%SZ)}

[[ $(id -u) == 0 ]] || { echo "needs root (eBPF)" >&2; exit 1; }
command -v curl >/dev/null || { echo "needs curl" >&2; exit 1; }
if ss -Htln "sport = :$METRICS_PORT" | grep -q .; then echo "port $METRICS_PORT is in use; set METRICS_PORT" >&2; exit 1; fi
if [[ "${SKIP_BUILD:-0}" != 1 ]]; then
  (cd "$ROOT" && ./mvnw -o -q -B -ntp -DskipTests package -pl detector)
fi
JAR=$ROOT/detector/target/detector.jar
OBJ=$ROOT/detector/target/classes/bpf/capture.bpf.o
[[ -f $JAR && -f $OBJ ]] || { echo "build first: ./mvnw -q -B -ntp -DskipTests package -pl detector" >&2; exit 1; }

mkdir -p "$OUT"
echo "results in $OUT"
CC=$(command -v gcc || command -v clang)
"$CC" -O2 -Wall -pthread -o "$OUT/gen" "$ROOT/bench/capture/gen.c"
"$CC" -O2 -Wall -o "$OUT/bare" "$ROOT/bench/capture/bare.c" -lbpf
echo "peregrine capture benchmark" > "$OUT/genfile"
# The same in-kernel filter as the detector with its default (bundled stable) rules.
SYSCALLS=$("$JAVA" -jar "$JAR" rules syscalls)
{
  echo "date: $(date -u +%FT%TZ)"
  echo "commit: $(git -C "$ROOT" rev-parse --short HEAD)$(git -C "$ROOT" diff --quiet HEAD -- detector bpf bench/capture || echo '+uncommitted')"
  echo "kernel: $(uname -r)  cpus: $(nproc)  $(grep -m1 'model name' /proc/cpuinfo)"
  echo "java: $("$JAVA" -version 2>&1 | head -1)  DETECTOR_JVM_OPTS='$DETECTOR_JVM_OPTS' DETECTOR_ARGS='$DETECTOR_ARGS'"
  echo "syscalls sent up: $SYSCALLS"
  echo "RUNS=$RUNS OPEN_COUNT=$OPEN_COUNT FORK_COUNT=$FORK_COUNT STEP_SECONDS=$STEP_SECONDS WARMUP=$WARMUP"
  echo "REAL_RUNS=$REAL_RUNS REAL_SRC=$REAL_SRC MEM_SECONDS=$MEM_SECONDS"
} > "$OUT/machine.txt"
cat "$OUT/machine.txt"

CONSUMER_PID="" LOAD_PID=""
stop() { # TERM, then KILL after 30 s; only processes this script started
  local pid=$1
  [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null || return 0
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 300); do kill -0 "$pid" 2>/dev/null || { wait "$pid" 2>/dev/null || true; return 0; }; sleep 0.1; done
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}
cleanup() { stop "$LOAD_PID"; stop "$CONSUMER_PID"; }
trap cleanup EXIT INT TERM

TICK_MS=$((1000 / $(getconf CLK_TCK)))
cpu_ms() { [[ -r /proc/$1/stat ]] && awk -v t="$TICK_MS" '{ sub(/.*\) /, ""); print ($12 + $13) * t }' "/proc/$1/stat" || echo 0; }
rss_kb() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status" 2>/dev/null || echo 0; }
load1() { cut -d' ' -f1 /proc/loadavg; }

metric() { # sum of the detector's Prometheus samples whose name matches (a prefix regex)
  { curl -fs --max-time 5 "http://127.0.0.1:$METRICS_PORT/metrics" || true; } |
    awk -v re="^$1" '$0 ~ re { s += $NF } END { printf "%.0f", s }'
}
# The consumer's counters, read without starting a process (every process the script starts
# would add fork/exec/exit and file records to what is counted): sets REC and DROPS.
MODE=""
mkfifo "$OUT/.tick" && exec {TICK_FD}<> "$OUT/.tick" && rm -f "$OUT/.tick"
nap() { read -r -t "$1" -u "$TICK_FD" _ || true; }   # sleep without /bin/sleep
to_int() { # Prometheus' Java client writes doubles: 12.0, 1.2345678E7 -> integer, into variable $1
  local v=$2 m e ip fp
  if [[ $v == *E* ]]; then
    m=${v%E*} e=${v#*E} ip=${m%.*} fp=""
    [[ $m == *.* ]] && fp=${m#*.}
    while (( ${#fp} < e )); do fp+=0; done
    printf -v "$1" '%s' "$ip${fp:0:e}"
  else
    printf -v "$1" '%s' "${v%.*}"
  fi
}
counters() {
  REC=0 DROPS=0
  case $MODE in
    bare)
      local a b x y
      for _ in 1 2 3; do
        read -r a b _ < "$OUT/bare.stats"; read -r x y _ < "$OUT/bare.stats"
        [[ $a == "$x" && $b == "$y" ]] && break
      done
      REC=$x DROPS=$y ;;
    detector)
      local fd line
      exec {fd}<> "/dev/tcp/127.0.0.1/$METRICS_PORT" || return 0
      printf 'GET /metrics HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n' >&"$fd"
      while IFS= read -r -t 5 -u "$fd" line; do
        case $line in
          "peregrine_detector_records_total "*) to_int REC "${line##* }" ;;
          "peregrine_detector_drops "*) to_int DROPS "${line##* }" ;;
        esac
      done
      exec {fd}>&- ;;
  esac
}

start_consumer() { # mode run
  MODE=$1
  case $1 in
    bare)
      "$OUT/bare" "$OBJ" "$SYSCALLS" "$OUT/bare.stats" 3600 > "$OUT/bare-r$2.log" 2>&1 &
      CONSUMER_PID=$!
      for _ in $(seq 300); do grep -q '^ready' "$OUT/bare-r$2.log" && break; sleep 0.1; done
      grep -q '^ready' "$OUT/bare-r$2.log" || { echo "bare consumer not ready" >&2; cat "$OUT/bare-r$2.log" >&2; exit 1; }
      ;;
    detector)
      local jfr=""
      if [[ $PROFILE == 1 && $2 =~ ^[0-9]+$ ]]; then jfr="-XX:StartFlightRecording=filename=$OUT/detector-r$2.jfr,settings=profile"; fi
      # shellcheck disable=SC2086
      "$JAVA" $DETECTOR_JVM_OPTS $jfr --enable-native-access=ALL-UNNAMED -jar "$JAR" run --metrics-port "$METRICS_PORT" \
        --hostname bench-node $DETECTOR_ARGS > "$OUT/detector-alerts-r$2.jsonl" 2> "$OUT/detector-r$2.log" &
      CONSUMER_PID=$!
      # the processes gauge is registered once the programs are attached and /proc is read
      for _ in $(seq 600); do
        [[ -n $(metric 'peregrine_detector_processes ') && $(metric 'peregrine_detector_processes ') != 0 ]] && break
        kill -0 "$CONSUMER_PID" 2>/dev/null || { echo "detector exited" >&2; cat "$OUT/detector-r$2.log" >&2; exit 1; }
        sleep 0.1
      done
      ;;
  esac
}
stop_consumer() { stop "$CONSUMER_PID"; CONSUMER_PID=""; MODE=""; }
warm_up() { # unmeasured load after a consumer started, so the detector's JIT has seen both paths
  timeout $((WARMUP + 30)) "$OUT/gen" open 1 100000000 "$WARMUP" "$OUT/genfile" > /dev/null
  timeout $((WARMUP + 30)) "$OUT/gen" forkexec 1 100000000 "$(awk -v w="$WARMUP" 'BEGIN { print w / 2 }')" > /dev/null
}

# One generator step with the running consumer; appends a line to results.txt.
step() { # run mode gen threads
  local run=$1 mode=$2 gen=$3 threads=$4 r0 d0 r1 d1 cpu0 cpu1 t0 tend tlast out prev now
  counters; r0=$REC d0=$DROPS
  cpu0=$(cpu_ms "${CONSUMER_PID:-0}")
  t0=$EPOCHREALTIME
  if [[ $gen == open ]]; then
    out=$(timeout $((STEP_SECONDS + 30)) "$OUT/gen" open "$threads" "$OPEN_COUNT" "$STEP_SECONDS" "$OUT/genfile" || true)
  else
    out=$(timeout $((STEP_SECONDS + 30)) "$OUT/gen" forkexec "$threads" "$FORK_COUNT" "$STEP_SECONDS" || true)
  fi
  tend=$EPOCHREALTIME
  local l
  read -r l _ < /proc/loadavg
  # Until the consumer has taken everything out of the ring buffer: its record count grew by less
  # than 200 per ~50 ms poll (background activity adds some) for 0.5 s; at most 600 polls.
  tlast=$tend
  counters; prev=$REC
  if [[ $mode != none ]]; then
    for _ in $(seq 600); do
      nap 0.05
      counters; now=$EPOCHREALTIME
      if (( REC > prev + 200 )); then tlast=$now
      elif (( ${now/./} - ${tlast/./} > 500000 )); then break; fi
      prev=$REC
    done
  fi
  counters; r1=$REC d1=$DROPS
  cpu1=$(cpu_ms "${CONSUMER_PID:-0}")
  # records/s over [start, last growth of the count]; lag = last growth - generator end
  awk -v run="$run" -v mode="$mode" -v gen="$gen" -v th="$threads" -v out="$out" -v t0="$t0" -v te="$tend" -v tl="$tlast" \
      -v r="$((r1 - r0))" -v d="$((d1 - d0))" -v cpu="$((cpu1 - cpu0))" -v l="$l" 'BEGIN {
    n = split(out, kv, /[ =]/); for (i = 1; i < n; i += 2) v[kv[i]] = kv[i + 1]
    span = (tl > te ? tl : te) - t0
    printf "%s %s %s%s ops=%s secs=%s ops_per_s=%s complete=%s records=%d records_per_s=%.0f lag_s=%.2f drops=%d cpu_us_per_record=%.2f load1=%s\n",
      run, mode, gen, th, v["ops"], v["seconds"], v["ops_per_s"], v["complete"], r, (span > 0 ? r / span : 0),
      (tl > te ? tl - te : 0), d, r ? cpu * 1000 / r : 0, l }' | tee -a "$OUT/results.txt"
}

if [[ " $PARTS " == *" throughput "* ]]; then
  MODES=(none bare detector)
  for run in $(seq "$RUNS"); do
    for k in 0 1 2; do
      mode=${MODES[$(((k + run - 1) % 3))]}
      start_consumer "$mode" "$run"
      warm_up
      for gen in open forkexec; do
        for threads in 1 2; do step "$run" "$mode" "$gen" "$threads"; done
      done
      [[ $mode == detector ]] && echo "run $run: $(grep -c "^{" "$OUT/detector-alerts-r$run.jsonl" || true) alerts" >> "$OUT/alerts.txt"
      stop_consumer
    done
  done
fi

if [[ " $PARTS " == *" real "* ]]; then
  # The tarball is made once, unmeasured; a measured step unpacks it and packs the tree again.
  mkdir -p "$OUT/real"
  tar -C "$REAL_SRC" -czf "$OUT/real/src.tgz" . 2> /dev/null || true
  echo "REAL_SRC=$REAL_SRC tarball $(du -h "$OUT/real/src.tgz" | cut -f1), $(tar -tzf "$OUT/real/src.tgz" | wc -l) entries" > "$OUT/real.txt"
  real_step() { # run mode
    rm -rf "$OUT/real/tree" "$OUT/real/out.tgz"
    mkdir -p "$OUT/real/tree"
    local t0 t1 c0 c1
    c0=$(cpu_ms "${CONSUMER_PID:-0}")
    t0=$EPOCHREALTIME
    timeout "$REAL_TIMEOUT" bash -c "tar -C '$OUT/real/tree' -xzf '$OUT/real/src.tgz' && tar -C '$OUT/real/tree' -czf '$OUT/real/out.tgz' ."
    t1=$EPOCHREALTIME
    c1=$(cpu_ms "${CONSUMER_PID:-0}")
    echo "$1 $2 seconds=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }') consumer_cpu_ms=$((c1 - c0)) load1=$(load1)" |
      tee -a "$OUT/real.txt"
  }
  for run in $(seq "$REAL_RUNS"); do
    order=(none detector); (( run % 2 == 0 )) && order=(detector none)
    for mode in "${order[@]}"; do
      start_consumer "$mode" "real$run"
      [[ $mode == detector ]] && warm_up
      real_step "$run" "$mode"
      stop_consumer
    done
  done
  rm -rf "$OUT/real/tree" "$OUT/real/out.tgz"
fi

if [[ " $PARTS " == *" memory "* ]]; then
  start_consumer detector mem
  echo "seconds rss_kb processes fds process_evictions records drops alerts load1" > "$OUT/memory.txt"
  sample() {
    echo "$1 $(rss_kb "$CONSUMER_PID") $(metric 'peregrine_detector_processes ') $(metric 'peregrine_detector_fds ')" \
      "$(metric 'peregrine_detector_process_evictions ') $(metric 'peregrine_detector_records_total') $(metric 'peregrine_detector_drops ')" \
      "$(grep -c "^{" "$OUT/detector-alerts-rmem.jsonl" || true) $(load1)" | tee -a "$OUT/memory.txt"
  }
  sample 0
  "$OUT/gen" forkexec 2 1000000000 "$MEM_SECONDS" > "$OUT/memory-gen.txt" &
  LOAD_PID=$!
  start=$(date +%s)
  while kill -0 "$LOAD_PID" 2>/dev/null && (( $(date +%s) - start < MEM_SECONDS + 30 )); do
    sleep "$MEM_SAMPLE"
    sample $(($(date +%s) - start))
  done
  stop "$LOAD_PID"; LOAD_PID=""
  sample "$(($(date +%s) - start)) (after load)"
  cat "$OUT/memory-gen.txt" >> "$OUT/memory.txt"
  stop_consumer
fi

# --- summary: medians over runs; ratios to the bare consumer (ceiling) and to no capture ---
if [[ -f $OUT/results.txt ]]; then
  awk '
    function median(s,   a, n, i, j, t) { n = split(s, a, " "); for (i = 2; i <= n; i++) { t = a[i]; for (j = i - 1; j >= 1 && a[j] > t; j--) a[j + 1] = a[j]; a[j + 1] = t }
      return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2 }
    { for (i = 4; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
      k = $3; gens[k] = 1
      ops[k, $2] = ops[k, $2] " " v["ops_per_s"]; rec[k, $2] = rec[k, $2] " " v["records_per_s"]
      drops[k, $2] += v["drops"]; cpu[k, $2] = cpu[k, $2] " " v["cpu_us_per_record"]; lag[k, $2] = lag[k, $2] " " v["lag_s"]
      if ($2 != "none") runrec[$1, k, $2] = v["records_per_s"]
      runops[$1, k, $2] = v["ops_per_s"]; runs[$1] = 1 }
    END {
      printf "%-10s %12s %12s %12s %13s %13s %9s %9s %10s %10s %8s %8s %7s %7s\n", "generator", "ops/s none", "ops/s bare", "ops/s det",
        "records/s bare", "records/s det", "det/bare", "drops b/d", "runtime", "runtime", "us/rec", "us/rec", "lag s", "lag s"
      printf "%-10s %12s %12s %12s %13s %13s %9s %9s %10s %10s %8s %8s %7s %7s\n", "", "", "", "", "", "", "(median)", "(sum)",
        "det/bare", "det/none", "bare", "det", "bare", "det"
      split("open1 open2 forkexec1 forkexec2", order, " ")
      for (o = 1; o <= 4; o++) {
        k = order[o]; if (!(k in gens)) continue
        r1 = ""; r2 = ""; r3 = ""
        for (run in runs) {
          if ((run, k, "bare") in runrec && runrec[run, k, "bare"] > 0) r1 = r1 " " runrec[run, k, "detector"] / runrec[run, k, "bare"]
          if (runops[run, k, "detector"] > 0) { r2 = r2 " " runops[run, k, "bare"] / runops[run, k, "detector"]; r3 = r3 " " runops[run, k, "none"] / runops[run, k, "detector"] }
        }
        printf "%-10s %12.0f %12.0f %12.0f %13.0f %13.0f %9.3f %4d/%-4d %10.3f %10.3f %8.2f %8.2f %7.2f %7.2f\n", k,
          median(ops[k, "none"]), median(ops[k, "bare"]), median(ops[k, "detector"]), median(rec[k, "bare"]), median(rec[k, "detector"]),
          median(r1), drops[k, "bare"], drops[k, "detector"], median(r2), median(r3), median(cpu[k, "bare"]), median(cpu[k, "detector"]),
          median(lag[k, "bare"]), median(lag[k, "detector"])
      }
      print "ratios are medians of per-run ratios (same run); runtime ratio = ops/s ratio for the same op count"
    }' "$OUT/results.txt" | tee "$OUT/summary.txt"
fi
if [[ -f $OUT/real.txt ]]; then
  awk 'function median(s,   a, n, i, j, t) { n = split(s, a, " "); for (i = 2; i <= n; i++) { t = a[i]; for (j = i - 1; j >= 1 && a[j] > t; j--) a[j + 1] = a[j]; a[j + 1] = t }
      return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2 }
    $3 ~ /^seconds=/ { split($3, kv, "="); t[$2] = t[$2] " " kv[2]; byrun[$1, $2] = kv[2]; runs[$1] = 1 }
    END { for (r in runs) if (byrun[r, "none"] > 0) q = q " " byrun[r, "detector"] / byrun[r, "none"]
      if (q != "") printf "real workload: median %.2f s without capture, %.2f s with the detector; detector/none %.3f (median of per-run ratios)\n",
        median(t["none"]), median(t["detector"]), median(q) }' "$OUT/real.txt" | tee -a "$OUT/summary.txt"
fi
[[ -f $OUT/alerts.txt ]] && cat "$OUT/alerts.txt" | tee -a "$OUT/summary.txt"
if [[ $PROFILE == 1 ]]; then
  for f in "$OUT"/detector-r*.jfr; do
    [[ -f $f ]] && "$JAVA_HOME/bin/jfr" view --width 200 hot-methods "$f" > "${f%.jfr}-hot-methods.txt" 2>&1 || true
  done
fi
echo "results in $OUT"
