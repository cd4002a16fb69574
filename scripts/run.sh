#!/usr/bin/env bash
# Quick start, command 1: set up, then run the main job on the embedded default (the demo model
# and sample_data/). On a terminal that is the app (the wizard offers the demo model and the sample
# data when there is no GPU); without a terminal (a pipe, CI) it is the same run, headless:
# `tunewiz train sample_data/demo.yaml`. Extra arguments go to tunewiz.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
. .venv/bin/activate
if [ -t 0 ] && [ -t 1 ]; then
  exec tunewiz "$@"
fi
tunewiz train sample_data/demo.yaml "$@"
echo
echo "Next: tunewiz runs    (every run and its state); tunewiz chat RUN --compare -p 'Where is my parcel?'"
