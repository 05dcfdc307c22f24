#!/usr/bin/env bash
# Try hfpapers offline: serve the recorded Hugging Face and arXiv data (tests/fixtures, served
# by the fixture_server package, with its stand-in for an OpenAI-compatible model) on loopback,
# crawl it into the checkout's demo-site (or DEMO_SITE, from where you are), and, when Jekyll is installed, build it to _site as
# the blog shows it: Chirpy's layout parts (tests/chirpy), the chart drawn, the math set and the
# search box run by the blog's Mermaid, MathJax and Simple-Jekyll-Search (tests/js, after npm ci
# there). The crawl's log goes to
# _logs/, which Jekyll does not publish.
# Usage:
#   scripts/demo.sh [daily] [YYYY-MM-DD]           a day's post (default 2026-02-18)
#   scripts/demo.sh weekly 2026-W08                a week's post
#   scripts/demo.sh monthly 2026-02                a month's post
#   scripts/demo.sh backfill 2026-02-16 2026-02-20 one post per day of a range
#   scripts/demo.sh summaries [YYYY-MM-DD]         a day's post with Korean summaries (the stub model)
set -euo pipefail
caller="$PWD"
cd "$(dirname "$0")/.."
port="${DEMO_PORT:-8800}"
site="${DEMO_SITE:-demo-site}" # DEMO_SITE from where you are; by default in the checkout
case "${DEMO_SITE:-/}" in /*) ;; *) site="$caller/$DEMO_SITE" ;; esac

# Checked against the recordings before anything starts: one line and exit 2 if not.
mode="daily"
case "${1:-}" in daily | weekly | monthly | backfill | summaries) mode="$1" ;; esac
plan="$(python3 scripts/demo_plan.py plan "$@")"
mapfile -t plan <<<"$plan"
spider="${plan[0]}"
crawl_args=()
for arg in "${plan[@]:1}"; do crawl_args+=(-a "$arg"); done

if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
  echo "error: port $port is taken; set DEMO_PORT to a free one" >&2
  exit 2
fi

[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/python -m pip install -q --disable-pip-version-check -r requirements.txt

.venv/bin/python -m fixture_server --port "$port" >/dev/null &
server=$!
trap 'kill $server 2>/dev/null' EXIT
for _ in $(seq 50); do
  (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
  kill -0 "$server" 2>/dev/null || { echo "error: the fixture server did not start" >&2; exit 1; }
  sleep 0.1
done

mkdir -p "$site"
site="$(cd "$site" && pwd)"
.venv/bin/python scripts/demo_plan.py site "$site"
mkdir -p "$site/_logs"
log="$site/_logs/crawl.log"
base="http://127.0.0.1:$port"
settings=(-s HF_BASE_URL="$base" -s ARXIV_API_URL="$base/api/query" -s ARXIV_BASE_URL="$base"
  -s ARXIV_API_DELAY=0 -s ARXIV_ABS_DELAY=0 -s HF_PAGE_DELAY=0 -s SITE_DIR="$site")
if [ "$mode" = summaries ]; then
  # The fixture server's model answers every paper with a Korean sentence naming its title.
  settings+=(-s SUMMARY_API_URL="$base/v1" -s SUMMARY_MODEL=demo-stub)
fi
status=0
.venv/bin/scrapy crawl "$spider" "${crawl_args[@]}" --logfile "$log" "${settings[@]}" || status=$?
echo "crawl log: $log ($(tail -n 1 "$log" | sed 's/^.*INFO: //; s/^.*WARNING: //'))"
[ "$status" -eq 0 ] || exit "$status"

built=()
if command -v jekyll >/dev/null 2>&1; then
  jekyll build --quiet -s "$site" -d "$site/_site"
  .venv/bin/python scripts/demo_plan.py libraries "$site"
  built=("$site/_site")
else
  echo "no jekyll: the posts are Markdown files; install Jekyll (apt install jekyll) to see their pages"
fi
.venv/bin/python scripts/demo_plan.py report "$log" "${built[@]}"
