#!/bin/sh
# OCI runtime wrapper for dockerd (registered by start-dockerd.sh as runtime "peregrine-runc").
#
# On machines whose capability bounding set lacks CAP_SYS_RESOURCE (some VMs), `docker run
# --privileged` fails with "unable to apply caps: operation not permitted", because runc asks for
# every capability. This wrapper drops CAP_SYS_RESOURCE from the OCI bundle's config.json (create,
# run) or from the process.json of `runc exec --process`, then execs the real runc. Docker still
# reports the container as privileged. Where the bounding set has CAP_SYS_RESOURCE it changes
# nothing.
bundle=""
process=""
prev=""
for arg in "$@"; do
  case "$prev" in
    --bundle|-b) bundle=$arg ;;
    --process|-p) process=$arg ;;
  esac
  case "$arg" in
    --bundle=*) bundle=${arg#--bundle=} ;;
    --process=*) process=${arg#--process=} ;;
  esac
  prev=$arg
done

capbnd=$(sed -n 's/^CapBnd:[[:space:]]*//p' /proc/self/status)
if [ -n "$capbnd" ] && [ $(( (0x$capbnd >> 24) & 1 )) -eq 0 ]; then
  for f in "${bundle:+$bundle/config.json}" "$process"; do
    if [ -n "$f" ] && [ -f "$f" ]; then
      sed -i -e 's/"CAP_SYS_RESOURCE",//g' -e 's/,"CAP_SYS_RESOURCE"//g' -e 's/"CAP_SYS_RESOURCE"//g' "$f"
    fi
  done
fi

for runc in /usr/sbin/runc /usr/bin/runc; do
  [ -x "$runc" ] && exec "$runc" "$@"
done
exec runc "$@"
