#!/usr/bin/env bash
# Outputs benchmark (issue 7): alerts/s that the sidekick's Kafka, NATS and email outputs get
# acknowledged by a real server, each next to a ceiling measured against the same server in the
# same run by the server's own tool (or, for NATS, a plain client):
#   kafka  embedded KRaft broker (in the harness JVM)  vs  kafka-producer-perf-test (ProducerPerformance)
#   nats   Debian's nats-server (started here)         vs  jnats: async publish + one flush; publish+flush per message
#   smtp   GreenMail (in the harness JVM)              vs  Postfix's smtp-source, same sessions, same mail
# One harness JVM (dev.peregrine.bench.outputs.OutputBench) per type: warm-up (run 0, not counted),
# then RUNS runs of every step; it prints RESULT lines, medians and output/ceiling ratios.
# Everything on 127.0.0.1; every step bounded in count (and the output steps in time); each harness
# run under `timeout`; nats-server stopped by its PID on exit.
#
#   bench/outputs/run.sh                           # build (-Poutputs), then 3 runs of each type
#   SKIP_BUILD=1 RUNS=1 TYPES=nats bench/outputs/run.sh
#   PROFILE=1 ...                                  # + a JFR recording of each harness JVM
#
# Needs JDK 25, nats-server (Debian: apt-get install -y nats-server) and Postfix's smtp-source:
# /usr/sbin/smtp-source if Postfix is installed, else it is taken from Debian's postfix package
# without installing it (apt-get download + dpkg-deb -x into bench/target/postfix; no service).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
export JAVA_HOME=${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}
JAVA="$JAVA_HOME/bin/java"
RUNS=${RUNS:-3}
TYPES=${TYPES:-"kafka nats smtp"}
ALERTS=${ALERTS:-20000}               # at most this many alerts per output step ...
STEP_SECONDS=${STEP_SECONDS:-10}      # ... and at most this long
WARMUP_ALERTS=${WARMUP_ALERTS:-5000}  # the output's warm-up step (run 0): at most this many alerts ...
WARMUP_SECONDS=${WARMUP_SECONDS:-20}  # ... and at most this long
KAFKA_PARALLELISM=${KAFKA_PARALLELISM:-"4 64 256"}
NATS_PARALLELISM=${NATS_PARALLELISM:-"1 2 4"}
SMTP_PARALLELISM=${SMTP_PARALLELISM:-"4 16"}
KAFKA_CEILING_RECORDS=${KAFKA_CEILING_RECORDS:-100000}  # kafka-producer-perf-test --num-records
NATS_ASYNC_MESSAGES=${NATS_ASYNC_MESSAGES:-200000}      # jnats async publisher (also bounded by STEP_SECONDS)
SMTP_CEILING_MESSAGES=${SMTP_CEILING_MESSAGES:-5000}    # smtp-source -m
NATS_PORT=${NATS_PORT:-14222}
NATS_MONITOR_PORT=${NATS_MONITOR_PORT:-18222}
BENCH_JVM_OPTS=${BENCH_JVM_OPTS:-"-Xms1g -Xmx2g"}
PROFILE=${PROFILE:-0}                 # 1: JFR (settings=profile) of each harness JVM, summarised with JfrTop
OUT=${OUT:-$ROOT/bench/target/outputs-$(date -u +%Y%m%dT%H%M%SZ)}

if [[ "${SKIP_BUILD:-0}" != 1 ]]; then
  (cd "$ROOT" && ./mvnw -q -B -ntp -DskipTests -Poutputs package -pl sidekick,bench -am)
fi
BENCH_CP="$ROOT/bench/target/bench.jar:$ROOT/bench/target/lib/*"
[[ $(unzip -l "$ROOT/bench/target/bench.jar" 2>/dev/null | grep -c 'dev/peregrine/bench/outputs/OutputBench.class') -gt 0 ]] ||
  { echo "build with -Poutputs first: ./mvnw -B -DskipTests -Poutputs package -pl sidekick,bench -am" >&2; exit 1; }
mkdir -p "$OUT"
echo "results in $OUT"

# --- tools ---
NATS_SERVER=$(command -v nats-server || ls /usr/sbin/nats-server 2>/dev/null || true)
if [[ " $TYPES " == *" nats "* && -z $NATS_SERVER ]]; then
  echo "needs nats-server: apt-get install -y nats-server" >&2; exit 1
fi
SMTP_SOURCE=${SMTP_SOURCE:-}
SMTP_SOURCE_LIB=${SMTP_SOURCE_LIB:-}
if [[ " $TYPES " == *" smtp "* && -z $SMTP_SOURCE ]]; then
  if [[ -x /usr/sbin/smtp-source ]]; then
    SMTP_SOURCE=/usr/sbin/smtp-source
  else
    PF=$ROOT/bench/target/postfix
    if [[ ! -x $PF/root/usr/sbin/smtp-source ]]; then
      mkdir -p "$PF" && (cd "$PF" && rm -f postfix_*.deb && apt-get download postfix >/dev/null && dpkg-deb -x postfix_*.deb root)
    fi
    SMTP_SOURCE=$PF/root/usr/sbin/smtp-source
    SMTP_SOURCE_LIB=$PF/root/usr/lib/postfix
  fi
fi

