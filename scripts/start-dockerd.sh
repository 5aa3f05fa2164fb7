#!/usr/bin/env bash
# Makes sure a Docker daemon answers on /var/run/docker.sock, for the container tests (and for
# anyone who wants one on a machine without systemd). Needs root and the docker.io package
# (scripts/setup-host.sh installs it).
#
# Prints one line on stdout:
#   running                    a daemon already answered; it is left alone
#   started <pid> <log file>   this script started dockerd in the background; stop it with
#                              `kill <pid>` (the tests do, by that pid, when they are done)
# Exits non-zero with the reason (and the end of dockerd's log) when no daemon could be had.
#
# What dockerd gets here, and why:
# - no systemd on these machines, so dockerd runs in the background under setsid, logging to a
#   temp file (or $DOCKERD_LOG);
# - `--add-runtime peregrine-runc=scripts/runc-without-sys-resource.sh`: `docker run --privileged`
#   needs it where the capability bounding set lacks CAP_SYS_RESOURCE (see that script);
# - default flags first (overlay2, iptables, docker0); if dockerd dies at start (no iptables, no
#   bridge support), again with `--iptables=false --bridge=none`: the tests use `--network none`.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
sock=/var/run/docker.sock

answering() {
  curl -sf --max-time 3 --unix-socket "$sock" http://localhost/_ping >/dev/null 2>&1
}

if answering; then
  echo running
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "no Docker daemon answers on $sock and starting one needs root" >&2
  exit 1
fi
if ! command -v dockerd >/dev/null 2>&1; then
  echo "dockerd is not installed: run scripts/setup-host.sh (Debian package docker.io)" >&2
  exit 1
fi

# Two test runs at once must not start two daemons.
exec 9>/run/peregrine-start-dockerd.lock
flock -w 120 9
if answering; then
  echo running
  exit 0
fi

log=${DOCKERD_LOG:-$(mktemp /tmp/peregrine-dockerd.XXXXXX.log)}
wait_for() { # pid -> 0 when answering, 1 when dockerd died, 2 on timeout
  local pid=$1
  for _ in $(seq 1 120); do
    answering && return 0
    kill -0 "$pid" 2>/dev/null || return 1
    sleep 0.5
  done
  return 2
}

start() {
  setsid dockerd --add-runtime "peregrine-runc=$here/runc-without-sys-resource.sh" "$@" >>"$log" 2>&1 </dev/null &
  pid=$!
}

start
status=0
wait_for "$pid" || status=$?
if [ "$status" -eq 1 ]; then
  echo "--- dockerd exited at start; again with --iptables=false --bridge=none" >>"$log"
  start --iptables=false --bridge=none
  status=0
  wait_for "$pid" || status=$?
fi
if [ "$status" -ne 0 ]; then
  kill "$pid" 2>/dev/null || true
  echo "dockerd did not answer on $sock (log: $log):" >&2
  tail -n 20 "$log" >&2
  exit 1
fi
echo "started $pid $log"
