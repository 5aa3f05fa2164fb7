# A backdoor listening on a new port for 20 s.
timeout 20 nc -l -p 31337
