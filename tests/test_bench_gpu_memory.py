"""bench/gpu_memory.py in its CPU smoke mode: the script works end to end on a machine without CUDA.

Only the tunewiz-trainer path runs here (each training child costs ~10 s of imports on a small
CPU); the plain yardstick path goes through the same child runner and is run by hand with
`python bench/gpu_memory.py --smoke` (see bench/RESULTS.md)."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def test_smoke_mode_trains_and_reports_labelled_rss(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, str(REPO / "bench" / "gpu_memory.py"), "--smoke", "--methods", "lora", "--no-plain", "--out",
         str(tmp_path), "--markdown"],
        capture_output=True, text=True, timeout=300, env={**os.environ, "HF_HUB_OFFLINE": "1"})
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-3000:]
    # Clearly labelled: a CPU run measures RSS, not GPU memory.
    assert "smoke mode: peak RSS, not GPU memory" in result.stdout
    assert "measured (peak RSS, GiB; CPU smoke)" in result.stdout
    payload = json.loads((tmp_path / "results.json").read_text())
    assert payload["cuda"] is False and payload["measured"].startswith("peak RSS")
    rows = {row["path"]: row for row in payload["rows"]}
    ours = rows["tunewiz"]                                   # the trainer `tunewiz train` runs
    assert ours["outcome"] == "ok" and ours["measured_gb"] > 0 and ours["tokens_per_s"] > 0
    assert 0.5 < ours["ratio"] < 2.0                          # the CPU estimate is in the right range
    assert "plain baseline: skipped (--no-plain)" in result.stdout
