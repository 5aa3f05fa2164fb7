#!/usr/bin/env bash
# Short-lived containers (issue 17): COUNT `docker run --rm` of a one-shot command back to back,
# with the detector running and without it, in alternating blocks of BLOCK runs.
#   - with the detector: the share of the containers' first execs (the one-shot command itself,
#     pid 1 in its container) that the rules saw with the container's full metadata (image
#     repository, name, privileged; every PRIVILEGED_EVERY-th run is privileged), from the
#     alerts of a one-rule rules file that fires on that exec whatever the metadata;
#   - the wall time of each `docker run --rm` (create, start, run, exit, remove) without and with
#     the detector: what the detector adds to a container's start, if anything;
#   - the detector's counters: events held for metadata, released without it, containers
#     announced by the engine, time held.
# Starts, and stops by PID, the detectors it uses; removes the containers it made (--rm) and
# nothing else. Holds /tmp/peregrine-bench.lock (flock) while it runs.
#
#   bench/shortlived/run.sh                    # build the detector jar, then 200 + 200 runs
#   SKIP_BUILD=1 COUNT=50 BLOCK=25 bench/shortlived/run.sh
#
# Needs root, docker.io, busybox-static, curl, JDK 25. When no dockerd answers, scripts/start-dockerd.sh
# starts one, which is stopped (by its PID) at the end.
# Results: $OUT/runs.txt (one line per run), $OUT/summary.txt, $OUT/alerts-b*.jsonl, detector logs.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
export JAVA_HOME=${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}
JAVA="$JAVA_HOME/bin/java"
COUNT=${COUNT:-200}                 # containers with the detector, and as many without
BLOCK=${BLOCK:-25}                  # runs per block; blocks alternate without / with the detector
PRIVILEGED_EVERY=${PRIVILEGED_EVERY:-4}
CONTAINER_WAIT=${CONTAINER_WAIT:-500}   # the detector's --container-wait, ms
IMAGE=${IMAGE:-peregrine-bench/shortlived:1}
METRICS_PORT=${METRICS_PORT:-18767}
OUT=${OUT:-$ROOT/bench/target/shortlived-$(date -u +%Y%m%dT%H%M%SZ)}
LOCK=/tmp/peregrine-bench.lock

[[ $(id -u) == 0 ]] || { echo "needs root (eBPF)" >&2; exit 1; }
# Debian's CLI matches Debian's daemon; another docker earlier in PATH may not.
DOCKER=${DOCKER:-$([[ -x /usr/bin/docker ]] && echo /usr/bin/docker || command -v docker)}
[[ -n $DOCKER ]] || { echo "needs docker" >&2; exit 1; }
docker() { "$DOCKER" "$@"; }
command -v curl > /dev/null || { echo "needs curl" >&2; exit 1; }
[[ -x /bin/busybox ]] || { echo "needs /bin/busybox (busybox-static)" >&2; exit 1; }
(( COUNT % BLOCK == 0 )) || { echo "COUNT must be a multiple of BLOCK" >&2; exit 1; }
if ss -Htln "sport = :$METRICS_PORT" | grep -q .; then echo "port $METRICS_PORT is in use; set METRICS_PORT" >&2; exit 1; fi

exec {LOCK_FD}> "$LOCK"
echo "waiting for $LOCK"
flock "$LOCK_FD"

DOCKERD_PID=""
DETECTOR_PID=""
stop() { # TERM, then KILL after 30 s; only a process this script started
  local pid=$1
  [[ -n $pid ]] && kill -0 "$pid" 2> /dev/null || return 0
  kill -TERM "$pid" 2> /dev/null || true
  for _ in $(seq 300); do kill -0 "$pid" 2> /dev/null || { wait "$pid" 2> /dev/null || true; return 0; }; sleep 0.1; done
  kill -KILL "$pid" 2> /dev/null || true
  wait "$pid" 2> /dev/null || true
}
trap 'stop "$DETECTOR_PID"; stop "$DOCKERD_PID"' EXIT INT TERM
started=$("$ROOT/scripts/start-dockerd.sh")
if [[ $started == started* ]]; then read -r _ DOCKERD_PID _ <<< "$started"; fi

if [[ "${SKIP_BUILD:-0}" != 1 ]]; then
  (cd "$ROOT" && ./mvnw -q -B -ntp -DskipTests package -pl detector -am)
fi
JAR=$ROOT/detector/target/detector.jar
[[ -f $JAR ]] || { echo "build first: ./mvnw -q -B -ntp -DskipTests package -pl detector -am" >&2; exit 1; }
mkdir -p "$OUT"
echo "results in $OUT"

