# Crypto-miner-like: a connection to a "pool" and 20 s of CPU burn.
nc -w 30 attacker 3333 </dev/null >/dev/null &
timeout 20 sh -c 'while :; do :; done'
