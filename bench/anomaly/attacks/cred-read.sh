# Credential file read.
cat /etc/shadow > /dev/null
