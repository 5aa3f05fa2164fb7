#!/bin/sh
# A shell-driven cron job (uid 1000): every 20 s a job that looks at the system, fetches the
# web server's index and rotates its log.
. /opt/wl/inbox.sh
mkdir -p /tmp/cron
while true; do
    sleep 10
    inbox
    sleep 10
    {
        date
        uptime
        df / | tail -n 1
        ps | wc -l
        wget -q -O - http://web:8080/index.html | wc -c
    } >> /tmp/cron/cron.log 2>&1
    if [ "$(wc -c < /tmp/cron/cron.log)" -gt 20000 ]; then
        mv /tmp/cron/cron.log /tmp/cron/cron.log.1
    fi
    inbox
done
