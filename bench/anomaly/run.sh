#!/usr/bin/env bash
# Detection quality of the detector's behaviour model (docs/anomaly.md): real containers, a
# learning phase, a normal-only phase and attacks injected into the workloads. Root, Docker, BPF.
# Knobs: LEARN (8m), NORMAL_SECONDS (1200), GAP_SECONDS (70), ROUNDS (2), WINDOW (10s),
# THRESHOLD (0.5: every window scoring at least this is reported, so results can be cut at any
# higher threshold), SKIP_BUILD=1, OUT. Results: $OUT/results.md (from score.py).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
HERE="$ROOT/bench/anomaly"
export JAVA_HOME=${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}
LEARN=${LEARN:-8m}
NORMAL_SECONDS=${NORMAL_SECONDS:-1200}
GAP_SECONDS=${GAP_SECONDS:-70}
ROUNDS=${ROUNDS:-2}
WINDOW=${WINDOW:-10s}
THRESHOLD=${THRESHOLD:-0.5}
METRICS_PORT=${METRICS_PORT:-18767}
OUT=${OUT:-$ROOT/bench/target/anomaly-$(date -u +%Y%m%dT%H%M%SZ)}
S=$RANDOM$RANDOM
IMAGE=peregrine-bench/anomaly:$S
NET=peregrine-anomaly-$S
mkdir -p "$OUT"
echo "out: $OUT" >&2

if [ "${SKIP_BUILD:-0}" != 1 ]; then
    (cd "$ROOT" && ./mvnw -q -B -ntp -DskipTests package -pl detector -am)
fi
# A copy: a rebuild of the detector during the run must not pull the jar from under it.
cp "$ROOT/detector/target/detector.jar" "$OUT/detector.jar"
JAR="$OUT/detector.jar"

DETECTOR_PID=""
CONTAINERS=()
cleanup() {
    set +e
    if [ -n "$DETECTOR_PID" ] && kill -0 "$DETECTOR_PID" 2>/dev/null; then
        kill -TERM "$DETECTOR_PID"
        for _ in $(seq 1 100); do kill -0 "$DETECTOR_PID" 2>/dev/null || break; sleep 0.1; done
    fi
    for c in "${CONTAINERS[@]}"; do docker rm -f "$c" >/dev/null 2>&1; done
    docker network rm "$NET" >/dev/null 2>&1
    docker image rm "$IMAGE" >/dev/null 2>&1
}
trap cleanup EXIT

