#!/bin/sh
# A web server (busybox httpd) with static pages and a CGI script, driven by load.sh.
. /opt/wl/inbox.sh
mkdir -p /www/cgi-bin
i=0
while [ $i -lt 20 ]; do
    head -c $((RANDOM % 4096 + 256)) /dev/urandom | base64 > /www/page$i.html
    i=$((i + 1))
done
echo '<html><body>hello</body></html>' > /www/index.html
cat > /www/cgi-bin/status <<'CGI'
#!/bin/sh
echo "Content-Type: text/plain"
echo
date
uptime
ls /www | wc -l
CGI
chmod +x /www/cgi-bin/status
httpd -f -p 8080 -h /www &
while true; do
    sleep 1
    inbox
done