# The image: busybox and an echo applet, imported (no registry). Its repository is what the
# alerts must name.
REPOSITORY=${IMAGE%:*}
if ! docker image inspect "$IMAGE" > /dev/null 2>&1; then
  rootfs=$(mktemp -d)
  mkdir -p "$rootfs/bin" "$rootfs/etc"
  cp /bin/busybox "$rootfs/bin/busybox"
  ln -s busybox "$rootfs/bin/echo"
  printf 'root:x:0:0:root:/root:/bin/sh\n' > "$rootfs/etc/passwd"
  tar -C "$rootfs" -cf "$OUT/rootfs.tar" .
  docker import --message "peregrine short-lived benchmark" "$OUT/rootfs.tar" "$IMAGE" > /dev/null
  rm -rf "$rootfs" "$OUT/rootfs.tar"
fi
PRIV_RUNTIME=""
if docker info --format '{{json .Runtimes}}' | grep -q peregrine-runc; then PRIV_RUNTIME="--runtime=peregrine-runc"; fi

# One rule: the benchmark's command as its container's first process, whatever the metadata says.
cat > "$OUT/rules.yaml" <<'YAML'
- rule: Short-lived container ran
  desc: The one-shot command of the short-lived benchmark, its container's first exec.
  condition: evt.type in (execve, execveat) and container.id != host and proc.vpid=1 and proc.name=echo and proc.args startswith "peregrine-shortlived-"
  output: ran %proc.args repository=%container.image.repository name=%container.name privileged=%container.privileged
  priority: NOTICE
YAML

RUN_ID=$(date +%s)
{
  echo "date: $(date -u +%FT%TZ)"
  echo "commit: $(git -C "$ROOT" rev-parse --short HEAD)$(git -C "$ROOT" diff --quiet HEAD -- detector bpf bench/shortlived || echo '+uncommitted')"
  echo "kernel: $(uname -r)  cpus: $(nproc)  $(grep -m1 'model name' /proc/cpuinfo)"
  echo "docker: $(docker version --format '{{.Server.Version}}')  runtime for privileged: ${PRIV_RUNTIME:-runc}"
  echo "java: $("$JAVA" -version 2>&1 | head -1)"
  echo "COUNT=$COUNT BLOCK=$BLOCK PRIVILEGED_EVERY=$PRIVILEGED_EVERY CONTAINER_WAIT=$CONTAINER_WAIT IMAGE=$IMAGE"
  echo "command: docker run --rm --network none --name pg-sl-$RUN_ID-N [--privileged] $IMAGE /bin/echo peregrine-shortlived-N"
} > "$OUT/machine.txt"
cat "$OUT/machine.txt"


metrics() { curl -fs --max-time 5 "http://127.0.0.1:$METRICS_PORT/metrics" || true; }
metric() { metrics | awk -v re="^$1" '$0 ~ re { s += $NF } END { printf "%.3f", s }'; }

start_detector() { # block
  "$JAVA" --enable-native-access=ALL-UNNAMED -jar "$JAR" run -r "$OUT/rules.yaml" --metrics-port "$METRICS_PORT" \
    --container-wait "$CONTAINER_WAIT" --hostname bench-node > "$OUT/alerts-b$1.jsonl" 2> "$OUT/detector-b$1.log" &
  DETECTOR_PID=$!
  # the processes gauge is there once the programs are attached and /proc is read
  for _ in $(seq 600); do
    [[ $(metric 'peregrine_detector_processes ') != 0.000 ]] && return 0
    kill -0 "$DETECTOR_PID" 2> /dev/null || { echo "detector exited" >&2; cat "$OUT/detector-b$1.log" >&2; exit 1; }
    sleep 0.1
  done
  echo "detector not ready in 60 s" >&2
  exit 1
}

# One `docker run --rm` of run N; appends "block mode N privileged seconds" to runs.txt.
run_one() { # block mode n
  local n=$3 priv=false t0 t1
  local args=(run --rm --network none --name "pg-sl-$RUN_ID-$n")
  if (( PRIVILEGED_EVERY > 0 && n % PRIVILEGED_EVERY == 0 )); then
    priv=true
    args+=(--privileged)
    [[ -n $PRIV_RUNTIME ]] && args+=("$PRIV_RUNTIME")
  fi
  t0=$EPOCHREALTIME
  docker "${args[@]}" "$IMAGE" /bin/echo "peregrine-shortlived-$n" > /dev/null
  t1=$EPOCHREALTIME
  awk -v b="$1" -v m="$2" -v n="$n" -v p="$priv" -v t0="$t0" -v t1="$t1" \
    'BEGIN { printf "%s %s %s %s %.4f\n", b, m, n, p, t1 - t0 }' >> "$OUT/runs.txt"
}