# The image: static busybox with all its applets, the workloads, a setuid-root helper.
ROOTFS="$OUT/rootfs"
rm -rf "$ROOTFS"
mkdir -p "$ROOTFS"/{bin,etc,opt/wl,run/inbox,tmp,usr/local/bin,srv,www,var/lib/db,data}
cp /bin/busybox "$ROOTFS/bin/busybox"
for a in $(/bin/busybox --list); do [ "$a" = busybox ] || ln -sf busybox "$ROOTFS/bin/$a"; done
cat > "$ROOTFS/etc/passwd" <<'P'
root:x:0:0:root:/root:/bin/sh
db:x:999:999:db:/var/lib/db:/bin/sh
app:x:1000:1000:app:/tmp:/bin/sh
nobody:x:65534:65534:nobody:/:/bin/false
P
printf 'root:x:0:\ndb:x:999:\napp:x:1000:\nnogroup:x:65534:\n' > "$ROOTFS/etc/group"
echo 'root:$6$bench$notarealhash:20000:0:99999:7:::' > "$ROOTFS/etc/shadow"
chmod 0640 "$ROOTFS/etc/shadow"
cp "$HERE"/workloads/*.sh "$ROOTFS/opt/wl/"
gcc -static -O2 -o "$ROOTFS/usr/local/bin/helper" "$HERE/helper.c"
chmod 4755 "$ROOTFS/usr/local/bin/helper"
cp "$ROOTFS/usr/local/bin/helper" "$ROOTFS/srv/x"
chmod 1777 "$ROOTFS/tmp" "$ROOTFS/run/inbox"
chown 999:999 "$ROOTFS/var/lib/db"
tar -C "$ROOTFS" -cf "$OUT/rootfs.tar" .
docker import "$OUT/rootfs.tar" "$IMAGE" >/dev/null
rm -rf "$ROOTFS" "$OUT/rootfs.tar"
docker network create --internal "$NET" >/dev/null

cat > "$OUT/anomaly.yaml" <<Y
anomaly:
  window: $WINDOW
  threshold: $THRESHOLD
  learning-min-events: 100
  alerts-per-minute: 1000
Y
mountpoint -q /sys/kernel/tracing || mount -t tracefs nodev /sys/kernel/tracing || true
"$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED -jar "$JAR" run --anomaly --anomaly-learning "$LEARN" \
    --anomaly-config "$OUT/anomaly.yaml" --anomaly-dir "$OUT/profiles" --metrics-port "$METRICS_PORT" \
    > "$OUT/alerts.jsonl" 2> "$OUT/detector.log" &
DETECTOR_PID=$!
for _ in $(seq 1 300); do grep -q "metrics on" "$OUT/detector.log" 2>/dev/null && break; sleep 0.2; done
grep -q "metrics on" "$OUT/detector.log" || { cat "$OUT/detector.log" >&2; exit 1; }
sleep 3

run() { # NAME ALIAS USER SCRIPT
    local name="anomaly-$1-$S"
    docker run -d --name "$name" --network "$NET" --network-alias "$2" --user "$3" \
        --label peregrine.bench=anomaly "$IMAGE" /bin/sh "/opt/wl/$4" >/dev/null
    CONTAINERS+=("$name")
}
run web web 0 web.sh
run db db 999 db.sh
run batch batch 0 batch.sh
run cron cron 1000 cron.sh
run load load 0 load.sh
now() { date +%s; }
LEARN_START=$(now)
LEARN_S=$(( $(echo "$LEARN" | sed 's/m$/*60/; s/s$//; s/h$/*3600/') ))
NORMAL_START=$((LEARN_START + LEARN_S + 30))
NORMAL_END=$((NORMAL_START + NORMAL_SECONDS))
{
    echo "suffix $S"
    echo "workloads web db batch cron load"
    echo "learn_start $LEARN_START"
    echo "normal_start $NORMAL_START"
    echo "normal_end $NORMAL_END"
    echo "window $WINDOW"
    echo "threshold_floor $THRESHOLD"
} > "$OUT/phases.txt"
echo "learning until $(date -d @$NORMAL_START), normal-only until $(date -d @$NORMAL_END)" >&2
while [ "$(now)" -lt "$NORMAL_END" ]; do
    kill -0 "$DETECTOR_PID" || { echo "detector died" >&2; exit 1; }
    sleep 5
done

# Attacks: the attacker's listeners and file server, then one attack script per slot, dropped
# into the victim's inbox from the host (docker cp: nothing runs in the victim for it).
docker run -d --name "anomaly-attacker-$S" --network "$NET" --network-alias attacker "$IMAGE" /bin/sh -c '
    httpd -f -p 8000 -h /srv &
    while true; do nc -l -p 3333 > /dev/null; done &
    while true; do (sleep 2; echo id; echo "cat /etc/passwd"; sleep 3; echo exit) | nc -l -p 4444; done' >/dev/null
CONTAINERS+=("anomaly-attacker-$S")
echo "attack_start $(now)" >> "$OUT/phases.txt"
PLAN1="reverse-shell:web miner:batch cred-read:web port-scan:load dropped-binary:cron new-listen:db privesc:cron"
PLAN2="reverse-shell:db miner:load cred-read:batch port-scan:web dropped-binary:batch new-listen:web privesc:db"
round=1
for plan in "$PLAN1" "$PLAN2"; do
    [ "$round" -le "$ROUNDS" ] || break
    for slot in $plan; do
        kind=${slot%%:*}
        victim=${slot##*:}
        docker cp "$HERE/attacks/$kind.sh" "anomaly-$victim-$S:/run/inbox/$kind-$round.sh"
        echo "$(now) $kind anomaly-$victim-$S $round" | tee -a "$OUT/attacks.txt" >&2
        sleep "$GAP_SECONDS"
        kill -0 "$DETECTOR_PID" || { echo "detector died" >&2; exit 1; }
    done
    round=$((round + 1))
done
echo "attack_end $(now)" >> "$OUT/phases.txt"
exec 3<>/dev/tcp/127.0.0.1/"$METRICS_PORT"
printf 'GET /metrics HTTP/1.0\r\n\r\n' >&3
grep -E '^peregrine_detector_(anomaly|records|drops|evaluation)' <&3 > "$OUT/metrics.txt" || true
exec 3<&-
ps -o rss=,time= -p "$DETECTOR_PID" > "$OUT/detector-ps.txt" || true
{ uname -r; nproc; grep -m1 'model name' /proc/cpuinfo; free -g | head -2; uptime; } > "$OUT/machine.txt"
cleanup
DETECTOR_PID=""
python3 "$HERE/score.py" "$OUT" > "$OUT/results.md"
cat "$OUT/results.md"
