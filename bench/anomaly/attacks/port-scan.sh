# A TCP port scan of the database host (ports 1-150; closed ports refuse at once).
for p in $(seq 1 150); do
    nc -w 1 db "$p" </dev/null >/dev/null 2>&1
done