{
  echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "commit: $(git -C "$ROOT" rev-parse --short HEAD)$(git -C "$ROOT" diff --quiet HEAD -- sidekick bench || echo ' (+ uncommitted changes)')"
  echo "cpu: $(nproc) x $(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo)"
  echo "kernel: $(uname -r)"
  echo "java: $("$JAVA" -version 2>&1 | head -2 | tail -1)"
  [[ -n $NATS_SERVER ]] && echo "nats-server: $("$NATS_SERVER" --version 2>&1 | head -1)"
  [[ -n $SMTP_SOURCE ]] && echo "smtp-source: $SMTP_SOURCE"
  echo "settings: RUNS=$RUNS ALERTS=$ALERTS STEP_SECONDS=$STEP_SECONDS WARMUP_ALERTS=$WARMUP_ALERTS WARMUP_SECONDS=$WARMUP_SECONDS" \
    "KAFKA_PARALLELISM='$KAFKA_PARALLELISM' NATS_PARALLELISM='$NATS_PARALLELISM' SMTP_PARALLELISM='$SMTP_PARALLELISM'" \
    "KAFKA_CEILING_RECORDS=$KAFKA_CEILING_RECORDS NATS_ASYNC_MESSAGES=$NATS_ASYNC_MESSAGES SMTP_CEILING_MESSAGES=$SMTP_CEILING_MESSAGES"
  echo "load1 at start: $(cut -d' ' -f1 /proc/loadavg)"
} | tee "$OUT/machine.txt"

NATS_PID=""
stop() { # one process we started, by PID: TERM, then KILL after 30 s
  local pid=$1
  [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null || return 0
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 300); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.1; done
  kill -KILL "$pid" 2>/dev/null || true
}
trap 'stop "$NATS_PID"' EXIT INT TERM

# Upper bound for one harness JVM: every step's own bound, plus startup and slack.
steps_per_run=8
LIMIT=$(( (RUNS + 1) * steps_per_run * (STEP_SECONDS + 70) + WARMUP_SECONDS + 300 ))

harness() { # type, extra args...
  local type=$1; shift
  local p
  case $type in
    kafka) p=$KAFKA_PARALLELISM ;; nats) p=$NATS_PARALLELISM ;; smtp) p=$SMTP_PARALLELISM ;;
  esac
  echo "== $type (parallelism: $p)"
  local jfr=""
  [[ $PROFILE == 1 ]] && jfr="-XX:StartFlightRecording=filename=$OUT/$type.jfr,settings=profile"
  # shellcheck disable=SC2086
  timeout "$LIMIT" "$JAVA" $BENCH_JVM_OPTS $jfr --enable-native-access=ALL-UNNAMED --sun-misc-unsafe-memory-access=allow \
    -cp "$BENCH_CP" dev.peregrine.bench.outputs.OutputBench --type "$type" --runs "$RUNS" \
    --parallelism "${p// /,}" --alerts "$ALERTS" --seconds "$STEP_SECONDS" --warmup-alerts "$WARMUP_ALERTS" --warmup-seconds "$WARMUP_SECONDS" \
    --alerts-file "$ROOT/bench/src/main/resources/falco/sample_alerts.jsonl" \
    --results "$OUT/results.txt" "$@" > "$OUT/$type.log" 2>&1 || echo "warning: $type harness failed (exit $?), see $OUT/$type.log" >&2
  grep -E '^(RESULT|warning)' "$OUT/$type.log" | cut -c1-200 || true
  if [[ $PROFILE == 1 && -f $OUT/$type.jfr ]]; then
    "$JAVA" -cp "$BENCH_CP" dev.peregrine.bench.profile.JfrTop "$OUT/$type.jfr" 40 > "$OUT/$type-profile.txt" 2>&1 || true
  fi
}

for type in $TYPES; do
  case $type in
    kafka)
      harness kafka --ceiling-records "$KAFKA_CEILING_RECORDS" ;;
    nats)
      for port in "$NATS_PORT" "$NATS_MONITOR_PORT"; do
        if ss -Htln "sport = :$port" | grep -q .; then echo "port $port is in use; set NATS_PORT / NATS_MONITOR_PORT" >&2; exit 1; fi
      done
      "$NATS_SERVER" -a 127.0.0.1 -p "$NATS_PORT" -m "$NATS_MONITOR_PORT" > "$OUT/nats-server.log" 2>&1 &
      NATS_PID=$!
      for _ in $(seq 100); do curl -fs -o /dev/null "http://127.0.0.1:$NATS_MONITOR_PORT/varz" && break; sleep 0.1; done
      harness nats --nats-url "nats://127.0.0.1:$NATS_PORT" --nats-monitor "http://127.0.0.1:$NATS_MONITOR_PORT" --nats-pid "$NATS_PID" \
        --ceiling-records "$NATS_ASYNC_MESSAGES"
      stop "$NATS_PID"; NATS_PID="" ;;
    smtp)
      harness smtp --smtp-source "$SMTP_SOURCE" --smtp-source-lib "$SMTP_SOURCE_LIB" --ceiling-records "$SMTP_CEILING_MESSAGES" ;;
    *) echo "unknown type $type (kafka, nats, smtp)" >&2; exit 1 ;;
  esac
done

echo
cat "$OUT"/summary-*.txt 2>/dev/null | tee "$OUT/summary.txt"
echo "load1 at end: $(cut -d' ' -f1 /proc/loadavg)" | tee -a "$OUT/machine.txt"
