#!/usr/bin/env bash
# Quick start, command 1: set up, then run the main job on the embedded default
# (the demo model and sample_data/). Extra arguments go to `tunewiz train`, e.g. --set max_steps=5.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
. .venv/bin/activate
tunewiz train sample_data/demo.yaml "$@"
echo
echo "Next: tunewiz runs    (every run and its state)"
