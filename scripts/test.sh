#!/usr/bin/env bash
# Quick start, command 2: set up, then run the whole test suite (slow tests included).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
# The browser test (tests/test_serve.py) drives a headless Chromium: install Debian's when absent
# (quietly; if it cannot, that one test is skipped and pytest prints why).
if ! command -v chromium >/dev/null 2>&1 && command -v apt-get >/dev/null 2>&1; then
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo -n"
  { $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium; } >/dev/null 2>&1 \
    || echo "test.sh: could not install chromium; the browser test will be skipped" >&2
fi
. .venv/bin/activate
python -m pytest -q "$@"
