#!/usr/bin/env bash
# Install Scrapyd with hfpapers on a Debian/Ubuntu server (run as root from a checkout):
#   SITE_DIR=/srv/blog deploy/install-scrapyd.sh
# - a user "hfpapers", a venv at /opt/hfpapers/venv with requirements.txt (Scrapyd runs the
#   egg with its own Python and does not install an egg's requirements), the source at
#   /opt/hfpapers/src (for scrapy.cfg and the schedule command);
# - /etc/scrapyd/scrapyd.conf from deploy/scrapyd.conf, the scrapyd service, the egg deployed;
# - /etc/hfpapers/env (sh, read by /opt/hfpapers/bin/hfpapers-schedule, which the timers run),
#   and the timers (systemd): daily 00:15 and 14:00 UTC, weekly, monthly, and the check of
#   the day's jobs at 15:00 UTC (hfpapers-jobs: a failed crawl fails that unit).
set -euo pipefail
cd "$(dirname "$0")/.."
: "${SITE_DIR:?set SITE_DIR to the blog (Jekyll site) folder}"
# /etc/hfpapers/env is sh (deploy/hfpapers-schedule sources it): the path goes in single quotes.
case "$SITE_DIR" in *"'"*) echo "error: SITE_DIR: a path without a ' in it, please" >&2; exit 2 ;; esac

id hfpapers >/dev/null 2>&1 || useradd --system --home /var/lib/scrapyd --shell /usr/sbin/nologin hfpapers
install -d -o hfpapers -g hfpapers /var/lib/scrapyd /var/log/scrapyd /opt/hfpapers
python3 -m venv /opt/hfpapers/venv
/opt/hfpapers/venv/bin/pip install -q -r requirements.txt
rm -rf /opt/hfpapers/src && mkdir -p /opt/hfpapers/src
cp -r scrapy.cfg setup.py hfpapers exporters /opt/hfpapers/src/
chown -R hfpapers:hfpapers /opt/hfpapers/src
install -D -m 0755 deploy/hfpapers-schedule /opt/hfpapers/bin/hfpapers-schedule
install -D -m 0755 deploy/hfpapers-jobs /opt/hfpapers/bin/hfpapers-jobs

install -d /etc/scrapyd /etc/hfpapers
[ -f /etc/scrapyd/scrapyd.conf ] || install -m 0640 -g hfpapers deploy/scrapyd.conf /etc/scrapyd/scrapyd.conf
[ -f /etc/hfpapers/env ] || printf "SITE_DIR='%s'\n" "$SITE_DIR" > /etc/hfpapers/env
chmod 0640 /etc/hfpapers/env && chgrp hfpapers /etc/hfpapers/env

install -m 0644 deploy/systemd/*.service deploy/systemd/*.timer /etc/systemd/system/
systemctl daemon-reload
systemctl enable --now scrapyd.service
for _ in $(seq 30); do curl -fs http://127.0.0.1:6800/daemonstatus.json >/dev/null && break; sleep 1; done
(cd /opt/hfpapers/src && set -a && . /etc/hfpapers/env && /opt/hfpapers/venv/bin/scrapyd-deploy local -p hfpapers)
systemctl enable --now hfpapers-daily.timer hfpapers-weekly.timer hfpapers-monthly.timer hfpapers-jobs.timer
echo "installed; next runs:" && systemctl list-timers "hfpapers-*" --no-pager
