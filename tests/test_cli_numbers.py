"""Whole-number options with a range (lint --workers / --max-length, openai --epochs / --limit, serve --port),
run as a user runs them: a value out of range, a number too long to quote, or no number at all gets exit 2
and one short message that names the option and the range; nothing is echoed back whole."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

SAMPLE = str(Path(__file__).resolve().parents[1] / "sample_data" / "support_openai.jsonl")
ENV = {**os.environ, "HF_HUB_OFFLINE": "1", "COLUMNS": "100", "OPENAI_API_KEY": ""}
DIGITS = "9" * 5000


def tunewiz(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "tui.cli", *args], capture_output=True, text=True, env=ENV, timeout=60)


@pytest.mark.parametrize("args,said", [
    (("lint", SAMPLE, "--workers", DIGITS), "argument --workers: a 5,000-digit number is more than 256."),
    (("lint", SAMPLE, "--workers", "0"), "argument --workers: 0 is less than 1."),
    (("lint", SAMPLE, "--max-length", "-" + DIGITS), "argument --max-length: a negative 5,000-digit number is less than 1."),
    (("lint", SAMPLE, "--max-length", "x" + DIGITS), "argument --max-length: 'x9999"),
    (("openai", "validate", SAMPLE, "--epochs", "51"), "argument --epochs: 51 is more than 50."),
    (("openai", "list", "--limit", DIGITS), "argument --limit: a 5,000-digit number is more than 100."),
    (("serve", "--port", "65536"), "argument --port: 65536 is more than 65,535."),
    (("serve", "--port", "-1"), "argument --port: -1 is less than 0."),
])
def test_a_whole_number_out_of_range_gets_one_short_message(args, said):
    result = tunewiz(*args)
    assert result.returncode == 2, result.stderr
    flat = " ".join(result.stderr.replace("│", " ").split())   # rich draws the message in a box
    assert said in flat, flat
    assert "Traceback" not in result.stderr and len(result.stderr) < 1200 and DIGITS[:300] not in flat


def test_numbers_in_range_still_work():
    result = tunewiz("lint", SAMPLE, "--workers", "256", "--max-length", "4096", "--no-tokenizer", "--json")
    assert result.returncode == 0, result.stderr
    assert '"rows": 784' in result.stdout
