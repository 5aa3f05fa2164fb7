#!/usr/bin/env bash
# Installs and prepares what the tests need on a Debian host (idempotent; needs root for installs).
set -euo pipefail
packages=(curl openssl make clang libbpf-dev libbpf1 bpftool docker.io containerd runc busybox-static prometheus-alertmanager nats-server)
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