: > "$OUT/runs.txt"
: > "$OUT/counters.txt"
n=0
blocks=$((COUNT / BLOCK))
for b in $(seq "$blocks"); do
  # without, then with the detector; every other pair the other way round
  order=(none detector)
  (( b % 2 == 0 )) && order=(detector none)
  for mode in "${order[@]}"; do
    if [[ $mode == detector ]]; then start_detector "$b"; fi
    for _ in $(seq "$BLOCK"); do
      n=$((n + 1))
      run_one "$b" "$mode" "$n"
    done
    if [[ $mode == detector ]]; then
      # until this block's alerts are all out (bounded), then the counters, then stop
      for _ in $(seq 200); do
        (( $(grep -c 'Short-lived container ran' "$OUT/alerts-b$b.jsonl" || true) >= BLOCK )) && break
        sleep 0.1
      done
      sleep 1 # a held event is released within --container-wait
      echo "block $b held=$(metric 'peregrine_detector_container_held_total') incomplete=$(metric 'peregrine_detector_container_held_incomplete_total') announced=$(metric 'peregrine_detector_container_announced_total') hold_count=$(metric 'peregrine_detector_container_hold_seconds_count') hold_sum_s=$(metric 'peregrine_detector_container_hold_seconds_sum') hold_max_s=$(metric 'peregrine_detector_container_hold_seconds_max') drops=$(metric 'peregrine_detector_drops ')" >> "$OUT/counters.txt"
      stop "$DETECTOR_PID"
      DETECTOR_PID=""
    fi
  done
done

# Each detected run: its alert's output says what the rules saw at the container's first exec.
cat "$OUT"/alerts-b*.jsonl | grep -o 'ran peregrine-shortlived-[0-9]* repository=[^ ]* name=[^ ]* privileged=[a-z]*' |
  sed -E 's/^ran peregrine-shortlived-//' > "$OUT/seen.txt" || true
awk -v repo="$REPOSITORY" -v id="$RUN_ID" -v every="$PRIVILEGED_EVERY" '
  function pct(a, b) { return b ? 100 * a / b : 0 }
  function sort(a, n,   i, j, t) { for (i = 2; i <= n; i++) { t = a[i]; for (j = i - 1; j >= 1 && a[j] > t; j--) a[j + 1] = a[j]; a[j + 1] = t } }
  function q(s, p,   a, n) { n = split(s, a, " "); sort(a, n); return n ? a[int((n - 1) * p) + 1] : 0 }
  FILENAME ~ /runs.txt$/ { t[$2] = t[$2] " " $5; if ($2 == "detector") { det[$3] = 1; ndet++ } next }
  { # seen.txt: "N repository=R name=X privileged=P"
    split($2, r, "="); split($3, nm, "="); split($4, pv, "=")
    seen++
    priv = (every > 0 && $1 % every == 0) ? "true" : "false"
    if (r[2] == repo && nm[2] == "pg-sl-" id "-" $1 && pv[2] == priv) full++
    else missing = missing " " $1 "(" r[2] "," nm[2] "," pv[2] ")"
  }
  END {
    printf "containers run with the detector: %d; first execs seen by the rules: %d; with full metadata: %d (%.1f %%)\n", ndet, seen, full, pct(full, ndet)
    if (missing != "") print "without full metadata:" missing
    printf "docker run --rm wall time, s: without detector p50 %.3f p90 %.3f; with detector p50 %.3f p90 %.3f; p50 with/without %.3f\n",
      q(t["none"], 0.5), q(t["none"], 0.9), q(t["detector"], 0.5), q(t["detector"], 0.9), q(t["detector"], 0.5) / q(t["none"], 0.5)
  }' "$OUT/runs.txt" "$OUT/seen.txt" | tee "$OUT/summary.txt"
awk '{ for (i = 3; i <= NF; i++) { split($i, kv, "="); s[kv[1]] += kv[2]; if (kv[1] == "hold_max_s" && kv[2] > mx) mx = kv[2] } }
  END { printf "detector counters over all blocks: held events %d, released without metadata %d, containers announced %d, containers held %d, mean hold %.1f ms, max hold %.1f ms, kernel drops %d\n",
    s["held"], s["incomplete"], s["announced"], s["hold_count"], s["hold_count"] ? 1000 * s["hold_sum_s"] / s["hold_count"] : 0, 1000 * mx, s["drops"] }' \
  "$OUT/counters.txt" | tee -a "$OUT/summary.txt"
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$OUT/summary.txt"
