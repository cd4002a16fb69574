#!/usr/bin/env bash
# Quick start, command 2: set up, then run the whole test suite (slow tests included).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
# Two tests need programs from Debian, installed quietly when absent (if that fails, only those tests
# skip and pytest prints why): Chromium for the browser test (tests/test_serve.py), Go for rendering
# the exported Ollama Modelfile's TEMPLATE with Go's own text/template (tests/test_export_serving.py).
MISSING=()
command -v chromium >/dev/null 2>&1 || MISSING+=(chromium)
command -v go >/dev/null 2>&1 || MISSING+=(golang-go)
if [ ${#MISSING[@]} -gt 0 ] && command -v apt-get >/dev/null 2>&1; then
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo -n"
  { $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${MISSING[@]}"; } >/dev/null 2>&1 \
    || echo "test.sh: could not install ${MISSING[*]}; the tests that need them will be skipped" >&2
fi
. .venv/bin/activate
# Two workers (pytest-xdist), one test file each at a time so a file's fixtures are built once: the suite
# is mostly subprocesses, start-ups and waits, so it takes about half the time of one worker on 2 CPUs.
# TUNEWIZ_TEST_WORKERS=0 runs it in one process.
python -m pytest -q -n "${TUNEWIZ_TEST_WORKERS:-2}" --dist loadfile "$@"
