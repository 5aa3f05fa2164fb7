#!/usr/bin/env bash
# Installs and prepares what the tests need on a Debian host (idempotent; needs root for installs).
set -euo pipefail
packages=(curl openssl make clang libbpf-dev libbpf1 bpftool docker.io containerd runc busybox-static prometheus-alertmanager nats-server
  prometheus docker-compose)
missing=()
for p in "${packages[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "missing Debian packages: ${missing[*]} (run as root, or install them)" >&2
    exit 1
  fi
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi

# Classic tracepoints (execveat's entry probe) need tracefs; a freshly booted machine may not
# have it mounted. The detector works without it, with less (docs/events.md, execveat).
if ! mountpoint -q /sys/kernel/tracing 2>/dev/null && [ ! -d /sys/kernel/tracing/events ]; then
  if [ "$(id -u)" -eq 0 ] && mount -t tracefs nodev /sys/kernel/tracing 2>/dev/null; then
    echo "setup-host: mounted tracefs at /sys/kernel/tracing"
  else
    echo "setup-host: tracefs is not mounted at /sys/kernel/tracing and could not be (needs root); execveat reads as execve"
  fi
fi
