#!/bin/sh
# The web server's load: page and CGI requests at a varying rate with bursts, and inserts into db.
. /opt/wl/inbox.sh
while true; do
    n=$((RANDOM % 5 + 1))
    [ $((RANDOM % 20)) -eq 0 ] && n=$((RANDOM % 30 + 10))
    i=0
    while [ $i -lt $n ]; do
        wget -q -O /dev/null "http://web:8080/page$((RANDOM % 20)).html"
        i=$((i + 1))
    done
    [ $((RANDOM % 3)) -eq 0 ] && wget -q -O /dev/null http://web:8080/cgi-bin/status
    [ $((RANDOM % 4)) -eq 0 ] && echo "INSERT $(date +%s) $RANDOM" | nc -w 2 db 5432
    inbox
    sleep "$((RANDOM % 3)).$((RANDOM % 10))"
done
