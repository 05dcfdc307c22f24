#!/usr/bin/env bash
# See a real post offline: serve the recorded Hugging Face and arXiv data
# (tests/fixtures, served by the fixture_server package) on loopback, crawl a day from it into ./demo-site, and,
# when Jekyll is installed, build it to ./demo-site/_site.
# Usage: scripts/demo.sh [YYYY-MM-DD]   (default 2026-02-18)
set -euo pipefail
cd "$(dirname "$0")/.."
day="${1:-2026-02-18}"
port="${DEMO_PORT:-8800}"

if [ ! -f "tests/fixtures/hf_api_daily_papers/$day.json" ]; then
  echo "error: no recording for $day; recorded days: $(ls tests/fixtures/hf_api_daily_papers | sed 's/\.json$//' | tr '\n' ' ')" >&2
  exit 2
fi
if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
  echo "error: port $port is taken; set DEMO_PORT to a free one" >&2
  exit 2
fi

[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/python -m pip install -q --disable-pip-version-check -r requirements.txt

.venv/bin/python -m fixture_server --port "$port" &
server=$!
trap 'kill $server 2>/dev/null' EXIT
for _ in $(seq 50); do
  (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
  kill -0 "$server" 2>/dev/null || { echo "error: the fixture server did not start" >&2; exit 1; }
  sleep 0.1
done

mkdir -p demo-site
base="http://127.0.0.1:$port"
status=0
.venv/bin/scrapy crawl daily -a date="$day" --logfile demo-site/crawl.log \
  -s HF_BASE_URL="$base" -s ARXIV_API_URL="$base/api/query" -s ARXIV_BASE_URL="$base" \
  -s ARXIV_API_DELAY=0 -s ARXIV_ABS_DELAY=0 -s SITE_DIR="$PWD/demo-site" || status=$?
echo "crawl log: demo-site/crawl.log ($(tail -n 1 demo-site/crawl.log | sed 's/^.*INFO: //; s/^.*WARNING: //'))"
[ "$status" -eq 0 ] || exit "$status"

echo "post:      demo-site/_posts/$day-daily-papers.md"
echo "data file: demo-site/_data/papers/daily-$day.json"
if command -v jekyll >/dev/null 2>&1; then
  printf 'markdown: kramdown\n' > demo-site/_config.yml
  jekyll build --quiet -s demo-site -d demo-site/_site
  echo "built:     demo-site/_site/posts/daily-papers-$day/index.html"
fi
