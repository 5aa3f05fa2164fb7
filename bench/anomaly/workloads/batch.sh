#!/bin/sh
# A batch job: makes input, checksums and compresses it, cleans up old output.
. /opt/wl/inbox.sh
mkdir -p /data
while true; do
    id=$(date +%s)
    dd if=/dev/urandom of=/data/in.$id bs=1k count=$((RANDOM % 512 + 64)) 2>/dev/null
    md5sum /data/in.$id > /data/out.$id.md5
    gzip -c /data/in.$id > /data/out.$id.gz
    rm -f /data/in.$id
    find /data -name 'out.*' -mmin +3 -exec rm -f {} +
    ls /data | wc -l > /data/count
    inbox
    sleep $((RANDOM % 10 + 5))
done
