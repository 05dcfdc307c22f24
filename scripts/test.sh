#!/usr/bin/env bash
# Install what the tests need and run them: Jekyll, git and Chromium from
# Debian's packages (Node.js, npm and python3-venv too when missing), the blog's MathJax and
# Mermaid from npm (tests/js), the Python packages in .venv. Extra arguments go
# to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
command -v jekyll >/dev/null 2>&1 || need+=(jekyll)
command -v git >/dev/null 2>&1 || need+=(git)
command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v npm >/dev/null 2>&1 || need+=(nodejs npm)
# Debian's python3 makes a venv only with python3-venv (ensurepip).
[ -x .venv/bin/python ] || python3 -c 'import ensurepip' >/dev/null 2>&1 || need+=(python3-venv)
if [ ${#need[@]} -gt 0 ]; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${need[@]}" >/dev/null
fi

# The exact versions of tests/js/package-lock.json, once per lock file.
if ! cmp -s tests/js/package-lock.json tests/js/node_modules/.installed-lock.json 2>/dev/null; then
  (cd tests/js && npm ci --no-audit --no-fund --loglevel=error && cp package-lock.json node_modules/.installed-lock.json)
fi

[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/python -m pip install -q --disable-pip-version-check -r requirements-dev.txt

.venv/bin/ruff check .
.venv/bin/ruff format --check .
.venv/bin/mypy hfpapers exporters tests benchmarks fixture_server scripts
.venv/bin/python -m pytest "$@"
