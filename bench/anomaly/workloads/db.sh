#!/bin/sh
# A database-like server (uid 999): takes inserts on port 5432 into a log, checkpoints it into a
# table, compacts and counts now and then.
. /opt/wl/inbox.sh
mkdir -p /var/lib/db/data
touch /var/lib/db/data/table
(while true; do nc -l -p 5432 >> /var/lib/db/data/wal 2>/dev/null; done) &
while true; do
    sleep 5
    if [ -s /var/lib/db/data/wal ]; then
        cat /var/lib/db/data/wal >> /var/lib/db/data/table
        : > /var/lib/db/data/wal
    fi
    if [ $((RANDOM % 6)) -eq 0 ]; then
        sort /var/lib/db/data/table | uniq > /var/lib/db/data/table.new
        mv /var/lib/db/data/table.new /var/lib/db/data/table
    fi
    wc -l /var/lib/db/data/table > /var/lib/db/data/stats
    inbox
done
